// The append-only file (net/aof.h) through the real server: what the files
// hold, turning the log on at run time, where the directory lives, the
// single file of Redis before 7 adopted, an RDB base with every type, and
// loading: a truncated tail accepted or refused as aof-load-truncated says,
// corruption in the middle refused with the file and offset named.
#include "test/net/aof_test_util.h"

#include <sys/stat.h>

using namespace aof_test;

TEST(Aof, LayoutAndCanonicalRecords)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    Connected p;
    ASSERT_TRUE(p.start(d.args()));
    RespClient &c = p.client;
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
    Connected p;
    ASSERT_TRUE(p.start(off));
    RespClient &c = p.client;
    c.call({"RPUSH", "l", "a", "b", "c"});
    c.call({"SADD", "s", "1", "x"});
    c.call({"HSET", "h", "f", "v"});
    c.call({"SET", "k", "before"});
    EXPECT_EQ(c.call({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_enabled") == "1"; }));
    ASSERT_TRUE(wait_until([&] { return info_field(c, "aof_rewrite_in_progress") == "0"; }));
    c.call({"SET", "k", "after"});
    c.call({"LPUSH", "l", "z"});
    EXPECT_EQ(p.server.stop(), 0);

    Connected q;
    ASSERT_TRUE(q.start(d.args()));
    RespClient &r = q.client;
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
    Connected p;
    ASSERT_TRUE(p.start(args));
    RespClient &c = p.client;
    EXPECT_EQ(c.call({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(p.server.stop(), 0);
    EXPECT_NE(d.read("appendonly.aof.manifest").find("type i"), std::string::npos);
    Connected q;
    ASSERT_TRUE(q.start(args));
    RespClient &r = q.client;
    EXPECT_EQ(r.call({"GET", "k"}), "$1\r\nv\r\n");
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

// With aof-use-rdb-preamble yes (the default) the base is an RDB file, as
// Redis 7.0 writes it (its aof-base aux field set), and every type and TTL
// comes back from it.
TEST(Aof, RdbBaseHoldsEveryTypeAndTtl)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir d;
    Connected p;
    ASSERT_TRUE(p.start(d.args()));
    RespClient &c = p.client;
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
    EXPECT_EQ(p.server.stop(), 0);

    Connected q;
    ASSERT_TRUE(q.start(d.args()));
    RespClient &r = q.client;
    for (size_t i = 0; i < reads.size(); i++)
        EXPECT_EQ(r.call(reads[i]), before[i]) << reads[i][0] << " " << reads[i].back();
    std::string ttl = r.call({"PTTL", "ttl"});
    EXPECT_EQ(ttl[0], ':');
    EXPECT_GT(std::stoll(ttl.substr(1)), 99000000);
    r.call({"SELECT", "3"});
    EXPECT_EQ(r.call({"GET", "other-db"}), "$1\r\nv\r\n");
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
    Connected p;
    ASSERT_TRUE(p.start(args));
    RespClient &c = p.client;
    EXPECT_EQ(c.call({"RPUSH", "l", "a", "b"}), ":2\r\n");
    EXPECT_EQ(c.call({"SAVE"}), "+OK\r\n");
    EXPECT_EQ(p.server.stop(), 0);
    ASSERT_EQ(access((d.path + "/dump.rdb").c_str(), F_OK), 0);

    Connected q;
    ASSERT_TRUE(q.start(args));
    RespClient &r = q.client;
    EXPECT_EQ(r.call({"LLEN", "l"}), ":2\r\n");
}

namespace
{

// A directory whose incremental file holds SET a 1, SET b 2 and `tail`.
void prepare(AofDir &d, const std::string &tail)
{
    Connected p;
    ASSERT_TRUE(p.start(d.args()));
    RespClient &c = p.client;
    c.call({"SET", "a", "1"});
    c.call({"SET", "b", "2"});
    EXPECT_EQ(p.server.stop(), 0);
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
