/*
 * Uniform random picks from a table (store/table.h), for SPOP and
 * SRANDMEMBER on big sets. table_random picks a bucket and then a node of
 * its chain, which favours nodes in short chains; this one accepts a chain
 * of length L with probability L / bound (rejection sampling), so every
 * node is equally likely once `bound` is at least the longest chain. The
 * bound is the caller's, kept with the table: it starts at 1 and grows to
 * any longer chain a pick meets (the one pick that meets it is slightly
 * biased; every pick after it is exact). With the table's load factor at
 * most 1 and a keyed hash, chains stay a handful of nodes long, so a pick
 * walks a few chains on average. Owner's lock held, like table.h.
 */
#ifndef MAGPIE_STORE_TABLE_SAMPLE_H
#define MAGPIE_STORE_TABLE_SAMPLE_H

#include "store/table.h"

/* A node chosen uniformly at random (see above), or NULL when empty. */
struct table_node *table_random_fair(struct table *t, uint64_t *rng, uint32_t *bound);

#endif
