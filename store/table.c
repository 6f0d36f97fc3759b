#include "store/table_lookup.h"

#include "core/alloc.h"
#include "core/ebr.h"

#include <assert.h>
#include <errno.h>

#define SHRINK_FILL_PERCENT 10 /* shrink below this load (Redis's HASHTABLE_MIN_FILL) */

static inline void *array_base(uintptr_t w)
{
    return ((void **)array_slots(w))[-1];
}

static size_t array_bytes(uint64_t n)
{
    return sizeof(void *) + ARRAY_ALIGN + n * sizeof(ATOMIC(struct table_node *));
}

static uintptr_t array_new(int8_t exp)
{
    uint64_t n = (uint64_t)1 << exp;
    char *base = mem_calloc(1, array_bytes(n));
    if (!base)
        return 0;
    uintptr_t slots = ((uintptr_t)base + sizeof(void *) + EXP_MASK) & ~EXP_MASK;
    ((void **)slots)[-1] = base;
    /* The slots are NULL as calloc left them (an atomic pointer has a
     * pointer's representation on every compiler we build with): no pass
     * over a big array under the shard lock. */
    return slots | (uintptr_t)exp;
}

static void array_free(uintptr_t w)
{
    if (w)
        mem_free(array_base(w));
}

static inline void set_array(struct table *t, int half, uintptr_t a)
{
    /* Release: the links in the array are visible to a reader that loads
     * the word (acquire). */
    atomic_store_explicit(&t->arrays[half], a, memory_order_release);
}

static inline void link_set(ATOMIC(struct table_node *) * link, struct table_node *n)
{
    /* Release: a lock-free reader that loads the link (acquire) sees the
     * node it leads to fully built, whichever node that is. */
    atomic_store_explicit(link, n, memory_order_release);
}

static void reset_half(struct table *t, int half)
{
    set_array(t, half, 0);
    t->used[half] = 0;
}

void table_init(struct table *t, const struct table_type *type)
{
    assert(type->hash && type->key_equals);
    t->type = type;
    atomic_init(&t->arrays[0], 0);
    atomic_init(&t->arrays[1], 0);
    t->used[0] = t->used[1] = 0;
    t->rehash_idx = -1;
}

void table_clear(struct table *t)
{
    void (*free_node)(struct table_node *) = t->type->free_node;
    for (int half = 0; half < 2; half++) {
        uint64_t size = free_node ? half_size(t, half) : 0;
        for (uint64_t i = 0; i < size; i++) {
            struct table_node *n = link_get(bucket(t, half, i));
            while (n) {
                struct table_node *next = node_next(n);
                free_node(n);
                n = next;
            }
        }
        array_free(array_of(t, half));
        reset_half(t, half);
    }
    t->rehash_idx = -1;
}

void table_move(struct table *dst, struct table *src)
{
    assert(table_count(dst) == 0 && !array_of(dst, 0) && !array_of(dst, 1));
    assert(dst->type == src->type);
    for (int half = 0; half < 2; half++) {
        set_array(dst, half, array_of(src, half));
        dst->used[half] = src->used[half];
        reset_half(src, half);
    }
    dst->rehash_idx = src->rehash_idx;
    src->rehash_idx = -1;
}

void table_swap(struct table *a, struct table *b)
{
    assert(a->type == b->type);
    for (int half = 0; half < 2; half++) {
        uintptr_t x = array_of(a, half);
        uint64_t used = a->used[half];
        set_array(a, half, array_of(b, half));
        a->used[half] = b->used[half];
        set_array(b, half, x);
        b->used[half] = used;
    }
    int64_t idx = a->rehash_idx;
    a->rehash_idx = b->rehash_idx;
    b->rehash_idx = idx;
}

uint64_t table_bucket_bytes(const struct table *t)
{
    uint64_t bytes = 0;
    for (int half = 0; half < 2; half++)
        if (array_of(t, half))
            bytes += array_bytes(half_size(t, half));
    return bytes;
}

/* The smallest exponent whose table holds n keys at load factor <= 1. */
static int8_t exp_for(uint64_t n)
{
    int8_t e = TABLE_MIN_EXP;
    while (((uint64_t)1 << e) < n && e < 62)
        e++;
    return e;
}

/* Starts moving everything into a fresh array of 2^exp buckets. */
static int start_rehash(struct table *t, int8_t exp)
{
    assert(!table_is_rehashing(t) && array_of(t, 0));
    uintptr_t b = array_new(exp);
    if (!b)
        return -ENOMEM;
    set_array(t, 1, b);
    t->used[1] = 0;
    t->rehash_idx = 0;
    return 0;
}

static void shrink_if_sparse(struct table *t);

