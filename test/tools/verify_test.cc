// The --verify checker as a pure module: hand-written histories with one
// injected anomaly each, and simulated linearizable servers (no anomaly may
// be reported, whatever the pipelining and timing) with faults injected.
#include "tools/stress/rng.h"
#include "tools/stress/verify.h"

#include "test/common/test_env.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace
{

constexpr uint64_t NOT_ACKED = VERIFY_NOT_ACKED;

// A set of client logs written by hand, in each connection's request order.
class History
{
  public:
    explicit History(size_t clients) : logs_(clients)
    {
        for (size_t i = 0; i < clients; i++)
            verify_log_init(&logs_[i], (uint32_t)i);
    }
    ~History()
    {
        for (auto &l : logs_)
            verify_log_free(&l);
    }
    History(const History &) = delete;
    History &operator=(const History &) = delete;

    // A SET by `client`; returns its sequence number.
    uint64_t set(uint32_t client, uint64_t key, uint64_t send, uint64_t ack)
    {
        verify_log *l = &logs_[client];
        uint64_t seq = verify_log_set_sent(l, key, verify_log_next_order(l), send);
        if (ack != NOT_ACKED)
            verify_log_set_acked(l, seq, ack);
        return seq;
    }
    // A GET that returned (writer, seq)'s value.
    void get(uint32_t client, uint64_t key, uint64_t send, uint64_t recv, uint32_t writer,
             uint64_t seq)
    {
        char buf[VERIFY_VALUE_HEADER_MAX + 16];
        size_t len = verify_value_encode(buf, sizeof(buf), key, writer, seq, 24);
        get_raw(client, key, send, recv, std::string(buf, len));
    }
    void get_raw(uint32_t client, uint64_t key, uint64_t send, uint64_t recv,
                 const std::string &value)
    {
        verify_log *l = &logs_[client];
        verify_log_get(l, key, verify_log_next_order(l), send, recv, value.data(), value.size());
    }
    void get_nil(uint32_t client, uint64_t key, uint64_t send, uint64_t recv)
    {
        verify_log *l = &logs_[client];
        verify_log_get(l, key, verify_log_next_order(l), send, recv, nullptr, 0);
    }
    void incr(uint32_t client, uint64_t key, long long result)
    {
        verify_log_next_order(&logs_[client]);
        verify_log_incr(&logs_[client], key, true, result);
    }
    void incr_in_doubt(uint32_t client, uint64_t key)
    {
        verify_log_next_order(&logs_[client]);
        verify_log_incr(&logs_[client], key, false, 0);
    }
    verify_log &log(size_t i)
    {
        return logs_[i];
    }

    verify_result check(uint64_t keys = 4, const std::vector<long long> &finals = {})
    {
        verify_result r;
        EXPECT_EQ(verify_check(logs_.data(), logs_.size(), keys,
                               finals.empty() ? nullptr : finals.data(), &r),
                  0);
        return r;
    }

  private:
    std::vector<verify_log> logs_;
};

} // namespace

TEST(VerifyValue, RoundTripsAndRejectsCorruption)
{
    char buf[256];
    size_t len = verify_value_encode(buf, sizeof(buf), 42, 7, 123456789, 100);
    ASSERT_EQ(len, 100u);
    uint64_t key, seq;
    uint32_t writer;
    ASSERT_EQ(verify_value_decode(buf, len, &key, &writer, &seq), 0);
    EXPECT_EQ(key, 42u);
    EXPECT_EQ(writer, 7u);
    EXPECT_EQ(seq, 123456789u);
    // Shorter than the header: the header alone.
    size_t short_len = verify_value_encode(buf, sizeof(buf), 1, 2, 3, 1);
    EXPECT_EQ(std::string(buf, short_len), "mv:1:2:3;");
    EXPECT_EQ(verify_value_decode(buf, short_len, &key, &writer, &seq), 0);

    len = verify_value_encode(buf, sizeof(buf), 42, 7, 9, 40);
    std::string good(buf, len);
    for (std::string bad : {good.substr(0, len - 1) + "x", good.substr(0, 8), std::string("hello"),
                            std::string("mv:1:2;...."), std::string("mv:a:2:3;"),
                            std::string("mv:1:2:3:"), std::string("")})
        EXPECT_EQ(verify_value_decode(bad.data(), bad.size(), &key, &writer, &seq), -EINVAL) << bad;
}

