/* ALLOWED: suspending after the multi-shard guard has released its locks. */
#include "test/store/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct multi *m = container_of(t, struct multi, task);
    TASK_BEGIN(t);
    SHARD_SET_GUARD(&m->set)
    {
        m->value++;
    }
    TASK_YIELD(t);
    TASK_AWAIT(t, m->ready);
    TASK_END(t);
}
