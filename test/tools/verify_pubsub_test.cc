// The --pubsub --verify checker as a pure module: hand-written histories with
// one injected anomaly each, and a simulated broker (each subscriber gets each
// publisher's messages in order, publishers interleaved at random) that must
// never be reported, then the same with faults injected.
#include "tools/stress/pubsub.h"
#include "tools/stress/rng.h"
#include "tools/stress/verify_pubsub.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace
{

constexpr uint32_t CHANNELS = 4;

class History
{
  public:
    History(size_t publishers, size_t subscribers) : pubs_(publishers), subs_(subscribers)
    {
        for (size_t i = 0; i < publishers; i++)
            pubsub_pub_log_init(&pubs_[i], (uint32_t)i, (long long)subscribers);
        for (size_t i = 0; i < subscribers; i++)
            EXPECT_EQ(pubsub_sub_log_init(&subs_[i], (uint32_t)i, (uint32_t)publishers, CHANNELS),
                      0);
    }
    ~History()
    {
        for (auto &l : pubs_)
            pubsub_pub_log_free(&l);
        for (auto &l : subs_)
            pubsub_sub_log_free(&l);
    }
    History(const History &) = delete;
    History &operator=(const History &) = delete;

    // `count` PUBLISHes by `publisher`, all answered with `receivers` (the
    // subscriber count by default); returns the last sequence number.
    uint64_t publish(uint32_t publisher, int count = 1, long long receivers = -1)
    {
        uint64_t seq = 0;
        for (int i = 0; i < count; i++) {
            seq = pubsub_pub_log_sent(&pubs_[publisher]);
            pubsub_pub_log_acked(&pubs_[publisher], seq,
                                 receivers < 0 ? (long long)subs_.size() : receivers);
        }
        return seq;
    }
    // A PUBLISH whose reply never came.
    uint64_t publish_unanswered(uint32_t publisher)
    {
        return pubsub_pub_log_sent(&pubs_[publisher]);
    }
    // Subscriber `sub` receives (publisher, seq) on its channel.
    void receive(uint32_t sub, uint32_t publisher, uint64_t seq)
    {
        receive_on(sub, pubsub_channel_of(CHANNELS, publisher, seq), publisher, seq);
    }
    void receive_on(uint32_t sub, uint32_t channel, uint32_t publisher, uint64_t seq)
    {
        char buf[PUBSUB_MESSAGE_HEADER_MAX + 32];
        pubsub_message m = {publisher, seq, pubsub_channel_of(CHANNELS, publisher, seq), 1000};
        size_t len = pubsub_message_encode(buf, sizeof(buf), &m, 32);
        pubsub_sub_log_message(&subs_[sub], channel, buf, len);
    }
    void receive_raw(uint32_t sub, uint32_t channel, const std::string &payload)
    {
        pubsub_sub_log_message(&subs_[sub], channel, payload.data(), payload.size());
    }
    // Every subscriber receives every message of every publisher, in order.
    void deliver_all()
    {
        for (uint32_t s = 0; s < subs_.size(); s++)
            for (uint32_t p = 0; p < pubs_.size(); p++)
                for (uint64_t seq = 1; seq <= pubs_[p].count; seq++)
                    receive(s, p, seq);
    }
    pubsub_pub_log &pub(size_t i)
    {
        return pubs_[i];
    }
    pubsub_sub_log &sub(size_t i)
    {
        return subs_[i];
    }
    pubsub_verify_result check(int expect_rc = 0)
    {
        pubsub_verify_result r;
        EXPECT_EQ(pubsub_verify_check(pubs_.data(), pubs_.size(), subs_.data(), subs_.size(), &r),
                  expect_rc);
        return r;
    }

  private:
    std::vector<pubsub_pub_log> pubs_;
    std::vector<pubsub_sub_log> subs_;
};

void expect_clean(const pubsub_verify_result &r)
{
    EXPECT_EQ(r.messages_lost, 0u);
    EXPECT_EQ(r.duplicated, 0u);
    EXPECT_EQ(r.reordered, 0u);
    EXPECT_EQ(r.never_published, 0u);
    EXPECT_EQ(r.receiver_mismatches, 0u);
    EXPECT_EQ(r.protocol_errors, 0u);
}

} // namespace

