// The latency monitor (net/latency.h): one sample per second (the worst),
// 160 seconds kept, the all-time worst, resets by name, Redis's graph, and
// samples added from many threads at once (run under TSan).
#include "net/latency.h"
#include "net/latency_histogram.h"
#include "store/command.h"

#include "test/common/outbuf_drain.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace
{
template <class F> std::string render(F f)
{
    struct outbuf out;
    outbuf_init(&out);
    struct reply r = {&out, 2};
    f(&r);
    std::string s = outbuf_drain(&out);
    outbuf_free(&out);
    return s;
}

TEST(Latency, OneSamplePerSecondTheWorstOfIt)
{
    struct latency_monitor *m = latency_monitor_new();
    latency_add_sample(m, "command", 10, 1000);
    latency_add_sample(m, "command", 30, 1000);
    latency_add_sample(m, "command", 20, 1000);
    latency_add_sample(m, "command", 5, 1002);
    EXPECT_EQ(render([&](reply *r) { latency_reply_history(m, r, "command"); }),
              "*2\r\n*2\r\n:1000\r\n:30\r\n*2\r\n:1002\r\n:5\r\n");
    EXPECT_EQ(render([&](reply *r) { latency_reply_latest(m, r); }),
              "*1\r\n*4\r\n$7\r\ncommand\r\n:1002\r\n:5\r\n:30\r\n");
    EXPECT_EQ(render([&](reply *r) { latency_reply_history(m, r, "nosuch"); }), "*0\r\n");
    latency_monitor_free(m);
}

TEST(Latency, KeepsTheLast160SecondsAndTheAllTimeWorst)
{
    struct latency_monitor *m = latency_monitor_new();
    latency_add_sample(m, "fast-command", 99, 1);
    for (int i = 0; i < 200; i++)
        latency_add_sample(m, "fast-command", 1 + i % 7, 100 + i);
    std::string h = render([&](reply *r) { latency_reply_history(m, r, "fast-command"); });
    EXPECT_EQ(h.substr(0, 6), "*160\r\n");
    EXPECT_EQ(h.substr(6, 14), "*2\r\n:140\r\n:6\r\n"); // the oldest kept: 100 + 40
    EXPECT_NE(render([&](reply *r) { latency_reply_latest(m, r); }).find(":99\r\n"),
              std::string::npos);
    latency_add_sample(m, "command", 1, 5);
    EXPECT_EQ(latency_reset(m, "FAST-COMMAND"), 1); // case-insensitive, as Redis
    EXPECT_EQ(latency_reset(m, "nosuch"), 0);
    EXPECT_EQ(latency_reset(m, NULL), 1);
    EXPECT_EQ(render([&](reply *r) { latency_reply_latest(m, r); }), "*0\r\n");
    latency_monitor_free(m);
}

TEST(Latency, GraphAsRedisDrawsIt)
{
    struct latency_monitor *m = latency_monitor_new();
    latency_add_sample(m, "command", 20, 1000);
    latency_add_sample(m, "command", 51, 1002);
    std::string g =
        render([&](reply *r) { EXPECT_TRUE(latency_reply_graph(m, r, "command", 1002)); });
    // redis-server 7.0.15 drew this for the same two samples.
    const std::string body = "command - high 51 ms, low 20 ms (all time high 51 ms)\n" +
                             std::string(80, '-') + "\n #\n |\n |\n_|\n  \n20\nss\n";
    EXPECT_EQ(g, "$" + std::to_string(body.size()) + "\r\n" + body + "\r\n");
    EXPECT_FALSE(latency_reply_graph(m, nullptr, "nosuch", 1002));
    latency_monitor_free(m);
}

TEST(Latency, ManyThreadsAddSamples)
{
    struct latency_monitor *m = latency_monitor_new();
    std::vector<std::thread> ts;
    for (int t = 0; t < 6; t++)
        ts.emplace_back([&, t] {
            for (int i = 0; i < 2000; i++) {
                latency_add_sample(m, t % 2 ? "command" : "fast-command", (uint32_t)(i % 100),
                                   1000 + i / 10);
                if (i % 500 == 0)
                    render([&](reply *r) { latency_reply_latest(m, r); });
            }
        });
    for (auto &th : ts)
        th.join();
    std::string latest = render([&](reply *r) { latency_reply_latest(m, r); });
    EXPECT_EQ(latest.substr(0, 4), "*2\r\n");
    EXPECT_NE(latest.find(":99\r\n"), std::string::npos);
    latency_monitor_free(m);
}
// Buckets as redis-server 7.0.15 reports them: 1, 2, 4, 8, 16, 33, 66, ...
// (the highest value HDR's 2 significant digits make equal to 1024 ns << k).
TEST(LatencyHistogram, RedisBucketsCumulative)
{
    command_table_register_store();
    if (!command_table_frozen())
        command_table_freeze();
    const struct command *get = command_lookup("get", 3);
    ASSERT_NE(get, nullptr);
    struct latency_histograms *h = latency_histograms_new(2);
    for (uint64_t us : {0, 1, 2, 3, 33, 34, 900000, 5000000})
        latency_histograms_count(h, command_index(get), us);
    struct resp_arg name = {"GET", 3, nullptr};
    std::string got = render([&](reply *r) { latency_histograms_reply(h, r, 1, &name); });
    EXPECT_EQ(got, "*2\r\n$3\r\nget\r\n*4\r\n$5\r\ncalls\r\n:8\r\n$14\r\nhistogram_usec\r\n"
                   "*12\r\n:1\r\n:2\r\n:2\r\n:3\r\n:4\r\n:4\r\n:33\r\n:5\r\n:66\r\n:6\r\n"
                   ":1082130\r\n:8\r\n");
    latency_histograms_reset(h);
    EXPECT_EQ(render([&](reply *r) { latency_histograms_reply(h, r, 0, nullptr); }), "*0\r\n");
    latency_histograms_free(h);
}
} // namespace
