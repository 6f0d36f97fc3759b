#include "tools/stress/inprocess.h"

#include "core/bytes.h"
#include "core/clock.h"
#include "core/compiler.h"
#include "tools/stress/interrupt.h"
#include "tools/stress/report.h"
#include "tools/stress/workload.h"
#include "proto/reply.h"
#include "store/command.h"
#include "store/keyspace.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * GET, SET and DEL go through the store's direct API (keyspace_get_copy /
 * _set / _del): the same shard locking (and GET's lock-free read, copying a
 * short value) as the commands, without argument parsing or reply encoding,
 * so what is measured is the keyspace and its locks. INCR,
 * which has no direct call, runs its command from the command table with
 * the reply written into a per-thread buffer that is thrown away.
 */

#define NAME_TABLE_MAX (1u << 20) /* key names precomputed up to this many keys */
#define STOP_CHECK     64         /* operations between looks at the stop flag */

struct point_run {
    const struct stress_options *o;
    struct keyspace *ks;
    struct keydist dist;
    char (*names)[KEY_NAME_MAX]; /* NULL: format on the fly */
    char *value;
    const struct command *incr;
    ATOMIC(int) stop;
    pthread_barrier_t start;
};

/* One cache line each: the rng state changes on every operation. */
struct CACHE_ALIGNED worker {
    struct point_run *run;
    pthread_t thread;
    struct rng rng;
    uint64_t ops, errors;
    uint64_t start_ns, end_ns;
    struct outbuf out; /* replies of table commands, discarded */
    struct reply reply;
    char value_buf[4096]; /* where GET copies the value (longer ones: -ENOSPC) */
};

static size_t name_of(const struct point_run *run, uint64_t key, char buf[KEY_NAME_MAX],
                      const char **name)
{
    if (run->names) {
        *name = run->names[key];
        return strlen(*name);
    }
    *name = buf;
    return key_name_string(key, buf);
}

static bool run_incr(struct point_run *run, struct worker *w, const char *name, size_t len,
                     int64_t now_ms)
{
    struct resp_arg argv[2] = {{"INCR", 4, NULL}, {name, len, NULL}};
    struct cmd_ctx c = {
        .ks = run->ks, .argc = 2, .argv = argv, .reply = &w->reply, .now_ms = now_ms};
    unsigned long errors = w->out.errors;
    run->incr->fn(&c);
    bool ok = w->out.errors == errors && !w->out.oom;
    outbuf_consume(&w->out, outbuf_pending(&w->out));
    return ok;
}

static bool run_op(struct point_run *run, struct worker *w, int64_t now_ms)
{
    char buf[KEY_NAME_MAX];
    const char *name;
    enum stress_op op = op_mix_pick(&run->o->mix, &w->rng);
    uint64_t key = keydist_next(&run->dist, &w->rng);
    size_t len = op == OP_INCR ? key_name_counter(key, buf) : name_of(run, key, buf, &name);
    switch (op) {
    case OP_GET: {
        size_t got;
        int rc = keyspace_get_copy(run->ks, 0, name, len, now_ms, w->value_buf,
                                   sizeof(w->value_buf), &got);
        return rc == 0 || rc == -ENOENT || rc == -ENOSPC; /* -ENOSPC: found, not copied */
    }
    case OP_SET:
        return keyspace_set(run->ks, 0, name, len, run->value, run->o->value_size, now_ms) == 0;
    case OP_DEL:
        return keyspace_del(run->ks, 0, name, len, now_ms) >= 0;
    case OP_INCR:
        return run_incr(run, w, buf, len, now_ms);
    case OP_LPUSH: /* refused by the argument parser: the sweep has no lists */
    case OP_RPUSH:
    case OP_LPOP:
    case OP_RPOP:
    case OP_BRPOP:
    case OP_HSET:
    case OP_HGET:
    case OP_SADD:
    case OP_SREM:
    case OP_ZADD:
    case OP_ZINCRBY:
    case OP_ZRANGE:
    case OP_PUBLISH: /* --pubsub and --transfer need a server too */
    case OP_TRANSFER:
    case OP_SUM:
    case OP_COUNT:
        break;
    }
    return false;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct point_run *run = w->run;
    pthread_barrier_wait(&run->start);
    w->start_ns = clock_mono_ns();
    int64_t now_ms = clock_unix_ms();
    for (;;) {
        for (int i = 0; i < STOP_CHECK; i++) {
            if (!run_op(run, w, now_ms))
                w->errors++;
        }
        w->ops += STOP_CHECK;
        if (atomic_load_explicit(&run->stop, memory_order_relaxed)) /* a plain flag */
            break;
        if ((w->ops & 1023) == 0)
            now_ms = clock_unix_ms();
    }
    w->end_ns = clock_mono_ns();
    return NULL;
}

