/*
 * Active expiry, the part that needs no task: one cycle is a walk over every
 * shard of every database, in slices. A slice takes one shard lock at a time
 * for one sample (at most EXPIRY_SAMPLE keys with a TTL), samples a shard
 * again while more than 10% of its sample was expired (Redis's adaptive
 * rule), and ends after a bounded amount of work; the cycle ends when every
 * shard was visited or its time budget is spent, and the next cycle resumes
 * at the shard where this one stopped. The task in expiry_task.c yields
 * between slices; tests and tools run whole cycles with
 * keyspace_expire_cycle().
 */
#ifndef MAGPIE_STORE_EXPIRY_H
#define MAGPIE_STORE_EXPIRY_H

#include "store/keyspace_impl.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXPIRY_SAMPLE        20 /* keys per sample (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP) */
#define EXPIRY_STALE_PERCENT 10 /* sample again while more than this was expired */
#define EXPIRY_SLICE_SAMPLES 16 /* samples (lock acquisitions) per slice */
#define EXPIRY_DEFAULT_HZ    10
#define EXPIRY_CPU_PERCENT   25 /* of each 1/hz period (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC) */

/* Starts a cycle at now_ms with a budget (ns of monotonic time). */
void expiry_cycle_begin(struct keyspace *ks, struct expiry_cycle *cy, int64_t now_ms,
                        uint64_t budget_ns);
/* Runs one slice; returns true when the cycle is over. Takes and releases
 * shard locks; holds none on return. */
bool expiry_cycle_slice(struct keyspace *ks, struct expiry_cycle *cy);

#ifdef __cplusplus
}
#endif
#endif
