#include "store/keyspace_impl.h"

#include "proto/resp.h"
#include "store/expiry.h"
#include "store/hash_value.h"
#include "store/hll.h"
#include "store/list.h"
#include "store/set_value.h"
#include "store/zset_value.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_DBS 16

static int log2_exact(int n)
{
    int bits = 0;
    while ((1 << bits) < n)
        bits++;
    return (1 << bits) == n ? bits : -1;
}

static int default_shards(int workers)
{
    if (workers <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        workers = cpus > 0 ? (int)cpus : 1;
    }
    int shards = 4;
    while (shards < 4 * workers && shards < KEYSPACE_MAX_SHARDS_PER_DB)
        shards *= 2;
    return shards;
}

int keyspace_plan_shards(const struct keyspace_config *config)
{
    struct keyspace_config cfg = {0};
    if (config)
        cfg = *config;
    uint64_t dbs = cfg.databases == 0 ? DEFAULT_DBS : (uint64_t)(int64_t)cfg.databases;
    if (cfg.databases < 0 || dbs > KEYSPACE_MAX_TOTAL_SHARDS)
        return 0;
    uint64_t shards = (uint64_t)(int64_t)cfg.shards;
    if (cfg.shards == 0) { /* automatic: as many as fit, down to one */
        shards = (uint64_t)default_shards(cfg.workers);
        while (shards > 1 && dbs * shards > KEYSPACE_MAX_TOTAL_SHARDS)
            shards /= 2;
    }
    if (cfg.shards < 0 || shards > KEYSPACE_MAX_SHARDS_PER_DB || log2_exact((int)shards) < 0 ||
        dbs * shards > KEYSPACE_MAX_TOTAL_SHARDS)
        return 0;
    return (int)shards;
}

struct keyspace *keyspace_new(const struct keyspace_config *config)
{
    struct keyspace_config cfg = {0};
    if (config)
        cfg = *config;
    if (cfg.databases == 0)
        cfg.databases = DEFAULT_DBS;
    cfg.shards = keyspace_plan_shards(&cfg);
    if (cfg.shards == 0) {
        errno = EINVAL;
        return NULL;
    }
    int bits = log2_exact(cfg.shards);
    struct keyspace *ks = calloc(1, sizeof(*ks));
    if (!ks)
        return NULL;
    ks->databases = cfg.databases;
    ks->shards_per_db = cfg.shards;
    ks->shard_bits = bits;
    ks->total_shards = (uint32_t)cfg.databases * (uint32_t)cfg.shards;
    ks->shards = aligned_alloc(CACHE_LINE, (size_t)ks->total_shards * sizeof(struct shard));
    ks->read_stats = aligned_alloc(CACHE_LINE, sizeof(struct read_stats));
    if (!ks->shards || !ks->read_stats) {
        free(ks->shards);
        free(ks->read_stats);
        free(ks);
        errno = ENOMEM;
        return NULL;
    }
    read_stats_init(ks->read_stats);
    atomic_init(&ks->max_string_len, (uint64_t)RESP_MAX_BULK_LEN);
    atomic_init(&ks->hll_sparse_max, (uint64_t)HLL_SPARSE_MAX_BYTES_DEFAULT);
    atomic_init(&ks->list_fill, QUICKLIST_FILL_DEFAULT);
    atomic_init(&ks->list_compress, QUICKLIST_COMPRESS_DEFAULT);
    atomic_init(&ks->expiry_paused, false);
    atomic_init(&ks->active_expiry_off, false);
    list_type_register();
    atomic_init(&ks->hash_max_entries, HASH_MAX_LISTPACK_ENTRIES_DEFAULT);
    atomic_init(&ks->hash_max_value, HASH_MAX_LISTPACK_VALUE_DEFAULT);
    hash_type_register();
    set_type_register();
    keyspace_set_set_config(ks, SET_MAX_INTSET_ENTRIES_DEFAULT, SET_MAX_LISTPACK_ENTRIES_DEFAULT,
                            SET_MAX_LISTPACK_VALUE_DEFAULT);
    zset_type_register();
    keyspace_set_zset_config(ks, ZSET_MAX_LISTPACK_ENTRIES_DEFAULT,
                             ZSET_MAX_LISTPACK_VALUE_DEFAULT);
    atomic_init(&ks->snap_epoch, 0);
    ks->snapshot = NULL;
    for (uint32_t i = 0; i < ks->total_shards; i++) {
        shard_init(&ks->shards[i], ks, i, (int)(i / (uint32_t)cfg.shards), ks->read_stats);
        ks->shards[i].snap_epoch = &ks->snap_epoch;
        ks->shards[i].snap_saved = 0;
    }
    ks->expiry.ks = ks;
    atomic_init(&ks->expiry.tick_pending, false);
    atomic_init(&ks->expiry.stop, false);
    atomic_init(&ks->expiry.hz, EXPIRY_DEFAULT_HZ);
    atomic_init(&ks->expiry.cycles, 0);
    atomic_init(&ks->expiry.slices, 0);
    return ks;
}

void keyspace_free(struct keyspace *ks)
{
    if (!ks)
        return;
    /* Retired entries and values do not point into the keyspace: they may
     * be freed later by whichever thread retired them. */
    for (uint32_t i = 0; i < ks->total_shards; i++)
        shard_destroy(&ks->shards[i]);
    free(ks->shards);
    free(ks->read_stats);
    free(ks);
}