TEST(VerifyPubsub, EveryMessageOnceInOrderIsClean)
{
    History h(2, 3);
    h.publish(0, 10);
    h.publish(1, 7);
    h.deliver_all();
    pubsub_verify_result r = h.check();
    expect_clean(r);
    EXPECT_EQ(r.publishes_acked, 17u);
    EXPECT_EQ(r.received, 51u);
    EXPECT_EQ(r.expected, 51u);
    EXPECT_EQ(h.sub(0).distinct, 17u);
}

// Publishers interleave freely: only each publisher's own order counts.
TEST(VerifyPubsub, PublishersInterleaveFreely)
{
    History h(2, 1);
    h.publish(0, 3);
    h.publish(1, 3);
    for (auto [p, seq] :
         std::vector<std::pair<uint32_t, uint64_t>>{{1, 1}, {0, 1}, {1, 2}, {1, 3}, {0, 2}, {0, 3}})
        h.receive(0, p, seq);
    expect_clean(h.check());
}

TEST(VerifyPubsub, LostMessages)
{
    History h(1, 2);
    h.publish(0, 5);
    for (uint64_t seq : {1, 2, 4, 5})
        h.receive(0, 0, seq);
    for (uint64_t seq : {1, 2, 3})
        h.receive(1, 0, seq); // the tail never came
    pubsub_verify_result r = h.check();
    EXPECT_EQ(r.messages_lost, 3u); // 3 to subscriber 0; 4 and 5 to subscriber 1
    EXPECT_EQ(r.reordered, 0u);     // a gap is a loss, not a reordering
    EXPECT_EQ(r.duplicated, 0u);
}

// A PUBLISH whose reply never came may or may not have been delivered.
TEST(VerifyPubsub, UnansweredPublishesMayGoEitherWay)
{
    History h(1, 2);
    h.publish(0, 2);
    h.publish_unanswered(0); // seq 3
    for (uint64_t seq : {1, 2, 3})
        h.receive(0, 0, seq);
    for (uint64_t seq : {1, 2})
        h.receive(1, 0, seq);
    pubsub_verify_result r = h.check();
    expect_clean(r);
    EXPECT_EQ(r.publishes_acked, 2u);
    EXPECT_EQ(r.publishes_in_doubt, 1u);
}

TEST(VerifyPubsub, Duplicates)
{
    History h(1, 1);
    h.publish(0, 3);
    for (uint64_t seq : {1, 2, 2, 3, 1})
        h.receive(0, 0, seq);
    pubsub_verify_result r = h.check();
    EXPECT_EQ(r.duplicated, 2u);
    EXPECT_EQ(r.reordered, 0u); // a second copy is a duplicate, whenever it comes
    EXPECT_EQ(r.messages_lost, 0u);
}

TEST(VerifyPubsub, Reordered)
{
    History h(2, 1);
    h.publish(0, 4);
    h.publish(1, 1);
    for (uint64_t seq : {1, 3, 2, 4})
        h.receive(0, 0, seq);
    h.receive(0, 1, 1);
    pubsub_verify_result r = h.check();
    EXPECT_EQ(r.reordered, 1u); // 2 after 3
    EXPECT_EQ(r.messages_lost, 0u);
    EXPECT_EQ(r.duplicated, 0u);
}

TEST(VerifyPubsub, NeverPublished)
{
    History h(2, 1);
    h.publish(0, 2);
    h.receive(0, 0, 1);
    h.receive(0, 0, 2);
    h.receive(0, 0, 3);                           // beyond what publisher 0 sent
    h.receive(0, 1, 1);                           // publisher 1 sent nothing
    h.receive_on(0, 1, 0, 2);                     // on a channel it was not published to
    h.receive_on(0, PUBSUB_NO_CHANNEL, 0, 1);     // on a channel that is not the run's
    h.receive_raw(0, 0, "not a message");         // does not decode
    h.receive_raw(0, 1, "ps:7:1:1:0;");           // a publisher that does not exist
    h.receive_raw(0, 2, "ps:0:1:2:0;");           // names channel 2; seq 1 went to 1
    h.receive_raw(0, 3, "ps:0:99999999999:3:0;"); // far beyond anything received
    pubsub_verify_result r = h.check();
    EXPECT_EQ(r.never_published, 8u);
    EXPECT_EQ(r.messages_lost, 0u);
    EXPECT_EQ(r.received, 10u);
}

