// magpie-stress's transactions end to end: verified --transfer runs against
// a real server never let a reader see the accounts' total change, with
// MULTI/EXEC moves and with WATCH-based ones (which must meet conflicts and
// retry), and the negative control (--transfer-sabotage: a DECRBY outside
// any transaction) is caught with a non-zero exit. Runs against
// build/magpie-server (MAGPIE_SERVER) and against redis-server when one is
// installed; each test skips with a message when its server is missing or
// does not implement transactions yet.
#include "test/tools/process_util.h"
#include "test/tools/stress_server_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <unistd.h>
#include <vector>

namespace
{

// MULTI moves need MULTI, EXEC, DECRBY and INCRBY; WATCH moves WATCH too,
// and reading with MGET, MGET.
bool start(TestServer *s, bool redis, const std::vector<std::string> &extra, std::string *why)
{
    std::vector<std::vector<std::string>> probes = {{"MULTI"},
                                                    {"EXEC"},
                                                    {"DECRBY", "magpie-stress-probe", "1"},
                                                    {"INCRBY", "magpie-stress-probe", "1"}};
    if (std::find(extra.begin(), extra.end(), "--transfer-watch") != extra.end())
        probes.push_back({"WATCH", "magpie-stress-probe"});
    if (std::find(extra.begin(), extra.end(), "mget") != extra.end())
        probes.push_back({"MGET", "magpie-stress-probe"});
    return test_start_stress_target(s, redis, probes, why);
}

std::vector<std::string> transfer_args(int port, const std::string &json)
{
    return {test_binary_from_env("MAGPIE_STRESS"),
            "--port",
            std::to_string(port),
            "--transfer",
            "4:2",
            "--duration",
            "2s",
            "--threads",
            "2",
            "--verify",
            "--quiet",
            "--json",
            json};
}

std::string json_path(const char *what)
{
    return "/tmp/magpie-stress-transfer-test-" + std::to_string(getpid()) + what + ".json";
}

// A verified run finds nothing, and did real work: thousands of committed
// moves and of sums, every balance checked.
void expect_clean(bool redis, const std::vector<std::string> &extra, const char *what,
                  const char *total)
{
    TestServer s;
    std::string why;
    if (!start(&s, redis, extra, &why))
        GTEST_SKIP() << why;
    std::string json = json_path(what);
    auto args = transfer_args(s.port, json);
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out;
    int rc = test_run(args, &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("invariant violations: 0, balances wrong: 0, protocol errors: 0"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(std::string("the accounts add up to ") + total + " after the run (" + total +
                       " before)"),
              std::string::npos)
        << out;
    std::string report = test_read_file(json);
    EXPECT_NE(report.find("\"checked\": true"), std::string::npos) << report;
    EXPECT_NE(report.find("\"balances_checked\": true"), std::string::npos) << report;
    EXPECT_EQ(report.find("\"moves_committed\": 0,"), std::string::npos) << report;
    EXPECT_EQ(report.find("\"sums\": 0,"), std::string::npos) << report;
    EXPECT_NE(report.find("\"transfer\": {"), std::string::npos) << report;
    EXPECT_NE(report.find("\"sum\": {"), std::string::npos) << report;
    if (std::find(extra.begin(), extra.end(), "--transfer-watch") != extra.end()) {
        // 4 movers on 4 accounts for 2 s: WATCH met conflicts, and retried.
        EXPECT_EQ(report.find("\"watch_retries\": 0,"), std::string::npos) << report;
    }
    unlink(json.c_str());
    unlink(s.log.c_str());
}

// The negative control: 37 leave account:0 halfway through, outside any
// transaction; the sums after it and the final one are violations.
void expect_sabotage_caught(bool redis)
{
    TestServer s;
    std::string why;
    if (!start(&s, redis, {}, &why))
        GTEST_SKIP() << why;
    std::string json = json_path("-sabotage");
    auto args = transfer_args(s.port, json);
    args.push_back("--transfer-sabotage");
    std::string out;
    int rc = test_run(args, &out);
    ASSERT_NE(out.find("--transfer-sabotage took 37 from account:0"), std::string::npos) << out;
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("the accounts add up to 15963 after the run"), std::string::npos) << out;
    EXPECT_NE(out.find("invariant violations: "), std::string::npos) << out;
    EXPECT_EQ(out.find("invariant violations: 0,"), std::string::npos) << out;
    EXPECT_NE(out.find("balances wrong: 1, protocol errors: 0"), std::string::npos) << out;
    unlink(json.c_str());
    unlink(s.log.c_str());
}

} // namespace

TEST(StressTransferServer, VerifyMultiTransfersOnMagpieServer)
{
    expect_clean(false, {"--pipeline", "4"}, "-multi", "16000");
}

TEST(StressTransferServer, VerifyWatchTransfersOnMagpieServer)
{
    expect_clean(false, {"--transfer-watch", "--transfer-accounts", "4", "--transfer-read", "mget"},
                 "-watch", "4000");
}

TEST(StressTransferServer, VerifyCatchesDecrbyOutsideTransactionOnMagpieServer)
{
    expect_sabotage_caught(false);
}

TEST(StressTransferServer, VerifyMultiTransfersOnRedisServer)
{
    expect_clean(true, {"--pipeline", "4"}, "-multi", "16000");
}

TEST(StressTransferServer, VerifyWatchTransfersOnRedisServer)
{
    expect_clean(true, {"--transfer-watch", "--transfer-accounts", "4", "--transfer-read", "mget"},
                 "-watch", "4000");
}

TEST(StressTransferServer, VerifyCatchesDecrbyOutsideTransactionOnRedisServer)
{
    expect_sabotage_caught(true);
}
