// The --queue --verify checker as a pure module: hand-written histories with
// one injected anomaly each, and a simulated FIFO server (no anomaly may be
// reported, whatever the interleaving and timing) with faults injected.
#include "tools/stress/rng.h"
#include "tools/stress/verify_queue.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace
{

constexpr uint64_t NOT_ACKED = QUEUE_NOT_ACKED;

// Producer and consumer logs written by hand, in each connection's order.
class History
{
  public:
    History(size_t producers, size_t consumers) : producers_(producers), consumers_(consumers)
    {
        for (size_t i = 0; i < producers; i++)
            queue_log_init(&producers_[i], (uint32_t)i);
        for (size_t i = 0; i < consumers; i++)
            queue_log_init(&consumers_[i], (uint32_t)i);
    }
    ~History()
    {
        for (auto &l : producers_)
            queue_log_free(&l);
        for (auto &l : consumers_)
            queue_log_free(&l);
    }
    History(const History &) = delete;
    History &operator=(const History &) = delete;

    // A push by `producer` to `queue`; returns its sequence number.
    uint64_t push(uint32_t producer, uint32_t queue, uint64_t send, uint64_t ack)
    {
        queue_log *l = &producers_[producer];
        uint64_t seq = queue_log_push_sent(l, queue, send);
        if (ack != NOT_ACKED)
            queue_log_push_acked(l, seq, ack);
        return seq;
    }
    // A pop by `consumer` from `queue` that returned (producer, seq)'s item.
    void pop(uint32_t consumer, uint32_t queue, uint64_t send, uint64_t recv, uint32_t producer,
             uint64_t seq)
    {
        char buf[QUEUE_ITEM_HEADER_MAX + 32];
        size_t len = queue_item_encode(buf, sizeof(buf), queue, producer, seq, 32);
        pop_raw(consumer, queue, send, recv, std::string(buf, len));
    }
    void pop_raw(uint32_t consumer, uint32_t queue, uint64_t send, uint64_t recv,
                 const std::string &value)
    {
        queue_log_pop(&consumers_[consumer], queue, send, recv, value.data(), value.size());
    }
    queue_log &producer(size_t i)
    {
        return producers_[i];
    }
    queue_log &consumer(size_t i)
    {
        return consumers_[i];
    }
    queue_verify_result check(int expect_rc = 0)
    {
        queue_verify_result r;
        EXPECT_EQ(queue_verify_check(producers_.data(), producers_.size(), consumers_.data(),
                                     consumers_.size(), &r),
                  expect_rc);
        return r;
    }

  private:
    std::vector<queue_log> producers_, consumers_;
};

void expect_clean(const queue_verify_result &r)
{
    EXPECT_EQ(r.items_lost, 0u);
    EXPECT_EQ(r.items_duplicated, 0u);
    EXPECT_EQ(r.items_unknown, 0u);
    EXPECT_EQ(r.out_of_order, 0u);
}

} // namespace

TEST(VerifyQueue, ItemsRoundTrip)
{
    char buf[QUEUE_ITEM_HEADER_MAX + 100];
    size_t len = queue_item_encode(buf, sizeof(buf), 3, 17, 123456789, 100);
    EXPECT_EQ(len, 100u);
    uint32_t queue, producer;
    uint64_t seq;
    ASSERT_EQ(queue_item_decode(buf, len, &queue, &producer, &seq), 0);
    EXPECT_EQ(queue, 3u);
    EXPECT_EQ(producer, 17u);
    EXPECT_EQ(seq, 123456789u);
    // Shorter than its header: the header alone.
    len = queue_item_encode(buf, sizeof(buf), 0, 1, 2, 4);
    EXPECT_EQ(std::string(buf, len).find(';'), len - 1);
    EXPECT_LT(queue_item_decode(buf, len - 1, &queue, &producer, &seq), 0); // truncated
    EXPECT_LT(queue_item_decode("hello", 5, &queue, &producer, &seq), 0);
}

TEST(VerifyQueue, CleanHistory)
{
    History h(2, 2);
    uint64_t a1 = h.push(0, 0, 10, 20), a2 = h.push(0, 1, 11, 21), a3 = h.push(0, 0, 12, 22);
    uint64_t b1 = h.push(1, 0, 10, 20);
    h.pop(0, 0, 30, 40, 0, a1);
    h.pop(1, 0, 31, 41, 1, b1);
    h.pop(1, 1, 42, 50, 0, a2);
    h.pop(0, 0, 41, 60, 0, a3);
    queue_verify_result r = h.check();
    expect_clean(r);
    EXPECT_EQ(r.pushes_acked, 4u);
    EXPECT_EQ(r.pops, 4u);
    EXPECT_EQ(r.missing, 0u);
}

