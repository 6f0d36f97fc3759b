/*
 * The keyspace: `databases` logical databases, each split into 2^k shards, each
 * shard one lock plus one incrementally rehashed table. A seeded keyed hash of
 * the key picks the shard, so hostile keys cannot flood one. Shared by every
 * connection on every worker; only store/ touches the shard locks, and only
 * through SHARD_GUARD / SHARD_SET_GUARD. Reads of single keys (GET, MGET,
 * EXISTS, ...) usually take no lock at all (store/shard.h): a thread that
 * calls in here registers with core/ebr on first use.
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
/* keyspace_stats() and keyspace_db_stats() share their names with their
 * structs, which g++ -Wshadow reports ("hides constructor") in C++ tests. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif

struct keyspace;

struct keyspace_config {
    int databases; /* default 16 */
    int shards;    /* per database; a power of two; 0: 4x workers rounded up */
    int workers;   /* used for the default shard count */
};

/*
 * Limits, checked as a whole with 64-bit arithmetic: at most
 * KEYSPACE_MAX_SHARDS_PER_DB shards per database, and at most
 * KEYSPACE_MAX_TOTAL_SHARDS in all databases together (a shard is about 320
 * bytes before it holds a key, so the whole array stays near 320 MB).
 */
#define KEYSPACE_MAX_SHARDS_PER_DB (1 << 16)
#define KEYSPACE_MAX_TOTAL_SHARDS  (1 << 20)

/*
 * The shards per database keyspace_new gives this config: the given count,
 * or the automatic one (4x workers, a power of two) lowered until every
 * database fits. 0 when the config cannot run (then keyspace_new fails with
 * EINVAL): a count that is not a power of two or is too large, databases
 * outside [1, KEYSPACE_MAX_TOTAL_SHARDS], or a product over the total.
 */
int keyspace_plan_shards(const struct keyspace_config *config);

/* NULL when out of memory or the config is invalid (errno EINVAL). */
struct keyspace *keyspace_new(const struct keyspace_config *config);
void keyspace_free(struct keyspace *ks);
int keyspace_databases(const struct keyspace *ks);
/* proto-max-bulk-len: the longest string APPEND, SETRANGE, LCS (and the
 * like) may build; Redis's default (512 MB) until set. */
void keyspace_set_max_string_len(struct keyspace *ks, long long len);
/* hll-sparse-max-bytes: the largest sparse HyperLogLog encoding (header
 * included) before it turns dense. */
void keyspace_set_hll_sparse_max_bytes(struct keyspace *ks, long long bytes);
/* list-max-listpack-size and list-compress-depth, which lists created
 * from now on take (existing lists keep theirs, as in Redis). */
void keyspace_set_list_config(struct keyspace *ks, int fill, int compress_depth);
/* hash-max-listpack-entries and hash-max-listpack-value: when a listpack
 * hash converts to a table (existing tables never convert back). */
void keyspace_set_hash_config(struct keyspace *ks, long long max_entries, long long max_value);
/* set-max-intset-entries, set-max-listpack-entries and
 * set-max-listpack-value: the thresholds at which a set's next add converts
 * it to a bigger encoding (existing sets keep theirs until then). */
void keyspace_set_set_config(struct keyspace *ks, long long max_intset_entries,
                             long long max_listpack_entries, long long max_listpack_value);
/* zset-max-listpack-entries and zset-max-listpack-value: when a sorted
 * set's next add converts it from a listpack. */
void keyspace_set_zset_config(struct keyspace *ks, long long max_entries, long long max_value);
int keyspace_shards(const struct keyspace *ks);

