// DEBUG DIGEST's accessors: every expected digest below is what redis-server
// 7.0.15 answered for the same commands (DEBUG DIGEST, DEBUG DIGEST-VALUE).
#include <gtest/gtest.h>

#include <string>

#include "store_harness.h"

static std::string hex(const unsigned char d[20])
{
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 20; i++) {
        s += digits[d[i] >> 4];
        s += digits[d[i] & 15];
    }
    return s;
}

static std::string digest(Store &s)
{
    unsigned char d[20];
    EXPECT_EQ(keyspace_digest(s.ks, d), 0);
    return hex(d);
}

static std::string digest_value(Store &s, const std::string &key)
{
    unsigned char d[20];
    EXPECT_EQ(keyspace_digest_value(s.ks, s.db, key.data(), key.size(), d), 0);
    return hex(d);
}

static const std::string kZeros(40, '0');

static void fill_small(Store &s)
{
    for (const char *line :
         {"SET s hello", "SET n 12345", "RPUSH l a b 1 -300", "HSET h f1 v1 f2 2", "SADD st 1 2 -5",
          "SADD sm a b 7", "ZADD z 1 a 2.5 b -inf c 3 7", "SET t v EX 1000"})
        ASSERT_NE(s.run(line)[0], '-') << line;
}

// Big enough for every large encoding: quicklist of several nodes, hash and
// set tables, a skiplist sorted set.
static void fill_big(Store &s)
{
    for (int i = 0; i < 1000; i++) {
        std::string n = std::to_string(i);
        s.run_argv({"RPUSH", "bl", "e" + std::to_string(i % 37)});
        s.run_argv({"HSET", "bh", "f" + n, std::to_string(i * 3)});
        s.run_argv({"SADD", "bs", "m" + n});
        char score[32];
        snprintf(score, sizeof(score), "%g", i / 4.0);
        s.run_argv({"ZADD", "bz", score, "z" + n});
    }
}

TEST(Digest, EachTypeAsRedisDigestsIt)
{
    Store s;
    fill_small(s);
    fill_big(s);
    const std::pair<const char *, const char *> expected[] = {
        {"s", "36b23a1456b2dce2c3ed252c456761301dba8060"},
        {"n", "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"}, // stored as an integer
        {"l", "6826501ab82f3aea4f0b5e1655c4b7bcb645dc18"},
        {"h", "fc076e867f7dbf566ea58172a151d82d78b8f845"},
        {"st", "29971aac18b3b38d1cef70d99a616ea0db83065f"}, // intset
        {"sm", "4db2915dc242371e719444ddc8b328e38ac18e1c"},
        {"z", "b7a3703542905b775c5d50e685b57c4786cf3b80"}, // -inf and an integer member
        {"t", "311b17018163335616e089f6b951c82c477335ac"}, // with a TTL
        {"bl", "e751604a6c9944673ca3cb9b3e630bb8df4df584"},
        {"bh", "a0850e70d738bc0a9d8fbd667c867187d89fc349"},
        {"bs", "351b86706c8181e24728b9ef86e9e314ac39d342"},
        {"bz", "13c3261df928882c6712e8aa15f39ae2d77be125"},
    };
    for (const auto &e : expected)
        EXPECT_EQ(digest_value(s, e.first), e.second) << e.first;
    EXPECT_EQ(digest(s), "4fa3437be908101b6b41266317624b9b1c865190");
    s.run("ZADD zf 0.1 x 1e300 y 3.3333333333333335 w");
    EXPECT_EQ(digest_value(s, "zf"), "9e9887d71d85aed34de1ad43d52e35e889509714");
    s.run("DEL zf");
    // Another database's keys come in with its number.
    s.db = 3;
    s.run("SET other 1");
    EXPECT_EQ(digest(s), "ac42e419ddbe3d48f448a43d9d0f5918774fe281");
}

TEST(Digest, EmptyAndMissingAreZeros)
{
    Store s;
    EXPECT_EQ(digest(s), kZeros);
    EXPECT_EQ(digest_value(s, "nope"), kZeros);
    s.run("SET k v");
    s.run("DEL k");
    EXPECT_EQ(digest(s), kZeros);
}

// A list's order counts, a set's does not; whether a key has a TTL counts,
// not when it ends; the key's name counts in DIGEST, not in DIGEST-VALUE.
TEST(Digest, WhatChangesTheDigest)
{
    Store a, b;
    a.run("RPUSH l x y");
    b.run("RPUSH l y x");
    EXPECT_NE(digest(a), digest(b));
    a.run("SADD st p q r");
    b.run("SADD st r q p");
    EXPECT_EQ(digest_value(a, "st"), digest_value(b, "st"));
    a.run("SET t v EX 100");
    b.run("SET t v EX 5000");
    EXPECT_EQ(digest_value(a, "t"), digest_value(b, "t"));
    b.run("PERSIST t");
    EXPECT_NE(digest_value(a, "t"), digest_value(b, "t"));
    a.run("SET name1 v");
    a.run("SET name2 v");
    EXPECT_EQ(digest_value(a, "name1"), digest_value(a, "name2"));
    Store c, d;
    c.run("SET name1 v");
    d.run("SET name2 v");
    EXPECT_NE(digest(c), digest(d));
}

// A compressed quicklist node is read through a decompressed copy: same
// digest as the plain list.
TEST(Digest, CompressedListsDigestAsPlainOnes)
{
    Store plain, packed;
    keyspace_set_list_config(plain.ks, 8, 0);
    keyspace_set_list_config(packed.ks, 8, 1);
    for (Store *s : {&plain, &packed})
        for (int i = 0; i < 1000; i++)
            s->run_argv(
                {"RPUSH", "bl", "a compressible element, number " + std::to_string(i % 37)});
    // The inner nodes really are compressed.
    ASSERT_LT(keyspace_memory_usage(packed.ks, 0, "bl", 2, packed.now_ms),
              keyspace_memory_usage(plain.ks, 0, "bl", 2, plain.now_ms) / 2);
    EXPECT_EQ(digest(packed), digest(plain));
    EXPECT_NE(digest(packed), kZeros);
}
