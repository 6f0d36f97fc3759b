/*
 * The request reader's buffer and bookkeeping: where socket data goes
 * (resp_reader_space/commit, including straight into a big argument's own
 * buffer), compaction and growth, the arena that holds returned commands'
 * argv arrays, and the dispatch between the two request forms.
 */
#include "proto/resp_internal.h"

#include "core/alloc.h"
#include "core/compiler.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#define ARENA_FIRST_CHUNK 256  /* arguments */
#define ARENA_KEEP_CHUNK  4096 /* a bigger chunk is freed at reset */
#define PARTIAL_KEEP      4096 /* a bigger argument array is freed after its command */

static const struct resp_limits default_limits = {
    .max_bulk_len = RESP_MAX_BULK_LEN,
    .max_inline_len = RESP_INLINE_MAX,
};

static void update_fast_limits(struct resp_reader *r)
{
    r->fast_max_bulk = r->limits.max_bulk_len;
    if (r->auth_required && r->fast_max_bulk > RESP_UNAUTH_BULK)
        r->fast_max_bulk = RESP_UNAUTH_BULK;
}

struct resp_reader *resp_reader_new(const struct resp_limits *limits)
{
    struct resp_reader *r = mem_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->phase = PHASE_START;
    r->big_arg = RESP_BIG_ARG;
    resp_reader_set_limits(r, limits);
    return r;
}

void resp_reader_set_limits(struct resp_reader *r, const struct resp_limits *limits)
{
    r->limits = limits ? *limits : default_limits;
    update_fast_limits(r);
}

void resp_reader_require_auth(struct resp_reader *r, bool required)
{
    r->auth_required = required;
    update_fast_limits(r);
}

/* ---------------------------------------------------------------- arena */

struct resp_arg *resp__arena_alloc(struct resp_reader *r, size_t n)
{
    struct resp_arena_chunk *c = r->arena;
    if (likely(c && c->cap - c->used >= n)) {
        struct resp_arg *a = c->args + c->used;
        c->used += n;
        return a;
    }
    size_t cap = c ? 2 * c->cap : ARENA_FIRST_CHUNK;
    if (cap < n)
        cap = n;
    struct resp_arena_chunk *fresh = mem_alloc(sizeof(*fresh) + cap * sizeof(struct resp_arg));
    if (!fresh)
        return NULL;
    fresh->next = c;
    fresh->cap = cap;
    fresh->used = n;
    r->arena = fresh;
    return fresh->args;
}

/* Gives back the last allocation (the fast path handing over to the slow one). */
void resp__arena_unalloc(struct resp_reader *r, size_t n)
{
    assert(r->arena && r->arena->used >= n);
    r->arena->used -= n;
}

/* Forgets every returned command: drops the reader's references to their big
 * arguments and keeps one chunk for the next batch. */
static void arena_reset(struct resp_reader *r)
{
    for (struct resp_arena_chunk *c = r->arena; c && r->owners_returned; c = c->next) {
        for (size_t i = 0; i < c->used; i++) {
            if (c->args[i].owner) {
                bytes_unref(c->args[i].owner);
                r->owners_returned--;
            }
        }
    }
    assert(r->owners_returned == 0);
    struct resp_arena_chunk *keep = r->arena;
    if (!keep)
        return;
    struct resp_arena_chunk *c = keep->next;
    while (c) {
        struct resp_arena_chunk *next = c->next;
        mem_free(c);
        c = next;
    }
    if (keep->cap > ARENA_KEEP_CHUNK) {
        mem_free(keep);
        r->arena = NULL;
        return;
    }
    keep->next = NULL;
    keep->used = 0;
}

/* ---------------------------------------------------------------- arguments */

bool resp__partial_reserve(struct resp_reader *r, size_t n)
{
    if (n <= r->partial_cap)
        return true;
    size_t cap = r->partial_cap ? r->partial_cap : 16;
    while (cap < n)
        cap *= 2;
    struct resp_partial_arg *p = mem_realloc(r->partial, cap * sizeof(*p));
    if (!p)
        return false;
    r->partial = p;
    r->partial_cap = cap;
    return true;
}

