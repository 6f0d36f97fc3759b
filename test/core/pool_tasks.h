/*
 * Task bodies for the pool and task tests. The TASK_* macros are C only, so
 * the coroutines live in pool_tasks.c and the C++ tests drive them through
 * these functions.
 */
#ifndef MAGPIE_TEST_CORE_POOL_TASKS_H
#define MAGPIE_TEST_CORE_POOL_TASKS_H

#include "core/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- fork-join: parallel Fibonacci, one task per call, TASK_JOIN ---- */

struct fib_counts {
    long starts;           /* task bodies entered from the start */
    long duplicate_starts; /* a task entered from the start twice */
    long finishes;
};

/* fib(n) computed by 2*fib(n+1)-1 tasks spawned from tasks. */
long fib_parallel(struct pool *p, int n, struct fib_counts *counts);
long fib_task_count(int n);

/* ---- fan-out: one task spawns `n` children, then joins them all ---- */

/* Returns how many children ran (n when nothing is lost). */
long fanout_run(struct pool *p, int n);

/* ---- a task that waits for a counter, woken by other threads ---- */

struct counter_task {
    struct task task;
    ATOMIC(long) produced; /* bumped by wakers before task_wake */
    long consumed;         /* the task's own progress */
    long target;           /* finishes once it consumed this many */
    ATOMIC(long) runs;     /* resumptions */
    ATOMIC(int) in_body;   /* 1 while a worker runs it */
    ATOMIC(long) overlaps; /* runs that found another run in progress */
    long spin;             /* busy work per run, to keep workers busy */
};

void counter_task_init(struct counter_task *c, long target, long spin);
/* One producer step: produced++, then task_wake. */
void counter_task_signal(struct counter_task *c);
long counter_task_runs(struct counter_task *c);
long counter_task_overlaps(struct counter_task *c);

/* ---- fairness: yielders loop until a task queued behind them runs ---- */

/* On `p` (use one worker): a root spawns a stopper, then `yielders` tasks
 * that TASK_YIELD until the stopper ran. Returns how many yielders gave up
 * after `max_yields` (0 when yielding is fair). */
long yield_fairness_run(struct pool *p, int yielders, long max_yields);

/* Two tasks wake each other through the LIFO slot while a third waits in the
 * deque; the third stops them. Returns how many bounces it took, or -1 if
 * the third never ran within max_bounces. */
long lifo_pingpong_run(struct pool *p, long max_bounces);

/* ---- run order: each task logs its id when its flag is set ---- */

struct order_task {
    struct task task;
    int id;
    ATOMIC(int) flag;
    ATOMIC(int) * next; /* shared cursor into log */
    ATOMIC(int) * log;  /* ids in run order; the test starts it at -1 */
};

void order_task_init(struct order_task *o, int id, ATOMIC(int) * next, ATOMIC(int) * log);
/* flag = 1, then task_wake. */
void order_task_signal(struct order_task *o);

/* ---- task state tests ---- */

/* Awaits `flag`; counts its runs. */
struct flag_task {
    struct task task;
    ATOMIC(int) flag;
    ATOMIC(int) runs;
    ATOMIC(int) hold;    /* while 1, a run spins before returning (to be woken mid-run) */
    ATOMIC(int) running; /* 1 while inside a run */
    ATOMIC(int) on_done_calls;
    ATOMIC(int) done_seen_in_on_done; /* task state was FINISHED in on_done */
    struct task *watch;               /* if set, on_done records its state */
    ATOMIC(int) watch_state_in_on_done;
};

void flag_task_init(struct flag_task *f);

/* A parent that spawns a child flag_task and joins it. */
struct join_parent {
    struct task task;
    struct flag_task *child;
    int spawn_child; /* 0: the child was spawned by the test already */
    ATOMIC(int) joined;
};

void join_parent_init(struct join_parent *j, struct flag_task *child, int spawn_child);

/* A task that another thread wakes while it runs (RUNNING -> NOTIFIED), and
 * that then finishes without suspending: what a parent does when a child
 * finishes between its join registration and its re-check. The caller frees
 * it at once. Returns how many times it ran (1: the wake was absorbed), or
 * -1 if it was not FINISHED when block_on returned. */
int woken_mid_run_then_finished(struct pool *p);

/* Loads a task's state (enum task_state) from C++. */
int task_state_of(struct task *t);

#ifdef __cplusplus
}
#endif
#endif