TEST(VerifyCheck, CleanSequentialHistoryHasNoAnomaly)
{
    History h(3);
    uint64_t a = h.set(0, 1, 10, 20);
    h.get(1, 1, 30, 40, 0, a);
    uint64_t b = h.set(2, 1, 50, 60);
    h.get(1, 1, 70, 80, 2, b);
    h.get_nil(1, 2, 90, 100); // never written
    h.incr(0, 3, 1);
    h.incr(2, 3, 2);
    verify_result r = h.check(4, {0, 0, 0, 2});
    EXPECT_EQ(r.lost_updates, 0u);
    EXPECT_EQ(r.stale_reads, 0u);
    EXPECT_EQ(r.bad_values, 0u);
    EXPECT_EQ(r.reads_checked, 3u);
    EXPECT_EQ(r.writes_acked, 2u);
    EXPECT_EQ(r.increments_acked, 2u);
    EXPECT_EQ(r.counters_checked, 4u);
}

TEST(VerifyCheck, CatchesALostUpdate)
{
    History h(2);
    h.incr(0, 0, 1);
    h.incr(1, 0, 2);
    h.incr(0, 0, 3);
    EXPECT_EQ(h.check(1, {3}).lost_updates, 0u);
    EXPECT_EQ(h.check(1, {2}).lost_updates, 1u); // one increment vanished
    EXPECT_EQ(h.check(1, {0}).lost_updates, 3u); // the counter was reset
    EXPECT_EQ(h.check(1, {5}).lost_updates, 2u); // increments from nowhere
}

TEST(VerifyCheck, CatchesDuplicateIncrementResults)
{
    // Two INCRs both answered 2: they read the same old value, one update
    // was lost, even though a later write made the final count look right.
    History h(2);
    h.incr(0, 0, 1);
    h.incr(0, 0, 2);
    h.incr(1, 0, 2);
    EXPECT_EQ(h.check(1, {3}).lost_updates, 1u);
}

TEST(VerifyCheck, IncrementsInDoubtMayOrMayNotHaveHappened)
{
    History h(1);
    h.incr(0, 0, 1);
    h.incr(0, 0, 2);
    h.incr_in_doubt(0, 0);
    EXPECT_EQ(h.check(1, {2}).lost_updates, 0u);
    EXPECT_EQ(h.check(1, {3}).lost_updates, 0u);
    EXPECT_EQ(h.check(1, {1}).lost_updates, 1u);
    EXPECT_EQ(h.check(1, {4}).lost_updates, 1u);
    EXPECT_EQ(h.check(1, {3}).increments_in_doubt, 1u);
    // An unreadable final value skips the counter.
    EXPECT_EQ(h.check(1, {VERIFY_COUNTER_UNKNOWN}).counters_checked, 0u);
}

TEST(VerifyCheck, CatchesStaleReadAfterAnotherWritersAcknowledgedWrite)
{
    History h(3);
    uint64_t old_value = h.set(0, 1, 10, 20);
    h.set(1, 1, 30, 40); // sent after old_value was acknowledged: strictly newer
    h.get(2, 1, 50, 60, 0, old_value);
    verify_result r = h.check();
    EXPECT_EQ(r.stale_reads, 1u);
    EXPECT_EQ(r.bad_values, 0u);
}

TEST(VerifyCheck, ConcurrentWritesMayBeReadInEitherOrder)
{
    // Two overlapping SETs: either may have executed last.
    History h(3);
    uint64_t a = h.set(0, 1, 10, 50);
    uint64_t b = h.set(1, 1, 20, 40);
    h.get(2, 1, 60, 70, 0, a);
    h.get(2, 1, 80, 90, 0, a);
    EXPECT_EQ(h.check().stale_reads, 0u);
    History h2(3);
    a = h2.set(0, 1, 10, 50);
    b = h2.set(1, 1, 20, 40);
    h2.get(2, 1, 60, 70, 1, b);
    EXPECT_EQ(h2.check().stale_reads, 0u);
}

TEST(VerifyCheck, CatchesStaleReadOfTheSameWritersOlderValue)
{
    // Pipelined: the second SET was sent before the first was acknowledged,
    // so only the connection's ordering says it is newer.
    History h(2);
    uint64_t first = h.set(0, 1, 10, 30);
    h.set(0, 1, 11, 31);
    h.get(1, 1, 40, 50, 0, first);
    EXPECT_EQ(h.check().stale_reads, 1u);
}

TEST(VerifyCheck, CatchesNilAfterAnAcknowledgedWrite)
{
    History h(2);
    h.get_nil(1, 1, 5, 8); // before: fine
    h.set(0, 1, 10, 20);
    h.get_nil(1, 1, 15, 25); // concurrent with the SET: fine
    h.get_nil(1, 1, 30, 40); // after the SET's OK: stale
    EXPECT_EQ(h.check().stale_reads, 1u);
}