enum resp_status resp__finish(struct resp_reader *r, struct resp_command *out, bool inline_form)
{
    size_t argc = r->partial_n;
    assert(argc >= 1);
    struct resp_arg *argv = resp__arena_alloc(r, argc);
    if (!argv)
        return resp__fail_oom(r);
    const char *base = r->buf + r->start;
    for (size_t i = 0; i < argc; i++) {
        const struct resp_partial_arg *p = &r->partial[i];
        argv[i].len = p->len;
        argv[i].owner = p->owner;
        if (p->owner) {
            argv[i].ptr = p->owner->data;
            r->owners_returned++;
        } else {
            argv[i].ptr = base + p->offset;
        }
    }
    r->partial_n = 0;
    if (r->partial_cap > PARTIAL_KEEP) {
        /* A command with a huge argc is over: do not keep its array. */
        mem_free(r->partial);
        r->partial = NULL;
        r->partial_cap = 0;
    }
    r->start = r->pos;
    r->phase = PHASE_START;
    out->argc = (int)argc;
    out->argv = argv;
    out->inline_form = inline_form;
    return RESP_COMMAND;
}

/* ---------------------------------------------------------------- errors */

enum resp_status resp__fail(struct resp_reader *r, const char *msg)
{
    r->error = msg;
    r->phase = PHASE_ERROR;
    return RESP_ERROR;
}

enum resp_status resp__fail_oom(struct resp_reader *r)
{
    r->oom = true;
    return resp__fail(r, "ERR Protocol error: out of memory");
}

const char *resp_reader_error(const struct resp_reader *r)
{
    return r->error ? r->error : "";
}

bool resp_reader_oom(const struct resp_reader *r)
{
    return r->oom;
}

/* ---------------------------------------------------------------- lines */

void resp__line_reset(struct resp_reader *r, size_t at)
{
    r->scan = at;
    r->scan_blocked = false;
}

long resp__find_line_end(struct resp_reader *r, size_t from, char c)
{
    if (r->scan_blocked)
        return -1;
    if (r->scan < from)
        r->scan = from;
    const char *p = r->buf + r->scan;
    size_t n = r->end - r->scan;
    const char *hit = memchr(p, c, n);
    size_t searched = hit ? (size_t)(hit - p) : n;
    if (unlikely(memchr(p, '\0', searched) != NULL)) {
        r->scan_blocked = true;
        return -1;
    }
    if (!hit) {
        r->scan = r->end;
        return -1;
    }
    r->scan = (size_t)(hit - r->buf);
    return (long)r->scan;
}

/* ---------------------------------------------------------------- buffer */

/* Moves the unreturned bytes to the front of the buffer. */
static void compact(struct resp_reader *r)
{
    size_t shift = r->start;
    if (shift == 0)
        return;
    if (r->end > r->start)
        memmove(r->buf, r->buf + shift, r->end - shift);
    r->start = 0;
    r->pos -= shift;
    r->end -= shift;
    r->scan = r->scan > shift ? r->scan - shift : 0;
}

static int make_room(struct resp_reader *r)
{
    if (r->start == r->end && r->cap > RESP_BUFFER_KEEP) {
        /* The buffer is empty and a big request made it large: give it back. */
        mem_free(r->buf);
        r->buf = NULL;
        r->cap = 0;
        r->pos -= r->start;
        r->end = r->start = r->scan = 0;
    }
    if (!r->buf) {
        r->buf = mem_alloc(RESP_BUFFER_INITIAL);
        if (!r->buf)
            return -ENOMEM;
        r->cap = RESP_BUFFER_INITIAL;
    }
    if (r->start == r->end)
        compact(r); /* free: nothing to move */
    if (r->cap - r->end >= RESP_READ_MIN)
        return 0;
    compact(r);
    /* Double when the request being parsed fills more than half the buffer,
     * so each compaction is followed by at least cap/2 bytes of reading. */
    if (r->cap - r->end >= RESP_READ_MIN && r->end <= r->cap / 2)
        return 0;
    char *grown = mem_realloc(r->buf, 2 * r->cap);
    if (!grown)
        return -ENOMEM;
    r->buf = grown;
    r->cap *= 2;
    return 0;
}

