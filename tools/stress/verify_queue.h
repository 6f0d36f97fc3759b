/*
 * --queue --verify: exactly-once delivery through lists, as a pure module.
 * Producers and consumers append what they sent and what came back to their
 * own struct queue_log (no sharing, no locks); after the run,
 * queue_verify_check() reads every log. Tests feed it events by hand.
 *
 * The workload. Producer p LPUSHes items that name the queue, the producer
 * and p's sequence number (queue_item_encode), so any item popped identifies
 * the exact push that produced it. Consumers pop them with BRPOP or RPOP.
 *
 * What is checked, all derived from facts that hold whatever the timing, so
 * a correct server can never be reported:
 *  - lost: an acknowledged push whose item nobody popped. A pop whose reply
 *    never came (its connection died) may have taken an item with it, so
 *    each such pop excuses one missing item (and its lost connection fails
 *    the run on its own). A push whose reply never came may or may not have
 *    happened: popping its item zero times or once is fine;
 *  - duplicated: every pop of an item beyond its first;
 *  - never pushed: a popped value that does not decode, names a queue other
 *    than the one it was popped from or pushed to, a push its producer never
 *    sent, or one sent only after the pop's reply arrived;
 *  - out of order: p's pushes to one queue run in p's sequence order (one
 *    connection executes in order), and a list pushed at the head and popped
 *    at the tail is FIFO, so the server pops p's items of one queue in
 *    increasing sequence order. Two rules observe that order without trusting
 *    clocks beyond this: (1) one consumer connection's pops run in its
 *    request order, which is its log order; (2) a pop whose reply arrived
 *    before another pop was sent ran first (CLOCK_MONOTONIC is one clock for
 *    every thread; send_ns is taken before the request is written, recv_ns
 *    after the reply was read, so they bracket the pop). A pop of a lower
 *    sequence than one already known to have been popped before it is out
 *    of order. Pops that overlap in time are not compared: nothing orders
 *    them.
 */
#ifndef MAGPIE_STRESS_VERIFY_QUEUE_H
#define MAGPIE_STRESS_VERIFY_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QUEUE_NOT_ACKED       UINT64_MAX
/* queue_item_encode never writes more than max(item_size, this). */
#define QUEUE_ITEM_HEADER_MAX 64

/* One LPUSH, at index seq - 1 of its producer's log. */
struct queue_push {
    uint32_t queue;
    uint64_t send_ns;
    uint64_t ack_ns; /* QUEUE_NOT_ACKED until its reply arrived */
};

enum queue_pop_kind { QUEUE_POP_ITEM, QUEUE_POP_MALFORMED };

/* One pop that returned an item (pops that returned nil are not logged). */
struct queue_pop {
    uint64_t send_ns;
    uint64_t recv_ns;
    uint64_t seq;        /* decoded from the item */
    uint32_t producer;   /* decoded from the item */
    uint32_t item_queue; /* the queue the item names */
    uint32_t queue;      /* the queue it was popped from */
    enum queue_pop_kind kind;
};

/* A producer's log uses pushes, a consumer's pops. */
struct queue_log {
    uint32_t id; /* producer or consumer id: logs are passed to the check by id */
    struct queue_push *pushes;
    size_t push_count, push_cap;
    struct queue_pop *pops;
    size_t pop_count, pop_cap;
    uint64_t pops_in_doubt; /* pops whose reply never came */
    uint64_t protocol_errors;
    bool oom; /* an append failed: the log is incomplete, checking is void */
};

void queue_log_init(struct queue_log *log, uint32_t id);
void queue_log_free(struct queue_log *log);
/* Records a push about to be written; returns its sequence number (>= 1). */
uint64_t queue_log_push_sent(struct queue_log *log, uint32_t queue, uint64_t send_ns);
void queue_log_push_acked(struct queue_log *log, uint64_t seq, uint64_t ack_ns);
/* Records a pop that returned `value` from `queue`. */
void queue_log_pop(struct queue_log *log, uint32_t queue, uint64_t send_ns, uint64_t recv_ns,
                   const char *value, size_t len);
void queue_log_pops_in_doubt(struct queue_log *log, uint64_t count);
void queue_log_protocol_error(struct queue_log *log);

/* Writes the item of producer's push `seq` to `queue` into buf (size >=
 * max(item_size, QUEUE_ITEM_HEADER_MAX)), padded to item_size; its length.
 * The format is --verify's SET value (verify.h) with the queue in the key's
 * place. */
size_t queue_item_encode(char *buf, size_t size, uint32_t queue, uint32_t producer, uint64_t seq,
                         size_t item_size);
/* 0, or -EINVAL when the bytes are not an item queue_item_encode wrote. */
int queue_item_decode(const char *buf, size_t len, uint32_t *queue, uint32_t *producer,
                      uint64_t *seq);

struct queue_verify_result {
    uint64_t items_lost;       /* missing beyond the pops in doubt */
    uint64_t items_duplicated; /* pops of an item beyond its first */
    uint64_t items_unknown;    /* pops of items never pushed (see above) */
    uint64_t out_of_order;     /* pops FIFO forbids */
    uint64_t protocol_errors;  /* the logs' own count */
    uint64_t pushes_acked;
    uint64_t pushes_in_doubt; /* no reply: the item may or may not exist */
    uint64_t pops;            /* pops that returned an item */
    uint64_t pops_in_doubt;   /* no reply: may have taken an item */
    uint64_t missing;         /* acknowledged, never popped */
};

/*
 * Checks every log: producers[i].id and consumers[i].id must be i. Returns 0,
 * -ENOMEM, or -EINVAL when a log is incomplete (oom) or misnumbered.
 */
int queue_verify_check(const struct queue_log *producers, size_t producer_count,
                       const struct queue_log *consumers, size_t consumer_count,
                       struct queue_verify_result *out);

#ifdef __cplusplus
}
#endif
#endif
