// Blocking list pops served across workers (store/block.h, store/cmd_list*):
// pushers and blocked poppers on different connections lose nothing and
// deliver nothing twice (this run also caught a waiter served between its
// registration and its task's first look, left unfinished); FIFO order;
// several keys; BLMOVE chains; CLIENT UNBLOCK; many idle blocked clients
// cost no CPU.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/net/server_fixture.h"

using testing_server::resp_command;
using testing_server::RespClient;

namespace
{

class ListBlocking : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "4", "--shards", "64"};
    }

    int blocked(RespClient &c)
    {
        return std::stoi(info_field(c.call({"INFO", "clients"}), "blocked_clients"));
    }

    bool until_blocked(RespClient &c, int n)
    {
        return eventually([&] { return blocked(c) == n; });
    }

    // Server CPU time (user + system) in clock ticks, from /proc.
    long cpu_ticks()
    {
        std::ifstream f("/proc/" + std::to_string(server.pid) + "/stat");
        std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        std::istringstream fields(stat.substr(stat.rfind(')') + 2));
        std::string field;
        long utime = 0, stime = 0;
        for (int i = 3; fields >> field; i++) {
            if (i == 14)
                utime = std::stol(field);
            if (i == 15) {
                stime = std::stol(field);
                break;
            }
        }
        return utime + stime;
    }
};

std::string bulk(const std::string &s)
{
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

std::string pair(const std::string &key, const std::string &value)
{
    return "*2\r\n" + bulk(key) + bulk(value);
}

} // namespace

TEST_F(ListBlocking, PushersAndBlockedPoppersLoseAndDuplicateNothing)
{
    const int kProducers = 3, kConsumers = 4, kItems = 3000;
    std::vector<std::thread> threads;
    std::mutex mu;
    std::multiset<std::string> got;
    std::atomic<int> received{0};
    for (int i = 0; i < kConsumers; i++)
        threads.emplace_back([&] {
            auto c = client();
            while (received < kProducers * kItems) {
                std::string r = c->call({"BRPOP", "q1", "q2", "0.05"});
                if (r.empty()) { // the server died or stopped answering
                    ADD_FAILURE() << "no reply to BRPOP";
                    return;
                }
                if (r == "*-1\r\n")
                    continue;
                std::lock_guard<std::mutex> g(mu);
                got.insert(r);
                received++;
            }
        });
    for (int p = 0; p < kProducers; p++)
        threads.emplace_back([&, p] {
            auto c = client();
            for (int i = 0; i < kItems; i++) {
                std::string key = i % 2 ? "q1" : "q2";
                EXPECT_EQ(c->call({"RPUSH", key, std::to_string(p) + ":" + std::to_string(i)})[0],
                          ':');
            }
        });
    for (auto &t : threads)
        t.join();
    std::multiset<std::string> want;
    for (int p = 0; p < kProducers; p++)
        for (int i = 0; i < kItems; i++)
            want.insert(pair(i % 2 ? "q1" : "q2", std::to_string(p) + ":" + std::to_string(i)));
    EXPECT_EQ(got, want);
    auto c = client();
    EXPECT_EQ(c->call({"EXISTS", "q1", "q2"}), ":0\r\n");
}

TEST_F(ListBlocking, WaitersAreServedInOrderOneElementEach)
{
    std::vector<std::unique_ptr<RespClient>> waiters;
    auto admin = client();
    for (int i = 0; i < 3; i++) {
        waiters.push_back(client());
        ASSERT_TRUE(waiters.back()->send(resp_command({"BLPOP", "q", "0"})));
        ASSERT_TRUE(until_blocked(*admin, i + 1));
    }
    // One push of three: the oldest waiter gets the head.
    EXPECT_EQ(admin->call({"LPUSH", "q", "a", "b", "c"}), ":3\r\n");
    EXPECT_EQ(waiters[0]->read_reply(), pair("q", "c"));
    EXPECT_EQ(waiters[1]->read_reply(), pair("q", "b"));
    EXPECT_EQ(waiters[2]->read_reply(), pair("q", "a"));
    EXPECT_EQ(admin->call({"EXISTS", "q"}), ":0\r\n");
}

TEST_F(ListBlocking, SeveralKeysAndTheFirstToGetData)
{
    auto waiter = client(), admin = client();
    ASSERT_TRUE(waiter->send(resp_command({"BRPOP", "k1", "k2", "k3", "0"})));
    ASSERT_TRUE(until_blocked(*admin, 1));
    EXPECT_EQ(admin->call({"RPUSH", "k3", "x"}), ":1\r\n");
    EXPECT_EQ(waiter->read_reply(), pair("k3", "x"));
    // With data already there, argument order decides.
    admin->call({"RPUSH", "k2", "two"});
    admin->call({"RPUSH", "k3", "three"});
    EXPECT_EQ(waiter->call({"BLPOP", "k1", "k2", "k3", "0"}), pair("k2", "two"));
}

