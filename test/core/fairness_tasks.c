/* Fairness scenarios for test/core/pool_test.cc: yielding tasks and two tasks
 * that wake each other through the LIFO slot (see pool_tasks.h). */
#include "test/core/pool_tasks.h"

#include <stdio.h>
#include <stdlib.h>

static void *xcalloc(size_t size)
{
    void *p = calloc(1, size);
    if (p == NULL) {
        fprintf(stderr, "out of memory in a test\n");
        abort();
    }
    return p;
}

/* ---------------------------------------------------------------- yield */

struct yield_shared {
    ATOMIC(int) stop;
    long max_yields;
    ATOMIC(long) gave_up;
};

struct yielder {
    struct task task;
    struct yield_shared *shared;
    long yields;
};

static enum task_status yielder_run(struct task *t)
{
    struct yielder *y = container_of(t, struct yielder, task);
    TASK_BEGIN(t);
    while (!atomic_load(&y->shared->stop)) {
        if (++y->yields > y->shared->max_yields) {
            atomic_fetch_add(&y->shared->gave_up, 1);
            break;
        }
        TASK_YIELD(t);
    }
    TASK_END(t);
}

struct stopper {
    struct task task;
    ATOMIC(int) * stop;
};

static enum task_status stopper_run(struct task *t)
{
    struct stopper *s = container_of(t, struct stopper, task);
    atomic_store(s->stop, 1);
    return TASK_DONE;
}

struct yield_root {
    struct task task;
    struct stopper stopper;
    struct yielder *yielders;
    int count;
    int i;
};

static enum task_status yield_root_run(struct task *t)
{
    struct yield_root *r = container_of(t, struct yield_root, task);
    TASK_BEGIN(t);
    /* The stopper goes first, so it sits under the yielders in the deque. */
    pool_spawn(t->pool, &r->stopper.task);
    for (r->i = 0; r->i < r->count; r->i++)
        pool_spawn(t->pool, &r->yielders[r->i].task);
    for (r->i = 0; r->i < r->count; r->i++)
        TASK_JOIN(t, &r->yielders[r->i].task);
    TASK_JOIN(t, &r->stopper.task);
    TASK_END(t);
}

long yield_fairness_run(struct pool *p, int yielders, long max_yields)
{
    struct yield_shared shared;
    atomic_init(&shared.stop, 0);
    atomic_init(&shared.gave_up, 0);
    shared.max_yields = max_yields;
    struct yield_root root;
    task_init(&root.task, yield_root_run);
    task_init(&root.stopper.task, stopper_run);
    root.stopper.stop = &shared.stop;
    root.count = yielders;
    root.yielders = xcalloc((size_t)yielders * sizeof(struct yielder));
    for (int i = 0; i < yielders; i++) {
        task_init(&root.yielders[i].task, yielder_run);
        root.yielders[i].shared = &shared;
    }
    pool_block_on(p, &root.task);
    free(root.yielders);
    return atomic_load(&shared.gave_up);
}

/* ---------------------------------------------------------------- LIFO */

struct pinger {
    struct task task;
    struct pinger *other;
    ATOMIC(long) kicks;
    long seen;
    ATOMIC(int) * stop;
    ATOMIC(long) * bounces;
    long max_bounces;
};

static void kick(struct pinger *p)
{
    atomic_fetch_add(&p->kicks, 1);
    task_wake(&p->task);
}

static enum task_status pinger_run(struct task *t)
{
    struct pinger *p = container_of(t, struct pinger, task);
    TASK_BEGIN(t);
    for (;;) {
        TASK_AWAIT(t, atomic_load(&p->kicks) > p->seen);
        p->seen = atomic_load(&p->kicks);
        if (atomic_load(p->stop) || atomic_fetch_add(p->bounces, 1) >= p->max_bounces)
            break;
        kick(p->other); /* on a worker: into the LIFO slot, runs next */
    }
    kick(p->other); /* let the partner see the stop too */
    TASK_END(t);
}

struct pingpong_root {
    struct task task;
    struct pinger a, b;
    struct stopper stopper;
    ATOMIC(int) stop;
    ATOMIC(long) bounces_when_stopped;
    ATOMIC(long) bounces;
};

static enum task_status stop_and_count_run(struct task *t)
{
    struct stopper *s = container_of(t, struct stopper, task);
    struct pingpong_root *r = container_of(s, struct pingpong_root, stopper);
    atomic_store(&r->bounces_when_stopped, atomic_load(&r->bounces));
    atomic_store(&r->stop, 1);
    return TASK_DONE;
}

static enum task_status pingpong_root_run(struct task *t)
{
    struct pingpong_root *r = container_of(t, struct pingpong_root, task);
    TASK_BEGIN(t);
    pool_spawn(t->pool, &r->stopper.task); /* into the deque */
    r->a.task.pool = t->pool;
    r->b.task.pool = t->pool;
    kick(&r->a); /* into the LIFO slot: a runs before the stopper */
    TASK_JOIN(t, &r->a.task);
    TASK_JOIN(t, &r->b.task);
    TASK_JOIN(t, &r->stopper.task);
    TASK_END(t);
}

static void pinger_init(struct pinger *p, struct pinger *other, struct pingpong_root *r, long max)
{
    task_init(&p->task, pinger_run);
    p->other = other;
    atomic_init(&p->kicks, 0);
    p->seen = 0;
    p->stop = &r->stop;
    p->bounces = &r->bounces;
    p->max_bounces = max;
}

long lifo_pingpong_run(struct pool *p, long max_bounces)
{
    struct pingpong_root *r = xcalloc(sizeof(*r));
    task_init(&r->task, pingpong_root_run);
    task_init(&r->stopper.task, stop_and_count_run);
    atomic_init(&r->stop, 0);
    atomic_init(&r->bounces, 0);
    atomic_init(&r->bounces_when_stopped, -1);
    pinger_init(&r->a, &r->b, r, max_bounces);
    pinger_init(&r->b, &r->a, r, max_bounces);
    pool_block_on(p, &r->task);
    long result = atomic_load(&r->bounces_when_stopped);
    if (result >= max_bounces)
        result = -1;
    free(r);
    return result;
}
