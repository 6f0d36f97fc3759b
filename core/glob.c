/*
 * Glob matching with the exact semantics of Redis 7.0's stringmatchlen(),
 * established by running KEYS, SCAN MATCH and CONFIG GET against a real
 * redis-server 7.0.15 (the table in test/core/glob_test.cc records it).
 *
 * Redis matches recursively, one call per `*`. We match iteratively: a
 * pattern element other than `*` always consumes exactly one byte, so when
 * the rest of the pattern fails after a `*`, only the most recent `*` needs
 * to swallow one more byte and retry (an earlier `*` taking more could only
 * move the later one further right, where it has already been tried). That
 * bounds the work at O(pattern x string) without recursion.
 *
 * The Redis quirks reproduced on purpose:
 *  - an empty string matches only the empty pattern ("*" does not match "":
 *    KEYS and SCAN special-case the single "*" before ever matching);
 *  - a `\` at the very end of the pattern is a literal backslash;
 *  - classes: `]` right after `[` or `[^` closes an empty class (so "[]"
 *    matches nothing and "[^]" any byte); an unterminated class runs to the
 *    end of the pattern; "x-y" is a range whenever two bytes follow the x,
 *    even if the y is the closing `]` ("[a-]" is the range `]`..`a` and the
 *    class goes on); ranges may be reversed; `\` escapes inside a class
 *    compare case-sensitively even in nocase mode;
 *  - bytes are compared as plain x86 `char`, i.e. signed, and nocase folds
 *    them with glibc's C-locale tolower() (see fold() below), which makes
 *    ranges over bytes >= 0x80 behave surprisingly ("[\x00-\xff]" matches
 *    only those two bytes);
 *  - Redis gives up (no match) when its recursion passes 1000 `*` runs; see
 *    star_limit_exceeded().
 */
#include "core/glob.h"

#include <assert.h>

/*
 * Redis refuses to recurse deeper than this many `*` runs. Overridable only
 * so that test/fuzz/glob_fuzz.c can reach the limit with small inputs.
 */
#ifndef GLOB_MAX_STAR_NESTING
#define GLOB_MAX_STAR_NESTING 1000
#endif

/* A byte as Redis sees it: a signed char on x86. */
static int byte_value(unsigned char byte)
{
    return (signed char)byte;
}

/*
 * glibc's tolower() in the C locale (Redis never sets LC_CTYPE), applied to a
 * signed char value: ASCII capitals fold, -128..-2 come back as 128..254
 * (glibc indexes its table with negative chars), and -1 is EOF and stays -1.
 * Written out so that we do not depend on the process locale.
 */
static int fold(int value)
{
    if (value >= 'A' && value <= 'Z')
        return value + ('a' - 'A');
    if (value < -1)
        return value + 256;
    return value;
}

static bool same_byte(unsigned char pattern_byte, unsigned char byte, bool nocase)
{
    if (!nocase)
        return pattern_byte == byte;
    return fold(byte_value(pattern_byte)) == fold(byte_value(byte));
}

static bool in_range(unsigned char first, unsigned char last, unsigned char byte, bool nocase)
{
    int low = byte_value(first), high = byte_value(last), value = byte_value(byte);
    if (low > high) {
        int swap = low;
        low = high;
        high = swap;
    }
    if (nocase) { /* after the swap, as Redis does: "[a-Z]" folds to the empty z..a */
        low = fold(low);
        high = fold(high);
        value = fold(value);
    }
    return value >= low && value <= high;
}

/*
 * Matches `byte` against the class whose body starts at p (just after the
 * `[`). Sets *next to the first pattern byte after the class.
 */
static bool match_class(const unsigned char *p, const unsigned char *end, unsigned char byte,
                        bool nocase, const unsigned char **next)
{
    bool negate = p < end && *p == '^';
    bool matched = false;
    if (negate)
        p++;
    for (;;) {
        if (p == end) { /* unterminated: the class is the rest of the pattern */
            break;
        } else if (*p == '\\' && end - p >= 2) {
            matched |= p[1] == byte; /* case-sensitive even when nocase */
            p += 2;
        } else if (*p == ']') {
            p++;
            break;
        } else if (end - p >= 3 && p[1] == '-') {
            matched |= in_range(p[0], p[2], byte, nocase); /* p[2] may be the `]` */
            p += 3;
        } else {
            matched |= same_byte(*p, byte, nocase);
            p++;
        }
    }
    *next = p;
    return matched != negate;
}

/*
 * Matches one non-`*` pattern element at p against `byte`; sets *next past
 * the element. Every such element consumes exactly one byte of the string.
 */
static bool match_element(const unsigned char *p, const unsigned char *end, unsigned char byte,
                          bool nocase, const unsigned char **next)
{
    assert(p < end && *p != '*');
    switch (*p) {
    case '?':
        *next = p + 1;
        return true;
    case '[':
        return match_class(p + 1, end, byte, nocase, next);
    case '\\':
        if (end - p >= 2)
            p++; /* a trailing `\` stands for itself */
        /* fall through */
    default:
        *next = p + 1;
        return same_byte(*p, byte, nocase);
    }
}

/*
 * Redis recurses once per `*` run and answers "no match" when the rest after
 * the 1001st run has to be matched. Since all elements must be matched, that
 * means: a pattern whose 1001st `*` run is followed by anything never
 * matches a non-empty string. Runs are counted as the matcher reads the
 * pattern (a `*` inside a class or after `\` is no run).
 */
static bool star_limit_exceeded(const unsigned char *p, const unsigned char *end)
{
    /* Runs are separated by at least one byte, and one must follow the last. */
    if (end - p < 2 * (GLOB_MAX_STAR_NESTING + 1))
        return false;
    int runs = 0;
    while (p < end) {
        if (*p == '*') {
            while (p < end && *p == '*')
                p++;
            if (++runs > GLOB_MAX_STAR_NESTING)
                return p < end;
        } else {
            match_element(p, end, 0, false, &p);
        }
    }
    return false;
}

bool glob_match(const char *pattern, size_t pattern_len, const char *string, size_t string_len,
                bool nocase)
{
    if (string_len == 0 || pattern_len == 0) /* Redis never enters its loop for "" */
        return string_len == pattern_len;
    const unsigned char *p = (const unsigned char *)pattern, *p_end = p + pattern_len;
    const unsigned char *s = (const unsigned char *)string, *s_end = s + string_len;
    if (star_limit_exceeded(p, p_end))
        return false;

    /* The most recent `*`: the pattern after it and where it stopped swallowing. */
    const unsigned char *star_rest = NULL, *star_until = NULL;
    while (s < s_end) {
        const unsigned char *next;
        if (p < p_end && *p == '*') {
            while (p < p_end && *p == '*')
                p++;
            if (p == p_end)
                return true;
            star_rest = p;
            star_until = s;
        } else if (p < p_end && match_element(p, p_end, *s, nocase, &next)) {
            p = next;
            s++;
        } else if (star_rest) {
            p = star_rest;
            s = ++star_until;
        } else {
            return false;
        }
    }
    while (p < p_end && *p == '*')
        p++;
    return p == p_end;
}
