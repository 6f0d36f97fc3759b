// Epoch-based reclamation: retired memory is freed only after every read
// section that could see it has closed (ASan turns a violation into a
// use-after-free report), and always eventually (LSan, and counters).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "test/common/eventually.h"
#include "test/common/test_env.h"

extern "C" {
#include "core/alloc.h"
#include "core/ebr.h"
#include "core/lock.h"
#include "core/pool.h"
#include "core/task.h"
}

namespace
{

std::atomic<long> freed{0};

void count_free(void *p)
{
    freed.fetch_add(1, std::memory_order_relaxed);
    free(p);
}

// A node readers dereference: its magic is poisoned before it is freed, so a
// reader that sees a freed node fails even without ASan.
constexpr uint64_t MAGIC = 0x6d61677069650001ULL;
struct node {
    std::atomic<uint64_t> magic;
    uint64_t payload[7];
};

node *node_new(uint64_t v)
{
    node *n = static_cast<node *>(malloc(sizeof(node)));
    new (&n->magic) std::atomic<uint64_t>(MAGIC);
    for (auto &p : n->payload)
        p = v;
    return n;
}

void node_free(void *p)
{
    node *n = static_cast<node *>(p);
    n->magic.store(0xdeadbeef, std::memory_order_relaxed);
    freed.fetch_add(1, std::memory_order_relaxed);
    free(n);
}

// A reader that enters a read section and stops there, as if preempted,
// until released: nothing retired after it entered may be freed meanwhile.
class StoppedReader
{
  public:
    StoppedReader() : thread_([this] { run(); })
    {
        std::unique_lock<std::mutex> g(mutex_);
        cv_.wait(g, [this] { return inside_; });
    }
    ~StoppedReader()
    {
        release();
        thread_.join();
    }
    StoppedReader(const StoppedReader &) = delete;
    StoppedReader &operator=(const StoppedReader &) = delete;

    bool inside()
    {
        std::lock_guard<std::mutex> g(mutex_);
        return inside_;
    }
    // Lets it leave its section, and waits until it has.
    void release()
    {
        std::unique_lock<std::mutex> g(mutex_);
        released_ = true;
        cv_.notify_all();
        cv_.wait(g, [this] { return !inside_; });
    }

