/*
 * Building requests: a growable byte buffer and the RESP multibulk encoding
 * of a command into it. Used by the event-driven connections and by the
 * blocking client alike.
 */
#ifndef MAGPIE_STRESS_REQUEST_H
#define MAGPIE_STRESS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bytebuf {
    char *data;
    size_t len;
    size_t cap;
};

void bytebuf_free(struct bytebuf *b);
/* Makes room for `more` bytes after len; 0 or -ENOMEM. */
int bytebuf_reserve(struct bytebuf *b, size_t more);
int bytebuf_append(struct bytebuf *b, const void *data, size_t len);
/* Drops the first n bytes. */
void bytebuf_consume(struct bytebuf *b, size_t n);

/* Appends *argc\r\n$len\r\narg\r\n...; 0 or -ENOMEM. */
int request_append(struct bytebuf *b, int argc, const char *const *argv, const size_t *lens);

#ifdef __cplusplus
}
#endif
#endif
