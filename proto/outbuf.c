/*
 * The output chain: small replies copied into pooled 16 KB blocks, large
 * values referenced, handed to writev as iovecs and consumed after partial
 * writes. See outbuf_internal.h for the segment kinds.
 *
 * Blocks come from a small per-thread cache so a busy connection does not
 * call malloc for every batch of replies. A block freed on another thread
 * (connections migrate between workers) simply joins that thread's cache.
 */
#include "proto/outbuf_internal.h"

#include "core/alloc.h"
#include "core/compiler.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

/* ---------------------------------------------------------------- block cache */

struct block_cache {
    struct outbuf_block *free; /* linked through first.next (unused while free) */
    unsigned count;
    bool registered;
};

static __thread struct block_cache cache;
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

static void cache_free_all(struct block_cache *c)
{
    while (c->free) {
        struct outbuf_block *b = c->free;
        c->free = (struct outbuf_block *)(void *)b->first.next;
        mem_free(b);
    }
    c->count = 0;
}

/* pthread key destructor: frees a thread's cache when the thread exits. */
static void cache_destroy(void *arg)
{
    cache_free_all(arg);
}

static void cache_key_create(void)
{
    /* Failure only means cached blocks of exiting threads are not freed. */
    (void)pthread_key_create(&cache_key, cache_destroy);
}

void outbuf_cache_drain(void)
{
    cache_free_all(&cache);
}

static struct outbuf_block *block_get(void)
{
    struct outbuf_block *b = cache.free;
    if (b) {
        cache.free = (struct outbuf_block *)(void *)b->first.next;
        cache.count--;
    } else {
        b = mem_alloc(OUTBUF_BLOCK_SIZE);
        if (!b)
            return NULL;
    }
    b->users = 0;
    b->used = 0;
    return b;
}

static void block_put(struct outbuf_block *b)
{
    if (cache.count >= OUTBUF_CACHE_BLOCKS) {
        mem_free(b);
        return;
    }
    if (unlikely(!cache.registered)) {
        pthread_once(&cache_key_once, cache_key_create);
        (void)pthread_setspecific(cache_key, &cache);
        cache.registered = true;
    }
    b->first.next = (struct outbuf_segment *)(void *)cache.free;
    cache.free = b;
    cache.count++;
}

static void block_release(struct outbuf_block *b)
{
    assert(b->users > 0);
    if (--b->users == 0)
        block_put(b);
}

/* ---------------------------------------------------------------- segments */

static void segment_release(struct outbuf_segment *s)
{
    switch (s->kind) {
    case SEGMENT_COPY: {
        struct outbuf_block *b = s->block;
        if (!s->embedded)
            mem_free(s);
        block_release(b);
        break;
    }
    case SEGMENT_REF:
        bytes_unref(s->ref);
        mem_free(s);
        break;
    case SEGMENT_DEFERRED:
        mem_free(s);
        break;
    default:
        assert(!"bad segment kind");
    }
}

static void chain_push(struct outbuf *o, struct outbuf_segment *s)
{
    s->next = NULL;
    if (o->tail)
        o->tail->next = s;
    else
        o->head = s;
    o->tail = s;
}

static struct outbuf_segment *segment_new(uint8_t kind)
{
    struct outbuf_segment *s = mem_alloc(sizeof(*s));
    if (!s)
        return NULL;
    s->kind = kind;
    s->embedded = false;
    s->filled = false;
    s->len = 0;
    return s;
}

void outbuf_init(struct outbuf *o)
{
    memset(o, 0, sizeof(*o));
}

void outbuf_free(struct outbuf *o)
{
    struct outbuf_segment *s = o->head;
    while (s) {
        struct outbuf_segment *next = s->next;
        segment_release(s);
        s = next;
    }
    if (o->block)
        block_release(o->block);
    outbuf_init(o);
}

void outbuf_move(struct outbuf *dst, struct outbuf *src)
{
    assert(src->head_offset == 0 && src->skip == 0);
    if (src->head) {
        if (dst->tail)
            dst->tail->next = src->head;
        else
            dst->head = src->head;
        dst->tail = src->tail;
        dst->pending += src->pending;
    }
    dst->oom |= src->oom;
    dst->errors += src->errors;
    /* The moved segments keep src's block alive; src stops filling it. */
    if (src->block)
        block_release(src->block);
    outbuf_init(src);
}

size_t outbuf_pending(const struct outbuf *o)
{
    return o->pending;
}

/* Whether the tail is a COPY segment ending where its block's free space
 * begins, so new bytes can simply extend it. */
static bool tail_extendable(const struct outbuf *o)
{
    const struct outbuf_segment *t = o->tail;
    return t && t->kind == SEGMENT_COPY && t->block == o->block &&
           t->data + t->len == o->block->data + o->block->used;
}

