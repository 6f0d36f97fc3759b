/*
 * Locking several shards at once, for commands that must be atomic across
 * keys (MSET, MSETNX, DEL k1 k2, RENAME, COPY, MOVE, SWAPDB, FLUSHALL, ...).
 *
 * A shard set collects the global shard numbers involved; the guard sorts and
 * de-duplicates them and takes the locks in ascending order, so two commands
 * can never wait for each other in a cycle. While the guard is held no
 * reader can observe a partial result: every locked reader of any of those
 * keys needs one of the held locks, and lock-free readers see every shard
 * of the set as being written (odd sequence counter) until the guard ends.
 *
 *     struct shard_set set;
 *     shard_set_init(&set, ks);
 *     ... shard_set_add(&set, k.shard_id) for every key ...
 *     SHARD_SET_GUARD(&set) {
 *         shard_assume_held(k.shard);    // for clang's analysis
 *         do_lookup(k.shard, ...);
 *     }
 *     shard_set_free(&set);
 *
 * LOCK_GUARD takes exactly one lock, so this is its variable-length sibling:
 * the same scope (core/lock.h's GUARD_SCOPE_), and the same compile-time
 * rule (TASK_YIELD / TASK_AWAIT inside it do not compile). Shards that the
 * thread's lock plan already holds (EXEC, store/shard.h) are not taken
 * again. shard_set_lock/unlock themselves are NO_THREAD_SAFETY because
 * clang cannot follow a runtime-sized set of locks; callers state what they
 * hold with shard_assume_held(). Never call them directly.
 */
#ifndef MAGPIE_STORE_MULTILOCK_H
#define MAGPIE_STORE_MULTILOCK_H

#include "core/lock.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;

#define SHARD_SET_INLINE 16

struct shard_set {
    struct keyspace *ks;
    uint32_t count;
    uint32_t cap;
    uint32_t *ids;
    uint32_t inline_ids[SHARD_SET_INLINE];
};

void shard_set_init(struct shard_set *set, struct keyspace *ks);
void shard_set_free(struct shard_set *set);
/* Adds a global shard number (duplicates allowed). 0 or -ENOMEM. */
int shard_set_add(struct shard_set *set, uint32_t id);
/* Adds every shard of a database. 0 or -ENOMEM. */
int shard_set_add_db(struct shard_set *set, int db);
/* Sorts and de-duplicates, then locks in ascending order / unlocks (both
 * skip the shards this thread's lock plan holds). */
void shard_set_lock(struct shard_set *set) NO_THREAD_SAFETY;
void shard_set_unlock(struct shard_set *set) NO_THREAD_SAFETY;

#ifndef __cplusplus

struct shard_set_guard_ {
    struct shard_set *set;
    int active;
};

static inline struct shard_set_guard_ shard_set_guard_enter_(struct shard_set *set)
{
    shard_set_lock(set);
    return (struct shard_set_guard_){set, 1};
}

static inline void shard_set_guard_exit_(struct shard_set_guard_ *g)
{
    shard_set_unlock(g->set);
}

#define SHARD_SET_GUARD_(set, g, once)                                                             \
    GUARD_SCOPE_(struct shard_set_guard_, g, shard_set_guard_enter_(set), shard_set_guard_exit_,   \
                 1, once)
#define SHARD_SET_GUARD(set)                                                                       \
    SHARD_SET_GUARD_(set, CONCAT(shard_set_guard_, __COUNTER__),                                   \
                     CONCAT(shard_set_once_, __COUNTER__))

#endif /* !__cplusplus */

#ifdef __cplusplus
}
#endif
#endif
