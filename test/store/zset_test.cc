// The sorted-set type beyond what the differential suite compares with
// Redis 7.0: the B+tree of the large form against a reference model over
// many thousands of random operations (deep trees, merges, rescoring), the
// listpack bytes Redis writes, conversions and their thresholds, commands
// that fail for memory and change nothing, ZRANDMEMBER's counts and
// distinctness, and a ZSCAN that misses no member while the table resizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/alloc.h"
#include "store_harness.h"

extern "C" {
#include "store/listpack.h"
#include "store/zset_large.h"
#include "store/zset_value.h"
}

namespace
{

std::vector<std::string> bulks(const std::string &r)
{
    std::vector<std::string> out;
    size_t i = 0;
    while (i < r.size()) {
        size_t eol = r.find("\r\n", i);
        if (eol == std::string::npos)
            break;
        if (r[i] == '$') {
            long len = std::stol(r.substr(i + 1, eol - i - 1));
            if (len >= 0) {
                out.push_back(r.substr(eol + 2, (size_t)len));
                i = eol + 2 + (size_t)len + 2;
                continue;
            }
        }
        i = eol + 2;
    }
    return out;
}

std::string encoding(Store &s, const std::string &key)
{
    std::vector<std::string> b = bulks(s.run("OBJECT ENCODING " + key));
    return b.empty() ? "" : b[0];
}

using Model = std::set<std::pair<double, std::string>>;

struct Zset {
    struct value v;
    struct zset_limits lim;
    explicit Zset(uint64_t entries = 0, uint64_t value = 64) : lim{entries, value}
    {
        EXPECT_EQ(zset_value_new(&lim, 1, 0, &v), 0);
    }
    ~Zset()
    {
        zset_value_free(&v);
    }
    bool add(double score, const std::string &m, int flags = 0)
    {
        int out;
        double ns;
        EXPECT_EQ(zset_add(&v, &lim, score, m.data(), m.size(), flags, &out, &ns), 0);
        return (out & (ZADD_OUT_ADDED | ZADD_OUT_UPDATED)) != 0;
    }
    std::vector<std::pair<double, std::string>> all(bool reverse = false) const
    {
        std::vector<std::pair<double, std::string>> out;
        struct zset_iter it;
        uint64_t card = zset_card(&v);
        zset_iter_init(&it, &v, reverse ? card - 1 : 0, reverse);
        struct zset_elem e;
        while (zset_iter_next(&it, &e))
            out.emplace_back(e.score, std::string(e.ptr, e.len));
        return out;
    }
    bool tree_ok() const
    {
        return v.encoding != ENCODING_SKIPLIST ||
               zt_check(&static_cast<const struct zset_large *>(v.p.obj)->tree);
    }
};

std::string member(int i)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "m%07d", i);
    return buf;
}

