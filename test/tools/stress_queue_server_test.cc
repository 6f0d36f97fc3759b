// magpie-stress's lists end to end: a verified --queue run against a real
// server loses, duplicates and reorders nothing (BRPOP and RPOP consumers),
// the negative control (--queue-sabotage deletes a queue mid-run) is caught
// with a non-zero exit, and a --mix of list operations runs without errors.
// Runs against build/magpie-server (MAGPIE_SERVER) and against redis-server
// when one is installed; each test skips with a message when its server is
// missing or does not implement lists yet.
#include "test/tools/process_util.h"
#include "test/tools/stress_server_util.h"

#include <gtest/gtest.h>

#include <string>
#include <unistd.h>
#include <vector>

namespace
{

enum class Target { magpie, redis };

std::string server_binary(Target target)
{
    return target == Target::redis ? test_binary_on_path("redis-server")
                                   : test_binary_from_env("MAGPIE_SERVER");
}

// Why the server cannot run these tests ("" when it can): a command the
// workloads send answers "unknown command".
std::string missing_list_commands(int port)
{
    sync_client c;
    char err[256];
    if (sync_client_open(&c, "127.0.0.1", port, 10000, err, sizeof(err)) < 0)
        return err;
    std::string missing;
    const std::vector<std::vector<std::string>> probes = {{"LPUSH", "magpie-stress-probe", "x"},
                                                          {"RPUSH", "magpie-stress-probe", "x"},
                                                          {"LPOP", "magpie-stress-probe"},
                                                          {"RPOP", "magpie-stress-probe"},
                                                          {"BRPOP", "magpie-stress-probe", "0.01"},
                                                          {"LLEN", "magpie-stress-probe"},
                                                          {"DEL", "magpie-stress-probe"}};
    for (const auto &probe : probes) {
        std::string text;
        if (test_command(&c, probe, &text) == SREPLY_ERROR &&
            text.find("unknown command") != std::string::npos)
            missing += " " + probe[0];
    }
    sync_client_close(&c);
    return missing.empty() ? "" : "the server does not implement" + missing;
}

// Starts the server, or says why the test cannot run (skip) in *why.
bool start(TestServer *s, Target target, std::string *why)
{
    std::string bin = server_binary(target);
    if (test_binary_from_env("MAGPIE_STRESS").empty()) {
        *why = "MAGPIE_STRESS not built (run through make)";
        return false;
    }
    if (bin.empty()) {
        *why = target == Target::redis ? "redis-server is not installed"
                                       : "build/magpie-server does not exist yet (MAGPIE_SERVER)";
        return false;
    }
    if (!test_start_server(s, bin, target == Target::redis)) {
        ADD_FAILURE() << bin << " did not accept connections; its log:\n" << test_read_file(s->log);
        *why = "the server did not start";
        return false;
    }
    *why = missing_list_commands(s->port);
    return why->empty();
}

std::vector<std::string> queue_args(int port, const char *queue, const char *duration)
{
    return {test_binary_from_env("MAGPIE_STRESS"),
            "--port",
            std::to_string(port),
            "--queue",
            queue,
            "--duration",
            duration,
            "--threads",
            "2",
            "--verify",
            "--quiet"};
}

// A verified queue run finds nothing, and did real work.
void expect_clean_queue(Target target, const char *pop)
{
    TestServer s;
    std::string why;
    if (!start(&s, target, &why))
        GTEST_SKIP() << why;
    std::string json = "/tmp/magpie-stress-queue-test-" + std::to_string(getpid()) + ".json";
    auto args = queue_args(s.port, "4:4", "2s");
    args.insert(args.end(), {"--queue-pop", pop, "--pipeline", "4", "--json", json});
    std::string out;
    int rc = test_run(args, &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("items lost: 0, duplicated: 0, never pushed: 0, out of order: 0, "
                       "protocol errors: 0"),
              std::string::npos)
        << out;
    std::string report = test_read_file(json);
    EXPECT_NE(report.find("\"checked\": true"), std::string::npos) << report;
    EXPECT_NE(report.find("\"items_lost\": 0,"), std::string::npos) << report;
    EXPECT_NE(report.find("\"pushes_in_doubt\": 0,"), std::string::npos) << report;
    EXPECT_NE(report.find("\"drain_errors\": 0,"), std::string::npos) << report;
    // Thousands of items went through, and their pops were timed.
    EXPECT_EQ(report.find("\"items_pushed\": 0,"), std::string::npos) << report;
    EXPECT_EQ(report.find("\"pops\": 0,"), std::string::npos) << report;
    EXPECT_NE(report.find(std::string("\"") + pop + "\": {"), std::string::npos) << report;
    unlink(json.c_str());
    unlink(s.log.c_str());
}

// The negative control: queue:0 deleted while it holds items. 4 producers
// with 8 pushes in flight each outrun one consumer, so it soon holds some.
void expect_sabotage_caught(Target target)
{
    TestServer s;
    std::string why;
    if (!start(&s, target, &why))
        GTEST_SKIP() << why;
    auto args = queue_args(s.port, "4:1", "2s");
    args.insert(args.end(), {"--pipeline", "8", "--queue-sabotage"});
    std::string out;
    int rc = test_run(args, &out);
    ASSERT_NE(out.find("--queue-sabotage deleted queue:0 holding items"), std::string::npos) << out;
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("items lost: "), std::string::npos) << out;
    EXPECT_EQ(out.find("items lost: 0,"), std::string::npos) << out;
    unlink(s.log.c_str());
}

