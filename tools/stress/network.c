#include "tools/stress/network.h"

#include "core/clock.h"
#include "tools/stress/client.h"
#include "tools/stress/interrupt.h"
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

/* Connects every client, runs, samples, joins. */
static int run_threads(const struct stress_options *o, struct client_thread *threads,
                       struct verify_log *vlogs, struct network_result *r, char *err,
                       size_t err_size)
{
    struct client_run run;
    client_run_init(&run, o);
    int count = o->threads[0], started = 0, rc = 0;
    uint32_t next_id = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        int conns = o->clients / count + (i < o->clients % count);
        rc = client_thread_init(&threads[i], &run, i, conns, next_id, vlogs, err, err_size);
        next_id += (uint32_t)conns;
        if (o->requests) {
            threads[i].limited = true;
            threads[i].quota =
                o->requests / (uint64_t)count + ((uint64_t)i < o->requests % (uint64_t)count);
        }
    }
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
    }
    if (rc == 0)
        run_sampler(&s, &run, r);
    for (int i = 0; i < started; i++)
        client_thread_join(&threads[i]);
    if (rc == 0)
        collect(threads, count, run.start_ns, r);
    hist_free(s.total);
    hist_free(s.previous);
    hist_free(s.interval);
    client_run_destroy(&run);
    return rc;
}

int network_run(const struct stress_options *o, struct network_result *r, char *err,
                size_t err_size)
{
    memset(r, 0, sizeof(*r));
    r->latency = hist_new();
    int count = o->threads[0];
    size_t log_count = o->verify ? (size_t)o->clients + 1 : 0;
    struct client_thread *threads = calloc((size_t)count, sizeof(*threads));
    struct verify_log *vlogs = log_count ? calloc(log_count, sizeof(*vlogs)) : NULL;
    if (!r->latency || !threads || (log_count && !vlogs)) {
        snprintf(err, err_size, "out of memory");
        free(threads);
        free(vlogs);
        return -ENOMEM;
    }
    for (size_t i = 0; i < log_count; i++)
        verify_log_init(&vlogs[i], (uint32_t)i);
    stress_catch_interrupts();
    int rc = o->verify ? verify_prepare(o, err, err_size) : 0;
    if (rc == 0)
        rc = run_threads(o, threads, vlogs, r, err, err_size);
    if (rc == 0 && o->verify)
        rc = verify_finish(o, vlogs, log_count, r, err, err_size);
    for (int i = 0; i < count; i++)
        client_thread_free(&threads[i]);
    for (size_t i = 0; i < log_count; i++)
        verify_log_free(&vlogs[i]);
    free(threads);
    free(vlogs);
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
    return r->verify.protocol_errors + r->verify_final_errors + r->conn_errors;
}

bool network_verify_failed(const struct network_result *r)
{
    return !r->verified || r->verify.lost_updates || r->verify.stale_reads ||
           network_verify_protocol_errors(r);
}
