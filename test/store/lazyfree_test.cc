// Big aggregates leaving the keyspace are freed by the lazyfree thread, not
// under the shard lock of the command that dropped them: DEL, UNLINK, an
// overwrite (SET on a hash), HDEL of the last field... and small ones are
// freed at once. Counted with lazyfree_freed(), which only the background
// thread bumps.
#include <gtest/gtest.h>

#include <string>

#include "store/lazyfree.h"
#include "store_harness.h"

namespace
{

void big_hash(Store &s, const std::string &key, int fields)
{
    std::string line = "HSET " + key;
    for (int i = 0; i < fields; i++)
        line += " f" + std::to_string(i) + " v";
    s.run(line);
}

uint64_t freed_by(Store &s, const std::string &line)
{
    lazyfree_wait_idle();
    uint64_t before = lazyfree_freed();
    s.run(line);
    lazyfree_wait_idle();
    EXPECT_EQ(lazyfree_pending(), 0u);
    return lazyfree_freed() - before;
}

TEST(Lazyfree, BigHashesGoToTheBackgroundThread)
{
    Store s;
    big_hash(s, "h", 1000);
    EXPECT_EQ(freed_by(s, "UNLINK h"), 1u);
    big_hash(s, "h", 1000);
    EXPECT_EQ(freed_by(s, "DEL h"), 1u);
    big_hash(s, "h", 1000);
    EXPECT_EQ(freed_by(s, "SET h overwritten"), 1u);
    EXPECT_EQ(freed_by(s, "DEL h"), 0u); // the string
    big_hash(s, "h", 1000);
    big_hash(s, "h2", 1000);
    EXPECT_EQ(freed_by(s, "FLUSHALL ASYNC"), 2u);
    EXPECT_EQ(s.run("DBSIZE"), ":0\r\n");
    big_hash(s, "h", 1000);
    EXPECT_EQ(freed_by(
                  s, "HDEL h " +
                         [] {
                             std::string all;
                             for (int i = 0; i < 1000; i++)
                                 all += " f" + std::to_string(i);
                             return all;
                         }()),
              0u); // emptied field by field: nothing big is left to free
}

TEST(Lazyfree, SmallValuesAreFreedAtOnce)
{
    Store s;
    big_hash(s, "small", 64); // a listpack: one allocation
    EXPECT_EQ(freed_by(s, "DEL small"), 0u);
    s.run("HSET t a 1");
    EXPECT_EQ(freed_by(s, "UNLINK t"), 0u);
    s.run("SET str v");
    EXPECT_EQ(freed_by(s, "DEL str"), 0u);
}

TEST(Lazyfree, BigListsToo)
{
    Store s;
    std::string line = "RPUSH l";
    for (int i = 0; i < 20000; i++)
        line += " element-" + std::to_string(i);
    s.run(line);
    EXPECT_EQ(freed_by(s, "DEL l"), 1u);
}

TEST(Lazyfree, BigSetsToo)
{
    Store s;
    std::string line = "SADD s";
    for (int i = 0; i < 1000; i++)
        line += " member-" + std::to_string(i);
    s.run(line);
    EXPECT_EQ(s.run("OBJECT ENCODING s"), "$9\r\nhashtable\r\n");
    EXPECT_EQ(freed_by(s, "UNLINK s"), 1u);
    s.run("SADD ints 1 2 3"); // an intset: one allocation
    EXPECT_EQ(freed_by(s, "DEL ints"), 0u);
}

} // namespace