static int prefill(struct point_run *run)
{
    char buf[KEY_NAME_MAX];
    const char *name;
    int64_t now_ms = clock_unix_ms();
    for (uint64_t k = 0; k < run->o->keys; k++) {
        size_t len = name_of(run, k, buf, &name);
        if (keyspace_set(run->ks, 0, name, len, run->value, run->o->value_size, now_ms) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* Sleeps for the point's duration, or until Ctrl-C. */
static void wait_duration(uint64_t duration_ns, bool *interrupted)
{
    uint64_t end = clock_mono_ns() + duration_ns;
    for (uint64_t now = clock_mono_ns(); now < end && !stress_interrupted();
         now = clock_mono_ns()) {
        uint64_t left = end - now, nap = left < 50000000 ? left : 50000000;
        struct timespec ts = {0, (long)nap};
        nanosleep(&ts, NULL);
    }
    if (stress_interrupted())
        *interrupted = true;
}

static int run_point(struct point_run *run, struct sweep_point *p, bool *interrupted, char *err,
                     size_t err_size)
{
    struct keyspace_config cfg = {.databases = 1, .shards = p->shards, .workers = p->threads};
    run->ks = keyspace_new(&cfg);
    if (!run->ks) {
        snprintf(err, err_size, "cannot create a keyspace with %d shards: %s", p->shards,
                 strerror(errno ? errno : ENOMEM));
        return -EINVAL;
    }
    struct worker *workers = aligned_alloc(CACHE_LINE, (size_t)p->threads * sizeof(*workers));
    if (workers)
        memset(workers, 0, (size_t)p->threads * sizeof(*workers));
    int rc = workers ? prefill(run) : -ENOMEM;
    if (rc < 0) {
        snprintf(err, err_size, "out of memory");
        free(workers);
        keyspace_free(run->ks);
        return rc;
    }
    keyspace_lock_stats_reset(run->ks);
    atomic_store_explicit(&run->stop, 0, memory_order_relaxed);
    pthread_barrier_init(&run->start, NULL, (unsigned)p->threads + 1);
    for (int i = 0; i < p->threads; i++) {
        workers[i].run = run;
        outbuf_init(&workers[i].out);
        workers[i].reply = (struct reply){&workers[i].out, 2};
        rng_seed(&workers[i].rng, run->o->seed + (uint64_t)i * 0x9e3779b97f4a7c15ull);
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
            fprintf(stderr, "magpie-stress: cannot start thread %d\n", i);
            abort(); /* the barrier would wait forever */
        }
    }
    pthread_barrier_wait(&run->start);
    wait_duration(run->o->duration_ns, interrupted);
    atomic_store_explicit(&run->stop, 1, memory_order_relaxed);
    uint64_t first = UINT64_MAX, last = 0;
    for (int i = 0; i < p->threads; i++) {
        pthread_join(workers[i].thread, NULL);
        outbuf_free(&workers[i].out);
        p->ops += workers[i].ops;
        p->errors += workers[i].errors;
        first = workers[i].start_ns < first ? workers[i].start_ns : first;
        last = workers[i].end_ns > last ? workers[i].end_ns : last;
    }
    p->elapsed_s = (double)(last - first) / 1e9;
    keyspace_lock_stats(run->ks, &p->locks);
    pthread_barrier_destroy(&run->start);
    free(workers);
    keyspace_free(run->ks);
    run->ks = NULL;
    return 0;
}

static void progress(const struct stress_options *o, const struct sweep_point *p, size_t index,
                     size_t total)
{
    if (o->quiet || !isatty(STDERR_FILENO))
        return;
    char dist[48];
    fprintf(stderr, "[%zu/%zu] %s, %d shards, %d threads: %.0f ops/s\n", index + 1, total,
            keydist_format(&p->dist, dist, sizeof(dist)), p->shards, p->threads,
            p->elapsed_s > 0 ? (double)p->ops / p->elapsed_s : 0);
}

static int setup(const struct stress_options *o, struct point_run *run, char *err, size_t err_size)
{
    memset(run, 0, sizeof(*run));
    run->o = o;
    run->value = malloc(o->value_size);
    if (o->keys <= NAME_TABLE_MAX)
        run->names = malloc(o->keys * sizeof(*run->names));
    if (!run->value || (o->keys <= NAME_TABLE_MAX && !run->names)) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    memset(run->value, 'v', o->value_size);
    if (o->mix.weight[OP_INCR]) {
        command_table_register_store();
        command_table_freeze();
        run->incr = command_lookup("incr", 4);
        if (!run->incr) {
            snprintf(err, err_size, "the store has no INCR command");
            return -ENOSYS;
        }
    }
    for (uint64_t k = 0; run->names && k < o->keys; k++)
        key_name_string(k, run->names[k]);
    return 0;
}

int inprocess_run(const struct stress_options *o, struct sweep_result *out, char *err,
                  size_t err_size)
{
    memset(out, 0, sizeof(*out));
    size_t total = (size_t)(o->dist_count * o->shard_count * o->thread_count);
    out->points = calloc(total, sizeof(*out->points));
    struct point_run run;
    int rc = setup(o, &run, err, err_size);
    if (rc == 0 && !out->points) {
        snprintf(err, err_size, "out of memory");
        rc = -ENOMEM;
    }
    stress_catch_interrupts();
    /* Threads vary fastest, so each chart line's points are consecutive. */
    for (int d = 0; rc == 0 && d < o->dist_count && !out->interrupted; d++) {
        keydist_init(&run.dist, &o->dists[d], o->keys);
        for (int s = 0; rc == 0 && s < o->shard_count && !out->interrupted; s++) {
            for (int t = 0; rc == 0 && t < o->thread_count && !out->interrupted; t++) {
                struct sweep_point *p = &out->points[out->count];
                *p = (struct sweep_point){
                    .threads = o->threads[t], .shards = o->shards[s], .dist = o->dists[d]};
                rc = run_point(&run, p, &out->interrupted, err, err_size);
                if (rc == 0)
                    progress(o, p, out->count++, total);
            }
        }
    }
    free(run.value);
    free(run.names);
    return rc;
}

void sweep_result_free(struct sweep_result *r)
{
    free(r->points);
    memset(r, 0, sizeof(*r));
}
