/*
 * WATCH: the keys a client watches, and whether any of them changed since.
 *
 * Each shard keeps a table from key to the clients watching it (`watched`,
 * touched only under the shard's lock), and the write hook marks a client
 * dirty on any change to a key it watches: a write by any client on any
 * worker, expiry, eviction, and FLUSHDB / FLUSHALL / SWAPDB when they
 * change the key. A change to another key of the same shard does not.
 *
 * Redis 7.0's rule for keys that expire while watched: a key that was
 * already expired (still stored, logically gone) when WATCHed is flagged;
 * its later reclamation is no change, but a write that brings it back is.
 * A key that was live when watched and has expired by EXEC fails the EXEC,
 * whether or not it has been reclaimed yet (watch_list_broken).
 *
 * A watch list belongs to one session and is used by its thread; only
 * `dirty` is written by others (under the watched key's shard lock).
 */
#ifndef MAGPIE_STORE_WATCH_H
#define MAGPIE_STORE_WATCH_H

#include "core/compiler.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;
struct lock_plan;
struct watch_node;

struct watch_list {
    struct watch_node *head; /* one per watched key, newest first */
    uint32_t count;
    /* A watched key changed: the next EXEC fails. Shared. */
    ATOMIC(bool) dirty;
};

void watch_list_init(struct watch_list *w);

/* Watches key in db (a second WATCH of the same key is a no-op). 0 or
 * -ENOMEM. */
int keyspace_watch(struct keyspace *ks, struct watch_list *w, int db, const char *key, size_t len,
                   int64_t now_ms);
/* Stops watching every key (UNWATCH, EXEC, DISCARD, RESET, disconnect),
 * taking each key's shard lock in turn; clears dirty. */
void keyspace_unwatch_all(struct watch_list *w);

/* Whether a watched key changed (any thread may ask: CLIENT LIST's 'd'). */
bool watch_list_dirty(const struct watch_list *w);

/* Adds the shards of every watched key to an EXEC's plan. 0 or -ENOMEM. */
int lock_plan_add_watched(struct lock_plan *plan, const struct watch_list *w);

/* With every watched key's shard lock held (the EXEC's plan): whether the
 * transaction must fail, the list dirty or a key live when watched expired
 * by now_ms. */
bool watch_list_broken(struct watch_list *w, int64_t now_ms);

#ifdef __cplusplus
}
#endif
#endif
