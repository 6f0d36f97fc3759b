// Time-dependent semantics, with the harness's clock moved by hand: lazy
// expiry, TTL rounding, the active expiry cycle, and the expiry statistics.
#include <gtest/gtest.h>

#include "store_harness.h"

TEST(Expiry, LazyExpiryAtTheExactMillisecond)
{
    Store s;
    EXPECT_EQ(s.run("SET k v PX 100"), "+OK\r\n");
    s.now_ms += 100; // Redis: a key expires when now > when
    EXPECT_EQ(s.run("GET k"), "$1\r\nv\r\n");
    EXPECT_EQ(s.run("PTTL k"), ":0\r\n");
    s.now_ms += 1;
    EXPECT_EQ(s.run("GET k"), "$-1\r\n");
    EXPECT_EQ(s.run("EXISTS k"), ":0\r\n");
    struct keyspace_stats st;
    keyspace_stats(s.ks, &st);
    EXPECT_EQ(st.expired_keys, 1u);
}

TEST(Expiry, TtlRoundsLikeRedis)
{
    Store s;
    s.run("SET k v PX 1499");
    EXPECT_EQ(s.run("TTL k"), ":1\r\n");
    EXPECT_EQ(s.run("PTTL k"), ":1499\r\n");
    s.run("SET k v PX 1500");
    EXPECT_EQ(s.run("TTL k"), ":2\r\n");
    s.run("SET k v EX 10");
    s.now_ms += 2500;
    EXPECT_EQ(s.run("TTL k"), ":8\r\n"); // 7500 ms, rounded half up
    EXPECT_EQ(s.run("PTTL k"), ":7500\r\n");
    EXPECT_EQ(s.run("PEXPIRETIME k"), ":" + std::to_string(s.now_ms + 7500) + "\r\n");
}

TEST(Expiry, SetVariantsAndKeepTtl)
{
    Store s;
    s.run("SET k v EX 100");
    EXPECT_EQ(s.run("SET k v2 KEEPTTL"), "+OK\r\n");
    EXPECT_EQ(s.run("TTL k"), ":100\r\n");
    EXPECT_EQ(s.run("SET k v3"), "+OK\r\n");
    EXPECT_EQ(s.run("TTL k"), ":-1\r\n");
    EXPECT_EQ(s.run("SET k v EXAT " + std::to_string(s.now_ms / 1000 + 50)), "+OK\r\n");
    EXPECT_EQ(s.run("TTL k"), ":50\r\n");
    EXPECT_EQ(s.run("SET k v PXAT " + std::to_string(s.now_ms + 1234)), "+OK\r\n");
    EXPECT_EQ(s.run("PTTL k"), ":1234\r\n");
    // An absolute time in the past is accepted and the key is gone at once.
    EXPECT_EQ(s.run("SET k v PXAT 1"), "+OK\r\n");
    EXPECT_EQ(s.run("GET k"), "$-1\r\n");
    // APPEND, SETRANGE and INCR keep the TTL.
    s.run("SET k 1 EX 100");
    s.run("INCR k");
    s.run("APPEND k x");
    s.run("SETRANGE k 0 y");
    EXPECT_EQ(s.run("TTL k"), ":100\r\n");
    EXPECT_EQ(s.run("GET k"), "$2\r\nyx\r\n");
}

TEST(Expiry, GetexPersistAndExat)
{
    Store s;
    s.run("SET k v EX 100");
    EXPECT_EQ(s.run("GETEX k PERSIST"), "$1\r\nv\r\n");
    EXPECT_EQ(s.run("TTL k"), ":-1\r\n");
    EXPECT_EQ(s.run("GETEX k EXAT " + std::to_string(s.now_ms / 1000 + 20)), "$1\r\nv\r\n");
    EXPECT_EQ(s.run("TTL k"), ":20\r\n");
    // EXAT exactly now deletes (<= now), after replying the value.
    EXPECT_EQ(s.run("GETEX k PXAT " + std::to_string(s.now_ms)), "$1\r\nv\r\n");
    EXPECT_EQ(s.run("EXISTS k"), ":0\r\n");
}

TEST(Expiry, ExpireGtLtWithPersistentKeys)
{
    Store s;
    s.run("SET k v");
    // GT: a persistent key counts as infinite TTL, so GT never applies.
    EXPECT_EQ(s.run("EXPIRE k 100 GT"), ":0\r\n");
    // LT: infinite is larger than anything, so LT applies.
    EXPECT_EQ(s.run("EXPIRE k 100 LT"), ":1\r\n");
    EXPECT_EQ(s.run("EXPIRE k 100 LT"), ":0\r\n");
    EXPECT_EQ(s.run("EXPIRE k 99 LT"), ":1\r\n");
    EXPECT_EQ(s.run("EXPIRE k 99 GT"), ":0\r\n");
    EXPECT_EQ(s.run("PEXPIRE k 99001 GT"), ":1\r\n");
    EXPECT_EQ(s.run("PTTL k"), ":99001\r\n");
    // A negative time with LT deletes the key.
    EXPECT_EQ(s.run("EXPIRE k -1 LT"), ":1\r\n");
    EXPECT_EQ(s.run("EXISTS k"), ":0\r\n");
}

