// magpie-stress's pub/sub end to end: a verified --pubsub run against a real
// server loses, duplicates and reorders no message, by channel and by
// pattern, with PUBLISH counting every subscriber; and the negative control
// (--pubsub-sabotage: a subscriber leaves a channel mid-run) is caught with a
// non-zero exit. Runs against build/magpie-server (MAGPIE_SERVER) and against
// redis-server when one is installed; each test skips with a message when its
// server is missing or does not implement pub/sub yet.
#include "test/tools/process_util.h"
#include "test/tools/stress_server_util.h"

#include <gtest/gtest.h>

#include <string>
#include <unistd.h>
#include <vector>

namespace
{

bool start(TestServer *s, bool redis, std::string *why)
{
    return test_start_stress_target(s, redis,
                                    {{"SUBSCRIBE", "magpie-stress-probe"},
                                     {"PSUBSCRIBE", "magpie-stress-probe:*"},
                                     {"PUBLISH", "magpie-stress-probe", "x"}},
                                    why);
}

std::vector<std::string> pubsub_args(int port, const char *pubsub)
{
    return {test_binary_from_env("MAGPIE_STRESS"),
            "--port",
            std::to_string(port),
            "--pubsub",
            pubsub,
            "--duration",
            "2s",
            "--threads",
            "2",
            "--verify",
            "--quiet"};
}

// A verified run, half the subscribers by pattern, finds nothing, and did
// real work: thousands of messages, each to every subscriber.
void expect_clean_pubsub(bool redis)
{
    TestServer s;
    std::string why;
    if (!start(&s, redis, &why))
        GTEST_SKIP() << why;
    std::string json = "/tmp/magpie-stress-pubsub-test-" + std::to_string(getpid()) + ".json";
    auto args = pubsub_args(s.port, "4:6");
    args.insert(args.end(), {"--pubsub-patterns", "3", "--pubsub-channels", "12", "--pipeline", "4",
                             "--json", json});
    std::string out;
    int rc = test_run(args, &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("messages lost: 0, duplicated: 0, reordered: 0, never published: 0, "
                       "receiver counts wrong: 0, protocol errors: 0"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("every PUBLISH answered 6 receivers"), std::string::npos) << out;
    std::string report = test_read_file(json);
    EXPECT_NE(report.find("\"checked\": true"), std::string::npos) << report;
    EXPECT_NE(report.find("\"publishes_in_doubt\": 0,"), std::string::npos) << report;
    EXPECT_EQ(report.find("\"messages_published\": 0,"), std::string::npos) << report;
    EXPECT_NE(report.find("\"delivery_latency_us\": {"), std::string::npos) << report;
    EXPECT_NE(report.find("\"publish\": {"), std::string::npos) << report;
    unlink(json.c_str());
    unlink(s.log.c_str());
}

// The negative control: subscriber 0 leaves pubsub:0 for 0.2 s halfway
// through; what was published there meanwhile never reaches it.
void expect_sabotage_caught(bool redis)
{
    TestServer s;
    std::string why;
    if (!start(&s, redis, &why))
        GTEST_SKIP() << why;
    auto args = pubsub_args(s.port, "4:4");
    args.push_back("--pubsub-sabotage");
    std::string out;
    int rc = test_run(args, &out);
    ASSERT_NE(out.find("--pubsub-sabotage: subscriber 0 left at"), std::string::npos) << out;
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("messages lost: "), std::string::npos) << out;
    EXPECT_EQ(out.find("messages lost: 0,"), std::string::npos) << out;
    EXPECT_EQ(out.find("receiver counts wrong: 0,"), std::string::npos) << out;
    EXPECT_NE(out.find("duplicated: 0, reordered: 0, never published: 0"), std::string::npos)
        << out;
    unlink(s.log.c_str());
}

} // namespace

TEST(StressPubsubServer, VerifyPubsubOnMagpieServer)
{
    expect_clean_pubsub(false);
}

TEST(StressPubsubServer, VerifyCatchesUnsubscribedSubscriberOnMagpieServer)
{
    expect_sabotage_caught(false);
}

TEST(StressPubsubServer, VerifyPubsubOnRedisServer)
{
    expect_clean_pubsub(true);
}

TEST(StressPubsubServer, VerifyCatchesUnsubscribedSubscriberOnRedisServer)
{
    expect_sabotage_caught(true);
}
