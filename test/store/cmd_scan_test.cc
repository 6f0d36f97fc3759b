// KEYS, SCAN and RANDOMKEY: results compared as sets (the order is the
// hash table's), cursor handling, and the SCAN guarantee across shards.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

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
