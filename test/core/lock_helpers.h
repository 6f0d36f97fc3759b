/*
 * LOCK_GUARD exercised from C (the macro is C only) for lock_test.cc: each
 * helper leaves a guard by a different path and reports what it saw inside.
 */
#ifndef MAGPIE_TEST_CORE_LOCK_HELPERS_H
#define MAGPIE_TEST_CORE_LOCK_HELPERS_H

#include "core/lock.h"
#include "core/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Each returns lock_held_count() as seen inside the (innermost) guard. */
int guard_fall_through(struct lock *l);
int guard_return(struct lock *l);
int guard_goto_out(struct lock *l);
/* `break` / `continue` inside a guard in a loop of n turns: both leave the
 * guard, not the loop. Returns the turns completed (n). */
int guard_break_each_turn(struct lock *l, int n);
int guard_continue_each_turn(struct lock *l, int n);
/* Two nested guards; *outer_after gets the count once the inner one closed. */
int guard_nested(struct lock *a, struct lock *b, int *outer_after);
/* Returns from inside two nested guards. */
int guard_nested_return(struct lock *a, struct lock *b);

/* Death-test bodies (debug builds abort). A task that takes a lock by hand
 * and then suspends in TASK_AWAIT. */
void run_task_suspending_with_lock(void);
/* A task that returns while holding a lock; the worker's next pickup trips. */
void run_task_leaking_a_lock(void);

#ifdef __cplusplus
}
#endif
#endif
