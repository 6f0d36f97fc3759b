/*
 * The large form of a sorted set (ENCODING_SKIPLIST): a member table
 * (store/table.h) of struct zset_node, for O(1) lookups by member, and the
 * B+tree over the same nodes for the order (store/zset_tree.h). Each member
 * is one allocation: link, score, length and bytes. Pure data structure:
 * the owner's shard lock guards it. Private to store/.
 */
#ifndef MAGPIE_STORE_ZSET_LARGE_H
#define MAGPIE_STORE_ZSET_LARGE_H

#include "store/table.h"
#include "store/zset_tree.h"

struct zset_large {
    struct table members;
    struct zset_tree tree;
    uint64_t node_bytes; /* member nodes allocated */
};

struct zset_large *zset_large_new(void);
void zset_large_free(struct zset_large *z);
static inline uint64_t zset_large_count(const struct zset_large *z)
{
    return z->tree.count;
}
struct zset_node *zset_large_find(struct zset_large *z, const void *member, size_t len);
/* Adds a member known to be absent. 0 or -ENOMEM (unchanged). */
int zset_large_insert(struct zset_large *z, double score, const void *member, size_t len);
/* Changes a member's score, moving it in the tree. 0 or -ENOMEM. */
int zset_large_rescore(struct zset_large *z, struct zset_node *x, double score);
/* Removes and frees a member. */
void zset_large_remove(struct zset_large *z, struct zset_node *x);
/* Bytes allocated: member nodes, buckets, tree and the set itself. */
uint64_t zset_large_bytes(const struct zset_large *z);
/* A copy, or NULL when out of memory. */
struct zset_large *zset_large_dup(const struct zset_large *z);

#endif
