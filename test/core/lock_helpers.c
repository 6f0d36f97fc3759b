/* LOCK_GUARD exit paths and deliberate lock-rule violations (lock_helpers.h). */
#include "test/core/lock_helpers.h"

#include <stdlib.h>

int guard_fall_through(struct lock *l)
{
    int inside = -1;
    LOCK_GUARD (l) {
        inside = lock_held_count();
    }
    return inside;
}

int guard_return(struct lock *l)
{
    LOCK_GUARD (l) {
        return lock_held_count();
    }
    return -1;
}

int guard_goto_out(struct lock *l)
{
    int inside = -1;
    LOCK_GUARD (l) {
        inside = lock_held_count();
        goto out;
    }
    inside = -2; /* not reached: the goto skips it */
out:
    return inside;
}

int guard_break_each_turn(struct lock *l, int n)
{
    int turns = 0;
    for (int i = 0; i < n; i++) {
        LOCK_GUARD (l) {
            if (lock_held_count() == 1)
                break;
            abort();
        }
        turns++;
    }
    return turns;
}

int guard_continue_each_turn(struct lock *l, int n)
{
    int turns = 0;
    for (int i = 0; i < n; i++) {
        LOCK_GUARD (l) {
            if (lock_held_count() == 1)
                continue;
            abort();
        }
        turns++;
    }
    return turns;
}

int guard_nested(struct lock *a, struct lock *b, int *outer_after)
{
    int inner = -1;
    LOCK_GUARD (a) {
        LOCK_GUARD (b) {
            inner = lock_held_count();
        }
        *outer_after = lock_held_count();
    }
    return inner;
}

int guard_nested_return(struct lock *a, struct lock *b)
{
    LOCK_GUARD (a) {
        LOCK_GUARD (b) {
            return lock_held_count();
        }
    }
    return -1;
}

/* ---- violations, for the death tests ---- */

struct locking_task {
    struct task task;
    struct lock lock;
};

/* Deliberate violations: clang's -Wthread-safety rejects them too, so its
 * analysis is switched off here to let the runtime check be tested. */
static enum task_status suspend_with_lock_run(struct task *t) NO_THREAD_SAFETY
{
    struct locking_task *k = container_of(t, struct locking_task, task);
    TASK_BEGIN(t);
    /* By hand, outside any guard: the compile-time check cannot see it, so
     * the debug counter must. */
    lock_acquire(&k->lock);
    TASK_AWAIT(t, 0);
    TASK_END(t);
}

static enum task_status leak_lock_run(struct task *t) NO_THREAD_SAFETY
{
    struct locking_task *k = container_of(t, struct locking_task, task);
    lock_acquire(&k->lock);
    return TASK_DONE;
}

static void run_one(task_fn fn)
{
    struct pool_config config = {.workers = 1, .driver = NULL};
    struct pool *p = pool_create(&config);
    struct locking_task k;
    lock_init(&k.lock, LOCK_CLASS_SHARD, 0);
    task_init(&k.task, fn);
    pool_block_on(p, &k.task);
    pool_destroy(p);
}

void run_task_suspending_with_lock(void)
{
    run_one(suspend_with_lock_run);
}

void run_task_leaking_a_lock(void)
{
    run_one(leak_lock_run);
}
