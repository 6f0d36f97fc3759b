/*
 * The network load generator's threads. Each thread owns a share of the
 * connections and drives them from its own epoll loop: it keeps up to
 * --pipeline requests in flight per connection (closed loop), or sends each
 * request at its scheduled slot (--rate, open loop, latency measured from
 * the slot so a stalled server cannot hide behind requests never sent),
 * records every reply's latency in its own histogram, and under --verify logs
 * every request to its connection's verify log. Threads share nothing while
 * running but the read-only run description and the stop flag.
 */
#ifndef MAGPIE_STRESS_CLIENT_H
#define MAGPIE_STRESS_CLIENT_H

#include "core/compiler.h"
#include "tools/stress/args.h"
#include "tools/stress/conn.h"
#include "tools/stress/dist.h"
#include "tools/stress/histogram.h"
#include "tools/stress/rng.h"

#include <pthread.h>
#include <stdint.h>

struct verify_log;
struct queue_log;
struct pubsub_pub_log;
struct pubsub_sub_log;
struct transfer_log;

/* What every thread of a run shares. */
struct client_run {
    const struct stress_options *opts;
    struct keydist dist;
    bool op_used[OP_COUNT]; /* the operations the run may send: their histograms */
    uint64_t start_ns;
    uint64_t end_ns;  /* stop sending at this time; UINT64_MAX with --requests */
    ATOMIC(int) stop; /* set by client_run_stop (Ctrl-C) */
    /* --queue: set before the threads start. */
    struct queue_log *producer_logs; /* --verify only, by producer id */
    struct queue_log *consumer_logs; /* --verify only, by consumer id */
    /* The writers: --queue's producers, --pubsub's publishers, --transfer's
     * movers. */
    ATOMIC(int) producers_left; /* writer connections still writing */
    /* When the last writer finished (0 until then): every push (publish,
     * move) was answered or given up before it. The other side loads it with
     * acquire (client_queue.c, client_pubsub.c). */
    ATOMIC(uint64_t) producers_done_ns;
    /* --pubsub: set before the threads start. */
    struct pubsub_pub_log *publisher_logs;  /* --verify only, by publisher id */
    struct pubsub_sub_log *subscriber_logs; /* --verify only, by subscriber id */
    /* The PUBLISHes answered, added by each publisher before it counts
     * itself out (so ordered before producers_done_ns). */
    ATOMIC(uint64_t) messages_published;
    /* --transfer: set before the threads start. */
    struct transfer_log *transfer_logs; /* --verify only, by connection index */
    pthread_mutex_t lock;
    pthread_cond_t finished_cond; /* signalled when a thread finishes */
    int finished;                 /* threads finished, under lock */
};

struct client_thread {
    struct client_run *run;
    int index;
    pthread_t thread;
    int epoll_fd;
    struct stress_conn *conns;
    int conn_count;
    struct rng rng;
    char *value; /* SET payload scratch */
    size_t value_cap;
    bool limited;                            /* --requests: stop when quota reaches 0 */
    uint64_t quota;                          /* requests (--queue: pushes) left to send */
    bool sending;                            /* the --mix connections and producers still send */
    uint64_t stopped_ns;                     /* when sending became false */
    char (*queue_names)[QUEUE_KEY_NAME_MAX]; /* --queue: the keys' names */
    char (*channel_names)[PUBSUB_NAME_MAX];  /* --pubsub: the channels' names */
    char (*account_names)[TRANSFER_KEY_NAME_MAX]; /* --transfer: the accounts' */
    uint64_t interval_ns;                         /* --rate: slot spacing per connection */

    /* Read live by the sampler (relaxed atomics, written by this thread). */
    struct hist *latency;
    ATOMIC(uint64_t) ops;
    ATOMIC(uint64_t) errors;

    /* Read after the thread was joined. */
    uint64_t op_counts[OP_COUNT];
    struct hist *op_latency[OP_COUNT]; /* NULL for the operations never sent */
    uint64_t protocol_errors;          /* malformed or unexpected replies */
    uint64_t empty_pops;               /* LPOP, RPOP, BRPOP answered nil */
    uint64_t items_pushed;             /* --queue: acknowledged pushes */
    uint64_t items_popped;             /* --queue: pops that returned an item */
    uint64_t last_item_ns;             /* --queue: when the last item was popped */
    struct hist *delivery;             /* --pubsub: publish to receive, by the subscribers */
    uint64_t messages_received;        /* --pubsub: by this thread's subscribers */
    uint64_t last_message_ns;          /* --pubsub: when the last one arrived */
    uint64_t receiver_mismatches;      /* --pubsub: PUBLISH answered another count */
    long long first_bad_receivers;
    uint64_t sabotage_left_ns; /* --pubsub-sabotage: when subscriber 0 left (0: never) */
    uint64_t sabotage_back_ns; /* ... and came back */
    uint64_t moves_committed;  /* --transfer */
    uint64_t watch_retries;    /* --transfer-watch: EXEC answered nil */
    uint64_t sums_read;        /* --transfer: by the readers */
    uint64_t bad_sums;         /* ... that were not the total */
    uint64_t conn_errors;      /* connections lost */
    uint64_t unanswered;       /* requests whose reply never came */
    uint64_t finish_ns;
    char first_error[160]; /* the first error reply, for the report */
};

void client_run_init(struct client_run *run, const struct stress_options *opts);
void client_run_destroy(struct client_run *run);
void client_run_stop(struct client_run *run);
/* Waits until every one of `threads` threads finished or until deadline_ns
 * (monotonic); returns true when all finished. */
bool client_run_wait(struct client_run *run, int threads, uint64_t deadline_ns);

/*
 * Connects conn_count connections with client ids first_id, first_id+1, ...;
 * vlogs (NULL unless --verify) is indexed by client id. Returns 0 or -errno
 * with a message in err.
 */
int client_thread_init(struct client_thread *t, struct client_run *run, int index, int conn_count,
                       uint32_t first_id, struct verify_log *vlogs, char *err, size_t err_size);
/* --queue --requests: the pushes of the producers among connections
 * [first, first + count). */
uint64_t client_queue_quota(const struct stress_options *o, uint32_t first, int count);
/* --pubsub and --transfer --requests: the publishes (moves) of the
 * connections [first, first + count). */
uint64_t client_writer_quota(const struct stress_options *o, uint32_t first, int count);
/* The run's start_ns/end_ns must be set. 0 or -errno. */
int client_thread_start(struct client_thread *t);
void client_thread_join(struct client_thread *t);
void client_thread_free(struct client_thread *t);

uint64_t client_thread_ops(struct client_thread *t);
uint64_t client_thread_errors(struct client_thread *t);

/* For the workload modules (client_*.c). */
/* Whether the thread's writers may start another request (--requests). */
bool client_thread_has_quota(const struct client_thread *t);
/* An operation finished after latency_ns: its latency and its count. */
void client_count_op(struct client_thread *t, int op, uint64_t latency_ns);
/* An error reply r to `what` ("publish", "transfer", ...): counted, and the
 * first one kept for the report. */
void client_count_error(struct client_thread *t, const char *what, const struct stress_reply *r);
/* A writer connection finished (it stopped and every reply came, or it
 * died); the last one publishes run->producers_done_ns. */
void client_writer_done(struct client_run *run, uint64_t now);

#endif
