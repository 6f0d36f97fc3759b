/* FORBIDDEN: TASK_YIELD directly inside a LOCK_GUARD scope. */
#include "test/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    LOCK_GUARD (&g->lock) {
        g->value++;
        TASK_YIELD(t);
    }
    TASK_END(t);
}
