// CLIENT PAUSE (net/pause.h) against writers on every worker: while a WRITE
// pause is in force no write lands (readers see a frozen value), reads go
// on, and once it ends every held write runs exactly once. Run under TSan
// (make tests SAN=thread) for the hold-and-wake across workers.
#include "test/net/server_fixture.h"

#include <atomic>
#include <thread>

namespace
{
class Pause : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "4"};
    }
};

TEST_F(Pause, WritesOnEveryWorkerWaitAndNoneIsLost)
{
    const int writers = 6, per_writer = 300;
    std::atomic<int> done{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < writers; t++)
        ts.emplace_back([&] {
            auto c = client();
            for (int i = 0; i < per_writer; i++)
                EXPECT_EQ(c->call({"INCR", "counter"}, 30000).substr(0, 1), ":");
            done++;
        });
    auto pauser = client();
    auto reader = client();
    int frozen_checks = 0;
    while (done.load() < writers) {
        ASSERT_EQ(pauser->call({"CLIENT", "PAUSE", "10000", "WRITE"}), "+OK\r\n");
        // A write that started before the pause may still land: let it.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::string before = reader->call({"GET", "counter"});
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        EXPECT_EQ(reader->call({"GET", "counter"}), before) << "a write ran while paused";
        frozen_checks++;
        ASSERT_EQ(pauser->call({"CLIENT", "UNPAUSE"}), "+OK\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto &th : ts)
        th.join();
    EXPECT_GT(frozen_checks, 0);
    EXPECT_EQ(reader->call({"GET", "counter"}),
              "$4\r\n" + std::to_string(writers * per_writer) + "\r\n");
}

TEST_F(Pause, AHeldClientThatLeavesAndAPauseThatTimesOut)
{
    auto pauser = client();
    ASSERT_EQ(pauser->call({"CLIENT", "PAUSE", "1500", "ALL"}), "+OK\r\n");
    {
        auto leaver = client();
        leaver->send(testing_server::resp_command({"SET", "gone", "1"}));
        // Long enough for the server to read it (and hold it), well within the pause.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    } // closes while its command is held
    auto held = client();
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(held->call({"GET", "gone"}), "$-1\r\n");
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
    EXPECT_EQ(held->call({"EXISTS", "gone"}), ":0\r\n"); // the leaver's SET never ran
}
} // namespace
