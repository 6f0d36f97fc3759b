/*
 * SORT's reads of a sorted set (store/sort_run.c), apart so that the
 * sorted-set internals stay out of the other SORT files. Private to store/.
 */
#ifndef MAGPIE_STORE_SORT_ZSET_H
#define MAGPIE_STORE_SORT_ZSET_H

#include "store/cmd_sort.h"

/* Redis 7.0 converts a listpack sorted set to its large form before
 * sorting it (OBJECT ENCODING then says skiplist): so does SORT here. */
void do_sort_zset_convert(struct shard *s, struct entry *e) REQUIRES(&s->lock);
/* Members of the sorted set. */
size_t sort_zset_size(const struct value *v);
/*
 * Loads the members into r->items: when `ranged`, the `count` members from
 * rank r->start on in score order (from the highest when DESC), else all of
 * them in any order. False when out of memory.
 */
bool sort_zset_load(struct sort_run *r, const struct value *v, bool ranged, long count);

#endif
