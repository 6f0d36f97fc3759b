// CLIENT TRACKING (net/tracking.h) across workers: keys read by many
// tracking clients and written by clients on other workers invalidate
// exactly once per reader and write; redirected invalidations reach a RESP2
// subscriber; BCAST announces every write; tracking-table-max-keys evicts
// with invalidations; clients that leave are forgotten. Run under TSan
// (make tests SAN=thread) for the write hook feeding inboxes from every
// worker.
#include "test/net/server_fixture.h"

#include <atomic>
#include <map>
#include <set>
#include <thread>

namespace
{
using testing_server::RespClient;

class Tracking : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "4"};
    }

    // A RESP3 client with tracking on (extra options appended).
    std::unique_ptr<RespClient> tracker(std::vector<std::string> options = {})
    {
        auto c = client();
        EXPECT_EQ(c->call({"HELLO", "3"}).substr(0, 2), "%7");
        std::vector<std::string> argv = {"CLIENT", "TRACKING", "on"};
        argv.insert(argv.end(), options.begin(), options.end());
        EXPECT_EQ(c->call(argv), "+OK\r\n");
        return c;
    }
};

// Reads one bulk string at `at` of a frame ("$3\r\nfoo\r\n").
std::string bulk_at(const std::string &frame, size_t &at)
{
    size_t eol = frame.find("\r\n", at);
    size_t len = std::stoul(frame.substr(at + 1, eol - at - 1));
    std::string s = frame.substr(eol + 2, len);
    at = eol + 2 + len + 2;
    return s;
}

// The keys of an invalidation frame: a RESP3 push (">2 invalidate [keys]")
// or a RESP2 message on __redis__:invalidate. Fails the test on anything
// else.
std::vector<std::string> invalidated_keys(const std::string &frame)
{
    static const std::string push = ">2\r\n$10\r\ninvalidate\r\n";
    static const std::string message = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
    size_t at;
    if (frame.compare(0, push.size(), push) == 0)
        at = push.size();
    else if (frame.compare(0, message.size(), message) == 0)
        at = message.size();
    else {
        ADD_FAILURE() << "not an invalidation: " << frame;
        return {};
    }
    EXPECT_EQ(frame[at], '*') << frame;
    size_t eol = frame.find("\r\n", at);
    int n = std::stoi(frame.substr(at + 1, eol - at - 1));
    at = eol + 2;
    std::vector<std::string> keys;
    for (int i = 0; i < n; i++)
        keys.push_back(bulk_at(frame, at));
    return keys;
}

std::string key_name(int i)
{
    return "key:" + std::to_string(i);
}

TEST_F(Tracking, EveryReaderGetsExactlyOneInvalidationPerWrittenKey)
{
    const int readers = 6, writers = 4, keys = 60, rounds = 3;
    std::vector<std::unique_ptr<RespClient>> rs;
    for (int r = 0; r < readers; r++)
        rs.push_back(tracker());
    for (int round = 0; round < rounds; round++) {
        // Every reader reads every key (several keys per command too).
        for (auto &r : rs) {
            for (int k = 0; k < keys; k += 2)
                ASSERT_EQ(r->call({"MGET", key_name(k), key_name(k + 1)})[0], '*');
        }
        // Writers on other connections (other workers) write every key,
        // several times each: only the first write of a key invalidates.
        std::vector<std::thread> ws;
        for (int w = 0; w < writers; w++)
            ws.emplace_back([&, w] {
                auto c = client();
                for (int k = 0; k < keys; k++)
                    EXPECT_EQ(c->call({"SET", key_name((k + w * 7) % keys), std::to_string(w)}),
                              "+OK\r\n");
            });
        for (auto &t : ws)
            t.join();
        for (auto &r : rs) {
            std::map<std::string, int> seen;
            for (int n = 0; n < keys; n++)
                for (const auto &k : invalidated_keys(r->read_reply()))
                    seen[k]++;
            ASSERT_EQ(seen.size(), (size_t)keys);
            for (const auto &[k, count] : seen)
                EXPECT_EQ(count, 1) << k;
            // Nothing more queued for it: the next frame is PING's answer.
            EXPECT_EQ(r->call({"PING"}), "+PONG\r\n");
        }
    }
    auto info = client();
    EXPECT_EQ(info_field(info->call({"INFO", "stats"}), "tracking_total_keys"), "0");
    EXPECT_EQ(info_field(info->call({"INFO", "clients"}), "tracking_clients"),
              std::to_string(readers));
}

