// LATENCY's "expire-cycle" event from a real server: a slice of the active
// expiry that takes latency-monitor-threshold milliseconds or more is a
// spike, as Redis records its expire cycles. DEBUG EXPIRE-SLICE-DELAY makes
// every slice sleep, so a slice lasts at least that long under any build or
// sanitizer; the test waits for the sample, never for a time.
#include "test/net/server_fixture.h"

namespace
{

class LatencyExpire : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "2", "--enable-debug-command", "yes", "--hz", "50"};
    }
};

} // namespace

TEST_F(LatencyExpire, SlowSliceIsAnExpireCycleSpike)
{
    auto c = client();
    ASSERT_EQ(c->call({"CONFIG", "SET", "latency-monitor-threshold", "5"}), "+OK\r\n");
    // Keys with a TTL give the cycle something to look at; it runs either way.
    ASSERT_EQ(c->call({"SET", "k", "v", "PX", "100000"}), "+OK\r\n");
    ASSERT_EQ(c->call({"DEBUG", "EXPIRE-SLICE-DELAY", "20"}), "+OK\r\n");
    EXPECT_TRUE(eventually([&] {
        return c->call({"LATENCY", "LATEST"}).find("expire-cycle") != std::string::npos;
    })) << c->call({"LATENCY", "LATEST"});
    ASSERT_EQ(c->call({"DEBUG", "EXPIRE-SLICE-DELAY", "0"}), "+OK\r\n");

    // LATEST: *1 of [name, time, latest, max], latest and max at least 20.
    std::string latest = c->call({"LATENCY", "LATEST"});
    size_t at = latest.find("$12\r\nexpire-cycle\r\n:");
    ASSERT_NE(at, std::string::npos) << latest;
    at = latest.find("\r\n:", at + 20); // past the time
    ASSERT_NE(at, std::string::npos) << latest;
    EXPECT_GE(std::stoll(latest.substr(at + 3)), 20) << latest;

    // HISTORY: [time, latency] pairs, each at least the delay.
    std::string history = c->call({"LATENCY", "HISTORY", "expire-cycle"});
    ASSERT_EQ(history.rfind("*", 0), 0u) << history;
    EXPECT_GE(std::stoll(history.substr(1)), 1) << history;
    for (size_t p = history.find("*2\r\n"); p != std::string::npos; p = history.find("*2\r\n", p)) {
        size_t lat = history.find("\r\n:", p + 5);
        ASSERT_NE(lat, std::string::npos) << history;
        EXPECT_GE(std::stoll(history.substr(lat + 3)), 20) << history;
        p = lat;
    }

    // RESET forgets it; no command here is slow enough for a new event.
    EXPECT_EQ(c->call({"LATENCY", "RESET", "expire-cycle"}), ":1\r\n");
    EXPECT_EQ(c->call({"LATENCY", "HISTORY", "expire-cycle"}), "*0\r\n");
}

// With the monitor off (threshold 0) even slow slices record nothing: the
// delay is on for several cycles (DEBUG SLEEP cannot end before the cron has
// ticked a few times), and LATEST stays empty.
TEST_F(LatencyExpire, MonitorOffRecordsNothing)
{
    auto c = client();
    ASSERT_EQ(c->call({"CONFIG", "SET", "latency-monitor-threshold", "0"}), "+OK\r\n");
    ASSERT_EQ(c->call({"DEBUG", "EXPIRE-SLICE-DELAY", "10"}), "+OK\r\n");
    ASSERT_EQ(c->call({"DEBUG", "SLEEP", "0.3"}), "+OK\r\n");
    ASSERT_EQ(c->call({"DEBUG", "EXPIRE-SLICE-DELAY", "0"}), "+OK\r\n");
    EXPECT_EQ(c->call({"LATENCY", "LATEST"}), "*0\r\n");
}

TEST_F(LatencyExpire, DelayArgumentIsChecked)
{
    auto c = client();
    const char *err = "-ERR value is out of range, must be between 0 and 10000\r\n";
    EXPECT_EQ(c->call({"DEBUG", "EXPIRE-SLICE-DELAY", "-1"}), err);
    EXPECT_EQ(c->call({"DEBUG", "EXPIRE-SLICE-DELAY", "x"}), err);
    EXPECT_EQ(c->call({"DEBUG", "EXPIRE-SLICE-DELAY", "10001"}), err);
}
