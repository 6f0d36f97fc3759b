/*
 * The network side of --queue: deleting the queue keys before the run, the
 * sabotage of the negative control (--queue-sabotage), and after every
 * client finished the final drain and, under --verify, the check.
 */
#ifndef MAGPIE_STRESS_QUEUE_RUN_H
#define MAGPIE_STRESS_QUEUE_RUN_H

#include "tools/stress/args.h"
#include "tools/stress/client.h"
#include "tools/stress/network.h"
#include "tools/stress/sync_client.h"
#include "tools/stress/verify_queue.h"

#include <pthread.h>
#include <stddef.h>

/* DEL queue:0 .. queue:<keys - 1>, so the run starts from empty queues. 0 or -errno. */
int queue_prepare(const struct stress_options *o, char *err, size_t err_size);

/*
 * --queue-sabotage: from its own connection, once half of --duration passed
 * (at once with --requests), DEL queue:0 until a DEL removes it while it
 * holds items (those were pushed, so their pushes are or will be
 * acknowledged: --verify must report them lost), or the producers finished.
 */
struct queue_sabotage {
    struct client_run *run;
    struct sync_client conn;
    pthread_t thread;
    bool started;
    uint64_t start_at_ns;
    bool hit;
    uint64_t hit_ns;
};

/* Connects; 0 or -errno with a message in err. */
int queue_sabotage_open(struct queue_sabotage *s, const struct stress_options *o,
                        struct client_run *run, char *err, size_t err_size);
/* Starts the thread once run->start_ns is set; 0 or -errno. */
int queue_sabotage_start(struct queue_sabotage *s);
/* Joins it (if it started), closes, and records what it did in r. */
void queue_sabotage_finish(struct queue_sabotage *s, struct network_result *r);

/*
 * After every client finished: pops what is left in every queue into the
 * log consumers[consumer_count - 1] (the pseudo-consumer of the drain; NULL
 * logs without --verify), checks that LLEN of every queue is then 0, and
 * under --verify runs the check into r->queue. 0 or -errno.
 */
int queue_finish(const struct stress_options *o, struct queue_log *producers,
                 struct queue_log *consumers, size_t consumer_count, struct network_result *r,
                 char *err, size_t err_size);

#endif
