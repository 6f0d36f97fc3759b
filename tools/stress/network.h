/*
 * The network mode from start to finish: set up (--verify deletes its keys),
 * connect every client, run the threads while sampling once a second for
 * the live progress line and the per-second series, collect the figures,
 * and under --verify read every key back and run the checker.
 */
#ifndef MAGPIE_STRESS_NETWORK_H
#define MAGPIE_STRESS_NETWORK_H

#include "tools/stress/args.h"
#include "tools/stress/histogram.h"
#include "tools/stress/verify.h"
#include "tools/stress/verify_pubsub.h"
#include "tools/stress/verify_queue.h"
#include "tools/stress/verify_transfer.h"
#include "tools/stress/workload.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One point of the per-second series. */
struct stress_second {
    double t_s;  /* end of the interval, seconds since the start */
    double dt_s; /* its length */
    uint64_t ops;
    uint64_t errors;
    uint64_t p50_ns;
    uint64_t p99_ns;
    uint64_t max_ns;
};

/* What --queue adds to a run's figures. */
struct queue_result {
    uint64_t items_pushed;   /* acknowledged pushes */
    uint64_t items_popped;   /* by the consumers */
    double push_elapsed_s;   /* from the start until the last producer finished */
    double pop_elapsed_s;    /* ... until the consumers popped their last item */
    uint64_t left_after_run; /* items the final drain popped (normally 0) */
    uint64_t drain_errors;   /* the final drain failed, or LLEN was not 0 after it */
    bool sabotaged;          /* --queue-sabotage deleted a non-empty queue:0 */
    double sabotage_at_s;
    bool verified; /* --verify ran its check */
    struct queue_verify_result verify;
};

/* What --pubsub adds. */
struct pubsub_result {
    uint64_t messages_published;  /* acknowledged PUBLISHes */
    uint64_t messages_received;   /* by every subscriber together */
    double publish_elapsed_s;     /* from the start until the last publisher finished */
    double receive_elapsed_s;     /* ... until the last message arrived */
    uint64_t receiver_mismatches; /* PUBLISH answered another count than the subscribers' */
    long long first_bad_receivers;
    struct hist *delivery; /* publish to receive, nanoseconds */
    bool sabotaged;        /* --pubsub-sabotage: subscriber 0 left a channel */
    double sabotage_at_s;
    double sabotage_away_s; /* 0: it never came back */
    bool verified;          /* --verify ran its check */
    struct pubsub_verify_result verify;
};

/* What --transfer adds. */
struct transfer_result {
    uint64_t moves_committed;
    uint64_t watch_retries; /* --transfer-watch: EXEC answered nil */
    uint64_t sums_read;
    uint64_t bad_sums;     /* read sums that were not the total */
    double move_elapsed_s; /* from the start until the last mover finished */
    long long final_total; /* every account read back after the run */
    uint64_t final_errors; /* reading them back failed, or a balance was no number */
    bool sabotaged;        /* --transfer-sabotage's DECRBY ran */
    double sabotage_at_s;
    long long sabotage_amount;
    bool verified; /* --verify ran its check */
    struct transfer_verify_result verify;
};

struct network_result {
    uint64_t ops;
    uint64_t errors;          /* error replies */
    uint64_t protocol_errors; /* malformed or unexpected replies */
    uint64_t conn_errors;     /* connections lost */
    uint64_t unanswered;      /* requests whose reply never came */
    uint64_t empty_pops;      /* LPOP, RPOP, BRPOP answered nil (not an error) */
    uint64_t op_counts[OP_COUNT];
    double elapsed_s;
    struct hist *latency;              /* nanoseconds, from the intended send time */
    struct hist *op_latency[OP_COUNT]; /* the same by operation; NULL when never sent */
    struct stress_second *series;
    size_t series_count, series_cap;
    char first_error[160];
    bool interrupted;

    bool verified; /* --verify ran its check */
    struct verify_result verify;
    /* --verify-restart: acknowledged writes the restarted server lost (stale
     * final reads and lost increments). */
    uint64_t lost_acknowledged;
    uint64_t verify_final_errors; /* failed reads while reading keys back */

    struct queue_result queue;       /* --queue only */
    struct pubsub_result pubsub;     /* --pubsub only */
    struct transfer_result transfer; /* --transfer only */
};

/* 0, or -errno with a message in err (cannot connect, out of memory). */
int network_run(const struct stress_options *o, struct network_result *out, char *err,
                size_t err_size);
void network_result_free(struct network_result *r);
/* The verify line's protocol errors: error replies, malformed or unexpected
 * replies, lost connections and failed reads of the final check (--queue:
 * of the final drain; --transfer: of the balances). */
uint64_t network_verify_protocol_errors(const struct network_result *r);
/* --verify found something: exit non-zero. */
bool network_verify_failed(const struct network_result *r);

#ifdef __cplusplus
}
#endif
#endif
