// The listener driven by reactor_poll directly.
#include <gtest/gtest.h>

#include <atomic>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "net/listener.h"
#include "net/reactor.h"
#include "test/common/server.h"

namespace
{

struct Accepted {
    std::vector<int> fds;
    std::vector<int> families;
};

void on_accept(void *ctx, int fd, const struct sockaddr_storage *peer, socklen_t)
{
    auto *a = static_cast<Accepted *>(ctx);
    a->fds.push_back(fd);
    a->families.push_back(peer->ss_family);
}

struct Listener : ::testing::Test {
    struct reactor *r = nullptr;
    struct listener *l = nullptr;
    Accepted accepted;
    char err[256] = "";
    void SetUp() override
    {
        r = reactor_new();
        ASSERT_NE(r, nullptr);
    }
    void TearDown() override
    {
        if (l)
            listener_close(l);
        reactor_free(r);
        listener_free(l);
        for (int fd : accepted.fds)
            close(fd);
    }
    int open(std::vector<const char *> binds, int port, const char *unixsocket = nullptr)
    {
        struct listener_config cfg = {};
        cfg.binds = binds.data();
        cfg.bind_count = (int)binds.size();
        cfg.port = port;
        cfg.backlog = 511;
        cfg.unixsocket = unixsocket;
        cfg.on_accept = on_accept;
        cfg.ctx = &accepted;
        return listener_open(r, &cfg, &l, err, sizeof(err));
    }
    void poll_until(size_t n)
    {
        for (int i = 0; i < 500 && accepted.fds.size() < n; i++)
            reactor_poll(r, 20);
    }
};

TEST_F(Listener, AcceptsTcpWithNoDelayAndUnixSockets)
{
    int port = testing_server::free_port();
    std::string path = "/tmp/magpie-listener-test-" + std::to_string(getpid()) + ".sock";
    ASSERT_EQ(0, open({"127.0.0.1", "-::1"}, port, path.c_str())) << err;
    EXPECT_GE(listener_count(l), 2);
    testing_server::RespClient tcp, local;
    ASSERT_TRUE(tcp.connect(port));
    ASSERT_TRUE(local.connect_unix(path));
    poll_until(2);
    ASSERT_EQ(accepted.fds.size(), 2u);
    for (size_t i = 0; i < 2; i++) {
        if (accepted.families[i] == AF_INET) {
            int nodelay = 0;
            socklen_t len = sizeof(nodelay);
            getsockopt(accepted.fds[i], IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
            EXPECT_NE(nodelay, 0);
        } else {
            EXPECT_EQ(accepted.families[i], AF_UNIX);
        }
    }
    listener_close(l);
    EXPECT_NE(0, access(path.c_str(), F_OK)); // the socket file is removed
}

TEST_F(Listener, PortInUseFailsLikeRedis)
{
    int port = testing_server::free_port();
    ASSERT_EQ(0, open({"127.0.0.1"}, port)) << err;
    struct listener *first = l;
    l = nullptr;
    EXPECT_NE(0, open({"127.0.0.1"}, port));
    EXPECT_EQ(std::string(err),
              "Failed listening on port " + std::to_string(port) + " (TCP), aborting.");
    l = first;
}

TEST_F(Listener, OptionalAddressesMayBeUnavailable)
{
    int port = testing_server::free_port();
    ASSERT_EQ(0, open({"-10.255.255.254", "127.0.0.1"}, port)) << err;
    EXPECT_EQ(listener_count(l), 1);
    struct listener *first = l;
    l = nullptr;
    EXPECT_NE(0, open({"10.255.255.254"}, testing_server::free_port()));
    l = first;
}

TEST_F(Listener, NothingToListenOn)
{
    EXPECT_NE(0, open({}, 6379));
    EXPECT_EQ(std::string(err), "Configured to not listen anywhere, exiting.");
}

// In the server the pool is already polling when the listener opens, so the
// first socket can accept while the others are still being registered. Run
// under TSan, this caught the accept callback reading its socket's source
// before reactor_add had stored it.
TEST_F(Listener, AcceptsWhileAnotherThreadPollsDuringOpen)
{
    int port = testing_server::free_port();
    std::string path = "/tmp/magpie-listener-race-" + std::to_string(getpid()) + ".sock";
    std::atomic<bool> stop{false};
    std::atomic<size_t> accepted_count{0};
    std::thread poller([&] {
        while (!stop) {
            reactor_poll(r, 1);
            accepted_count = accepted.fds.size(); // the poller owns `accepted` until joined
        }
    });
    std::thread connector([&] { // keeps knocking until the port listens
        testing_server::RespClient c;
        for (int i = 0; i < 5000 && !c.connect(port); i++)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (accepted_count.load() == 0 && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    int rc = open({"127.0.0.1"}, port, path.c_str());
    connector.join();
    stop = true;
    poller.join();
    ASSERT_EQ(0, rc) << err;
    EXPECT_EQ(listener_count(l), 2);
    EXPECT_GE(accepted.fds.size(), 1u);
}

// Out of descriptors: the listener pauses instead of spinning on a socket that
// stays readable, and picks up the waiting connections once fds are free.
TEST_F(Listener, RunningOutOfDescriptorsPausesAndRecovers)
{
    int port = testing_server::free_port();
    ASSERT_EQ(0, open({"127.0.0.1"}, port)) << err;
    struct rlimit saved;
    getrlimit(RLIMIT_NOFILE, &saved);
    // Use up every descriptor below a low limit.
    int probe = dup(0);
    struct rlimit low = saved;
    low.rlim_cur = (rlim_t)probe + 8;
    close(probe);
    ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
    std::vector<testing_server::RespClient> clients(3);
    for (auto &c : clients)
        ASSERT_TRUE(c.connect(port));
    std::vector<int> filler;
    for (int fd; (fd = dup(0)) >= 0;)
        filler.push_back(fd);
    for (int i = 0; i < 50 && listener_pauses(l) == 0; i++)
        reactor_poll(r, 20);
    ASSERT_GT(listener_pauses(l), 0u);
    // Paused, the listening socket is not reported readable any more, so
    // back-to-back polls find nothing to do (spinning would report it on
    // every one of them; a resume every 100 ms reports it a few times).
    struct reactor_stats before, after;
    reactor_get_stats(r, &before);
    for (int i = 0; i < 200; i++)
        reactor_poll(r, 0);
    reactor_get_stats(r, &after);
    EXPECT_LT(after.events - before.events, 100u);
    EXPECT_TRUE(accepted.fds.empty());
    for (int fd : filler)
        close(fd);
    ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &saved));
    poll_until(3);
    EXPECT_EQ(accepted.fds.size(), 3u);
}

} // namespace
