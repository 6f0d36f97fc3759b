#include "tools/stress/client.h"

#include "core/clock.h"
#include "tools/stress/client_mix.h"
#include "tools/stress/client_pubsub.h"
#include "tools/stress/client_queue.h"
#include "tools/stress/client_transfer.h"
#include "tools/stress/roles.h"
#include "tools/stress/verify.h"
#include "tools/stress/workload.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS  256
#define DRAIN_NS    (10 * 1000000000ull) /* how long to wait for the last replies */
#define MAX_WAIT_NS (100 * 1000000ull)   /* re-check the stop flag this often */

void client_run_init(struct client_run *run, const struct stress_options *opts)
{
    memset(run, 0, sizeof(*run));
    run->opts = opts;
    keydist_init(&run->dist, &opts->dists[0], opts->keys);
    bool mix = !opts->queue.producers && !opts->pubsub.publishers && !opts->transfer.movers;
    for (int op = 0; op < OP_COUNT; op++)
        run->op_used[op] = opts->mix.weight[op] > 0 && mix;
    if (opts->queue.producers) {
        run->op_used[OP_LPUSH] = true;
        run->op_used[opts->queue.pop == QUEUE_POP_RPOP ? OP_RPOP : OP_BRPOP] = true;
        atomic_init(&run->producers_left, opts->queue.producers);
    }
    if (opts->pubsub.publishers) {
        run->op_used[OP_PUBLISH] = true;
        atomic_init(&run->producers_left, opts->pubsub.publishers);
    }
    if (opts->transfer.movers) {
        run->op_used[OP_TRANSFER] = true;
        run->op_used[OP_SUM] = opts->transfer.readers > 0;
        atomic_init(&run->producers_left, opts->transfer.movers);
    }
    run->end_ns = UINT64_MAX;
    pthread_mutex_init(&run->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&run->finished_cond, &attr);
    pthread_condattr_destroy(&attr);
}

void client_run_destroy(struct client_run *run)
{
    pthread_mutex_destroy(&run->lock);
    pthread_cond_destroy(&run->finished_cond);
}

void client_run_stop(struct client_run *run)
{
    atomic_store_explicit(&run->stop, 1, memory_order_relaxed); /* a plain flag */
}

bool client_run_wait(struct client_run *run, int threads, uint64_t deadline_ns)
{
    struct timespec ts = {(time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u)};
    pthread_mutex_lock(&run->lock);
    while (run->finished < threads &&
           pthread_cond_timedwait(&run->finished_cond, &run->lock, &ts) != ETIMEDOUT) {
    }
    bool all = run->finished >= threads;
    pthread_mutex_unlock(&run->lock);
    return all;
}

uint64_t client_thread_ops(struct client_thread *t)
{
    return atomic_load_explicit(&t->ops, memory_order_relaxed);
}

uint64_t client_thread_errors(struct client_thread *t)
{
    return atomic_load_explicit(&t->errors, memory_order_relaxed);
}

/* Counters only this thread writes: a relaxed load and store, no RMW. */
static void bump(ATOMIC(uint64_t) * counter)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

bool client_thread_has_quota(const struct client_thread *t)
{
    return !t->limited || t->quota > 0;
}

void client_count_op(struct client_thread *t, int op, uint64_t latency_ns)
{
    hist_record(t->latency, latency_ns);
    if (t->op_latency[op])
        hist_record(t->op_latency[op], latency_ns);
    bump(&t->ops);
    t->op_counts[op]++;
}

void client_count_error(struct client_thread *t, const char *what, const struct stress_reply *r)
{
    bump(&t->errors);
    if (!t->first_error[0])
        snprintf(t->first_error, sizeof(t->first_error), "%s: %.*s", what,
                 (int)(r->len < 120 ? r->len : 120), r->str);
}

void client_writer_done(struct client_run *run, uint64_t now)
{
    /* acq_rel: each writer's decrement releases what its thread saw (the
     * replies to its requests); the last one acquires all of them, then
     * releases them again with the time, for the other side's acquire. */
    if (atomic_fetch_sub_explicit(&run->producers_left, 1, memory_order_acq_rel) == 1)
        atomic_store_explicit(&run->producers_done_ns, now ? now : 1, memory_order_release);
}

uint64_t client_writer_quota(const struct stress_options *o, uint32_t first, int count)
{
    if (o->pubsub.publishers)
        return role_first_quota((uint32_t)o->pubsub.publishers, (uint32_t)o->pubsub.subscribers,
                                o->requests, first, count);
    return role_first_quota((uint32_t)o->transfer.movers, (uint32_t)o->transfer.readers,
                            o->requests, first, count);
}

/* ---------------------------------------------------------------- sending */

static void send_request(struct client_thread *t, struct stress_conn *c, uint64_t intended_ns,
                         uint64_t now)
{
    if (c->role != QUEUE_ROLE_NONE)
        client_queue_send(t, c, now);
    else if (c->pubsub)
        client_pubsub_send(t, c, now);
    else if (c->transfer)
        client_transfer_send(t, c, now);
    else
        client_mix_send(t, c, intended_ns, now);
}

