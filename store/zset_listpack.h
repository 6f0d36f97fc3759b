/*
 * The listpack form of a sorted set: (member, score) entry pairs sorted by
 * score, then member, scores written as Redis's d2string writes them (so an
 * integral score is an integer entry), exactly Redis 7.0's layout. Positions
 * are those of member entries. Private to store/ (store/zset_value.c).
 */
#ifndef MAGPIE_STORE_ZSET_LISTPACK_H
#define MAGPIE_STORE_ZSET_LISTPACK_H

#include "store/listpack.h"
#include "store/zset_value.h"

/* The score of the pair whose member is at pos. */
double zlp_score(const struct listpack *lp, size_t pos);
/* The member entry's position, or 0; *score gets its score. */
size_t zlp_find(const struct listpack *lp, const void *member, size_t len, double *score);
/* Inserts a pair in order (the member must be absent). 0, -ENOMEM or -E2BIG
 * (unchanged). */
int zlp_insert(struct listpack **lp, double score, const void *member, size_t len);
/* The element whose member entry is at pos. */
void zlp_elem(const struct listpack *lp, size_t pos, struct zset_elem *out);
/* The number of pairs before the first for which `below` is false, walking
 * in order. */
typedef bool (*zlp_pred)(const struct zset_elem *e, const void *ctx);
uint64_t zlp_count_prefix(const struct listpack *lp, zlp_pred below, const void *ctx);

#endif
