/* FORBIDDEN: TASK_JOIN inside a LOCK_GUARD scope. */
#include "test/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    LOCK_GUARD (&g->lock) {
        TASK_JOIN(t, g->child);
    }
    TASK_END(t);
}
