// Loading at start-up (net/loading.h): the listener opens first, and while
// the data loads a client gets Redis's -LOADING for every command not marked
// for it, INFO persistence shows the load, and CONFIG SET refuses what Redis
// 7.0 refuses then. The load is held open by MAGPIE_LOADING_HOLD_MS. The
// replies were checked against redis-server 7.0 loading a large dump.
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "aof_test_util.h"

namespace
{

using aof_test::AofDir;
using aof_test::have_server;
using aof_test::info_field;
using aof_test::wait_until;
using testing_server::RespClient;
using testing_server::ServerProcess;

const char kLoadingError[] = "-LOADING Redis is loading the dataset in memory\r\n";

// The data directory's server, run once to leave k = v behind.
void write_data(const std::vector<std::string> &args)
{
    ServerProcess p;
    ASSERT_TRUE(p.start(args)) << p.log();
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    ASSERT_EQ(c.call({"SET", "k", "v"}), "+OK\r\n");
    ASSERT_EQ(c.call({"SAVE"}), "+OK\r\n");
    ASSERT_EQ(p.stop(), 0) << p.log();
}

// Starts the server with its load held `hold_ms`, and connects while it
// loads.
void start_held(ServerProcess &p, RespClient &c, std::vector<std::string> args, int hold_ms)
{
    int port = testing_server::free_port();
    args.insert(args.end(), {"--port", std::to_string(port)});
    setenv("MAGPIE_LOADING_HOLD_MS", std::to_string(hold_ms).c_str(), 1);
    bool spawned = p.spawn(args);
    unsetenv("MAGPIE_LOADING_HOLD_MS");
    ASSERT_TRUE(spawned);
    p.port = port;
    ASSERT_TRUE(wait_until([&] { return c.connect(port); })) << p.log();
}

bool loaded(RespClient &c)
{
    return info_field(c, "loading") == "0";
}

} // namespace

