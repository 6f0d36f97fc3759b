/*
 * The store's side of WATCH (store/watch.h is the public one): the per-shard
 * table of watched keys and the write hook's two entry points into it.
 * Private to store/.
 */
#ifndef MAGPIE_STORE_WATCHING_H
#define MAGPIE_STORE_WATCHING_H

#include "store/shard.h"
#include "store/watch.h"

/* The table type of struct shard's `watched` table. */
extern const struct table_type watched_key_type;

/* The write hook: key k of s changed (k's shard lock held). */
void do_watch_touch(struct shard *s, const struct key *k) REQUIRES(&s->lock);
/* The write hook: every key of s changed at once. `before` holds what s held
 * until now (FLUSHDB's taken table; for SWAPDB, the other database's
 * shard, which now holds it); s->table holds what it has now. */
void do_watch_replaced(struct shard *s, struct table *before) REQUIRES(&s->lock);

#endif
