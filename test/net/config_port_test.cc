// CONFIG SET port moves the TCP listener, as Redis 7.0 rebinds: OK, the new
// port accepts, the old one stops accepting, connections already open stay.
// A port that cannot be opened is refused with Redis's error and changes
// nothing (the other values of the same call included); port 0 closes TCP
// and leaves the unix socket.
#include "test/net/server_fixture.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using testing_server::RespClient;

namespace
{

class ConfigPort : public ServerTest
{
  protected:
    std::string unix_path = "/tmp/magpie-config-port-" + std::to_string(getpid()) + ".sock";

    std::vector<std::string> server_args() override
    {
        return {"--threads", "2", "--unixsocket", unix_path};
    }

    std::string get_port(RespClient &c)
    {
        std::string r = c.call({"CONFIG", "GET", "port"});
        size_t at = r.rfind("$");
        at = r.find("\r\n", at) + 2;
        return r.substr(at, r.size() - at - 2);
    }

    static bool accepts(int port)
    {
        RespClient c;
        return c.connect(port) && c.call({"PING"}, 2000) == "+PONG\r\n";
    }

    static bool refuses(int port)
    {
        RespClient c;
        return !c.connect(port);
    }
};

// A listening socket on 127.0.0.1:port, so the server cannot bind it.
struct PortBlocker {
    int fd = -1, port = 0;
    PortBlocker()
    {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
        socklen_t len = sizeof(sin);
        if (bind(fd, (sockaddr *)&sin, len) == 0 && listen(fd, 1) == 0 &&
            getsockname(fd, (sockaddr *)&sin, &len) == 0)
            port = ntohs(sin.sin_port);
    }
    ~PortBlocker()
    {
        close(fd);
    }
};

const char kUnableToListen[] = "-ERR CONFIG SET failed (possibly related to argument 'port') - "
                               "Unable to listen on this port. Check server logs.\r\n";

} // namespace

TEST_F(ConfigPort, SetPortMovesTheListener)
{
    auto c = client();
    int old_port = server.port;
    int other = testing_server::free_port();
    ASSERT_EQ(c->call({"CONFIG", "SET", "port", std::to_string(other)}), "+OK\r\n");
    EXPECT_EQ(get_port(*c), std::to_string(other));
    EXPECT_TRUE(accepts(other));
    EXPECT_TRUE(eventually([&] { return refuses(old_port); }));
    // The connection accepted on the old port stays.
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    EXPECT_EQ(info_field(c->call({"INFO", "server"}), "tcp_port"), std::to_string(other));
    // The same port again is a no-op; then back to the first one.
    EXPECT_EQ(c->call({"CONFIG", "SET", "port", std::to_string(other)}), "+OK\r\n");
    EXPECT_TRUE(accepts(other));
    ASSERT_EQ(c->call({"CONFIG", "SET", "port", std::to_string(old_port)}), "+OK\r\n");
    EXPECT_TRUE(accepts(old_port));
    EXPECT_TRUE(eventually([&] { return refuses(other); }));
}

TEST_F(ConfigPort, PortThatCannotBeOpenedChangesNothing)
{
    PortBlocker busy;
    ASSERT_GT(busy.port, 0);
    auto c = client();
    std::string before = get_port(*c);
    EXPECT_EQ(c->call({"CONFIG", "SET", "port", std::to_string(busy.port)}), kUnableToListen);
    EXPECT_EQ(get_port(*c), before);
    EXPECT_TRUE(accepts(server.port));
    // The other values of the call are undone with it.
    std::string maxclients = c->call({"CONFIG", "GET", "maxclients"});
    EXPECT_EQ(c->call({"CONFIG", "SET", "maxclients", "77", "port", std::to_string(busy.port)}),
              kUnableToListen);
    EXPECT_EQ(c->call({"CONFIG", "GET", "maxclients"}), maxclients);
    EXPECT_EQ(get_port(*c), before);
    // Out of range, as any integer parameter.
    EXPECT_EQ(c->call({"CONFIG", "SET", "port", "65536"}).rfind("-ERR CONFIG SET failed", 0), 0u);
    EXPECT_TRUE(accepts(server.port));
}

