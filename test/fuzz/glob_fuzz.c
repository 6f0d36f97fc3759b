/*
 * libFuzzer target for glob_match: the iterative matcher must agree with a
 * slow, obviously-faithful reference written here in the shape of Redis's
 * own matcher (one recursion per `*` run, trying every split).
 *
 * Input: byte 0 picks the mode (bit 0: nocase), byte 1 the pattern length,
 * then the pattern bytes, then the string (capped, so the reference stays
 * fast). Pattern and string are copied into exact-size heap buffers so ASan
 * catches any read past either length.
 *
 * Redis gives up past 1000 nested `*` runs, which only shows with strings of
 * 1000+ bytes, far too slow for the reference. So core/glob.c is compiled a
 * second time below with the limit lowered to SMALL_NESTING, and that copy is
 * checked against the reference run with the same limit. The real limit is
 * covered by test/core/glob_test.cc.
 *
 * The reference compiles every pattern element into a 256-entry byte set
 * (using glibc's own tolower() on signed chars, as Redis does, rather than
 * core/glob.c's folding), then matches element sets recursively with a memo
 * on (element, string offset), which keeps it polynomial.
 */
#include "core/glob.h"

bool glob_match_small_nesting(const char *pattern, size_t pattern_len, const char *string,
                              size_t string_len, bool nocase);

#define SMALL_NESTING         3
#define GLOB_MAX_STAR_NESTING SMALL_NESTING
#define glob_match            glob_match_small_nesting
#include "core/glob.c"
#undef glob_match
#undef GLOB_MAX_STAR_NESTING

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

enum {
    MODE_NOCASE = 1,
    MAX_STRING = 64,
    REDIS_NESTING = 1000, /* Redis gives up past this many nested `*` runs */
};

struct element {
    bool star;
    bool set[256];
};

struct reference {
    const struct element *elements;
    size_t count;
    const unsigned char *string;
    size_t len;
    int max_nesting;
    unsigned char *memo; /* [count + 1][len + 1]: 0 unknown, 1 no, 2 yes */
};

/* Redis's view of a byte (signed char) folded by glibc's C-locale tolower(). */
static int lower(unsigned char byte)
{
    return tolower((signed char)byte);
}

static bool equal(unsigned char a, unsigned char b, bool nocase)
{
    return nocase ? lower(a) == lower(b) : a == b;
}

static bool ranged(unsigned char first, unsigned char last, unsigned char byte, bool nocase)
{
    int low = (signed char)first, high = (signed char)last, value = (signed char)byte;
    if (high < low) {
        int t = high;
        high = low;
        low = t;
    }
    if (nocase) {
        low = tolower(low);
        high = tolower(high);
        value = tolower(value);
    }
    return low <= value && value <= high;
}

/* Parses the class body at pattern[i] (after `[`) into e; returns the index after it. */
static size_t compile_class(const unsigned char *pattern, size_t len, size_t i, bool nocase,
                            struct element *e)
{
    bool negate = i < len && pattern[i] == '^';
    bool in[256] = {false};
    if (negate)
        i++;
    while (i < len) {
        if (pattern[i] == '\\' && i + 1 < len) {
            in[pattern[i + 1]] = true; /* escapes are case-sensitive */
            i += 2;
            continue;
        }
        if (pattern[i] == ']') {
            i++;
            break;
        }
        if (i + 2 < len && pattern[i + 1] == '-') {
            for (int b = 0; b < 256; b++)
                in[b] |= ranged(pattern[i], pattern[i + 2], (unsigned char)b, nocase);
            i += 3;
            continue;
        }
        for (int b = 0; b < 256; b++)
            in[b] |= equal(pattern[i], (unsigned char)b, nocase);
        i++;
    }
    for (int b = 0; b < 256; b++)
        e->set[b] = in[b] != negate;
    return i;
}

/* Returns the number of elements; `*` runs become one star element. */
static size_t compile(const unsigned char *pattern, size_t len, bool nocase, struct element *out)
{
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        struct element *e = &out[count];
        memset(e, 0, sizeof(*e));
        unsigned char c = pattern[i];
        if (c == '*') {
            e->star = true;
            while (i < len && pattern[i] == '*')
                i++;
        } else if (c == '?') {
            memset(e->set, true, sizeof(e->set));
            i++;
        } else if (c == '[') {
            i = compile_class(pattern, len, i + 1, nocase, e);
        } else {
            if (c == '\\' && i + 1 < len)
                c = pattern[++i];
            for (int b = 0; b < 256; b++)
                e->set[b] = equal(c, (unsigned char)b, nocase);
            i++;
        }
    }
    return count;
}

static bool reference_from(struct reference *r, size_t e, size_t s, int nesting);

static bool reference_memo(struct reference *r, size_t e, size_t s, int nesting)
{
    unsigned char *slot = &r->memo[e * (r->len + 1) + s];
    if (!*slot)
        *slot = reference_from(r, e, s, nesting) ? 2 : 1;
    return *slot == 2;
}

/* Does the string from s match the elements from e? Mirrors Redis's recursion. */
static bool reference_from(struct reference *r, size_t e, size_t s, int nesting)
{
    if (nesting > r->max_nesting)
        return false;
    while (e < r->count && s < r->len) {
        if (r->elements[e].star) {
            if (e + 1 == r->count)
                return true;
            for (size_t t = s; t < r->len; t++)
                if (reference_memo(r, e + 1, t, nesting + 1))
                    return true;
            return false;
        }
        if (!r->elements[e].set[r->string[s]])
            return false;
        e++;
        s++;
    }
    if (s == r->len)
        while (e < r->count && r->elements[e].star)
            e++;
    return e == r->count && s == r->len;
}

static bool reference_match(const unsigned char *pattern, size_t pattern_len,
                            const unsigned char *string, size_t string_len, bool nocase,
                            int max_nesting)
{
    struct element *elements = malloc((pattern_len + 1) * sizeof(*elements));
    CHECK(elements);
    struct reference r = {
        .elements = elements,
        .count = compile(pattern, pattern_len, nocase, elements),
        .string = string,
        .len = string_len,
        .max_nesting = max_nesting,
    };
    r.memo = calloc((r.count + 1) * (string_len + 1), 1);
    CHECK(r.memo);
    /* Redis never enters its loop for an empty string. */
    bool matched = string_len == 0 ? pattern_len == 0 : reference_from(&r, 0, 0, 0);
    free(r.memo);
    free(elements);
    return matched;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    bool nocase = data[0] & MODE_NOCASE;
    size_t pattern_len = data[1] % (size - 2 + 1);
    size_t string_len = size - 2 - pattern_len;
    if (string_len > MAX_STRING)
        string_len = MAX_STRING;
    /* Exact sizes (at least 1 byte, as malloc(0) may return NULL). */
    char *pattern = malloc(pattern_len ? pattern_len : 1);
    char *string = malloc(string_len ? string_len : 1);
    CHECK(pattern && string);
    memcpy(pattern, data + 2, pattern_len);
    memcpy(string, data + 2 + pattern_len, string_len);
    const unsigned char *p = (const unsigned char *)pattern, *s = (const unsigned char *)string;

    bool fast = glob_match(pattern, pattern_len, string, string_len, nocase);
    CHECK(fast == reference_match(p, pattern_len, s, string_len, nocase, REDIS_NESTING));
    fast = glob_match_small_nesting(pattern, pattern_len, string, string_len, nocase);
    CHECK(fast == reference_match(p, pattern_len, s, string_len, nocase, SMALL_NESTING));

    free(pattern);
    free(string);
    return 0;
}
