// Pub/sub across workers (store/pubsub.h, net/inbox.h): every message
// reaches every subscriber once, in each publisher's order; subscribers
// that leave mid-fan-out break nothing; a subscriber that stops reading is
// disconnected at the pub/sub output limit instead of growing memory; one
// big message to many subscribers is stored once.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "test/net/server_fixture.h"

using testing_server::resp_command;
using testing_server::resp_reply_length;
using testing_server::RespClient;

namespace
{

class PubSub : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "4"};
    }

    // Reads pushed messages until `want` arrived (or a read times out);
    // returns their payloads.
    static std::vector<std::string> read_messages(RespClient &c, size_t want)
    {
        std::vector<std::string> payloads;
        while (payloads.size() < want) {
            std::string r = c.read_reply(5000);
            if (r.empty())
                break;
            // *3 $7 message $ch $payload, or *4 with a pattern first: the
            // payload is the last bulk string.
            size_t at = r.rfind("$");
            size_t body = r.find("\r\n", at) + 2;
            payloads.push_back(r.substr(body, r.size() - body - 2));
        }
        return payloads;
    }
};

} // namespace

TEST_F(PubSub, EveryMessageReachesEverySubscriberOnceInEachPublishersOrder)
{
    const int kPublishers = 4, kMessages = 500;
    std::vector<std::unique_ptr<RespClient>> subs;
    for (int i = 0; i < 6; i++) {
        subs.push_back(client());
        std::vector<std::string> cmd = i % 2 ? std::vector<std::string>{"PSUBSCRIBE", "ne*"}
                                             : std::vector<std::string>{"SUBSCRIBE", "news"};
        ASSERT_EQ(subs.back()->call(cmd).substr(0, 4), "*3\r\n");
    }
    std::vector<std::thread> publishers;
    std::atomic<long> receivers{0};
    for (int p = 0; p < kPublishers; p++)
        publishers.emplace_back([&, p] {
            auto c = client();
            for (int i = 0; i < kMessages; i++) {
                std::string r =
                    c->call({"PUBLISH", "news", std::to_string(p) + ":" + std::to_string(i)});
                receivers += std::stol(r.substr(1));
            }
        });
    for (auto &t : publishers)
        t.join();
    EXPECT_EQ(receivers.load(), (long)kPublishers * kMessages * 6);
    for (auto &s : subs) {
        std::vector<std::string> got = read_messages(*s, (size_t)kPublishers * kMessages);
        ASSERT_EQ(got.size(), (size_t)kPublishers * kMessages);
        std::map<int, int> next; // publisher -> next sequence expected
        for (const std::string &m : got) {
            int p = std::stoi(m.substr(0, m.find(':'))), seq = std::stoi(m.substr(m.find(':') + 1));
            EXPECT_EQ(seq, next[p]) << "publisher " << p;
            next[p] = seq + 1;
        }
    }
}

TEST_F(PubSub, SubscribersLeavingMidFanOutBreakNothing)
{
    auto stay = client();
    ASSERT_EQ(stay->call({"SUBSCRIBE", "ch"}).substr(0, 4), "*3\r\n");
    std::atomic<bool> stop{false};
    std::thread churn([&] {
        while (!stop) {
            auto leaver = client();
            leaver->send(resp_command({"SUBSCRIBE", "ch"}));
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        } // each closes with messages queued for it
    });
    auto pub = client();
    const int kMessages = 3000;
    for (int i = 0; i < kMessages; i++)
        ASSERT_EQ(pub->call({"PUBLISH", "ch", "m" + std::to_string(i)})[0], ':');
    stop = true;
    churn.join();
    EXPECT_EQ(read_messages(*stay, kMessages).size(), (size_t)kMessages);
    EXPECT_EQ(pub->call({"PING"}), "+PONG\r\n");
}