static bool may_send(const struct client_thread *t)
{
    return !t->limited || t->quota > 0;
}

/* The --mix connections and the producers send until the run's end or
 * quota; the consumers until the queues are drained (client_queue.c); the
 * --pubsub and --transfer connections as their modules say. */
static bool conn_may_send(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    if (c->role == QUEUE_ROLE_CONSUMER)
        return client_queue_consumer_may_send(t, c, now);
    if (c->pubsub)
        return client_pubsub_may_send(t, c);
    if (c->transfer)
        return client_transfer_may_send(t, c);
    return t->sending && may_send(t);
}

/* A connection that cannot send now but must keep the loop going: a
 * subscriber waiting for its messages, a transaction waiting for room. */
static bool conn_waiting(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    if (c->pubsub)
        return client_pubsub_waiting(t, c, now);
    return c->transfer && client_transfer_waiting(t, c);
}

/* The writers count themselves out once they are done (client_queue.c,
 * client_pubsub.c, client_transfer.c). */
static void writer_progress(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    client_queue_producer_progress(t, c, now);
    client_pubsub_progress(t, c, now);
    client_transfer_progress(t, c, now);
}

/* Fills the connection's window; returns when it next wants to send. */
static uint64_t fill(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    if (t->interval_ns == 0) {
        while (!conn_window_full(c) && conn_may_send(t, c, now))
            send_request(t, c, now, now);
        return UINT64_MAX;
    }
    while (!conn_window_full(c) && conn_may_send(t, c, now) && c->next_intended_ns <= now) {
        send_request(t, c, c->next_intended_ns, now);
        c->next_intended_ns += t->interval_ns;
    }
    return conn_window_full(c) ? UINT64_MAX : c->next_intended_ns;
}

/* ---------------------------------------------------------------- receiving */

static void lose_connection(struct client_thread *t, struct stress_conn *c)
{
    struct inflight req;
    while (conn_pop(c, &req)) {
        t->unanswered++;
        if (c->vlog && req.op == OP_INCR)
            verify_log_incr(c->vlog, req.key, false, 0);
        if (c->role != QUEUE_ROLE_NONE)
            client_queue_on_lost(c, &req);
        if (c->transfer)
            client_transfer_on_lost(c, &req);
    }
    t->conn_errors++;
    conn_close(c); /* closing also removes it from the epoll set */
    writer_progress(t, c, clock_mono_ns());
}

/* Returns false when the connection had to be closed. */
static bool on_reply(struct client_thread *t, struct stress_conn *c, const struct stress_reply *r,
                     uint64_t now)
{
    if (c->pubsub) /* a subscriber's messages answer no request */
        return client_pubsub_on_reply(t, c, r, now);
    if (c->transfer) /* a transaction's replies make one operation */
        return client_transfer_on_reply(t, c, r, now);
    struct inflight req;
    if (!conn_pop(c, &req)) {
        t->protocol_errors++; /* a reply nobody asked for */
        if (c->vlog)
            verify_log_protocol_error(c->vlog);
        return false;
    }
    uint64_t latency = now > req.intended_ns ? now - req.intended_ns : 0;
    hist_record(t->latency, latency);
    if (t->op_latency[req.op])
        hist_record(t->op_latency[req.op], latency);
    bump(&t->ops);
    t->op_counts[req.op]++;
    bool error = r->type == SREPLY_ERROR;
    if (error) {
        bump(&t->errors);
        if (!t->first_error[0])
            snprintf(t->first_error, sizeof(t->first_error), "%s: %.*s", op_name(req.op),
                     (int)(r->len < 120 ? r->len : 120), r->str);
    } else if (!client_reply_expected(req.op, r)) {
        t->protocol_errors++;
        error = true;
    } else if (r->type == SREPLY_NIL && op_is_list(req.op)) {
        t->empty_pops++; /* a pop found the list empty (BRPOP: until its timeout) */
    }
    if (c->role != QUEUE_ROLE_NONE)
        client_queue_on_reply(t, c, &req, r, error, now);
    if (c->vlog) {
        if (error)
            verify_log_protocol_error(c->vlog); /* under --verify, any error is one */
        else
            client_mix_log_verify(c, &req, r, now);
    }
    return true;
}

static void on_readable(struct client_thread *t, struct stress_conn *c)
{
    long n = conn_read(c);
    /* Taken after the read: a reply's timestamp must not precede its arrival
     * (verify.h relies on it), and it is what the latency ends with. */
    uint64_t now = clock_mono_ns();
    if (n > 0)
        t->finish_ns = now;
    struct stress_reply r;
    int got;
    while ((got = conn_next_reply(c, &r)) > 0) {
        if (!on_reply(t, c, &r, now)) {
            lose_connection(t, c);
            return;
        }
    }
    if (got < 0) {
        t->protocol_errors++;
        if (c->vlog)
            verify_log_protocol_error(c->vlog);
        lose_connection(t, c);
    } else if (n < 0) {
        lose_connection(t, c);
    }
}

