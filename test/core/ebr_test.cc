// Epoch-based reclamation: retired memory is freed only after every read
// section that could see it has closed (ASan turns a violation into a
// use-after-free report), and always eventually (LSan, and counters).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "test/common/test_env.h"

extern "C" {
#include "core/ebr.h"
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

// A writer that fills its limbo while a reader is inside waits for it
// (instead of freeing early or losing items).
TEST(Ebr, FullLimboWaitsForReaders)
{
    std::atomic<bool> inside{false}, release{false};
    std::atomic<long> retired{0};
    std::thread reader([&] {
        ebr_enter();
        inside.store(true);
        while (!release.load())
            std::this_thread::yield();
        ebr_exit();
    });
    while (!inside.load())
        std::this_thread::yield();
    long before = freed.load();
    std::thread writer([&] {
        for (int i = 0; i < 2000; i++) {
            ebr_retire(malloc(16), count_free);
            retired.fetch_add(1);
        }
        ebr_drain();
    });
    // The writer stops somewhere (its limbo is bounded) until we leave.
    long seen = -1;
    while (retired.load() != seen) {
        seen = retired.load();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_LT(seen, 2000);
    EXPECT_EQ(freed.load(), before);
    release.store(true);
    writer.join();
    reader.join();
    EXPECT_EQ(freed.load() - before, 2000);
}

// Readers keep dereferencing whatever node is published while writers replace
// it and retire the old one at full speed.
TEST(Ebr, ReadersNeverSeeFreedMemory)
{
    const long rounds = test_scaled(200000, 20000);
    std::atomic<node *> shared{node_new(0)};
    std::atomic<bool> stop{false};
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
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; w++) {
        writers.emplace_back([&, w] {
            for (long i = 0; i < rounds; i++) {
                node *old = shared.exchange(node_new((uint64_t)i * 2 + (uint64_t)w),
                                            std::memory_order_acq_rel);
                ebr_retire(old, node_free);
            }
            ebr_drain();
        });
    }
    for (auto &t : writers)
        t.join();
    stop.store(true);
    for (auto &t : readers)
        t.join();
    node_free(shared.load());
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(freed.load() - before, 2 * rounds + 1);
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