TEST(Loading, ClientsGetLoadingUntilTheRdbIsIn)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir dir;
    std::vector<std::string> args = {
        "--dir", dir.path, "--save", "", "--threads", "2", "--enable-protected-configs", "yes"};
    write_data(args);
    struct stat st;
    ASSERT_EQ(stat((dir.path + "/dump.rdb").c_str(), &st), 0);

    ServerProcess p;
    RespClient c;
    start_held(p, c, args, 2000);
    EXPECT_EQ(c.call({"GET", "k"}), kLoadingError);
    EXPECT_EQ(c.call({"PING"}), kLoadingError);
    EXPECT_EQ(c.call({"DBSIZE"}), kLoadingError);
    // INFO is allowed, and tells how far the load is.
    EXPECT_EQ(info_field(c, "loading"), "1");
    EXPECT_EQ(info_field(c, "loading_total_bytes"), std::to_string(st.st_size));
    EXPECT_NE(info_field(c, "loading_loaded_perc"), "");
    EXPECT_NE(info_field(c, "loading_eta_seconds"), "");
    // CONFIG SET is allowed, but not for the log or the directory (dir is
    // protected too: refused as that first, unless allowed as here).
    EXPECT_EQ(c.call({"CONFIG", "SET", "appendonly", "yes"}), kLoadingError);
    EXPECT_EQ(c.call({"CONFIG", "SET", "dir", "/tmp"}), kLoadingError);
    EXPECT_EQ(c.call({"CONFIG", "SET", "hz", "20"}), "+OK\r\n");
    // A transaction that queued a refused command is aborted.
    EXPECT_EQ(c.call({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(c.call({"GET", "k"}), kLoadingError);
    EXPECT_EQ(c.call({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");

    ASSERT_TRUE(wait_until([&] { return loaded(c); })) << p.log();
    EXPECT_EQ(c.call({"GET", "k"}), "$1\r\nv\r\n");
    EXPECT_EQ(info_field(c, "loading_total_bytes"), ""); // shown only while loading
    EXPECT_EQ(c.call({"CONFIG", "GET", "hz"}), "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n");
    EXPECT_EQ(p.stop(), 0) << p.log();
}

TEST(Loading, ClientsGetLoadingUntilTheAppendOnlyFileIsIn)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir dir;
    std::vector<std::string> args = dir.args("everysec");
    args.insert(args.end(), {"--dir", dir.path, "--save", ""});
    write_data(args);

    ServerProcess p;
    RespClient c;
    start_held(p, c, args, 2000);
    EXPECT_EQ(c.call({"GET", "k"}), kLoadingError);
    EXPECT_EQ(c.call({"SET", "k", "w"}), kLoadingError);
    EXPECT_EQ(info_field(c, "loading"), "1");
    ASSERT_TRUE(wait_until([&] { return loaded(c); })) << p.log();
    EXPECT_EQ(c.call({"GET", "k"}), "$1\r\nv\r\n");
    EXPECT_EQ(c.call({"SET", "k", "w"}), "+OK\r\n");
    EXPECT_EQ(p.stop(), 0) << p.log();
}

// A file that fails to load ends the server as before, with the clients
// that came meanwhile closed, not left hanging.
TEST(Loading, AFailedLoadClosesTheClientsAndExits)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    AofDir dir;
    std::vector<std::string> args = {"--dir", dir.path, "--save", "", "--threads", "2"};
    write_data(args);
    {
        std::string rdb = aof_test::read_file(dir.path + "/dump.rdb");
        rdb[rdb.size() - 1] ^= 0x55; // the checksum no longer matches
        std::ofstream(dir.path + "/dump.rdb", std::ios::binary) << rdb;
    }
    ServerProcess p;
    RespClient c;
    start_held(p, c, args, 1000);
    EXPECT_EQ(c.call({"GET", "k"}), kLoadingError);
    EXPECT_EQ(p.wait_exit(30000), 1) << p.log();
    EXPECT_NE(p.log().find("Wrong RDB checksum"), std::string::npos) << p.log();
    EXPECT_TRUE(c.wait_closed(5000));
}

// A shutdown during a load stops it where it is (the load here is held for
// a minute): the server exits 0 at once, without saving what is loaded so
// far over the file (with save rules set it would save otherwise), as Redis.
// `stop` asks for the shutdown and returns the exit status.
static void shutdown_while_loading(const std::function<int(ServerProcess &, RespClient &)> &stop)
{
    AofDir dir;
    std::vector<std::string> args = {"--dir", dir.path, "--save", "3600 1", "--threads", "2"};
    write_data(args);
    std::string before = aof_test::read_file(dir.path + "/dump.rdb");
    ServerProcess p;
    RespClient c;
    start_held(p, c, args, 60000);
    EXPECT_EQ(c.call({"GET", "k"}), kLoadingError);
    EXPECT_EQ(stop(p, c), 0) << p.log();
    EXPECT_NE(p.log().find("while loading: exiting without saving"), std::string::npos) << p.log();
    EXPECT_EQ(aof_test::read_file(dir.path + "/dump.rdb"), before);
    ServerProcess again;
    ASSERT_TRUE(again.start(args)) << again.log();
    RespClient d;
    ASSERT_TRUE(d.connect(again.port));
    EXPECT_EQ(d.call({"GET", "k"}), "$1\r\nv\r\n");
    EXPECT_EQ(again.stop(), 0) << again.log();
}

TEST(Loading, ShutdownStopsTheLoadWithoutSaving)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    shutdown_while_loading([](ServerProcess &p, RespClient &c) {
        EXPECT_TRUE(c.send(testing_server::resp_command({"SHUTDOWN"})));
        return p.wait_exit(20000);
    });
}

TEST(Loading, SigtermStopsTheLoadWithoutSaving)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    shutdown_while_loading([](ServerProcess &p, RespClient &) { return p.stop(SIGTERM, 20000); });
}
