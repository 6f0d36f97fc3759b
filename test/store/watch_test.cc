// WATCH's store side (store/watch.h): which changes mark a watch list dirty,
// Redis 7.0's rules for keys that expire while watched, FLUSHDB / FLUSHALL /
// SWAPDB, and a failing allocation.
#include <gtest/gtest.h>

#include <string>

#include "core/alloc.h"
#include "store/watch.h"
#include "test/store/store_harness.h"

namespace
{

class Watch : public testing::Test
{
  protected:
    // One shard per database: every key shares its shard with every other.
    Store s{16, 1};
    struct watch_list w;

    void SetUp() override
    {
        store_commands_init();
        watch_list_init(&w);
    }
    void TearDown() override
    {
        keyspace_unwatch_all(&w);
    }

    void watch(const std::string &key, int db = 0)
    {
        ASSERT_EQ(keyspace_watch(s.ks, &w, db, key.data(), key.size(), s.now_ms), 0);
    }
    bool dirty()
    {
        return watch_list_dirty(&w);
    }
    bool broken()
    {
        return watch_list_broken(&w, s.now_ms);
    }
};

} // namespace

TEST_F(Watch, AWriteToTheKeyMarksTheListAnotherKeyOfTheShardDoesNot)
{
    s.run("SET k v");
    watch("k");
    s.run("SET other v");
    s.run("DEL missing");
    EXPECT_FALSE(dirty());
    s.run("GET k");
    EXPECT_FALSE(dirty()) << "a read is no change";
    s.run("APPEND k x");
    EXPECT_TRUE(dirty());
    EXPECT_TRUE(broken());
}

TEST_F(Watch, AMissingKeyIsChangedByItsCreation)
{
    watch("k");
    s.run("DEL k");
    EXPECT_FALSE(dirty()) << "deleting nothing is no change";
    s.run("RPUSH k a");
    EXPECT_TRUE(dirty());
}

TEST_F(Watch, TheSameNameInAnotherDatabaseIsAnotherKey)
{
    watch("k", 0);
    s.run("SELECT 1");
    s.run("SET k v");
    EXPECT_FALSE(dirty());
    s.run("MOVE k 0");
    EXPECT_TRUE(dirty());
}

TEST_F(Watch, ExpiringAWatchedKeyIsAChange)
{
    s.run("SET k v PX 100");
    watch("k");
    EXPECT_FALSE(broken());
    s.now_ms += 200;
    // Expired but still stored: EXEC fails all the same.
    EXPECT_FALSE(dirty());
    EXPECT_TRUE(broken());
    s.run("GET k"); // reclaims it: the expiry is announced
    EXPECT_TRUE(dirty());
}

TEST_F(Watch, AKeyAlreadyExpiredWhenWatchedChangesOnlyWhenWrittenAgain)
{
    s.run("SET k v PX 100");
    s.now_ms += 200;
    watch("k");
    EXPECT_FALSE(broken());
    s.run("GET k"); // reclaimed: logically it was gone already
    EXPECT_FALSE(dirty());
    EXPECT_FALSE(broken());
    s.run("SET k again");
    EXPECT_TRUE(dirty());
}

TEST_F(Watch, AKeyAlreadyExpiredWhenWatchedIsChangedByAWriteThatReclaimsIt)
{
    s.run("SET k v PX 100");
    s.now_ms += 200;
    watch("k");
    s.run("SET k fresh"); // the lookup reclaims it, then the SET creates it
    EXPECT_TRUE(dirty());
}

TEST_F(Watch, FlushChangesOnlyWatchedKeysThatExisted)
{
    s.run("SET k v");
    watch("absent");
    s.run("FLUSHDB");
    EXPECT_FALSE(dirty());
    s.run("SET k v");
    watch("k");
    s.run("SELECT 2");
    s.run("FLUSHDB"); // another database
    EXPECT_FALSE(dirty());
    s.run("FLUSHALL");
    EXPECT_TRUE(dirty());
}

TEST_F(Watch, FlushOfAKeyAlreadyExpiredWhenWatchedIsNoChange)
{
    s.run("SET k v PX 100");
    s.now_ms += 200;
    watch("k");
    s.run("FLUSHDB");
    EXPECT_FALSE(dirty());
    EXPECT_FALSE(broken());
}

TEST_F(Watch, SwapdbChangesAKeyThatExistsOnEitherSide)
{
    watch("k", 0);
    watch("j", 0);
    s.run("SELECT 1");
    s.run("SET unrelated v");
    s.run("SWAPDB 0 1");
    EXPECT_FALSE(dirty()) << "neither database holds k or j";
    s.run("SELECT 0"); // db 0 now holds `unrelated`
    s.run("SELECT 1");
    s.run("SET k v");
    s.run("SWAPDB 1 0");
    EXPECT_TRUE(dirty());
}

TEST_F(Watch, WatchingTwiceWatchesOnce)
{
    watch("k");
    watch("k");
    EXPECT_EQ(w.count, 1u);
    keyspace_unwatch_all(&w);
    EXPECT_EQ(w.count, 0u);
    s.run("SET k v");
    EXPECT_FALSE(dirty()) << "unwatched";
}

TEST_F(Watch, TwoClientsOnOneKeyAreMarkedTogetherAndLeaveSeparately)
{
    struct watch_list other;
    watch_list_init(&other);
    watch("k");
    ASSERT_EQ(keyspace_watch(s.ks, &other, 0, "k", 1, s.now_ms), 0);
    keyspace_unwatch_all(&w);
    s.run("SET k v");
    EXPECT_FALSE(dirty());
    EXPECT_TRUE(watch_list_dirty(&other));
    keyspace_unwatch_all(&other);
    EXPECT_FALSE(watch_list_dirty(&other));
}

TEST_F(Watch, AFailedAllocationWatchesNothingAndLeavesNoTrace)
{
    for (long n = 0; n < 4; n++) {
        mem_fail_after(n);
        int rc = keyspace_watch(s.ks, &w, 0, "k", 1, s.now_ms);
        mem_fail_reset();
        if (rc == 0) {
            EXPECT_EQ(w.count, 1u);
            break;
        }
        EXPECT_EQ(rc, -ENOMEM);
        EXPECT_EQ(w.count, 0u);
    }
    EXPECT_EQ(w.count, 1u);
    s.run("SET k v");
    EXPECT_TRUE(dirty());
}
