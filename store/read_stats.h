/*
 * Per-thread counters of a keyspace's reads: keyspace hits and misses (INFO),
 * and how lookups were answered (without the lock, or by falling back to it).
 * A GET bumps them on every call, so one shared counter would bounce its cache
 * line between the cores on every read; instead each thread owns a slot (by
 * its EBR record number) and bumps it with a plain load and store. Readers of
 * the totals sum the slots (relaxed: exact once the counting threads are
 * quiet, a moment's snapshot otherwise).
 */
#ifndef MAGPIE_STORE_READ_STATS_H
#define MAGPIE_STORE_READ_STATS_H

#include "core/compiler.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define READ_STATS_SLOTS 64 /* threads beyond this share one slot (atomic adds) */

enum read_stat {
    READ_STAT_HIT,       /* keyspace_hits */
    READ_STAT_MISS,      /* keyspace_misses */
    READ_STAT_LOCK_FREE, /* lookups answered without the shard lock */
    READ_STAT_FALLBACK,  /* lock-free attempts that took the lock instead */
    READ_STAT_COUNT
};

struct read_stats_slot {
    ATOMIC(uint64_t) n[READ_STAT_COUNT];
} CACHE_ALIGNED;

struct read_stats {
    struct read_stats_slot slot[READ_STATS_SLOTS + 1]; /* the last one is shared */
};

void read_stats_init(struct read_stats *rs);
/* Counts n events for the calling thread. */
void read_stats_add(struct read_stats *rs, enum read_stat which, uint64_t n);
/* Counts one event of each of two kinds (GET's path: a hit, lock-free). */
void read_stats_add_pair(struct read_stats *rs, enum read_stat a, enum read_stat b);
/* The total of one counter over every thread. */
uint64_t read_stats_sum(struct read_stats *rs, enum read_stat which);

#ifdef __cplusplus
}
#endif
#endif
