#include "tools/stress/network.h"

#include "core/clock.h"
#include "tools/stress/client.h"
#include "tools/stress/interrupt.h"
#include "tools/stress/queue_run.h"
#include "tools/stress/report.h"
#include "tools/stress/run_logs.h"
#include "tools/stress/transfer_run.h"
#include "tools/stress/verify_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECOND_NS 1000000000ull

/* State of the once-a-second sampler that runs on the main thread. */
struct sampler {
    struct client_thread *threads;
    int thread_count;
    uint64_t start_ns;
    struct hist *total, *previous, *interval;
    uint64_t previous_ops, previous_errors;
    double previous_t;
    bool progress; /* print the live line */
};

static int append_second(struct network_result *r, const struct stress_second *s)
{
    if (r->series_count == r->series_cap) {
        size_t cap = r->series_cap ? r->series_cap * 2 : 64;
        struct stress_second *grown = realloc(r->series, cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        r->series = grown;
        r->series_cap = cap;
    }
    r->series[r->series_count++] = *s;
    return 0;
}

/*
 * One interval: the difference between the threads' histograms now and at
 * the last sample. A last interval shorter than a quarter second (the tail
 * of the drain) is folded into the one before so it cannot make a spike.
 */
static void sample(struct sampler *s, struct network_result *r, uint64_t now, bool last)
{
    uint64_t ops = 0, errors = 0;
    hist_reset(s->total);
    for (int i = 0; i < s->thread_count; i++) {
        hist_merge(s->total, s->threads[i].latency);
        ops += client_thread_ops(&s->threads[i]);
        errors += client_thread_errors(&s->threads[i]);
    }
    hist_diff(s->interval, s->total, s->previous);
    struct stress_second sec = {
        .t_s = (double)(now - s->start_ns) / 1e9,
        .ops = ops - s->previous_ops,
        .errors = errors - s->previous_errors,
        .p50_ns = hist_percentile(s->interval, 50),
        .p99_ns = hist_percentile(s->interval, 99),
        .max_ns = hist_max(s->interval),
    };
    sec.dt_s = sec.t_s - s->previous_t;
    if (last && sec.dt_s < 0.25 && r->series_count > 0) {
        struct stress_second *prev = &r->series[r->series_count - 1];
        prev->ops += sec.ops;
        prev->errors += sec.errors;
        prev->dt_s += sec.dt_s;
        prev->t_s = sec.t_s;
        if (sec.max_ns > prev->max_ns)
            prev->max_ns = sec.max_ns;
    } else if (sec.dt_s > 0) {
        append_second(r, &sec);
    }
    if (s->progress) {
        char p99[32], p99_all[32];
        report_format_ns(p99, sizeof(p99), sec.p99_ns);
        report_format_ns(p99_all, sizeof(p99_all), hist_percentile(s->total, 99));
        if (last) /* the whole run: the last interval may be a sliver */
            fprintf(stderr, "\r\033[K[%5.1fs] done: %.0f ops/s on average, errors %llu, p99 %s\n",
                    sec.t_s, sec.t_s > 0 ? (double)ops / sec.t_s : 0.0, (unsigned long long)errors,
                    p99_all);
        else
            fprintf(stderr,
                    "\r\033[K[%5.0fs] %9.0f ops/s  errors %llu  p99 %s (so far %s)  %llu requests",
                    sec.t_s, sec.dt_s > 0 ? (double)sec.ops / sec.dt_s : 0.0,
                    (unsigned long long)errors, p99, p99_all, (unsigned long long)ops);
        fflush(stderr);
    }
    struct hist *swap = s->previous;
    s->previous = s->total;
    s->total = swap;
    s->previous_ops = ops;
    s->previous_errors = errors;
    s->previous_t = sec.t_s;
}

static void run_sampler(struct sampler *s, struct client_run *run, struct network_result *r)
{
    uint64_t tick = s->start_ns + SECOND_NS;
    for (;;) {
        bool all = client_run_wait(run, s->thread_count, tick);
        if (stress_interrupted() && !r->interrupted) {
            r->interrupted = true;
            client_run_stop(run);
        }
        uint64_t now = clock_mono_ns();
        if (all) {
            sample(s, r, now, true);
            return;
        }
        if (now >= tick) {
            sample(s, r, now, false);
            tick += SECOND_NS;
        }
    }
}

static void collect_pubsub(const struct client_thread *t, uint64_t start_ns,
                           struct pubsub_result *p)
{
    p->messages_received += t->messages_received;
    double received_s = (double)(t->last_message_ns - start_ns) / 1e9;
    if (t->messages_received && received_s > p->receive_elapsed_s)
        p->receive_elapsed_s = received_s;
    if (t->receiver_mismatches && !p->receiver_mismatches)
        p->first_bad_receivers = t->first_bad_receivers;
    p->receiver_mismatches += t->receiver_mismatches;
    if (t->delivery && !p->delivery)
        p->delivery = hist_new(); /* NULL when out of memory: not reported */
    if (t->delivery && p->delivery)
        hist_merge(p->delivery, t->delivery);
    if (t->sabotage_left_ns) {
        p->sabotaged = true;
        p->sabotage_at_s = (double)(t->sabotage_left_ns - start_ns) / 1e9;
        if (t->sabotage_back_ns)
            p->sabotage_away_s = (double)(t->sabotage_back_ns - t->sabotage_left_ns) / 1e9;
    }
}

static void collect(struct client_thread *threads, int count, uint64_t start_ns,
                    struct network_result *r)
{
    uint64_t finish = start_ns;
    for (int i = 0; i < count; i++) {
        struct client_thread *t = &threads[i];
        hist_merge(r->latency, t->latency);
        r->ops += client_thread_ops(t);
        r->errors += client_thread_errors(t);
        r->protocol_errors += t->protocol_errors;
        r->conn_errors += t->conn_errors;
        r->unanswered += t->unanswered;
        r->empty_pops += t->empty_pops;
        r->queue.items_pushed += t->items_pushed;
        r->queue.items_popped += t->items_popped;
        double popped_s = (double)(t->last_item_ns - start_ns) / 1e9;
        if (t->items_popped && popped_s > r->queue.pop_elapsed_s)
            r->queue.pop_elapsed_s = popped_s;
        collect_pubsub(t, start_ns, &r->pubsub);
        r->transfer.moves_committed += t->moves_committed;
        r->transfer.watch_retries += t->watch_retries;
        r->transfer.sums_read += t->sums_read;
        r->transfer.bad_sums += t->bad_sums;
        for (int op = 0; op < OP_COUNT; op++) {
            r->op_counts[op] += t->op_counts[op];
            if (t->op_latency[op] && !r->op_latency[op])
                r->op_latency[op] = hist_new(); /* NULL when out of memory: not reported */
            if (t->op_latency[op] && r->op_latency[op])
                hist_merge(r->op_latency[op], t->op_latency[op]);
        }
        if (!r->first_error[0] && t->first_error[0])
            memcpy(r->first_error, t->first_error, sizeof(r->first_error));
        if (t->finish_ns > finish)
            finish = t->finish_ns;
    }
    r->elapsed_s = (double)(finish - start_ns) / 1e9;
}

/* Each thread's share of --requests. */
static uint64_t thread_quota(const struct stress_options *o, int thread, int threads,
                             uint32_t first, int conns)
{
    if (o->queue.producers)
        return client_queue_quota(o, first, conns);
    if (o->pubsub.publishers || o->transfer.movers)
        return client_writer_quota(o, first, conns);
    return o->requests / (uint64_t)threads + ((uint64_t)thread < o->requests % (uint64_t)threads);
}

/* Connects every client, runs, samples, joins. */
static int run_threads(const struct stress_options *o, struct client_thread *threads,
                       const struct run_logs *logs, struct network_result *r, char *err,
                       size_t err_size)
{
    struct client_run run;
    client_run_init(&run, o);
    run.producer_logs = logs->producers;
    run.consumer_logs = logs->consumers;
    run.publisher_logs = logs->publishers;
    run.subscriber_logs = logs->subscribers;
    run.transfer_logs = logs->transfers;
    int count = o->threads[0], started = 0, rc = 0;
    uint32_t next_id = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        int conns = o->clients / count + (i < o->clients % count);
        rc = client_thread_init(&threads[i], &run, i, conns, next_id, logs->vlogs, err, err_size);
        if (o->requests) {
            threads[i].limited = true;
            threads[i].quota = thread_quota(o, i, count, next_id, conns);
        }
        next_id += (uint32_t)conns;
    }
    struct queue_sabotage sabotage = {0};
    struct transfer_sabotage transfer_sabotage = {0};
    if (rc == 0 && o->queue.sabotage)
        rc = queue_sabotage_open(&sabotage, o, &run, err, err_size);
    if (rc == 0 && o->transfer.sabotage)
        rc = transfer_sabotage_open(&transfer_sabotage, o, &run, err, err_size);
    struct sampler s = {threads,    count, 0, hist_new(), hist_new(),
                        hist_new(), 0,     0, 0,          !o->quiet && isatty(STDERR_FILENO)};
    if (rc == 0 && (!s.total || !s.previous || !s.interval)) {
        snprintf(err, err_size, "out of memory");
        rc = -ENOMEM;
    }
    if (rc == 0) {
        run.start_ns = clock_mono_ns();
        s.start_ns = run.start_ns;
        if (!o->requests)
            run.end_ns = run.start_ns + o->duration_ns;
        for (; started < count; started++) {
            rc = client_thread_start(&threads[started]);
            if (rc < 0) {
                snprintf(err, err_size, "cannot start a thread: %s", strerror(-rc));
                client_run_stop(&run);
                break;
            }
        }
        if (rc == 0 && o->queue.sabotage && (rc = queue_sabotage_start(&sabotage)) < 0) {
            snprintf(err, err_size, "cannot start a thread: %s", strerror(-rc));
            client_run_stop(&run);
        }
        if (rc == 0 && o->transfer.sabotage &&
            (rc = transfer_sabotage_start(&transfer_sabotage)) < 0) {
            snprintf(err, err_size, "cannot start a thread: %s", strerror(-rc));
            client_run_stop(&run);
        }
    }
    if (rc == 0)
        run_sampler(&s, &run, r);
    for (int i = 0; i < started; i++)
        client_thread_join(&threads[i]);
    if (o->queue.sabotage)
        queue_sabotage_finish(&sabotage, r);
    if (o->transfer.sabotage)
        transfer_sabotage_finish(&transfer_sabotage, r);
    if (rc == 0)
        collect(threads, count, run.start_ns, r);
    uint64_t done = atomic_load_explicit(&run.producers_done_ns, memory_order_relaxed);
    if (rc == 0 && done) { /* relaxed: the threads were joined */
        double writers_s = (double)(done - run.start_ns) / 1e9;
        r->queue.push_elapsed_s = o->queue.producers ? writers_s : 0;
        r->pubsub.publish_elapsed_s = o->pubsub.publishers ? writers_s : 0;
        r->transfer.move_elapsed_s = o->transfer.movers ? writers_s : 0;
    }
    r->pubsub.messages_published =
        atomic_load_explicit(&run.messages_published, memory_order_relaxed);
    hist_free(s.total);
    hist_free(s.previous);
    hist_free(s.interval);
    client_run_destroy(&run);
    return rc;
}

