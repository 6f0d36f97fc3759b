// The DEBUG subcommands test harnesses use (net/cmd_debug.c) and MEMORY
// USAGE (net/cmd_memory.c), against a server with enable-debug-command.
#include "test/net/server_fixture.h"

#include <thread>

namespace
{
class DebugMemory : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "2", "--enable-debug-command", "yes", "--hz", "100"};
    }
};

TEST_F(DebugMemory, SetActiveExpireStopsAndRestartsTheActiveCycle)
{
    auto c = client();
    EXPECT_EQ(c->call({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), "+OK\r\n");
    EXPECT_EQ(c->call({"SET", "k", "v", "PX", "20"}), "+OK\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // hz 100 would have reclaimed it many times over: it is still counted.
    EXPECT_EQ(c->call({"DBSIZE"}), ":1\r\n");
    EXPECT_EQ(c->call({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}), "+OK\r\n");
    EXPECT_TRUE(eventually([&] { return c->call({"DBSIZE"}) == ":0\r\n"; }));
}

TEST_F(DebugMemory, ChangeReplIdListpackAndStringmatch)
{
    auto c = client();
    std::string before = info_field(c->call({"INFO", "replication"}), "master_replid");
    ASSERT_EQ(before.size(), 40u);
    EXPECT_EQ(c->call({"DEBUG", "CHANGE-REPL-ID"}), "+OK\r\n");
    std::string after = info_field(c->call({"INFO", "replication"}), "master_replid");
    EXPECT_EQ(after.size(), 40u);
    EXPECT_NE(after, before);
    EXPECT_EQ(c->call({"DEBUG", "LISTPACK", "nokey"}), "-ERR no such key\r\n");
    EXPECT_EQ(c->call({"RPUSH", "l", "a"}), ":1\r\n");
    EXPECT_EQ(c->call({"DEBUG", "LISTPACK", "l"}), "-ERR Not a listpack encoded object.\r\n");
    EXPECT_EQ(c->call({"DEBUG", "STRINGMATCH-TEST"}, 60000),
              "+Apparently Redis did not crash: test passed\r\n");
    EXPECT_EQ(c->call({"DEBUG", "STRINGMATCH-LEN"}),
              "-ERR unknown subcommand or wrong number of arguments for 'STRINGMATCH-LEN'. Try "
              "DEBUG HELP.\r\n");
}

TEST_F(DebugMemory, UsageFollowsTheValue)
{
    auto c = client();
    EXPECT_EQ(c->call({"SET", "small", "v"}), "+OK\r\n");
    EXPECT_EQ(c->call({"SET", "big", std::string(100000, 'x')}), "+OK\r\n");
    long long small = std::stoll(c->call({"MEMORY", "USAGE", "small"}).substr(1));
    long long big = std::stoll(c->call({"MEMORY", "USAGE", "big"}).substr(1));
    EXPECT_GT(small, 0);
    EXPECT_GE(big, 100000);
    EXPECT_LT(big, 100000 + 4096);
    EXPECT_EQ(c->call({"MEMORY", "USAGE", "nokey"}), "$-1\r\n");
}
} // namespace
