// Commands that block (store/block.h), through the tests' own BLOCKTEST on
// a server in this process: woken by a write from another connection,
// timing out, racing the two (delivered exactly once), holding back the
// client's pipelined commands, served oldest first, and cleaned up when
// the blocked client disconnects.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <set>
#include <thread>
#include <vector>

#include "blocktest_command.h"
#include "inprocess_server.h"
#include "net/session.h"
#include "test/common/eventually.h"
#include "test/common/server.h"

using testing_server::resp_command;
using testing_server::RespClient;

namespace
{

class Blocking : public ::testing::Test
{
  protected:
    InProcessServer local;

    static void SetUpTestSuite()
    {
        ASSERT_EQ(blocktest_register(), 0);
    }

    void SetUp() override
    {
        ASSERT_EQ(local.start({"--threads", "3"}), "");
    }

    std::unique_ptr<RespClient> client()
    {
        auto c = std::make_unique<RespClient>();
        EXPECT_TRUE(c->connect(local.port));
        return c;
    }

    // blocked_clients from INFO clients.
    int blocked(RespClient &c)
    {
        std::string info = c.call({"INFO", "clients"});
        size_t at = info.find("blocked_clients:");
        return at == std::string::npos ? -1 : std::stoi(info.substr(at + 16));
    }

    // Waits until INFO shows n blocked clients.
    bool until_blocked(RespClient &c, int n)
    {
        return eventually([&] { return blocked(c) == n; }, std::chrono::seconds(10),
                          std::chrono::milliseconds(2));
    }
};

} // namespace

TEST_F(Blocking, AWriteFromAnotherConnectionWakesIt)
{
    auto waiter = client(), writer = client();
    ASSERT_TRUE(waiter->send(resp_command({"BLOCKTEST", "k", "0"})));
    ASSERT_TRUE(until_blocked(*writer, 1));
    EXPECT_EQ(writer->call({"CLIENT", "LIST"}).find("flags=b") != std::string::npos, true);
    EXPECT_EQ(writer->call({"SET", "k", "hello"}), "+OK\r\n");
    EXPECT_EQ(waiter->read_reply(), "$5\r\nhello\r\n");
    EXPECT_EQ(writer->call({"EXISTS", "k"}), ":0\r\n"); // taken, once
    EXPECT_TRUE(until_blocked(*writer, 0));
}

