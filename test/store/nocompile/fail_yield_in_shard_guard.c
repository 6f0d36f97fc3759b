/* FORBIDDEN: TASK_YIELD while a single-shard guard holds its lock. */
#include "test/store/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct multi *m = container_of(t, struct multi, task);
    TASK_BEGIN(t);
    SHARD_GUARD(m->shard)
    {
        m->value++;
        TASK_YIELD(t);
    }
    TASK_END(t);
}
