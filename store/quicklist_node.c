/*
 * Quicklist nodes: their lifetime and byte accounting, the fill rule,
 * merging, and compression. Compression is an optimization the list can
 * always do without, so everything here that compresses or merges gives up
 * quietly when an allocation fails and leaves a valid (if less compact)
 * list; only ql__node_open, which an edit needs, reports failure.
 */
#include "store/quicklist_internal.h"

#include "core/alloc.h"
#include "store/lzf.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>

enum {
    /* Redis's quicklist constants. */
    SIZE_SAFETY_LIMIT = 8192,   /* any node of two or more elements, by count fill */
    SIZE_ESTIMATE_OVERHEAD = 8, /* over-estimate of an entry's bytes beyond its length */
    MIN_COMPRESS_BYTES = 48,    /* smaller nodes are not worth compressing */
    MIN_COMPRESS_IMPROVE = 8,   /* keep compressed data only if it saves more than this */
    LISTPACK_OVERHEAD = 6 + 1,  /* a listpack's header and terminator */
    SETTLE_RADIUS = 2,          /* nodes each side of an edited one that it may have touched */
    SETTLE_PAST_DEPTH = 3,      /* nodes past the depth an edit may have pushed out of it */
};

/* Node size limits of fill -1 .. -5. */
static const size_t size_levels[] = {4096, 8192, 16384, 32768, 65536};
#define SIZE_LEVEL_MAX 65536

static void node_init(struct quicklist_node *node, struct listpack *lp)
{
    size_t count = listpack_count(lp);
    assert(count <= UINT16_MAX);
    *node = (struct quicklist_node){
        .data = lp,
        .lp_bytes = (uint32_t)listpack_bytes(lp),
        .count = (uint16_t)count,
    };
}

struct quicklist_node *ql__node_new(struct listpack *lp)
{
    struct quicklist_node *node = mem_alloc(sizeof(*node));
    if (node)
        node_init(node, lp);
    return node;
}

int ql__node_with(const void *s, size_t len, struct quicklist_node **out)
{
    /* The node first: the listpack allocated after it is then the newest
     * block, which the allocator can grow in place as pushes add to it. */
    struct quicklist_node *node = mem_alloc(sizeof(*node));
    if (!node)
        return -ENOMEM;
    struct listpack *lp = listpack_new();
    int err = lp ? listpack_append(&lp, s, len) : -ENOMEM;
    if (err) {
        listpack_free(lp);
        mem_free(node);
        return err;
    }
    node_init(node, lp);
    *out = node;
    return 0;
}

void ql__node_free(struct quicklist_node *node)
{
    mem_free(node->data);
    mem_free(node);
}

static size_t stored_bytes(const struct quicklist_node *node)
{
    if (ql__compressed(node))
        return sizeof(struct ql_lzf) + ((const struct ql_lzf *)node->data)->size;
    return node->lp_bytes;
}

size_t ql__node_footprint(const struct quicklist_node *node)
{
    return sizeof(*node) + stored_bytes(node);
}

void ql__link(struct quicklist *ql, struct quicklist_node *node, struct quicklist_node *at,
              bool after)
{
    if (!at) {
        assert(ql->len == 0);
        node->prev = node->next = NULL;
        ql->head = ql->tail = node;
    } else if (after) {
        node->prev = at;
        node->next = at->next;
        if (at->next)
            at->next->prev = node;
        else
            ql->tail = node;
        at->next = node;
    } else {
        node->next = at;
        node->prev = at->prev;
        if (at->prev)
            at->prev->next = node;
        else
            ql->head = node;
        at->prev = node;
    }
    ql->len++;
    ql->bytes += ql__node_footprint(node);
}

void ql__unlink(struct quicklist *ql, struct quicklist_node *node)
{
    if (node->prev)
        node->prev->next = node->next;
    else
        ql->head = node->next;
    if (node->next)
        node->next->prev = node->prev;
    else
        ql->tail = node->prev;
    node->prev = node->next = NULL;
    ql->len--;
    ql->bytes -= ql__node_footprint(node);
}

void ql__delete_node(struct quicklist *ql, struct quicklist_node *node)
{
    ql__unlink(ql, node);
    ql__node_free(node);
}