// A client cache kept by the invalidations never holds a stale value: reads
// racing writes on other workers are remembered before they read, so a
// write after the read is always announced. The PING barrier works because
// a write's invalidation is queued before the writer's reply.
TEST_F(Tracking, ACacheKeptByInvalidationsNeverEndsStale)
{
    const int readers = 4, keys = 8, writes = 400;
    std::atomic<bool> writing{true}, written{false};
    std::thread writer([&] {
        auto c = client();
        for (int i = 0; i < writes; i++)
            EXPECT_EQ(c->call({"SET", key_name(i % keys), std::to_string(i)}), "+OK\r\n");
        writing = false;
    });
    std::vector<std::thread> ts;
    for (int r = 0; r < readers; r++)
        ts.emplace_back([&, r] {
            auto c = tracker();
            std::map<std::string, std::string> cache;
            // A push drops the keys it names; false for any other frame.
            auto handle = [&](const std::string &frame) {
                if (frame[0] != '>')
                    return false;
                for (const auto &k : invalidated_keys(frame))
                    cache.erase(k);
                return true;
            };
            for (int i = 0; writing; i++) {
                std::string k = key_name((i + r) % keys);
                ASSERT_TRUE(c->send(testing_server::resp_command({"GET", k})));
                std::string got;
                while (handle(got = c->read_reply()))
                    ;
                cache[k] = got;
            }
            while (!written)
                std::this_thread::yield();
            // Every write's invalidation was queued before its reply, so
            // before this PING's.
            ASSERT_TRUE(c->send(testing_server::resp_command({"PING"})));
            std::string got;
            while (handle(got = c->read_reply()))
                ;
            ASSERT_EQ(got, "+PONG\r\n");
            for (const auto &[k, v] : cache) {
                int key = std::stoi(k.substr(4));
                std::string last = std::to_string(writes - keys + key);
                EXPECT_EQ(v, "$" + std::to_string(last.size()) + "\r\n" + last + "\r\n")
                    << k << " is stale in reader " << r;
            }
        });
    writer.join();
    written = true;
    for (auto &t : ts)
        t.join();
}

