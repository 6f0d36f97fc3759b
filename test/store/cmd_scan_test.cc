// KEYS, SCAN and RANDOMKEY: results compared as sets (the order is the
// hash table's), cursor handling, and the SCAN guarantee across shards.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/hash.h"
#include "store_harness.h"

namespace
{

// Parses a RESP2 array of bulk strings (KEYS) into its elements.
std::vector<std::string> bulk_array(const std::string &reply, size_t *pos_io = nullptr)
{
    size_t pos = pos_io ? *pos_io : 0;
    std::vector<std::string> out;
    EXPECT_EQ(reply[pos], '*') << reply;
    size_t eol = reply.find("\r\n", pos);
    long n = std::stol(reply.substr(pos + 1, eol - pos - 1));
    pos = eol + 2;
    for (long i = 0; i < n; i++) {
        eol = reply.find("\r\n", pos);
        long len = std::stol(reply.substr(pos + 1, eol - pos - 1));
        out.push_back(reply.substr(eol + 2, (size_t)len));
        pos = eol + 2 + (size_t)len + 2;
    }
    if (pos_io)
        *pos_io = pos;
    return out;
}

struct ScanPage {
    std::string cursor;
    std::vector<std::string> keys;
};

ScanPage scan_page(const std::string &reply)
{
    // *2 $n cursor *k keys...
    size_t pos = reply.find("\r\n") + 2;
    size_t eol = reply.find("\r\n", pos);
    long len = std::stol(reply.substr(pos + 1, eol - pos - 1));
    ScanPage page;
    page.cursor = reply.substr(eol + 2, (size_t)len);
    pos = eol + 2 + (size_t)len + 2;
    page.keys = bulk_array(reply, &pos);
    return page;
}

std::set<std::string> scan_all(Store &s, const std::string &options)
{
    std::set<std::string> seen;
    std::string cursor = "0";
    int calls = 0;
    do {
        ScanPage page = scan_page(s.run("SCAN " + cursor + " " + options));
        seen.insert(page.keys.begin(), page.keys.end());
        cursor = page.cursor;
        EXPECT_LT(++calls, 100000);
    } while (cursor != "0");
    return seen;
}

} // namespace

TEST(CmdKeys, PatternsOverShards)
{
    Store s(16, 8);
    for (int i = 0; i < 300; i++)
        s.run("SET user:" + std::to_string(i) + " x");
    s.run("SET other y");
    auto all = bulk_array(s.run("KEYS *"));
    EXPECT_EQ(all.size(), 301u);
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 301u);
    auto ones = bulk_array(s.run("KEYS user:1?"));
    EXPECT_EQ(std::set<std::string>(ones.begin(), ones.end()),
              (std::set<std::string>{"user:10", "user:11", "user:12", "user:13", "user:14",
                                     "user:15", "user:16", "user:17", "user:18", "user:19"}));
    EXPECT_EQ(s.run("KEYS nomatch*"), "*0\r\n");
    EXPECT_EQ(s.run("KEYS [o]ther"), "*1\r\n$5\r\nother\r\n");
    s.run("SELECT 1");
    EXPECT_EQ(s.run("KEYS *"), "*0\r\n");
}

TEST(CmdScan, FullIterationReturnsEveryKey)
{
    for (int shards : {1, 4, 16}) {
        Store s(16, shards);
        std::set<std::string> expected;
        for (int i = 0; i < 1000; i++) {
            std::string k = "k" + std::to_string(i);
            s.run("SET " + k + " v");
            expected.insert(k);
        }
        EXPECT_EQ(scan_all(s, ""), expected) << shards;
        EXPECT_EQ(scan_all(s, "COUNT 1"), expected) << shards;
        EXPECT_EQ(scan_all(s, "COUNT 1000"), expected) << shards;
    }
}

TEST(CmdScan, MatchTypeAndCount)
{
    Store s;
    for (int i = 0; i < 50; i++)
        s.run("SET a" + std::to_string(i) + " v");
    for (int i = 0; i < 5; i++)
        s.make_list("list" + std::to_string(i));
    EXPECT_EQ(scan_all(s, "MATCH a1*").size(), 11u);
    EXPECT_EQ(scan_all(s, "TYPE list").size(), 5u);
    EXPECT_EQ(scan_all(s, "type STRING").size(), 50u);
    EXPECT_EQ(scan_all(s, "TYPE hash").size(), 0u);
    EXPECT_EQ(scan_all(s, "MATCH list* TYPE string").size(), 0u);
    EXPECT_EQ(scan_all(s, "MATCH * COUNT 3").size(), 55u);
    // COUNT bounds the work of one call.
    ScanPage page = scan_page(s.run("SCAN 0 COUNT 5"));
    EXPECT_LE(page.keys.size(), 30u);
}