TEST(VerifyCheck, CatchesAClientGoingBackInTime)
{
    // The reader saw b, then a; a was acknowledged before b was sent. The
    // global rule alone cannot tell (the second read was sent before b's OK),
    // but the session can: it already saw b.
    History h(3);
    uint64_t a = h.set(0, 1, 10, 20);
    uint64_t b = h.set(1, 1, 30, 100);
    h.get(2, 1, 40, 50, 1, b);
    h.get(2, 1, 41, 60, 0, a);
    EXPECT_EQ(h.check().stale_reads, 1u);
}

TEST(VerifyCheck, CatchesAClientNotSeeingItsOwnWrite)
{
    History h(2);
    uint64_t a = h.set(0, 1, 10, 20);
    (void)h.set(1, 1, 30, 100); // own SET, pipelined with the GET below
    h.get(1, 1, 31, 101, 0, a); // the connection's own SET executed first
    EXPECT_EQ(h.check().stale_reads, 1u);
}

TEST(VerifyCheck, UsesReadsAsEvidenceThatAWriteHappened)
{
    // Write x is never acknowledged (its connection died), but a read saw it
    // at t=25; y was sent after that, and acknowledged before the last read.
    History h(3);
    uint64_t x = h.set(0, 1, 10, NOT_ACKED);
    h.get(1, 1, 20, 25, 0, x);
    h.set(2, 1, 30, 35);
    h.get(1, 1, 40, 45, 0, x);
    EXPECT_EQ(h.check().stale_reads, 1u);
}

TEST(VerifyCheck, CatchesValuesNeverWritten)
{
    History h(2);
    h.set(0, 1, 10, 20);
    h.get(1, 1, 30, 40, 0, 5);                     // seq 5 never sent
    h.get(1, 1, 30, 40, 9, 1);                     // no writer 9
    h.get(1, 2, 30, 40, 0, 1);                     // writer 0's seq 1 went to key 1
    h.get_raw(1, 1, 30, 40, "not a verify value"); // garbage
    uint64_t late = h.set(0, 1, 50, 60);
    h.get(1, 1, 41, 45, 0, late); // read before the SET was sent
    verify_result r = h.check();
    EXPECT_EQ(r.bad_values, 5u);
    EXPECT_EQ(r.stale_reads, 5u);
}

TEST(VerifyCheck, RefusesIncompleteLogs)
{
    History h(2);
    h.log(1).oom = true;
    verify_result r;
    EXPECT_EQ(verify_check(&h.log(0), 2, 1, nullptr, &r), -EINVAL);
    History misnumbered(1);
    misnumbered.log(0).client = 3;
    EXPECT_EQ(verify_check(&misnumbered.log(0), 1, 1, nullptr, &r), -EINVAL);
}

/*
 * A simulated server: clients pipeline requests with random delays, the
 * server executes each at a random moment between its send and its reply
 * (in connection order), one at a time. Whatever the interleaving, the
 * history is linearizable, so the checker must report nothing; then the
 * same histories with one fault injected must be reported.
 */