/* A decompressed copy of a compressed node's listpack, or NULL. */
static struct listpack *decompress(const struct quicklist_node *node)
{
    const struct ql_lzf *z = node->data;
    unsigned char *lp = mem_alloc(node->lp_bytes);
    if (!lp)
        return NULL;
    size_t n = lzf_decompress(z->data, z->size, lp, node->lp_bytes);
    assert(n == node->lp_bytes); /* our own compression of our own listpack */
    (void)n;
    return (struct listpack *)lp;
}

struct listpack *ql__node_open(const struct quicklist_node *node)
{
    return ql__compressed(node) ? decompress(node) : ql__lp(node);
}

void ql__node_commit(struct quicklist *ql, struct quicklist_node *node, struct listpack *lp,
                     long delta)
{
    long count = (long)node->count + delta;
    assert(count >= 0 && count <= UINT16_MAX);
    ql->bytes -= stored_bytes(node);
    if (ql__compressed(node))
        mem_free(node->data);
    node->data = lp;
    node->lp_bytes = (uint32_t)listpack_bytes(lp);
    node->count = (uint16_t)count;
    node->flags = 0;
    ql->bytes += node->lp_bytes;
}

void ql__node_discard(const struct quicklist_node *node, struct listpack *lp)
{
    if (ql__compressed(node))
        listpack_free(lp);
}

int ql__node_decompress(struct quicklist *ql, struct quicklist_node *node)
{
    if (!ql__compressed(node))
        return 0;
    struct listpack *lp = decompress(node);
    if (!lp)
        return -ENOMEM;
    ql__node_commit(ql, node, lp, 0);
    return 0;
}

const struct listpack *ql__node_read(const struct quicklist_node *node, struct ql_scratch *scratch)
{
    if (!ql__compressed(node))
        return ql__lp(node);
    if (scratch->cap < node->lp_bytes) {
        unsigned char *buf = mem_alloc(node->lp_bytes);
        if (!buf)
            return NULL;
        mem_free(scratch->buf);
        scratch->buf = buf;
        scratch->cap = node->lp_bytes;
    }
    const struct ql_lzf *z = node->data;
    size_t n = lzf_decompress(z->data, z->size, scratch->buf, node->lp_bytes);
    assert(n == node->lp_bytes);
    (void)n;
    return (const struct listpack *)scratch->buf;
}

/* Compresses an interior node if that saves enough; a node that does not
 * compress is marked so that it is not tried again until it changes. */
static void node_compress(struct quicklist *ql, struct quicklist_node *node)
{
    if (node->flags & (QL_COMPRESSED | QL_INCOMPRESSIBLE))
        return;
    assert(node->prev && node->next);
    size_t raw = node->lp_bytes;
    if (raw < MIN_COMPRESS_BYTES) {
        node->flags |= QL_INCOMPRESSIBLE;
        return;
    }
    /* Room for a result that saves more than MIN_COMPRESS_IMPROVE only:
     * lzf_compress gives up as soon as it would not. */
    size_t cap = raw - MIN_COMPRESS_IMPROVE - 1;
    struct ql_lzf *z = mem_alloc(sizeof(*z) + cap);
    if (!z)
        return;
    size_t n = lzf_compress(node->data, raw, z->data, cap);
    if (n == 0) {
        mem_free(z);
        node->flags |= QL_INCOMPRESSIBLE;
        return;
    }
    struct ql_lzf *fitted = mem_realloc(z, sizeof(*z) + n);
    if (!fitted) {
        mem_free(z);
        return;
    }
    fitted->size = (uint32_t)n;
    ql->bytes -= raw;
    mem_free(node->data);
    node->data = fitted;
    node->flags |= QL_COMPRESSED;
    ql->bytes += stored_bytes(node);
}

static bool fits(const struct quicklist *ql, size_t bytes, size_t count)
{
    if (ql->fill < 0)
        return bytes <= size_levels[-ql->fill - 1];
    return bytes <= SIZE_SAFETY_LIMIT && count <= (size_t)ql->fill;
}

bool ql__fits_node(const struct quicklist *ql, const struct quicklist_node *node)
{
    return node->count == 1 || fits(ql, node->lp_bytes, node->count);
}

bool ql__allows_insert(const struct quicklist *ql, const struct quicklist_node *node, size_t len)
{
    /* Nothing longer fits any level; this also keeps the sum from wrapping. */
    if (!node || len > SIZE_LEVEL_MAX)
        return false;
    return fits(ql, node->lp_bytes + len + SIZE_ESTIMATE_OVERHEAD, node->count + 1u);
}