void keyspace_set_max_string_len(struct keyspace *ks, long long len)
{
    atomic_store_explicit(&ks->max_string_len, len > 0 ? (uint64_t)len : 0, memory_order_relaxed);
}

void keyspace_set_hll_sparse_max_bytes(struct keyspace *ks, long long bytes)
{
    atomic_store_explicit(&ks->hll_sparse_max, bytes > 0 ? (uint64_t)bytes : 0,
                          memory_order_relaxed);
}

void keyspace_set_list_config(struct keyspace *ks, int fill, int compress_depth)
{
    atomic_store_explicit(&ks->list_fill, fill, memory_order_relaxed);
    atomic_store_explicit(&ks->list_compress, compress_depth, memory_order_relaxed);
}

void keyspace_set_hash_config(struct keyspace *ks, long long max_entries, long long max_value)
{
    atomic_store_explicit(&ks->hash_max_entries, max_entries > 0 ? (uint64_t)max_entries : 0,
                          memory_order_relaxed);
    atomic_store_explicit(&ks->hash_max_value, max_value > 0 ? (uint64_t)max_value : 0,
                          memory_order_relaxed);
}

void keyspace_set_set_config(struct keyspace *ks, long long max_intset_entries,
                             long long max_listpack_entries, long long max_listpack_value)
{
    atomic_store_explicit(&ks->set_max_intset_entries,
                          max_intset_entries > 0 ? (uint64_t)max_intset_entries : 0,
                          memory_order_relaxed);
    atomic_store_explicit(&ks->set_max_listpack_entries,
                          max_listpack_entries > 0 ? (uint64_t)max_listpack_entries : 0,
                          memory_order_relaxed);
    atomic_store_explicit(&ks->set_max_listpack_value,
                          max_listpack_value > 0 ? (uint64_t)max_listpack_value : 0,
                          memory_order_relaxed);
}

void keyspace_set_zset_config(struct keyspace *ks, long long max_entries, long long max_value)
{
    atomic_store_explicit(&ks->zset_max_listpack_entries,
                          max_entries > 0 ? (uint64_t)max_entries : 0, memory_order_relaxed);
    atomic_store_explicit(&ks->zset_max_listpack_value, max_value > 0 ? (uint64_t)max_value : 0,
                          memory_order_relaxed);
}

int keyspace_databases(const struct keyspace *ks)
{
    return ks->databases;
}

int keyspace_shards(const struct keyspace *ks)
{
    return ks->shards_per_db;
}

void keyspace_db_stats(struct keyspace *ks, int db, struct keyspace_db_stats *out)
{
    *out = (struct keyspace_db_stats){0};
    if (!keyspace_db_valid(ks, db))
        return;
    /* Shard by shard: INFO does not need a snapshot across shards. */
    uint32_t first = keyspace_db_first_shard(ks, db);
    for (int i = 0; i < ks->shards_per_db; i++) {
        struct shard *s = keyspace_shard(ks, first + (uint32_t)i);
        SHARD_GUARD (s) {
            out->keys += do_key_count(s);
            out->expires += do_ttl_count(s);
            out->table_bytes += table_bucket_bytes(&s->table);
            out->ttl_index_bytes += (uint64_t)s->ttl.cap * sizeof(*s->ttl.items);
        }
    }
}

static void add_lock_stats(struct lock_stats *total, const struct lock *l)
{
    struct lock_stats one;
    lock_stats(l, &one);
    total->acquisitions += one.acquisitions;
    total->contended += one.contended;
    total->wait_ns += one.wait_ns;
}

void keyspace_lock_stats(struct keyspace *ks, struct lock_stats *total)
{
    memset(total, 0, sizeof(*total));
    for (uint32_t i = 0; i < ks->total_shards; i++)
        add_lock_stats(total, &ks->shards[i].lock);
}

void keyspace_shard_lock_stats(struct keyspace *ks, int shard, struct lock_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (shard < 0 || shard >= ks->shards_per_db)
        return;
    for (int db = 0; db < ks->databases; db++)
        add_lock_stats(
            out, &keyspace_shard(ks, keyspace_db_first_shard(ks, db) + (uint32_t)shard)->lock);
}

void keyspace_lock_stats_reset(struct keyspace *ks)
{
    for (uint32_t i = 0; i < ks->total_shards; i++)
        lock_stats_reset(&ks->shards[i].lock);
}

void keyspace_stats(struct keyspace *ks, struct keyspace_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < ks->total_shards; i++)
        out->expired_keys += atomic_load_explicit(&ks->shards[i].expired, memory_order_relaxed);
    out->keyspace_hits = read_stats_sum(ks->read_stats, READ_STAT_HIT);
    out->keyspace_misses = read_stats_sum(ks->read_stats, READ_STAT_MISS);
    out->lockfree_reads = read_stats_sum(ks->read_stats, READ_STAT_LOCK_FREE);
    out->read_fallbacks = read_stats_sum(ks->read_stats, READ_STAT_FALLBACK);
}

void keyspace_pause_expiry(struct keyspace *ks, bool paused)
{
    atomic_store_explicit(&ks->expiry_paused, paused, memory_order_relaxed);
}

void keyspace_set_active_expiry(struct keyspace *ks, bool enabled)
{
    atomic_store_explicit(&ks->active_expiry_off, !enabled, memory_order_relaxed);
}
