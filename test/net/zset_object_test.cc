// DEBUG OBJECT and MEMORY USAGE of sorted sets: the encodings and RDB
// serialized lengths redis-server 7.0.15 reports for the same data
// (listpack: the blob's length; skiplist: count, members and 8-byte
// binary scores), checked by hand against it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

#include "test/net/server_fixture.h"

namespace
{

class ZsetObject : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--enable-debug-command", "yes", "--enable-protected-configs", "local"};
    }
};

} // namespace

TEST_F(ZsetObject, DebugObjectMatchesRedis)
{
    auto c = client();
    ASSERT_EQ(c->call({"ZADD", "s", "1", "a", "2.5", "b", "3", "c"}), ":3\r\n");
    std::vector<std::string> add = {"ZADD", "b"};
    for (int i = 1; i <= 200; i++) {
        add.push_back(std::to_string(i));
        add.push_back("member" + std::to_string(i));
    }
    ASSERT_EQ(c->call(add), ":200\r\n");
    ASSERT_EQ(c->call({"ZADD", "b", "1.5", "x"}), ":1\r\n");
    EXPECT_NE(c->call({"DEBUG", "OBJECT", "s"}).find(" encoding:listpack serializedlength:26 "),
              std::string::npos);
    EXPECT_NE(c->call({"DEBUG", "OBJECT", "b"}).find(" encoding:skiplist serializedlength:3504 "),
              std::string::npos);
    std::string usage = c->call({"MEMORY", "USAGE", "b"});
    ASSERT_EQ(usage[0], ':');
    EXPECT_GT(std::stol(usage.substr(1)), 201 * 40);
}

// DEBUG RELOAD saves and loads through the RDB writer and loader: both
// encodings come back with the same elements, scores and encodings, and
// DUMP of the listpack one is the same bytes.
TEST_F(ZsetObject, DebugReloadKeepsSortedSets)
{
    auto c = client();
    char dir[] = "/tmp/magpie-zset-reload-XXXXXX"; // not the working directory
    ASSERT_NE(mkdtemp(dir), nullptr);
    ASSERT_EQ(c->call({"CONFIG", "SET", "dir", dir}), "+OK\r\n");
    ASSERT_EQ(c->call({"ZADD", "s", "1", "a", "-0", "b", "inf", "c", "-inf", "d"}), ":4\r\n");
    std::vector<std::string> add = {"ZADD", "b"};
    for (int i = 1; i <= 300; i++) {
        add.push_back(std::to_string(i * 0.5));
        add.push_back("member" + std::to_string(i));
    }
    ASSERT_EQ(c->call(add), ":300\r\n");
    std::string small = c->call({"ZRANGE", "s", "0", "-1", "WITHSCORES"});
    std::string big = c->call({"ZRANGE", "b", "0", "-1", "WITHSCORES"});
    std::string dump = c->call({"DUMP", "s"});
    ASSERT_EQ(c->call({"DEBUG", "RELOAD"}), "+OK\r\n");
    EXPECT_EQ(c->call({"ZRANGE", "s", "0", "-1", "WITHSCORES"}), small);
    EXPECT_EQ(c->call({"ZRANGE", "b", "0", "-1", "WITHSCORES"}), big);
    EXPECT_EQ(c->call({"OBJECT", "ENCODING", "s"}), "$8\r\nlistpack\r\n");
    EXPECT_EQ(c->call({"OBJECT", "ENCODING", "b"}), "$8\r\nskiplist\r\n");
    EXPECT_EQ(c->call({"DUMP", "s"}), dump);
    unlink((std::string(dir) + "/dump.rdb").c_str());
    rmdir(dir);
}
