/*
 * The keyspace: `databases` logical databases, each split into 2^k shards, each
 * shard one lock plus one incrementally rehashed table. A seeded keyed hash of
 * the key picks the shard, so hostile keys cannot flood one. Shared by every
 * connection on every worker; only store/ touches the shard locks, and only
 * through LOCK_GUARD.
 *
 * This header is the interface net/ and tools/ use; the table, the value
 * types and the do_* helpers (which expect the shard lock held) are private
 * to store/.
 */
#ifndef MAGPIE_STORE_KEYSPACE_H
#define MAGPIE_STORE_KEYSPACE_H

#include "core/bytes.h"
#include "core/lock.h"
#include "core/task.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;

struct keyspace_config {
    int databases; /* default 16 */
    int shards;    /* per database; a power of two; 0: 4x workers rounded up */
    int workers;   /* used for the default shard count */
};

/* NULL when out of memory or the config is invalid (errno EINVAL). */
struct keyspace *keyspace_new(const struct keyspace_config *config);
void keyspace_free(struct keyspace *ks);
int keyspace_databases(const struct keyspace *ks);
int keyspace_shards(const struct keyspace *ks);

/* Keys and keys with a TTL in one database (INFO keyspace, DBSIZE). */
struct keyspace_db_stats {
    uint64_t keys;
    uint64_t expires;
};
void keyspace_db_stats(struct keyspace *ks, int db, struct keyspace_db_stats *out);

/* Lock statistics summed over every shard of every database, and for one
 * shard (INFO's per-shard contention, magpie-stress). */
void keyspace_lock_stats(struct keyspace *ks, struct lock_stats *total);
void keyspace_shard_lock_stats(struct keyspace *ks, int shard, struct lock_stats *out);
void keyspace_lock_stats_reset(struct keyspace *ks);

/* Expired keys reclaimed (lazily and actively) and keys evicted, for INFO stats. */
struct keyspace_stats {
    uint64_t expired_keys;
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
};
void keyspace_stats(struct keyspace *ks, struct keyspace_stats *out);

/*
 * Active expiry, Redis's adaptive sampling, as a pool task. net/ spawns it
 * once and calls keyspace_expiry_tick() `hz` times a second; each tick runs
 * one cycle in bounded per-shard slices with TASK_YIELD between them.
 */
struct task *keyspace_expiry_task(struct keyspace *ks);
void keyspace_expiry_tick(struct keyspace *ks);
/* Stops the task at its next slice (before pool_destroy). */
void keyspace_expiry_stop(struct keyspace *ks);

#ifdef __cplusplus
}
#endif
#endif
