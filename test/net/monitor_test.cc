// MONITOR (net/monitor.h): every command from every worker reaches every
// monitor, once, each client's commands in the order it sent them; a
// monitor that stops reading is disconnected by the normal class's output
// limit and the server goes on. Run under TSan (make tests SAN=thread) for
// the feeding from many workers at once.
#include "test/net/server_fixture.h"

// GCC 12 misreports std::function inside <regex> as maybe uninitialized
// when built with -fsanitize=address (make test SAN=address).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <map>
#include <regex>
#include <thread>

namespace
{
using testing_server::RespClient;

class Monitor : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "4", "--client-output-buffer-limit", "normal 256kb 0 0"};
    }
};

TEST_F(Monitor, EveryWorkerFeedsEveryMonitorInEachClientsOrder)
{
    const int monitors = 2, clients = 6, per_client = 200;
    std::vector<std::unique_ptr<RespClient>> mons;
    for (int m = 0; m < monitors; m++) {
        mons.push_back(client());
        ASSERT_EQ(mons.back()->call({"MONITOR"}), "+OK\r\n");
    }
    std::vector<std::thread> ts;
    for (int t = 0; t < clients; t++)
        ts.emplace_back([&, t] {
            auto c = client();
            for (int i = 0; i < per_client; i++)
                EXPECT_EQ(c->call({"SET", "k" + std::to_string(t), std::to_string(i)}), "+OK\r\n");
        });
    for (auto &th : ts)
        th.join();
    const std::regex line(R"re(\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "k(\d+)" "(\d+)"\r\n)re");
    for (auto &mon : mons) {
        std::map<int, int> next;
        for (int n = 0; n < clients * per_client; n++) {
            std::string got = mon->read_reply();
            std::smatch m;
            ASSERT_TRUE(std::regex_match(got, m, line)) << got;
            int t = std::stoi(m[1]);
            EXPECT_EQ(std::stoi(m[2]), next[t]++) << "client " << t;
        }
        for (int t = 0; t < clients; t++)
            EXPECT_EQ(next[t], per_client);
    }
    // Nothing more: each command was shown once.
    EXPECT_EQ(client()->call({"ECHO", "end"}), "$3\r\nend\r\n");
    for (auto &mon : mons) {
        std::string got = mon->read_reply();
        EXPECT_NE(got.find("\"ECHO\" \"end\""), std::string::npos) << got;
    }
}

TEST_F(Monitor, AMonitorThatDoesNotReadIsDisconnected)
{
    RespClient slow;
    slow.set_receive_buffer(4096);
    ASSERT_TRUE(slow.connect(server.port));
    ASSERT_EQ(slow.call({"MONITOR"}), "+OK\r\n");
    auto writer = client();
    const std::string value(8192, 'v');
    auto info = client();
    // 64 MB of lines, far past 256 KB plus what the sockets hold.
    for (int i = 0; i < 8192; i++) {
        ASSERT_EQ(writer->call({"SET", "k", value}), "+OK\r\n");
        if (i % 256 == 0 && info_field(info->call({"INFO", "stats"}),
                                       "client_output_buffer_limit_disconnections") == "1")
            break;
    }
    EXPECT_TRUE(eventually([&] {
        return info_field(info->call({"INFO", "stats"}),
                          "client_output_buffer_limit_disconnections") == "1";
    }));
    EXPECT_TRUE(slow.wait_closed());
    EXPECT_EQ(writer->call({"GET", "k"}).size(), value.size() + 9);
    // The monitor left the list: commands now cost nothing for it.
    EXPECT_TRUE(eventually([&] {
        return info_field(info->call({"INFO", "clients"}), "connected_clients") == "2";
    }));
}

TEST_F(Monitor, ResetAndCloseLeaveTheList)
{
    auto mon = client();
    ASSERT_EQ(mon->call({"MONITOR"}), "+OK\r\n");
    auto gone = client();
    ASSERT_EQ(gone->call({"MONITOR"}), "+OK\r\n");
    gone->close();
    auto c = client();
    EXPECT_EQ(c->call({"SET", "a", "1"}), "+OK\r\n");
    std::string got = mon->read_reply();
    EXPECT_NE(got.find("\"SET\" \"a\" \"1\""), std::string::npos) << got;
    EXPECT_EQ(mon->call({"RESET"}), "+RESET\r\n");
    EXPECT_EQ(c->call({"SET", "a", "2"}), "+OK\r\n");
    EXPECT_EQ(mon->call({"GET", "a"}), "$1\r\n2\r\n"); // a normal client again, nothing queued
}
} // namespace
