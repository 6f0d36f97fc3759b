#include "tools/stress/reply_parser.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#define NEED_MORE 0L

/*
 * Finds the CRLF ending the line that starts at buf[pos]. Returns the
 * position of the CR, NEED_MORE-style -1 when not all there yet, or -2 for a
 * protocol error (a bare CR, or a line that never ends).
 */
static long line_end(const char *buf, size_t len, size_t pos)
{
    const char *cr = memchr(buf + pos, '\r', len - pos);
    if (!cr)
        return len - pos > STRESS_REPLY_MAX_LINE ? -2 : -1;
    size_t at = (size_t)(cr - buf);
    if (at + 1 == len)
        return -1;
    return buf[at + 1] == '\n' ? (long)at : -2;
}

/* A strict decimal long long: optional '-', then digits only. */
static bool parse_ll(const char *s, size_t n, long long *out)
{
    bool negative = n > 0 && s[0] == '-';
    size_t i = negative ? 1 : 0;
    if (i == n || n - i > 19)
        return false;
    unsigned long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long long)(s[i] - '0');
    }
    if (v > (unsigned long long)LLONG_MAX + (negative ? 1 : 0))
        return false;
    *out = negative ? (long long)(0 - v) : (long long)v;
    return true;
}

static long parse_value(const char *buf, size_t len, size_t pos, struct stress_reply *out,
                        int depth);

/* Skips `count` values starting at pos; returns the end position or <= 0. */
static long skip_values(const char *buf, size_t len, size_t pos, long long count, int depth)
{
    struct stress_reply scratch;
    for (long long i = 0; i < count; i++) {
        long end = parse_value(buf, len, pos, &scratch, depth + 1);
        if (end <= 0)
            return end;
        pos = (size_t)end;
    }
    return (long)pos;
}

/* A $ = ! value: the length line has been read, data starts at pos. */
static long parse_blob(const char *buf, size_t len, size_t pos, long long n,
                       struct stress_reply *out)
{
    if (n < 0 || (unsigned long long)n > (unsigned long long)LONG_MAX - pos - 2)
        return -EPROTO;
    if (len - pos < (size_t)n + 2)
        return NEED_MORE;
    if (buf[pos + n] != '\r' || buf[pos + n + 1] != '\n')
        return -EPROTO;
    out->str = buf + pos;
    out->len = (size_t)n;
    return (long)(pos + (size_t)n + 2);
}

static long parse_value(const char *buf, size_t len, size_t pos, struct stress_reply *out,
                        int depth)
{
    if (depth > STRESS_REPLY_MAX_DEPTH)
        return -EPROTO;
    if (pos >= len)
        return NEED_MORE;
    char type = buf[pos];
    long cr = line_end(buf, len, pos + 1);
    if (cr == -1)
        return NEED_MORE;
    if (cr == -2)
        return -EPROTO;
    const char *line = buf + pos + 1;
    size_t line_len = (size_t)cr - pos - 1;
    size_t next = (size_t)cr + 2;
    long long n = 0;
    memset(out, 0, sizeof(*out));
    out->str = line;
    out->len = line_len;
    switch (type) {
    case '+':
        out->type = SREPLY_STATUS;
        return (long)next;
    case '-':
        out->type = SREPLY_ERROR;
        return (long)next;
    case ',':
        out->type = SREPLY_DOUBLE;
        return line_len ? (long)next : -EPROTO;
    case '(':
        out->type = SREPLY_BIGNUM;
        return line_len ? (long)next : -EPROTO;
    case ':':
        out->type = SREPLY_INTEGER;
        return parse_ll(line, line_len, &out->integer) ? (long)next : -EPROTO;
    case '_':
        out->type = SREPLY_NIL;
        return line_len == 0 ? (long)next : -EPROTO;
    case '#':
        out->type = SREPLY_BOOL;
        if (line_len != 1 || (line[0] != 't' && line[0] != 'f'))
            return -EPROTO;
        out->integer = line[0] == 't';
        return (long)next;
    case '$':
    case '!':
    case '=': {
        if (!parse_ll(line, line_len, &n))
            return -EPROTO;
        if (n == -1 && type == '$') {
            out->type = SREPLY_NIL;
            out->str = NULL;
            out->len = 0;
            return (long)next;
        }
        out->type = type == '$' ? SREPLY_BULK : type == '!' ? SREPLY_ERROR : SREPLY_VERBATIM;
        long end = parse_blob(buf, len, next, n, out);
        if (end > 0 && type == '=') {
            if (out->len < 4 || out->str[3] != ':')
                return -EPROTO;
            out->str += 4;
            out->len -= 4;
        }
        return end;
    }
    case '*':
    case '%':
    case '~':
    case '>':
    case '|': {
        if (!parse_ll(line, line_len, &n) || n < -1 || (n == -1 && type != '*'))
            return -EPROTO;
        out->str = NULL;
        out->len = 0;
        if (n == -1) {
            out->type = SREPLY_NIL;
            return (long)next;
        }
        long long elements = (type == '%' || type == '|') ? 2 * n : n;
        if (n > LLONG_MAX / 2)
            return -EPROTO;
        long end = skip_values(buf, len, next, elements, depth);
        if (end <= 0)
            return end;
        if (type == '|') /* an attribute annotates the reply that follows it */
            return parse_value(buf, len, (size_t)end, out, depth + 1);
        out->str = buf + next;
        out->len = (size_t)end - next;
        out->type = type == '*'   ? SREPLY_ARRAY
                    : type == '%' ? SREPLY_MAP
                    : type == '~' ? SREPLY_SET
                                  : SREPLY_PUSH;
        out->integer = n;
        return end;
    }
    default:
        return -EPROTO;
    }
}

long stress_reply_parse(const char *buf, size_t len, struct stress_reply *out)
{
    return parse_value(buf, len, 0, out, 0);
}

const char *stress_reply_type_name(enum stress_reply_type type)
{
    static const char *const names[] = {
        "status", "error", "integer", "bulk", "nil",    "array",    "map",
        "set",    "push",  "double",  "bool", "bignum", "verbatim",
    };
    return (unsigned)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}