TEST(VerifyQueue, AcknowledgedItemNeverPoppedIsLost)
{
    History h(1, 1);
    uint64_t s1 = h.push(0, 0, 10, 20);
    h.push(0, 0, 11, 21);
    h.pop(0, 0, 30, 40, 0, s1);
    queue_verify_result r = h.check();
    EXPECT_EQ(r.items_lost, 1u);
    EXPECT_EQ(r.missing, 1u);
    EXPECT_EQ(r.items_duplicated, 0u);
}

// A push whose reply never came may or may not have happened.
TEST(VerifyQueue, PushInDoubtMayBePoppedOnceOrNot)
{
    History h(1, 1);
    uint64_t s1 = h.push(0, 0, 10, NOT_ACKED);
    h.push(0, 0, 11, NOT_ACKED);
    h.pop(0, 0, 30, 40, 0, s1);
    queue_verify_result r = h.check();
    expect_clean(r);
    EXPECT_EQ(r.pushes_in_doubt, 2u);
    // ... but never twice.
    h.pop(0, 0, 50, 60, 0, s1);
    EXPECT_EQ(h.check().items_duplicated, 1u);
}

// A pop whose reply never came may have taken an item with it.
TEST(VerifyQueue, PopInDoubtExcusesOneMissingItem)
{
    History h(1, 1);
    h.push(0, 0, 10, 20);
    h.push(0, 0, 11, 21);
    queue_log_pops_in_doubt(&h.consumer(0), 1);
    queue_verify_result r = h.check();
    EXPECT_EQ(r.missing, 2u);
    EXPECT_EQ(r.pops_in_doubt, 1u);
    EXPECT_EQ(r.items_lost, 1u);
}

TEST(VerifyQueue, ItemPoppedTwiceIsDuplicated)
{
    History h(1, 2);
    uint64_t s1 = h.push(0, 0, 10, 20);
    h.pop(0, 0, 30, 40, 0, s1);
    h.pop(1, 0, 30, 40, 0, s1);
    h.pop(1, 0, 50, 60, 0, s1);
    queue_verify_result r = h.check();
    EXPECT_EQ(r.items_duplicated, 2u);
    EXPECT_EQ(r.items_lost, 0u);
}

TEST(VerifyQueue, ItemsNeverPushed)
{
    History h(2, 1);
    uint64_t s1 = h.push(0, 0, 10, 20);
    h.pop_raw(0, 0, 30, 40, "garbage");
    h.pop(0, 0, 30, 40, 0, s1 + 1); // a sequence never sent
    h.pop(0, 0, 30, 40, 5, 1);      // a producer that does not exist
    h.pop(0, 1, 30, 40, 0, s1);     // popped from another queue than it names
    char buf[QUEUE_ITEM_HEADER_MAX + 32];
    size_t len = queue_item_encode(buf, sizeof(buf), 1, 0, s1, 32);
    h.pop_raw(0, 1, 30, 40, std::string(buf, len)); // names queue 1; was pushed to 0
    uint64_t late = h.push(1, 0, 100, 110);
    h.pop(0, 0, 30, 40, 1, late); // its reply came before the push was sent
    queue_verify_result r = h.check();
    EXPECT_EQ(r.items_unknown, 6u);
    EXPECT_EQ(r.items_lost, 2u); // s1 and `late` were never validly popped
    EXPECT_EQ(r.pops, 6u);
}

// Rule 1: one consumer's pops of one producer's items on one queue run in
// its request order.
TEST(VerifyQueue, OutOfOrderOnOneConnection)
{
    History h(1, 1);
    uint64_t s1 = h.push(0, 0, 10, 20), s2 = h.push(0, 0, 11, 21);
    h.pop(0, 0, 30, 50, 0, s2); // pipelined: both in flight at once
    h.pop(0, 0, 31, 51, 0, s1);
    EXPECT_EQ(h.check().out_of_order, 1u);
}

// Different queues, or different producers, are not ordered with each other.
TEST(VerifyQueue, OrderIsPerProducerAndQueue)
{
    History h(2, 1);
    uint64_t a1 = h.push(0, 0, 10, 20), a2 = h.push(0, 1, 11, 21);
    uint64_t b1 = h.push(1, 0, 5, 6), b2 = h.push(1, 0, 7, 8);
    h.pop(0, 1, 30, 40, 0, a2);
    h.pop(0, 0, 41, 50, 0, a1);
    h.pop(0, 0, 51, 60, 1, b1);
    h.pop(0, 0, 61, 70, 1, b2);
    expect_clean(h.check());
}

