/*
 * Private to proto/: the request reader's state, shared by resp_reader.c
 * (buffer, arena, public entry points), resp_multibulk.c and resp_inline.c
 * (the two request forms).
 *
 * The input buffer holds [0, end) of which [start, end) is not returned yet:
 *
 *   0 ........ start ........ pos ........ end ........ cap
 *   returned   | current command |  unparsed |  free
 *   commands   | parsed so far   |           |
 *
 * Everything is kept as offsets, because the buffer moves when it grows or is
 * compacted; the arguments of the command being parsed are offsets relative
 * to `start`, so compaction (which moves `start` to 0) does not touch them.
 * Commands already returned live in [0, start) until the next
 * resp_reader_space, which is the only place bytes move.
 */
#ifndef MAGPIE_PROTO_RESP_INTERNAL_H
#define MAGPIE_PROTO_RESP_INTERNAL_H

#include "proto/resp.h"

#include <stdbool.h>
#include <stddef.h>

#define RESP_BUFFER_INITIAL   (16 * 1024) /* PROTO_IOBUF_LEN */
/* An empty buffer larger than this is given back (a big pipeline is over). */
#define RESP_BUFFER_KEEP      (256 * 1024)
/* resp_reader_space compacts or grows when less than this is free. */
#define RESP_READ_MIN         (4 * 1024)
/* Redis's limits while a connection is not authenticated. */
#define RESP_UNAUTH_MULTIBULK 10
#define RESP_UNAUTH_BULK      16384

enum resp_phase {
    PHASE_START,     /* between commands: pos == start */
    PHASE_MB_COUNT,  /* waiting for the "*<count>\r\n" line at start */
    PHASE_BULK_LEN,  /* waiting for a "$<len>\r\n" line at pos */
    PHASE_BULK_DATA, /* waiting for bulk_len + 2 bytes at pos */
    PHASE_BIG,       /* receiving a big bulk straight into `big` */
    PHASE_INLINE,    /* waiting for the '\n' of an inline command at start */
    PHASE_ERROR,     /* sticky */
};

/* An argument of the command being parsed. */
struct resp_partial_arg {
    size_t offset; /* from start, when owner is NULL */
    size_t len;
    struct bytes *owner;
};

struct resp_arena_chunk {
    struct resp_arena_chunk *next;
    size_t used, cap;
    struct resp_arg args[];
};

struct resp_reader {
    char *buf;
    size_t cap, start, pos, end;

    /* Line search: where memchr resumes, and whether a NUL byte was met before
     * the line end (Redis searches with strchr, which then never finds it). */
    size_t scan;
    bool scan_blocked;

    enum resp_phase phase;
    long long remaining; /* multibulk arguments still to read */
    long long bulk_len;  /* PHASE_BULK_DATA, PHASE_BIG */

    struct resp_partial_arg *partial;
    size_t partial_n, partial_cap;

    struct bytes *big; /* PHASE_BIG: bulk_len + 2 bytes (CRLF included) */
    size_t big_filled;
    /* A big argument the last commit completed, until the next
     * resp_reader_next: still counted as pending, as Redis's query buffer
     * holds it until the command is parsed. */
    size_t big_done;
    size_t big_arg; /* RESP_BIG_ARG; lowered by the fuzzer to reach this path */

    /* argv arrays of the commands returned since the last resp_reader_space,
     * newest chunk first; owners_returned counts their big arguments whose
     * reference the reader still holds. */
    struct resp_arena_chunk *arena;
    size_t owners_returned;

    struct resp_limits limits;
    bool auth_required;
    long long fast_max_bulk; /* largest bulk length the fast path accepts */

    const char *error;
    bool oom;
    char error_buf[64];
};

/* Parsers for the two forms; each returns RESP_COMMAND (and fills *out),
 * RESP_NEED_MORE, RESP_ERROR, or, for a request that yields no command (an
 * empty line, "*0"), RESP_NEED_MORE with phase back at PHASE_START and
 * pos < end meaning "try again". */
enum resp_status resp__multibulk(struct resp_reader *r, struct resp_command *out);
enum resp_status resp__inline(struct resp_reader *r, struct resp_command *out);

/* Shared helpers (resp_reader.c). */
enum resp_status resp__fail(struct resp_reader *r, const char *msg);
enum resp_status resp__fail_oom(struct resp_reader *r);
struct resp_arg *resp__arena_alloc(struct resp_reader *r, size_t n);
void resp__arena_unalloc(struct resp_reader *r, size_t n);
bool resp__partial_reserve(struct resp_reader *r, size_t n);
/* Turns the partial arguments into a command (argv in the arena); the
 * command's bytes end at pos, which becomes the next start. */
enum resp_status resp__finish(struct resp_reader *r, struct resp_command *out, bool inline_form);
/* Offset of the first `c` at or after `from` as Redis's strchr would find it
 * in its NUL-terminated buffer, or -1 (not yet, or never: a NUL came first).
 * Resumes where the previous search of the same line stopped. */
long resp__find_line_end(struct resp_reader *r, size_t from, char c);
void resp__line_reset(struct resp_reader *r, size_t at);

#endif
