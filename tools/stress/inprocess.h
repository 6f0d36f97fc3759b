/*
 * The in-process mode: the pure lock-contention experiment. For every
 * combination of --shards, --dist and --threads it builds a fresh keyspace
 * with that many shards, runs the operation mix from that many threads
 * straight through the command table for --duration (no network, no
 * protocol parsing, replies discarded), and records ops/s and the shard
 * locks' contention: one mutex against sharded mutexes, a hot key against
 * uniform keys.
 */
#ifndef MAGPIE_STRESS_INPROCESS_H
#define MAGPIE_STRESS_INPROCESS_H

#include "core/lock.h"
#include "tools/stress/args.h"
#include "tools/stress/dist.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sweep_point {
    int threads;
    int shards;
    struct keydist_spec dist;
    uint64_t ops;
    uint64_t errors; /* error replies */
    double elapsed_s;
    struct lock_stats locks; /* summed over every shard during the point */
};

struct sweep_result {
    struct sweep_point *points;
    size_t count;
    bool interrupted;
};

/* 0, or -errno with a message in err. */
int inprocess_run(const struct stress_options *o, struct sweep_result *out, char *err,
                  size_t err_size);
void sweep_result_free(struct sweep_result *r);

#ifdef __cplusplus
}
#endif
#endif