namespace
{

enum class Fault { None, LoseIncrement, StaleRead };

struct SimOp {
    uint32_t client;
    int kind; // 0 GET, 1 SET, 2 INCR
    uint64_t key;
    uint64_t send, exec, ack;
    uint64_t seq; // SET: the writer's sequence number
    // Filled by the server:
    bool nil;
    uint32_t value_writer;
    uint64_t value_seq;
    long long incr_result;
};

struct Version {
    uint32_t writer;
    uint64_t seq;
    uint64_t send, ack; // of the SET that wrote it
};

// Returns whether the fault could be injected.
bool simulate(uint64_t seed, Fault fault, verify_result *out)
{
    const uint32_t clients = 6;
    const uint64_t keys = 3, per_client = (uint64_t)test_scaled(3000, 300);
    rng r;
    rng_seed(&r, seed);
    std::vector<SimOp> ops;
    for (uint32_t c = 0; c < clients; c++) {
        uint64_t t = rng_below(&r, 50), last_exec = 0, last_ack = 0, sets = 0;
        for (uint64_t i = 0; i < per_client; i++) {
            SimOp op{};
            op.client = c;
            op.kind = (int)rng_below(&r, 3);
            op.key = rng_below(&r, 10) < 7 ? 0 : rng_below(&r, keys); // mostly one hot key
            t += 1 + rng_below(&r, 20);
            op.send = t;
            op.exec = std::max(last_exec + 1, op.send + 1 + rng_below(&r, 40));
            op.ack = std::max(last_ack + 1, op.exec + 1 + rng_below(&r, 40));
            last_exec = op.exec;
            last_ack = op.ack;
            op.seq = op.kind == 1 ? ++sets : 0;
            ops.push_back(op);
        }
    }
    // The server: one op at a time, in execution order.
    std::vector<size_t> order(ops.size());
    for (size_t i = 0; i < order.size(); i++)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return ops[a].exec < ops[b].exec; });
    std::map<uint64_t, std::vector<Version>> history;
    std::map<uint64_t, long long> counters;
    bool injected = false;
    for (size_t i : order) {
        SimOp &op = ops[i];
        auto &versions = history[op.key];
        if (op.kind == 1) {
            versions.push_back({op.client, op.seq, op.send, op.ack});
        } else if (op.kind == 2) {
            op.incr_result = counters[op.key] + 1;
            if (fault == Fault::LoseIncrement && !injected && op.incr_result > 10) {
                injected = true; // answered, never stored
            } else {
                counters[op.key] = op.incr_result;
            }
        } else {
            op.nil = versions.empty();
            if (!op.nil) {
                Version v = versions.back();
                // Stale: the version before the last, when the last one was
                // provably newer (same writer, or sent after the other's OK) and
                // acknowledged before this GET was sent.
                if (fault == Fault::StaleRead && !injected && versions.size() >= 2) {
                    const Version &last = versions.back(), &prev = versions[versions.size() - 2];
                    if ((last.writer == prev.writer || last.send > prev.ack) &&
                        last.ack < op.send) {
                        v = prev;
                        injected = true;
                    }
                }
                op.value_writer = v.writer;
                op.value_seq = v.seq;
            }
        }
    }
    // The clients' logs, in each connection's order (send = exec = ack order).
    std::vector<verify_log> logs(clients + 1);
    for (uint32_t c = 0; c <= clients; c++)
        verify_log_init(&logs[c], c);
    char buf[VERIFY_VALUE_HEADER_MAX + 32];
    for (const SimOp &op : ops) {
        verify_log *l = &logs[op.client];
        uint64_t o = verify_log_next_order(l);
        if (op.kind == 1) {
            uint64_t seq = verify_log_set_sent(l, op.key, o, op.send);
            EXPECT_EQ(seq, op.seq);
            verify_log_set_acked(l, seq, op.ack);
        } else if (op.kind == 2) {
            verify_log_incr(l, op.key, true, op.incr_result);
        } else if (op.nil) {
            verify_log_get(l, op.key, o, op.send, op.ack, nullptr, 0);
        } else {
            size_t len =
                verify_value_encode(buf, sizeof(buf), op.key, op.value_writer, op.value_seq, 32);
            verify_log_get(l, op.key, o, op.send, op.ack, buf, len);
        }
    }
    // The final reads, after everything.
    uint64_t end = 0;
    for (const SimOp &op : ops)
        end = std::max(end, op.ack);
    std::vector<long long> finals(keys, 0);
    for (uint64_t k = 0; k < keys; k++) {
        finals[k] = counters[k];
        auto &versions = history[k];
        verify_log *l = &logs[clients];
        uint64_t o = verify_log_next_order(l);
        if (versions.empty()) {
            verify_log_get(l, k, o, end + 1, end + 2, nullptr, 0);
        } else {
            size_t len = verify_value_encode(buf, sizeof(buf), k, versions.back().writer,
                                             versions.back().seq, 32);
            verify_log_get(l, k, o, end + 1, end + 2, buf, len);
        }
    }
    EXPECT_EQ(verify_check(logs.data(), logs.size(), keys, finals.data(), out), 0);
    for (auto &l : logs)
        verify_log_free(&l);
    return injected;
}

} // namespace

TEST(VerifyCheck, LinearizableServerIsNeverReported)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        verify_result r;
        simulate(seed, Fault::None, &r);
        EXPECT_EQ(r.lost_updates, 0u) << "seed " << seed;
        EXPECT_EQ(r.stale_reads, 0u) << "seed " << seed;
        EXPECT_GT(r.reads_checked, 0u);
        EXPECT_GT(r.increments_acked, 0u);
    }
}

TEST(VerifyCheck, InjectedFaultsAreReported)
{
    for (uint64_t seed = 1; seed <= 10; seed++) {
        verify_result r;
        ASSERT_TRUE(simulate(seed, Fault::LoseIncrement, &r));
        EXPECT_GE(r.lost_updates, 1u) << "seed " << seed;
        EXPECT_EQ(r.stale_reads, 0u) << "seed " << seed;
        ASSERT_TRUE(simulate(seed, Fault::StaleRead, &r));
        EXPECT_GE(r.stale_reads, 1u) << "seed " << seed;
        EXPECT_EQ(r.lost_updates, 0u) << "seed " << seed;
    }
}