/* Makes o->block a block with at least n free bytes. */
static bool ensure_block(struct outbuf *o, size_t n)
{
    struct outbuf_block *b = o->block;
    /* No segment points into the block any more (everything in it was
     * written): start over at its beginning, with its embedded descriptor. */
    if (b && b->users == 1)
        b->used = 0;
    if (b && OUTBUF_BLOCK_DATA - b->used >= n)
        return true;
    struct outbuf_block *fresh = block_get();
    if (!fresh)
        return false;
    if (b)
        block_release(b);
    fresh->users = 1;
    o->block = fresh;
    return true;
}

char *outbuf__extend(struct outbuf *o, size_t n)
{
    assert(n >= 1 && n <= OUTBUF_BLOCK_DATA);
    if (unlikely(o->oom))
        return NULL;
    if (likely(tail_extendable(o) && OUTBUF_BLOCK_DATA - o->block->used >= n)) {
        char *p = o->block->data + o->block->used;
        o->block->used += n;
        o->tail->len += n;
        o->pending += n;
        return p;
    }
    if (!ensure_block(o, n))
        goto oom;
    struct outbuf_block *b = o->block;
    struct outbuf_segment *s;
    if (b->used == 0) {
        s = &b->first; /* the first segment of a block needs no allocation */
        s->kind = SEGMENT_COPY;
        s->embedded = true;
        s->filled = false;
    } else {
        s = segment_new(SEGMENT_COPY);
        if (!s)
            goto oom;
    }
    s->block = b;
    s->data = b->data + b->used;
    s->len = n;
    b->users++;
    b->used += n;
    chain_push(o, s);
    o->pending += n;
    return b->data + b->used - n;
oom:
    o->oom = true;
    return NULL;
}

void outbuf_append(struct outbuf *o, const void *data, size_t len)
{
    const char *src = data;
    while (len > 0 && !o->oom) {
        size_t room = 0;
        if (tail_extendable(o))
            room = OUTBUF_BLOCK_DATA - o->block->used;
        size_t n =
            room ? (len < room ? len : room) : (len < OUTBUF_BLOCK_DATA ? len : OUTBUF_BLOCK_DATA);
        char *dst = outbuf__extend(o, n);
        if (!dst)
            return;
        memcpy(dst, src, n);
        src += n;
        len -= n;
    }
}

void outbuf_append_bytes(struct outbuf *o, struct bytes *b, size_t offset, size_t len)
{
    assert(offset <= b->len && len <= b->len - offset);
    if (o->oom || len == 0)
        return;
    struct outbuf_segment *s = segment_new(SEGMENT_REF);
    if (!s) {
        o->oom = true;
        return;
    }
    s->ref = bytes_ref(b);
    s->data = b->data + offset;
    s->len = len;
    chain_push(o, s);
    o->pending += len;
}

struct outbuf_segment *outbuf__defer(struct outbuf *o)
{
    if (o->oom)
        return NULL;
    struct outbuf_segment *s = segment_new(SEGMENT_DEFERRED);
    if (!s) {
        o->oom = true;
        return NULL;
    }
    s->data = s->header;
    chain_push(o, s);
    return s;
}

void outbuf__fill(struct outbuf *o, struct outbuf_segment *s, const char *data, size_t len)
{
    assert(s->kind == SEGMENT_DEFERRED && !s->filled && len <= OUTBUF_DEFERRED_MAX);
    memcpy(s->header, data, len);
    s->len = len;
    s->filled = true;
    o->pending += len;
}

static bool is_barrier(const struct outbuf_segment *s)
{
    return s->kind == SEGMENT_DEFERRED && !s->filled;
}

int outbuf_iov(const struct outbuf *o, struct iovec *iov, int max)
{
    int n = 0;
    size_t skip = o->head_offset;
    for (const struct outbuf_segment *s = o->head; s && n < max; s = s->next) {
        if (is_barrier(s))
            break;
        if (s->len > skip) {
            iov[n].iov_base = (void *)(s->data + skip);
            iov[n].iov_len = s->len - skip;
            n++;
        }
        skip = 0;
    }
    return n;
}

void outbuf_consume(struct outbuf *o, size_t n)
{
    assert(n <= o->pending);
    o->pending -= n;
    while (n > 0) {
        struct outbuf_segment *s = o->head;
        assert(s && !is_barrier(s));
        size_t left = s->len - o->head_offset;
        if (n < left) {
            o->head_offset += n;
            return;
        }
        n -= left;
        o->head = s->next;
        if (!o->head)
            o->tail = NULL;
        o->head_offset = 0;
        segment_release(s);
    }
    /* Filled-out empty segments at the head (a deferred length of zero bytes
     * cannot exist, but keep the chain tidy if one ever does). */
    while (o->head && o->head->len == 0 && !is_barrier(o->head)) {
        struct outbuf_segment *s = o->head;
        o->head = s->next;
        if (!o->head)
            o->tail = NULL;
        segment_release(s);
    }
}
