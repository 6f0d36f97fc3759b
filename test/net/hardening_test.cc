// Issue 16, hardening: each hole found by trying the server as an attacker or
// a careless operator would, checked through the server's behaviour.
#include "test/common/test_env.h"
#include "test/net/server_fixture.h"

#include <string>
#include <vector>

using testing_server::RespClient;
using testing_server::ServerProcess;

namespace
{

struct Hardening : ServerTest {
};

} // namespace

// requirepass is binary: the password with its NUL byte is the password, its
// prefix up to the NUL is not, and CONFIG GET shows all of it.
TEST_F(Hardening, PasswordWithNulByte)
{
    auto admin = client();
    const std::string pass("sec\0ret", 7);
    ASSERT_EQ(admin->call({"CONFIG", "SET", "requirepass", pass}), "+OK\r\n");
    auto c = client();
    EXPECT_EQ(c->call({"PING"}), "-NOAUTH Authentication required.\r\n");
    EXPECT_EQ(c->call({"AUTH", "sec"}),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(c->call({"AUTH", pass}), "+OK\r\n");
    EXPECT_EQ(c->call({"CONFIG", "GET", "requirepass"}),
              "*2\r\n$11\r\nrequirepass\r\n$7\r\n" + pass + "\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "requirepass", ""}), "+OK\r\n");
}

// client-query-buffer-limit counts what Redis's query buffer holds: bytes not
// parsed yet and a big argument being received, not the arguments already
// parsed of a long command. An MSET of 2,000 1 KB values (2 MB) passes a 1 MB
// limit, as in Redis; one 2 MB argument does not.
TEST_F(Hardening, QueryBufferLimitCountsUnparsedBytes)
{
    auto admin = client();
    ASSERT_EQ(admin->call({"CONFIG", "SET", "client-query-buffer-limit", "1mb"}), "+OK\r\n");
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < 2000; i++) {
        mset.push_back("k" + std::to_string(i));
        mset.push_back(std::string(1024, 'v'));
    }
    auto c = client();
    EXPECT_EQ(c->call(mset), "+OK\r\n");
    EXPECT_EQ(c->call({"DBSIZE"}), ":2000\r\n");
    auto big = client();
    big->send(testing_server::resp_command({"SET", "big", std::string(2 << 20, 'x')}));
    EXPECT_TRUE(big->wait_closed());
    EXPECT_EQ(admin->call({"EXISTS", "big"}), ":0\r\n");
}

// No setting reports a value that is not in force: bind and unixsocket are
// refused as immutable (CONFIG SET port moves the listener: config_port_test).
TEST_F(Hardening, ListenerSettingsCannotBeSetToAValueNotInForce)
{
    auto c = client();
    for (const char *name : {"bind", "unixsocket"})
        EXPECT_EQ(c->call({"CONFIG", "SET", name, "x"}),
                  std::string("-ERR CONFIG SET failed (possibly related to argument '") + name +
                      "') - can't set immutable config\r\n");
    RespClient again;
    ASSERT_TRUE(again.connect(server.port));
    EXPECT_EQ(again.call({"PING"}), "+PONG\r\n");
}

// Smaller differences from Redis 7.0 (issue 16).
TEST_F(Hardening, RedisEdgesOfClientAndDebug)
{
    auto c = client();
    // CLIENT LIST ID with ids no client has: an empty list, not an error.
    EXPECT_EQ(c->call({"CLIENT", "LIST", "ID", "-1"}), "$0\r\n\r\n");
    EXPECT_EQ(c->call({"CLIENT", "LIST", "ID", "0"}), "$0\r\n\r\n");
    EXPECT_EQ(c->call({"CLIENT", "LIST", "ID", "x"}), "-ERR Invalid client ID\r\n");
    // An output limit below Redis's 16 KB reply buffer closes no client over
    // a small reply (Redis counts only its reply list).
    EXPECT_EQ(c->call({"CONFIG", "SET", "client-output-buffer-limit", "normal 1 2 9999999999999"}),
              "+OK\r\n");
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    EXPECT_EQ(c->call({"SET", "big", std::string(64 << 10, 'x')}), "+OK\r\n");
    c->send(testing_server::resp_command({"GET", "big"}));
    EXPECT_TRUE(c->wait_closed()); // 64 KB is over it
    auto admin = client();
    EXPECT_EQ(admin->call({"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"}),
              "+OK\r\n");
    // DEBUG is refused (enable-debug-command no) before authentication.
    EXPECT_EQ(admin->call({"CONFIG", "SET", "requirepass", "pw"}), "+OK\r\n");
    auto anon = client();
    EXPECT_EQ(anon->call({"DEBUG", "SLEEP", "0"}),
              "-ERR DEBUG command not allowed. If the enable-debug-command option is set to "
              "\"local\", you can run it from a local connection, otherwise you need to set this "
              "option in the configuration file, and then restart the server.\r\n");
    EXPECT_EQ(anon->call({"PING"}), "-NOAUTH Authentication required.\r\n");
    EXPECT_EQ(anon->call({"AUTH", "pw"}), "+OK\r\n");
    EXPECT_EQ(anon->call({"CONFIG", "SET", "requirepass", ""}), "+OK\r\n");
    // INFO has Redis's # Cluster section, which client libraries read.
    std::string info = anon->call({"INFO"});
    EXPECT_NE(info.find("# Cluster\r\ncluster_enabled:0\r\n"), std::string::npos) << info;
    EXPECT_NE(anon->call({"INFO", "cluster"}).find("cluster_enabled:0"), std::string::npos);
}

// Binary safety, the class (issue 16): every parameter that holds a string
// either round-trips a value with NUL, CR, LF and high bytes (requirepass) or
// refuses it with an error, leaving the value as it was; never cut at a NUL.
TEST_F(Hardening, StringParametersRoundTripOrRefuseBinaryValues)
{
    auto c = client();
    const std::string nasty("a\0b\r\nc\xff", 7);
    ASSERT_EQ(c->call({"CONFIG", "SET", "requirepass", nasty}), "+OK\r\n");
    EXPECT_EQ(c->call({"CONFIG", "GET", "requirepass"}),
              "*2\r\n$11\r\nrequirepass\r\n$7\r\n" + nasty + "\r\n");
    {
        RespClient other;
        ASSERT_TRUE(other.connect(server.port));
        EXPECT_EQ(other.call({"AUTH", "a"}),
                  "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
        EXPECT_EQ(other.call({"AUTH", nasty}), "+OK\r\n");
    }
    ASSERT_EQ(c->call({"CONFIG", "SET", "requirepass", ""}), "+OK\r\n");
    for (const char *name : {"notify-keyspace-events", "save", "client-output-buffer-limit",
                             "loglevel", "appendonly", "timeout", "maxclients"}) {
        std::string before = c->call({"CONFIG", "GET", name});
        for (const std::string &value :
             {std::string("K\0", 2), std::string("1\0", 2), std::string("no\0", 3),
              std::string("3600 1\0", 7), std::string("normal 0 0 0\0", 13)}) {
            std::string reply = c->call({"CONFIG", "SET", name, value});
            EXPECT_EQ(reply.rfind("-ERR CONFIG SET failed", 0), 0u) << name << ": " << reply;
            EXPECT_EQ(c->call({"CONFIG", "GET", name}), before) << name;
        }
    }
    // The immutable string parameters refuse any value at run time.
    for (const char *name : {"logfile", "unixsocket", "bind"})
        EXPECT_EQ(c->call({"CONFIG", "SET", name, nasty}),
                  std::string("-ERR CONFIG SET failed (possibly related to argument '") + name +
                      "') - can't set immutable config\r\n");
}

// dir and dbfilename are protected, as in Redis 7: CONFIG SET refuses them
// unless enable-protected-configs allows it (the classic attack writes a
// dump into another user's .ssh); "local" allows loopback clients.
TEST(ProtectedConfigs, RefusedUnlessEnabled)
{
    if (testing_server::server_binary().empty())
        GTEST_SKIP() << "MAGPIE_SERVER not set";
    for (const char *mode : {"no", "local", "yes"}) {
        ServerProcess p;
        ASSERT_TRUE(p.start({"--enable-protected-configs", mode})) << p.log();
        RespClient c;
        ASSERT_TRUE(c.connect(p.port));
        bool allowed = std::string(mode) != "no"; // the test connects over loopback
        for (const char *name : {"dir", "dbfilename"}) {
            std::string value = std::string(name) == "dir" ? "/tmp" : "other.rdb";
            EXPECT_EQ(c.call({"CONFIG", "SET", name, value}),
                      allowed ? std::string("+OK\r\n")
                              : std::string("-ERR CONFIG SET failed (possibly related to "
                                            "argument '") +
                                    name + "') - can't set protected config\r\n")
                << mode << " " << name;
        }
        EXPECT_EQ(c.call({"CONFIG", "GET", "enable-protected-configs"}),
                  "*2\r\n$24\r\nenable-protected-configs\r\n$" + std::to_string(strlen(mode)) +
                      "\r\n" + mode + "\r\n");
        EXPECT_EQ(c.call({"CONFIG", "SET", "enable-protected-configs", "yes"}),
                  "-ERR CONFIG SET failed (possibly related to argument "
                  "'enable-protected-configs') - can't set immutable config\r\n");
        EXPECT_EQ(p.stop(), 0) << p.log();
    }
}
