// Commit order for the append-only file (net/aof_order.c): records that
// arrive in any order are written in each shard's sequence order; an
// expiry inside a command's range goes just before the command; records
// already covered are dropped; a rewrite's cut routes records to the old or
// the new file; a number nobody claims holds the log back only for a while.
// A command's claimed ticket (net/aof_claim.c) holds the mark below it until
// its record comes, or until it is dropped.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "core/alloc.h"
#include "core/clock.h"
#include "net/aof_internal.h"
}

namespace
{

struct Log {
    struct aof a = {};
    std::vector<uint64_t> applied;
    uint64_t ticket = 0;

    explicit Log(uint32_t shards) : applied(shards, 0)
    {
        a.nshards = shards;
        a.applied = applied.data();
        a.cur.fd = 100; // any: the order code only appends to pending
        a.cur.db = a.old.db = -1;
        a.old.fd = -1;
    }
    ~Log()
    {
        for (struct aof_unit *u = a.wait_head, *next; u; u = next) {
            next = u->next;
            aof__unit_free(u);
        }
        aof_buf_free(&a.cur.pending);
        aof_buf_free(&a.old.pending);
        mem_free(a.claims);
    }
    // A unit named `name` (written as a one-argument command) with ranges.
    void add(const std::string &name, std::vector<struct write_range> ranges, bool expiry = false,
             int db = 0)
    {
        size_t len = name.size();
        struct aof_unit *u = (struct aof_unit *)mem_alloc(
            sizeof(*u) + ranges.size() * sizeof(struct write_range) + len);
        *u = {};
        u->ticket = ++ticket;
        u->db = u->db_last = db;
        u->expiry = expiry;
        u->nranges = (uint32_t)ranges.size();
        u->ranges = (struct write_range *)(u + 1);
        std::copy(ranges.begin(), ranges.end(), u->ranges);
        u->bytes = (char *)(u->ranges + ranges.size());
        memcpy(u->bytes, name.data(), len);
        u->len = len;
        u->prev = a.in_tail;
        if (a.in_tail)
            a.in_tail->next = u;
        else
            a.in_head = u;
        a.in_tail = u;
    }
    // What was written to the current (or old) file, SELECTs left out.
    std::string drain(uint64_t now_ms = 1)
    {
        aof__order_drain(&a, now_ms);
        return text(a.cur.pending);
    }
    static std::string text(const struct aof_buf &b)
    {
        std::string s(b.data ? b.data : "", b.len);
        const std::string select = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";
        for (size_t at; (at = s.find(select)) != std::string::npos;)
            s.erase(at, select.size());
        return s;
    }
};

} // namespace

TEST(AofOrder, ShuffledArrivalsGoOutInSequenceOrder)
{
    std::mt19937 rng(7);
    for (int round = 0; round < 50; round++) {
        Log log(2);
        // Shard 0: A=1, B=2..3, C=4; shard 1: D=1; E spans shard 0 (5) and 1 (2).
        std::vector<std::pair<std::string, std::vector<struct write_range>>> units = {
            {"A", {{0, 1, 1}}},
            {"B", {{0, 2, 3}}},
            {"C", {{0, 4, 4}}},
            {"D", {{1, 1, 1}}},
            {"E", {{0, 5, 5}, {1, 2, 2}}},
        };
        std::shuffle(units.begin(), units.end(), rng);
        std::string out;
        for (auto &u : units) {
            log.add(u.first, u.second);
            out = log.drain();
        }
        // Per shard: A B C E on 0, D E on 1.
        EXPECT_LT(out.find('A'), out.find('B')) << out;
        EXPECT_LT(out.find('B'), out.find('C')) << out;
        EXPECT_LT(out.find('C'), out.find('E')) << out;
        EXPECT_LT(out.find('D'), out.find('E')) << out;
        EXPECT_EQ(out.size(), 5u) << out;
    }
}

TEST(AofOrder, ExpiryInsideACommandGoesFirst)
{
    Log log(1);
    log.add("x", {{0, 1, 1}});
    // The command's lookup expired a key at 3, inside its range 2..4: the
    // DEL arrives first (under the lock), the command's record later.
    log.add("D", {{0, 3, 3}}, true);
    EXPECT_EQ(log.drain(), "x");
    log.add("C", {{0, 2, 4}});
    EXPECT_EQ(log.drain(), "xDC");
}

