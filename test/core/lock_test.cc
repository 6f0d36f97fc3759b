// The lock: LOCK_GUARD releases on every way out, contention is counted, and
// the debug held-lock counter catches a lock held across a suspension.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

extern "C" {
#include "core/lock.h"
#include "test/common/test_env.h"
#include "test/core/lock_helpers.h"
}

namespace
{

struct Lock {
    lock l;
    Lock()
    {
        lock_init(&l);
    }
    ~Lock()
    {
        lock_destroy(&l);
    }
    // Free means another thread can take it (a recursive re-lock from this
    // thread would not prove the guard released it).
    bool is_free()
    {
        bool ok = false;
        std::thread([&] {
            ok = lock_try_acquire(&l);
            if (ok)
                lock_release(&l);
        }).join();
        return ok;
    }
};

const int kChecks = MAGPIE_LOCK_CHECKS; // 0 when built with NDEBUG

} // namespace

TEST(LockGuard, ReleasesWhenFallingOffTheEnd)
{
    Lock a;
    EXPECT_EQ(guard_fall_through(&a.l), kChecks);
    EXPECT_EQ(lock_held_count(), 0);
    EXPECT_TRUE(a.is_free());
}

TEST(LockGuard, ReleasesOnReturn)
{
    Lock a;
    EXPECT_EQ(guard_return(&a.l), kChecks);
    EXPECT_EQ(lock_held_count(), 0);
    EXPECT_TRUE(a.is_free());
}

TEST(LockGuard, ReleasesOnGoto)
{
    Lock a;
    EXPECT_EQ(guard_goto_out(&a.l), kChecks);
    EXPECT_EQ(lock_held_count(), 0);
    EXPECT_TRUE(a.is_free());
}

TEST(LockGuard, BreakAndContinueLeaveTheGuardNotTheLoop)
{
    Lock a;
    EXPECT_EQ(guard_break_each_turn(&a.l, 10), 10);
    EXPECT_TRUE(a.is_free());
    EXPECT_EQ(guard_continue_each_turn(&a.l, 10), 10);
    EXPECT_TRUE(a.is_free());
    EXPECT_EQ(lock_held_count(), 0);
    struct lock_stats s;
    lock_stats(&a.l, &s);
    EXPECT_GE(s.acquisitions, 20u);
}

TEST(LockGuard, NestedGuardsReleaseInnerThenOuter)
{
    Lock a, b;
    int outer_after = -1;
    EXPECT_EQ(guard_nested(&a.l, &b.l, &outer_after), 2 * kChecks);
    EXPECT_EQ(outer_after, kChecks);
    EXPECT_EQ(guard_nested_return(&a.l, &b.l), 2 * kChecks);
    EXPECT_EQ(lock_held_count(), 0);
    EXPECT_TRUE(a.is_free());
    EXPECT_TRUE(b.is_free());
}

TEST(Lock, StatsCountEveryAcquisitionUnderThreads)
{
    Lock a;
    const long per_thread = test_scaled(200000, 20000);
    const int threads = 4;
    long counter = 0; // protected by the lock
    std::atomic<int> ready{0};
    std::vector<std::thread> ts;
    for (int k = 0; k < threads; k++)
        ts.emplace_back([&] {
            ready++;
            while (ready < threads) // start together, so they collide
                std::this_thread::yield();
            for (long i = 0; i < per_thread; i++) {
                lock_acquire(&a.l);
                counter++;
                lock_release(&a.l);
            }
        });
    for (auto &t : ts)
        t.join();
    EXPECT_EQ(counter, per_thread * threads);
    struct lock_stats s;
    lock_stats(&a.l, &s);
    EXPECT_EQ(s.acquisitions, static_cast<uint64_t>(per_thread * threads));
    EXPECT_LE(s.contended, s.acquisitions);

    lock_stats_reset(&a.l);
    lock_stats(&a.l, &s);
    EXPECT_EQ(s.acquisitions, 0u);
    EXPECT_EQ(s.contended, 0u);
    EXPECT_EQ(s.wait_ns, 0u);
}

TEST(Lock, StatsCountAContendedAcquisition)
{
    Lock a;
    struct lock_stats s = {};
    // We hold the lock while another thread asks for it. Its try-lock can
    // only succeed if it comes after our release, so give it longer each
    // round; one contended round is all we need.
    for (int round = 1; round <= 50 && s.contended == 0; round++) {
        lock_acquire(&a.l);
        std::atomic<bool> asking{false};
        std::thread other([&] {
            asking = true;
            lock_acquire(&a.l);
            lock_release(&a.l);
        });
        while (!asking)
            std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(round));
        lock_release(&a.l);
        other.join();
        lock_stats(&a.l, &s);
    }
    EXPECT_GT(s.contended, 0u);
    EXPECT_GT(s.wait_ns, 0u);
}

TEST(Lock, TryAcquireFailsWhileHeldElsewhere)
{
    Lock a;
    lock_acquire(&a.l);
    EXPECT_EQ(lock_held_count(), kChecks);
    EXPECT_FALSE(a.is_free());
    lock_release(&a.l);
    EXPECT_TRUE(a.is_free());
}

#if MAGPIE_LOCK_CHECKS
// The child process re-runs the binary ("threadsafe"): the pool's threads and
// ThreadSanitizer's make a plain fork unreliable.
class LockDeathTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        GTEST_FLAG_SET(death_test_style, "threadsafe");
    }
};

TEST_F(LockDeathTest, SuspendingWhileHoldingALockAborts)
{
    EXPECT_DEATH(run_task_suspending_with_lock(), "TASK_AWAIT while holding 1 lock");
}

TEST_F(LockDeathTest, AWorkerPickingUpATaskWhileHoldingALockAborts)
{
    EXPECT_DEATH(run_task_leaking_a_lock(), "picking up a task while holding 1 lock");
}

TEST_F(LockDeathTest, ReleasingALockNotHeldAborts)
{
    EXPECT_DEATH(
        {
            Lock a;
            lock_release(&a.l);
        },
        "lock_release without a held lock");
}
#endif
