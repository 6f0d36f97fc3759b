// The append-only file (net/aof.h) through the real server: what the files
// hold, turning the log on at run time, BGREWRITEAOF under writes, and
// loading: a truncated tail accepted or refused as aof-load-truncated says,
// corruption in the middle refused with the file and offset named. Also
// BGSAVE beside a rewrite, and BGSAVE's point in time.
#include "test/net/server_fixture.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>

using testing_server::RespClient;
using testing_server::ServerProcess;

namespace
{

bool have_server()
{
    return !testing_server::server_binary().empty() &&
           access(testing_server::server_binary().c_str(), X_OK) == 0;
}

struct AofDir {
    std::string path;
    AofDir()
    {
        char tmpl[] = "/tmp/magpie-aof-test-XXXXXX";
        path = mkdtemp(tmpl) ? tmpl : "";
    }
    ~AofDir()
    {
        if (!path.empty())
            (void)system(("rm -rf " + path).c_str());
    }
    std::string dir() const
    {
        return path + "/appendonlydir";
    }
    std::string read(const std::string &name) const
    {
        std::ifstream in(dir() + "/" + name, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    void write(const std::string &name, const std::string &bytes) const
    {
        std::ofstream(dir() + "/" + name, std::ios::binary) << bytes;
    }
    std::vector<std::string> args(const std::string &fsync = "always") const
    {
        return {"--threads",     "2",   "--appendonly",    "yes",
                "--appendfsync", fsync, "--appenddirname", dir()};
    }
};

const char kIncr[] = "appendonly.aof.1.incr.aof";

std::string info_field(RespClient &c, const std::string &field)
{
    std::string info = c.call({"INFO", "persistence"});
    size_t at = info.find(field + ":");
    if (at == std::string::npos)
        return "";
    at += field.size() + 1;
    return info.substr(at, info.find("\r\n", at) - at);
}

bool wait_until(const std::function<bool()> &pred, int ms = 10000)
{
    for (int i = 0; i < ms / 10; i++) {
        if (pred())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

// A server and a client connected to it.
struct Connected {
    ServerProcess server;
    RespClient client;
    bool start(const std::vector<std::string> &args)
    {
        return server.start(args) && client.connect(server.port);
    }
};

// key:<batch>:<i>, 100K of them: enough that a save is still running when
// the next command of the same pipeline comes.
void fill_100k_keys(RespClient &c)
{
    for (int batch = 0; batch < 10; batch++) {
        std::vector<std::string> mset = {"MSET"};
        for (int i = 0; i < 10000; i++) {
            mset.push_back("key:" + std::to_string(batch) + ":" + std::to_string(i));
            mset.push_back("value");
        }
        ASSERT_EQ(c.call(mset), "+OK\r\n");
    }
}

// INCR on counters spread over the shards, from a thread of its own, until
// finish(); counts the increments acknowledged per counter.
class IncrWriter
{
  public:
    static constexpr int kCounters = 16;
    explicit IncrWriter(int port) : thread_([this, port] { run(port); }) {}
    ~IncrWriter()
    {
        finish();
    }
    void finish()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    long total() const
    {
        long sum = 0;
        for (long n : acked_)
            sum += n;
        return sum;
    }
    // Each counter on the server at `port` equals its acknowledged count.
    void expect_counters(int port) const
    {
        RespClient r;
        ASSERT_TRUE(r.connect(port));
        for (int i = 0; i < kCounters; i++) {
            std::string want = acked_[i] ? std::to_string(acked_[i]) : "";
            std::string reply = r.call({"GET", key(i)});
            EXPECT_EQ(reply, acked_[i] ? "$" + std::to_string(want.size()) + "\r\n" + want + "\r\n"
                                       : "$-1\r\n")
                << key(i);
        }
    }

  private:
    static std::string key(int i)
    {
        return "counter:" + std::to_string(i);
    }
    void run(int port)
    {
        RespClient w;
        if (!w.connect(port))
            return;
        for (long n = 0; !stop_.load(); n++) {
            int i = (int)(n % kCounters);
            if (w.call({"INCR", key(i)})[0] == ':')
                acked_[i]++;
        }
    }
    std::atomic<bool> stop_{false};
    long acked_[kCounters] = {};
    std::thread thread_;
};

} // namespace

TEST(Aof, LayoutAndCanonicalRecords)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    ServerProcess p;
    ASSERT_TRUE(p.start(d.args()));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    EXPECT_EQ(c.call({"SET", "k", "v", "EX", "100"}), "+OK\r\n");
    EXPECT_EQ(c.call({"MULTI"}), "+OK\r\n");
    c.call({"INCR", "n"});
    c.call({"INCRBYFLOAT", "n", "1.5"});
    EXPECT_EQ(c.call({"EXEC"}), "*2\r\n:1\r\n$3\r\n2.5\r\n");
    EXPECT_EQ(c.call({"SET", "gone", "x", "PX", "20"}), "+OK\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(c.call({"GET", "gone"}), "$-1\r\n"); // expired: logged as DEL
    EXPECT_EQ(d.read("appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n"
                                                 "file appendonly.aof.1.incr.aof seq 1 type i\n");
    std::string incr = d.read(kIncr);
    EXPECT_EQ(incr.find("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"), 0u) << incr;
    EXPECT_NE(incr.find("$4\r\nPXAT\r\n"), std::string::npos) << incr;
    EXPECT_NE(
        incr.find("*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*4\r\n$3\r\nSET\r\n$1\r\n"
                  "n\r\n$3\r\n2.5\r\n$7\r\nKEEPTTL\r\n*1\r\n$4\r\nEXEC\r\n"),
        std::string::npos)
        << incr;
    EXPECT_NE(incr.find("*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n"), std::string::npos) << incr;
    EXPECT_EQ(info_field(c, "aof_enabled"), "1");
    EXPECT_EQ(info_field(c, "aof_last_write_status"), "ok");
}

TEST(Aof, TurnedOnAtRunTimeThenReloaded)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    std::vector<std::string> off = {"--threads", "2", "--appenddirname", d.dir()};
    ServerProcess p;
    ASSERT_TRUE(p.start(off));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    c.call({"RPUSH", "l", "a", "b", "c"});
    c.call({"SADD", "s", "1", "x"});
    c.call({"HSET", "h", "f", "v"});
    c.call({"SET", "k", "before"});
    EXPECT_EQ(c.call({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_enabled") == "1"; }));
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrite_in_progress") == "0"; }));
    c.call({"SET", "k", "after"});
    c.call({"LPUSH", "l", "z"});
    EXPECT_EQ(p.stop(), 0);

    ServerProcess q;
    ASSERT_TRUE(q.start(d.args()));
    RespClient r;
    ASSERT_TRUE(r.connect(q.port));
    EXPECT_EQ(r.call({"GET", "k"}), "$5\r\nafter\r\n");
    EXPECT_EQ(r.call({"LRANGE", "l", "0", "-1"}),
              "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    EXPECT_EQ(r.call({"SCARD", "s"}), ":2\r\n");
    EXPECT_EQ(r.call({"HGET", "h", "f"}), "$1\r\nv\r\n");
}

// appenddirname lives inside `dir`, as in Redis (which moves to dir): a
// server started elsewhere keeps its log there, and finds it again.
TEST(Aof, TheDirectoryIsInsideDir)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    std::vector<std::string> args = {"--threads", "2", "--appendonly", "yes", "--dir", d.path};
    ServerProcess p;
    ASSERT_TRUE(p.start(args));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    EXPECT_EQ(c.call({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(p.stop(), 0);
    EXPECT_NE(d.read("appendonly.aof.manifest").find("type i"), std::string::npos);
    ServerProcess q;
    ASSERT_TRUE(q.start(args));
    RespClient r;
    ASSERT_TRUE(r.connect(q.port));
    EXPECT_EQ(r.call({"GET", "k"}), "$1\r\nv\r\n");
}

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

std::string read_file(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The single AOF file of Redis before 7 (an RDB preamble, then commands) in
// `dir` becomes the base of a new directory, as Redis 7 does, with both of
// its parts loaded; it is a plain directory from then on. A manifest
// already naming it alone (a crash mid-move) is finished the same way.
TEST(Aof, AnOldSingleFileWithPreambleBecomesTheBase)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    {
        Connected p;
        ASSERT_TRUE(p.start({"--threads", "2", "--dir", d.path}));
        p.client.call({"SET", "pre", "1"});
        p.client.call({"RPUSH", "list", "a", "b"});
        p.client.call({"SET", "ttl", "v", "PX", "100000000"});
        ASSERT_EQ(p.client.call({"SAVE"}), "+OK\r\n");
        EXPECT_EQ(p.server.stop(), 0);
    }
    std::string old = read_file(d.path + "/dump.rdb");
    ASSERT_EQ(old.substr(0, 5), "REDIS");
    unlink((d.path + "/dump.rdb").c_str());
    old += "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
           "*3\r\n$3\r\nSET\r\n$4\r\ntail\r\n$1\r\n2\r\n"
           "*3\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n$1\r\nc\r\n";
    std::vector<std::string> args = {"--threads", "2", "--appendonly", "yes", "--dir", d.path};
    for (int crashed_mid_move = 0; crashed_mid_move < 2; crashed_mid_move++) {
        SCOPED_TRACE(crashed_mid_move ? "manifest written, file not moved" : "no directory");
        (void)system(("rm -rf " + d.dir()).c_str());
        std::ofstream(d.path + "/appendonly.aof", std::ios::binary) << old;
        if (crashed_mid_move) {
            ASSERT_EQ(mkdir(d.dir().c_str(), 0755), 0);
            d.write("appendonly.aof.manifest", "file appendonly.aof seq 1 type b\n");
        }
        Connected p;
        ASSERT_TRUE(p.start(args));
        RespClient &c = p.client;
        EXPECT_EQ(c.call({"GET", "pre"}), "$1\r\n1\r\n");
        EXPECT_EQ(c.call({"GET", "tail"}), "$1\r\n2\r\n");
        EXPECT_EQ(c.call({"LRANGE", "list", "0", "-1"}), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
        EXPECT_EQ(c.call({"PTTL", "ttl"}).substr(0, 1), ":");
        EXPECT_NE(c.call({"PTTL", "ttl"}), ":-1\r\n");
        EXPECT_NE(access((d.path + "/appendonly.aof").c_str(), F_OK), 0) << "moved in";
        EXPECT_EQ(d.read("appendonly.aof"), old);
        EXPECT_EQ(d.read("appendonly.aof.manifest").rfind("file appendonly.aof seq 1 type b\n", 0),
                  0u);
        EXPECT_EQ(c.call({"SET", "after", "3"}), "+OK\r\n");
        EXPECT_EQ(p.server.stop(), 0);
        Connected q;
        ASSERT_TRUE(q.start(args));
        RespClient &r = q.client;
        EXPECT_EQ(r.call({"GET", "after"}), "$1\r\n3\r\n");
        EXPECT_EQ(r.call({"GET", "tail"}), "$1\r\n2\r\n");
        EXPECT_EQ(r.call({"DBSIZE"}), ":5\r\n");
    }
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
    ServerProcess p;
    ASSERT_TRUE(p.start({"--threads", "2", "--dir", d.path}));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
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

// With aof-use-rdb-preamble yes (the default) the base is an RDB file, as
// Redis 7.0 writes it (its aof-base aux field set), and every type and TTL
// comes back from it.
TEST(Aof, RdbBaseHoldsEveryTypeAndTtl)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    ServerProcess p;
    ASSERT_TRUE(p.start(d.args()));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    c.call({"SET", "str", "hello"});
    c.call({"SET", "num", "12345"});
    c.call({"RPUSH", "list", "a", "b", "7"});
    c.call({"SADD", "set", "x", "y"});
    c.call({"SADD", "ints", "1", "2", "3"});
    c.call({"HSET", "hash", "f", "v", "g", "w"});
    c.call({"ZADD", "zset", "1.5", "m", "-inf", "n"});
    c.call({"SET", "ttl", "v", "PX", "100000000"});
    c.call({"SELECT", "3"});
    c.call({"SET", "other-db", "v"});
    c.call({"SELECT", "0"});
    EXPECT_EQ(c.call({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrites") == "1"; }));
    c.call({"SET", "after", "1"});
    EXPECT_EQ(d.read("appendonly.aof.manifest"), "file appendonly.aof.2.base.rdb seq 2 type b\n"
                                                 "file appendonly.aof.2.incr.aof seq 2 type i\n");
    std::string base = d.read("appendonly.aof.2.base.rdb");
    EXPECT_EQ(base.substr(0, 9), "REDIS0010");
    EXPECT_NE(base.find("aof-base"), std::string::npos);
    std::vector<std::vector<std::string>> reads = {{"GET", "str"},
                                                   {"GET", "num"},
                                                   {"LRANGE", "list", "0", "-1"},
                                                   {"SMEMBERS", "ints"},
                                                   {"SCARD", "set"},
                                                   {"HGETALL", "hash"},
                                                   {"ZRANGE", "zset", "0", "-1", "WITHSCORES"},
                                                   {"GET", "after"},
                                                   {"DBSIZE"}};
    std::vector<std::string> before;
    for (auto &cmd : reads)
        before.push_back(c.call(cmd));
    EXPECT_EQ(p.stop(), 0);

    ServerProcess q;
    ASSERT_TRUE(q.start(d.args()));
    RespClient r;
    ASSERT_TRUE(r.connect(q.port));
    for (size_t i = 0; i < reads.size(); i++)
        EXPECT_EQ(r.call(reads[i]), before[i]) << reads[i][0] << " " << reads[i].back();
    std::string ttl = r.call({"PTTL", "ttl"});
    EXPECT_EQ(ttl[0], ':');
    EXPECT_GT(std::stoll(ttl.substr(1)), 99000000);
    r.call({"SELECT", "3"});
    EXPECT_EQ(r.call({"GET", "other-db"}), "$1\r\nv\r\n");
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
    ServerProcess p;
    ASSERT_TRUE(p.start(off));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
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
    EXPECT_EQ(p.stop(), 0);

    EXPECT_NE(d.read("appendonly.aof.manifest")
                  .find(std::string("base.") + (GetParam()[0] == 'y' ? "rdb" : "aof")),
              std::string::npos);
    ServerProcess q;
    ASSERT_TRUE(q.start(d.args()));
    RespClient r;
    ASSERT_TRUE(r.connect(q.port));
    EXPECT_EQ(r.call({"ZRANGE", "small", "0", "-1", "WITHSCORES"}), small);
    EXPECT_EQ(small,
              "*6\r\n$2\r\n12\r\n$4\r\n-inf\r\n$1\r\nm\r\n$3\r\n1.5\r\n$2\r\n-7\r\n$3\r\ninf\r\n");
    EXPECT_EQ(r.call({"ZRANGE", "big", "0", "-1", "WITHSCORES"}), whole);
    EXPECT_EQ(r.call({"ZCARD", "big"}), ":200\r\n");
    EXPECT_EQ(r.call({"OBJECT", "ENCODING", "big"}), "$8\r\nskiplist\r\n");
    EXPECT_EQ(r.call({"TTL", "small"}).substr(0, 1), ":");
    EXPECT_NE(r.call({"TTL", "small"}), ":-1\r\n");
}

// With the log on, the RDB file beside it is not loaded too: the log alone
// holds the data, as in Redis (loading both replayed the log over the
// snapshot and doubled the list).
TEST(Aof, StartUpLoadsTheLogNotTheRdbBesideIt)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    std::vector<std::string> args = d.args();
    args.insert(args.end(), {"--dir", d.path});
    ServerProcess p;
    ASSERT_TRUE(p.start(args));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    EXPECT_EQ(c.call({"RPUSH", "l", "a", "b"}), ":2\r\n");
    EXPECT_EQ(c.call({"SAVE"}), "+OK\r\n");
    EXPECT_EQ(p.stop(), 0);
    ASSERT_EQ(access((d.path + "/dump.rdb").c_str(), F_OK), 0);

    ServerProcess q;
    ASSERT_TRUE(q.start(args));
    RespClient r;
    ASSERT_TRUE(r.connect(q.port));
    EXPECT_EQ(r.call({"LLEN", "l"}), ":2\r\n");
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
    ServerProcess p;
    ASSERT_TRUE(
        p.start({"--threads", "2", "--appenddirname", d.dir(), "--aof-use-rdb-preamble", "no"}));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    c.call({"SET", "k", "v"});
    EXPECT_EQ(c.call({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrites") == "1"; }));
    EXPECT_EQ(info_field(c, "aof_enabled"), "0");
    EXPECT_EQ(d.read("appendonly.aof.manifest"), "file appendonly.aof.1.base.aof seq 1 type b\n");
    EXPECT_EQ(d.read("appendonly.aof.1.base.aof"),
              "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
}

namespace
{

// A directory whose incremental file holds SET a 1, SET b 2 and `tail`.
void prepare(AofDir &d, const std::string &tail)
{
    ServerProcess p;
    ASSERT_TRUE(p.start(d.args()));
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    c.call({"SET", "a", "1"});
    c.call({"SET", "b", "2"});
    EXPECT_EQ(p.stop(), 0);
    d.write(kIncr, d.read(kIncr) + tail);
}

} // namespace

TEST(Aof, TruncatedTailAcceptedWithRedisWarning)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    const std::string tail = "*3\r\n$3\r\nSET\r\n$1\r\nc";
    prepare(d, tail);
    size_t whole = d.read(kIncr).size() - tail.size();
    ServerProcess p;
    ASSERT_TRUE(p.start(d.args()));
    EXPECT_NE(p.log().find("!!! Warning: short read while loading the AOF file "
                           "appendonly.aof.1.incr.aof!!!"),
              std::string::npos)
        << p.log();
    EXPECT_NE(p.log().find("!!! Truncating the AOF appendonly.aof.1.incr.aof at offset " +
                           std::to_string(whole) + " !!!"),
              std::string::npos)
        << p.log();
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    EXPECT_EQ(c.call({"GET", "b"}), "$1\r\n2\r\n");
    EXPECT_EQ(c.call({"EXISTS", "c"}), ":0\r\n");
    EXPECT_EQ(d.read(kIncr).size(), whole); // cut where the last whole command ended
}

TEST(Aof, TruncatedTailRefusedWhenConfigured)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    prepare(d, "*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"); // MULTI without EXEC
    ServerProcess p;
    std::vector<std::string> args = d.args();
    args.insert(args.end(), {"--aof-load-truncated", "no"});
    ASSERT_TRUE(p.spawn(args));
    EXPECT_EQ(p.wait_exit(30000), 1);
    EXPECT_NE(p.log().find("Revert incomplete MULTI/EXEC transaction in AOF file"),
              std::string::npos)
        << p.log();
    EXPECT_NE(p.log().find("Unexpected end of file reading the append only file "
                           "appendonly.aof.1.incr.aof"),
              std::string::npos)
        << p.log();
}

TEST(Aof, CorruptionInTheMiddleNamesFileAndOffset)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    prepare(d, "");
    std::string bytes = d.read(kIncr);
    size_t at = bytes.find("*3\r\n$3\r\nSET\r\n$1\r\nb");
    ASSERT_NE(at, std::string::npos);
    bytes[at + 5] = 'x'; // "$3" -> "$x"
    d.write(kIncr, bytes);
    ServerProcess p;
    ASSERT_TRUE(p.spawn(d.args()));
    EXPECT_EQ(p.wait_exit(30000), 1);
    EXPECT_NE(p.log().find("Bad file format reading the append only file appendonly.aof.1.incr.aof "
                           "at offset " +
                           std::to_string(at + 4)),
              std::string::npos)
        << p.log();
}