TEST_F(PubSub, ASubscriberThatStopsReadingIsDisconnected)
{
    auto admin = client();
    ASSERT_EQ(admin->call({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 256kb 60"}),
              "+OK\r\n");
    RespClient slow;
    slow.set_receive_buffer(4096);
    ASSERT_TRUE(slow.connect(server.port));
    ASSERT_EQ(slow.call({"SUBSCRIBE", "ch"}).substr(0, 4), "*3\r\n");
    std::string payload(64 * 1024, 'x');
    for (int i = 0; i < 200; i++) // 12.8 MB: far past the hard limit
        ASSERT_EQ(admin->call({"PUBLISH", "ch", payload})[0], ':');
    EXPECT_TRUE(eventually([&] {
        return info_field(admin->call({"INFO", "stats"}),
                          "client_output_buffer_limit_disconnections") == "1";
    }));
    EXPECT_TRUE(slow.wait_closed());
    EXPECT_EQ(admin->call({"PUBSUB", "NUMSUB", "ch"}), "*2\r\n$2\r\nch\r\n:0\r\n");
}

TEST_F(PubSub, OneBigMessageToManySubscribersIsStoredOnce)
{
    const int kSubs = 150;
    std::vector<std::unique_ptr<RespClient>> subs;
    for (int i = 0; i < kSubs; i++) {
        subs.push_back(std::make_unique<RespClient>());
        subs.back()->set_receive_buffer(4096);
        ASSERT_TRUE(subs.back()->connect(server.port));
        ASSERT_EQ(subs.back()->call({"SUBSCRIBE", "big"}).substr(0, 4), "*3\r\n");
    }
    auto pub = client();
    long before = server.rss_kb();
    std::string payload(1 << 20, 'b');
    EXPECT_EQ(pub->call({"PUBLISH", "big", payload}), ":" + std::to_string(kSubs) + "\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    long grown = server.rss_kb() - before;
    // Shared: about one copy (plus framing), not 150 MB.
    EXPECT_LT(grown, 40 * 1024) << "KB grown for a 1 MB message to " << kSubs << " subscribers";
    for (auto &s : subs)
        EXPECT_EQ(read_messages(*s, 1).size(), 1u);
}

// A small channel or shard message is framed once per publish and shared
// by every subscriber (net/inbox.h); each still gets Redis's exact bytes for
// its own protocol (a RESP3 push differs from the RESP2 array in its first
// byte), next to a pattern subscriber and a payload too big to frame.
TEST_F(PubSub, SharedFramesKeepEachSubscribersProtocol)
{
    RespClient r2, r3, pat, shard2, shard3;
    for (RespClient *c : {&r2, &r3, &pat, &shard2, &shard3})
        ASSERT_TRUE(c->connect(server.port));
    ASSERT_EQ(r3.call({"HELLO", "3"}).substr(0, 1), "%");
    ASSERT_EQ(shard3.call({"HELLO", "3"}).substr(0, 1), "%");
    ASSERT_EQ(r2.call({"SUBSCRIBE", "ch"}), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    ASSERT_EQ(r3.call({"SUBSCRIBE", "ch"}), ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    ASSERT_EQ(pat.call({"PSUBSCRIBE", "c*"}), "*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:1\r\n");
    ASSERT_EQ(shard2.call({"SSUBSCRIBE", "sh"}), "*3\r\n$10\r\nssubscribe\r\n$2\r\nsh\r\n:1\r\n");
    ASSERT_EQ(shard3.call({"SSUBSCRIBE", "sh"}), ">3\r\n$10\r\nssubscribe\r\n$2\r\nsh\r\n:1\r\n");
    auto pub = client();
    std::string big(5000, 'z');
    for (const std::string &payload : {std::string("hello"), std::string(), big}) {
        std::string bulk = "$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
        ASSERT_EQ(pub->call({"PUBLISH", "ch", payload}), ":3\r\n");
        EXPECT_EQ(r2.read_reply(), "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n" + bulk);
        EXPECT_EQ(r3.read_reply(), ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n" + bulk);
        EXPECT_EQ(pat.read_reply(), "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n" + bulk);
        ASSERT_EQ(pub->call({"SPUBLISH", "sh", payload}), ":2\r\n");
        EXPECT_EQ(shard2.read_reply(), "*3\r\n$8\r\nsmessage\r\n$2\r\nsh\r\n" + bulk);
        EXPECT_EQ(shard3.read_reply(), ">3\r\n$8\r\nsmessage\r\n$2\r\nsh\r\n" + bulk);
    }
}
