/*
 * The producers and consumers of --queue. How a run ends is the delicate
 * part, and it is made deterministic:
 *  1. producers stop at --duration or --requests, and are counted out once
 *     every push they sent was answered (or their connection was lost, or
 *     they gave up waiting); the last one out publishes producers_done_ns;
 *  2. consumers keep popping. A pop sent after that moment runs after every
 *     push, so once it answers nil its queues stay empty for good: a BRPOP
 *     (every queue key) answering nil, or a row of RPOP nils covering every
 *     key (a consumer's pops rotate over the keys in turn), ends the
 *     consumer;
 *  3. what may still be left (a push whose reply never came may run late, a
 *     consumer may give up after QUEUE_DRAIN_NS) is popped by queue_finish's
 *     final drain, which then checks that LLEN of every queue is 0.
 */
#include "tools/stress/client_queue.h"

#include "tools/stress/verify_queue.h"
#include "tools/stress/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A consumer stops popping this long after the producers finished, even if
 * the queues are not empty yet; the final drain takes the rest. */
#define QUEUE_DRAIN_NS (30 * 1000000000ull)

void client_queue_setup(struct client_thread *t, struct stress_conn *c, uint32_t index)
{
    const struct client_run *run = t->run;
    c->role = queue_role_of(&run->opts->queue, index, &c->role_id);
    if (c->role == QUEUE_ROLE_PRODUCER && run->producer_logs)
        c->qlog = &run->producer_logs[c->role_id];
    if (c->role == QUEUE_ROLE_CONSUMER && run->consumer_logs)
        c->qlog = &run->consumer_logs[c->role_id];
}

uint64_t client_queue_quota(const struct stress_options *o, uint32_t first, int count)
{
    uint64_t quota = 0, producers = (uint64_t)o->queue.producers;
    for (uint32_t i = first; i < first + (uint32_t)count; i++) {
        uint32_t id;
        if (queue_role_of(&o->queue, i, &id) == QUEUE_ROLE_PRODUCER)
            quota += o->requests / producers + (id < o->requests % producers);
    }
    return quota;
}

bool client_queue_consumer_may_send(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    if (c->finished)
        return false;
    /* Relaxed: a hint to stop early; the acquire that matters is in send_pop. */
    uint64_t done = atomic_load_explicit(&t->run->producers_done_ns, memory_order_relaxed);
    if (atomic_load_explicit(&t->run->stop, memory_order_relaxed) ||
        (done && now >= done + QUEUE_DRAIN_NS))
        c->finished = true;
    return !c->finished;
}

static void send_push(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    const struct stress_options *o = t->run->opts;
    uint64_t seq = ++c->turn;
    uint32_t queue = queue_of_push(&o->queue, c->role_id, seq);
    if (c->qlog)
        queue_log_push_sent(c->qlog, queue, now); /* returns seq (or the check refuses) */
    size_t len = queue_item_encode(t->value, t->value_cap, queue, c->role_id, seq, o->value_size);
    const char *argv[3] = {"LPUSH", t->queue_names[queue], t->value};
    size_t lens[3] = {5, strlen(t->queue_names[queue]), len};
    *conn_push(c) = (struct inflight){queue, now, now, seq, OP_LPUSH, false};
    if (request_append(&c->out, 3, argv, lens) < 0) {
        fprintf(stderr, "magpie-stress: out of memory\n");
        abort();
    }
    if (t->limited)
        t->quota--;
}

static void send_pop(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    const struct queue_spec *spec = &t->run->opts->queue;
    const char *argv[QUEUE_KEYS_MAX + 2];
    size_t lens[QUEUE_KEYS_MAX + 2];
    uint32_t queue;
    int argc = queue_pop_args(spec, c->turn++, t->queue_names, argv, lens, &queue);
    /* Acquire, pairing with the release that published the time: every
     * push's reply arrived before this pop is written, so the server runs
     * this pop after every push. */
    bool after = atomic_load_explicit(&t->run->producers_done_ns, memory_order_acquire) != 0;
    int op = spec->pop == QUEUE_POP_RPOP ? OP_RPOP : OP_BRPOP;
    *conn_push(c) = (struct inflight){queue, now, now, 0, op, after};
    if (request_append(&c->out, argc, argv, lens) < 0) {
        fprintf(stderr, "magpie-stress: out of memory\n");
        abort();
    }
}

void client_queue_send(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    if (c->role == QUEUE_ROLE_PRODUCER)
        send_push(t, c, now);
    else
        send_pop(t, c, now);
}

/* A consumer's reply: an item, or nil, which may end the consumer. */
static void on_pop(struct client_thread *t, struct stress_conn *c, const struct inflight *req,
                   const struct stress_reply *r, uint64_t now)
{
    const struct queue_spec *spec = &t->run->opts->queue;
    uint32_t queue;
    const char *item;
    size_t len;
    switch (queue_pop_reply(spec, r, (uint32_t)req->key, &queue, &item, &len)) {
    case QUEUE_POPPED:
        t->items_popped++;
        t->last_item_ns = now;
        c->nil_streak = 0;
        if (c->qlog)
            queue_log_pop(c->qlog, queue, req->send_ns, now, item, len);
        return;
    case QUEUE_EMPTY:
        c->nil_streak = req->after_producers ? c->nil_streak + 1 : 0;
        if (c->nil_streak >= (spec->pop == QUEUE_POP_RPOP ? (uint32_t)spec->keys : 1))
            c->finished = true; /* every queue was empty after the last push */
        return;
    case QUEUE_BAD: /* e.g. BRPOP naming a key it was not asked for */
        t->protocol_errors++;
        c->nil_streak = 0;
        if (c->qlog)
            queue_log_protocol_error(c->qlog);
        return;
    }
}

void client_queue_on_reply(struct client_thread *t, struct stress_conn *c,
                           const struct inflight *req, const struct stress_reply *r, bool error,
                           uint64_t now)
{
    if (error) {
        /* A failed push did not happen, and stays unacknowledged ("in
         * doubt"); a failed pop took nothing. Either fails --verify. */
        c->nil_streak = 0;
        if (c->qlog)
            queue_log_protocol_error(c->qlog);
        return;
    }
    if (c->role == QUEUE_ROLE_CONSUMER) {
        on_pop(t, c, req, r, now);
        return;
    }
    t->items_pushed++;
    if (c->qlog)
        queue_log_push_acked(c->qlog, req->tag, now);
}

void client_queue_on_lost(struct stress_conn *c, const struct inflight *req)
{
    /* A pop may have taken an item whose reply was lost; a push may or may
     * not have happened, which its missing acknowledgement already says. */
    if (c->qlog && req->op != OP_LPUSH)
        queue_log_pops_in_doubt(c->qlog, 1);
}

void client_queue_producer_progress(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    if (c->role != QUEUE_ROLE_PRODUCER || c->finished ||
        !(c->dead || (!t->sending && c->ring_count == 0)))
        return;
    c->finished = true;
    /* acq_rel: each producer's decrement releases what its thread saw (the
     * replies to its pushes); the last one acquires all of them, then
     * releases them again with the time, for the consumers' acquire. */
    if (atomic_fetch_sub_explicit(&t->run->producers_left, 1, memory_order_acq_rel) == 1)
        atomic_store_explicit(&t->run->producers_done_ns, now ? now : 1, memory_order_release);
}
