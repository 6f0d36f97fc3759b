// Framing and ordering over real sockets: big pipelines, byte-by-byte
// delivery, interleaved clients, slow readers, protocol errors.
#include "test/net/server_fixture.h"
#include "test/common/test_env.h"

#include <atomic>
#include <random>
#include <sys/socket.h>

using testing_server::resp_command;
using testing_server::RespClient;

namespace
{

using Pipeline = ServerTest;

std::string bulk(const std::string &s)
{
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

TEST_F(Pipeline, TenThousandCommandsInOneWrite)
{
    auto c = client();
    std::string batch;
    for (int i = 0; i < 10000; i++)
        batch += i % 2 ? resp_command({"ECHO", std::to_string(i)}) : "PING\r\n";
    ASSERT_TRUE(c->send(batch));
    for (int i = 0; i < 10000; i++) {
        std::string expect = i % 2 ? bulk(std::to_string(i)) : "+PONG\r\n";
        std::string got = c->read_reply();
        ASSERT_EQ(got, expect) << "reply " << i;
    }
}

TEST_F(Pipeline, ByteByByteDelivery)
{
    auto c = client();
    std::string request = resp_command({"ECHO", std::string("bin\0\r\nary", 9)}) + "PING\r\n" +
                          resp_command({"PING", "x"}) + "ECHO \"quoted \\x41\"\r\n";
    for (char ch : request) {
        ASSERT_TRUE(c->send(std::string(1, ch)));
        usleep(200); // separate segments, so the server sees partial requests
    }
    EXPECT_EQ(c->read_reply(), bulk(std::string("bin\0\r\nary", 9)));
    EXPECT_EQ(c->read_reply(), "+PONG\r\n");
    EXPECT_EQ(c->read_reply(), "$1\r\nx\r\n");
    EXPECT_EQ(c->read_reply(), "$8\r\nquoted A\r\n");
}

// Several clients pipeline in randomly split writes at once; each sees its
// replies complete and in order.
TEST_F(Pipeline, RepliesInOrderAcrossPipelines)
{
    const int clients = 8;
    const int per_client = (int)test_scaled(5000, 500);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < clients; t++) {
        threads.emplace_back([&, t] {
            RespClient c;
            if (!c.connect(server.port)) {
                failures++;
                return;
            }
            std::mt19937 rng(t);
            std::string all;
            for (int i = 0; i < per_client; i++)
                all += resp_command({"ECHO", std::to_string(t) + ":" + std::to_string(i)});
            size_t sent = 0;
            int next = 0;
            while (next < per_client) {
                if (sent < all.size()) {
                    size_t n = std::min(all.size() - sent, (size_t)(rng() % 3000 + 1));
                    if (!c.send(all.substr(sent, n))) {
                        failures++;
                        return;
                    }
                    sent += n;
                }
                // Read whatever replies are complete, without blocking long.
                while (next < per_client) {
                    std::string r = c.read_reply(sent < all.size() ? 1 : 10000);
                    if (r.empty())
                        break;
                    std::string want = std::to_string(t) + ":" + std::to_string(next);
                    if (r != bulk(want)) {
                        failures++;
                        return;
                    }
                    next++;
                }
                if (sent == all.size() && next < per_client && c.buffered.empty() &&
                    c.read_reply(10000).empty()) {
                    failures++;
                    return;
                }
            }
        });
    }
    for (auto &th : threads)
        th.join();
    EXPECT_EQ(failures.load(), 0);
}

TEST_F(Pipeline, ProtocolErrorRepliesThenCloses)
{
    auto c = client();
    ASSERT_TRUE(c->send("PING\r\n*1\r\n$abc\r\nPING\r\n"));
    EXPECT_EQ(c->read_reply(), "+PONG\r\n");
    EXPECT_EQ(c->read_reply(), "-ERR Protocol error: invalid bulk length\r\n");
    EXPECT_TRUE(c->wait_closed());
    EXPECT_EQ(c->buffered, "");

    auto d = client();
    ASSERT_TRUE(d->send("*abc\r\n"));
    EXPECT_EQ(d->read_reply(), "-ERR Protocol error: invalid multibulk length\r\n");
    EXPECT_TRUE(d->wait_closed());

    auto e = client();
    ASSERT_TRUE(e->send("ECHO \"unbalanced\r\n"));
    EXPECT_EQ(e->read_reply(), "-ERR Protocol error: unbalanced quotes in request\r\n");
    EXPECT_TRUE(e->wait_closed());
}

// A client that writes a large pipeline and does not read for a while: the
// server stops reading once its output passes the high-water mark, so its
// memory stays bounded although the replies total ~75 MB; then every reply
// arrives, in order.
TEST_F(Pipeline, SlowReaderKeepsServerMemoryBounded)
{
    const int count = (int)test_scaled(50000, 5000);
    RespClient c;
    c.set_receive_buffer(64 * 1024);
    ASSERT_TRUE(c.connect(server.port));
    std::string help = c.call({"CLIENT", "HELP"});
    ASSERT_GT(help.size(), 1000u);
    long rss_before = server.rss_kb();
    std::string request = resp_command({"CLIENT", "HELP"});
    std::string batch;
    for (int i = 0; i < count; i++)
        batch += request;
    // Send from a thread: the server applies backpressure, so this blocks.
    std::thread writer([&] { c.send(batch); });
    long peak = rss_before;
    for (int i = 0; i < 20; i++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        peak = std::max(peak, server.rss_kb());
    }
    // Total reply volume vs. what the server may hold: bounded by the
    // high-water mark plus socket buffers, far below the total.
    double total_mb = (double)help.size() * count / (1024 * 1024);
    double grown_mb = (double)(peak - rss_before) / 1024;
    EXPECT_LT(grown_mb, 40.0) << "server grew " << grown_mb << " MB for " << total_mb
                              << " MB of replies";
    for (int i = 0; i < count; i++) {
        std::string r = c.read_reply(30000);
        ASSERT_EQ(r, help) << "reply " << i;
    }
    writer.join();
}

} // namespace
