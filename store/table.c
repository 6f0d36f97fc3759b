#include "store/table_internal.h"

#include "core/alloc.h"
#include "core/ebr.h"
#include "store/hash.h"

#include <assert.h>
#include <errno.h>

#define SHRINK_FILL_PERCENT 10 /* shrink below this load (Redis's HASHTABLE_MIN_FILL) */

static inline void *array_base(uintptr_t w)
{
    return ((void **)array_slots(w))[-1];
}

static size_t array_bytes(uint64_t n)
{
    return sizeof(void *) + ARRAY_ALIGN + n * sizeof(ATOMIC(struct entry *));
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

static inline void link_set(ATOMIC(struct entry *) * link, struct entry *e)
{
    /* Release: a lock-free reader that loads the link (acquire) sees the
     * entry it leads to fully built, whichever entry that is. */
    atomic_store_explicit(link, e, memory_order_release);
}

static void reset_half(struct table *t, int half)
{
    set_array(t, half, 0);
    t->used[half] = 0;
}

void table_init(struct table *t)
{
    atomic_init(&t->arrays[0], 0);
    atomic_init(&t->arrays[1], 0);
    t->used[0] = t->used[1] = 0;
    t->rehash_idx = -1;
}

void table_clear(struct table *t)
{
    for (int half = 0; half < 2; half++) {
        uint64_t size = half_size(t, half);
        for (uint64_t i = 0; i < size; i++) {
            struct entry *e = link_get(bucket(t, half, i));
            while (e) {
                struct entry *next = entry_next(e);
                entry_free(e);
                e = next;
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
        ATOMIC(struct entry *) *from = bucket(t, 0, (uint64_t)t->rehash_idx);
        while (!link_get(from)) {
            t->rehash_idx++;
            if (--empty_visits == 0)
                return true;
            from = bucket(t, 0, (uint64_t)t->rehash_idx);
        }
        struct entry *e = link_get(from);
        while (e) {
            struct entry *next = entry_next(e);
            ATOMIC(struct entry *) *to = bucket(t, 1, hash_key(entry_key(e), e->key_len) & mask1);
            entry_set_next(e, link_get(to));
            link_set(to, e);
            t->used[0]--;
            t->used[1]++;
            e = next;
        }
        link_set(from, NULL);
        t->rehash_idx++;
    }
    if (t->used[0] != 0)
        return true;
    /* Everything moved: the new array becomes the table, and the old one
     * goes once no reader can still be walking it. */
    uintptr_t old = array_of(t, 0);
    set_array(t, 0, array_of(t, 1));
    t->used[0] = t->used[1];
    reset_half(t, 1);
    t->rehash_idx = -1;
    ebr_retire(array_base(old), mem_free);
    ebr_flush(); /* an array can be big: free it now if no reader lags */
    /* Keys removed while the rehash ran could not start a shrink (one rehash
     * at a time): check now, or a table emptied mid-rehash stays large. */
    shrink_if_sparse(t);
    return table_is_rehashing(t);
}

struct entry *table_find(struct table *t, uint64_t hash, const char *key, size_t len,
                         struct table_pos *pos)
{
    if (table_count(t) == 0)
        return NULL;
    table_rehash(t, 1);
    int halves = table_is_rehashing(t) ? 2 : 1;
    for (int half = 0; half < halves; half++) {
        ATOMIC(struct entry *) *link = bucket(t, half, hash & half_mask(t, half));
        for (struct entry *e; (e = link_get(link)) != NULL; link = &e->next) {
            if (entry_key_equals(e, key, len)) {
                if (pos) {
                    pos->link = link;
                    pos->half = half;
                }
                return e;
            }
        }
    }
    return NULL;
}

/*
 * The reader's side: acquire loads of arrays and links (they pair with the
 * writer's release stores, so every entry reached is fully built), no
 * stores, and a bound on the walk: a chain that a writer relinks under us
 * (an unlinked entry whose next now leads into a list of garbage, say)
 * could otherwise be followed for long. Entries and arrays reached stay
 * allocated while the caller's EBR section lasts.
 *
 * While a rehash runs it answers -EAGAIN: readers then take the locked
 * path, whose lookups move the rehash along (one bucket each, as writers
 * do). Looking in both arrays lock-free would work too, but nothing would
 * then finish a rehash that the last write before a read-only period left
 * half done, and every read would pay for two arrays.
 */
int table_peek(const struct table *t, uint64_t hash, const char *key, size_t len,
               struct entry **out)
{
    struct table *m = (struct table *)t;
    /* Relaxed: only a hint; a rehash starting after this is caught by the
     * caller's validation (the shard's sequence counter). */
    if (atomic_load_explicit(&m->arrays[1], memory_order_relaxed) != 0)
        return -EAGAIN;
    uintptr_t a = atomic_load_explicit(&m->arrays[0], memory_order_acquire);
    struct entry *e = NULL;
    if (a)
        e = atomic_load_explicit(&array_slots(a)[hash & (array_size(a) - 1)], memory_order_acquire);
    for (int steps = 0; e; e = atomic_load_explicit(&e->next, memory_order_acquire)) {
        if (++steps > TABLE_PEEK_MAX_STEPS)
            return -EAGAIN;
        if (entry_key_equals(e, key, len))
            break;
    }
    *out = e;
    return 0;
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

int table_insert(struct table *t, uint64_t hash, struct entry *e)
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
    ATOMIC(struct entry *) *head = bucket(t, half, hash & half_mask(t, half));
    entry_set_next(e, link_get(head));
    link_set(head, e);
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

struct entry *table_unlink(struct table *t, struct table_pos pos)
{
    struct entry *e = link_get(pos.link);
    assert(e && t->used[pos.half] > 0);
    link_set(pos.link, entry_next(e));
    /* e keeps its next: a reader standing on e still finds the rest of the
     * chain (or is told to retry by the shard's sequence counter). */
    t->used[pos.half]--;
    shrink_if_sparse(t);
    return e;
}

void table_replace(struct table_pos pos, struct entry *e)
{
    link_set(pos.link, e);
}
