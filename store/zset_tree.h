/*
 * The order of a large sorted set: a B+tree of pointers to member nodes,
 * ordered by (score, member bytes), with each inner node keeping its
 * children's element counts so ranks cost O(log n). The member nodes belong
 * to the set's member table (store/zset_large.c); the tree only points at
 * them, so a member's bytes and score are stored once.
 *
 * Why not Redis's skiplist: a skiplist node carries a score, a backward
 * link and 1.33 (forward, span) levels on average, ~50 bytes per member on
 * top of the member itself; the tree's leaves cost ~10 bytes per member
 * (a pointer at ~80% fill). README.md has the measurements.
 *
 * Insertion allocates before it changes anything (the nodes a split needs),
 * so a failed allocation leaves the tree as it was; deletion never fails.
 * Leaves are linked both ways for range walks. Pure data structure: the
 * owner's shard lock guards it. Private to store/.
 */
#ifndef MAGPIE_STORE_ZSET_TREE_H
#define MAGPIE_STORE_ZSET_TREE_H

#include "store/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A member of a large sorted set: one allocation, linked in the member
 * table, pointed at by a tree leaf. */
struct zset_node {
    struct table_node link;
    double score;
    uint32_t len;
    char data[];
};

static inline struct zset_node *zset_node_of(struct table_node *n)
{
    return (struct zset_node *)((char *)n - offsetof(struct zset_node, link));
}

/* Redis's order: by score, then by member bytes (memcmp, a prefix first). */
int zset_compare(double score_a, const void *a, size_t alen, double score_b, const void *b,
                 size_t blen);

#define ZT_MAX 64 /* entries per tree node */

struct zt_node {
    uint16_t n;
    uint8_t leaf;
    struct zt_node *prev, *next; /* leaves: neighbours in order */
    union {
        struct zset_node *item[ZT_MAX]; /* leaf: the elements, in order */
        struct {
            struct zt_node *child[ZT_MAX];
            uint64_t count[ZT_MAX];       /* elements under each child */
            struct zset_node *lo[ZT_MAX]; /* each child's first element */
        } in;
    } u;
};

struct zset_tree {
    struct zt_node *root; /* NULL when empty */
    struct zt_node *first, *last;
    uint64_t count;
    uint64_t bytes; /* allocated for tree nodes */
    unsigned height;
};

void zt_init(struct zset_tree *t);
/* Frees the tree's nodes (not the members). */
void zt_clear(struct zset_tree *t);
/* Links a node whose (score, member) is absent. 0 or -ENOMEM (unchanged). */
int zt_insert(struct zset_tree *t, struct zset_node *x);
/* Unlinks a node that is in the tree. */
void zt_delete(struct zset_tree *t, struct zset_node *x);
/* 0-based ascending rank of a node in the tree. */
uint64_t zt_rank(const struct zset_tree *t, const struct zset_node *x);
/* The element at a rank (< count), with its leaf and index for walking. */
struct zset_node *zt_at(const struct zset_tree *t, uint64_t rank, struct zt_node **leaf,
                        unsigned *idx);
/* How many elements satisfy `below`, a predicate true for a prefix of the
 * order and false after it. */
typedef bool (*zt_pred)(const struct zset_node *x, const void *ctx);
uint64_t zt_count_prefix(const struct zset_tree *t, zt_pred below, const void *ctx);
/* Checks every invariant (tests and fuzzing); false on a violation. */
bool zt_check(const struct zset_tree *t);

#endif