TEST(ZsetTree, RandomOperationsMatchAModel)
{
    Zset z;
    Model model;
    std::map<std::string, double> scores;
    std::mt19937_64 rng(42);
    for (int step = 0; step < 60000; step++) {
        std::string m = member((int)(rng() % 20000));
        double score = (double)(rng() % 1000) / 4;
        int op = (int)(rng() % 10);
        if (op < 6) {
            z.add(score, m);
            if (scores.count(m))
                model.erase({scores[m], m});
            scores[m] = score;
            model.insert({score, m});
        } else if (op < 9) {
            bool had = scores.count(m) > 0;
            EXPECT_EQ(zset_delete(&z.v, m.data(), m.size()), had);
            if (had) {
                model.erase({scores[m], m});
                scores.erase(m);
            }
        } else if (!model.empty()) {
            auto it = model.begin();
            std::advance(it, (long)(rng() % model.size()));
            double s;
            long long rank = zset_rank(&z.v, it->second.data(), it->second.size(), false, &s);
            ASSERT_EQ(rank, std::distance(model.begin(), it));
            struct zset_elem e;
            zset_at(&z.v, (uint64_t)rank, &e);
            ASSERT_EQ(std::string(e.ptr, e.len), it->second);
        }
        if (step % 5000 == 0) {
            ASSERT_TRUE(z.tree_ok()) << step;
        }
    }
    ASSERT_TRUE(z.tree_ok());
    ASSERT_EQ(zset_card(&z.v), model.size());
    std::vector<std::pair<double, std::string>> want(model.begin(), model.end());
    EXPECT_EQ(z.all(), want);
    std::reverse(want.begin(), want.end());
    EXPECT_EQ(z.all(true), want);
    // Score spans agree with a count over the model.
    for (int i = 0; i < 200; i++) {
        struct zset_score_range r = {(double)(rng() % 250), (double)(rng() % 250),
                                     (bool)(rng() & 1), (bool)(rng() & 1)};
        uint64_t first, end, in = 0, below = 0;
        zset_score_span(&z.v, &r, &first, &end);
        for (const auto &p : model) {
            in += zset_score_in_range(&r, p.first);
            below += r.minex ? p.first <= r.min : p.first < r.min;
        }
        EXPECT_EQ(end - first, in);
        EXPECT_EQ(first, below);
    }
    // Deleting rank ranges keeps the tree sound, down to empty.
    while (zset_card(&z.v) > 0) {
        uint64_t card = zset_card(&z.v), first = rng() % card;
        zset_delete_ranks(&z.v, first, std::min(card, first + 1 + rng() % 300));
        ASSERT_TRUE(z.tree_ok());
    }
}

TEST(ZsetTree, AscendingInsertsFillLeaves)
{
    Zset z;
    for (int i = 0; i < 100000; i++)
        z.add(i, member(i));
    ASSERT_TRUE(z.tree_ok());
    const struct zset_large *l = static_cast<const struct zset_large *>(z.v.p.obj);
    // Full leaves: about 8.5 bytes of tree per member, not the 17 of half-full ones.
    EXPECT_LT((double)l->tree.bytes / 100000, 10.0);
    double s;
    EXPECT_EQ(zset_rank(&z.v, "m0099999", 8, false, &s), 99999);
    EXPECT_EQ(zset_rank(&z.v, "m0000000", 8, true, &s), 99999);
}

TEST(ZsetTree, DescendingInsertsAndDeletesFromBothEnds)
{
    Zset z;
    for (int i = 20000; i > 0; i--)
        z.add(i, member(i));
    ASSERT_TRUE(z.tree_ok());
    const struct zset_large *l = static_cast<const struct zset_large *>(z.v.p.obj);
    EXPECT_LT((double)l->tree.bytes / 20000, 10.0); // full leaves on this side too
    // Popping from both ends merges and collapses the tree down to nothing.
    for (int i = 0; i < 10000; i++) {
        zset_delete_ranks(&z.v, 0, 1);
        uint64_t card = zset_card(&z.v);
        zset_delete_ranks(&z.v, card - 1, card);
        if (i % 1000 == 0) {
            ASSERT_TRUE(z.tree_ok()) << i;
        }
    }
    EXPECT_EQ(zset_card(&z.v), 0u);
    EXPECT_TRUE(z.tree_ok());
}

TEST(ZsetTree, RescoreMovesOrStaysInPlace)
{
    Zset z;
    for (int i = 0; i < 1000; i++)
        z.add(i, member(i));
    // A small change keeps the order: updated in place; a big one moves it.
    EXPECT_TRUE(z.add(500.5, member(500)));
    EXPECT_TRUE(z.add(-1, member(999)));
    EXPECT_TRUE(z.add(5, member(500), ZADD_IN_INCR));
    ASSERT_TRUE(z.tree_ok());
    double s;
    EXPECT_EQ(zset_rank(&z.v, member(999).data(), 8, false, &s), 0);
    EXPECT_EQ(s, -1);
    EXPECT_EQ(zset_rank(&z.v, member(500).data(), 8, false, &s), 506); // after m999 and 0..505
    EXPECT_EQ(s, 505.5);
}