TEST_F(ConfigPort, PortZeroClosesTcpAndKeepsTheUnixSocket)
{
    auto c = client();
    int old_port = server.port;
    ASSERT_EQ(c->call({"CONFIG", "SET", "port", "0"}), "+OK\r\n");
    EXPECT_TRUE(eventually([&] { return refuses(old_port); }));
    RespClient u;
    ASSERT_TRUE(u.connect_unix(unix_path));
    EXPECT_EQ(u.call({"PING"}), "+PONG\r\n");
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    ASSERT_EQ(u.call({"CONFIG", "SET", "port", std::to_string(old_port)}), "+OK\r\n");
    EXPECT_TRUE(accepts(old_port));
}

// The listener's sockets are swapped while clients connect to both ports
// and the polling thread accepts: every connection made is served, and the
// server ends on the last port set (under TSan: no race on the array).
TEST_F(ConfigPort, ClientsConnectWhileThePortMoves)
{
    auto c = client();
    int ports[2] = {server.port, testing_server::free_port()};
    std::atomic<bool> stop{false};
    std::atomic<int> served{0}, failed{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 3; t++)
        clients.emplace_back([&, t] {
            for (int i = 0; !stop.load(); i++) {
                RespClient r;
                if (!r.connect(ports[(i + t) % 2]))
                    continue; // that port is closed now
                std::string reply = r.call({"PING"}, 5000);
                // A connection queued on a port just closed may be dropped.
                if (reply == "+PONG\r\n")
                    served++;
                else if (!reply.empty())
                    failed++;
            }
        });
    for (int i = 1; i <= 40; i++)
        ASSERT_EQ(c->call({"CONFIG", "SET", "port", std::to_string(ports[i % 2])}), "+OK\r\n");
    stop = true;
    for (auto &t : clients)
        t.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_GT(served.load(), 0);
    EXPECT_TRUE(accepts(ports[0]));
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
}

// A client that connects the moment the server listens, and moves the
// listener at once, finds it published: the listener was stored only after
// its sockets went live, so a worker could read it unset (a crash, and a
// race under TSan). A few rounds, each on a fresh server.
TEST(ConfigPortAtStart, TheFirstClientCanMoveTheListener)
{
    if (testing_server::server_binary().empty())
        GTEST_SKIP() << "MAGPIE_SERVER is not set";
    for (int round = 0; round < 5; round++) {
        int port = testing_server::free_port();
        std::string reply;
        std::atomic<bool> give_up{false};
        std::thread first([&] {
            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            while (!give_up.load() && std::chrono::steady_clock::now() < deadline) {
                RespClient c;
                if (!c.connect(port))
                    continue;
                reply = c.call({"CONFIG", "SET", "port", std::to_string(port)}, 10000);
                return;
            }
        });
        testing_server::ServerProcess server;
        bool started = server.start({"--threads", "2", "--port", std::to_string(port)}, "",
                                    /*add_port=*/false);
        // Once the server is up the client goes on until it connects: the
        // server's own readiness probe may have come first (a flaky test).
        if (!started)
            give_up = true;
        first.join();
        ASSERT_TRUE(started) << server.log();
        EXPECT_EQ(reply, "+OK\r\n") << "round " << round << "; log:\n" << server.log();
        EXPECT_EQ(server.stop(), 0) << server.log();
    }
}

// The ports these tests move the listener to come from below the range the
// kernel takes clients' local ports from: one handed out from inside it was
// once taken by a client's own end while the listener had let it go, and
// CONFIG SET port failed with "Unable to listen" (a flaky test).
TEST(FreePort, IsOutsideTheRangeClientsTakeLocalPortsFrom)
{
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0, high = 0;
    if (!(in >> low >> high) || low < 11000)
        GTEST_SKIP() << "no ephemeral range to stay out of";
    for (int i = 0; i < 20; i++) {
        int port = testing_server::free_port();
        EXPECT_GE(port, 1024);
        EXPECT_LT(port, low) << "inside ip_local_port_range " << low << "-" << high;
    }
}
