/* FORBIDDEN: TASK_AWAIT in a block nested inside a multi-shard guard. */
#include "test/store/nocompile/common.h"

enum task_status case_run(struct task *t)
{
    struct multi *m = container_of(t, struct multi, task);
    TASK_BEGIN(t);
    SHARD_SET_GUARD(&m->set)
    {
        if (m->value > 0) {
            for (int i = 0; i < 2; i++)
                m->value += i;
            TASK_AWAIT(t, m->ready);
        }
    }
    TASK_END(t);
}
