/*
 * magpie-stress's command line: the options of both modes, their defaults,
 * and a parser that reports a clear message instead of exiting, so the tests
 * can call it. main() turns an error into exit status 2.
 */
#ifndef MAGPIE_STRESS_ARGS_H
#define MAGPIE_STRESS_ARGS_H

#include "tools/stress/dist.h"
#include "tools/stress/pubsub.h"
#include "tools/stress/queue.h"
#include "tools/stress/transfer.h"
#include "tools/stress/workload.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STRESS_LIST_MAX   32
#define STRESS_EXIT_USAGE 2

struct stress_options {
    bool inprocess;
    const char *host;
    int port;
    int clients;
    /* Network mode: one thread count. In-process mode: the sweep's list. */
    int threads[STRESS_LIST_MAX];
    int thread_count;
    int shards[STRESS_LIST_MAX];
    int shard_count;
    struct keydist_spec dists[STRESS_LIST_MAX];
    int dist_count;
    int pipeline;
    uint64_t duration_ns; /* per sweep point in-process */
    uint64_t requests;    /* 0: run for duration_ns */
    uint64_t keys;
    struct op_mix mix;
    size_t value_size;
    double rate; /* requests per second over all clients; 0: closed loop */
    const char *json_path;
    const char *svg_path;
    const char *label; /* names the run in the report and the chart title */
    /* The command line, for the record (argv[0] included). */
    int argc;
    char **argv;
    bool quiet;
    bool verify;
    /* --verify-restart: the server may be killed and restarted during the
     * run; the check waits this long for it, then counts the acknowledged
     * writes the restarted server lost (0: no restart expected). */
    uint64_t verify_restart_ns;
    uint64_t seed;
    /* --queue P:C: producers and consumers instead of --clients and --mix
     * (queue.producers is 0 without it); clients is then P + C. */
    struct queue_spec queue;
    /* --pubsub P:S: publishers and subscribers (pubsub.publishers is 0
     * without it); clients is then P + S. */
    struct pubsub_spec pubsub;
    /* --transfer M:R: movers and readers (transfer.movers is 0 without it);
     * clients is then M + R. */
    struct transfer_spec transfer;
};

enum stress_args_status {
    STRESS_ARGS_RUN = 0,   /* options are valid: run */
    STRESS_ARGS_HELP = 1,  /* --help: print stress_args_usage, exit 0 */
    STRESS_ARGS_ERROR = -1 /* err holds the message: exit STRESS_EXIT_USAGE */
};

/* argv[0] is the program name. Never exits, never prints. */
enum stress_args_status stress_args_parse(int argc, char **argv, struct stress_options *out,
                                          char *err, size_t err_size);
void stress_args_usage(FILE *out);

/* Parses "10s", "250ms", "2m", "1.5" (seconds) into nanoseconds; 0 or -EINVAL. */
int stress_parse_duration(const char *text, uint64_t *out_ns);

#ifdef __cplusplus
}
#endif
#endif
