/* ALLOWED: nested guards with no suspension inside, then a suspension. */
#include "test/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    LOCK_GUARD (&g->lock) {
        LOCK_GUARD (&g->other) {
            g->value++;
        }
        g->value++;
    }
    TASK_YIELD(t);
    TASK_END(t);
}
