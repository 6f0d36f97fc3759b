#include "store/table.h"

#include "core/alloc.h"
#include "store/hash.h"

#include <assert.h>
#include <errno.h>

#define SHRINK_FILL_PERCENT 10 /* shrink below this load (Redis's HASHTABLE_MIN_FILL) */

static inline uint64_t half_size(const struct table *t, int half)
{
    return t->exp[half] < 0 ? 0 : (uint64_t)1 << t->exp[half];
}

static inline uint64_t half_mask(const struct table *t, int half)
{
    return half_size(t, half) - 1;
}

static void reset_half(struct table *t, int half)
{
    t->buckets[half] = NULL;
    t->used[half] = 0;
    t->exp[half] = -1;
}

void table_init(struct table *t)
{
    reset_half(t, 0);
    reset_half(t, 1);
    t->rehash_idx = -1;
}

void table_clear(struct table *t)
{
    for (int half = 0; half < 2; half++) {
        uint64_t size = half_size(t, half);
        for (uint64_t i = 0; i < size; i++) {
            struct entry *e = t->buckets[half][i];
            while (e) {
                struct entry *next = e->next;
                entry_free(e);
                e = next;
            }
        }
        mem_free(t->buckets[half]);
    }
    table_init(t);
}

uint64_t table_bucket_bytes(const struct table *t)
{
    return (half_size(t, 0) + half_size(t, 1)) * sizeof(struct entry *);
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
    assert(!table_is_rehashing(t) && t->exp[0] >= 0);
    struct entry **b = mem_calloc((size_t)1 << exp, sizeof(*b));
    if (!b)
        return -ENOMEM;
    t->buckets[1] = b;
    t->exp[1] = exp;
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
        while (!t->buckets[0][t->rehash_idx]) {
            t->rehash_idx++;
            if (--empty_visits == 0)
                return true;
        }
        struct entry *e = t->buckets[0][t->rehash_idx];
        while (e) {
            struct entry *next = e->next;
            uint64_t idx = hash_key(entry_key(e), e->key_len) & mask1;
            e->next = t->buckets[1][idx];
            t->buckets[1][idx] = e;
            t->used[0]--;
            t->used[1]++;
            e = next;
        }
        t->buckets[0][t->rehash_idx] = NULL;
        t->rehash_idx++;
    }
    if (t->used[0] != 0)
        return true;
    /* Everything moved: the new array becomes the table. */
    mem_free(t->buckets[0]);
    t->buckets[0] = t->buckets[1];
    t->used[0] = t->used[1];
    t->exp[0] = t->exp[1];
    reset_half(t, 1);
    t->rehash_idx = -1;
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
        struct entry **link = &t->buckets[half][hash & half_mask(t, half)];
        for (; *link; link = &(*link)->next) {
            if (entry_key_equals(*link, key, len)) {
                if (pos) {
                    pos->link = link;
                    pos->half = half;
                }
                return *link;
            }
        }
    }
    return NULL;
}

int table_reserve(struct table *t)
{
    if (t->exp[0] >= 0)
        return 0;
    struct entry **b = mem_calloc((size_t)1 << TABLE_MIN_EXP, sizeof(*b));
    if (!b)
        return -ENOMEM;
    t->buckets[0] = b;
    t->exp[0] = TABLE_MIN_EXP;
    return 0;
}

int table_insert(struct table *t, uint64_t hash, struct entry *e)
{
    table_rehash(t, 1);
    if (t->exp[0] < 0) {
        if (table_reserve(t) != 0)
            return -ENOMEM;
    } else if (!table_is_rehashing(t) && t->used[0] >= half_size(t, 0)) {
        /* Growing is an optimization: when memory is short the table keeps
         * working with longer chains. */
        (void)start_rehash(t, exp_for(t->used[0] + 1));
    }
    int half = table_is_rehashing(t) ? 1 : 0;
    struct entry **bucket = &t->buckets[half][hash & half_mask(t, half)];
    e->next = *bucket;
    *bucket = e;
    t->used[half]++;
    return 0;
}

