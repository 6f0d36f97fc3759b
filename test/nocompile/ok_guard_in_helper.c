/* ALLOWED: a helper takes a guard; the task calls it between suspensions. */
#include "test/nocompile/common.h"

static int bump(struct guarded *g)
{
    int v = 0;
    LOCK_GUARD (&g->lock) {
        v = ++g->value;
    }
    return v;
}

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    for (g->i = 0; g->i < 3; g->i++) {
        if (bump(g) > 100)
            break;
        TASK_AWAIT(t, g->ready);
        bump(g);
        TASK_YIELD(t);
    }
    TASK_END(t);
}
