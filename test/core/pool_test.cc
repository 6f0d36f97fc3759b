// The work-stealing pool: fork-join, stealing, migration, wake-up storms,
// fairness, block_on, create/destroy. Task bodies live in pool_tasks.c.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

extern "C" {
#include "core/pool.h"
#include "test/common/test_env.h"
#include "test/core/pool_tasks.h"
}
#include "test/core/pool_helpers.h"

namespace
{

long fib_exact(int n)
{
    long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long next = a + b;
        a = b;
        b = next;
    }
    return a;
}

} // namespace

TEST(Pool, ForkJoinFibIsExactAndEveryTaskRunsOnce)
{
    // fib(28) spawns 1,028,457 tasks; sanitizer builds run a smaller tree.
    const int n = MAGPIE_TEST_SANITIZED ? 21 : 28;
    auto p = make_pool(4);
    fib_counts counts = {};
    EXPECT_EQ(fib_parallel(p.get(), n, &counts), fib_exact(n));
    const long tasks = fib_task_count(n);
    if (!MAGPIE_TEST_SANITIZED) {
        EXPECT_GE(tasks, 1000000);
    }
    EXPECT_EQ(counts.starts, tasks);
    EXPECT_EQ(counts.finishes, tasks);
    EXPECT_EQ(counts.duplicate_starts, 0);
    struct pool_stats s = stats_of(p.get());
    EXPECT_EQ(s.workers, 4);
    // Every task runs at least once; parents run again after each join.
    EXPECT_GE(s.total.tasks_run, static_cast<uint64_t>(tasks));
    EXPECT_GT(s.total.steals, 0u);
}

TEST(Pool, ResultsAgreeForEveryWorkerCount)
{
    for (int workers = 1; workers <= 4; workers++) {
        auto p = make_pool(workers);
        fib_counts counts = {};
        EXPECT_EQ(fib_parallel(p.get(), 16, &counts), fib_exact(16)) << workers;
        EXPECT_EQ(counts.duplicate_starts, 0);
        EXPECT_EQ(pool_worker_count(p.get()), workers);
    }
}

TEST(Pool, FanOutBeyondTheDequeCapacitySpillsAndLosesNothing)
{
    auto p = make_pool(2);
    const int n = static_cast<int>(test_scaled(20000, 3000));
    EXPECT_EQ(fanout_run(p.get(), n), n);
}

TEST(Pool, ManyTasksSpawnedFromOutside)
{
    auto p = make_pool(3);
    const long n = test_scaled(100000, 5000);
    std::vector<counter_task> tasks(n);
    for (auto &t : tasks) {
        counter_task_init(&t, 0, 0);
        pool_spawn(p.get(), &t.task);
    }
    ASSERT_TRUE(eventually([&] {
        for (auto &t : tasks)
            if (!task_is_done(&t.task))
                return false;
        return true;
    }));
    for (auto &t : tasks)
        EXPECT_EQ(counter_task_runs(&t), 1);
}

// Tasks suspend in TASK_AWAIT and are woken by threads outside the pool and
// by tasks inside it, all at once. A wake-up must never be lost (every task
// finishes), a task never runs on two workers at once, and runs never exceed
// the wake-ups (plus the spawn).
struct WakeStorm {
    static constexpr int kTasks = 32;
    std::vector<counter_task> tasks = std::vector<counter_task>(kTasks);
    long rounds;
    int threads;
    WakeStorm(long rounds_, int threads_) : rounds(rounds_), threads(threads_)
    {
        for (auto &t : tasks)
            counter_task_init(&t, rounds * threads, 200);
    }
    void run(pool *p)
    {
        for (auto &t : tasks)
            pool_spawn(p, &t.task);
        std::vector<std::thread> wakers;
        for (int k = 0; k < threads; k++)
            wakers.emplace_back([this] {
                for (long r = 0; r < rounds; r++)
                    for (auto &t : tasks)
                        counter_task_signal(&t);
            });
        for (auto &w : wakers)
            w.join();
    }
};

TEST(Pool, ConcurrentWakeUpsAreNeverLostNorRunTwiceAtOnce)
{
    auto p = make_pool(4);
    WakeStorm storm(test_scaled(20000, 500), 4);
    storm.run(p.get());
    ASSERT_TRUE(eventually([&] {
        for (auto &t : storm.tasks)
            if (!task_is_done(&t.task))
                return false;
        return true;
    })) << "a wake-up was lost";
    for (auto &t : storm.tasks) {
        EXPECT_EQ(counter_task_overlaps(&t), 0);
        EXPECT_LE(counter_task_runs(&t), storm.rounds * storm.threads + 1);
        EXPECT_EQ(t.consumed, storm.rounds * storm.threads);
    }
    struct pool_stats s = stats_of(p.get());
    EXPECT_GT(s.total.migrations, 0u) << "tasks woken from outside should move between workers";
}

