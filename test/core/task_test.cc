// The task state machine: IDLE / SCHEDULED / RUNNING / NOTIFIED / FINISHED,
// wake semantics, join and on_done. Task bodies live in pool_tasks.c.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

extern "C" {
#include "core/pool.h"
#include "test/core/pool_tasks.h"
}
#include "test/core/pool_helpers.h"

namespace
{

int state(flag_task &f)
{
    return task_state_of(&f.task);
}

} // namespace

TEST(Task, InitStartsIdleAndNotDone)
{
    flag_task f;
    flag_task_init(&f);
    EXPECT_EQ(state(f), TASK_IDLE);
    EXPECT_EQ(f.task.resume_point, 0);
    EXPECT_EQ(f.task.last_worker, -1);
    EXPECT_EQ(f.task.pool, nullptr);
    EXPECT_FALSE(task_is_done(&f.task));
}

TEST(Task, AwaitGoesIdleSpuriousWakesAreHarmlessAndDoneIsFinal)
{
    auto p = make_pool(2);
    flag_task f;
    flag_task_init(&f);
    pool_spawn(p.get(), &f.task);
    ASSERT_TRUE(eventually([&] { return f.runs == 1 && state(f) == TASK_IDLE; }));
    EXPECT_NE(f.task.last_worker, -1);

    task_wake(&f.task); // the condition is still false
    ASSERT_TRUE(eventually([&] { return f.runs == 2 && state(f) == TASK_IDLE; }));
    EXPECT_FALSE(task_is_done(&f.task));

    f.flag = 1;
    task_wake(&f.task);
    ASSERT_TRUE(eventually([&] { return task_is_done(&f.task); }));
    EXPECT_EQ(state(f), TASK_FINISHED);
    EXPECT_EQ(f.task.resume_point, -1);
    EXPECT_EQ(f.runs, 3);
    EXPECT_EQ(f.on_done_calls, 1);
    EXPECT_EQ(f.done_seen_in_on_done, 1);

    task_wake(&f.task); // a no-op
    EXPECT_EQ(state(f), TASK_FINISHED);
    flag_task other; // let the pool go round once more
    flag_task_init(&other);
    other.flag = 1;
    pool_block_on(p.get(), &other.task);
    EXPECT_EQ(f.runs, 3);
    EXPECT_EQ(f.on_done_calls, 1);
}

TEST(Task, WakeWhileRunningRunsItAgainAfterPending)
{
    auto p = make_pool(2);
    flag_task f;
    flag_task_init(&f);
    f.hold = 1; // the first run spins until we let it go
    pool_spawn(p.get(), &f.task);
    ASSERT_TRUE(eventually([&] { return f.running == 1; }));
    EXPECT_EQ(state(f), TASK_RUNNING);
    task_wake(&f.task);
    EXPECT_EQ(state(f), TASK_NOTIFIED);
    task_wake(&f.task); // a second wake while NOTIFIED changes nothing
    EXPECT_EQ(state(f), TASK_NOTIFIED);
    f.hold = 0;
    // It returns PENDING, and runs once more on its own (the wake-up is not
    // lost), then goes idle: two runs, not three.
    ASSERT_TRUE(eventually([&] { return f.runs == 2 && state(f) == TASK_IDLE; }));
    f.flag = 1;
    task_wake(&f.task);
    ASSERT_TRUE(eventually([&] { return task_is_done(&f.task); }));
    EXPECT_EQ(f.runs, 3);
}

TEST(Task, ManyWakesWhileScheduledRunItOnce)
{
    auto p = make_pool(1);
    flag_task blocker; // occupies the only worker
    flag_task_init(&blocker);
    blocker.flag = 1;
    blocker.hold = 1;
    pool_spawn(p.get(), &blocker.task);
    ASSERT_TRUE(eventually([&] { return blocker.running == 1; }));

    flag_task f;
    flag_task_init(&f);
    pool_spawn(p.get(), &f.task);
    EXPECT_EQ(state(f), TASK_SCHEDULED);
    for (int i = 0; i < 100; i++)
        task_wake(&f.task);
    EXPECT_EQ(state(f), TASK_SCHEDULED);
    blocker.hold = 0;
    ASSERT_TRUE(eventually([&] { return f.runs == 1 && state(f) == TASK_IDLE; }));
    ASSERT_TRUE(eventually([&] { return task_is_done(&blocker.task); }));
    // The pool is idle now; f ran exactly once for all those wakes.
    flag_task other;
    flag_task_init(&other);
    other.flag = 1;
    pool_block_on(p.get(), &other.task);
    EXPECT_EQ(f.runs, 1);
}

TEST(Task, JoinWaitsForTheChild)
{
    auto p = make_pool(2);
    flag_task child;
    flag_task_init(&child);
    join_parent parent;
    join_parent_init(&parent, &child, 1);
    child.watch = &parent.task;
    pool_spawn(p.get(), &parent.task);
    ASSERT_TRUE(eventually([&] { return child.runs == 1 && state(child) == TASK_IDLE; }));
    ASSERT_TRUE(eventually([&] { return task_state_of(&parent.task) == TASK_IDLE; }));
    EXPECT_EQ(parent.joined, 0);

    child.flag = 1;
    task_wake(&child.task);
    ASSERT_TRUE(eventually([&] { return task_is_done(&parent.task); }));
    EXPECT_EQ(parent.joined, 1);
    EXPECT_TRUE(task_is_done(&child.task));
    EXPECT_EQ(child.on_done_calls, 1);
    // on_done came after the joiner was woken: it was no longer IDLE.
    EXPECT_NE(child.watch_state_in_on_done, TASK_IDLE);
    EXPECT_NE(child.watch_state_in_on_done, -1);
}

TEST(Task, JoinOnAFinishedTaskReturnsAtOnce)
{
    auto p = make_pool(2);
    flag_task child;
    flag_task_init(&child);
    child.flag = 1;
    pool_block_on(p.get(), &child.task);
    ASSERT_TRUE(task_is_done(&child.task));

    join_parent parent;
    join_parent_init(&parent, &child, 0);
    pool_block_on(p.get(), &parent.task);
    EXPECT_EQ(parent.joined, 1);
    EXPECT_EQ(child.runs, 1);
}

TEST(Task, BlockOnFromOutsideSeesTheResult)
{
    auto p = make_pool(1);
    flag_task f;
    flag_task_init(&f);
    std::thread setter([&] {
        while (f.runs == 0)
            std::this_thread::yield();
        f.flag = 1;
        task_wake(&f.task);
    });
    pool_block_on(p.get(), &f.task);
    setter.join();
    EXPECT_TRUE(task_is_done(&f.task));
    EXPECT_EQ(state(f), TASK_FINISHED);
    EXPECT_EQ(f.on_done_calls, 1);
}