TEST(AofOrder, RecordsAlreadyCoveredAreDropped)
{
    Log log(1);
    log.applied[0] = 10; // a rewrite's base holds everything up to 10
    log.add("old", {{0, 9, 10}});
    log.add("new", {{0, 11, 11}});
    EXPECT_EQ(log.drain(), "new");
}

TEST(AofOrder, TheCutRoutesToOldAndNewFiles)
{
    Log log(2);
    std::vector<uint64_t> cut = {2, 1};
    log.a.cut = cut.data();
    log.a.old.fd = 101;
    log.add("n", {{0, 3, 3}});
    log.add("o", {{0, 1, 2}});
    log.add("p", {{1, 1, 1}});
    log.add("m", {{0, 4, 4}, {1, 2, 2}});
    EXPECT_EQ(log.drain(), "nm");
    EXPECT_EQ(Log::text(log.a.old.pending), "op");
    log.a.cut = nullptr;
}

TEST(AofOrder, AGapNobodyClaimsHoldsOnlyForAWhile)
{
    Log log(1);
    log.add("late", {{0, 5, 5}}); // 1..4 never come
    EXPECT_EQ(log.drain(1000), "");
    EXPECT_EQ(log.drain(1100), "");
    EXPECT_EQ(log.drain(1300), "late");
}

TEST(AofOrder, AClaimHoldsTheMarkUntilItsRecordComes)
{
    Log log(2);
    atomic_store(&log.a.state, (int)AOF_ON);
    uint64_t claim = 0;
    ASSERT_TRUE(aof__claim(&log.a, &claim));
    EXPECT_EQ(claim, 1u);
    // A later command on the other shard ends first: its record is
    // written, but nothing at or above the claim counts as written.
    log.ticket = claim;
    log.add("later", {{1, 1, 1}});
    EXPECT_EQ(log.drain(), "later");
    EXPECT_EQ(aof__lowest_waiting(&log.a), claim);
    // The claimed record comes (net/aof.c's submit takes the claim away).
    ASSERT_TRUE(aof__unclaim_locked(&log.a, claim));
    EXPECT_EQ(aof__lowest_waiting(&log.a), 0u);
    EXPECT_FALSE(aof__unclaim_locked(&log.a, claim)) << "a claim is taken away once";
}

TEST(AofOrder, ClaimsGoInAnyOrderAndTheLowestHolds)
{
    Log log(1);
    atomic_store(&log.a.state, (int)AOF_ON);
    uint64_t c[5] = {};
    for (uint64_t &t : c)
        ASSERT_TRUE(aof__claim(&log.a, &t));
    EXPECT_TRUE(aof__unclaim_locked(&log.a, c[2]));
    EXPECT_EQ(aof__lowest_waiting(&log.a), c[0]);
    EXPECT_TRUE(aof__unclaim_locked(&log.a, c[0]));
    EXPECT_EQ(aof__lowest_waiting(&log.a), c[1]);
    aof__drop_claim(&log.a, c[1]); // a transaction's later command, say
    EXPECT_TRUE(log.a.claim_dropped) << "the writer must come round to move the mark";
    EXPECT_EQ(aof__lowest_waiting(&log.a), c[3]);
}

TEST(AofOrder, AClaimWhoseRecordNeverComesExpires)
{
    Log log(1);
    atomic_store(&log.a.state, (int)AOF_ON);
    uint64_t claim = 0;
    ASSERT_TRUE(aof__claim(&log.a, &claim));
    aof__expire_claims(&log.a, clock_mono_ms() + 1000);
    EXPECT_EQ(aof__lowest_waiting(&log.a), claim) << "a running command keeps its claim";
    aof__expire_claims(&log.a, clock_mono_ms() + 60000);
    EXPECT_EQ(aof__lowest_waiting(&log.a), 0u);
}

TEST(AofOrder, NoClaimWhileTheLogIsOff)
{
    Log log(1);
    uint64_t claim = 0;
    ASSERT_TRUE(aof__claim(&log.a, &claim));
    EXPECT_EQ(claim, 0u);
    EXPECT_EQ(aof__lowest_waiting(&log.a), 0u);
}
