/* FORBIDDEN: TASK_YIELD inside a LOCK_GUARD that sits in a loop. */
#include "test/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    for (g->i = 0; g->i < 10; g->i++) {
        LOCK_GUARD (&g->lock) {
            g->value += g->i;
            TASK_YIELD(t);
        }
    }
    TASK_END(t);
}
