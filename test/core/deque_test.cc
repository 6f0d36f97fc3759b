// The Chase-Lev deque: sequential semantics, then one owner against three
// thieves over millions of items, each item taken exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <thread>
#include <vector>

extern "C" {
#include "core/deque.h"
#include "test/common/test_env.h"
}

namespace
{

void *item(uintptr_t i)
{
    return reinterpret_cast<void *>(i + 1); // items are non-NULL
}

uintptr_t index_of(void *p)
{
    return reinterpret_cast<uintptr_t>(p) - 1;
}

struct Deque {
    deque d;
    explicit Deque(size_t capacity)
    {
        EXPECT_EQ(deque_init(&d, capacity), 0);
    }
    ~Deque()
    {
        deque_destroy(&d);
    }
};

} // namespace

TEST(Deque, RejectsCapacitiesThatAreNotPowersOfTwo)
{
    deque d;
    EXPECT_EQ(deque_init(&d, 0), -EINVAL);
    EXPECT_EQ(deque_init(&d, 1), -EINVAL);
    EXPECT_EQ(deque_init(&d, 12), -EINVAL);
}

TEST(Deque, EmptyPopAndStealReturnNull)
{
    Deque q(8);
    EXPECT_EQ(deque_pop(&q.d), nullptr);
    EXPECT_EQ(deque_steal(&q.d), nullptr);
    EXPECT_EQ(deque_len(&q.d), 0u);
    void *out[4];
    EXPECT_EQ(deque_steal_half(&q.d, out, 4), 0u);
}

TEST(Deque, OwnerPopsLifo)
{
    Deque q(8);
    for (uintptr_t i = 0; i < 5; i++)
        ASSERT_TRUE(deque_push(&q.d, item(i)));
    EXPECT_EQ(deque_len(&q.d), 5u);
    for (uintptr_t i = 5; i-- > 0;)
        EXPECT_EQ(deque_pop(&q.d), item(i));
    EXPECT_EQ(deque_pop(&q.d), nullptr);
}

TEST(Deque, ThievesStealFifo)
{
    Deque q(8);
    for (uintptr_t i = 0; i < 5; i++)
        ASSERT_TRUE(deque_push(&q.d, item(i)));
    for (uintptr_t i = 0; i < 5; i++)
        EXPECT_EQ(deque_steal(&q.d), item(i));
    EXPECT_EQ(deque_steal(&q.d), nullptr);
}

TEST(Deque, PopAndStealMeetInTheMiddle)
{
    Deque q(8);
    for (uintptr_t i = 0; i < 4; i++)
        deque_push(&q.d, item(i));
    EXPECT_EQ(deque_steal(&q.d), item(0));
    EXPECT_EQ(deque_pop(&q.d), item(3));
    EXPECT_EQ(deque_steal(&q.d), item(1));
    EXPECT_EQ(deque_pop(&q.d), item(2)); // the last item, taken by CAS
    EXPECT_EQ(deque_pop(&q.d), nullptr);
    EXPECT_EQ(deque_steal(&q.d), nullptr);
}

TEST(Deque, FullPushFailsAndWrapsAroundAfterwards)
{
    Deque q(4);
    EXPECT_EQ(deque_capacity(&q.d), 4u);
    for (uintptr_t i = 0; i < 4; i++)
        ASSERT_TRUE(deque_push(&q.d, item(i)));
    EXPECT_FALSE(deque_push(&q.d, item(99)));
    EXPECT_EQ(deque_steal(&q.d), item(0));
    ASSERT_TRUE(deque_push(&q.d, item(4))); // reuses slot 0
    EXPECT_FALSE(deque_push(&q.d, item(99)));
    for (uintptr_t i = 1; i <= 4; i++)
        EXPECT_EQ(deque_steal(&q.d), item(i));
    // Many laps around the ring.
    for (uintptr_t i = 0; i < 1000; i++) {
        ASSERT_TRUE(deque_push(&q.d, item(i)));
        ASSERT_TRUE(deque_push(&q.d, item(i + 1)));
        EXPECT_EQ(deque_steal(&q.d), item(i));
        EXPECT_EQ(deque_pop(&q.d), item(i + 1));
    }
    EXPECT_EQ(deque_len(&q.d), 0u);
}

TEST(Deque, StealHalfTakesTheOldestHalfRoundedUp)
{
    Deque q(16);
    for (uintptr_t i = 0; i < 7; i++)
        deque_push(&q.d, item(i));
    void *out[16];
    ASSERT_EQ(deque_steal_half(&q.d, out, 16), 4u);
    for (uintptr_t i = 0; i < 4; i++)
        EXPECT_EQ(out[i], item(i));
    EXPECT_EQ(deque_len(&q.d), 3u);
    ASSERT_EQ(deque_steal_half(&q.d, out, 1), 1u); // capped by max
    EXPECT_EQ(out[0], item(4));
    ASSERT_EQ(deque_steal_half(&q.d, out, 16), 1u);
    EXPECT_EQ(out[0], item(5));
    ASSERT_EQ(deque_steal_half(&q.d, out, 16), 1u); // half of one, rounded up
    EXPECT_EQ(out[0], item(6));
    EXPECT_EQ(deque_steal_half(&q.d, out, 16), 0u);
}

// One owner pushes and pops, three thieves steal (single and half); every
// item must be taken by exactly one of them.
TEST(Deque, OwnerAndThreeThievesTakeEveryItemExactlyOnce)
{
    const uintptr_t total = static_cast<uintptr_t>(test_scaled(4000000, 200000));
    Deque q(256);
    std::vector<std::atomic<uint8_t>> taken(total);
    for (auto &t : taken)
        t.store(0, std::memory_order_relaxed);
    std::atomic<bool> done{false};
    std::atomic<long> duplicates{0}, by_thieves{0};

    auto take = [&](void *p) {
        if (taken[index_of(p)].fetch_add(1, std::memory_order_relaxed) != 0)
            duplicates++;
    };
    std::vector<std::thread> thieves;
    for (int k = 0; k < 3; k++)
        thieves.emplace_back([&, k] {
            void *batch[32];
            long mine = 0;
            while (!done.load(std::memory_order_acquire) || deque_len(&q.d) > 0) {
                if (k == 0) {
                    size_t n = deque_steal_half(&q.d, batch, 32);
                    for (size_t i = 0; i < n; i++)
                        take(batch[i]);
                    mine += static_cast<long>(n);
                } else if (void *p = deque_steal(&q.d)) {
                    take(p);
                    mine++;
                }
            }
            by_thieves += mine;
        });

    // The owner: bursts of pushes, with pops mixed in so it fights the
    // thieves for the last items.
    uintptr_t next = 0;
    unsigned rng = 12345;
    while (next < total) {
        rng = rng * 1103515245u + 12345u;
        unsigned burst = 1 + (rng >> 16) % 64;
        for (unsigned i = 0; i < burst && next < total; i++) {
            if (deque_push(&q.d, item(next)))
                next++;
        }
        unsigned pops = (rng >> 8) % 48;
        for (unsigned i = 0; i < pops; i++) {
            if (void *p = deque_pop(&q.d))
                take(p);
        }
    }
    while (void *p = deque_pop(&q.d))
        take(p);
    done.store(true, std::memory_order_release);
    for (auto &t : thieves)
        t.join();

    EXPECT_EQ(duplicates.load(), 0);
    uintptr_t missing = 0;
    for (auto &t : taken)
        missing += t.load(std::memory_order_relaxed) == 0;
    EXPECT_EQ(missing, 0u);
    EXPECT_GT(by_thieves.load(), 0);
}
