/* FORBIDDEN: TASK_AWAIT in an if block nested inside a LOCK_GUARD scope. */
#include "test/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    LOCK_GUARD (&g->lock) {
        if (g->value > 0) {
            {
                TASK_AWAIT(t, g->ready);
            }
        }
    }
    TASK_END(t);
}