TEST(Expiry, PersistAndReExpireReuseTheSlot)
{
    Store s;
    for (int i = 0; i < 5; i++) {
        EXPECT_EQ(s.run("EXPIRE k 10"), ":0\r\n");
        s.run("SET k v");
        EXPECT_EQ(s.run("EXPIRE k 10"), ":1\r\n");
        EXPECT_EQ(s.run("PERSIST k"), ":1\r\n");
        EXPECT_EQ(s.run("PERSIST k"), ":0\r\n");
        EXPECT_EQ(s.run("EXPIRE k 10"), ":1\r\n");
        struct keyspace_db_stats db;
        keyspace_db_stats(s.ks, 0, &db);
        EXPECT_EQ(db.keys, 1u);
        EXPECT_EQ(db.expires, 1u);
        s.run("DEL k");
    }
}

TEST(Expiry, RenameMoveCopyCarryTtl)
{
    Store s;
    s.run("SET a v PX 5000");
    s.run("RENAME a b");
    EXPECT_EQ(s.run("PTTL b"), ":5000\r\n");
    s.run("COPY b c");
    EXPECT_EQ(s.run("PTTL c"), ":5000\r\n");
    s.run("MOVE c 3");
    s.run("SELECT 3");
    EXPECT_EQ(s.run("PTTL c"), ":5000\r\n");
    s.now_ms += 5001;
    EXPECT_EQ(s.run("GET c"), "$-1\r\n");
    s.run("SELECT 0");
    EXPECT_EQ(s.run("GET b"), "$-1\r\n");
    // Renaming an expired key: no such key.
    s.run("SET x v PX 10");
    s.now_ms += 11;
    EXPECT_EQ(s.run("RENAME x y"), "-ERR no such key\r\n");
}

TEST(Expiry, ExpiredKeysAreInvisibleEverywhere)
{
    Store s;
    s.run("SET gone v PX 10");
    s.run("SET stays v");
    s.now_ms += 11;
    EXPECT_EQ(s.run("KEYS *"), "*1\r\n$5\r\nstays\r\n");
    EXPECT_EQ(s.run("SCAN 0 COUNT 1000"), "*2\r\n$1\r\n0\r\n*1\r\n$5\r\nstays\r\n");
    EXPECT_EQ(s.run("RANDOMKEY"), "$5\r\nstays\r\n");
    EXPECT_EQ(s.run("MGET gone stays"), "*2\r\n$-1\r\n$1\r\nv\r\n");
    EXPECT_EQ(s.run("SETNX gone new"), ":1\r\n");
    EXPECT_EQ(s.run("TTL gone"), ":-1\r\n");
}

TEST(Expiry, ActiveCycleReclaimsWithoutAccess)
{
    Store s(2, 4);
    for (int i = 0; i < 2000; i++)
        s.run("SET k" + std::to_string(i) + " v PX " + std::to_string(i < 1500 ? 100 : 100000));
    for (int i = 0; i < 100; i++)
        s.run("SET p" + std::to_string(i) + " v");
    struct keyspace_db_stats db;
    keyspace_db_stats(s.ks, 0, &db);
    EXPECT_EQ(db.keys, 2100u);
    EXPECT_EQ(db.expires, 2000u);
    // Nothing is due yet.
    EXPECT_EQ(keyspace_expire_cycle(s.ks, s.now_ms, 1000000000ull), 0u);
    // Adaptive sampling keeps going while a shard is >10% stale: with a big
    // budget the cycles reclaim almost everything that is due.
    uint64_t reclaimed = 0;
    for (int i = 0; i < 20; i++)
        reclaimed += keyspace_expire_cycle(s.ks, s.now_ms + 101, 1000000000ull);
    keyspace_db_stats(s.ks, 0, &db);
    EXPECT_EQ(reclaimed + db.keys, 2100u);
    EXPECT_GE(reclaimed, 1350u); // at most 10% stale may remain per shard
    EXPECT_EQ(db.expires, 2000u - reclaimed);
    // The survivors are exactly the keys not yet due plus the stale rest.
    s.now_ms += 101;
    for (int i = 1500; i < 2000; i++)
        ASSERT_EQ(s.run("EXISTS k" + std::to_string(i)), ":1\r\n");
    struct keyspace_stats st;
    keyspace_stats(s.ks, &st);
    EXPECT_EQ(st.expired_keys, reclaimed);
}

TEST(Expiry, StatsCountHitsAndMisses)
{
    Store s;
    s.run("SET a 1");
    s.run("GET a");
    s.run("GET b");
    s.run("EXISTS a b");
    s.run("SET c 1"); // a write lookup: no stats
    struct keyspace_stats st;
    keyspace_stats(s.ks, &st);
    EXPECT_EQ(st.keyspace_hits, 2u);
    EXPECT_EQ(st.keyspace_misses, 2u);
}

TEST(Expiry, IdletimeFollowsTheClock)
{
    Store s;
    s.run("SET k v");
    s.now_ms += 7000;
    EXPECT_EQ(s.run("OBJECT IDLETIME k"), ":7\r\n");
    EXPECT_EQ(s.run("TYPE k"), "+string\r\n"); // TYPE does not touch
    EXPECT_EQ(s.run("OBJECT IDLETIME k"), ":7\r\n");
    s.run("GET k");
    EXPECT_EQ(s.run("OBJECT IDLETIME k"), ":0\r\n");
    s.now_ms += 3000;
    s.run("TOUCH k");
    EXPECT_EQ(s.run("OBJECT IDLETIME k"), ":0\r\n");
}
