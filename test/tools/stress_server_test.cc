// magpie-stress end to end: --verify under a hot key against a real server
// finds nothing, and a server that loses data mid-run (FLUSHALL from the
// side) is caught, with a non-zero exit. Runs against build/magpie-server
// (MAGPIE_SERVER), and against redis-server when one is installed, so the
// two can be compared; each test skips with a message when its server is
// missing.
#include "test/tools/process_util.h"
#include "test/tools/stress_server_util.h"

#include "test/common/test_env.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <unistd.h>

namespace
{

std::string stress_binary()
{
    return test_binary_from_env("MAGPIE_STRESS");
}

std::vector<std::string> verify_args(const std::string &bin, int port, const char *duration)
{
    return {bin,          "--port",    std::to_string(port),
            "--verify",   "--dist",    "hot:0.9",
            "--duration", duration,    "--clients",
            "16",         "--threads", "2",
            "--pipeline", "8",         "--keys",
            "1000",       "--quiet"};
}

void expect_clean_verify(const std::string &server_bin, bool redis)
{
    std::string bin = stress_binary();
    if (bin.empty())
        GTEST_SKIP() << "MAGPIE_STRESS not built (run through make)";
    TestServer s;
    ASSERT_TRUE(test_start_server(&s, server_bin, redis))
        << server_bin << " did not accept connections; its log:\n"
        << test_read_file(s.log);
    std::string json = "/tmp/magpie-stress-test-" + std::to_string(getpid()) + ".json";
    auto args = verify_args(bin, s.port, "3s");
    args.insert(args.end(), {"--json", json});
    std::string out;
    int rc = test_run(args, &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("lost updates: 0, stale reads: 0, protocol errors: 0"), std::string::npos)
        << out;
    std::string report = test_read_file(json);
    EXPECT_NE(report.find("\"lost_updates\": 0"), std::string::npos) << report;
    EXPECT_NE(report.find("\"checked\": true"), std::string::npos) << report;
    // It did real work: thousands of checked reads and increments.
    EXPECT_EQ(report.find("\"reads_checked\": 0,"), std::string::npos) << report;
    EXPECT_EQ(report.find("\"increments_acked\": 0,"), std::string::npos) << report;
    unlink(json.c_str());
    unlink(s.log.c_str());
}

// Sends one command; the integer reply, -2 for an error, -1 when the
// connection failed, 0 otherwise.
int command(sync_client *c, const std::vector<std::string> &args)
{
    std::string text;
    int type = test_command(c, args, &text);
    if (type < 0)
        return -1;
    if (type == SREPLY_INTEGER)
        return std::stoi(text.empty() ? "0" : text);
    return type == SREPLY_ERROR ? -2 : 0;
}

// FLUSHALL while the run is going, once a counter provably exists: the
// increments acknowledged before it are gone, which --verify must report.
void expect_flushall_caught(const std::string &server_bin, bool redis)
{
    std::string bin = stress_binary();
    if (bin.empty())
        GTEST_SKIP() << "MAGPIE_STRESS not built (run through make)";
    TestServer s;
    ASSERT_TRUE(test_start_server(&s, server_bin, redis)) << test_read_file(s.log);
    std::string log = "/tmp/magpie-stress-test-flush-" + std::to_string(getpid()) + ".log";
    pid_t stress = test_spawn(verify_args(bin, s.port, "3s"), log);
    sync_client c;
    char err[256];
    ASSERT_EQ(sync_client_open(&c, "127.0.0.1", s.port, 10000, err, sizeof(err)), 0) << err;
    bool flushed = false;
    const char *missing = nullptr;
    for (int i = 0; i < 2000 && !flushed && !missing; i++) {
        int exists = command(&c, {"EXISTS", "counter:0"});
        if (exists == -2) {
            missing = "EXISTS";
        } else if (exists == 1) {
            if (command(&c, {"FLUSHALL"}) == -2)
                missing = "FLUSHALL";
            flushed = true;
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    if (missing) {
        sync_client_close(&c);
        test_stop(stress);
        GTEST_SKIP() << "the server does not implement " << missing;
    }
    sync_client_close(&c);
    int rc = test_wait(stress);
    std::string out = test_read_file(log);
    ASSERT_TRUE(flushed) << "counter:0 never appeared:\n" << out;
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("lost updates: "), std::string::npos) << out;
    EXPECT_EQ(out.find("lost updates: 0,"), std::string::npos) << out;
    unlink(log.c_str());
    unlink(s.log.c_str());
}

} // namespace

TEST(StressServer, VerifyHotKeyAgainstMagpieServer)
{
    std::string server = test_binary_from_env("MAGPIE_SERVER");
    if (server.empty())
        GTEST_SKIP() << "build/magpie-server does not exist yet (MAGPIE_SERVER unset or missing)";
    expect_clean_verify(server, false);
}

TEST(StressServer, VerifyCatchesDataLossOnMagpieServer)
{
    std::string server = test_binary_from_env("MAGPIE_SERVER");
    if (server.empty())
        GTEST_SKIP() << "build/magpie-server does not exist yet (MAGPIE_SERVER unset or missing)";
    expect_flushall_caught(server, false);
}

TEST(StressServer, VerifyHotKeyAgainstRedisServer)
{
    std::string server = test_binary_on_path("redis-server");
    if (server.empty())
        GTEST_SKIP() << "redis-server is not installed";
    expect_clean_verify(server, true);
}

TEST(StressServer, VerifyCatchesDataLossOnRedisServer)
{
    std::string server = test_binary_on_path("redis-server");
    if (server.empty())
        GTEST_SKIP() << "redis-server is not installed";
    expect_flushall_caught(server, true);
}