/* --pubsub --verify after every client finished: nothing left to read from
 * the server, only the logs to check. */
static int pubsub_finish(const struct run_logs *l, struct pubsub_result *p, char *err,
                         size_t err_size)
{
    int rc = pubsub_verify_check(l->publishers, l->publisher_count, l->subscribers,
                                 l->subscriber_count, &p->verify);
    if (rc < 0)
        snprintf(err, err_size, "verify: a log is incomplete (out of memory)");
    else
        p->verified = true;
    return rc;
}

int network_run(const struct stress_options *o, struct network_result *r, char *err,
                size_t err_size)
{
    memset(r, 0, sizeof(*r));
    r->latency = hist_new();
    int count = o->threads[0];
    bool queue = o->queue.producers > 0;
    struct client_thread *threads = calloc((size_t)count, sizeof(*threads));
    struct run_logs logs;
    if (!run_logs_alloc(o, &logs) || !r->latency || !threads) {
        snprintf(err, err_size, "out of memory");
        free(threads);
        run_logs_free(&logs);
        return -ENOMEM;
    }
    stress_catch_interrupts();
    int rc = 0;
    if (queue)
        rc = queue_prepare(o, err, err_size);
    else if (o->transfer.movers)
        rc = transfer_prepare(o, err, err_size);
    else if (o->verify && !o->pubsub.publishers)
        rc = verify_prepare(o, err, err_size);
    if (rc == 0)
        rc = run_threads(o, threads, &logs, r, err, err_size);
    if (rc == 0 && queue)
        rc = queue_finish(o, logs.producers, logs.consumers, logs.consumer_count, r, err, err_size);
    else if (rc == 0 && o->transfer.movers)
        rc = transfer_finish(o, logs.transfers, logs.transfer_count, r, err, err_size);
    else if (rc == 0 && o->pubsub.publishers && o->verify)
        rc = pubsub_finish(&logs, &r->pubsub, err, err_size);
    else if (rc == 0 && o->verify)
        rc = verify_finish(o, logs.vlogs, logs.vlog_count, r, err, err_size);
    for (int i = 0; i < count; i++)
        client_thread_free(&threads[i]);
    run_logs_free(&logs);
    free(threads);
    return rc;
}

