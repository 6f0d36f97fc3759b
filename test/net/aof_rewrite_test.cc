// BGREWRITEAOF and BGSAVE beside the append-only file (net/aof.h): writes
// go on during a rewrite, either base keeps every sorted set, a rewrite or
// turning the log on under writes loses and doubles nothing, BGSAVE and
// BGREWRITEAOF schedule each other as Redis, and BGSAVE's point in time is
// the command.
#include "test/net/aof_test_util.h"

#include <sys/stat.h>

using namespace aof_test;

// With aof-use-rdb-preamble no the base is the same copy-before-write
// snapshot as an RDB base: writers go on while it runs. The rewrite is held
// open after its point in time (MAGPIE_SNAPSHOT_HOLD_MS) while INCRs keep
// completing; the base holds the counter as it was at the point in time,
// and the restarted server every increment.
TEST(Aof, WritesGoOnDuringACommandsBaseRewrite)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    std::vector<std::string> args = d.args("no");
    args.insert(args.end(), {"--aof-use-rdb-preamble", "no"});
    setenv("MAGPIE_SNAPSHOT_HOLD_MS", "1000", 1);
    ServerProcess p;
    bool started = p.start(args);
    unsetenv("MAGPIE_SNAPSHOT_HOLD_MS");
    ASSERT_TRUE(started);
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    EXPECT_EQ(c.call({"SET", "k", "0"}), "+OK\r\n");
    EXPECT_EQ(c.call({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    long n = 0, during = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (info_field(c, "aof_rewrite_in_progress") == "1" &&
           std::chrono::steady_clock::now() < deadline) {
        ASSERT_EQ(c.call({"INCR", "k"}), ":" + std::to_string(++n) + "\r\n");
        during++;
    }
    EXPECT_GT(during, 10) << "writes waited for the rewrite";
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrites") == "1"; }));
    std::string base = d.read("appendonly.aof.2.base.aof");
    std::string set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$";
    size_t at = base.find(set);
    ASSERT_NE(at, std::string::npos) << base;
    size_t value = base.find("\r\n", at + set.size()) + 2;
    long in_base = std::stol(base.substr(value, base.find("\r\n", value) - value));
    EXPECT_LT(in_base, n - 5) << "the base is as it was at its point in time";
    EXPECT_EQ(p.stop(), 0);
    Connected q;
    ASSERT_TRUE(q.start(args));
    EXPECT_EQ(q.client.call({"GET", "k"}),
              "$" + std::to_string(std::to_string(n).size()) + "\r\n" + std::to_string(n) + "\r\n");
}

// A BGSAVE and a rewrite never run side by side, with Redis's replies: a
// BGREWRITEAOF during a BGSAVE is scheduled and runs after it; a BGSAVE
// during a rewrite is refused, or scheduled with SCHEDULE. The commands go
// in one pipeline, so the first is still running (100K keys to save) when
// the second comes.
TEST(Aof, BgsaveAndRewriteScheduleEachOtherAsRedis)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    Connected p;
    ASSERT_TRUE(p.start({"--threads", "2", "--dir", d.path}));
    RespClient &c = p.client;
    fill_100k_keys(c);
    auto pipeline = [&](const std::vector<std::vector<std::string>> &cmds) {
        std::string bytes, replies;
        for (auto &cmd : cmds)
            bytes += testing_server::resp_command(cmd);
        EXPECT_TRUE(c.send(bytes));
        for (size_t i = 0; i < cmds.size(); i++)
            replies += c.read_reply();
        return replies;
    };
    EXPECT_EQ(pipeline({{"BGSAVE"}, {"BGREWRITEAOF"}, {"BGSAVE", "SCHEDULE"}}),
              "+Background saving started\r\n"
              "+Background append only file rewriting scheduled\r\n"
              "-ERR Background save already in progress\r\n");
    ASSERT_TRUE(wait_until([&] {
        return info_field(c, "aof_rewrites") == "1" &&
               info_field(c, "aof_rewrite_scheduled") == "0";
    }));
    EXPECT_EQ(info_field(c, "rdb_saves"), "1");
    EXPECT_EQ(pipeline({{"BGREWRITEAOF"}, {"BGSAVE"}, {"BGSAVE", "SCHEDULE"}, {"BGREWRITEAOF"}}),
              "+Background append only file rewriting started\r\n"
              "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
              "SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n"
              "+Background saving scheduled\r\n"
              "-ERR Background append only file rewriting already in progress\r\n");
    ASSERT_TRUE(wait_until([&] {
        return info_field(c, "rdb_saves") == "2" && info_field(c, "rdb_bgsave_in_progress") == "0";
    }));
    EXPECT_EQ(info_field(c, "aof_rewrites"), "2");
    EXPECT_EQ(info_field(c, "rdb_last_bgsave_status"), "ok");
    // Inside EXEC both are scheduled, as Redis forks no child there (the
    // reply checked against redis-server 7.0); the cron runs them after.
    EXPECT_EQ(pipeline({{"MULTI"}, {"BGSAVE"}, {"BGREWRITEAOF"}, {"EXEC"}}),
              "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+Background saving scheduled\r\n"
              "+Background append only file rewriting scheduled\r\n");
    ASSERT_TRUE(wait_until(
        [&] { return info_field(c, "rdb_saves") == "3" && info_field(c, "aof_rewrites") == "3"; }));
}

// BGSAVE's point in time is the command itself, as a fork's is: in one
// pipeline with 100K keys to save, the write before it is in the file and
// the write after it is not.
TEST(Aof, BgsaveHoldsTheKeyspaceAsAtTheCommand)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    Connected p;
    ASSERT_TRUE(p.start({"--threads", "2", "--dir", d.path}));
    RespClient &c = p.client;
    fill_100k_keys(c);
    for (int round = 1; round <= 3; round++) {
        std::string before = "before-" + std::to_string(round);
        std::string bytes = testing_server::resp_command({"SET", "x", before}) +
                            testing_server::resp_command({"BGSAVE"}) +
                            testing_server::resp_command({"SET", "x", "after"}) +
                            testing_server::resp_command({"DEL", "key:0:0"});
        ASSERT_TRUE(c.send(bytes));
        std::string replies;
        for (int i = 0; i < 4; i++)
            replies += c.read_reply();
        ASSERT_EQ(replies, "+OK\r\n+Background saving started\r\n+OK\r\n:" +
                               std::string(round == 1 ? "1" : "0") + "\r\n");
        ASSERT_TRUE(wait_until([&] {
            return info_field(c, "rdb_saves") == std::to_string(round) &&
                   info_field(c, "rdb_bgsave_in_progress") == "0";
        }));
        Connected q; // loads the dump from the same dir
        ASSERT_TRUE(q.start({"--threads", "2", "--dir", d.path, "--save", ""}));
        RespClient &r = q.client;
        EXPECT_EQ(r.call({"GET", "x"}),
                  "$" + std::to_string(before.size()) + "\r\n" + before + "\r\n")
            << "round " << round;
        EXPECT_EQ(r.call({"EXISTS", "key:0:0"}), round == 1 ? ":1\r\n" : ":0\r\n");
        EXPECT_EQ(r.call({"DBSIZE"}), round == 1 ? ":100001\r\n" : ":100000\r\n");
    }
}

