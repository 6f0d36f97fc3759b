// The pool with an I/O driver plugged in (a fake one standing in for the
// epoll reactor), and the pool's CPU use when idle.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

extern "C" {
#include "core/clock.h"
#include "core/pool.h"
#include "test/common/test_env.h"
#include "test/core/pool_tasks.h"
}
#include "test/core/pool_helpers.h"

namespace
{

// A driver whose "events" are tasks to wake, posted by the test. poll()
// blocks on a condition variable until an event or an unpark arrives.
struct FakeDriver {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<counter_task *> events;
    std::vector<order_task *> order_events; // signalled in the order posted
    std::vector<flag_task *> flag_events;   // flag set, then woken
    bool unparked = false;
    std::atomic<int> in_poll{0};
    std::atomic<int> blocked{0}; // a worker is inside poll(-1)
    std::atomic<long> concurrent_polls{0};
    std::atomic<long> blocking_polls{0};
    std::atomic<long> nonblocking_polls{0};
    std::atomic<long> unparks{0};
    std::atomic<long> wakes_on_worker{0};
    pool_driver driver = {poll_cb, unpark_cb, this};

    static void poll_cb(void *ctx, int timeout_ms)
    {
        static_cast<FakeDriver *>(ctx)->poll(timeout_ms);
    }
    static void unpark_cb(void *ctx)
    {
        static_cast<FakeDriver *>(ctx)->unpark();
    }

    void poll(int timeout_ms)
    {
        if (in_poll.exchange(1) != 0)
            concurrent_polls++;
        (timeout_ms == 0 ? nonblocking_polls : blocking_polls)++;
        std::vector<counter_task *> ready;
        std::vector<order_task *> ordered;
        std::vector<flag_task *> flagged;
        {
            std::unique_lock<std::mutex> lock(mutex);
            if (timeout_ms != 0) {
                blocked = 1;
                cv.wait(lock, [&] {
                    return unparked || !events.empty() || !order_events.empty() ||
                           !flag_events.empty();
                });
                blocked = 0;
            }
            unparked = false;
            ready.swap(events);
            ordered.swap(order_events);
            flagged.swap(flag_events);
        }
        in_poll = 0;
        for (counter_task *t : ready) {
            if (pool_current_worker() >= 0)
                wakes_on_worker++;
            counter_task_signal(t);
        }
        for (order_task *t : ordered)
            order_task_signal(t);
        for (flag_task *t : flagged) {
            t->flag = 1;
            task_wake(&t->task);
        }
    }
    void unpark()
    {
        unparks++;
        std::lock_guard<std::mutex> lock(mutex);
        unparked = true;
        cv.notify_all();
    }
    void post(counter_task *t)
    {
        std::lock_guard<std::mutex> lock(mutex);
        events.push_back(t);
        cv.notify_all();
    }
    void post(flag_task *t)
    {
        std::lock_guard<std::mutex> lock(mutex);
        flag_events.push_back(t);
        cv.notify_all();
    }
};

struct pool *make_pool(int workers, FakeDriver *driver)
{
    pool_config config = {};
    config.workers = workers;
    config.driver = driver != nullptr ? &driver->driver : nullptr;
    struct pool *p = pool_create(&config);
    EXPECT_NE(p, nullptr);
    return p;
}

double process_cpu_ms()
{
    struct cpu_time t = clock_cpu_self();
    return static_cast<double>(t.user_us + t.system_us) / 1e3;
}

// CPU time the whole process burns while the pool has nothing to do. A
// spinning worker would burn ~500 ms here; a parked one close to nothing.
double idle_cpu_ms(struct pool *p)
{
    fib_counts counts = {};
    fib_parallel(p, 12, &counts); // every worker has been busy once
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    double before = process_cpu_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return process_cpu_ms() - before;
}

} // namespace

TEST(PoolDriver, ParkingWorkerPollsAndEventsWakeTasksOnIt)
{
    FakeDriver d;
    struct pool *p = make_pool(2, &d);
    counter_task t;
    counter_task_init(&t, 5, 0);
    pool_spawn(p, &t.task);
    ASSERT_TRUE(eventually([&] { return counter_task_runs(&t) == 1 && d.blocked == 1; }));
    for (int i = 0; i < 5; i++)
        d.post(&t); // dispatched by whichever worker polls
    ASSERT_TRUE(eventually([&] { return task_is_done(&t.task); }));
    EXPECT_EQ(t.consumed, 5);
    EXPECT_GT(d.wakes_on_worker.load(), 0);
    EXPECT_EQ(d.concurrent_polls.load(), 0) << "the driver must be polled by one worker at a time";
    EXPECT_GT(stats_of(p).total.polls, 0u);
    pool_destroy(p);
}

