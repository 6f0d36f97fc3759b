// Sorted sets under contention, run from many threads at once (and under
// ThreadSanitizer): ZINCRBY on one member loses no increment, on both
// encodings; ZUNIONSTORE reads its sources on different shards as one
// snapshot while a writer changes them one after the other.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store_harness.h"
#include "test/common/test_env.h"

namespace
{

const int64_t kNow = 1700000000000LL;

std::string cmd(struct keyspace *ks, const std::vector<std::string> &argv)
{
    int db = 0;
    return run_on(ks, &db, kNow, argv);
}

extern "C" uint32_t zset_test_shard_of(struct keyspace *ks, int db, const char *key, size_t len);

void incr_many(struct keyspace *ks, const std::string &key, int others)
{
    for (int i = 0; i < others; i++)
        ASSERT_EQ(cmd(ks, {"ZADD", key, std::to_string(i), "o" + std::to_string(i)}), ":1\r\n");
    const int threads = 8;
    const long rounds = test_scaled(5000, 500);
    std::atomic<long> bad{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++)
        pool.emplace_back([&] {
            for (long i = 0; i < rounds; i++) {
                std::string r = cmd(ks, {"ZINCRBY", key, "1", "hot"});
                if (r.empty() || r[0] != '$')
                    bad++;
                // Readers of the same key on the way.
                if (i % 16 == 0 && cmd(ks, {"ZRANGE", key, "0", "9", "WITHSCORES"})[0] != '*')
                    bad++;
            }
        });
    for (auto &t : pool)
        t.join();
    EXPECT_EQ(bad.load(), 0);
    std::string want = std::to_string(threads * rounds);
    EXPECT_EQ(cmd(ks, {"ZSCORE", key, "hot"}),
              "$" + std::to_string(want.size()) + "\r\n" + want + "\r\n");
    EXPECT_EQ(cmd(ks, {"ZRANK", key, "hot"}), ":" + std::to_string(others) + "\r\n");
}

TEST(ZsetConcurrency, ZincrbyLosesNoIncrement)
{
    store_commands_init();
    struct keyspace_config cfg = {1, 8, 4};
    struct keyspace *ks = keyspace_new(&cfg);
    ASSERT_NE(ks, nullptr);
    incr_many(ks, "small", 10);  // a listpack
    incr_many(ks, "large", 300); // the large form: the member moves through the tree
    keyspace_free(ks);
}

// A writer bumps x in a, then in b, forever: at every instant a's score is
// b's or one more. ZUNIONSTORE with WEIGHTS 1 -1 stores a - b, which is 0
// or 1 only if it read both keys at one instant (both shards locked).
TEST(ZsetConcurrency, ZunionstoreSeesOneSnapshot)
{
    store_commands_init();
    struct keyspace_config cfg = {1, 16, 4};
    struct keyspace *ks = keyspace_new(&cfg);
    ASSERT_NE(ks, nullptr);
    // Two keys on different shards.
    std::string a = "a", b;
    int n = 0;
    do
        b = "b" + std::to_string(n++);
    while (zset_test_shard_of(ks, 0, a.data(), a.size()) ==
           zset_test_shard_of(ks, 0, b.data(), b.size()));
    ASSERT_EQ(cmd(ks, {"ZADD", a, "0", "x"}), ":1\r\n");
    ASSERT_EQ(cmd(ks, {"ZADD", b, "0", "x"}), ":1\r\n");
    std::atomic<bool> done{false};
    std::atomic<long> bad{0}, checks{0};
    const long rounds = test_scaled(40000, 4000);
    std::thread writer([&] {
        for (long i = 0; i < rounds; i++) {
            cmd(ks, {"ZINCRBY", a, "1", "x"});
            cmd(ks, {"ZINCRBY", b, "1", "x"});
        }
        done = true;
    });
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; t++)
        readers.emplace_back([&, t] {
            std::string dst = "d" + std::to_string(t);
            while (!done.load()) {
                if (cmd(ks, {"ZUNIONSTORE", dst, "2", a, b, "WEIGHTS", "1", "-1"}) != ":1\r\n")
                    bad++;
                std::string r = cmd(ks, {"ZSCORE", dst, "x"});
                if (r != "$1\r\n0\r\n" && r != "$1\r\n1\r\n")
                    bad++;
                checks++;
            }
        });
    writer.join();
    for (auto &t : readers)
        t.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(checks.load(), 0);
    keyspace_free(ks);
}

} // namespace
