/* ALLOWED: the guard's scope closes, then the task suspends. */
#include "test/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct guarded *g = container_of(t, struct guarded, task);
    TASK_BEGIN(t);
    LOCK_GUARD (&g->lock) {
        g->value++;
    }
    TASK_AWAIT(t, g->ready);
    LOCK_GUARD (&g->lock) {
        g->value--;
    }
    TASK_YIELD(t);
    TASK_JOIN(t, g->child);
    TASK_END(t);
}