/* Keys and keys with a TTL in one database (INFO keyspace, DBSIZE). */
struct keyspace_db_stats {
    uint64_t keys;
    uint64_t expires;
    /* Bytes of bookkeeping (MEMORY STATS's db.N): the key tables' buckets,
     * and the TTL indexes. */
    uint64_t table_bytes;
    uint64_t ttl_index_bytes;
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
    uint64_t lockfree_reads; /* lookups answered without the shard lock */
    uint64_t read_fallbacks; /* lock-free attempts that took the lock instead */
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

/*
 * Order of use (store/ adds this note): keyspace_expiry_task() once, then
 * pool_spawn() it, and only then keyspace_expiry_tick() / _stop() (they wake
 * the task, which needs its pool). After _stop(), destroy the pool before
 * keyspace_free(): a slice may still be running until the workers are joined.
 */

/* While paused (CLIENT PAUSE), a key past its expiry reads as missing but
 * is not deleted, lazily or by the active cycle: nothing changes that a
 * paused writer would have had to log. A write that finds one still
 * replaces it. */
void keyspace_pause_expiry(struct keyspace *ks, bool paused);
/* DEBUG SET-ACTIVE-EXPIRE: whether the active cycle deletes expired keys
 * (on by default; lazy expiry is unaffected). */
void keyspace_set_active_expiry(struct keyspace *ks, bool enabled);
/* MEMORY USAGE: the bytes a key holds (its entry, key and value), or -1
 * when it does not exist. */
long long keyspace_memory_usage(struct keyspace *ks, int db, const void *key, size_t key_len,
                                int64_t now_ms);

/* Calls fn with the duration of every slice of the active expiry cycle (a
 * slice blocks the shards it works on: what LATENCY's "expire-cycle" event
 * reports). Before the task is spawned; fn runs on a pool worker. */
void keyspace_observe_expiry_slices(struct keyspace *ks, void (*fn)(void *ctx, uint64_t ns),
                                    void *ctx);

/* Tests (DEBUG EXPIRE-SLICE-DELAY): every slice of the active expiry
 * sleeps `ms` more, outside its shard locks, inside the time the observer
 * is told; 0 turns it off. A slow slice on demand, under any sanitizer. */
void keyspace_set_expiry_slice_delay(struct keyspace *ks, uint32_t ms);

/* (Added by store/.) How often net/ calls keyspace_expiry_tick: each cycle
 * may then use 25% of 1/hz seconds, as Redis's slow cycle. Default 10. */
void keyspace_expiry_set_hz(struct keyspace *ks, int hz);
/* Runs one whole cycle synchronously on the calling thread, without the
 * task (tests, tools). Returns the keys it reclaimed. Not concurrently with
 * the task's own cycle. */
uint64_t keyspace_expire_cycle(struct keyspace *ks, int64_t now_ms, uint64_t budget_ns);

/*
 * (Added by store/.) The direct store API, for magpie-stress and benchmarks:
 * the same keyspace operations as GET / SET / DEL without the command table
 * or a reply. Keys and values are binary-safe; now_ms drives expiry.
 */
/* Sets a string value (no TTL). 0 or -ENOMEM. */
int keyspace_set(struct keyspace *ks, int db, const void *key, size_t key_len, const void *val,
                 size_t val_len, int64_t now_ms);
/* *out gets a reference to the string value (bytes_unref it), 0; -ENOENT when
 * missing; -EINVAL when the key holds another type; -ENOMEM. */
int keyspace_get(struct keyspace *ks, int db, const void *key, size_t key_len, int64_t now_ms,
                 struct bytes **out);
/*
 * Copies the string value into buf (cap bytes) and sets *len to its length:
 * 0; -ENOENT when missing; -EINVAL when the key holds another type; -ENOSPC
 * when cap is too small (*len is then the length needed). A short value is
 * copied without writing any shared memory, the way GET replies, so this is
 * the call that measures what the server's GET costs.
 */
int keyspace_get_copy(struct keyspace *ks, int db, const void *key, size_t key_len, int64_t now_ms,
                      void *buf, size_t cap, size_t *len);
/* 1 when a key was deleted, 0 when there was none. */
int keyspace_del(struct keyspace *ks, int db, const void *key, size_t key_len, int64_t now_ms);

/* (Added for DEBUG OBJECT.) What Redis prints about a key's value, read
 * without touching its LRU clock. 0, or -ENOENT when the key is missing. */
struct keyspace_object_info {
    uintptr_t address;          /* the value's identity ("Value at:") */
    long long refcount;         /* as OBJECT REFCOUNT answers */
    const char *encoding;       /* as OBJECT ENCODING answers */
    uint64_t serialized_length; /* RDB size (store/keyspace_debug.c: LZF not modelled) */
    uint32_t lru;               /* 24-bit LRU clock, seconds */
    uint64_t idle_seconds;      /* as OBJECT IDLETIME answers */
    char type_fields[192];      /* the type's own fields (lists: " ql_nodes:1 ..."), or "" */
};
int keyspace_object_info(struct keyspace *ks, int db, const void *key, size_t key_len,
                         int64_t now_ms, struct keyspace_object_info *out);

/* (Added for DEBUG DIGEST, store/digest.c.) Redis's SHA-1 based digest
 * of every database, bit for bit: equal datasets give equal digests in
 * Magpie and redis-server; all zeros when there are no keys. Each shard is
 * read at one moment, not the whole keyspace at once. 0 or -ENOMEM. */
int keyspace_digest(struct keyspace *ks, unsigned char out[20]);
/* DEBUG DIGEST-VALUE: one key's digest (its type, value and whether it has
 * a TTL, not its name), all zeros when missing. 0 or -ENOMEM. */
int keyspace_digest_value(struct keyspace *ks, int db, const void *key, size_t key_len,
                          unsigned char out[20]);

#ifdef __cplusplus
#pragma GCC diagnostic pop
}
#endif
#endif
