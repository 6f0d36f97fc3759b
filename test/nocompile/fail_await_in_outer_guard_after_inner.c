/* FORBIDDEN: the inner guard has closed, but the outer one still holds. */
#include "test/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    LOCK_GUARD (&g->lock) {
        LOCK_GUARD (&g->other) {
            g->value++;
        }
        TASK_AWAIT(t, g->ready);
    }
    TASK_END(t);
}
