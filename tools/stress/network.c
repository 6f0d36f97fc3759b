#include "tools/stress/network.h"

#include "core/clock.h"
#include "tools/stress/client.h"
#include "tools/stress/interrupt.h"
#include "tools/stress/queue_run.h"
#include "tools/stress/report.h"
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

/* The logs of --verify: vlogs for --mix, producers and consumers for --queue. */
struct run_logs {
    struct verify_log *vlogs;
    size_t vlog_count;
    struct queue_log *producers, *consumers;
    size_t producer_count, consumer_count;
};

/* Connects every client, runs, samples, joins. */
static int run_threads(const struct stress_options *o, struct client_thread *threads,
                       const struct run_logs *logs, struct network_result *r, char *err,
                       size_t err_size)
{
    struct client_run run;
    client_run_init(&run, o);
    run.producer_logs = logs->producers;
    run.consumer_logs = logs->consumers;
    int count = o->threads[0], started = 0, rc = 0;
    uint32_t next_id = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        int conns = o->clients / count + (i < o->clients % count);
        rc = client_thread_init(&threads[i], &run, i, conns, next_id, logs->vlogs, err, err_size);
        if (o->requests) {
            threads[i].limited = true;
            threads[i].quota =
                o->queue.producers
                    ? client_queue_quota(o, next_id, conns)
                    : o->requests / (uint64_t)count + ((uint64_t)i < o->requests % (uint64_t)count);
        }
        next_id += (uint32_t)conns;
    }
    struct queue_sabotage sabotage = {0};
    if (rc == 0 && o->queue.sabotage)
        rc = queue_sabotage_open(&sabotage, o, &run, err, err_size);
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
    }
    if (rc == 0)
        run_sampler(&s, &run, r);
    for (int i = 0; i < started; i++)
        client_thread_join(&threads[i]);
    if (o->queue.sabotage)
        queue_sabotage_finish(&sabotage, r);
    if (rc == 0)
        collect(threads, count, run.start_ns, r);
    uint64_t done = atomic_load_explicit(&run.producers_done_ns, memory_order_relaxed);
    if (rc == 0 && done) /* relaxed: the threads were joined */
        r->queue.push_elapsed_s = (double)(done - run.start_ns) / 1e9;
    hist_free(s.total);
    hist_free(s.previous);
    hist_free(s.interval);
    client_run_destroy(&run);
    return rc;
}

/* Allocates the logs --verify needs; false when out of memory. */
static bool alloc_logs(const struct stress_options *o, struct run_logs *l)
{
    memset(l, 0, sizeof(*l));
    if (!o->verify)
        return true;
    if (!o->queue.producers) {
        l->vlog_count = (size_t)o->clients + 1; /* + the final reads' pseudo-client */
        l->vlogs = calloc(l->vlog_count, sizeof(*l->vlogs));
        for (size_t i = 0; l->vlogs && i < l->vlog_count; i++)
            verify_log_init(&l->vlogs[i], (uint32_t)i);
        return l->vlogs != NULL;
    }
    l->producer_count = (size_t)o->queue.producers;
    l->consumer_count = (size_t)o->queue.consumers + 1; /* + the final drain's */
    l->producers = calloc(l->producer_count, sizeof(*l->producers));
    l->consumers = calloc(l->consumer_count, sizeof(*l->consumers));
    for (size_t i = 0; l->producers && i < l->producer_count; i++)
        queue_log_init(&l->producers[i], (uint32_t)i);
    for (size_t i = 0; l->consumers && i < l->consumer_count; i++)
        queue_log_init(&l->consumers[i], (uint32_t)i);
    return l->producers && l->consumers;
}

static void free_logs(struct run_logs *l)
{
    for (size_t i = 0; l->vlogs && i < l->vlog_count; i++)
        verify_log_free(&l->vlogs[i]);
    for (size_t i = 0; l->producers && i < l->producer_count; i++)
        queue_log_free(&l->producers[i]);
    for (size_t i = 0; l->consumers && i < l->consumer_count; i++)
        queue_log_free(&l->consumers[i]);
    free(l->vlogs);
    free(l->producers);
    free(l->consumers);
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
    if (!alloc_logs(o, &logs) || !r->latency || !threads) {
        snprintf(err, err_size, "out of memory");
        free(threads);
        free_logs(&logs);
        return -ENOMEM;
    }
    stress_catch_interrupts();
    int rc = 0;
    if (queue)
        rc = queue_prepare(o, err, err_size);
    else if (o->verify)
        rc = verify_prepare(o, err, err_size);
    if (rc == 0)
        rc = run_threads(o, threads, &logs, r, err, err_size);
    if (rc == 0 && queue)
        rc = queue_finish(o, logs.producers, logs.consumers, logs.consumer_count, r, err, err_size);
    else if (rc == 0 && o->verify)
        rc = verify_finish(o, logs.vlogs, logs.vlog_count, r, err, err_size);
    for (int i = 0; i < count; i++)
        client_thread_free(&threads[i]);
    free_logs(&logs);
    free(threads);
    return rc;
}

void network_result_free(struct network_result *r)
{
    hist_free(r->latency);
    for (int op = 0; op < OP_COUNT; op++)
        hist_free(r->op_latency[op]);
    free(r->series);
    memset(r, 0, sizeof(*r));
}

uint64_t network_verify_protocol_errors(const struct network_result *r)
{
    return r->verify.protocol_errors + r->verify_final_errors + r->conn_errors +
           r->queue.verify.protocol_errors + r->queue.drain_errors;
}

bool network_verify_failed(const struct network_result *r)
{
    const struct queue_verify_result *q = &r->queue.verify;
    if (network_verify_protocol_errors(r) || (!r->verified && !r->queue.verified))
        return true;
    if (r->queue.verified)
        return q->items_lost || q->items_duplicated || q->items_unknown || q->out_of_order;
    return r->verify.lost_updates || r->verify.stale_reads;
}