bool ql__allows_merge(const struct quicklist *ql, const struct quicklist_node *a,
                      const struct quicklist_node *b)
{
    if (!a || !b)
        return false;
    size_t bytes = (size_t)a->lp_bytes + b->lp_bytes - LISTPACK_OVERHEAD;
    return fits(ql, bytes, (size_t)a->count + b->count);
}

bool ql__allows_replace(const struct quicklist *ql, const struct quicklist_node *node,
                        size_t old_entry, size_t len)
{
    if (node->count == 1)
        return true; /* a node of its own takes any size */
    if (len > SIZE_LEVEL_MAX)
        return false;
    /* At least the bytes the new entry takes: the string encoding's header
     * and backlen (an integer takes less). Exact for a string, so an
     * element replaced by one of the same length always fits. */
    size_t entry = len < 64 ? len + 2 : len < 4096 ? len + 4 : len + 10;
    return fits(ql, node->lp_bytes - old_entry + entry, node->count);
}

struct quicklist_node *ql__merge(struct quicklist *ql, struct quicklist_node *a,
                                 struct quicklist_node *b)
{
    assert(a->next == b);
    struct listpack *lp = ql__node_open(a);
    if (!lp)
        return NULL;
    struct listpack *from = ql__node_open(b);
    if (!from || listpack_append_from(&lp, from, listpack_first(from), SIZE_MAX)) {
        ql__node_discard(a, lp);
        if (from)
            ql__node_discard(b, from);
        return NULL;
    }
    ql__node_commit(ql, a, lp, b->count);
    ql__node_discard(b, from);
    ql__delete_node(ql, b);
    return a;
}

struct quicklist_node *ql__merge_around(struct quicklist *ql, struct quicklist_node *center)
{
    struct quicklist_node *prev = center->prev, *next = center->next;
    /* The neighbours first (a split leaves its halves next to them), then
     * center with each side. A merge keeps its left node. */
    if (prev && ql__allows_merge(ql, prev->prev, prev))
        ql__merge(ql, prev->prev, prev);
    if (next && ql__allows_merge(ql, next, next->next))
        ql__merge(ql, next, next->next);
    if (ql__allows_merge(ql, center->prev, center)) {
        struct quicklist_node *merged = ql__merge(ql, center->prev, center);
        if (merged)
            center = merged;
    }
    if (ql__allows_merge(ql, center, center->next))
        ql__merge(ql, center, center->next);
    return center;
}

static void mark(struct quicklist_node *const *window, bool *in_depth, size_t n,
                 const struct quicklist_node *node)
{
    for (size_t i = 0; i < n; i++)
        if (window[i] == node)
            in_depth[i] = true;
}

/*
 * Redis's __quicklistCompress, widened: an edit touches at most the nodes
 * within SETTLE_RADIUS of center and can push at most SETTLE_PAST_DEPTH
 * nodes out of the depth at either end (a split adds two nodes), while
 * nodes that come within the depth are decompressed by the walk from the
 * ends. So this restores the rule everywhere in O(depth).
 */
void ql__settle(struct quicklist *ql, struct quicklist_node *center)
{
    if (ql->compress == 0 || ql->len == 0)
        return;
    struct quicklist_node *window[2 * SETTLE_RADIUS + 1];
    bool in_depth[2 * SETTLE_RADIUS + 1] = {false};
    size_t n = 0;
    if (center) {
        struct quicklist_node *node = center;
        for (int i = 0; i < SETTLE_RADIUS && node->prev; i++)
            node = node->prev;
        int after = -1;
        for (; node && after < SETTLE_RADIUS; node = node->next) {
            window[n++] = node;
            if (node == center || after >= 0)
                after++;
        }
    }
    struct quicklist_node *f = ql->head, *r = ql->tail;
    for (unsigned depth = 0; depth < ql->compress; depth++) {
        /* Best effort: a node left compressed is still read correctly. */
        ql__node_decompress(ql, f);
        ql__node_decompress(ql, r);
        mark(window, in_depth, n, f);
        mark(window, in_depth, n, r);
        if (f == r || f->next == r)
            return; /* every node is within the depth of one end */
        f = f->next;
        r = r->prev;
    }
    for (size_t i = 0; i < n; i++)
        if (!in_depth[i])
            node_compress(ql, window[i]);
    for (int i = 0; i < SETTLE_PAST_DEPTH; i++) {
        node_compress(ql, f);
        node_compress(ql, r);
        if (f == r || f->next == r)
            break;
        f = f->next;
        r = r->prev;
    }
}