TEST_F(Tracking, RedirectedInvalidationsReachOneSubscriberFromEveryWorker)
{
    auto sub = client();
    std::string id = sub->call({"CLIENT", "ID"});
    id = id.substr(1, id.size() - 3);
    ASSERT_EQ(sub->call({"SUBSCRIBE", "__redis__:invalidate"}).substr(0, 4), "*3\r\n");
    const int readers = 4, keys = 40;
    std::vector<std::unique_ptr<RespClient>> rs;
    for (int r = 0; r < readers; r++) {
        rs.push_back(client());
        ASSERT_EQ(rs.back()->call({"CLIENT", "TRACKING", "on", "REDIRECT", id}), "+OK\r\n");
        for (int k = 0; k < keys; k++)
            ASSERT_EQ(rs.back()->call({"GET", key_name(k)}), "$-1\r\n");
    }
    std::vector<std::thread> ws;
    for (int w = 0; w < 4; w++)
        ws.emplace_back([&, w] {
            auto c = client();
            for (int k = w; k < keys; k += 4)
                EXPECT_EQ(c->call({"SET", key_name(k), "v"}), "+OK\r\n");
        });
    for (auto &t : ws)
        t.join();
    std::map<std::string, int> seen;
    for (int n = 0; n < readers * keys; n++)
        for (const auto &k : invalidated_keys(sub->read_reply()))
            seen[k]++;
    ASSERT_EQ(seen.size(), (size_t)keys);
    for (const auto &[k, count] : seen)
        EXPECT_EQ(count, readers) << k;
    EXPECT_EQ(sub->call({"PING"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
}

TEST_F(Tracking, BroadcastAnnouncesEveryWriteUnderThePrefix)
{
    const int readers = 3, writers = 4, per_writer = 50;
    std::vector<std::unique_ptr<RespClient>> rs;
    for (int r = 0; r < readers; r++)
        rs.push_back(tracker({"BCAST", "PREFIX", "p:"}));
    std::vector<std::thread> ws;
    for (int w = 0; w < writers; w++)
        ws.emplace_back([&, w] {
            auto c = client();
            for (int i = 0; i < per_writer; i++) {
                std::string n = std::to_string(w) + ":" + std::to_string(i);
                EXPECT_EQ(c->call({"MSET", "p:" + n, "1", "q:" + n, "1"}), "+OK\r\n");
            }
        });
    for (auto &t : ws)
        t.join();
    for (auto &r : rs) {
        std::set<std::string> seen;
        while (seen.size() < (size_t)(writers * per_writer)) {
            auto got = invalidated_keys(r->read_reply());
            ASSERT_EQ(got.size(), 1u); // one key under p: per command
            EXPECT_TRUE(seen.insert(got[0]).second) << got[0];
            EXPECT_EQ(got[0].substr(0, 2), "p:");
        }
        EXPECT_EQ(r->call({"PING"}), "+PONG\r\n");
    }
}

TEST_F(Tracking, TheTableLimitEvictsKeysWithInvalidations)
{
    auto admin = client();
    ASSERT_EQ(admin->call({"CONFIG", "SET", "tracking-table-max-keys", "10"}), "+OK\r\n");
    auto r = tracker();
    // Each read past the limit evicts one key, announced after its reply
    // (so before the next reply).
    std::set<std::string> evicted;
    for (int k = 0; k < 50; k++) {
        ASSERT_TRUE(r->send(testing_server::resp_command({"GET", key_name(k)})));
        std::string got;
        while ((got = r->read_reply()) != "_\r\n")
            for (const auto &key : invalidated_keys(got))
                EXPECT_TRUE(evicted.insert(key).second) << key;
    }
    while (evicted.size() < 40)
        for (const auto &key : invalidated_keys(r->read_reply()))
            EXPECT_TRUE(evicted.insert(key).second) << key;
    EXPECT_EQ(evicted.size(), 40u);
    EXPECT_EQ(info_field(admin->call({"INFO", "stats"}), "tracking_total_keys"), "10");
    // The ten that stayed still invalidate.
    for (int k = 0; k < 50; k++)
        ASSERT_EQ(admin->call({"SET", key_name(k), "v"}), "+OK\r\n");
    std::set<std::string> rest;
    for (int n = 0; n < 10; n++)
        for (const auto &k : invalidated_keys(r->read_reply()))
            rest.insert(k);
    EXPECT_EQ(rest.size(), 10u);
    for (const auto &k : rest)
        EXPECT_EQ(evicted.count(k), 0u) << k;
    EXPECT_EQ(r->call({"PING"}), "+PONG\r\n");
}

TEST_F(Tracking, ClientsThatLeaveAreForgotten)
{
    auto admin = client();
    {
        std::vector<std::unique_ptr<RespClient>> rs;
        for (int r = 0; r < 5; r++) {
            rs.push_back(
                tracker(r % 2 ? std::vector<std::string>{"BCAST"} : std::vector<std::string>{}));
            ASSERT_EQ(rs.back()->call({"GET", "shared"}), "_\r\n");
        }
        EXPECT_EQ(info_field(admin->call({"INFO", "clients"}), "tracking_clients"), "5");
        EXPECT_EQ(info_field(admin->call({"INFO", "stats"}), "tracking_total_prefixes"), "1");
    }
    EXPECT_TRUE(eventually([&] {
        return info_field(admin->call({"INFO", "clients"}), "tracking_clients") == "0";
    }));
    EXPECT_EQ(info_field(admin->call({"INFO", "stats"}), "tracking_total_prefixes"), "0");
    // Their remembered key is still there until written; writing it reaches
    // nobody and empties the table.
    EXPECT_EQ(admin->call({"SET", "shared", "1"}), "+OK\r\n");
    EXPECT_EQ(info_field(admin->call({"INFO", "stats"}), "tracking_total_keys"), "0");
    EXPECT_EQ(info_field(admin->call({"INFO", "stats"}), "tracking_total_items"), "0");
}
} // namespace
