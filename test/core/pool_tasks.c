/* Task bodies for test/core/pool_test.cc and task_test.cc (see pool_tasks.h);
 * the fairness scenarios are in fairness_tasks.c. */
#include "test/core/pool_tasks.h"

#include <pthread.h>
#include <sched.h>
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

/* ---------------------------------------------------------------- fib */

struct fib_task {
    struct task task;
    int n;
    long result;
    ATOMIC(int) started;
    struct fib_counts_atomic *counts;
    struct fib_task *left, *right;
};

struct fib_counts_atomic {
    ATOMIC(long) starts;
    ATOMIC(long) duplicate_starts;
    ATOMIC(long) finishes;
};

static enum task_status fib_run(struct task *t);

static struct fib_task *fib_new(int n, struct fib_counts_atomic *counts)
{
    struct fib_task *f = xcalloc(sizeof(*f));
    task_init(&f->task, fib_run);
    f->n = n;
    f->counts = counts;
    return f;
}

static enum task_status fib_run(struct task *t)
{
    struct fib_task *f = container_of(t, struct fib_task, task);
    TASK_BEGIN(t);
    atomic_fetch_add_explicit(&f->counts->starts, 1, memory_order_relaxed);
    if (atomic_exchange_explicit(&f->started, 1, memory_order_relaxed) != 0)
        atomic_fetch_add_explicit(&f->counts->duplicate_starts, 1, memory_order_relaxed);
    if (f->n < 2) {
        f->result = f->n;
    } else {
        f->left = fib_new(f->n - 1, f->counts);
        f->right = fib_new(f->n - 2, f->counts);
        pool_spawn(t->pool, &f->left->task);
        pool_spawn(t->pool, &f->right->task);
        TASK_JOIN(t, &f->left->task);
        TASK_JOIN(t, &f->right->task);
        f->result = f->left->result + f->right->result;
        free(f->left);
        free(f->right);
    }
    atomic_fetch_add_explicit(&f->counts->finishes, 1, memory_order_relaxed);
    TASK_END(t);
}

long fib_parallel(struct pool *p, int n, struct fib_counts *counts)
{
    struct fib_counts_atomic c;
    atomic_init(&c.starts, 0);
    atomic_init(&c.duplicate_starts, 0);
    atomic_init(&c.finishes, 0);
    struct fib_task *root = fib_new(n, &c);
    pool_block_on(p, &root->task);
    long result = root->result;
    free(root);
    counts->starts = atomic_load(&c.starts);
    counts->duplicate_starts = atomic_load(&c.duplicate_starts);
    counts->finishes = atomic_load(&c.finishes);
    return result;
}

long fib_task_count(int n)
{
    long a = 0, b = 1; /* fib(0), fib(1) */
    for (int i = 0; i < n + 1; i++) {
        long next = a + b;
        a = b;
        b = next;
    }
    return 2 * a - 1; /* a = fib(n + 1) */
}

/* ---------------------------------------------------------------- fanout */

struct fanout_child {
    struct task task;
    ATOMIC(long) * ran;
};

static enum task_status fanout_child_run(struct task *t)
{
    struct fanout_child *c = container_of(t, struct fanout_child, task);
    atomic_fetch_add(c->ran, 1);
    return TASK_DONE;
}

struct fanout_root {
    struct task task;
    struct fanout_child *children;
    int count;
    int i;
    ATOMIC(long) ran;
};

static enum task_status fanout_root_run(struct task *t)
{
    struct fanout_root *r = container_of(t, struct fanout_root, task);
    TASK_BEGIN(t);
    /* Far more than a deque holds: the overflow spills to the global queue. */
    for (r->i = 0; r->i < r->count; r->i++)
        pool_spawn(t->pool, &r->children[r->i].task);
    for (r->i = 0; r->i < r->count; r->i++)
        TASK_JOIN(t, &r->children[r->i].task);
    TASK_END(t);
}

long fanout_run(struct pool *p, int n)
{
    struct fanout_root r;
    task_init(&r.task, fanout_root_run);
    atomic_init(&r.ran, 0);
    r.count = n;
    r.children = xcalloc((size_t)n * sizeof(struct fanout_child));
    for (int i = 0; i < n; i++) {
        task_init(&r.children[i].task, fanout_child_run);
        r.children[i].ran = &r.ran;
    }
    pool_block_on(p, &r.task);
    free(r.children);
    return atomic_load(&r.ran);
}

/* ---------------------------------------------------------------- counter */

static enum task_status counter_body(struct task *t)
{
    struct counter_task *c = container_of(t, struct counter_task, task);
    TASK_BEGIN(t);
    while (c->consumed < c->target) {
        TASK_AWAIT(t, atomic_load(&c->produced) > c->consumed);
        c->consumed = atomic_load(&c->produced);
        for (volatile long i = 0; i < c->spin; i++) {
        }
    }
    TASK_END(t);
}

static enum task_status counter_run(struct task *t)
{
    struct counter_task *c = container_of(t, struct counter_task, task);
    if (atomic_exchange(&c->in_body, 1) != 0)
        atomic_fetch_add(&c->overlaps, 1);
    atomic_fetch_add(&c->runs, 1);
    enum task_status status = counter_body(t);
    atomic_store(&c->in_body, 0);
    return status;
}

void counter_task_init(struct counter_task *c, long target, long spin)
{
    task_init(&c->task, counter_run);
    atomic_init(&c->produced, 0);
    c->consumed = 0;
    c->target = target;
    atomic_init(&c->runs, 0);
    atomic_init(&c->in_body, 0);
    atomic_init(&c->overlaps, 0);
    c->spin = spin;
}