TEST_F(Blocking, AnAvailableValueIsTakenWithoutWaiting)
{
    auto c = client();
    EXPECT_EQ(c->call({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(c->call({"BLOCKTEST", "k", "0"}), "$1\r\nv\r\n");
}

TEST_F(Blocking, TheTimeoutAnswersNil)
{
    auto c = client();
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(c->call({"BLOCKTEST", "k", "50"}), "$-1\r\n");
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
}

TEST_F(Blocking, AWakeRacingTheTimeoutDeliversExactlyOnce)
{
    auto waiter = client(), writer = client();
    int served = 0, timed_out = 0;
    for (int i = 0; i < 300; i++) {
        std::string value = "v" + std::to_string(i);
        ASSERT_TRUE(waiter->send(resp_command({"BLOCKTEST", "k", "2"})));
        std::this_thread::sleep_for(std::chrono::microseconds(1500 + (i % 7) * 150));
        ASSERT_EQ(writer->call({"SET", "k", value}), "+OK\r\n");
        std::string got = waiter->read_reply();
        std::string left = writer->call({"GET", "k"});
        if (got == "$-1\r\n") {
            // Timed out: the value stays for the next one.
            EXPECT_EQ(left, "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
            timed_out++;
            writer->call({"DEL", "k"});
        } else {
            EXPECT_EQ(got, "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
            EXPECT_EQ(left, "$-1\r\n"); // and taken only once
            served++;
        }
    }
    EXPECT_EQ(waiter->call({"PING"}), "+PONG\r\n"); // nothing extra arrived
    EXPECT_EQ(served + timed_out, 300);
    RecordProperty("served", served);
    RecordProperty("timed_out", timed_out);
}

TEST_F(Blocking, PipelinedCommandsWaitForTheBlockedOne)
{
    auto waiter = client(), writer = client();
    ASSERT_TRUE(waiter->send(resp_command({"BLOCKTEST", "k", "0"}) +
                             resp_command({"SET", "k2", "x"}) + resp_command({"PING"})));
    ASSERT_TRUE(until_blocked(*writer, 1));
    EXPECT_EQ(writer->call({"EXISTS", "k2"}), ":0\r\n"); // SET k2 has not run
    EXPECT_EQ(waiter->read_reply(100), "");
    EXPECT_EQ(writer->call({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(waiter->read_reply(), "$1\r\nv\r\n");
    EXPECT_EQ(waiter->read_reply(), "+OK\r\n");
    EXPECT_EQ(waiter->read_reply(), "+PONG\r\n");
}

TEST_F(Blocking, WaitersAreServedInTheOrderTheyBlocked)
{
    auto first = client(), second = client(), writer = client();
    ASSERT_TRUE(first->send(resp_command({"BLOCKTEST", "k", "0"})));
    ASSERT_TRUE(until_blocked(*writer, 1));
    ASSERT_TRUE(second->send(resp_command({"BLOCKTEST", "k", "0"})));
    ASSERT_TRUE(until_blocked(*writer, 2));
    EXPECT_EQ(writer->call({"SET", "k", "one"}), "+OK\r\n");
    EXPECT_EQ(first->read_reply(), "$3\r\none\r\n");
    EXPECT_EQ(writer->call({"SET", "k", "two"}), "+OK\r\n");
    EXPECT_EQ(second->read_reply(), "$3\r\ntwo\r\n");
}

TEST_F(Blocking, ADisconnectedWaiterIsUnregisteredAndTakesNothing)
{
    auto writer = client();
    {
        auto waiter = client();
        ASSERT_TRUE(waiter->send(resp_command({"BLOCKTEST", "k", "0"})));
        ASSERT_TRUE(until_blocked(*writer, 1));
    } // closes the socket
    ASSERT_TRUE(until_blocked(*writer, 0));
    EXPECT_EQ(writer->call({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(writer->call({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(Blocking, ManyWaitersAndWritersLoseAndDuplicateNothing)
{
    // Waiters on several connections, writers on others, all on one key:
    // every value written is taken by exactly one waiter.
    const int kWaiters = 6, kValues = 600;
    std::vector<std::unique_ptr<RespClient>> waiters;
    for (int i = 0; i < kWaiters; i++)
        waiters.push_back(client());
    std::vector<std::thread> threads;
    std::vector<std::vector<std::string>> got(kWaiters);
    std::atomic<int> taken{0};
    for (int i = 0; i < kWaiters; i++)
        threads.emplace_back([&, i] {
            while (taken < kValues) {
                std::string r = waiters[i]->call({"BLOCKTEST", "k", "20"});
                if (r != "$-1\r\n" && !r.empty()) {
                    got[i].push_back(r);
                    taken++;
                }
            }
        });
    std::thread writer([&] {
        auto w = client();
        for (int v = 0; v < kValues; v++) {
            std::string value = "v" + std::to_string(v);
            // SET NX: a value is only written once the previous was taken.
            while (w->call({"SET", "k", value, "NX"}) != "+OK\r\n")
                std::this_thread::yield();
        }
    });
    writer.join();
    for (auto &t : threads)
        t.join();
    std::set<std::string> all;
    size_t total = 0;
    for (auto &g : got) {
        total += g.size();
        all.insert(g.begin(), g.end());
    }
    EXPECT_EQ(total, (size_t)kValues);
    EXPECT_EQ(all.size(), (size_t)kValues); // none twice
}

TEST_F(Blocking, NoOtherClientCanTakeWhatIsHandedToAWaiter)
{
    // The value is handed over inside the writer's locked section: a thief
    // hammering GETDEL on another connection never sees it.
    auto waiter = client(), writer = client();
    std::atomic<bool> stop{false};
    std::atomic<int> stolen{0}, tries{0};
    std::thread thief([&] {
        auto t = client();
        while (!stop) {
            if (t->call({"GETDEL", "k"}) != "$-1\r\n")
                stolen++;
            tries++;
        }
    });
    for (int i = 0; i < 200; i++) {
        ASSERT_TRUE(waiter->send(resp_command({"BLOCKTEST", "k", "0"})));
        ASSERT_TRUE(until_blocked(*writer, 1));
        ASSERT_EQ(writer->call({"SET", "k", "v" + std::to_string(i)}), "+OK\r\n");
        std::string value = "v" + std::to_string(i);
        EXPECT_EQ(waiter->read_reply(),
                  "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
    }
    stop = true;
    thief.join();
    EXPECT_GT(tries.load(), 0);
    EXPECT_EQ(stolen.load(), 0);
}

TEST_F(Blocking, ASessionWithoutASocketNeverBlocks)
{
    // A log being replayed cannot wait: the command answers as if it timed
    // out at once (and takes the value when there is one).
    struct session *s = session_new(local.server);
    ASSERT_NE(s, nullptr);
    auto run = [&](const std::vector<std::string> &argv) { return socketless_call(s, argv); };
    EXPECT_EQ(run({"BLOCKTEST", "k", "0"}), "$-1\r\n");
    EXPECT_EQ(run({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(run({"BLOCKTEST", "k", "0"}), "$1\r\nv\r\n");
    session_free(s);
}