bool table_rehash(struct table *t, int n)
{
    if (!table_is_rehashing(t))
        return false;
    int empty_visits = n * 10;
    uint64_t mask1 = half_mask(t, 1);
    while (n-- > 0 && t->used[0] != 0) {
        assert((uint64_t)t->rehash_idx < half_size(t, 0));
        ATOMIC(struct table_node *) *from = bucket(t, 0, (uint64_t)t->rehash_idx);
        while (!link_get(from)) {
            t->rehash_idx++;
            if (--empty_visits == 0)
                return true;
            from = bucket(t, 0, (uint64_t)t->rehash_idx);
        }
        struct table_node *node = link_get(from);
        while (node) {
            struct table_node *next = node_next(node);
            ATOMIC(struct table_node *) *to = bucket(t, 1, t->type->hash(node) & mask1);
            link_set(&node->next, link_get(to));
            link_set(to, node);
            t->used[0]--;
            t->used[1]++;
            node = next;
        }
        link_set(from, NULL);
        t->rehash_idx++;
    }
    if (t->used[0] != 0)
        return true;
    /* Everything moved: the new array becomes the table, and the old one
     * goes once no reader can still be walking it (at once when readers
     * hold the owner's lock too). */
    uintptr_t old = array_of(t, 0);
    set_array(t, 0, array_of(t, 1));
    t->used[0] = t->used[1];
    reset_half(t, 1);
    t->rehash_idx = -1;
    if (t->type->lock_free_reads) {
        ebr_retire(array_base(old), mem_free);
        ebr_flush(); /* an array can be big: free it now if no reader lags */
    } else {
        array_free(old);
    }
    /* Keys removed while the rehash ran could not start a shrink (one rehash
     * at a time): check now, or a table emptied mid-rehash stays large. */
    shrink_if_sparse(t);
    return table_is_rehashing(t);
}

struct table_node *table_find(struct table *t, uint64_t hash, const void *key, size_t len,
                              struct table_pos *pos)
{
    return table__find(t, hash, key, len, pos, t->type->key_equals);
}

struct table_node *table_find_still(const struct table *t, uint64_t hash, const void *key,
                                    size_t len)
{
    if (table_count(t) == 0)
        return NULL;
    int halves = table_is_rehashing(t) ? 2 : 1;
    for (int half = 0; half < halves; half++)
        for (struct table_node *n = link_get(bucket(t, half, hash & half_mask(t, half))); n;
             n = link_get(&n->next))
            if (t->type->key_equals(n, key, len))
                return n;
    return NULL;
}

int table_peek(const struct table *t, uint64_t hash, const void *key, size_t len,
               struct table_node **out)
{
    assert(t->type->lock_free_reads);
    return table__peek(t, hash, key, len, out, t->type->key_equals);
}

int table_reserve(struct table *t)
{
    if (array_of(t, 0))
        return 0;
    uintptr_t b = array_new(TABLE_MIN_EXP);
    if (!b)
        return -ENOMEM;
    set_array(t, 0, b);
    return 0;
}

int table_insert(struct table *t, uint64_t hash, struct table_node *n)
{
    table_rehash(t, 1);
    if (!array_of(t, 0)) {
        if (table_reserve(t) != 0)
            return -ENOMEM;
    } else if (!table_is_rehashing(t) && t->used[0] >= half_size(t, 0)) {
        /* Growing is an optimization: when memory is short the table keeps
         * working with longer chains. */
        (void)start_rehash(t, exp_for(t->used[0] + 1));
    }
    int half = table_is_rehashing(t) ? 1 : 0;
    ATOMIC(struct table_node *) *head = bucket(t, half, hash & half_mask(t, half));
    link_set(&n->next, link_get(head));
    link_set(head, n);
    t->used[half]++;
    return 0;
}

/* An emptied table keeps its minimum 4 buckets: then an insert into a table
 * that has held keys never needs memory (see table_reserve). */
static void shrink_if_sparse(struct table *t)
{
    if (table_is_rehashing(t))
        return;
    uint64_t size = half_size(t, 0);
    if (size > ((uint64_t)1 << TABLE_MIN_EXP) && t->used[0] * 100 < size * SHRINK_FILL_PERCENT)
        (void)start_rehash(t, exp_for(t->used[0]));
}

struct table_node *table_unlink(struct table *t, struct table_pos pos)
{
    struct table_node *n = link_get(pos.link);
    assert(n && t->used[pos.half] > 0);
    link_set(pos.link, node_next(n));
    /* n keeps its next: a reader standing on n still finds the rest of the
     * chain (or is told to retry by the shard's sequence counter). */
    t->used[pos.half]--;
    shrink_if_sparse(t);
    return n;
}

void table_replace(struct table_pos pos, struct table_node *n)
{
    link_set(pos.link, n);
}
