/*
 * The hashtable encoding of a set: the store's table engine (store/table.h)
 * with one node per member, a single allocation holding the link, the length
 * and the bytes. The set keeps its allocated bytes so MEMORY USAGE and DEBUG
 * OBJECT cost O(1), and the bound its uniform random picks need
 * (store/table_sample.h). Pure data structure: the owner's shard lock guards
 * it. Private to store/.
 */
#ifndef MAGPIE_STORE_SET_TABLE_H
#define MAGPIE_STORE_SET_TABLE_H

#include "store/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct set_table {
    struct table table;
    uint64_t node_bytes;  /* bytes of member nodes allocated */
    uint32_t chain_bound; /* table_random_fair's bound */
};

struct set_table_member {
    struct table_node node;
    uint32_t len;
    char data[];
};

static inline struct set_table_member *set_table_member_of(struct table_node *n)
{
    return (struct set_table_member *)((char *)n - offsetof(struct set_table_member, node));
}

/* An empty set, or NULL when out of memory. */
struct set_table *set_table_new(void);
void set_table_free(struct set_table *st);
static inline uint64_t set_table_count(const struct set_table *st)
{
    return table_count(&st->table);
}
/* 1 (added), 0 (already there) or -ENOMEM (unchanged). */
int set_table_add(struct set_table *st, const void *member, size_t len);
/* The same, for a member known to be absent (conversions, copies). */
int set_table_add_new(struct set_table *st, const void *member, size_t len);
bool set_table_remove(struct set_table *st, const void *member, size_t len);
bool set_table_contains(struct set_table *st, const void *member, size_t len);
/* A member chosen uniformly at random; the set must not be empty. */
struct set_table_member *set_table_random(struct set_table *st, uint64_t *rng);
/* Bytes allocated: nodes, buckets and the set itself. */
uint64_t set_table_bytes(const struct set_table *st);
/* A copy, or NULL when out of memory. */
struct set_table *set_table_dup(struct set_table *st);

#endif