TEST(VerifyPubsub, ReceiverCounts)
{
    History h(1, 3);
    h.publish(0, 2);
    h.publish(0, 1, 2); // one subscriber short
    h.publish(0, 1, 4); // one too many
    h.deliver_all();
    pubsub_verify_result r = h.check();
    EXPECT_EQ(r.receiver_mismatches, 2u);
    EXPECT_EQ(r.first_bad_receivers, 2);
    EXPECT_EQ(r.messages_lost, 0u);
}

TEST(VerifyPubsub, BrokenLogsAreRefused)
{
    {
        History h(1, 1);
        h.pub(0).oom = true;
        h.check(-EINVAL);
    }
    {
        History h(1, 2);
        h.sub(1).id = 0; // misnumbered
        h.check(-EINVAL);
    }
    {
        History h(2, 1);
        h.sub(0).publishers = 1; // made for another run
        h.check(-EINVAL);
    }
}

// A broker that delivers every message to every subscriber in each
// publisher's order, interleaving publishers and subscribers at random, with
// some PUBLISHes unanswered (delivered or not): never an anomaly. Then one
// fault at a time, each found exactly.
TEST(VerifyPubsub, SimulatedBroker)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        rng rnd;
        rng_seed(&rnd, seed);
        const uint32_t publishers = 1 + (uint32_t)rng_below(&rnd, 4);
        const uint32_t subscribers = 1 + (uint32_t)rng_below(&rnd, 4);
        History h(publishers, subscribers);
        // Each subscriber's queue of (publisher, seq) still to deliver.
        std::vector<std::vector<std::deque<uint64_t>>> pending(
            subscribers, std::vector<std::deque<uint64_t>>(publishers));
        for (int step = 0; step < 2000; step++) {
            uint32_t p = (uint32_t)rng_below(&rnd, publishers);
            bool answered = rng_below(&rnd, 50) != 0;
            uint64_t seq = answered ? h.publish(p) : h.publish_unanswered(p);
            for (uint32_t s = 0; s < subscribers; s++)
                if (answered || rng_below(&rnd, 2))
                    pending[s][p].push_back(seq);
            // Deliver a random amount of what is pending, publishers mixed.
            for (uint32_t s = 0; s < subscribers; s++)
                for (uint64_t n = rng_below(&rnd, 3); n > 0; n--) {
                    uint32_t from = (uint32_t)rng_below(&rnd, publishers);
                    if (!pending[s][from].empty()) {
                        h.receive(s, from, pending[s][from].front());
                        pending[s][from].pop_front();
                    }
                }
        }
        for (uint32_t s = 0; s < subscribers; s++)
            for (uint32_t p = 0; p < publishers; p++)
                for (uint64_t seq : pending[s][p])
                    h.receive(s, p, seq);
        pubsub_verify_result r = h.check();
        expect_clean(r);
        EXPECT_GE(r.received, r.expected) << "seed " << seed;

        // Faults, after the fact: each adds exactly its own anomaly.
        uint64_t next = h.publish(0);
        for (uint32_t s = 0; s < subscribers; s++)
            h.receive(s, 0, next);
        h.receive(0, 0, next); // twice
        EXPECT_EQ(h.check().duplicated, 1u) << "seed " << seed;
        next = h.publish(0, 2); // two more, the first delivered late to subscriber 0
        h.receive(0, 0, next);
        h.receive(0, 0, next - 1);
        for (uint32_t s = 1; s < subscribers; s++) {
            h.receive(s, 0, next - 1);
            h.receive(s, 0, next);
        }
        r = h.check();
        EXPECT_EQ(r.reordered, 1u) << "seed " << seed;
        EXPECT_EQ(r.messages_lost, 0u) << "seed " << seed;
        h.publish(0); // delivered to nobody
        EXPECT_EQ(h.check().messages_lost, subscribers) << "seed " << seed;
    }
}
