/*
 * The RESP request reader: an incremental, zero-copy parser for the two
 * request forms Redis accepts, multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
 * and inline (`GET k\r\n`, with Redis's quoting rules). Pure code: it never
 * does I/O, never locks, never touches the store.
 *
 * The reader owns the connection's input buffer. The caller asks where to
 * read (resp_reader_space), reads from the socket straight into it, reports
 * how much arrived (resp_reader_commit), then takes every complete command
 * (resp_reader_next). A command's arguments are slices into the buffer, or,
 * for a bulk argument of at least RESP_BIG_ARG bytes, into a refcounted buffer
 * of its own that the socket data was read straight into (so a 100 MB SET is
 * never copied as it arrives, and SET can keep the buffer by taking a
 * reference). Bytes already examined are never scanned again.
 *
 * Arguments (and each command's argv array) stay valid until the next call to
 * resp_reader_space, resp_reader_commit, resp_reader_feed or resp_reader_free;
 * resp_reader_next may be called repeatedly in between and does not invalidate
 * earlier commands' arguments, so a batch can be parsed and then executed.
 *
 * Errors are Redis 7's, byte for byte; after one the connection must send the
 * error reply and close, as Redis does.
 */
#ifndef MAGPIE_PROTO_RESP_H
#define MAGPIE_PROTO_RESP_H

#include "core/bytes.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RESP_INLINE_MAX    (64 * 1024)           /* PROTO_INLINE_MAX_SIZE */
#define RESP_MAX_BULK_LEN  (512LL * 1024 * 1024) /* proto-max-bulk-len default */
/* Redis 7's hard limit on a multibulk count (6.x had 1024 * 1024). */
#define RESP_MAX_MULTIBULK INT_MAX
#define RESP_BIG_ARG       (32 * 1024) /* PROTO_MBULK_BIG_ARG */

struct resp_arg {
    const char *ptr;
    size_t len;
    /* Non-NULL when the argument lives in a buffer of its own (ptr points at
     * owner->data): take a reference to keep it past the command. */
    struct bytes *owner;
};

/* A copy of a command's arguments that outlives the request (a queued or
 * blocked command, a rewritten form): one mem_alloc'd block holding the
 * array and then every argument's bytes; mem_free it. NULL when out of
 * memory. */
struct resp_arg *resp_args_copy(const struct resp_arg *argv, int argc);

struct resp_limits {
    long long max_bulk_len; /* proto-max-bulk-len */
    size_t max_inline_len;  /* inline request and bulk/multibulk count lines */
};

enum resp_status {
    RESP_COMMAND,   /* *out holds a complete command (argc >= 1) */
    RESP_NEED_MORE, /* no complete command buffered */
    RESP_ERROR,     /* protocol error (or out of memory): reply
                       resp_reader_error(), then close */
};

struct resp_command {
    int argc;
    struct resp_arg *argv; /* owned by the reader */
    bool inline_form;      /* came as an inline command */
};

struct resp_reader; /* opaque */

/* NULL when out of memory. limits may be NULL for Redis's defaults. */
struct resp_reader *resp_reader_new(const struct resp_limits *limits);
void resp_reader_free(struct resp_reader *r);
void resp_reader_set_limits(struct resp_reader *r, const struct resp_limits *limits);
/*
 * While the connection has not authenticated (requirepass/ACL), Redis caps a
 * multibulk count at 10 and a bulk length at 16384 ("Protocol error:
 * unauthenticated multibulk length" / "... bulk length"). Off by default.
 */
void resp_reader_require_auth(struct resp_reader *r, bool required);

/*
 * Where to put the next bytes from the socket: *ptr gets a writable region of
 * *len >= 1 bytes. Returns 0, or -ENOMEM when the buffer cannot grow.
 */
int resp_reader_space(struct resp_reader *r, char **ptr, size_t *len);
/* `n` bytes were written at the region from resp_reader_space. */
void resp_reader_commit(struct resp_reader *r, size_t n);

/* Copies `len` bytes in (tests, fuzzing, and callers that already hold data). */
int resp_reader_feed(struct resp_reader *r, const void *data, size_t len);

enum resp_status resp_reader_next(struct resp_reader *r, struct resp_command *out);

/* After RESP_ERROR: the error reply line without "-" and CRLF, e.g.
 * "ERR Protocol error: invalid bulk length". Every later resp_reader_next
 * returns RESP_ERROR again. */
const char *resp_reader_error(const struct resp_reader *r);
/* After RESP_ERROR: true when the cause was an allocation failure (the error
 * text is then "ERR Protocol error: out of memory", not a Redis reply). */
bool resp_reader_oom(const struct resp_reader *r);

/* Bytes buffered and not yet parsed (for client-query-buffer-limit and CLIENT
 * LIST's qbuf), as Redis counts its query buffer: a partly received big
 * argument counts, the parsed arguments of an incomplete command do not. */
size_t resp_reader_pending(const struct resp_reader *r);
/* Bytes of buffer allocated (CLIENT LIST's qbuf-free, INFO memory). */
size_t resp_reader_capacity(const struct resp_reader *r);

/*
 * Splits a line in place with Redis's quoting rules (sdssplitargs, which
 * inline requests, redis.conf and CONFIG SET's multi-word values share),
 * calling emit(ctx, offset, len) for each argument, decoded at line + offset.
 * The line ends at len as if NUL-terminated there. Returns the argument
 * count, -EINVAL for unbalanced quotes, or emit's negative return.
 */
typedef int (*resp_emit_fn)(void *ctx, size_t offset, size_t len);
int resp_split_args(char *line, size_t len, resp_emit_fn emit, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
