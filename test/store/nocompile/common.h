/* Shared by the store nocompile cases: a task that locks a set of shards. */
#ifndef MAGPIE_TEST_STORE_NOCOMPILE_COMMON_H
#define MAGPIE_TEST_STORE_NOCOMPILE_COMMON_H

#include "core/task.h"
#include "store/multilock.h"

struct multi {
    struct task task;
    struct shard_set set;
    int ready;
    int value;
};

enum task_status case_run(struct task *t);

#endif