// Every list operation in --mix, and the set and sorted-set operations: no
// error reply, no unexpected reply.
void expect_list_mix(Target target)
{
    TestServer s;
    std::string why;
    if (!start(&s, target, &why))
        GTEST_SKIP() << why;
    std::vector<std::string> args = {
        test_binary_from_env("MAGPIE_STRESS"),
        "--port",
        std::to_string(s.port),
        "--mix",
        "get:10,set:10,lpush:20,rpush:15,lpop:15,rpop:10,brpop:10,sadd:5,srem:5,zadd:3,zincrby:3,"
        "zrange:3",
        "--keys",
        "20",
        "--clients",
        "8",
        "--threads",
        "2",
        "--pipeline",
        "4",
        "--duration",
        "1s",
        "--quiet"};
    std::string out;
    int rc = test_run(args, &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("error replies 0, protocol errors 0, connections lost 0"), std::string::npos)
        << out;
    for (const char *row : {"\nlpush ", "\nrpush ", "\nlpop ", "\nrpop ", "\nbrpop ", "\nsadd ",
                            "\nsrem ", "\nzadd ", "\nzincrby ", "\nzrange "})
        EXPECT_NE(out.find(row), std::string::npos) << row << " in\n" << out;
    unlink(s.log.c_str());
}

} // namespace

TEST(StressQueueServer, VerifyBrpopQueueOnMagpieServer)
{
    expect_clean_queue(Target::magpie, "brpop");
}

TEST(StressQueueServer, VerifyRpopQueueOnMagpieServer)
{
    expect_clean_queue(Target::magpie, "rpop");
}

TEST(StressQueueServer, VerifyCatchesDeletedQueueOnMagpieServer)
{
    expect_sabotage_caught(Target::magpie);
}

TEST(StressQueueServer, ListMixOnMagpieServer)
{
    expect_list_mix(Target::magpie);
}

TEST(StressQueueServer, VerifyBrpopQueueOnRedisServer)
{
    expect_clean_queue(Target::redis, "brpop");
}

TEST(StressQueueServer, VerifyRpopQueueOnRedisServer)
{
    expect_clean_queue(Target::redis, "rpop");
}

TEST(StressQueueServer, VerifyCatchesDeletedQueueOnRedisServer)
{
    expect_sabotage_caught(Target::redis);
}

TEST(StressQueueServer, ListMixOnRedisServer)
{
    expect_list_mix(Target::redis);
}
