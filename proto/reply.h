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
 * dropped under RESP2 together with their key-value elements (the encoder
 * counts the elements it still has to drop, so callers need not check).
 *
 * An outbuf belongs to one connection and is used by one thread at a time;
 * the pool of free blocks is per thread, so no function here synchronizes.
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

/* Size of one pooled block that small replies are copied into. */
#define OUTBUF_BLOCK_SIZE   (16 * 1024)
/* Free blocks each thread keeps for reuse (bounded: 512 KB per thread). */
#define OUTBUF_CACHE_BLOCKS 32

struct outbuf_segment; /* private to proto/outbuf.c and proto/reply.c */
struct outbuf_block;   /* private */

struct outbuf {
    struct outbuf_segment *head;
    struct outbuf_segment *tail;
    size_t pending;     /* bytes not yet consumed */
    size_t head_offset; /* bytes of head already consumed */
    bool oom;
    /* Error replies written so far (reply_error/reply_errorf): a command
     * failed, for INFO stats, when this grew while it ran. */
    unsigned long errors;
    /* Private: the block small replies are copied into now, and (RESP2) how
     * many elements of a dropped attribute are still to be dropped. */
    struct outbuf_block *block;
    size_t skip;
};

void outbuf_init(struct outbuf *o);
/* Drops everything, including references to bytes; the outbuf is then empty
 * and usable again (oom cleared). */
void outbuf_free(struct outbuf *o);
/* Bytes appended and not yet consumed (including those after a deferred
 * length that is not filled yet). */
size_t outbuf_pending(const struct outbuf *o);
/* Fills up to max iovecs from the unconsumed data; returns the count. Stops
 * before a deferred length that is not filled yet. */
int outbuf_iov(const struct outbuf *o, struct iovec *iov, int max);
/* n bytes were written (n <= the bytes outbuf_iov described); frees fully
 * consumed segments and drops their references. */
void outbuf_consume(struct outbuf *o, size_t n);
/* Appends everything src holds (nothing of it consumed yet) to dst, without
 * copying, and leaves src empty: a reply written elsewhere (a blocked
 * client's, by the writer that served it) joins a connection's output. */
void outbuf_move(struct outbuf *dst, struct outbuf *src);
/* Appends raw protocol bytes (copied). */
void outbuf_append(struct outbuf *o, const void *data, size_t len);
/* Appends a reference to b's bytes [offset, offset+len) (takes a new reference). */
void outbuf_append_bytes(struct outbuf *o, struct bytes *b, size_t offset, size_t len);
/* Frees the blocks the calling thread keeps for reuse (tests, exiting threads;
 * a thread's cache is also freed when the thread exits). */
void outbuf_cache_drain(void);

struct reply {
    struct outbuf *out;
    int proto; /* 2 or 3 */
};

static inline bool reply_oom(const struct reply *r)
{
    return r->out->oom;
}

/* +OK style. The text should not contain CR or LF (they become spaces). */
void reply_simple(struct reply *r, const char *s);
void reply_ok(struct reply *r);
/* An array of n simple strings: the reply of the HELP subcommands. */
void reply_simple_lines(struct reply *r, const char *const *lines, size_t n);
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
 * (KEYS, SCAN): reserve a placeholder, write the elements, then fill it in
 * before the output is written (outbuf_iov stops at an unfilled placeholder).
 * Not allowed inside an attribute that RESP2 drops.
 */
struct reply_deferred {
    struct outbuf_segment *segment;
    size_t offset;
};
struct reply_deferred reply_defer(struct reply *r);
void reply_array_fill(struct reply *r, struct reply_deferred d, size_t n);
void reply_map_fill(struct reply *r, struct reply_deferred d, size_t n);
void reply_set_fill(struct reply *r, struct reply_deferred d, size_t n);

/* Buffer sizes that always suffice for the two formatters below. */
#define REPLY_DOUBLE_MAX_CHARS      32
#define REPLY_LONG_DOUBLE_MAX_CHARS (5 * 1024) /* MAX_LONG_DOUBLE_CHARS */

/*
 * Formats a double as Redis 7.0 does in replies (ZSCORE, ZINCRBY, RESP3
 * doubles): "inf", "-inf", otherwise printf's %.17g ("1.5",
 * "0.10000000000000001", "1e+300", "nan"). Returns the length written
 * (< size; the text is cut short when size is too small).
 */
int reply_format_double(char *buf, size_t size, double v);
/*
 * Formats a long double as INCRBYFLOAT and HINCRBYFLOAT store and reply it
 * (Redis's ld2string humanfriendly mode): %.17Lf with trailing zeros and a
 * trailing dot removed, "-0" as "0", "inf"/"-inf". Returns the length, or 0
 * when size is too small (REPLY_LONG_DOUBLE_MAX_CHARS always suffices).
 */
int reply_format_long_double(char *buf, size_t size, long double v);

#ifdef __cplusplus
}
#endif
#endif