// Rule 2: a pop whose reply arrived before another pop was sent ran first,
// whichever connections they came from; overlapping pops are not compared.
TEST(VerifyQueue, OutOfOrderAcrossConnectionsOnlyWhenProvable)
{
    History h(1, 2);
    uint64_t s1 = h.push(0, 0, 10, 20), s2 = h.push(0, 0, 11, 21);
    h.pop(0, 0, 30, 40, 0, s2);
    h.pop(1, 0, 35, 45, 0, s1); // overlaps: either may have run first
    expect_clean(h.check());

    History late(1, 2);
    s1 = late.push(0, 0, 10, 20), s2 = late.push(0, 0, 11, 21);
    late.pop(0, 0, 30, 40, 0, s2);
    late.pop(1, 0, 41, 50, 0, s1); // sent after s2's pop returned
    EXPECT_EQ(late.check().out_of_order, 1u);
}

TEST(VerifyQueue, IncompleteOrMisnumberedLogsAreRefused)
{
    History h(1, 1);
    h.producer(0).oom = true;
    h.check(-EINVAL);
    History g(1, 1);
    g.consumer(0).id = 3;
    g.check(-EINVAL);
}

namespace
{

// A FIFO list server, simulated: every push and pop runs at one instant of a
// global clock; the client's send and receive times bracket that instant by
// a random margin, and pops may be pipelined (a consumer's requests run in
// its order). Faults change what the server does.
enum class Fault { none, drop, duplicate, swap };

struct SimulatedRun {
    queue_verify_result result;
    int rc;
};

SimulatedRun simulate(uint64_t seed, Fault fault)
{
    const uint32_t producers = 3, consumers = 3, queues = 2;
    History h(producers, consumers);
    std::vector<std::deque<std::string>> lists(queues);
    rng r;
    rng_seed(&r, seed);
    uint64_t now = 1000;
    // Not scaled down under sanitizers: the results are deterministic per
    // seed, and the fault tests below count on them.
    const long steps = 20000;
    bool faulted = false;
    auto margin = [&]() { return 1 + rng_below(&r, 40); };
    for (long i = 0; i < steps; i++) {
        now += 1 + rng_below(&r, 5);
        if (rng_below(&r, 2) == 0) {
            uint32_t p = (uint32_t)rng_below(&r, producers), q = (uint32_t)rng_below(&r, queues);
            uint64_t seq = h.push(p, q, now - margin(), now + margin());
            char buf[QUEUE_ITEM_HEADER_MAX];
            size_t len = queue_item_encode(buf, sizeof(buf), q, p, seq, 0);
            lists[q].emplace_front(buf, len);
            continue;
        }
        uint32_t c = (uint32_t)rng_below(&r, consumers), q = (uint32_t)rng_below(&r, queues);
        if (lists[q].empty())
            continue; /* nil: not logged */
        std::string item = lists[q].back();
        lists[q].pop_back();
        if (!faulted && i > steps / 2) {
            faulted = fault != Fault::none;
            if (fault == Fault::drop) /* the server loses it */
                continue;
            if (fault == Fault::duplicate) /* ... or hands it out twice */
                lists[q].push_back(item);
            if (fault == Fault::swap) { /* ... or pops the same producer's next one first */
                uint32_t producer, unused_queue;
                uint64_t unused_seq, next_seq;
                queue_item_decode(item.data(), item.size(), &unused_queue, &producer, &unused_seq);
                for (auto it = lists[q].rbegin(); it != lists[q].rend(); ++it) {
                    uint32_t p2;
                    queue_item_decode(it->data(), it->size(), &unused_queue, &p2, &next_seq);
                    if (p2 == producer) {
                        std::swap(item, *it);
                        break;
                    }
                }
            }
        }
        h.pop_raw(c, q, now - margin(), now + margin(), item);
    }
    for (uint32_t q = 0; q < queues; q++) /* the final drain */
        for (; !lists[q].empty(); lists[q].pop_back()) {
            now += 2;
            h.pop_raw(0, q, now - 1, now + 1, lists[q].back());
        }
    SimulatedRun run{};
    run.rc = queue_verify_check(&h.producer(0), producers, &h.consumer(0), consumers, &run.result);
    return run;
}

} // namespace

TEST(VerifyQueue, SimulatedFifoServerIsNeverReported)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        SimulatedRun run = simulate(seed, Fault::none);
        ASSERT_EQ(run.rc, 0);
        expect_clean(run.result);
        EXPECT_GT(run.result.pops, 1000u);
        EXPECT_EQ(run.result.missing, 0u);
    }
}

TEST(VerifyQueue, SimulatedFaultsAreCaught)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        EXPECT_EQ(simulate(seed, Fault::drop).result.items_lost, 1u) << seed;
        EXPECT_EQ(simulate(seed, Fault::duplicate).result.items_duplicated, 1u) << seed;
    }
    // Two items of one producer handed out of turn are caught when their pops
    // are ordered (rule 1 or 2); they may overlap, so not on every seed.
    int caught = 0;
    for (uint64_t seed = 1; seed <= 20; seed++)
        caught += simulate(seed, Fault::swap).result.out_of_order > 0;
    EXPECT_GE(caught, 10);
}