  private:
    void run()
    {
        ebr_enter();
        std::unique_lock<std::mutex> g(mutex_);
        inside_ = true;
        cv_.notify_all();
        cv_.wait(g, [this] { return released_; });
        ebr_exit();
        inside_ = false;
        cv_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    bool inside_ = false, released_ = false;
    std::thread thread_;
};

// A one-shot flag a thread can wait on.
class Signal
{
  public:
    void set()
    {
        std::lock_guard<std::mutex> g(mutex_);
        set_ = true;
        cv_.notify_all();
    }
    void wait()
    {
        std::unique_lock<std::mutex> g(mutex_);
        cv_.wait(g, [this] { return set_; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool set_ = false;
};

} // namespace

TEST(Ebr, DrainFreesEverythingRetired)
{
    long before = freed.load();
    for (int i = 0; i < 1000; i++)
        ebr_retire(malloc(16), count_free);
    ebr_drain();
    EXPECT_EQ(freed.load() - before, 1000);
    EXPECT_EQ(ebr_pending(), 0u);
}

TEST(Ebr, SectionsNest)
{
    EXPECT_FALSE(ebr_in_section());
    ebr_enter();
    ebr_enter();
    EXPECT_TRUE(ebr_in_section());
    ebr_exit();
    EXPECT_TRUE(ebr_in_section());
    ebr_exit();
    EXPECT_FALSE(ebr_in_section());
}

// With no reader inside a section, a flush frees everything queued at once.
TEST(Ebr, FlushWithoutReadersFreesAtOnce)
{
    long before = freed.load();
    for (int i = 0; i < 3; i++)
        ebr_retire(malloc(16), count_free);
    ebr_flush();
    EXPECT_EQ(ebr_pending(), 0u);
    EXPECT_EQ(freed.load() - before, 3);
}

// Nothing retired after a reader entered is freed while it stays inside,
// however often the writer tries; all of it is freed once it leaves.
TEST(Ebr, OpenSectionHoldsBackFrees)
{
    std::atomic<int> phase{0};
    std::thread reader([&] {
        ebr_enter();
        phase.store(1);
        while (phase.load() != 2)
            std::this_thread::yield();
        ebr_exit();
        phase.store(3);
    });
    while (phase.load() != 1)
        std::this_thread::yield();
    ASSERT_EQ(ebr_pending(), 0u); // the tests before drained theirs
    long before = freed.load();
    for (int i = 0; i < 100; i++) {
        ebr_retire(malloc(16), count_free);
        ebr_flush();
    }
    EXPECT_EQ(freed.load(), before);
    EXPECT_EQ(ebr_pending(), 100u);
    phase.store(2);
    while (phase.load() != 3)
        std::this_thread::yield();
    ebr_drain();
    EXPECT_EQ(freed.load() - before, 100);
    reader.join();
}

// Retiring never waits for readers: it runs under shard locks, and a reader
// preempted inside its section must not stall the writers. With a reader
// stopped inside, a thread holding a lock retires 20 limbos' worth; full
// limbos go to the global list, nothing is freed early, and everything is
// freed once the reader has left.
TEST(Ebr, RetireUnderALockNeverWaitsForAStoppedReader)
{
    const long n = 20L * EBR_LIMBO_CAPACITY;
    ASSERT_EQ(ebr_pending(), 0u);
    long before = freed.load();
    auto reader = std::make_unique<StoppedReader>();
    std::promise<void> retired;
    Signal reader_left;
    std::thread writer([&] {
        struct lock l;
        lock_init(&l, LOCK_CLASS_SHARD, 0);
        lock_acquire(&l);
        for (long i = 0; i < n; i++)
            ebr_retire(malloc(16), count_free);
        lock_release(&l);
        lock_destroy(&l);
        retired.set_value();
        reader_left.wait();
        ebr_drain(); // its own limbo, and the batches it handed over
    });
    // The watchdog: a writer that waits for the reader fails the test
    // instead of hanging it (the reader is released all the same below).
    bool finished =
        retired.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    EXPECT_TRUE(finished) << "ebr_retire waited for a reader";
    EXPECT_TRUE(reader->inside());
    if (finished) {
        EXPECT_EQ(freed.load(), before);
        EXPECT_GE(ebr_orphaned(), (size_t)(n - EBR_LIMBO_CAPACITY));
    }
    reader.reset(); // leaves its section
    reader_left.set();
    writer.join();
    EXPECT_EQ(freed.load() - before, n);
    EXPECT_EQ(ebr_orphaned(), 0u);
}

// Only when the batch for the global list cannot be allocated does a full
// limbo wait for the readers (instead of freeing early or losing items).
TEST(Ebr, FullLimboWaitsForReadersOnlyWhenOutOfMemory)
{
    std::atomic<long> retired{0};
    auto reader = std::make_unique<StoppedReader>();
    long before = freed.load();
    mem_fail_after(0);
    std::thread writer([&] {
        for (int i = 0; i < 2 * EBR_LIMBO_CAPACITY; i++) {
            ebr_retire(malloc(16), count_free);
            retired.fetch_add(1);
        }
    });
    // The writer stops somewhere (its limbo is bounded) until the reader leaves.
    EXPECT_TRUE(eventually([&] { return retired.load() >= EBR_LIMBO_CAPACITY; }));
    long seen = -1;
    while (retired.load() != seen) {
        seen = retired.load();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_LT(seen, 2 * EBR_LIMBO_CAPACITY);
    EXPECT_EQ(freed.load(), before);
    reader.reset();
    writer.join(); // its exit drains it
    mem_fail_reset();
    EXPECT_EQ(freed.load() - before, 2 * EBR_LIMBO_CAPACITY);
    EXPECT_EQ(ebr_orphaned(), 0u);
}

// A big item is not left waiting for more retires: past EBR_FLUSH_BYTES the
// thread flushes, which frees at once when no reader is inside.
TEST(Ebr, BigRetireFreesAtOnce)
{
    ASSERT_EQ(ebr_pending(), 0u);
    long before = freed.load();
    ebr_retire_sized(malloc(16), count_free, 64);
    EXPECT_EQ(ebr_pending(), 1u); // small: waits for the next flush
    ebr_retire_sized(malloc(16), count_free, EBR_FLUSH_BYTES);
    EXPECT_EQ(ebr_pending(), 0u);
    EXPECT_EQ(freed.load() - before, 2);
}

// A thread that goes idle hands what it holds to the global list, and
// another thread's ebr_collect frees it once the readers allow, while the
// idle thread retires nothing more.
TEST(Ebr, IdleThreadsItemsAreFreedByAnotherThreadsCollect)
{
    long before = freed.load();
    auto reader = std::make_unique<StoppedReader>();
    Signal quiesced, wake;
    std::atomic<size_t> pending_after{99};
    std::thread idle([&] {
        ebr_retire_sized(malloc(16), count_free, 512u << 20); // "a 512 MB value"
        for (int i = 0; i < 10; i++)
            ebr_retire(malloc(16), count_free);
        ebr_quiesce(); // about to park
        pending_after = ebr_pending();
        quiesced.set();
        wake.wait(); // idle: retires nothing more
    });
    quiesced.wait();
    EXPECT_EQ(pending_after.load(), 0u);
    EXPECT_EQ(ebr_orphaned(), 11u);
    ebr_collect(); // the reader is still inside: nothing may go
    EXPECT_EQ(freed.load(), before);
    reader.reset();
    ebr_collect();
    EXPECT_EQ(freed.load() - before, 11);
    EXPECT_EQ(ebr_orphaned(), 0u);
    wake.set();
    idle.join();
}

namespace
{
struct retiring_task {
    struct task task;
    int items;
};

enum task_status retire_items(struct task *t)
{
    auto *r = reinterpret_cast<retiring_task *>(t);
    for (int i = 0; i < r->items; i++)
        ebr_retire(malloc(16), count_free);
    return TASK_DONE;
}
} // namespace

// A pool worker about to park hands its items over (core/pool_park.c).
TEST(Ebr, AParkingWorkerHandsItsItemsOver)
{
    long before = freed.load();
    auto reader = std::make_unique<StoppedReader>();
    struct pool_config config = {1, NULL};
    struct pool *p = pool_create(&config);
    ASSERT_NE(p, nullptr);
    retiring_task r;
    r.items = 3;
    task_init(&r.task, retire_items);
    pool_block_on(p, &r.task);
    EXPECT_TRUE(eventually([] { return ebr_orphaned() == 3; }, std::chrono::seconds(60)));
    EXPECT_EQ(freed.load(), before);
    reader.reset();
    ebr_collect();
    EXPECT_EQ(freed.load() - before, 3);
    pool_destroy(p);
}

// Readers keep dereferencing whatever node is published while writers replace
// it and retire the old one at full speed. With `hand_over`, the writers
// also hand their limbo to the global list every few rounds (as a parking
// worker does) and another thread keeps collecting it, so the batches are
// freed by a thread that did not retire them.
void readers_never_see_freed_memory(bool hand_over)
{
    const long rounds = test_scaled(200000, 20000);
    std::atomic<node *> shared{node_new(0)};
    std::atomic<bool> stop{false}, writers_done{false};
    std::atomic<long> bad{0}, reads{0};
    long before = freed.load();
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; r++) {
        readers.emplace_back([&] {
            long n = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                ebr_enter();
                node *p = shared.load(std::memory_order_acquire);
                uint64_t v = p->payload[0];
                bool torn = false;
                for (int k = 1; k < 7; k++)
                    torn |= p->payload[k] != v;
                if (p->magic.load(std::memory_order_relaxed) != MAGIC || torn)
                    bad.fetch_add(1);
                ebr_exit();
                n++;
            }
            reads.fetch_add(n);
        });
    }
    std::thread collector;
    if (hand_over) {
        collector = std::thread([&] {
            while (!writers_done.load())
                ebr_collect();
        });
    }
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; w++) {
        writers.emplace_back([&, w] {
            for (long i = 0; i < rounds; i++) {
                node *old = shared.exchange(node_new((uint64_t)i * 2 + (uint64_t)w),
                                            std::memory_order_acq_rel);
                ebr_retire(old, node_free);
                if (hand_over && i % 50 == 49)
                    ebr_quiesce();
            }
            ebr_drain();
        });
    }
    for (auto &t : writers)
        t.join();
    writers_done.store(true);
    if (collector.joinable())
        collector.join();
    stop.store(true);
    for (auto &t : readers)
        t.join();
    node_free(shared.load());
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(freed.load() - before, 2 * rounds + 1);
    EXPECT_EQ(ebr_orphaned(), 0u);
}

TEST(Ebr, ReadersNeverSeeFreedMemory)
{
    readers_never_see_freed_memory(false);
}

TEST(Ebr, ReadersNeverSeeFreedMemoryFreedByAnotherThread)
{
    readers_never_see_freed_memory(true);
}

// A thread that exits with retired items frees them on the way out.
TEST(Ebr, ExitingThreadFreesItsItems)
{
    long before = freed.load();
    std::thread t([] {
        for (int i = 0; i < 10; i++)
            ebr_retire(malloc(16), count_free);
    });
    t.join();
    EXPECT_EQ(freed.load() - before, 10);
}

// Record numbers are unique among live threads and reused after exit.
TEST(Ebr, ThreadIndexUniqueAndReused)
{
    constexpr int N = 8;
    std::vector<unsigned> idx(N);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < N; i++) {
        threads.emplace_back([&, i] {
            idx[i] = ebr_thread_index();
            ready.fetch_add(1);
            while (!go.load())
                std::this_thread::yield();
        });
    }
    while (ready.load() != N)
        std::this_thread::yield();
    go.store(true);
    for (auto &t : threads)
        t.join();
    std::set<unsigned> distinct(idx.begin(), idx.end());
    EXPECT_EQ(distinct.size(), (size_t)N);
    for (unsigned i : idx)
        EXPECT_LT(i, (unsigned)EBR_MAX_THREADS);
    // Sequential threads after those exited reuse records instead of growing.
    std::set<unsigned> later;
    for (int i = 0; i < 100; i++) {
        std::thread t([&] { later.insert(ebr_thread_index()); });
        t.join();
    }
    EXPECT_LE(later.size(), (size_t)N + 1);
}
