// Blocking sorted-set pops served across workers (store/cmd_zset_pop.c):
// BZPOPMIN waiters are served in the order they blocked, one element each,
// by the ZADD that fills their key; adders and blocked poppers on
// different connections lose nothing and deliver nothing twice.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test/net/server_fixture.h"

using testing_server::resp_command;
using testing_server::RespClient;

namespace
{

class ZsetBlocking : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "4", "--shards", "64"};
    }

    bool until_blocked(RespClient &c, int n)
    {
        return eventually([&] {
            return std::stoi(info_field(c.call({"INFO", "clients"}), "blocked_clients")) == n;
        });
    }
};

std::string bulk(const std::string &s)
{
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

} // namespace

TEST_F(ZsetBlocking, BzpopminWaitersAreServedFifo)
{
    std::vector<std::unique_ptr<RespClient>> waiters;
    auto admin = client();
    for (int i = 0; i < 5; i++) {
        waiters.push_back(client());
        ASSERT_TRUE(waiters.back()->send(resp_command({"BZPOPMIN", "z", "0"})));
        ASSERT_TRUE(until_blocked(*admin, i + 1));
    }
    // One ZADD of five: the oldest waiter gets the lowest score.
    EXPECT_EQ(admin->call({"ZADD", "z", "5", "e", "3", "c", "1", "a", "4", "d", "2", "b"}),
              ":5\r\n");
    const char *members[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        EXPECT_EQ(waiters[i]->read_reply(),
                  "*3\r\n" + bulk("z") + bulk(members[i]) + bulk(std::to_string(i + 1)));
    EXPECT_EQ(admin->call({"EXISTS", "z"}), ":0\r\n");
}

TEST_F(ZsetBlocking, AddersAndBlockedPoppersLoseAndDuplicateNothing)
{
    const int kProducers = 3, kConsumers = 4, kItems = 2000;
    std::vector<std::thread> threads;
    std::mutex mu;
    std::multiset<std::string> got;
    std::atomic<int> received{0};
    for (int i = 0; i < kConsumers; i++)
        threads.emplace_back([&] {
            auto c = client();
            while (received < kProducers * kItems) {
                std::string r = c->call({"BZPOPMAX", "z1", "z2", "0.05"});
                if (r.empty()) {
                    ADD_FAILURE() << "no reply to BZPOPMAX";
                    return;
                }
                if (r == "*-1\r\n")
                    continue;
                std::lock_guard<std::mutex> g(mu);
                got.insert(r.substr(0, r.rfind("$"))); // key and member
                received++;
            }
        });
    for (int p = 0; p < kProducers; p++)
        threads.emplace_back([&, p] {
            auto c = client();
            for (int i = 0; i < kItems; i++) {
                std::string key = i % 2 ? "z1" : "z2";
                EXPECT_EQ(c->call({"ZADD", key, std::to_string(i),
                                   std::to_string(p) + ":" + std::to_string(i)}),
                          ":1\r\n");
            }
        });
    for (auto &t : threads)
        t.join();
    std::multiset<std::string> want;
    for (int p = 0; p < kProducers; p++)
        for (int i = 0; i < kItems; i++)
            want.insert("*3\r\n" + bulk(i % 2 ? "z1" : "z2") +
                        bulk(std::to_string(p) + ":" + std::to_string(i)));
    EXPECT_EQ(got, want);
    auto c = client();
    EXPECT_EQ(c->call({"EXISTS", "z1", "z2"}), ":0\r\n");
}
