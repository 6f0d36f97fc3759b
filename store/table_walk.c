/*
 * Walking a table without changing it: the SCAN cursor, KEYS's full walk and
 * RANDOMKEY's pick (store/table.h), for every type. Writers' side: the
 * owner's lock is held.
 */
#include "store/table_internal.h"

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

static void visit_bucket(struct table_node *n, table_scan_fn fn, void *ctx)
{
    for (; n; n = node_next(n))
        fn(ctx, n);
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
        visit_bucket(link_get(bucket(t, 0, cursor & mask)), fn, ctx);
        return cursor_next(cursor, mask);
    }
    int small = half_size(t, 0) <= half_size(t, 1) ? 0 : 1;
    int large = 1 - small;
    uint64_t small_mask = half_mask(t, small);
    uint64_t large_mask = half_mask(t, large);
    visit_bucket(link_get(bucket(t, small, cursor & small_mask)), fn, ctx);
    do {
        visit_bucket(link_get(bucket(t, large, cursor & large_mask)), fn, ctx);
        cursor = cursor_next(cursor, large_mask);
    } while (cursor & (small_mask ^ large_mask));
    return cursor;
}

void table_foreach(struct table *t, table_scan_fn fn, void *ctx)
{
    for (int half = 0; half < 2; half++) {
        uint64_t size = half_size(t, half);
        for (uint64_t i = 0; i < size; i++)
            visit_bucket(link_get(bucket(t, half, i)), fn, ctx);
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

struct table_node *table_random(struct table *t, uint64_t *rng)
{
    if (table_count(t) == 0)
        return NULL;
    struct table_node *head = NULL;
    if (table_is_rehashing(t)) {
        /* Buckets of [0] below rehash_idx are empty: skip them. */
        uint64_t size0 = half_size(t, 0);
        uint64_t span = size0 + half_size(t, 1) - (uint64_t)t->rehash_idx;
        while (!head) {
            uint64_t i = (uint64_t)t->rehash_idx + table_rng_next(rng) % span;
            head = link_get(i < size0 ? bucket(t, 0, i) : bucket(t, 1, i - size0));
        }
    } else {
        uint64_t mask = half_mask(t, 0);
        while (!head)
            head = link_get(bucket(t, 0, table_rng_next(rng) & mask));
    }
    /* A uniform pick inside the chain. */
    uint64_t len = 0;
    for (struct table_node *n = head; n; n = node_next(n))
        len++;
    uint64_t pick = table_rng_next(rng) % len;
    while (pick--)
        head = node_next(head);
    return head;
}
