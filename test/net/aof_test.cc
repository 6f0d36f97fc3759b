// The append-only file (net/aof.h) through the real server: what the files
// hold, turning the log on at run time, BGREWRITEAOF under writes, and
// loading: a truncated tail accepted or refused as aof-load-truncated says,
// corruption in the middle refused with the file and offset named.
#include "test/net/server_fixture.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>
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
    EXPECT_EQ(d.read("appendonly.aof.manifest"), "file appendonly.aof.1.base.aof seq 1 type b\n"
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

// A rewrite writes sorted sets as ZADD batches: a listpack with integer
// members and infinite scores, and a large form spanning several commands,
// come back with every member and score.
TEST(Aof, RewriteKeepsSortedSets)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    std::vector<std::string> off = {"--threads", "2", "--appenddirname", d.dir()};
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

TEST(Aof, RewriteUnderWritesLosesNothing)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    ServerProcess p;
    ASSERT_TRUE(p.start(d.args("everysec")));
    std::atomic<bool> stop{false};
    std::atomic<long> acked{0};
    std::thread writer([&] {
        RespClient w;
        if (!w.connect(p.port))
            return;
        while (!stop.load()) {
            if (w.call({"INCR", "counter"})[0] == ':')
                acked++;
            w.call({"SET", "key:" + std::to_string(acked.load() % 100), "v"});
        }
    });
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrite_in_progress") == "0"; }));
        EXPECT_EQ(c.call({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrite_in_progress") == "0"; }));
    stop = true;
    writer.join();
    EXPECT_EQ(info_field(c, "aof_rewrites"), "3");
    EXPECT_EQ(p.stop(), 0);
    EXPECT_EQ(d.read("appendonly.aof.manifest"), "file appendonly.aof.4.base.aof seq 4 type b\n"
                                                 "file appendonly.aof.4.incr.aof seq 4 type i\n");
    ServerProcess q;
    ASSERT_TRUE(q.start(d.args()));
    RespClient r;
    ASSERT_TRUE(r.connect(q.port));
    EXPECT_EQ(r.call({"GET", "counter"}), "$" +
                                              std::to_string(std::to_string(acked.load()).size()) +
                                              "\r\n" + std::to_string(acked.load()) + "\r\n");
}

TEST(Aof, BgrewriteaofWithTheLogOffWritesABaseOnly)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    ServerProcess p;
    ASSERT_TRUE(p.start({"--threads", "2", "--appenddirname", d.dir()}));
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
