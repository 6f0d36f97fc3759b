/*
 * The command-line parser's own parts, shared by args.c (the options and
 * their values) and args_workload.c (what --queue, --pubsub and --transfer
 * allow and imply). Internal to the parser.
 */
#ifndef MAGPIE_STRESS_ARGS_INTERNAL_H
#define MAGPIE_STRESS_ARGS_INTERNAL_H

#include "core/compiler.h"
#include "tools/stress/args.h"

#include <stdbool.h>
#include <stddef.h>

enum option_id {
    OPT_HOST,
    OPT_PORT,
    OPT_CLIENTS,
    OPT_THREADS,
    OPT_PIPELINE,
    OPT_DURATION,
    OPT_REQUESTS,
    OPT_KEYS,
    OPT_DIST,
    OPT_MIX,
    OPT_VALUE_SIZE,
    OPT_RATE,
    OPT_JSON,
    OPT_SVG,
    OPT_LABEL,
    OPT_QUIET,
    OPT_VERIFY,
    OPT_VERIFY_RESTART,
    OPT_INPROCESS,
    OPT_SHARDS,
    OPT_SEED,
    OPT_QUEUE,
    OPT_QUEUE_POP,
    OPT_QUEUE_KEYS,
    OPT_QUEUE_SABOTAGE,
    OPT_PUBSUB,
    OPT_PUBSUB_CHANNELS,
    OPT_PUBSUB_PATTERNS,
    OPT_PUBSUB_SABOTAGE,
    OPT_TRANSFER,
    OPT_TRANSFER_ACCOUNTS,
    OPT_TRANSFER_WATCH,
    OPT_TRANSFER_READ,
    OPT_TRANSFER_SABOTAGE,
    OPT_HELP,
    OPT_COUNT
};

struct stress_option {
    const char *name; /* without the leading -- */
    bool has_value;
};

extern const struct stress_option stress_option_table[OPT_COUNT];

struct parse_state {
    char *err;
    size_t err_size;
    bool given[OPT_COUNT];
};

/* Writes the message into st->err; returns -EINVAL. */
int stress_args_fail(struct parse_state *st, const char *fmt, ...) PRINTF_LIKE(2, 3);

/*
 * The workloads that replace --clients and --mix (--queue, --pubsub,
 * --transfer): at most one, only its own options, and --clients set to its
 * connection count. 0 or -EINVAL.
 */
int stress_args_check_workload(struct parse_state *st, struct stress_options *o);

#endif
