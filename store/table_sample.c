/*
 * Uniform random picks from a table (store/table_sample.h).
 */
#include "store/table_sample.h"
#include "store/table_internal.h"

/* A bucket chosen uniformly among those that may hold nodes: while
 * rehashing, the buckets of [0] below rehash_idx are empty and skipped. */
static struct table_node *random_bucket(struct table *t, uint64_t *rng)
{
    if (!table_is_rehashing(t))
        return link_get(bucket(t, 0, table_rng_next(rng) & half_mask(t, 0)));
    uint64_t size0 = half_size(t, 0);
    uint64_t span = size0 + half_size(t, 1) - (uint64_t)t->rehash_idx;
    uint64_t i = (uint64_t)t->rehash_idx + table_rng_next(rng) % span;
    return link_get(i < size0 ? bucket(t, 0, i) : bucket(t, 1, i - size0));
}

struct table_node *table_random_fair(struct table *t, uint64_t *rng, uint32_t *bound)
{
    if (table_count(t) == 0)
        return NULL;
    if (*bound == 0)
        *bound = 1;
    for (;;) {
        struct table_node *head = random_bucket(t, rng);
        uint32_t len = 0;
        for (struct table_node *n = head; n; n = node_next(n))
            len++;
        if (len == 0)
            continue;
        if (len > *bound)
            *bound = len;
        /* Node j of this chain is taken with probability 1 / (buckets *
         * bound), the same for every node of the table. */
        uint32_t j = (uint32_t)(table_rng_next(rng) % *bound);
        if (j >= len)
            continue;
        while (j--)
            head = node_next(head);
        return head;
    }
}
