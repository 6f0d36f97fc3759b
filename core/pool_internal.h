/*
 * The pool's insides, shared by core/task.c and core/pool*.c only. Nothing
 * outside core/ may include this.
 *
 * Files, one concern each:
 *   pool.c         create, destroy, spawn, block_on, stats
 *   pool_worker.c  the worker loop: pick the next task, run it, settle it
 *   pool_idle.c    who is searching, who sleeps, whom to wake
 *   pool_park.c    one worker's sleep: a futex or the I/O driver
 *   pool_inject.c  the global queue for tasks from outside the pool
 *   task.c         the task state machine
 */
#ifndef MAGPIE_CORE_POOL_INTERNAL_H
#define MAGPIE_CORE_POOL_INTERNAL_H

#include "core/deque.h"
#include "core/lock.h"
#include "core/pool.h"

#include <pthread.h>

#define POOL_MAX_WORKERS       4096 /* the idle state packs counts in 16 bits */
#define POOL_DEQUE_CAPACITY    1024 /* per worker; overflow spills to the global queue */
#define POOL_STEAL_BATCH       64   /* at most this many tasks taken in one steal */
#define POOL_LIFO_STREAK_MAX   3    /* consecutive LIFO-slot runs before other work gets a turn */
#define POOL_MAINTENANCE_TICKS 61   /* every this many loop turns: global queue first, poll I/O */

/* ---- global injection queue (pool_inject.c) ---- */

struct inject {
    struct lock lock;
    struct task *head; /* guarded by lock; linked through task->next */
    struct task *tail;
    ATOMIC(size_t) len; /* written under lock; read without it */
};

void inject__init(struct inject *q);
void inject__destroy(struct inject *q);
/* Appends the chain first..last (linked through ->next) of n tasks. */
void inject__push_chain(struct inject *q, struct task *first, struct task *last, size_t n);
void inject__push(struct inject *q, struct task *t);
struct task *inject__pop(struct inject *q);
/* seq_cst: see pool_idle.c for why. */
size_t inject__len(struct inject *q);

/* ---- one worker ---- */

enum park_state {
    PARK_EMPTY,     /* running, or about to sleep */
    PARK_ON_FUTEX,  /* asleep in futex_wait on park_state */
    PARK_IN_DRIVER, /* asleep in driver->poll(-1) */
    PARK_NOTIFIED,  /* a wake-up is pending: the next park returns at once */
};

struct worker_counters {
    ATOMIC(uint64_t) tasks_run;
    ATOMIC(uint64_t) steals;
    ATOMIC(uint64_t) migrations;
    ATOMIC(uint64_t) parks;
    ATOMIC(uint64_t) polls;
};

struct worker {
    struct deque deque;
    /* Owner-only fields: no other thread reads them. */
    struct pool *pool;
    int index;
    struct task *lifo;                     /* the task this worker woke last: it runs next */
    int lifo_streak;                       /* consecutive runs taken from the LIFO slot */
    uint32_t tick;                         /* loop turns, for the maintenance interval */
    uint64_t rng;                          /* xorshift state: random steal victims */
    bool searching;                        /* counted in idle.state as searching */
    bool polling;                          /* inside driver.poll: woken tasks go to the batch */
    struct task *batch_first, *batch_last; /* tasks woken by one poll, in order */
    size_t batch_len;
    bool sleeping; /* guarded by pool->idle.lock: on the sleepers list */
    pthread_t thread;
    CACHE_ALIGNED ATOMIC(uint32_t) park_state; /* enum park_state; also the futex word */
    CACHE_ALIGNED struct worker_counters counters;
};

/* ---- idle tracking (pool_idle.c) ---- */

struct idle {
    /* searching workers in the low 16 bits, unparked workers above. */
    ATOMIC(uint32_t) state;
    struct lock lock; /* guards sleepers[] and worker->sleeping */
    int *sleepers;    /* indices of parked workers, a stack */
    int num_sleepers;
};

struct pool {
    int num_workers;
    struct worker *workers;
    struct inject inject;
    struct idle idle;
    bool has_driver;
    struct pool_driver driver;
    ATOMIC(bool) driver_busy; /* one worker polls the driver at a time */
    ATOMIC(bool) shutdown;
};

int idle__init(struct idle *idle, int num_workers);
void idle__destroy(struct idle *idle);
/* New work was queued: wake a sleeper if no one awake is looking for work. */
void idle__notify(struct pool *p);
/* Becomes a searcher unless half the workers already search. */
bool idle__try_start_searching(struct pool *p, struct worker *w);
/* Found work: stop searching; the last searcher wakes the next one. */
void idle__stop_searching(struct pool *p, struct worker *w);
/* Parks the calling worker until it has work, is woken, or the pool stops. */
void idle__park(struct pool *p, struct worker *w);
/* Wakes every worker for shutdown. */
void idle__wake_all(struct pool *p);

/* ---- one worker's sleep (pool_park.c) ---- */

void park__wait(struct pool *p, struct worker *w);
void park__unpark(struct pool *p, struct worker *w);
/* Non-blocking driver poll by a busy worker, if no one else holds the driver. */
void park__poll_driver_now(struct pool *p, struct worker *w);
void futex__wait(ATOMIC(uint32_t) * word, uint32_t expected);
void futex__wake(ATOMIC(uint32_t) * word, int count);

/* ---- the worker loop (pool_worker.c) ---- */

extern _Thread_local struct worker *pool__current;
void *worker__main(void *arg);
/* Queues a runnable task, from any thread. lifo: it was just woken. */
void pool__schedule(struct pool *p, struct task *t, bool lifo);
/* True when some deque or the global queue holds a task (seq_cst loads). */
bool pool__has_stealable_work(struct pool *p);

/* Counters are written only by their worker: load + store, no RMW. */
static inline void counter__add(ATOMIC(uint64_t) * c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* ---- task state machine (task.c), driven by the worker ---- */

/* SCHEDULED -> RUNNING. */
void task__start_run(struct task *t);
/* After TASK_PENDING: RUNNING -> IDLE (false), or NOTIFIED -> SCHEDULED (true:
 * it was woken while running and must be queued again). */
bool task__settle_pending(struct task *t);
/* After TASK_YIELDED: -> SCHEDULED. */
void task__settle_yielded(struct task *t);
/* After TASK_DONE: FINISHED, wakes the joiner, calls on_done. The task may be
 * freed as soon as this starts the joiner hand-off: the caller must not touch
 * it afterwards. */
void task__finish(struct task *t);

#endif
