/* FORBIDDEN: TASK_YIELD while a multi-shard guard holds its locks. */
#include "test/store/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct multi *m = container_of(t, struct multi, task);
    TASK_BEGIN(t);
    SHARD_SET_GUARD(&m->set)
    {
        m->value++;
        TASK_YIELD(t);
    }
    TASK_END(t);
}