// A rewrite keeps sorted sets, in either base: as ZADD batches (a large
// one spanning several commands) or in RDB. A listpack with integer members
// and infinite scores, and a large form, come back with every member and
// score.
class AofBase : public ::testing::TestWithParam<const char *>
{
};
INSTANTIATE_TEST_SUITE_P(Preamble, AofBase, ::testing::Values("no", "yes"));

TEST_P(AofBase, RewriteKeepsSortedSets)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    std::vector<std::string> off = {
        "--threads", "2", "--appenddirname", d.dir(), "--aof-use-rdb-preamble", GetParam()};
    Connected p;
    ASSERT_TRUE(p.start(off));
    RespClient &c = p.client;
    c.call({"ZADD", "small", "-inf", "12", "1.5", "m", "inf", "-7"});
    std::vector<std::string> big = {"ZADD", "big"};
    for (int i = 0; i < 200; i++) {
        big.push_back(std::to_string(i * 0.25));
        big.push_back("member:" + std::to_string(i));
    }
    c.call(big);
    c.call({"PEXPIRE", "small", "100000000"});
    EXPECT_EQ(c.call({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_enabled") == "1"; }));
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrite_in_progress") == "0"; }));
    EXPECT_EQ(info_field(c, "aof_last_bgrewrite_status"), "ok");
    std::string small = c.call({"ZRANGE", "small", "0", "-1", "WITHSCORES"});
    std::string whole = c.call({"ZRANGE", "big", "0", "-1", "WITHSCORES"});
    EXPECT_EQ(p.server.stop(), 0);

    EXPECT_NE(d.read("appendonly.aof.manifest")
                  .find(std::string("base.") + (GetParam()[0] == 'y' ? "rdb" : "aof")),
              std::string::npos);
    Connected q;
    ASSERT_TRUE(q.start(d.args()));
    RespClient &r = q.client;
    EXPECT_EQ(r.call({"ZRANGE", "small", "0", "-1", "WITHSCORES"}), small);
    EXPECT_EQ(small,
              "*6\r\n$2\r\n12\r\n$4\r\n-inf\r\n$1\r\nm\r\n$3\r\n1.5\r\n$2\r\n-7\r\n$3\r\ninf\r\n");
    EXPECT_EQ(r.call({"ZRANGE", "big", "0", "-1", "WITHSCORES"}), whole);
    EXPECT_EQ(r.call({"ZCARD", "big"}), ":200\r\n");
    EXPECT_EQ(r.call({"OBJECT", "ENCODING", "big"}), "$8\r\nskiplist\r\n");
    EXPECT_EQ(r.call({"TTL", "small"}).substr(0, 1), ":");
    EXPECT_NE(r.call({"TTL", "small"}), ":-1\r\n");
}

// Records split between the old incremental file and the new one exactly
// at the base's point in time: no increment is lost or applied twice. With
// an RDB base, each shard is cut as the snapshot saves it while writes go
// on; with commands, under every lock at once.
TEST_P(AofBase, RewriteUnderWritesLosesNothing)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    ServerProcess p;
    std::vector<std::string> args = d.args("everysec");
    args.insert(args.end(), {"--aof-use-rdb-preamble", GetParam()});
    ASSERT_TRUE(p.start(args));
    IncrWriter writer(p.port);
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrite_in_progress") == "0"; }));
        EXPECT_EQ(c.call({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrite_in_progress") == "0"; }));
    writer.finish();
    EXPECT_GT(writer.total(), 0);
    EXPECT_EQ(info_field(c, "aof_rewrites"), "3");
    EXPECT_EQ(p.stop(), 0);
    std::string ext = GetParam()[0] == 'y' ? "rdb" : "aof";
    EXPECT_EQ(d.read("appendonly.aof.manifest"),
              "file appendonly.aof.4.base." + ext +
                  " seq 4 type b\n"
                  "file appendonly.aof.4.incr.aof seq 4 type i\n");
    ServerProcess q;
    ASSERT_TRUE(q.start(d.args()));
    writer.expect_counters(q.port);
}

// CONFIG SET appendonly yes while a client writes: what came before each
// shard's cut is in the base, what came after in the log, nothing twice.
TEST_P(AofBase, TurnedOnUnderWritesLosesNothing)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    ServerProcess p;
    ASSERT_TRUE(p.start({"--threads", "2", "--appenddirname", d.dir(), "--appendfsync", "everysec",
                         "--aof-use-rdb-preamble", GetParam()}));
    IncrWriter writer(p.port);
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(c.call({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_enabled") == "1"; }));
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrite_in_progress") == "0"; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    writer.finish();
    EXPECT_GT(writer.total(), 0);
    EXPECT_EQ(p.stop(), 0);
    ServerProcess q;
    ASSERT_TRUE(q.start(d.args()));
    writer.expect_counters(q.port);
}

TEST(Aof, BgrewriteaofWithTheLogOffWritesABaseOnly)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    Connected p;
    ASSERT_TRUE(
        p.start({"--threads", "2", "--appenddirname", d.dir(), "--aof-use-rdb-preamble", "no"}));
    RespClient &c = p.client;
    c.call({"SET", "k", "v"});
    EXPECT_EQ(c.call({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrites") == "1"; }));
    EXPECT_EQ(info_field(c, "aof_enabled"), "0");
    EXPECT_EQ(d.read("appendonly.aof.manifest"), "file appendonly.aof.1.base.aof seq 1 type b\n");
    EXPECT_EQ(d.read("appendonly.aof.1.base.aof"),
              "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
}
