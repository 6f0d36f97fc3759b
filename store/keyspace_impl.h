/*
 * The keyspace's layout, private to store/: `databases` x `shards_per_db`
 * shards in one array, database-major, so the global shard number
 * (db * shards_per_db + shard) is also the lock order: every multi-shard
 * operation takes its locks in ascending global number.
 *
 * The top `shard_bits` bits of a key's hash pick its shard inside a database;
 * the table uses the low bits, so the two choices are independent.
 */
#ifndef MAGPIE_STORE_KEYSPACE_IMPL_H
#define MAGPIE_STORE_KEYSPACE_IMPL_H

#include "core/task.h"
#include "store/events.h"
#include "store/hash.h"
#include "store/keyspace.h"
#include "store/shard.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One active-expiry cycle in progress (store/expiry.h). */
struct expiry_cycle {
    uint32_t shards_left; /* shards this cycle still has to finish */
    int64_t now_ms;       /* the cycle's notion of now */
    uint64_t deadline_ns; /* clock_mono_ns() after which the cycle stops */
    uint64_t expired;     /* keys reclaimed so far in this cycle */
};

/* Active expiry's task and the state of the cycle it is in (store/expiry*.c). */
struct expiry_state {
    struct task task;
    struct keyspace *ks;
    ATOMIC(bool) tick_pending; /* keyspace_expiry_tick asked for a cycle */
    ATOMIC(bool) stop;         /* keyspace_expiry_stop */
    ATOMIC(int) hz;            /* ticks per second: sets the cycle's time budget */
    /* Where the next cycle starts; touched by one cycle at a time. */
    uint32_t next_shard;
    struct expiry_cycle cycle; /* the task's cycle, kept across its yields */
    /* Told how long each slice ran (keyspace_observe_expiry_slices); set
     * before the task is spawned, then read-only. */
    void (*slice_observer)(void *ctx, uint64_t ns);
    void *slice_observer_ctx;
    /* DEBUG EXPIRE-SLICE-DELAY: milliseconds every slice sleeps (tests). */
    ATOMIC(uint32_t) slice_delay_ms;
    /* Counters for tests and INFO (relaxed). */
    ATOMIC(uint64_t) cycles;
    ATOMIC(uint64_t) slices;
};

/* An observer of the write hook (store/events.h). */
struct key_observer {
    key_event_fn fn;
    void *ctx;
};
struct command_observer {
    command_record_fn fn;
    void *ctx;
};

struct keyspace {
    int databases;
    int shards_per_db;
    int shard_bits;
    uint32_t total_shards;
    struct shard *shards;          /* [databases * shards_per_db], cache-line aligned */
    struct read_stats *read_stats; /* hits and misses, per thread (cache-line aligned) */
    struct expiry_state expiry;
    ATOMIC(uint64_t) max_string_len;   /* proto-max-bulk-len */
    ATOMIC(uint64_t) hll_sparse_max;   /* hll-sparse-max-bytes */
    ATOMIC(int) list_fill;             /* list-max-listpack-size, for new lists */
    ATOMIC(int) list_compress;         /* list-compress-depth, for new lists */
    ATOMIC(bool) expiry_paused;        /* keyspace_pause_expiry */
    ATOMIC(bool) active_expiry_off;    /* keyspace_set_active_expiry */
    ATOMIC(uint64_t) hash_max_entries; /* hash-max-listpack-entries */
    ATOMIC(uint64_t) hash_max_value;   /* hash-max-listpack-value */
    /* set-max-intset-entries, set-max-listpack-entries, set-max-listpack-value */
    ATOMIC(uint64_t) set_max_intset_entries;
    ATOMIC(uint64_t) set_max_listpack_entries;
    ATOMIC(uint64_t) set_max_listpack_value;
    ATOMIC(uint64_t) zset_max_listpack_entries; /* zset-max-listpack-entries */
    ATOMIC(uint64_t) zset_max_listpack_value;   /* zset-max-listpack-value */
    /* Point-in-time snapshots (store/rdb_snapshot.c): the number of the last
     * one started (shards point at it), and the running one or NULL. */
    ATOMIC(uint64_t) snap_epoch;
    struct rdb_snapshot *snapshot;
    /* Set before the keyspace is shared, then read-only. */
    int key_observer_count;
    int command_observer_count;
    int miss_observer_count;
    struct key_observer key_observers[KEYSPACE_MAX_OBSERVERS];
    struct key_observer miss_observers[KEYSPACE_MAX_OBSERVERS];
    struct command_observer command_observers[KEYSPACE_MAX_OBSERVERS];
};

#ifndef __cplusplus /* C++ tests include this header for the layout only */
static inline bool keyspace_expiry_paused(struct keyspace *ks)
{
    return atomic_load_explicit(&ks->expiry_paused, memory_order_relaxed);
}
#endif

static inline struct shard *keyspace_shard(struct keyspace *ks, uint32_t id)
{
    return &ks->shards[id];
}

static inline uint32_t keyspace_shard_id(const struct keyspace *ks, int db, uint64_t hash)
{
    uint32_t local = ks->shard_bits ? (uint32_t)(hash >> (64 - ks->shard_bits)) : 0;
    return (uint32_t)db * (uint32_t)ks->shards_per_db + local;
}

/* Fills *k for the key in database db (which must be valid). */
static inline void key_locate(struct keyspace *ks, int db, const char *ptr, size_t len,
                              struct key *k)
{
    k->ptr = ptr;
    k->len = len;
    k->hash = hash_key(ptr, len);
    k->shard_id = keyspace_shard_id(ks, db, k->hash);
    k->shard = keyspace_shard(ks, k->shard_id);
}

/* The same key in another database (MOVE, COPY ... DB): the hash is reused. */
static inline void key_in_db(struct keyspace *ks, int db, const struct key *src, struct key *k)
{
    *k = *src;
    k->shard_id = keyspace_shard_id(ks, db, k->hash);
    k->shard = keyspace_shard(ks, k->shard_id);
}

static inline bool keyspace_db_valid(const struct keyspace *ks, long long db)
{
    return db >= 0 && db < ks->databases;
}

/* First global shard number of a database. */
static inline uint32_t keyspace_db_first_shard(const struct keyspace *ks, int db)
{
    return (uint32_t)db * (uint32_t)ks->shards_per_db;
}

#ifdef __cplusplus
}
#endif
#endif
