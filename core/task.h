/*
 * Stackless tasks: the unit of work the pool schedules.
 *
 * A task is a struct with a resume function and a resume point. Its body is a
 * switch-based coroutine:
 *
 *     struct flusher { struct task task; int fd; size_t sent; };  // state that
 *                                                                 // survives a suspension
 *     static enum task_status flusher_run(struct task *t)
 *     {
 *         struct flusher *f = container_of(t, struct flusher, task);
 *         TASK_BEGIN(t);
 *         while (f->sent < TOTAL) {
 *             ... do some work ...
 *             TASK_AWAIT(t, socket_writable(f));  // suspend until true
 *             TASK_YIELD(t);                      // let others run
 *         }
 *         TASK_END(t);
 *     }
 *
 * Locals of the resume function do not survive a suspension: anything that
 * must lives in the task's struct. Every suspension point is written out in
 * the body, never hidden in a call, which is what lets LOCK_GUARD reject a
 * suspension inside a locked scope at compile time (see core/lock.h). Two
 * suspension macros may not share a source line.
 *
 * Scheduling state, so that a wake-up is never lost nor runs a task twice:
 *
 *     IDLE --wake--> SCHEDULED --worker--> RUNNING --PENDING--> IDLE
 *                                            |  ^ wake: NOTIFIED; on PENDING
 *                                            |  |  it is rescheduled at once
 *                                            +--+--YIELDED--> SCHEDULED
 *                                            +-----DONE-----> FINISHED
 *
 * A task that another task joins (TASK_JOIN) or that pool_block_on waits for
 * belongs to its waiter once finished: the pool's last access to it happens
 * before task_is_done() turns true, so the waiter may free it then. Such a
 * task's on_done, if any, must not free it too.
 *
 * The macros are C only; C++ tests drive tasks written in C helper files.
 */
#ifndef MAGPIE_CORE_TASK_H
#define MAGPIE_CORE_TASK_H

#include "core/compiler.h"
#include "core/lock.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pool;
struct task;

enum task_status {
    TASK_DONE,    /* finished; never resumed again */
    TASK_PENDING, /* waiting for task_wake() */
    TASK_YIELDED, /* runnable again: reschedule behind other work */
};

enum task_state {
    TASK_IDLE,
    TASK_SCHEDULED,
    TASK_RUNNING,
    TASK_NOTIFIED,
    TASK_FINISHED,
};

typedef enum task_status (*task_fn)(struct task *t);

struct task {
    task_fn fn;
    int resume_point;             /* 0: start; otherwise the __LINE__ to resume at */
    ATOMIC(int) state;            /* enum task_state */
    struct pool *pool;            /* set by pool_spawn */
    struct task *next;            /* intrusive link, owned by the pool's queues */
    int last_worker;              /* -1 until first run; counts migrations */
    ATOMIC(struct task *) joiner; /* the one task waiting in TASK_JOIN, if any */
    /* Called once, by the worker that finished the task, after it is DONE and
     * after any joiner was woken; the pool never touches the task afterwards,
     * so this may free it. May be NULL. */
    void (*on_done)(struct task *t);
};

/* Prepares a task to run `fn` from the start. Does not schedule it. */
void task_init(struct task *t, task_fn fn);

/*
 * Makes the task runnable. Safe from any thread, any number of times:
 * IDLE -> scheduled once; SCHEDULED -> no-op; RUNNING -> NOTIFIED, so the
 * task runs again after it returns PENDING; FINISHED -> no-op. Called on a
 * worker thread, the task goes to that worker's LIFO slot (it runs next).
 */
void task_wake(struct task *t);

/* True once the task returned TASK_DONE (acquire: its writes are visible). */
bool task_is_done(struct task *t);

/* Registers `waiter` to be woken when `t` finishes. One joiner per task. */
void task_join_register_(struct task *t, struct task *waiter);

#ifndef __cplusplus

#define TASK_BEGIN(t)                                                                              \
    switch ((t)->resume_point) {                                                                   \
    case 0:

/* Reschedule behind other runnable work, then continue after this point. */
#define TASK_YIELD(t)                                                                              \
    do {                                                                                           \
        LOCK_ASSERT_SUSPENDABLE("TASK_YIELD");                                                     \
        (t)->resume_point = __LINE__;                                                              \
        return TASK_YIELDED;                                                                       \
    case __LINE__:;                                                                                \
    } while (0)

/* Suspend until `cond` holds. Whoever makes cond true calls task_wake(t);
 * cond is re-evaluated on every resumption (spurious wake-ups are harmless). */
#define TASK_AWAIT(t, cond)                                                                        \
    do {                                                                                           \
        LOCK_ASSERT_SUSPENDABLE("TASK_AWAIT");                                                     \
        (t)->resume_point = __LINE__;                                                              \
        __attribute__((fallthrough));                                                              \
    case __LINE__:                                                                                 \
        if (!(cond))                                                                               \
            return TASK_PENDING;                                                                   \
    } while (0)

/* Suspend until task `other` (already spawned) has finished. */
#define TASK_JOIN(t, other)                                                                        \
    do {                                                                                           \
        LOCK_ASSERT_SUSPENDABLE("TASK_JOIN");                                                      \
        task_join_register_((other), (t));                                                         \
        (t)->resume_point = __LINE__;                                                              \
        __attribute__((fallthrough));                                                              \
    case __LINE__:                                                                                 \
        if (!task_is_done(other))                                                                  \
            return TASK_PENDING;                                                                   \
    } while (0)

#define TASK_END(t)                                                                                \
    __attribute__((fallthrough));                                                                  \
    default:                                                                                       \
        break;                                                                                     \
        }                                                                                          \
        (t)->resume_point = -1;                                                                    \
        return TASK_DONE

#endif /* !__cplusplus */

#ifdef __cplusplus
}
#endif
#endif
