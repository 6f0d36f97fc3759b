#include "tools/stress/request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bytebuf_free(struct bytebuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int bytebuf_reserve(struct bytebuf *b, size_t more)
{
    if (b->cap - b->len >= more)
        return 0;
    size_t want = b->cap ? b->cap : 4096;
    while (want - b->len < more)
        want *= 2;
    char *grown = realloc(b->data, want);
    if (!grown)
        return -ENOMEM;
    b->data = grown;
    b->cap = want;
    return 0;
}

int bytebuf_append(struct bytebuf *b, const void *data, size_t len)
{
    if (bytebuf_reserve(b, len) < 0)
        return -ENOMEM;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

void bytebuf_consume(struct bytebuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

int request_append(struct bytebuf *b, int argc, const char *const *argv, const size_t *lens)
{
    size_t need = 16;
    for (int i = 0; i < argc; i++)
        need += lens[i] + 24;
    if (bytebuf_reserve(b, need) < 0)
        return -ENOMEM;
    b->len += (size_t)sprintf(b->data + b->len, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        b->len += (size_t)sprintf(b->data + b->len, "$%zu\r\n", lens[i]);
        memcpy(b->data + b->len, argv[i], lens[i]);
        b->len += lens[i];
        b->data[b->len++] = '\r';
        b->data[b->len++] = '\n';
    }
    return 0;
}
