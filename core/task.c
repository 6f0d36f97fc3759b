/*
 * The task state machine (see core/task.h for the diagram).
 *
 * Every transition of a live task is a read-modify-write on task->state, even
 * the ones that change nothing (a wake of an already SCHEDULED task). That
 * keeps them all in one release sequence: whoever next moves the task to
 * RUNNING acquires the writes of every waker and of the previous run, so a
 * condition made true before task_wake() is visible to the resumed task, and
 * the task's own fields (resume point, locals kept in its struct) follow it
 * from worker to worker. The one exception is the spawn, a plain release
 * store (no one else can reach the task yet). FINISHED is an exchange too:
 * no run follows it, but whoever frees the task must come after every
 * waker's write to it.
 *
 * Joining. `joiner` holds NULL, the waiting task, or JOIN_CLOSED once the
 * task has finished. The finishing worker swaps in JOIN_CLOSED as its very
 * last access to the task, and task_is_done() reads only `joiner`: so when a
 * joiner sees the task done and frees it, the pool is already done with it.
 */
#include "core/pool_internal.h"

#include <assert.h>

static char join_closed_marker;
#define JOIN_CLOSED ((struct task *)(void *)&join_closed_marker)

void task_init(struct task *t, task_fn fn)
{
    t->fn = fn;
    t->resume_point = 0;
    atomic_init(&t->state, TASK_IDLE);
    t->pool = NULL;
    t->next = NULL;
    t->last_worker = -1;
    atomic_init(&t->joiner, NULL);
    t->on_done = NULL;
}

void task_wake(struct task *t)
{
    int state = atomic_load_explicit(&t->state, memory_order_relaxed);
    for (;;) {
        int next;
        switch (state) {
        case TASK_IDLE:
            next = TASK_SCHEDULED;
            break;
        case TASK_RUNNING:
            next = TASK_NOTIFIED;
            break;
        case TASK_SCHEDULED:
        case TASK_NOTIFIED:
            next = state; /* already going to run: only publish our writes */
            break;
        default:
            assert(state == TASK_FINISHED);
            return;
        }
        /* acq_rel: release publishes the waker's writes to the next run (which
         * acquires in task__start_run); acquire, on IDLE, takes the previous
         * run's writes before we hand the task to a queue. */
        if (atomic_compare_exchange_weak_explicit(&t->state, &state, next, memory_order_acq_rel,
                                                  memory_order_relaxed))
            break;
    }
    if (state == TASK_IDLE) {
        assert(t->pool != NULL && "task_wake on a task never spawned");
        pool__schedule(t->pool, t, true);
    }
}

bool task_is_done(struct task *t)
{
    /* acquire: pairs with the release in task__finish's swap, so everything
     * the task wrote is visible to whoever saw it done. */
    return atomic_load_explicit(&t->joiner, memory_order_acquire) == JOIN_CLOSED;
}

void task_join_register_(struct task *t, struct task *waiter)
{
    if (task_is_done(t))
        return; /* the common case in fork-join: skip the CAS */
    struct task *expected = NULL;
    /* acq_rel: on success the finisher's swap reads `waiter` (nothing else
     * needs to travel); on failure we saw JOIN_CLOSED, and TASK_JOIN's own
     * task_is_done() acquires the task's writes. */
    if (atomic_compare_exchange_strong_explicit(&t->joiner, &expected, waiter, memory_order_acq_rel,
                                                memory_order_acquire))
        return;
    assert((expected == JOIN_CLOSED || expected == waiter) && "a task has one joiner");
}

void task__start_run(struct task *t)
{
    /* acquire: pairs with the release of every transition before it (see the
     * top of the file). */
    int prev = atomic_exchange_explicit(&t->state, TASK_RUNNING, memory_order_acquire);
    assert(prev == TASK_SCHEDULED);
    (void)prev;
}

bool task__settle_pending(struct task *t)
{
    int state = TASK_RUNNING;
    /* release: the run's writes go to whoever wakes the task next (its
     * IDLE -> SCHEDULED CAS acquires them). */
    if (atomic_compare_exchange_strong_explicit(&t->state, &state, TASK_IDLE, memory_order_release,
                                                memory_order_relaxed))
        return false;
    assert(state == TASK_NOTIFIED);
    /* Woken while running. An exchange rather than a store keeps the wakers'
     * release sequence unbroken; acq_rel for the same reason as task_wake. */
    state = atomic_exchange_explicit(&t->state, TASK_SCHEDULED, memory_order_acq_rel);
    assert(state == TASK_NOTIFIED);
    return true;
}

void task__settle_yielded(struct task *t)
{
    /* acq_rel: as in task_wake; a wake that made it NOTIFIED is absorbed. */
    int prev = atomic_exchange_explicit(&t->state, TASK_SCHEDULED, memory_order_acq_rel);
    assert(prev == TASK_RUNNING || prev == TASK_NOTIFIED);
    (void)prev;
}

void task__finish(struct task *t)
{
    void (*on_done)(struct task *) = t->on_done;
    /* From here task_wake() is a no-op. A wake racing with it (RUNNING ->
     * NOTIFIED) is absorbed, which is what it means for the task to be done.
     * An exchange, not a store, and acq_rel: a child that finished between
     * our join registration and its re-check woke us while we ran, and its
     * CAS on our state must happen before whoever frees us once we are done.
     * The acquire here, and the joiner swap's release below, carry it there. */
    int prev = atomic_exchange_explicit(&t->state, TASK_FINISHED, memory_order_acq_rel);
    assert(prev == TASK_RUNNING || prev == TASK_NOTIFIED);
    (void)prev;
    /* The last access to *t. release: pairs with task_is_done()'s acquire, so
     * the task's results are visible to the joiner; acquire: pairs with the
     * registration, so we see the waiter's pointer. */
    struct task *waiter = atomic_exchange_explicit(&t->joiner, JOIN_CLOSED, memory_order_acq_rel);
    assert(waiter != JOIN_CLOSED);
    if (waiter != NULL)
        task_wake(waiter);
    if (on_done != NULL)
        on_done(t);
}
