// The keyspace outside the command table: configuration, the direct store
// API (for magpie-stress), statistics, and shard placement.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "store/keyspace.h"

TEST(Keyspace, ConfigDefaultsAndValidation)
{
    struct keyspace *ks = keyspace_new(nullptr);
    ASSERT_NE(ks, nullptr);
    EXPECT_EQ(keyspace_databases(ks), 16);
    EXPECT_GE(keyspace_shards(ks), 4);
    EXPECT_EQ(keyspace_shards(ks) & (keyspace_shards(ks) - 1), 0); // power of two
    keyspace_free(ks);

    struct keyspace_config cfg = {4, 0, 3};
    ks = keyspace_new(&cfg);
    ASSERT_NE(ks, nullptr);
    EXPECT_EQ(keyspace_databases(ks), 4);
    EXPECT_EQ(keyspace_shards(ks), 16); // 4 x 3 workers, rounded up
    keyspace_free(ks);

    struct keyspace_config one = {1, 1, 1};
    ks = keyspace_new(&one);
    ASSERT_NE(ks, nullptr);
    EXPECT_EQ(keyspace_shards(ks), 1);
    keyspace_free(ks);

    struct keyspace_config bad = {16, 6, 1};
    errno = 0;
    EXPECT_EQ(keyspace_new(&bad), nullptr);
    EXPECT_EQ(errno, EINVAL);
    struct keyspace_config negative = {-1, 4, 1};
    EXPECT_EQ(keyspace_new(&negative), nullptr);
}

TEST(Keyspace, DirectGetCopy)
{
    struct keyspace_config cfg = {1, 4, 1};
    struct keyspace *ks = keyspace_new(&cfg);
    const int64_t now = 1000;
    char buf[16];
    size_t len = 99;
    EXPECT_EQ(keyspace_get_copy(ks, 0, "k", 1, now, buf, sizeof(buf), &len), -ENOENT);
    ASSERT_EQ(keyspace_set(ks, 0, "k", 1, "value", 5, now), 0);
    ASSERT_EQ(keyspace_get_copy(ks, 0, "k", 1, now, buf, sizeof(buf), &len), 0);
    EXPECT_EQ(std::string(buf, len), "value");
    ASSERT_EQ(keyspace_set(ks, 0, "n", 1, "-42", 3, now), 0); // stored as an int
    ASSERT_EQ(keyspace_get_copy(ks, 0, "n", 1, now, buf, sizeof(buf), &len), 0);
    EXPECT_EQ(std::string(buf, len), "-42");
    std::string big(5000, 'x'); // long enough to be referenced, not inlined
    ASSERT_EQ(keyspace_set(ks, 0, "big", 3, big.data(), big.size(), now), 0);
    EXPECT_EQ(keyspace_get_copy(ks, 0, "big", 3, now, buf, sizeof(buf), &len), -ENOSPC);
    EXPECT_EQ(len, big.size());
    std::vector<char> large(big.size());
    ASSERT_EQ(keyspace_get_copy(ks, 0, "big", 3, now, large.data(), large.size(), &len), 0);
    EXPECT_EQ(std::string(large.data(), len), big);
    keyspace_free(ks);
}

TEST(Keyspace, DirectApi)
{
    struct keyspace_config cfg = {2, 8, 1};
    struct keyspace *ks = keyspace_new(&cfg);
    const int64_t now = 1000;
    struct bytes *b = nullptr;
    EXPECT_EQ(keyspace_get(ks, 0, "k", 1, now, &b), -ENOENT);
    EXPECT_EQ(keyspace_set(ks, 0, "k", 1, "value", 5, now), 0);
    ASSERT_EQ(keyspace_get(ks, 0, "k", 1, now, &b), 0);
    EXPECT_EQ(std::string(b->data, b->len), "value");
    bytes_unref(b);
    EXPECT_EQ(keyspace_get(ks, 1, "k", 1, now, &b), -ENOENT);   // other database
    EXPECT_EQ(keyspace_set(ks, 0, "n", 1, "12345", 5, now), 0); // stored as an int
    ASSERT_EQ(keyspace_get(ks, 0, "n", 1, now, &b), 0);
    EXPECT_EQ(std::string(b->data, b->len), "12345");
    bytes_unref(b);
    std::string bin("a\0b", 3);
    EXPECT_EQ(keyspace_set(ks, 0, bin.data(), bin.size(), bin.data(), bin.size(), now), 0);
    ASSERT_EQ(keyspace_get(ks, 0, bin.data(), bin.size(), now, &b), 0);
    EXPECT_EQ(std::string(b->data, b->len), bin);
    bytes_unref(b);
    EXPECT_EQ(keyspace_del(ks, 0, "k", 1, now), 1);
    EXPECT_EQ(keyspace_del(ks, 0, "k", 1, now), 0);
    struct keyspace_db_stats db;
    keyspace_db_stats(ks, 0, &db);
    EXPECT_EQ(db.keys, 2u);
    EXPECT_EQ(db.expires, 0u);
    struct keyspace_stats st;
    keyspace_stats(ks, &st);
    EXPECT_EQ(st.keyspace_hits, 3u);
    EXPECT_EQ(st.keyspace_misses, 2u);
    keyspace_free(ks);
}

TEST(Keyspace, KeysSpreadOverShardsAndLockStats)
{
    struct keyspace_config cfg = {1, 16, 1};
    struct keyspace *ks = keyspace_new(&cfg);
    keyspace_lock_stats_reset(ks);
    for (int i = 0; i < 16000; i++) {
        std::string k = "key:" + std::to_string(i);
        ASSERT_EQ(keyspace_set(ks, 0, k.data(), k.size(), "v", 1, 0), 0);
    }
    struct lock_stats total, one;
    keyspace_lock_stats(ks, &total);
    EXPECT_GE(total.acquisitions, 16000u);
    uint64_t sum = 0;
    for (int s = 0; s < 16; s++) {
        keyspace_shard_lock_stats(ks, s, &one);
        // A keyed hash spreads sequential keys evenly: each shard gets ~1000.
        EXPECT_GT(one.acquisitions, 700u) << s;
        EXPECT_LT(one.acquisitions, 1300u) << s;
        sum += one.acquisitions;
    }
    EXPECT_EQ(sum, total.acquisitions);
    EXPECT_EQ(total.contended, 0u);
    keyspace_lock_stats_reset(ks);
    keyspace_lock_stats(ks, &total);
    EXPECT_EQ(total.acquisitions, 0u);
    keyspace_shard_lock_stats(ks, 99, &one);
    EXPECT_EQ(one.acquisitions, 0u);
    keyspace_free(ks);
}