void counter_task_signal(struct counter_task *c)
{
    atomic_fetch_add(&c->produced, 1);
    task_wake(&c->task);
}

long counter_task_runs(struct counter_task *c)
{
    return atomic_load(&c->runs);
}

long counter_task_overlaps(struct counter_task *c)
{
    return atomic_load(&c->overlaps);
}

/* ---------------------------------------------------------------- order */

static enum task_status order_run(struct task *t)
{
    struct order_task *o = container_of(t, struct order_task, task);
    TASK_BEGIN(t);
    TASK_AWAIT(t, atomic_load(&o->flag));
    atomic_store(&o->log[atomic_fetch_add(o->next, 1)], o->id);
    TASK_END(t);
}

void order_task_init(struct order_task *o, int id, ATOMIC(int) * next, ATOMIC(int) * log)
{
    task_init(&o->task, order_run);
    o->id = id;
    atomic_init(&o->flag, 0);
    o->next = next;
    o->log = log;
}

void order_task_signal(struct order_task *o)
{
    atomic_store(&o->flag, 1);
    task_wake(&o->task);
}

/* ---------------------------------------------------------------- state */

static enum task_status flag_body(struct task *t)
{
    struct flag_task *f = container_of(t, struct flag_task, task);
    TASK_BEGIN(t);
    TASK_AWAIT(t, atomic_load(&f->flag));
    TASK_END(t);
}

static enum task_status flag_run(struct task *t)
{
    struct flag_task *f = container_of(t, struct flag_task, task);
    atomic_store(&f->running, 1);
    atomic_fetch_add(&f->runs, 1);
    while (atomic_load(&f->hold))
        sched_yield();
    atomic_store(&f->running, 0);
    return flag_body(t);
}

static void flag_on_done(struct task *t)
{
    struct flag_task *f = container_of(t, struct flag_task, task);
    if (atomic_load(&t->state) == TASK_FINISHED)
        atomic_fetch_add(&f->done_seen_in_on_done, 1);
    if (f->watch != NULL)
        atomic_store(&f->watch_state_in_on_done, atomic_load(&f->watch->state));
    atomic_fetch_add(&f->on_done_calls, 1);
}

void flag_task_init(struct flag_task *f)
{
    task_init(&f->task, flag_run);
    f->task.on_done = flag_on_done;
    atomic_init(&f->flag, 0);
    atomic_init(&f->runs, 0);
    atomic_init(&f->hold, 0);
    atomic_init(&f->running, 0);
    atomic_init(&f->on_done_calls, 0);
    atomic_init(&f->done_seen_in_on_done, 0);
    f->watch = NULL;
    atomic_init(&f->watch_state_in_on_done, -1);
}

static enum task_status join_parent_run(struct task *t)
{
    struct join_parent *j = container_of(t, struct join_parent, task);
    TASK_BEGIN(t);
    if (j->spawn_child)
        pool_spawn(t->pool, &j->child->task);
    TASK_JOIN(t, &j->child->task);
    atomic_store(&j->joined, 1);
    TASK_END(t);
}

void join_parent_init(struct join_parent *j, struct flag_task *child, int spawn_child)
{
    task_init(&j->task, join_parent_run);
    j->child = child;
    j->spawn_child = spawn_child;
    atomic_init(&j->joined, 0);
}

int task_state_of(struct task *t)
{
    return atomic_load(&t->state);
}

/* ------------------------------------------------ woken mid-run, then done */

/* The flags live outside the task, so that freeing the task frees nothing
 * but the task, and they are relaxed, so that they order nothing: the only
 * path from the waker's CAS on the task's state to the free is the one the
 * task machinery itself provides. */
struct mid_run_flags {
    ATOMIC(int) running;
    ATOMIC(int) woken;
    ATOMIC(int) runs;
};

struct mid_run_task {
    struct task task;
    struct mid_run_flags *flags;
};

static enum task_status mid_run_run(struct task *t)
{
    struct mid_run_flags *flags = container_of(t, struct mid_run_task, task)->flags;
    TASK_BEGIN(t);
    atomic_fetch_add_explicit(&flags->runs, 1, memory_order_relaxed);
    atomic_store_explicit(&flags->running, 1, memory_order_relaxed);
    while (!atomic_load_explicit(&flags->woken, memory_order_relaxed))
        sched_yield();
    TASK_END(t);
}

struct mid_run_waker {
    struct mid_run_flags *flags;
    struct task *target;
};

static void *mid_run_waker_main(void *arg)
{
    struct mid_run_waker *w = arg;
    while (!atomic_load_explicit(&w->flags->running, memory_order_relaxed))
        sched_yield();
    task_wake(w->target); /* RUNNING -> NOTIFIED */
    atomic_store_explicit(&w->flags->woken, 1, memory_order_relaxed);
    return NULL;
}

int woken_mid_run_then_finished(struct pool *p)
{
    struct mid_run_flags flags;
    atomic_init(&flags.running, 0);
    atomic_init(&flags.woken, 0);
    atomic_init(&flags.runs, 0);
    struct mid_run_task *m = xcalloc(sizeof(*m));
    task_init(&m->task, mid_run_run);
    m->flags = &flags;
    struct mid_run_waker waker = {.flags = &flags, .target = &m->task};
    pthread_t thread;
    if (pthread_create(&thread, NULL, mid_run_waker_main, &waker) != 0)
        abort();
    pool_block_on(p, &m->task);
    int finished = task_state_of(&m->task) == TASK_FINISHED;
    /* Freed before the waker is joined: the join would order its CAS. */
    free(m);
    pthread_join(thread, NULL);
    int runs = atomic_load_explicit(&flags.runs, memory_order_relaxed);
    return finished ? runs : -1;
}
