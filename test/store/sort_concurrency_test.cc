// SORT reads the keys its GET patterns name at one instant, as Redis does,
// although they live in other shards: writers set every weight key at once
// (MSET, atomic across shards) while the source list grows and shrinks by
// an element whose key lies in yet another shard; every SORT ... GET, and
// every list SORT ... STORE wrote, must show one MSET's values only.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_harness.h"
#include "test/common/test_env.h"

namespace
{

const int64_t kNow = 1700000000000LL;
const int kIds = 200;

std::string cmd(struct keyspace *ks, const std::vector<std::string> &argv)
{
    int db = 0;
    return run_on(ks, &db, kNow, argv);
}

// The bulk strings of an array reply ("" for a nil).
std::vector<std::string> bulks(const std::string &r)
{
    std::vector<std::string> out;
    size_t pos = r.find("\r\n");
    if (r.empty() || r[0] != '*' || pos == std::string::npos)
        return out;
    pos += 2;
    while (pos < r.size()) {
        size_t eol = r.find("\r\n", pos);
        if (r[pos] == '$' && r.compare(pos, 3, "$-1") != 0) {
            size_t len = std::stoul(r.substr(pos + 1, eol - pos - 1));
            out.push_back(r.substr(eol + 2, len));
            pos = eol + 2 + len + 2;
        } else {
            out.push_back("");
            pos = eol + 2;
        }
    }
    return out;
}

bool all_equal(const std::vector<std::string> &v)
{
    return std::set<std::string>(v.begin(), v.end()).size() <= 1;
}

} // namespace

TEST(SortConcurrency, PatternKeysInOtherShardsAreReadAtOneInstant)
{
    store_commands_init();
    struct keyspace_config cfg = {1, 8, 4};
    struct keyspace *ks = keyspace_new(&cfg);
    ASSERT_NE(ks, nullptr);
    std::vector<std::string> rpush = {"RPUSH", "ids"};
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i <= kIds; i++) {
        if (i < kIds)
            rpush.push_back(std::to_string(i));
        mset.push_back("w_" + std::to_string(i));
        mset.push_back("0");
    }
    ASSERT_EQ(cmd(ks, rpush), ":" + std::to_string(kIds) + "\r\n");
    ASSERT_EQ(cmd(ks, mset), "+OK\r\n");

    const long rounds = test_scaled(4000, 400);
    std::atomic<int> writers_left{2};
    std::atomic<long> bad{0}, checks{0};
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
        std::vector<std::string> m = mset;
        for (long n = 1; n <= rounds; n++) {
            for (size_t i = 2; i < m.size(); i += 2)
                m[i] = std::to_string(n);
            if (cmd(ks, m) != "+OK\r\n")
                bad++;
        }
        writers_left--;
    });
    // The element kIds comes and goes: its key's shard may be one no other
    // element names, so a SORT that read the list before it came must not
    // use the shards it locked then.
    threads.emplace_back([&] {
        std::string extra = std::to_string(kIds);
        for (long n = 0; n < rounds; n++) {
            cmd(ks, {"RPUSH", "ids", extra});
            cmd(ks, {"RPOP", "ids"});
        }
        writers_left--;
    });
    threads.emplace_back([&] {
        while (writers_left.load() > 0) {
            std::vector<std::string> v =
                bulks(cmd(ks, {"SORT", "ids", "BY", "w_*", "GET", "w_*", "GET", "#"}));
            std::vector<std::string> weights;
            for (size_t i = 0; i < v.size(); i += 2)
                weights.push_back(v[i]);
            if (weights.size() < kIds || !all_equal(weights))
                bad++;
            checks++;
        }
    });
    threads.emplace_back([&] {
        while (writers_left.load() > 0) {
            std::string r = cmd(ks, {"SORT", "ids", "BY", "nosort", "GET", "w_*", "STORE", "d"});
            std::vector<std::string> v = bulks(cmd(ks, {"LRANGE", "d", "0", "-1"}));
            if (r != ":" + std::to_string(v.size()) + "\r\n" || v.size() < kIds || !all_equal(v))
                bad++;
            checks++;
        }
    });
    for (std::thread &t : threads)
        t.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(checks.load(), 0);
    keyspace_free(ks);
}
