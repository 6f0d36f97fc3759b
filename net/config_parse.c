/*
 * The lexical half of the configuration: Redis's argument splitting (the
 * quoting rules of redis.conf and redis-cli, which proto's resp_split_args
 * implements for inline requests), strict integers and memory units. Kept
 * apart from the parameter table so both can stay small.
 */
#include "net/config.h"
#include "net/config_internal.h"

#include "core/alloc.h"
#include "core/compiler.h"
#include "proto/resp.h"

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
        int digit = s[i] - '0';
        if (value > (LLONG_MAX - digit) / 10) /* LLONG_MAX itself is fine */
            return -ERANGE;
        value = value * 10 + digit;
    }
    if (value > LLONG_MAX / multiplier)
        return -ERANGE;
    *out = value * multiplier;
    return 0;
}

/* config_split_args's arguments, collected as resp_split_args finds them. */
struct split_args {
    const char *line;
    char **args;
    size_t *lens;
    int argc, cap;
};

static int collect_arg(void *ctx, size_t offset, size_t len)
{
    struct split_args *s = ctx;
    if (s->argc == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        char **args = mem_realloc(s->args, sizeof(*args) * (size_t)cap);
        if (!args)
            return -ENOMEM;
        s->args = args;
        size_t *lens = mem_realloc(s->lens, sizeof(*lens) * (size_t)cap);
        if (!lens)
            return -ENOMEM;
        s->lens = lens;
        s->cap = cap;
    }
    char *arg = mem_alloc(len + 1);
    if (!arg)
        return -ENOMEM;
    memcpy(arg, s->line + offset, len);
    arg[len] = '\0';
    s->args[s->argc] = arg;
    s->lens[s->argc++] = len;
    return 0;
}

int config_split_args(const char *line, char ***out, size_t **lens)
{
    /* Split a copy: resp_split_args decodes in place. */
    size_t len = strlen(line);
    char *copy = mem_strndup(line, len);
    if (!copy)
        return -ENOMEM;
    struct split_args s = {.line = copy};
    int argc = resp_split_args(copy, len, collect_arg, &s);
    mem_free(copy);
    if (argc < 0) {
        config_free_args(s.args, s.lens, s.argc);
        return argc; /* -EINVAL or collect_arg's -ENOMEM */
    }
    *out = s.args;
    if (lens)
        *lens = s.lens;
    else
        mem_free(s.lens);
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
size_t config__append_quoted(char *buf, size_t len, size_t size, const char *s, size_t slen)
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
    const unsigned char *end = (const unsigned char *)s + slen;
    for (const unsigned char *p = (const unsigned char *)s; p < end; p++) {
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
