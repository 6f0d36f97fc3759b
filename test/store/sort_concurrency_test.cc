// SORT reads the keys its GET patterns name at one instant, as Redis does,
// although they live in other shards: the weight keys of the list's
// elements live in one shard, that of an element which comes and goes in a
// second, the list in a third. A writer sets every weight key at once
// (MSET, atomic across both shards, and not holding the list's) while the
// list gains and loses that element; every SORT ... GET, and every list
// SORT ... STORE wrote, must show one MSET's values only.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_harness.h"
#include "test/common/test_env.h"

extern "C" uint32_t store_test_shard_of(struct keyspace *ks, int db, const char *key, size_t len);

namespace
{

const int64_t kNow = 1700000000000LL;
const int kIds = 200;

uint32_t shard_of(struct keyspace *ks, const std::string &key)
{
    return store_test_shard_of(ks, 0, key.data(), key.size());
}

// kIds elements whose weight keys share one shard, and an extra one whose
// weight key is in another; neither is the list's.
void pick_elements(struct keyspace *ks, std::vector<std::string> *ids, std::string *extra)
{
    uint32_t list = shard_of(ks, "ids"), first = UINT32_MAX;
    for (int i = 0; ids->size() < (size_t)kIds || extra->empty(); i++) {
        std::string id = std::to_string(i);
        uint32_t s = shard_of(ks, "w_" + id);
        if (s == list)
            continue;
        if (first == UINT32_MAX)
            first = s;
        if (s == first && ids->size() < (size_t)kIds)
            ids->push_back(id);
        else if (s != first && extra->empty())
            *extra = id;
    }
}

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
    std::vector<std::string> ids;
    std::string extra;
    pick_elements(ks, &ids, &extra);
    std::vector<std::string> rpush = {"RPUSH", "ids"};
    std::vector<std::string> mset = {"MSET"};
    for (const std::string &id : ids) {
        rpush.push_back(id);
        mset.push_back("w_" + id);
        mset.push_back("0");
    }
    mset.push_back("w_" + extra);
    mset.push_back("0");
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
    // The extra element comes and goes: its key's shard is one no other
    // element names, so a SORT that read the list before it came must not
    // use the shards it locked then.
    threads.emplace_back([&] {
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
