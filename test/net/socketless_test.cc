// Sessions without a socket (net/session.h): a recorded sequence of
// commands run through one reaches the same keyspace and the same reply
// bytes as the same sequence sent over a real connection.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inprocess_server.h"
#include "net/server.h"
#include "net/session.h"
#include "test/net/server_fixture.h"

extern "C" {
#include "store/keyspace.h"
}

namespace
{

// Deterministic commands only: no times, no random answers.
const std::vector<std::vector<std::string>> kRecorded = {
    {"PING"},
    {"SET", "a", "1"},
    {"INCRBY", "a", "41"},
    {"APPEND", "s", "hello"},
    {"SETRANGE", "s", "5", " world"},
    {"GETRANGE", "s", "0", "4"},
    {"MSET", "k1", "v1", "k2", "v2", "k3", std::string("bin\0ary\r\n", 10)},
    {"MGET", "k1", "k2", "k3", "missing"},
    {"INCRBYFLOAT", "f", "1.5"},
    {"INCRBYFLOAT", "f", "1e3"},
    {"RENAME", "k1", "k9"},
    {"COPY", "k9", "k10"},
    {"DEL", "k2", "nothere"},
    {"EXPIRE", "k10", "1000"},
    {"PERSIST", "k10"},
    {"GET", "a", "b"},
    {"NOSUCH", "x"},
    {"SELECT", "2"},
    {"SET", "in2", "yes"},
    {"MOVE", "in2", "3"},
    {"DBSIZE"},
    {"HELLO", "3"},
    {"CONFIG", "GET", "databases"},
    {"OBJECT", "ENCODING", "in2"},
    {"SELECT", "3"},
    {"GET", "in2"},
    {"CLIENT", "SETNAME", "replayer"},
    {"CLIENT", "GETNAME"},
    {"BLPOPLIKE"}, // unknown: the same error either way
    {"SWAPDB", "0", "3"},
    {"SELECT", "0"},
    {"GET", "in2"},
    {"FLUSHDB"},
    {"SELECT", "3"},
    {"OBJECT", "ENCODING", "f"},
    {"ECHO", "done"},
};

// HELLO tells the client id, which differs: blanked.
std::string without_id(std::string reply)
{
    size_t at = reply.find("$2\r\nid\r\n:");
    if (at != std::string::npos) {
        at += 9;
        reply.erase(at, reply.find("\r\n", at) - at);
    }
    return reply;
}

// Every key of databases 0..3 with its value, as a client reads them.
std::string dump(const std::function<std::string(const std::vector<std::string> &)> &call)
{
    std::string out;
    for (int db = 0; db < 4; db++) {
        call({"SELECT", std::to_string(db)});
        for (const char *k : {"a", "s", "k1", "k2", "k3", "k9", "k10", "f", "in2"})
            out += std::to_string(db) + k + call({"GET", k}) + call({"PTTL", k});
    }
    return out;
}

} // namespace

using Socketless = ServerTest;

TEST_F(Socketless, ReplaysLikeARealConnection)
{
    auto conn = client();
    InProcessServer local;
    ASSERT_EQ(local.start({"--threads", "2"}), "");
    struct session *s = session_new(local.server);
    ASSERT_NE(s, nullptr);
    for (const auto &argv : kRecorded) {
        std::string over_socket = conn->call(argv);
        std::string socketless = socketless_call(s, argv);
        EXPECT_EQ(without_id(socketless), without_id(over_socket)) << argv[0];
    }
    auto via_socket = [&](const std::vector<std::string> &a) { return conn->call(a); };
    auto via_session = [&](const std::vector<std::string> &a) { return socketless_call(s, a); };
    EXPECT_EQ(dump(via_session), dump(via_socket));
    session_free(s);
}

TEST(SocketlessSession, ClientInfoShowsNoSocket)
{
    InProcessServer local;
    ASSERT_EQ(local.start({"--threads", "1"}), "");
    struct session *s = session_new(local.server);
    ASSERT_NE(s, nullptr);
    std::string info = socketless_call(s, {"CLIENT", "INFO"});
    EXPECT_NE(info.find(" addr= laddr= fd=-1 "), std::string::npos) << info;
    EXPECT_EQ(socketless_call(s, {"QUIT"}), "+OK\r\n"); // nothing to close
    EXPECT_EQ(socketless_call(s, {"PING"}), "+PONG\r\n");
    session_free(s);
}