// The listpack holds (member, score) pairs as Redis 7.0 writes them: an
// integral score as an integer entry, others as %.17g text.
TEST(ZsetListpack, RedisLayout)
{
    Zset z(128);
    z.add(2, "b");
    z.add(1.5, "a");
    z.add(-3, "c");
    z.add(1e20, "d");
    ASSERT_EQ(z.v.encoding, ENCODING_LISTPACK);
    const struct listpack *lp = static_cast<const struct listpack *>(z.v.p.obj);
    std::vector<std::string> entries;
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, pos)) {
        struct listpack_value lv;
        listpack_get(lp, pos, &lv);
        entries.push_back(lv.str ? std::string((const char *)lv.str, lv.len)
                                 : "int:" + std::to_string(lv.integer));
    }
    std::vector<std::string> want = {"c", "int:-3", "a", "1.5", "b", "int:2", "d", "1e+20"};
    EXPECT_EQ(entries, want);
}

TEST(ZsetListpack, ConvertsPastEitherThresholdAndShrinksBack)
{
    Zset z(4, 5);
    for (int i = 0; i < 4; i++)
        z.add(i, "m" + std::to_string(i));
    EXPECT_EQ(z.v.encoding, ENCODING_LISTPACK);
    z.add(9, "m9");
    EXPECT_EQ(z.v.encoding, ENCODING_SKIPLIST);
    zset_delete(&z.v, "m9", 2);
    zset_shrink_if_fits(&z.v, &z.lim);
    EXPECT_EQ(z.v.encoding, ENCODING_LISTPACK);
    z.add(1, "sixsix");
    EXPECT_EQ(z.v.encoding, ENCODING_SKIPLIST);
    zset_shrink_if_fits(&z.v, &z.lim); // a member too long: stays large
    EXPECT_EQ(z.v.encoding, ENCODING_SKIPLIST);
}

TEST(ZsetCommands, EncodingThresholdsFromConfig)
{
    Store s;
    EXPECT_EQ(s.run("ZADD z " +
                    [] {
                        std::string a;
                        for (int i = 0; i < 128; i++)
                            a += std::to_string(i) + " m" + std::to_string(i) + " ";
                        return a;
                    }()),
              ":128\r\n");
    EXPECT_EQ(encoding(s, "z"), "listpack");
    EXPECT_EQ(s.run("ZADD z 1 x"), ":1\r\n");
    EXPECT_EQ(encoding(s, "z"), "skiplist");
    keyspace_set_zset_config(s.ks, 2, 64);
    EXPECT_EQ(s.run("ZADD y 1 a 2 b"), ":2\r\n");
    EXPECT_EQ(encoding(s, "y"), "listpack");
    EXPECT_EQ(s.run("ZADD y 3 c"), ":1\r\n");
    EXPECT_EQ(encoding(s, "y"), "skiplist");
}