/* An emptied table keeps its minimum 4 buckets (32 bytes): then an insert
 * into a table that has held keys never needs memory (see table_reserve). */
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
    struct entry *e = *pos.link;
    assert(e && t->used[pos.half] > 0);
    *pos.link = e->next;
    e->next = NULL;
    t->used[pos.half]--;
    shrink_if_sparse(t);
    return e;
}

void table_replace(struct table_pos pos, struct entry *e)
{
    *pos.link = e;
}

static uint64_t reverse_bits(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
}

/* The next cursor after `v` for a table with `mask`: increment the bits
 * covered by the mask starting from the most significant one. */
static uint64_t cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = reverse_bits(v);
    v++;
    return reverse_bits(v);
}

static void visit_bucket(struct entry *e, table_scan_fn fn, void *ctx)
{
    for (; e; e = e->next)
        fn(ctx, e);
}

/*
 * Why this returns every key present for the whole scan: bucket i of a table
 * of size 2^n holds the keys whose low n hash bits are i. The cursor counts
 * with its bits reversed, so the buckets already visited in a small table are
 * exactly the prefixes of those already visited in any larger one (and vice
 * versa): after a grow, no unvisited key sits in a visited bucket; after a
 * shrink, some buckets are visited twice (duplicates, which SCAN allows).
 * While rehashing, keys live in either array, so both are visited: the bucket
 * of the smaller one and every bucket of the larger one that it expands to.
 */
uint64_t table_scan(struct table *t, uint64_t cursor, table_scan_fn fn, void *ctx)
{
    if (table_count(t) == 0)
        return 0;
    if (!table_is_rehashing(t)) {
        uint64_t mask = half_mask(t, 0);
        visit_bucket(t->buckets[0][cursor & mask], fn, ctx);
        return cursor_next(cursor, mask);
    }
    int small = t->exp[0] <= t->exp[1] ? 0 : 1;
    int large = 1 - small;
    uint64_t small_mask = half_mask(t, small);
    uint64_t large_mask = half_mask(t, large);
    visit_bucket(t->buckets[small][cursor & small_mask], fn, ctx);
    do {
        visit_bucket(t->buckets[large][cursor & large_mask], fn, ctx);
        cursor = cursor_next(cursor, large_mask);
    } while (cursor & (small_mask ^ large_mask));
    return cursor;
}

void table_foreach(struct table *t, table_scan_fn fn, void *ctx)
{
    for (int half = 0; half < 2; half++) {
        uint64_t size = half_size(t, half);
        for (uint64_t i = 0; i < size; i++)
            visit_bucket(t->buckets[half][i], fn, ctx);
    }
}

uint64_t table_rng_next(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

struct entry *table_random(struct table *t, uint64_t *rng)
{
    if (table_count(t) == 0)
        return NULL;
    struct entry *head = NULL;
    if (table_is_rehashing(t)) {
        /* Buckets of [0] below rehash_idx are empty: skip them. */
        uint64_t size0 = half_size(t, 0);
        uint64_t span = size0 + half_size(t, 1) - (uint64_t)t->rehash_idx;
        while (!head) {
            uint64_t i = (uint64_t)t->rehash_idx + table_rng_next(rng) % span;
            head = i < size0 ? t->buckets[0][i] : t->buckets[1][i - size0];
        }
    } else {
        uint64_t mask = half_mask(t, 0);
        while (!head)
            head = t->buckets[0][table_rng_next(rng) & mask];
    }
    /* A uniform pick inside the chain. */
    uint64_t len = 0;
    for (struct entry *e = head; e; e = e->next)
        len++;
    uint64_t pick = table_rng_next(rng) % len;
    while (pick--)
        head = head->next;
    return head;
}
