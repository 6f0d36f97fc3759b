/*
 * The work-stealing pool: N worker threads running tasks (core/task.h).
 *
 * Each worker owns a Chase-Lev deque (core/deque.h) and a LIFO slot for the
 * task it woke most recently (capped, so two tasks waking each other cannot
 * starve the rest). Tasks submitted from outside the pool go through a global
 * injection queue. An idle worker steals half of a random victim's deque; at
 * most half the workers search at once; then it parks on a futex, never
 * spinning. A task suspended on one worker may resume on another.
 *
 * The I/O driver (net/reactor) plugs in through struct pool_driver: a worker
 * about to park polls the driver instead of sleeping (one at a time), so a
 * lone request is read, run and answered on one thread. When that poll
 * brings it work, it wakes a sleeping worker to take the driver over: the
 * task it runs may take long (DEBUG SLEEP, a big KEYS), and the other
 * connections must still be read meanwhile. Busy workers also poll it
 * without blocking every so often, so I/O is never starved.
 */
#ifndef MAGPIE_CORE_POOL_H
#define MAGPIE_CORE_POOL_H

#include "core/task.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pool_driver {
    /* Wait up to timeout_ms (-1: no limit, 0: do not block) for events and
     * dispatch them (which wakes tasks). Called by one worker at a time, on
     * a worker thread: the tasks it wakes go to that worker's own queues. */
    void (*poll)(void *ctx, int timeout_ms);
    /* Make a blocked poll() return soon. Called from any thread. An unpark
     * that comes before the poll starts must make that poll return too (an
     * eventfd that stays readable does this); a spurious return is fine. */
    void (*unpark)(void *ctx);
    void *ctx;
};

struct pool_config {
    int workers;                      /* 0: one per online CPU */
    const struct pool_driver *driver; /* NULL: workers park on a futex only */
};

struct pool_worker_stats {
    uint64_t tasks_run;  /* resumptions of a task */
    uint64_t steals;     /* tasks taken from another worker's deque */
    uint64_t migrations; /* resumptions on a worker other than the previous one */
    uint64_t parks;      /* times the worker went to sleep */
    uint64_t polls;      /* times the worker polled the driver */
};

struct pool_stats {
    int workers;
    struct pool_worker_stats total;
    struct pool_worker_stats per_worker[64]; /* the first 64 workers */
};

/* Starts the workers. Returns NULL (errno set) on failure. */
struct pool *pool_create(const struct pool_config *config);

/* Stops the workers after the tasks they are running return, joins them,
 * and frees the pool. Tasks still queued are not run; their owners free them. */
void pool_destroy(struct pool *p);

int pool_worker_count(const struct pool *p);

/* Schedules a task made with task_init. From any thread. */
void pool_spawn(struct pool *p, struct task *t);

/* Spawns `t` and blocks the calling thread, which must not be a pool worker,
 * until it finishes (as if joined: `t` is the caller's again afterwards). */
void pool_block_on(struct pool *p, struct task *t);

/* The index of the calling worker in [0, workers), or -1 off the pool. */
int pool_current_worker(void);

/* A relaxed snapshot of the counters. */
#ifdef __cplusplus /* g++ -Wshadow: the function "hides" the struct of the same name */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
void pool_stats(const struct pool *p, struct pool_stats *out);
#ifdef __cplusplus
#pragma GCC diagnostic pop
#endif

#ifdef __cplusplus
}
#endif
#endif