TEST(CmdScan, CursorAndOptionErrors)
{
    Store s;
    s.run("SET k v");
    EXPECT_EQ(s.run("SCAN abc"), "-ERR invalid cursor\r\n");
    EXPECT_EQ(s.run("SCAN \" 1\""), "-ERR invalid cursor\r\n");
    EXPECT_EQ(s.run("SCAN 18446744073709551616"), "-ERR invalid cursor\r\n");
    EXPECT_EQ(s.run("SCAN 0 COUNT 0"), "-ERR syntax error\r\n");
    EXPECT_EQ(s.run("SCAN 0 COUNT x"), kNotInteger);
    EXPECT_EQ(s.run("SCAN 0 MATCH"), "-ERR syntax error\r\n");
    EXPECT_EQ(s.run("SCAN 0 FOO bar"), "-ERR syntax error\r\n");
    EXPECT_EQ(s.run("SCAN"), "-ERR wrong number of arguments for 'scan' command\r\n");
    // strtoul accepts "" (0) and "-1" (wraps): both are valid cursors.
    EXPECT_EQ(scan_page(s.run("SCAN \"\" COUNT 100")).keys.size(), 1u);
    EXPECT_EQ(s.run("SCAN 0 TYPE foo COUNT 100"), "*2\r\n$1\r\n0\r\n*0\r\n");
    ScanPage wrapped = scan_page(s.run("SCAN -1"));
    EXPECT_LE(wrapped.keys.size(), 1u);
}

// Keys present for the whole scan are returned even while other keys are
// added and removed between calls (tables grow, shrink and rehash).
TEST(CmdScan, StableKeysSurviveChurn)
{
    Store s(1, 8);
    std::set<std::string> stable;
    for (int i = 0; i < 500; i++) {
        stable.insert("stable:" + std::to_string(i));
        s.run("SET stable:" + std::to_string(i) + " v");
    }
    std::set<std::string> seen;
    std::string cursor = "0";
    int churn = 0;
    do {
        ScanPage page = scan_page(s.run("SCAN " + cursor + " COUNT 7"));
        seen.insert(page.keys.begin(), page.keys.end());
        cursor = page.cursor;
        // Grow fast for a while, then delete everything added.
        if (churn < 6000) {
            for (int j = 0; j < 200; j++)
                s.run("SET tmp:" + std::to_string(churn++) + " v");
        } else {
            for (int j = 0; j < 400 && churn > 0; j++)
                s.run("DEL tmp:" + std::to_string(--churn + 0));
        }
    } while (cursor != "0");
    for (const auto &k : stable)
        EXPECT_TRUE(seen.count(k)) << k;
}

TEST(CmdRandomkey, ReachesEveryKeyAndSkipsExpired)
{
    Store s(16, 8);
    EXPECT_EQ(s.run("RANDOMKEY"), "$-1\r\n");
    for (int i = 0; i < 20; i++)
        s.run("SET r" + std::to_string(i) + " v");
    std::set<std::string> seen;
    for (int i = 0; i < 2000; i++) {
        std::string r = s.run("RANDOMKEY");
        seen.insert(r.substr(r.find("\r\n") + 2, r.size() - r.find("\r\n") - 4));
    }
    EXPECT_EQ(seen.size(), 20u);
    s.run("FLUSHDB");
    for (int i = 0; i < 50; i++)
        s.run("SET e" + std::to_string(i) + " v PX 5");
    s.now_ms += 10;
    EXPECT_EQ(s.run("RANDOMKEY"), "$-1\r\n");
    EXPECT_EQ(s.run("DBSIZE"), ":0\r\n"); // the misses were reclaimed
}

// COUNT near LLONG_MAX: Redis's maxiterations (count * 10) must saturate, not
// overflow into a negative budget that stops the walk after one bucket
// (issue 16). With 8 shards and 500 keys one call must return everything.
TEST(CmdScan, HugeCountReturnsEverythingInOneCall)
{
    Store s(16, 8);
    for (int i = 0; i < 500; i++)
        s.run("SET k" + std::to_string(i) + " x");
    for (const char *count : {"9223372036854775807", "922337203685477581", "1000000000000000000"}) {
        ScanPage page = scan_page(s.run(std::string("SCAN 0 COUNT ") + count));
        EXPECT_EQ(page.cursor, "0") << count;
        EXPECT_EQ(std::set<std::string>(page.keys.begin(), page.keys.end()).size(), 500u) << count;
    }
}

