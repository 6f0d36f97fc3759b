/* Shared by the nocompile cases: a task with a lock and a flag to wait on. */
#ifndef MAGPIE_TEST_NOCOMPILE_COMMON_H
#define MAGPIE_TEST_NOCOMPILE_COMMON_H

#include "core/task.h"

struct guarded {
    struct task task;
    struct lock lock;
    struct lock other;
    struct task *child;
    int ready;
    int value;
    int i;
};

enum task_status case_run(struct task *t);

#endif
