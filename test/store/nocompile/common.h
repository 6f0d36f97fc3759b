/* Shared by the store nocompile cases: a task that locks a set of shards,
 * or one shard. */
#ifndef MAGPIE_TEST_STORE_NOCOMPILE_COMMON_H
#define MAGPIE_TEST_STORE_NOCOMPILE_COMMON_H

#include "core/task.h"
#include "store/multilock.h"
#include "store/shard.h"

struct multi {
    struct task task;
    struct shard_set set;
    struct shard *shard;
    int ready;
    int value;
};

enum task_status case_run(struct task *t);

#endif
