// The lock: LOCK_GUARD releases on every way out, contention is counted, the
// debug held-lock stack catches a lock held across a suspension, and the lock
// order (class, then index) is enforced.
#include <gtest/gtest.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

extern "C" {
#include "core/alloc.h"
#include "core/lock.h"
#include "test/common/test_env.h"
#include "test/core/lock_helpers.h"
}

namespace
{

struct Lock {
    lock l;
    // The shard class by default: any class would do for these tests.
    explicit Lock(uint32_t index = 0, lock_class cls = LOCK_CLASS_SHARD)
    {
        lock_init(&l, cls, index);
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
    Lock a(1), b(2);
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

// ThreadSanitizer's deadlock detector aborts past 64 locks held by one
// thread; 60 still takes the held-lock stack past its inline part (32).
const uint32_t kManyLocks = MAGPIE_TEST_SANITIZED ? 60 : 5000;

// FLUSHALL holds databases x shards locks: thousands, taken in ascending
// order, released in any order.
TEST(LockOrder, ThousandsAscendingThenReleasedInAnyOrder)
{
    const uint32_t n = kManyLocks;
    std::vector<std::unique_ptr<Lock>> locks;
    for (uint32_t i = 0; i < n; i++)
        locks.push_back(std::make_unique<Lock>(i));
    for (auto &l : locks)
        lock_acquire(&l->l);
    EXPECT_EQ(lock_held_count(), (int)n * kChecks);
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    for (uint32_t i : order)
        lock_release(&locks[i]->l);
    EXPECT_EQ(lock_held_count(), 0);
    // And again, now that the stack went back to its inline storage.
    for (auto &l : locks)
        lock_acquire(&l->l);
    for (uint32_t i = n; i-- > 0;)
        lock_release(&locks[i]->l);
    EXPECT_EQ(lock_held_count(), 0);
}

// Out of memory, the stack cannot grow: the locks past it are still counted
// (and so still caught at a suspension), just not ordered.
TEST(LockOrder, LocksPastAStackThatCannotGrowAreStillCounted)
{
    const uint32_t n = 60;
    std::vector<std::unique_ptr<Lock>> locks;
    for (uint32_t i = 0; i < n; i++)
        locks.push_back(std::make_unique<Lock>(i));
    mem_fail_after(0);
    for (auto &l : locks)
        lock_acquire(&l->l);
    mem_fail_reset();
    EXPECT_EQ(lock_held_count(), (int)n * kChecks);
    for (uint32_t i = 0; i < n; i += 2) // the untracked ones among them
        lock_release(&locks[i]->l);
    for (uint32_t i = 1; i < n; i += 2)
        lock_release(&locks[i]->l);
    EXPECT_EQ(lock_held_count(), 0);
}

// Classes nest in enum order; a released lock no longer constrains the next.
TEST(LockOrder, ClassesNestInOrderAndReleaseLiftsTheBound)
{
    Lock s1(1), s5(5), s3(3), clients(0, LOCK_CLASS_CLIENTS), config(0, LOCK_CLASS_CONFIG),
        inject(0, LOCK_CLASS_POOL_INJECT), idle(0, LOCK_CLASS_POOL_IDLE);
    lock_acquire(&s1.l);
    lock_acquire(&s5.l);
    lock_acquire(&clients.l);
    lock_acquire(&config.l);
    lock_acquire(&inject.l);
    lock_release(&inject.l);
    lock_acquire(&idle.l);
    lock_release(&clients.l); // out of order
    lock_release(&idle.l);
    lock_release(&config.l);
    lock_release(&s5.l);
    // Only shard#1 is held now: shard#3 ranks above it.
    lock_acquire(&s3.l);
    EXPECT_EQ(lock_held_count(), 2 * kChecks);
    lock_release(&s1.l);
    lock_release(&s3.l);
    EXPECT_EQ(lock_held_count(), 0);
}

// A trylock cannot deadlock, so it may go against the order; what it took
// is held all the same.
TEST(LockOrder, TrylockOutOfOrderIsAllowed)
{
    Lock s3(3), s7(7), s8(8);
    lock_acquire(&s7.l);
    ASSERT_TRUE(lock_try_acquire(&s3.l));
    EXPECT_EQ(lock_held_count(), 2 * kChecks);
    lock_acquire(&s8.l); // above both
    lock_release(&s7.l);
    lock_release(&s8.l);
    lock_release(&s3.l);
    EXPECT_EQ(lock_held_count(), 0);
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

TEST_F(LockDeathTest, TakingALowerShardAbortsNamingBoth)
{
    EXPECT_DEATH(
        {
            Lock s3(3);
            Lock s7(7);
            lock_acquire(&s7.l);
            lock_acquire(&s3.l);
        },
        "magpie: lock order violation: taking shard#3 while holding shard#7");
}

TEST_F(LockDeathTest, TakingALowerClassAbortsNamingBoth)
{
    EXPECT_DEATH(
        {
            Lock s2(2);
            Lock config(0, LOCK_CLASS_CONFIG);
            lock_acquire(&config.l);
            lock_acquire(&s2.l);
        },
        "lock order violation: taking shard#2 while holding config#0");
}

TEST_F(LockDeathTest, TakingTheSameLockTwiceAborts)
{
    EXPECT_DEATH(
        {
            Lock s3(3);
            lock_acquire(&s3.l);
            lock_acquire(&s3.l);
        },
        "lock order violation: taking shard#3 while holding shard#3 \\(the same lock\\)");
}

TEST_F(LockDeathTest, TwoLocksOfTheSameRankAbort)
{
    EXPECT_DEATH(
        {
            Lock a(4);
            Lock b(4);
            lock_acquire(&a.l);
            lock_acquire(&b.l);
        },
        "taking shard#4 while holding shard#4 \\(another lock of the same rank\\)");
}

// The highest lock held bounds the next one, wherever it sits on the stack.
TEST_F(LockDeathTest, TheHighestHeldLockBoundsTheNext)
{
    EXPECT_DEATH(
        {
            Lock s1(1);
            Lock s5(5);
            Lock s7(7);
            Lock s9(9);
            lock_acquire(&s1.l);
            lock_acquire(&s5.l);
            lock_acquire(&s9.l);
            lock_release(&s5.l);
            lock_acquire(&s7.l);
        },
        "taking shard#7 while holding shard#9");
}

TEST_F(LockDeathTest, ATrylockedLockCountsAsHeld)
{
    EXPECT_DEATH(
        {
            Lock s4(4);
            Lock s9(9);
            if (lock_try_acquire(&s9.l))
                lock_acquire(&s4.l);
        },
        "taking shard#4 while holding shard#9");
}
#endif