void network_result_free(struct network_result *r)
{
    hist_free(r->latency);
    for (int op = 0; op < OP_COUNT; op++)
        hist_free(r->op_latency[op]);
    hist_free(r->pubsub.delivery);
    free(r->series);
    memset(r, 0, sizeof(*r));
}

uint64_t network_verify_protocol_errors(const struct network_result *r)
{
    return r->verify.protocol_errors + r->verify_final_errors + r->conn_errors +
           r->queue.verify.protocol_errors + r->queue.drain_errors +
           r->pubsub.verify.protocol_errors + r->transfer.verify.protocol_errors +
           r->transfer.final_errors;
}

bool network_verify_failed(const struct network_result *r)
{
    const struct queue_verify_result *q = &r->queue.verify;
    const struct pubsub_verify_result *p = &r->pubsub.verify;
    const struct transfer_verify_result *x = &r->transfer.verify;
    if (network_verify_protocol_errors(r) ||
        (!r->verified && !r->queue.verified && !r->pubsub.verified && !r->transfer.verified))
        return true;
    if (r->queue.verified)
        return q->items_lost || q->items_duplicated || q->items_unknown || q->out_of_order;
    if (r->pubsub.verified)
        return p->messages_lost || p->duplicated || p->reordered || p->never_published ||
               p->receiver_mismatches;
    if (r->transfer.verified)
        return x->violations || x->balances_wrong;
    return r->verify.lost_updates || r->verify.stale_reads;
}