// An allocation failure anywhere in ZADD leaves the set and the reply
// consistent: either OOM, the members it added removed again, or success.
TEST(ZsetCommands, OutOfMemoryChangesNothingVisible)
{
    Store s;
    for (int i = 0; i < 300; i++)
        s.run("ZADD z " + std::to_string(i) + " " + member(i));
    for (long n = 0; n < 40; n++) {
        s.run("PING_WARMUP"); // the reply encoder's first block
        std::vector<std::string> argv =
            split_command("ZADD z 5.5 " + member(1000 + (int)n) + " 7 " + member(3));
        mem_fail_after(n);
        std::string r = s.run_argv(argv);
        mem_fail_reset();
        ASSERT_TRUE(r[0] == ':' || r.rfind("-OOM", 0) == 0) << r;
        // All or nothing for the members it adds.
        EXPECT_EQ(s.run("ZSCORE z " + member(1000 + (int)n)),
                  r[0] == ':' ? "$3\r\n5.5\r\n" : "$-1\r\n");
        std::string score = s.run("ZSCORE z " + member(3));
        ASSERT_TRUE(score == "$1\r\n3\r\n" || score == "$1\r\n7\r\n") << score;
    }
    EXPECT_EQ(s.run("ZSCORE z " + member(299)), "$3\r\n299\r\n");
    std::vector<std::string> argv = split_command("ZUNIONSTORE d 2 z z");
    for (long n = 0; n < 20; n++) {
        mem_fail_after(n);
        std::string r = s.run_argv(argv);
        mem_fail_reset();
        ASSERT_TRUE(r == ":301\r\n" || r.rfind("-OOM", 0) == 0) << r;
    }
    s.run("ZUNIONSTORE d 2 z z");
    EXPECT_EQ(s.run("ZCARD d"), s.run("ZCARD z"));
}

TEST(ZsetCommands, RandMemberCountsAndDistinctness)
{
    Store s;
    for (int i = 0; i < 300; i++)
        s.run("ZADD big " + std::to_string(i) + " " + member(i));
    s.run("ZADD small 1 a 2 b 3 c");
    for (const char *key : {"big", "small"}) {
        std::vector<std::string> picked = bulks(s.run(std::string("ZRANDMEMBER ") + key + " 50"));
        std::set<std::string> distinct(picked.begin(), picked.end());
        EXPECT_EQ(picked.size(), std::string(key) == "big" ? 50u : 3u);
        EXPECT_EQ(distinct.size(), picked.size());
        picked = bulks(s.run(std::string("ZRANDMEMBER ") + key + " -50"));
        EXPECT_EQ(picked.size(), 50u);
    }
    // Distinct picks of most of the set (the shuffle path) and a few (rejection).
    for (int count : {250, 20}) {
        std::vector<std::string> r =
            bulks(s.run("ZRANDMEMBER big " + std::to_string(count) + " WITHSCORES"));
        ASSERT_EQ(r.size(), 2u * count);
        std::set<std::string> members;
        for (size_t i = 0; i < r.size(); i += 2) {
            members.insert(r[i]);
            EXPECT_EQ(r[i], member(std::stoi(r[i + 1])));
        }
        EXPECT_EQ(members.size(), (size_t)count);
    }
    // Every member is picked over many single draws.
    std::set<std::string> seen;
    for (int i = 0; i < 5000; i++)
        seen.insert(bulks(s.run("ZRANDMEMBER big"))[0]);
    EXPECT_EQ(seen.size(), 300u);
}

TEST(ZsetCommands, ScanMissesNothingWhileTheTableResizes)
{
    Store s;
    for (int i = 0; i < 2000; i++)
        s.run("ZADD z " + std::to_string(i) + " " + member(i));
    std::set<std::string> seen;
    std::string cursor = "0";
    int added = 0;
    do {
        std::string r = s.run("ZSCAN z " + cursor + " COUNT 20");
        std::vector<std::string> b = bulks(r);
        cursor = b[0];
        for (size_t i = 1; i < b.size(); i += 2)
            seen.insert(b[i]);
        for (int j = 0; j < 30; j++, added++) // grows the table mid-scan
            s.run("ZADD z 1 extra" + std::to_string(added));
    } while (cursor != "0");
    for (int i = 0; i < 2000; i++)
        ASSERT_TRUE(seen.count(member(i))) << i;
}

TEST(ZsetTree, MemoryUsageCountsTheLargeForm)
{
    Zset z;
    for (int i = 0; i < 5000; i++)
        z.add(i * 7919 % 5003, member(i));
    size_t bytes = zset_memory_usage(&z.v);
    // A node (48) + buckets (8..16) + tree (~9-13) per member.
    EXPECT_GT(bytes, 5000u * 60);
    EXPECT_LT(bytes, 5000u * 90);
}

} // namespace
