// Configuration, boundary by boundary (issue 16): every numeric parameter at
// its minimum, its maximum and one past each end, alone and in the
// combinations that multiply (databases x shards, threads x shards). Each
// either runs a smoke workload (SET, GET, DBSIZE, FLUSHALL, SHUTDOWN) or is
// refused at start-up with a message that names the parameter, never
// accepted to crash or hang later.
#include "test/common/test_env.h"
#include "test/net/server_fixture.h"

#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using testing_server::RespClient;
using testing_server::ServerProcess;

namespace
{

struct StartCase {
    std::vector<std::string> args;
    bool runs;         // else refused at start-up
    const char *named; // what the refusal names
    bool big = false;  // a million shards: skipped under sanitizers
};

const StartCase start_cases[] = {
    {{"--threads", "1"}, true, nullptr},
    {{"--threads", "256"}, true, nullptr},
    {{"--threads", "0"}, false, "threads"},
    {{"--threads", "257"}, false, "threads"},
    {{"--shards", "1"}, true, nullptr},
    {{"--shards", "0"}, true, nullptr}, // automatic
    {{"--shards", "65536", "--databases", "1"}, true, nullptr},
    {{"--shards", "3"}, false, "shards"},
    {{"--shards", "-1"}, false, "shards"},
    {{"--shards", "131072"}, false, "shards"},
    {{"--databases", "1"}, true, nullptr},
    {{"--databases", "0"}, false, "databases"},
    {{"--databases", "-1"}, false, "databases"},
    {{"--databases", "2147483647"}, false, "databases"},
    {{"--databases", "2147483648"}, false, "databases"},
    // What multiplies: the product is checked as a whole, in 64 bits.
    {{"--databases", "65536", "--shards", "65536"}, false, "databases"},
    {{"--databases", "65536", "--shards", "32"}, false, "shards"},
    {{"--databases", "65536", "--shards", "16"}, true, nullptr, true},
    {{"--databases", "100000"}, true, nullptr, true}, // automatic shards fit
    {{"--databases", "1048576", "--shards", "1"}, true, nullptr, true},
    {{"--databases", "1048577"}, false, "databases"},
    {{"--threads", "256", "--shards", "65536"}, true, nullptr, true},
    {{"--threads", "256", "--databases", "65536"}, true, nullptr, true},
    {{"--maxclients", "1"}, true, nullptr},
    {{"--maxclients", "0"}, false, "maxclients"},
    {{"--maxclients", "4294967296"}, false, "maxclients"},
    {{"--timeout", "0"}, true, nullptr},
    {{"--timeout", "2147483647"}, true, nullptr},
    {{"--timeout", "-1"}, false, "timeout"},
    {{"--timeout", "2147483648"}, false, "timeout"},
    {{"--tcp-backlog", "0"}, true, nullptr},
    {{"--tcp-backlog", "2147483647"}, true, nullptr},
    {{"--tcp-backlog", "-1"}, false, "tcp-backlog"},
    {{"--tcp-keepalive", "0"}, true, nullptr},
    {{"--tcp-keepalive", "2147483647"}, true, nullptr},
    {{"--tcp-keepalive", "-1"}, false, "tcp-keepalive"},
    {{"--hz", "0"}, true, nullptr},
    {{"--hz", "2147483647"}, true, nullptr},
    {{"--hz", "-1"}, false, "hz"},
    {{"--proto-max-bulk-len", "1048576"}, true, nullptr},
    {{"--proto-max-bulk-len", "9223372036854775807"}, true, nullptr},
    {{"--proto-max-bulk-len", "1048575"}, false, "proto-max-bulk-len"},
    {{"--client-query-buffer-limit", "1048576"}, true, nullptr},
    {{"--client-query-buffer-limit", "9223372036854775807"}, true, nullptr},
    {{"--client-query-buffer-limit", "1048575"}, false, "client-query-buffer-limit"},
    {{"--list-max-listpack-size", "-2147483648"}, true, nullptr},
    {{"--list-max-listpack-size", "2147483647"}, true, nullptr},
    {{"--list-max-listpack-size", "2147483648"}, false, "list-max-listpack-size"},
    {{"--list-compress-depth", "0"}, true, nullptr},
    {{"--list-compress-depth", "2147483647"}, true, nullptr},
    {{"--list-compress-depth", "-1"}, false, "list-compress-depth"},
    {{"--port", "65536"}, false, "port"},
    {{"--port", "-1"}, false, "port"},
    {{"--unixsocketperm", "777"}, true, nullptr},
    {{"--unixsocketperm", "1000"}, false, "unixsocketperm"},
};

std::string join(const std::vector<std::string> &v)
{
    std::string s;
    for (auto &a : v)
        s += (s.empty() ? "" : " ") + a;
    return s;
}

void smoke(int port, const std::string &what)
{
    RespClient c;
    // With maxclients 1 the start-up probe's connection may not have left yet.
    std::string reply;
    for (int tries = 0; tries < 100; tries++) {
        c.close();
        ASSERT_TRUE(c.connect(port)) << what;
        reply = c.call({"SET", "a", "b"});
        if (reply.find("max number of clients") == std::string::npos)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(reply, "+OK\r\n") << what;
    EXPECT_EQ(c.call({"GET", "a"}), "$1\r\nb\r\n") << what;
    EXPECT_EQ(c.call({"DBSIZE"}), ":1\r\n") << what;
    EXPECT_EQ(c.call({"FLUSHALL"}, 60000), "+OK\r\n") << what;
    EXPECT_EQ(c.call({"DBSIZE"}), ":0\r\n") << what;
    c.send(testing_server::resp_command({"SHUTDOWN", "NOSAVE"}));
}

} // namespace

TEST(ConfigBoundary, StartUpRunsOrRefusesNamingTheParameter)
{
    if (testing_server::server_binary().empty())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    for (const StartCase &k : start_cases) {
        std::string what = join(k.args);
        if (k.big && MAGPIE_TEST_SANITIZED)
            continue;
        ServerProcess p;
        if (k.runs) {
            ASSERT_TRUE(p.start(k.args, "", true, 60000)) << what << "\n" << p.log();
            smoke(p.port, what);
            EXPECT_EQ(p.wait_exit(60000), 0) << what << "\n" << p.log();
        } else {
            std::vector<std::string> args = k.args;
            args.push_back("--port");
            args.push_back(std::to_string(testing_server::free_port()));
            ASSERT_TRUE(p.spawn(args)) << what;
            EXPECT_NE(p.wait_exit(20000), 0) << what << "\n" << p.log();
            std::string log = p.log();
            EXPECT_NE(log.find("FATAL CONFIG FILE ERROR"), std::string::npos) << what << "\n"
                                                                              << log;
            EXPECT_NE(log.find(k.named), std::string::npos) << what << "\n" << log;
        }
    }
}

// Redis's own words for what it refuses at start-up (issue 16).
TEST(ConfigBoundary, StartUpErrorsInRedisWords)
{
    if (testing_server::server_binary().empty())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    std::string long_path = "/tmp/" + std::string(120, 's');
    struct {
        std::vector<std::string> args;
        std::string text;
    } cases[] = {
        {{"--unixsocketperm", "999"}, "argument couldn't be parsed as an octal number"},
        {{"--proto-max-bulk-len", "100"},
         "argument must be between 1048576 and 9223372036854775807 inclusive"},
        {{"--unixsocket", long_path},
         "Failed opening Unix socket: unix socket path too long (125), must be under 108"},
        {{"--logfile", "/proc/nonexistent/x.log"}, "*** FATAL CONFIG FILE ERROR (Magpie"},
        {{"--bind", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
          "16", "17"},
         "Too many bind addresses specified."},
    };
    for (auto &k : cases) {
        ServerProcess p;
        std::vector<std::string> args = k.args;
        args.push_back("--port");
        args.push_back(std::to_string(testing_server::free_port()));
        ASSERT_TRUE(p.spawn(args));
        EXPECT_NE(p.wait_exit(20000), 0) << join(k.args);
        EXPECT_NE(p.log().find(k.text), std::string::npos) << join(k.args) << "\n" << p.log();
    }
}

// A config file that is a directory reads as empty (the server starts, as
// redis-server does) and CONFIG REWRITE then fails with Redis's reason.
TEST(ConfigBoundary, ConfigFileThatIsADirectory)
{
    if (testing_server::server_binary().empty())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    std::string dir = "/tmp/magpie-confdir-" + std::to_string(getpid());
    ASSERT_EQ(0, mkdir(dir.c_str(), 0700));
    ServerProcess p;
    ASSERT_TRUE(p.start({dir})) << p.log();
    RespClient c;
    ASSERT_TRUE(c.connect(p.port));
    EXPECT_EQ(c.call({"CONFIG", "REWRITE"}), "-ERR Rewriting config file: Is a directory\r\n");
    EXPECT_EQ(p.stop(), 0);
    rmdir(dir.c_str());
}

namespace
{

// A mutable numeric parameter: its ends, one past each, and how to see
// through behaviour that a value took effect.
struct RunCase {
    const char *name;
    std::string min, max, below, above;
};

const RunCase run_cases[] = {
    {"maxclients", "1", "4294967295", "0", "4294967296"},
    {"timeout", "0", "2147483647", "-1", "2147483648"},
    {"tcp-keepalive", "0", "2147483647", "-1", "2147483648"},
    {"hz", "0", "2147483647", "-1", "2147483648"},
    {"proto-max-bulk-len", "1048576", "9223372036854775807", "1048575", "9223372036854775808"},
    {"client-query-buffer-limit", "1048576", "9223372036854775807", "1048575",
     "9223372036854775808"},
    {"list-max-listpack-size", "-2147483648", "2147483647", "-2147483649", "2147483648"},
    {"list-compress-depth", "0", "2147483647", "-1", "2147483648"},
};

std::string bulk(const std::string &s)
{
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

} // namespace

struct ConfigSetBoundary : ServerTest {
    // The server still serves, lists included (their node size and
    // compression come from two of the parameters).
    void still_serves(RespClient &c, const std::string &what)
    {
        EXPECT_EQ(c.call({"SET", "k", "v"}), "+OK\r\n") << what;
        EXPECT_EQ(c.call({"RPUSH", "l", "a", "b", "c", "d", "e"}), ":5\r\n") << what;
        EXPECT_EQ(c.call({"LRANGE", "l", "1", "3"}), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n")
            << what;
        EXPECT_EQ(c.call({"DEL", "l", "k"}), ":2\r\n") << what;
    }
};

// Every mutable numeric parameter at each end takes effect (CONFIG GET shows
// it and the server keeps serving), and one past each end is refused with
// the value left as it was (issue 16). A few are checked by what they do.
TEST_F(ConfigSetBoundary, EveryMutableNumberAtItsEnds)
{
    auto c = client();
    for (const RunCase &k : run_cases) {
        std::string before = c->call({"CONFIG", "GET", k.name});
        for (const std::string &bad : {k.below, k.above}) {
            std::string reply = c->call({"CONFIG", "SET", k.name, bad});
            EXPECT_EQ(reply.rfind(std::string("-ERR CONFIG SET failed (possibly related to "
                                              "argument '") +
                                      k.name + "')",
                                  0),
                      0u)
                << k.name << " " << bad << ": " << reply;
            EXPECT_EQ(c->call({"CONFIG", "GET", k.name}), before) << k.name << " " << bad;
        }
        for (const std::string &good : {k.min, k.max}) {
            std::string what = std::string(k.name) + " " + good;
            ASSERT_EQ(c->call({"CONFIG", "SET", k.name, good}), "+OK\r\n") << what;
            std::string shown = good;
            if (std::string(k.name) == "hz") // Redis clamps hz to [1, 500]
                shown = good == "0" ? "1" : "500";
            EXPECT_EQ(c->call({"CONFIG", "GET", k.name}), "*2\r\n" + bulk(k.name) + bulk(shown))
                << what;
            still_serves(*c, what);
        }
        // Back to where it was, for the next parameter.
        std::string value = before.substr(before.find("\r\n", before.find(k.name)) + 2);
        value = value.substr(value.find("\r\n") + 2);
        value = value.substr(0, value.find("\r\n"));
        ASSERT_EQ(c->call({"CONFIG", "SET", k.name, value}), "+OK\r\n") << k.name;
    }
    // Through behaviour: maxclients 1 turns a second client away.
    ASSERT_EQ(c->call({"CONFIG", "SET", "maxclients", "1"}), "+OK\r\n");
    {
        RespClient other;
        ASSERT_TRUE(other.connect(server.port));
        EXPECT_EQ(other.read_reply(), "-ERR max number of clients reached\r\n");
    }
    ASSERT_EQ(c->call({"CONFIG", "SET", "maxclients", "4294967295"}), "+OK\r\n");
    // proto-max-bulk-len at its minimum bounds what SETRANGE may build.
    ASSERT_EQ(c->call({"CONFIG", "SET", "proto-max-bulk-len", "1048576"}), "+OK\r\n");
    EXPECT_EQ(c->call({"SETRANGE", "s", "2000000", "x"}),
              "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    ASSERT_EQ(c->call({"CONFIG", "SET", "proto-max-bulk-len", "9223372036854775807"}), "+OK\r\n");
    EXPECT_EQ(c->call({"SETRANGE", "s", "2000000", "x"}), ":2000001\r\n");
    // list-max-listpack-size 1: one element per node, so a list of two is a
    // quicklist.
    ASSERT_EQ(c->call({"CONFIG", "SET", "list-max-listpack-size", "1"}), "+OK\r\n");
    EXPECT_EQ(c->call({"RPUSH", "ql", "a", "b"}), ":2\r\n");
    EXPECT_EQ(c->call({"OBJECT", "ENCODING", "ql"}), "$9\r\nquicklist\r\n");
}