TEST(Pool, WakeUpsFromWorkersGoThroughTheLifoSlot)
{
    // Wakes issued on worker threads: the fork-join parents are woken by
    // their children's completion, on whichever worker finished them.
    auto p = make_pool(2);
    fib_counts counts = {};
    EXPECT_EQ(fib_parallel(p.get(), 18, &counts), fib_exact(18));
    EXPECT_EQ(counts.duplicate_starts, 0);
}

TEST(Pool, YieldingTasksDoNotStarveOthers)
{
    auto p = make_pool(1);
    // Eight tasks yield until a task queued behind all of them has run.
    EXPECT_EQ(yield_fairness_run(p.get(), 8, 100000), 0);
}

TEST(Pool, TwoTasksWakingEachOtherCannotStarveTheDeque)
{
    auto p = make_pool(1);
    long bounces = lifo_pingpong_run(p.get(), 100000);
    EXPECT_GE(bounces, 0) << "the deque task never ran: the LIFO slot is not capped";
    EXPECT_LE(bounces, 10);
}

TEST(Pool, BlockOnWaitsForATaskWokenFromAnotherThread)
{
    auto p = make_pool(2);
    counter_task t;
    counter_task_init(&t, 3, 0);
    std::thread waker([&] {
        // Signal only after the task has run once and suspended.
        while (counter_task_runs(&t) == 0)
            std::this_thread::yield();
        for (int i = 0; i < 3; i++)
            counter_task_signal(&t);
    });
    pool_block_on(p.get(), &t.task);
    waker.join();
    EXPECT_TRUE(task_is_done(&t.task));
    EXPECT_EQ(t.consumed, 3);
}

// A parent whose child finishes between the parent's join registration and
// its re-check is woken while it runs, then finishes without suspending; its
// joiner frees it at once. The waker's CAS on the task's state must happen
// before that free (TSan reported a race when FINISHED was a plain store).
TEST(Pool, ATaskWokenWhileRunningThenFinishedIsFreedAfterItsWaker)
{
    auto p = make_pool(2);
    for (int i = 0; i < 20; i++)
        ASSERT_EQ(woken_mid_run_then_finished(p.get()), 1) << i;
}

TEST(Pool, CurrentWorkerIsMinusOneOffThePool)
{
    EXPECT_EQ(pool_current_worker(), -1);
}

TEST(Pool, CreateAndDestroyManyTimes)
{
    const long rounds = test_scaled(200, 20);
    for (long i = 0; i < rounds; i++) {
        pool_config config = {};
        config.workers = 1 + static_cast<int>(i % 4);
        pool *p = pool_create(&config);
        ASSERT_NE(p, nullptr);
        if (i % 2 == 0) {
            fib_counts counts = {};
            EXPECT_EQ(fib_parallel(p, 10, &counts), fib_exact(10));
        }
        pool_destroy(p);
    }
}

TEST(Pool, DestroyLeavesQueuedTasksToTheirOwners)
{
    // A task still waiting when the pool goes away is not run, and not freed.
    auto p = make_pool(2);
    counter_task t;
    counter_task_init(&t, 1, 0);
    pool_spawn(p.get(), &t.task);
    ASSERT_TRUE(eventually([&] { return counter_task_runs(&t) == 1; }));
    p.reset();
    EXPECT_FALSE(task_is_done(&t.task));
}

TEST(Pool, StatsCountTasksAndParks)
{
    auto p = make_pool(2);
    fib_counts counts = {};
    fib_parallel(p.get(), 12, &counts);
    struct pool_stats s = stats_of(p.get());
    uint64_t sum = 0;
    for (int i = 0; i < s.workers; i++)
        sum += s.per_worker[i].tasks_run;
    EXPECT_EQ(sum, s.total.tasks_run);
    EXPECT_GE(s.total.tasks_run, static_cast<uint64_t>(counts.starts));
    // An idle worker sleeps: both park at some point while the caller waits.
    ASSERT_TRUE(eventually([&] { return stats_of(p.get()).total.parks >= 2; }));
    EXPECT_EQ(stats_of(p.get()).total.polls, 0u); // no driver
}
