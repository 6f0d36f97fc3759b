/*
 * The network side of --transfer: opening the accounts before the run, the
 * sabotage of the negative control (--transfer-sabotage), and after every
 * client finished reading every account back and, under --verify, the
 * check.
 */
#ifndef MAGPIE_STRESS_TRANSFER_RUN_H
#define MAGPIE_STRESS_TRANSFER_RUN_H

#include "tools/stress/args.h"
#include "tools/stress/client.h"
#include "tools/stress/network.h"
#include "tools/stress/sync_client.h"
#include "tools/stress/verify_transfer.h"

#include <pthread.h>
#include <stddef.h>

/* SETs every account to TRANSFER_INITIAL_BALANCE. 0 or -errno. */
int transfer_prepare(const struct stress_options *o, char *err, size_t err_size);

/*
 * --transfer-sabotage: from its own connection, once half of --duration
 * passed (at once with --requests), DECRBY account:0 outside any
 * transaction, with no INCRBY to match: money leaves the system, so the
 * sums read after it and the final one must be reported as invariant
 * violations.
 */
struct transfer_sabotage {
    struct client_run *run;
    struct sync_client conn;
    pthread_t thread;
    bool started;
    uint64_t start_at_ns;
    bool hit;
    uint64_t hit_ns;
};

/* Connects; 0 or -errno with a message in err. */
int transfer_sabotage_open(struct transfer_sabotage *s, const struct stress_options *o,
                           struct client_run *run, char *err, size_t err_size);
/* Starts the thread once run->start_ns is set; 0 or -errno. */
int transfer_sabotage_start(struct transfer_sabotage *s);
/* Joins it (if it started), closes, and records what it did in r. */
void transfer_sabotage_finish(struct transfer_sabotage *s, struct network_result *r);

/*
 * After every client finished: reads every account back into r->transfer
 * and, under --verify, runs the check with the logs (one per connection,
 * log_count of them). 0 or -errno.
 */
int transfer_finish(const struct stress_options *o, const struct transfer_log *logs,
                    size_t log_count, struct network_result *r, char *err, size_t err_size);

#endif