static void flush(struct client_thread *t, struct stress_conn *c)
{
    int rc = conn_flush(c);
    if (rc < 0) {
        lose_connection(t, c);
        return;
    }
    bool want_out = rc == 1;
    if (want_out != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0u), .data.ptr = c};
        epoll_ctl(t->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = want_out;
    }
}

/* ---------------------------------------------------------------- the loop */

static int wait_events(int epoll_fd, struct epoll_event *events, uint64_t now, uint64_t until)
{
    uint64_t wait = until > now ? until - now : 0;
    if (wait > MAX_WAIT_NS)
        wait = MAX_WAIT_NS;
    struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
    int n = epoll_pwait2(epoll_fd, events, MAX_EVENTS, &ts, NULL);
    if (n < 0 && errno == ENOSYS) /* kernels before 5.11: millisecond resolution */
        n = epoll_wait(epoll_fd, events, MAX_EVENTS, (int)((wait + 999999) / 1000000));
    return n;
}

static bool time_to_stop(struct client_thread *t, uint64_t now)
{
    return !may_send(t) || now >= t->run->end_ns ||
           atomic_load_explicit(&t->run->stop, memory_order_relaxed);
}

/* A writer (producer, publisher, mover) that stopped sending waits DRAIN_NS
 * at most for its replies, so the other side, which waits for every writer,
 * cannot wait forever. */
static void producer_deadline(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    bool writer = c->role == QUEUE_ROLE_PRODUCER || client_pubsub_is_publisher(c) ||
                  client_transfer_is_mover(c);
    if (writer && !c->dead && !t->sending && c->ring_count && now >= t->stopped_ns + DRAIN_NS)
        lose_connection(t, c);
}

static void *client_thread_main(void *arg)
{
    struct client_thread *t = arg;
    struct epoll_event events[MAX_EVENTS];
    uint64_t drain_deadline = 0; /* set once no connection sends any more */
    t->sending = true;
    for (;;) {
        uint64_t now = clock_mono_ns(), wake = UINT64_MAX, in_flight = 0;
        int live = 0;
        bool any_sending = false;
        if (t->sending && time_to_stop(t, now)) {
            t->sending = false;
            t->stopped_ns = now;
        }
        for (int i = 0; i < t->conn_count; i++) {
            struct stress_conn *c = &t->conns[i];
            if (c->dead)
                continue;
            if (conn_may_send(t, c, now)) {
                any_sending = true;
                uint64_t next = fill(t, c, now);
                wake = next < wake ? next : wake;
            } else if (conn_waiting(t, c, now)) {
                any_sending = true;
            }
            if (conn_has_output(c))
                flush(t, c);
            producer_deadline(t, c, now);
            writer_progress(t, c, now);
            if (!c->dead) {
                live++;
                in_flight += c->ring_count;
            }
        }
        if (!any_sending && !drain_deadline)
            drain_deadline = now + DRAIN_NS;
        if (live == 0 || (!any_sending && (in_flight == 0 || now >= drain_deadline)))
            break;
        uint64_t until = wake;
        if (t->sending && t->run->end_ns < until)
            until = t->run->end_ns;
        if (!any_sending)
            until = drain_deadline;
        int n = wait_events(t->epoll_fd, events, now, until);
        for (int i = 0; i < n; i++) {
            struct stress_conn *c = events[i].data.ptr;
            if (!c->dead && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                on_readable(t, c);
            if (!c->dead && (events[i].events & EPOLLOUT))
                flush(t, c);
        }
    }
    for (int i = 0; i < t->conn_count; i++) {
        if (!t->conns[i].dead && t->conns[i].ring_count)
            lose_connection(t, &t->conns[i]); /* gave up waiting for its replies */
        writer_progress(t, &t->conns[i], clock_mono_ns());
    }
    pthread_mutex_lock(&t->run->lock);
    t->run->finished++;
    pthread_cond_broadcast(&t->run->finished_cond);
    pthread_mutex_unlock(&t->run->lock);
    return NULL;
}

/* ---------------------------------------------------------------- start */

int client_thread_start(struct client_thread *t)
{
    for (int i = 0; i < t->conn_count; i++) /* spread the --rate slots */
        t->conns[i].next_intended_ns =
            t->run->start_ns + (uint64_t)(rng_unit(&t->rng) * (double)t->interval_ns);
    t->finish_ns = t->run->start_ns;
    /* Ctrl-C is for the main thread, which stops the run and reports. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&t->thread, NULL, client_thread_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return -rc;
}

void client_thread_join(struct client_thread *t)
{
    pthread_join(t->thread, NULL);
}
