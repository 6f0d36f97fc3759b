/*
 * The lexical half of the configuration: Redis's argument splitting (the
 * quoting rules of redis.conf and redis-cli), strict integers and memory
 * units. Kept apart from the parameter table so both can stay small.
 */
#include "net/config.h"
#include "net/config_internal.h"

#include "core/alloc.h"
#include "core/compiler.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

/*
 * Memory values as redis.conf writes them: a number and an optional unit,
 * where the "b" suffix means powers of two (1kb = 1024) and a bare letter
 * means powers of ten (1k = 1000). Negative values are refused.
 */
int config_parse_memory(const char *s, long long *out)
{
    static const struct {
        const char *suffix;
        long long multiplier;
    } units[] = {
        {"b", 1},
        {"k", 1000},
        {"kb", 1024},
        {"m", 1000 * 1000},
        {"mb", 1024 * 1024},
        {"g", 1000LL * 1000 * 1000},
        {"gb", 1024LL * 1024 * 1024},
    };
    size_t len = strlen(s);
    size_t digits = 0;
    while (digits < len && isdigit((unsigned char)s[digits]))
        digits++;
    if (digits == 0)
        return -EINVAL;
    long long multiplier = 1;
    if (digits < len) {
        const char *unit = s + digits;
        size_t i;
        for (i = 0; i < ARRAY_SIZE(units); i++)
            if (strcasecmp(unit, units[i].suffix) == 0)
                break;
        if (i == ARRAY_SIZE(units))
            return -EINVAL;
        multiplier = units[i].multiplier;
    }
    long long value = 0;
    for (size_t i = 0; i < digits; i++) { /* leading zeros are fine here */
        if (value > (LLONG_MAX - 9) / 10)
            return -EINVAL;
        value = value * 10 + (s[i] - '0');
    }
    if (value > LLONG_MAX / multiplier)
        return -EINVAL;
    *out = value * multiplier;
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

struct arg_builder {
    char *buf;
    size_t len, cap;
};

static bool builder_push(struct arg_builder *b, char c)
{
    if (b->len + 1 >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        char *p = mem_realloc(b->buf, cap);
        if (!p)
            return false;
        b->buf = p;
        b->cap = cap;
    }
    b->buf[b->len++] = c;
    b->buf[b->len] = '\0';
    return true;
}

/* Reads one argument starting at *pp (not at a space); -1 on bad quoting. */
static int read_one_arg(const char **pp, struct arg_builder *b)
{
    const char *p = *pp;
    bool in_double = false, in_single = false, ok = true;
    if (!builder_push(b, '\0')) /* an empty "" argument still gets a buffer */
        return -ENOMEM;
    b->len = 0;
    for (;;) {
        if (in_double) {
            if (*p == '\0')
                return -1;
            if (p[0] == '\\' && p[1] == 'x' && hex_value(p[2]) >= 0 && hex_value(p[3]) >= 0) {
                ok = builder_push(b, (char)(hex_value(p[2]) * 16 + hex_value(p[3])));
                p += 3;
            } else if (p[0] == '\\' && p[1]) {
                char c = *++p;
                c = c == 'n'   ? '\n'
                    : c == 'r' ? '\r'
                    : c == 't' ? '\t'
                    : c == 'b' ? '\b'
                    : c == 'a' ? '\a'
                               : c;
                ok = builder_push(b, c);
            } else if (*p == '"') {
                /* The closing quote must end the argument. */
                if (p[1] && !isspace((unsigned char)p[1]))
                    return -1;
                p++;
                break;
            } else {
                ok = builder_push(b, *p);
            }
        } else if (in_single) {
            if (*p == '\0')
                return -1;
            if (p[0] == '\\' && p[1] == '\'') {
                ok = builder_push(b, '\'');
                p++;
            } else if (*p == '\'') {
                if (p[1] && !isspace((unsigned char)p[1]))
                    return -1;
                p++;
                break;
            } else {
                ok = builder_push(b, *p);
            }
        } else {
            if (*p == '\0' || isspace((unsigned char)*p))
                break;
            if (*p == '"')
                in_double = true;
            else if (*p == '\'')
                in_single = true;
            else
                ok = builder_push(b, *p);
        }
        if (!ok)
            return -ENOMEM;
        p++;
    }
    *pp = p;
    return 0;
}

int config_split_args(const char *line, char ***out, size_t **lens)
{
    char **args = NULL;
    size_t *sizes = NULL;
    int argc = 0, cap = 0;
    const char *p = line;
    for (;;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        struct arg_builder b = {0};
        int rc = read_one_arg(&p, &b);
        if (rc == 0 && argc == cap) {
            cap = cap ? cap * 2 : 8;
            char **na = mem_realloc(args, sizeof(*args) * (size_t)cap);
            if (na)
                args = na;
            size_t *ns = na ? mem_realloc(sizes, sizeof(*sizes) * (size_t)cap) : NULL;
            if (ns)
                sizes = ns;
            if (!na || !ns)
                rc = -ENOMEM;
        }
        if (rc != 0) {
            mem_free(b.buf);
            config_free_args(args, sizes, argc);
            return -1;
        }
        args[argc] = b.buf;
        sizes[argc] = b.len;
        argc++;
    }
    *out = args;
    if (lens)
        *lens = sizes;
    else
        mem_free(sizes);
    return argc;
}

void config_free_args(char **args, size_t *lens, int argc)
{
    for (int i = 0; i < argc; i++)
        mem_free(args[i]);
    mem_free(args);
    mem_free(lens);
}

/*
 * Appends s as redis-server quotes a command-line value when it turns options
 * into config lines (sdscatrepr): in double quotes, with escapes. Returns the
 * new length, or 0 if it does not fit.
 */
size_t config__append_quoted(char *buf, size_t len, size_t size, const char *s)
{
    char tmp[8];
#define PUT(str, n)                                                                                \
    do {                                                                                           \
        if (len + (n) + 1 >= size)                                                                 \
            return 0;                                                                              \
        memcpy(buf + len, (str), (n));                                                             \
        len += (n);                                                                                \
    } while (0)
    PUT("\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\\':
        case '"':
            tmp[0] = '\\';
            tmp[1] = (char)*p;
            PUT(tmp, 2);
            break;
        case '\n':
            PUT("\\n", 2);
            break;
        case '\r':
            PUT("\\r", 2);
            break;
        case '\t':
            PUT("\\t", 2);
            break;
        case '\a':
            PUT("\\a", 2);
            break;
        case '\b':
            PUT("\\b", 2);
            break;
        default:
            if (isprint(*p)) {
                tmp[0] = (char)*p;
                PUT(tmp, 1);
            } else {
                static const char hex[] = "0123456789abcdef";
                tmp[0] = '\\';
                tmp[1] = 'x';
                tmp[2] = hex[*p >> 4];
                tmp[3] = hex[*p & 15];
                PUT(tmp, 4);
            }
        }
    }
    PUT("\"", 1);
#undef PUT
    buf[len] = '\0';
    return len;
}