TEST_F(ListBlocking, BlmoveChainsIntoAnotherWaitersList)
{
    // Across shards or within one: whichever the keys land on, the element
    // travels k1 -> k2 and reaches the client waiting on k2.
    for (int round = 0; round < 8; round++) {
        std::string k1 = "src" + std::to_string(round), k2 = "dst" + std::to_string(round);
        auto mover = client(), popper = client(), admin = client();
        ASSERT_TRUE(mover->send(resp_command({"BLMOVE", k1, k2, "LEFT", "RIGHT", "0"})));
        ASSERT_TRUE(until_blocked(*admin, 1));
        ASSERT_TRUE(popper->send(resp_command({"BLPOP", k2, "0"})));
        ASSERT_TRUE(until_blocked(*admin, 2));
        EXPECT_EQ(admin->call({"RPUSH", k1, "item"}), ":1\r\n");
        EXPECT_EQ(mover->read_reply(), bulk("item"));
        EXPECT_EQ(popper->read_reply(), pair(k2, "item"));
        EXPECT_EQ(admin->call({"EXISTS", k1, k2}), ":0\r\n");
        ASSERT_TRUE(until_blocked(*admin, 0));
    }
}

TEST_F(ListBlocking, ClientUnblockEndsAWait)
{
    auto waiter = client(), admin = client();
    std::string id = waiter->call({"CLIENT", "ID"}).substr(1);
    id = id.substr(0, id.find("\r\n"));
    ASSERT_TRUE(waiter->send(resp_command({"BLPOP", "q", "0"})));
    ASSERT_TRUE(until_blocked(*admin, 1));
    EXPECT_NE(admin->call({"CLIENT", "LIST"}).find("flags=b db=0"), std::string::npos);
    EXPECT_NE(admin->call({"CLIENT", "LIST"}).find("cmd=blpop"), std::string::npos);
    EXPECT_EQ(admin->call({"CLIENT", "UNBLOCK", id}), ":1\r\n");
    EXPECT_EQ(waiter->read_reply(), "*-1\r\n");
    EXPECT_EQ(admin->call({"CLIENT", "UNBLOCK", id}), ":0\r\n");
    ASSERT_TRUE(waiter->send(resp_command({"BLPOP", "q", "0"})));
    ASSERT_TRUE(until_blocked(*admin, 1));
    EXPECT_EQ(admin->call({"CLIENT", "UNBLOCK", id, "ERROR"}), ":1\r\n");
    EXPECT_EQ(waiter->read_reply(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    EXPECT_EQ(admin->call({"CLIENT", "UNBLOCK", id, "MAYBE"}),
              "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
}

TEST_F(ListBlocking, ThousandsOfIdleWaitersCostNoCpuAndAreAllServed)
{
    const int kWaiters = 2000;
    auto admin = client();
    std::vector<std::unique_ptr<RespClient>> waiters;
    for (int i = 0; i < kWaiters; i++) {
        waiters.push_back(std::make_unique<RespClient>());
        ASSERT_TRUE(waiters.back()->connect(server.port));
        ASSERT_TRUE(waiters.back()->send(resp_command({"BLPOP", "q", "0"})));
    }
    ASSERT_TRUE(until_blocked(*admin, kWaiters));
    long before = cpu_ticks();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    long idle = cpu_ticks() - before;
    EXPECT_LE(idle, 10) << "ticks of CPU used by " << kWaiters << " idle waiters in a second";
    std::vector<std::string> items;
    for (int i = 0; i < kWaiters; i++)
        items.push_back("i" + std::to_string(i));
    std::vector<std::string> push = {"RPUSH", "q"};
    push.insert(push.end(), items.begin(), items.end());
    EXPECT_EQ(admin->call(push), ":" + std::to_string(kWaiters) + "\r\n");
    // Each gets one (which one depends on the order they blocked in).
    std::set<std::string> got;
    for (int i = 0; i < kWaiters; i++)
        got.insert(waiters[i]->read_reply());
    std::set<std::string> want;
    for (const std::string &item : items)
        want.insert(pair("q", item));
    EXPECT_EQ(got, want);
    EXPECT_EQ(admin->call({"EXISTS", "q"}), ":0\r\n");
}