// The worker that polled runs what the poll woke, which may take long (DEBUG
// SLEEP): another worker must take over the driver meanwhile, or no other
// connection would be read until it ends.
TEST(PoolDriver, ALongTaskFromAPollDoesNotStopThePolling)
{
    FakeDriver d;
    struct pool *p = make_pool(2, &d);
    flag_task slow;
    flag_task_init(&slow);
    counter_task quick;
    counter_task_init(&quick, 1, 0);
    pool_spawn(p, &slow.task);
    pool_spawn(p, &quick.task);
    ASSERT_TRUE(eventually(
        [&] { return slow.runs == 1 && counter_task_runs(&quick) == 1 && d.blocked == 1; }));
    slow.hold = 1;
    d.post(&slow); // the polling worker runs it, and it spins until released
    ASSERT_TRUE(eventually([&] { return slow.running == 1; }));
    d.post(&quick);
    EXPECT_TRUE(eventually([&] { return task_is_done(&quick.task); }))
        << "nobody polled while the poller ran a long task";
    slow.hold = 0;
    ASSERT_TRUE(eventually([&] { return task_is_done(&slow.task); }));
    pool_destroy(p);
}

TEST(PoolDriver, WorkFromOutsideInterruptsABlockedPoll)
{
    // One worker, asleep in poll(-1): only driver.unpark can get it out.
    FakeDriver d;
    struct pool *p = make_pool(1, &d);
    ASSERT_TRUE(eventually([&] { return d.blocked == 1; }));
    fib_counts counts = {};
    fib_parallel(p, 10, &counts);
    EXPECT_EQ(counts.duplicate_starts, 0);
    EXPECT_GT(d.unparks.load(), 0);
    pool_destroy(p);
}

TEST(PoolDriver, BusyWorkersPollWithoutBlocking)
{
    FakeDriver d;
    struct pool *p = make_pool(1, &d);
    fib_counts counts = {};
    fib_parallel(p, 15, &counts); // about 2,000 tasks: dozens of maintenance turns
    EXPECT_GT(d.nonblocking_polls.load(), 0);
    EXPECT_EQ(d.concurrent_polls.load(), 0);
    pool_destroy(p);
}

// Tasks woken by one poll run in the order their events came: the first on
// the polling worker at once, the others oldest first. (A worker's own deque
// is LIFO, which would run a batch newest first and, under a steady stream
// of I/O, keep the first clients of every batch waiting behind later ones.)
TEST(PoolDriver, TasksWokenByOnePollRunInEventOrder)
{
    FakeDriver d;
    struct pool *p = make_pool(1, &d);
    constexpr int n = 8;
    ATOMIC(int) next{0};
    ATOMIC(int) log[n];
    for (auto &slot : log)
        slot = -1;
    std::vector<order_task> tasks(n);
    for (int i = 0; i < n; i++) {
        order_task_init(&tasks[i], i, &next, log);
        pool_spawn(p, &tasks[i].task);
    }
    // Every task ran once and waits for its flag; the worker blocks in poll.
    ASSERT_TRUE(eventually([&] {
        for (auto &t : tasks)
            if (task_state_of(&t.task) != TASK_IDLE)
                return false;
        return d.blocked == 1;
    }));
    {
        std::lock_guard<std::mutex> lock(d.mutex);
        for (auto &t : tasks)
            d.order_events.push_back(&t);
        d.cv.notify_all();
    }
    ASSERT_TRUE(eventually([&] {
        for (auto &slot : log)
            if (slot.load() < 0)
                return false;
        return true;
    }));
    for (int i = 0; i < n; i++)
        EXPECT_EQ(log[i].load(), i) << "position " << i;
    pool_destroy(p);
}

TEST(PoolDriver, ManyEventsFromManyThreads)
{
    FakeDriver d;
    struct pool *p = make_pool(3, &d);
    const long rounds = test_scaled(2000, 200);
    std::vector<counter_task> tasks = std::vector<counter_task>(8);
    for (auto &t : tasks) {
        counter_task_init(&t, rounds * 2, 50);
        pool_spawn(p, &t.task);
    }
    std::vector<std::thread> posters;
    for (int k = 0; k < 2; k++)
        posters.emplace_back([&] {
            for (long r = 0; r < rounds; r++)
                for (auto &t : tasks)
                    d.post(&t);
        });
    for (auto &th : posters)
        th.join();
    ASSERT_TRUE(eventually([&] {
        for (auto &t : tasks)
            if (!task_is_done(&t.task))
                return false;
        return true;
    }));
    for (auto &t : tasks)
        EXPECT_EQ(counter_task_overlaps(&t), 0);
    EXPECT_EQ(d.concurrent_polls.load(), 0);
    pool_destroy(p);
}

TEST(PoolIdle, AnIdlePoolUsesAlmostNoCpu)
{
    struct pool *p = make_pool(2, nullptr);
    double ms = idle_cpu_ms(p);
    EXPECT_LT(ms, 20.0) << "idle workers are spinning";
    pool_destroy(p);
}

TEST(PoolIdle, AnIdlePoolWithADriverUsesAlmostNoCpu)
{
    FakeDriver d;
    struct pool *p = make_pool(2, &d);
    double ms = idle_cpu_ms(p);
    EXPECT_LT(ms, 20.0) << "idle workers are spinning";
    EXPECT_EQ(d.concurrent_polls.load(), 0);
    pool_destroy(p);
}