int resp_reader_space(struct resp_reader *r, char **ptr, size_t *len)
{
    arena_reset(r);
    if (r->phase == PHASE_BIG) {
        *ptr = r->big->data + r->big_filled;
        *len = (size_t)r->bulk_len + 2 - r->big_filled;
        return 0;
    }
    int rc = make_room(r);
    if (rc < 0)
        return rc;
    *ptr = r->buf + r->end;
    *len = r->cap - r->end;
    return 0;
}

void resp_reader_commit(struct resp_reader *r, size_t n)
{
    if (r->phase != PHASE_BIG) {
        assert(n <= r->cap - r->end);
        r->end += n;
        return;
    }
    r->big_filled += n;
    assert(r->big_filled <= (size_t)r->bulk_len + 2);
    if (r->big_filled < (size_t)r->bulk_len + 2)
        return;
    /* Complete, trailing CRLF included (not checked, as Redis). */
    struct resp_partial_arg *a = &r->partial[r->partial_n++];
    r->big->len = (uint32_t)r->bulk_len;
    a->owner = r->big;
    a->len = (size_t)r->bulk_len;
    a->offset = 0;
    r->big = NULL;
    r->big_done = r->big_filled;
    r->big_filled = 0;
    r->remaining--;
    r->phase = PHASE_BULK_LEN;
    resp__line_reset(r, r->pos);
}

int resp_reader_feed(struct resp_reader *r, const void *data, size_t len)
{
    const char *src = data;
    while (len > 0) {
        char *dst;
        size_t room;
        int rc = resp_reader_space(r, &dst, &room);
        if (rc < 0)
            return rc;
        size_t n = len < room ? len : room;
        memcpy(dst, src, n);
        resp_reader_commit(r, n);
        src += n;
        len -= n;
    }
    return 0;
}

size_t resp_reader_pending(const struct resp_reader *r)
{
    /* What Redis's querybuf holds: the bytes not parsed yet, and a big
     * argument being received. The arguments already parsed of a command
     * still incomplete are not counted (Redis has moved them to argv). */
    return r->end - r->pos + r->big_filled + r->big_done;
}

size_t resp_reader_capacity(const struct resp_reader *r)
{
    return r->cap + (r->big ? (size_t)r->bulk_len + 2 : 0);
}

/* ---------------------------------------------------------------- commands */

enum resp_status resp_reader_next(struct resp_reader *r, struct resp_command *out)
{
    r->big_done = 0;
    for (;;) {
        enum resp_status st;
        switch (r->phase) {
        case PHASE_ERROR:
            return RESP_ERROR;
        case PHASE_START:
            if (r->pos == r->end)
                return RESP_NEED_MORE;
            r->start = r->pos;
            resp__line_reset(r, r->pos);
            r->phase = r->buf[r->pos] == '*' ? PHASE_MB_COUNT : PHASE_INLINE;
            continue;
        case PHASE_INLINE:
            st = resp__inline(r, out);
            break;
        default:
            st = resp__multibulk(r, out);
            break;
        }
        /* A request without a command ("*0", an empty line): go on. */
        if (st == RESP_NEED_MORE && r->phase == PHASE_START && r->pos < r->end)
            continue;
        return st;
    }
}

void resp_reader_free(struct resp_reader *r)
{
    if (!r)
        return;
    arena_reset(r);
    mem_free(r->arena);
    for (size_t i = 0; i < r->partial_n; i++)
        bytes_unref(r->partial[i].owner);
    bytes_unref(r->big);
    mem_free(r->partial);
    mem_free(r->buf);
    mem_free(r);
}
