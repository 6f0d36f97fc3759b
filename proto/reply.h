/*
 * The reply encoder and the output chain it writes into.
 *
 * struct outbuf is an append-only chain of segments: small replies are copied
 * into pooled fixed-size blocks, large bulk values are appended by reference
 * to their refcounted bytes (core/bytes.h), so a GET of a 10 MB value copies
 * nothing. The chain is handed to writev in one call (outbuf_iov) and
 * consumed partially after a short write (outbuf_consume).
 *
 * struct reply is the encoder: it knows the connection's protocol version
 * (2 or 3, chosen by HELLO) and writes RESP3 types, or their RESP2 fallbacks
 * exactly as Redis does: maps as flat arrays, sets and pushes as arrays,
 * doubles as bulk strings, booleans as integers 1/0, null as $-1 (null_array:
 * *-1), verbatim strings and big numbers as bulk strings; attributes are
 * dropped under RESP2.
 *
 * Allocation failure never crashes: the reply is marked (reply_oom) and the
 * connection is closed by its owner. No function here locks or does I/O.
 */
#ifndef MAGPIE_PROTO_REPLY_H
#define MAGPIE_PROTO_REPLY_H

#include "core/bytes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bulk values at least this long are referenced, not copied. */
#define REPLY_REF_THRESHOLD 4096

struct outbuf_segment; /* private to proto/reply.c */

struct outbuf {
    struct outbuf_segment *head;
    struct outbuf_segment *tail;
    size_t pending; /* bytes not yet consumed */
    size_t head_offset; /* bytes of head already consumed */
    bool oom;
};

void outbuf_init(struct outbuf *o);
/* Drops everything, including references to bytes. */
void outbuf_free(struct outbuf *o);
size_t outbuf_pending(const struct outbuf *o);
/* Fills up to max iovecs from the unconsumed data; returns the count. */
int outbuf_iov(const struct outbuf *o, struct iovec *iov, int max);
/* n bytes were written; frees fully consumed segments. */
void outbuf_consume(struct outbuf *o, size_t n);
/* Appends raw protocol bytes (copied). */
void outbuf_append(struct outbuf *o, const void *data, size_t len);
/* Appends a reference to b's bytes [offset, offset+len) (takes a new reference). */
void outbuf_append_bytes(struct outbuf *o, struct bytes *b, size_t offset, size_t len);

struct reply {
    struct outbuf *out;
    int proto; /* 2 or 3 */
};

static inline bool reply_oom(const struct reply *r)
{
    return r->out->oom;
}

/* +OK style. The text must not contain CR or LF. */
void reply_simple(struct reply *r, const char *s);
void reply_ok(struct reply *r);
/* An error line: `msg` is the whole message after "-", code included:
 * reply_error(r, "ERR syntax error"), reply_error(r, "WRONGTYPE Operation ...").
 * CR and LF in msg are replaced by spaces, as Redis does. */
void reply_error(struct reply *r, const char *msg);
void reply_errorf(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(struct reply *r, long long v);
/* Bulk string, copied. */
void reply_bulk(struct reply *r, const void *data, size_t len);
void reply_bulk_cstr(struct reply *r, const char *s);
/* Bulk string from refcounted bytes: referenced when long, copied when short. */
void reply_bulk_bytes(struct reply *r, struct bytes *b);
/* Bulk string of a long long's decimal digits. */
void reply_bulk_ll(struct reply *r, long long v);
/* RESP3 `_`; RESP2 `$-1`. */
void reply_null(struct reply *r);
/* RESP3 `_`; RESP2 `*-1`. */
void reply_null_array(struct reply *r);
void reply_array(struct reply *r, size_t n);
/* n key-value pairs: RESP3 `%n`; RESP2 `*2n`. */
void reply_map(struct reply *r, size_t n);
void reply_set(struct reply *r, size_t n);
void reply_push(struct reply *r, size_t n);
void reply_attribute(struct reply *r, size_t n);
/* RESP3 `,`; RESP2 a bulk string, formatted as Redis formats doubles. */
void reply_double(struct reply *r, double v);
void reply_bool(struct reply *r, bool v);
/* RESP3 `=len\r\nfmt:data`; RESP2 a bulk string of data. fmt is 3 chars ("txt"). */
void reply_verbatim(struct reply *r, const char *fmt, const void *data, size_t len);
void reply_bignum(struct reply *r, const char *digits, size_t len);

/*
 * An aggregate whose length is known only after its elements are written
 * (KEYS, SCAN): reserve a placeholder, write the elements, then fill it in.
 */
struct reply_deferred {
    struct outbuf_segment *segment;
    size_t offset;
};
struct reply_deferred reply_defer(struct reply *r);
void reply_array_fill(struct reply *r, struct reply_deferred d, size_t n);
void reply_map_fill(struct reply *r, struct reply_deferred d, size_t n);
void reply_set_fill(struct reply *r, struct reply_deferred d, size_t n);

/*
 * Formats a double as Redis does for replies and INCRBYFLOAT ("inf", "-inf",
 * %.17g, no trailing zeros). Returns the length written (< size).
 */
int reply_format_double(char *buf, size_t size, double v);
/* Formats a long double as INCRBYFLOAT does (humanfriendly %.17Lf trimmed). */
int reply_format_long_double(char *buf, size_t size, long double v);

#ifdef __cplusplus
}
#endif
#endif