// RANDOMKEY is uniform over the database's keys. Counts of many draws are
// checked with Pearson's chi-square against the uniform expectation; the
// thresholds sit more than ten standard deviations above the statistic's
// mean (its degrees of freedom), so a fair pick never fails, while the old
// picks (a shard uniformly, then a bucket and a node of its chain) failed by
// orders of magnitude.
namespace
{
std::string bulk_of(const std::string &reply)
{
    size_t at = reply.find("\r\n");
    return reply.substr(at + 2, reply.size() - at - 4);
}

double chi_square(const std::map<std::string, long> &counts, size_t keys, long draws)
{
    double expected = (double)draws / (double)keys, chi = 0;
    for (const auto &kv : counts)
        chi += ((double)kv.second - expected) * ((double)kv.second - expected) / expected;
    chi += (double)(keys - counts.size()) * expected; // keys never drawn
    return chi;
}
} // namespace

// Four shards, one of them holding a single key: a uniform shard choice
// returned that key a quarter of the time instead of once in 301.
TEST(CmdRandomkey, WeighsShardsByTheirKeys)
{
    Store s(1, 4);
    std::vector<std::string> keys;
    std::string lonely;
    for (int i = 0; keys.size() < 300 || lonely.empty(); i++) {
        std::string k = "k" + std::to_string(i);
        bool shard0 = hash_key(k.data(), k.size()) >> 62 == 0;
        if (shard0 && lonely.empty())
            lonely = k;
        else if (!shard0 && keys.size() < 300)
            keys.push_back(k);
        else
            continue;
        ASSERT_EQ(s.run("SET " + k + " v"), "+OK\r\n");
    }
    const long draws = 30000;
    std::map<std::string, long> counts;
    for (long i = 0; i < draws; i++)
        counts[bulk_of(s.run("RANDOMKEY"))]++;
    EXPECT_LT(counts[lonely], 300) << "expected about " << draws / 301;
    EXPECT_LE(counts.size(), 301u);
    double chi = chi_square(counts, 301, draws);
    EXPECT_LT(chi, 300 + 10 * 24.5) << "chi-square over 300 degrees of freedom";
}

// One table, 1000 keys in chains of different lengths: a node in a chain of
// two was half as likely as one alone.
TEST(CmdRandomkey, UniformInsideATable)
{
    Store s(1, 1);
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(s.run("SET u" + std::to_string(i) + " v"), "+OK\r\n");
    const long draws = 100000;
    std::map<std::string, long> counts;
    for (long i = 0; i < draws; i++)
        counts[bulk_of(s.run("RANDOMKEY"))]++;
    EXPECT_EQ(counts.size(), 1000u);
    double chi = chi_square(counts, 1000, draws);
    EXPECT_LT(chi, 999 + 10 * 44.7) << "chi-square over 999 degrees of freedom";
}

// Expired keys are never returned and the live ones stay equally likely.
TEST(CmdRandomkey, UniformOverLiveKeys)
{
    Store s(1, 4);
    for (int i = 0; i < 100; i++) {
        ASSERT_EQ(s.run("SET live" + std::to_string(i) + " v"), "+OK\r\n");
        ASSERT_EQ(s.run("SET dead" + std::to_string(i) + " v PX 5"), "+OK\r\n");
    }
    s.now_ms += 10;
    const long draws = 20000;
    std::map<std::string, long> counts;
    for (long i = 0; i < draws; i++) {
        std::string k = bulk_of(s.run("RANDOMKEY"));
        ASSERT_EQ(k.rfind("live", 0), 0u) << k;
        counts[k]++;
    }
    double chi = chi_square(counts, 100, draws);
    EXPECT_LT(chi, 99 + 10 * 14.1) << "chi-square over 99 degrees of freedom";
}

// RANDOMKEY while other threads write: the shard counts move between its
// two passes, and it still answers a key that exists or existed (never nil:
// one key is never deleted), under TSan too.
TEST(CmdRandomkey, ConcurrentWritersNeverMakeItFail)
{
    Store s(1, 8);
    ASSERT_EQ(s.run("SET stable v"), "+OK\r\n");
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; w++)
        writers.emplace_back([&, w] {
            int db = 0;
            for (int i = 0; !stop.load(); i++) {
                std::string k = "w" + std::to_string(w) + ":" + std::to_string(i % 64);
                run_on(s.ks, &db, s.now_ms, {i % 2 ? "DEL" : "SET", k, "v"}, 2);
            }
        });
    std::vector<std::thread> readers;
    std::atomic<int> bad{0};
    for (int r = 0; r < 2; r++)
        readers.emplace_back([&] {
            int db = 0;
            for (int i = 0; i < 20000; i++) {
                std::string k = bulk_of(run_on(s.ks, &db, s.now_ms, {"RANDOMKEY"}, 2));
                if (k != "stable" && k.rfind("w", 0) != 0)
                    bad++;
            }
        });
    for (auto &t : readers)
        t.join();
    stop = true;
    for (auto &t : writers)
        t.join();
    EXPECT_EQ(bad.load(), 0);
}
