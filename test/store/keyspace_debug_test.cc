// DEBUG OBJECT's accessor: encoding, refcount and RDB sizes as redis-server
// 7.0.15 reports them for the same values (LZF compression aside).
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "store_harness.h"

static struct keyspace_object_info info_of(Store &s, const std::string &key)
{
    struct keyspace_object_info info = {};
    EXPECT_EQ(keyspace_object_info(s.ks, s.db, key.data(), key.size(), s.now_ms, &info), 0) << key;
    return info;
}

TEST(KeyspaceDebug, SerializedLengthLikeRedis)
{
    Store s;
    const struct {
        const char *value;
        const char *encoding;
        unsigned long long length;
    } cases[] = {
        {"bar", "embstr", 4},        // length prefix + bytes
        {"12", "int", 2},            // 8-bit integer
        {"-5", "int", 2},            //
        {"40000", "int", 5},         // 32-bit integer
        {"-2147483648", "int", 5},   //
        {"12345678901", "int", 12},  // beyond 32 bits: as its digits
        {"-12345678901", "int", 13}, //
        {"007", "embstr", 4},        // not canonical: a string
        {"abcdefghijklmnopqrstuvwxyz0123456789", "embstr", 37},
    };
    for (auto &c : cases) {
        ASSERT_EQ(s.run_argv({"SET", "k", c.value}), "+OK\r\n");
        struct keyspace_object_info info = info_of(s, "k");
        EXPECT_STREQ(info.encoding, c.encoding) << c.value;
        EXPECT_EQ(info.serialized_length, c.length) << c.value;
    }
    // 100 < 16384: a two-byte length prefix. (Redis would LZF-compress this
    // repetitive string and report less: see store/keyspace_debug.c.)
    std::string big(100, 'x');
    s.run_argv({"SET", "k", big});
    EXPECT_EQ(info_of(s, "k").serialized_length, 102u);
    EXPECT_STREQ(info_of(s, "k").encoding, "raw");
    // A short string that spells a 32-bit integer is stored in integer form.
    s.run("APPEND ap 1");
    s.run("APPEND ap 23");
    EXPECT_STREQ(info_of(s, "ap").encoding, "raw");
    EXPECT_EQ(info_of(s, "ap").serialized_length, 2u);
}

TEST(KeyspaceDebug, RefcountLruAndMissingKeys)
{
    Store s;
    s.run("SET shared 9999");
    s.run("SET own 10000");
    EXPECT_EQ(info_of(s, "shared").refcount, 2147483647);
    EXPECT_EQ(info_of(s, "own").refcount, 1);
    struct keyspace_object_info before = info_of(s, "own");
    EXPECT_EQ(before.lru, (uint32_t)((uint64_t)s.now_ms / 1000) & 0xffffffu);
    EXPECT_EQ(before.idle_seconds, 0u);
    s.now_ms += 5000;
    EXPECT_EQ(info_of(s, "own").idle_seconds, 5u); // reading did not touch it
    EXPECT_EQ(info_of(s, "own").lru, before.lru);
    EXPECT_NE(info_of(s, "own").address, info_of(s, "shared").address);
    struct keyspace_object_info info;
    EXPECT_EQ(keyspace_object_info(s.ks, 0, "nokey", 5, s.now_ms, &info), -ENOENT);
    s.run("SET gone v PX 10");
    s.now_ms += 20;
    EXPECT_EQ(keyspace_object_info(s.ks, 0, "gone", 4, s.now_ms, &info), -ENOENT);
}
