/* FORBIDDEN: TASK_AWAIT directly inside a LOCK_GUARD scope. */
#include "test/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    LOCK_GUARD (&g->lock) {
        TASK_AWAIT(t, g->ready);
        g->value++;
    }
    TASK_END(t);
}
