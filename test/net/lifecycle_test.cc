// The program: startup errors, config file, unix socket, graceful shutdown.
#include "test/net/server_fixture.h"

#include <csignal>
#include <fstream>
#include <iterator>

using testing_server::resp_command;
using testing_server::RespClient;
using testing_server::ServerProcess;

namespace
{

bool have_server()
{
    return !testing_server::server_binary().empty() &&
           access(testing_server::server_binary().c_str(), X_OK) == 0;
}

// Runs the server to completion; returns its exit status and output.
int run_to_exit(const std::vector<std::string> &args, std::string *output)
{
    ServerProcess p;
    if (!p.spawn(args))
        return -1;
    int status = p.wait_exit(30000);
    *output = p.log();
    if (status < 0)
        p.stop(SIGKILL);
    return status;
}

TEST(Program, BadOptionsExitWithRedisStyleErrors)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    std::string out;
    EXPECT_EQ(run_to_exit({"--port", "abc"}, &out), 1);
    EXPECT_NE(out.find("*** FATAL CONFIG FILE ERROR"), std::string::npos) << out;
    EXPECT_NE(out.find(">>> 'port \"abc\"'\nargument couldn't be parsed into an integer"),
              std::string::npos)
        << out;
    EXPECT_EQ(run_to_exit({"--no-such-option", "1"}, &out), 1);
    EXPECT_NE(out.find("Bad directive or wrong number of arguments"), std::string::npos) << out;
    EXPECT_EQ(run_to_exit({"/nonexistent/magpie.conf"}, &out), 1);
    EXPECT_NE(out.find("can't open config file"), std::string::npos) << out;
}

TEST(Program, PortInUseFails)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    ServerProcess first;
    ASSERT_TRUE(first.start({"--threads", "1"}));
    std::string out;
    EXPECT_EQ(run_to_exit({"--threads", "1", "--port", std::to_string(first.port)}, &out), 1);
    EXPECT_NE(out.find("Address already in use"), std::string::npos) << out;
    EXPECT_EQ(first.stop(), 0);
}

TEST(Program, ConfigFileWithQuotesCommentsAndUnixSocket)
{
    if (!have_server())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    std::string dir = "/tmp/magpie-lifecycle-" + std::to_string(getpid());
    std::string conf = dir + ".conf", sock = dir + ".sock";
    struct RemoveFiles {
        std::string a, b;
        ~RemoveFiles()
        {
            unlink(a.c_str());
            unlink(b.c_str());
        }
    } cleanup{conf, sock};
    int port = testing_server::free_port();
    {
        std::ofstream f(conf);
        f << "# a Redis-style config file\n"
          << "port 6399\n" // overridden by --port below
          << "bind 127.0.0.1\n"
          << "requirepass \"pass word\"\n"
          << "unixsocket " << sock << "\n"
          << "threads 2\n"
          << "client-query-buffer-limit 512mb\n";
    }
    ServerProcess p;
    ASSERT_TRUE(p.start({conf, "--port", std::to_string(port)}, "", false)) << p.log();
    RespClient tcp, local;
    ASSERT_TRUE(tcp.connect(port));
    EXPECT_EQ(tcp.call({"PING"}), "-NOAUTH Authentication required.\r\n");
    EXPECT_EQ(tcp.call({"AUTH", "pass word"}), "+OK\r\n");
    EXPECT_EQ(tcp.call({"CONFIG", "GET", "client-query-buffer-limit"}),
              "*2\r\n$25\r\nclient-query-buffer-limit\r\n$9\r\n536870912\r\n");
    ASSERT_TRUE(local.connect_unix(sock));
    EXPECT_EQ(local.call({"AUTH", "pass word"}), "+OK\r\n");
    std::string info = local.call({"CLIENT", "INFO"});
    EXPECT_NE(info.find("flags=U"), std::string::npos) << info;
    // CONFIG REWRITE keeps comments, updates lines in place, appends the rest.
    EXPECT_EQ(tcp.call({"CONFIG", "SET", "timeout", "7"}), "+OK\r\n");
    EXPECT_EQ(tcp.call({"CONFIG", "SET", "maxclients", "500"}), "+OK\r\n");
    EXPECT_EQ(tcp.call({"CONFIG", "REWRITE"}), "+OK\r\n");
    std::ifstream rewritten(conf);
    std::string text((std::istreambuf_iterator<char>(rewritten)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("# a Redis-style config file\n"), std::string::npos) << text;
    EXPECT_NE(text.find("requirepass \"pass word\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("port " + std::to_string(port) + "\n"), std::string::npos) << text;
    EXPECT_NE(text.find("maxclients 500\n"), std::string::npos) << text;
    EXPECT_NE(text.find("timeout 7\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("hz "), std::string::npos) << text; // defaults are not written
    EXPECT_EQ(p.stop(), 0) << p.log();
    EXPECT_NE(0, access(sock.c_str(), F_OK)); // removed on shutdown
}

struct Shutdown : ServerTest {
    std::vector<std::string> server_args() override
    {
        return {"--threads", "3", "--enable-debug-command", "yes"};
    }
};

// SIGTERM: the command in flight finishes and its reply is delivered, the
// client is closed, the process exits 0 and logs like redis-server.
TEST_F(Shutdown, SigtermFinishesInFlightCommands)
{
    auto busy = client();
    auto idle = client();
    EXPECT_EQ(idle->call({"PING"}), "+PONG\r\n");
    ASSERT_TRUE(busy->send(resp_command({"DEBUG", "SLEEP", "0.5"})));
    usleep(100000); // let the command start
    kill(server.pid, SIGTERM);
    EXPECT_EQ(busy->read_reply(), "+OK\r\n");
    EXPECT_TRUE(busy->wait_closed());
    EXPECT_TRUE(idle->wait_closed());
    EXPECT_EQ(server.wait_exit(30000), 0) << server.log();
    std::string log = server.log();
    EXPECT_NE(log.find("Received SIGTERM scheduling shutdown..."), std::string::npos) << log;
    EXPECT_NE(log.find("ready to exit, bye bye"), std::string::npos) << log;
}

TEST_F(Shutdown, SigintAlsoStopsGracefully)
{
    auto c = client();
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    kill(server.pid, SIGINT);
    EXPECT_TRUE(c->wait_closed());
    EXPECT_EQ(server.wait_exit(30000), 0) << server.log();
    EXPECT_NE(server.log().find("Received SIGINT"), std::string::npos);
}

TEST_F(Shutdown, ShutdownCommand)
{
    auto c = client();
    ASSERT_TRUE(c->send(resp_command({"SHUTDOWN", "NOSAVE"})));
    EXPECT_TRUE(c->wait_closed());
    EXPECT_EQ(c->buffered, "");
    EXPECT_EQ(server.wait_exit(30000), 0) << server.log();
    EXPECT_NE(server.log().find("User requested shutdown..."), std::string::npos);
}

TEST_F(Shutdown, BannerNamesVersionPidPortThreads)
{
    // The listener accepts (which is what the fixture waits for) a moment
    // before the last start-up lines reach the log file.
    ASSERT_TRUE(eventually([&] {
        return server.log().find("Ready to accept connections") != std::string::npos;
    })) << server.log();
    std::string log = server.log();
    EXPECT_NE(log.find("Magpie version=0.1.0"), std::string::npos) << log;
    EXPECT_NE(log.find("pid=" + std::to_string(server.pid)), std::string::npos) << log;
    EXPECT_NE(log.find("port " + std::to_string(server.port) + ", 3 worker threads"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("Ready to accept connections"), std::string::npos);
}

} // namespace
