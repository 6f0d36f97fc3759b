/*
 * The pool's public face: create and destroy it, spawn into it, block on a
 * task from outside it, read its counters. The scheduling itself lives in
 * pool_worker.c and pool_idle.c.
 */
#include "core/pool_internal.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int default_worker_count(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (int)cpus : 1;
}

static void free_pool(struct pool *p, int deques_ready)
{
    for (int i = 0; i < deques_ready; i++)
        deque_destroy(&p->workers[i].deque);
    free(p->workers);
    inject__destroy(&p->inject);
    idle__destroy(&p->idle);
    mem_free(p);
}

static int init_workers(struct pool *p, int *deques_ready)
{
    /* Cache-line aligned so that one worker's hot fields never share a line
     * with its neighbour's (mem_alloc cannot align). */
    void *mem = NULL;
    if (posix_memalign(&mem, CACHE_LINE, (size_t)p->num_workers * sizeof(struct worker)) != 0)
        return -ENOMEM;
    memset(mem, 0, (size_t)p->num_workers * sizeof(struct worker));
    p->workers = mem;
    uint64_t seed = clock_mono_ns() | 1;
    for (int i = 0; i < p->num_workers; i++) {
        struct worker *w = &p->workers[i];
        int err = deque_init(&w->deque, POOL_DEQUE_CAPACITY);
        if (err != 0)
            return err;
        (*deques_ready)++;
        w->pool = p;
        w->index = i;
        w->rng = seed * (2 * (uint64_t)i + 1) + 0x9e3779b97f4a7c15u;
        if (w->rng == 0)
            w->rng = 1;
        atomic_init(&w->park_state, PARK_EMPTY);
        atomic_init(&w->counters.tasks_run, 0);
        atomic_init(&w->counters.steals, 0);
        atomic_init(&w->counters.migrations, 0);
        atomic_init(&w->counters.parks, 0);
        atomic_init(&w->counters.polls, 0);
    }
    return 0;
}

/* Stops and joins the first `started` workers. */
static void stop_workers(struct pool *p, int started)
{
    /* release: pairs with the workers' acquire loads of shutdown. */
    atomic_store_explicit(&p->shutdown, true, memory_order_release);
    idle__wake_all(p);
    for (int i = 0; i < started; i++)
        pthread_join(p->workers[i].thread, NULL);
}

struct pool *pool_create(const struct pool_config *config)
{
    int workers = config->workers > 0 ? config->workers : default_worker_count();
    if (workers > POOL_MAX_WORKERS) {
        errno = EINVAL;
        return NULL;
    }
    struct pool *p = mem_calloc(1, sizeof(*p));
    if (p == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    p->num_workers = workers;
    if (config->driver != NULL) {
        assert(config->driver->poll != NULL && config->driver->unpark != NULL);
        p->driver = *config->driver;
        p->has_driver = true;
    }
    atomic_init(&p->driver_busy, false);
    atomic_init(&p->shutdown, false);
    inject__init(&p->inject);
    int err = idle__init(&p->idle, workers);
    if (err != 0) {
        inject__destroy(&p->inject);
        mem_free(p);
        errno = -err;
        return NULL;
    }
    int deques_ready = 0;
    err = init_workers(p, &deques_ready);
    for (int i = 0; err == 0 && i < workers; i++) {
        err = -pthread_create(&p->workers[i].thread, NULL, worker__main, &p->workers[i]);
        if (err != 0)
            stop_workers(p, i);
    }
    if (err != 0) {
        free_pool(p, deques_ready);
        errno = -err;
        return NULL;
    }
    return p;
}

void pool_destroy(struct pool *p)
{
    if (p == NULL)
        return;
    assert(pool__current == NULL || pool__current->pool != p);
    stop_workers(p, p->num_workers);
    free_pool(p, p->num_workers);
}

int pool_worker_count(const struct pool *p)
{
    return p->num_workers;
}

int pool_current_worker(void)
{
    return pool__current != NULL ? pool__current->index : -1;
}

void pool_spawn(struct pool *p, struct task *t)
{
    assert(atomic_load_explicit(&t->state, memory_order_relaxed) == TASK_IDLE &&
           "pool_spawn on a task that is already running or queued");
    t->pool = p;
    /* A plain store: no one else can reach a task before it is spawned (a
     * wake needs t->pool). release: the spawner's writes to the task's
     * struct travel with it to the first run's acquire. */
    atomic_store_explicit(&t->state, TASK_SCHEDULED, memory_order_release);
    pool__schedule(p, t, false);
}

/*
 * pool_block_on: a small task joins `t`; its on_done, the last thing the pool
 * does with it, flips a futex word the caller sleeps on. Going through an
 * ordinary join keeps the pool free of special cases for outside waiters.
 */
struct block_waiter {
    struct task task;
    ATOMIC(uint32_t) done;
};

static enum task_status block_waiter_run(struct task *t)
{
    (void)t;
    return TASK_DONE;
}

static void block_waiter_done(struct task *t)
{
    struct block_waiter *b = container_of(t, struct block_waiter, task);
    /* release: pairs with the acquire in pool_block_on; the joined task's
     * results reached us through the join. */
    atomic_store_explicit(&b->done, 1, memory_order_release);
    /* May run after the waiter returned: futex_wake only uses the address. */
    futex__wake(&b->done, 1);
}

void pool_block_on(struct pool *p, struct task *t)
{
    assert(pool__current == NULL && "pool_block_on from a worker would block it");
    struct block_waiter b;
    task_init(&b.task, block_waiter_run);
    b.task.pool = p;
    b.task.on_done = block_waiter_done;
    atomic_init(&b.done, 0);
    task_join_register_(t, &b.task);
    pool_spawn(p, t);
    while (atomic_load_explicit(&b.done, memory_order_acquire) == 0) /* see block_waiter_done */
        futex__wait(&b.done, 0);
}

static void add_counters(struct pool_worker_stats *sum, const struct pool_worker_stats *one)
{
    sum->tasks_run += one->tasks_run;
    sum->steals += one->steals;
    sum->migrations += one->migrations;
    sum->parks += one->parks;
    sum->polls += one->polls;
}

void pool_stats(const struct pool *p, struct pool_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->workers = p->num_workers;
    for (int i = 0; i < p->num_workers; i++) {
        struct worker_counters *c = &p->workers[i].counters;
        struct pool_worker_stats one = {
            .tasks_run = atomic_load_explicit(&c->tasks_run, memory_order_relaxed),
            .steals = atomic_load_explicit(&c->steals, memory_order_relaxed),
            .migrations = atomic_load_explicit(&c->migrations, memory_order_relaxed),
            .parks = atomic_load_explicit(&c->parks, memory_order_relaxed),
            .polls = atomic_load_explicit(&c->polls, memory_order_relaxed),
        };
        if (i < (int)ARRAY_SIZE(out->per_worker))
            out->per_worker[i] = one;
        add_counters(&out->total, &one);
    }
}
