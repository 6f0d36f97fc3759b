/*
 * The logs --verify keeps for each workload, allocated before a network run
 * and freed after its check: each connection appends to its own log while
 * the run goes, and the workload's check reads them all after it.
 */
#ifndef MAGPIE_STRESS_RUN_LOGS_H
#define MAGPIE_STRESS_RUN_LOGS_H

#include "tools/stress/args.h"
#include "tools/stress/verify.h"
#include "tools/stress/verify_pubsub.h"
#include "tools/stress/verify_queue.h"
#include "tools/stress/verify_transfer.h"

#include <stdbool.h>
#include <stddef.h>

/* The logs of --verify: vlogs for --mix, producers and consumers for
 * --queue, publishers and subscribers for --pubsub, one per connection for
 * --transfer. */
struct run_logs {
    struct verify_log *vlogs;
    size_t vlog_count;
    struct queue_log *producers, *consumers;
    size_t producer_count, consumer_count;
    struct pubsub_pub_log *publishers;
    struct pubsub_sub_log *subscribers;
    size_t publisher_count, subscriber_count;
    struct transfer_log *transfers;
    size_t transfer_count;
};

/* The logs the run's workload needs (none without --verify); false when out
 * of memory, and run_logs_free must still be called. */
bool run_logs_alloc(const struct stress_options *o, struct run_logs *l);
void run_logs_free(struct run_logs *l);

#endif
