/*
 * libFuzzer target for the inline splitter: resp_split_args (in place,
 * bounded by a length) against a straightforward model of Redis's
 * sdssplitargs (pointer walking over a NUL-terminated copy, decoding into a
 * separate buffer). Same arguments or the same "unbalanced quotes" verdict.
 * Redis's inline lines never hold a NUL (strchr stops there), so the input is
 * cut at its first NUL.
 */
#include "proto/resp_internal.h"
#include "test/fuzz/fuzz.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tokens {
    char *bytes; /* arguments, each preceded by its length as a size_t */
    size_t len;
};

static void push(struct tokens *t, const char *data, size_t len)
{
    t->bytes = realloc(t->bytes, t->len + sizeof(len) + len + 1);
    CHECK(t->bytes);
    memcpy(t->bytes + t->len, &len, sizeof(len));
    memcpy(t->bytes + t->len + sizeof(len), data, len);
    t->len += sizeof(len) + len;
}

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* The model: returns the argument count or -1. */
static int model_split(const char *p, struct tokens *t)
{
    char *cur = malloc(strlen(p) + 1);
    CHECK(cur);
    int argc = 0;
    for (;;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t n = 0;
        int quote = 0; /* 0, '"' or '\'' */
        for (;;) {
            if (quote == '"') {
                if (!*p)
                    goto unbalanced;
                if (p[0] == '\\' && p[1] == 'x' && isxdigit((unsigned char)p[2]) &&
                    isxdigit((unsigned char)p[3])) {
                    cur[n++] =
                        (char)(hexval((unsigned char)p[2]) * 16 + hexval((unsigned char)p[3]));
                    p += 4;
                    continue;
                }
                if (p[0] == '\\' && p[1]) {
                    const char *from = "nrtba", *to = "\n\r\t\b\a";
                    const char *k = strchr(from, p[1]);
                    cur[n++] = k ? to[k - from] : p[1];
                    p += 2;
                    continue;
                }
                if (*p == '"') {
                    if (p[1] && !isspace((unsigned char)p[1]))
                        goto unbalanced;
                    p++;
                    break;
                }
                cur[n++] = *p++;
            } else if (quote == '\'') {
                if (!*p)
                    goto unbalanced;
                if (p[0] == '\\' && p[1] == '\'') {
                    cur[n++] = '\'';
                    p += 2;
                    continue;
                }
                if (*p == '\'') {
                    if (p[1] && !isspace((unsigned char)p[1]))
                        goto unbalanced;
                    p++;
                    break;
                }
                cur[n++] = *p++;
            } else {
                if (!*p)
                    break;
                if (strchr(" \n\r\t", *p)) {
                    p++;
                    break;
                }
                if (*p == '"' || *p == '\'')
                    quote = *p;
                else
                    cur[n++] = *p;
                p++;
            }
        }
        push(t, cur, n);
        argc++;
    }
    free(cur);
    return argc;
unbalanced:
    free(cur);
    return -1;
}

struct emit_ctx {
    const char *line;
    struct tokens *t;
};

static int emit(void *ctx, size_t offset, size_t len)
{
    struct emit_ctx *c = ctx;
    push(c->t, c->line + offset, len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t len = nul ? (size_t)(nul - data) : size;
    char *line = malloc(len + 1); /* exactly len bytes for the splitter: ASan bounds */
    CHECK(line);
    memcpy(line, data, len);
    line[len] = '\0';

    /* The splitter gets exactly len bytes, so ASan catches a read past them. */
    char *exact = malloc(len ? len : 1);
    CHECK(exact);
    memcpy(exact, data, len);

    struct tokens expect = {0}, got = {0};
    int expect_argc = model_split(line, &expect);
    struct emit_ctx ctx = {exact, &got};
    int got_argc = resp_split_args(exact, len, emit, &ctx);
    if (expect_argc < 0) {
        CHECK(got_argc == -EINVAL);
    } else {
        CHECK(got_argc == expect_argc);
        CHECK(got.len == expect.len && (got.len == 0 || !memcmp(got.bytes, expect.bytes, got.len)));
    }
    free(expect.bytes);
    free(got.bytes);
    free(exact);
    free(line);
    return 0;
}
