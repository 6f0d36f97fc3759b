// Limits with Redis's behaviour: maxclients, idle timeout, query and output
// buffer limits; disconnects in the middle of a command or a reply.
#include "test/net/server_fixture.h"

using testing_server::resp_command;
using testing_server::RespClient;

namespace
{

struct MaxClients : ServerTest {
    std::vector<std::string> server_args() override
    {
        return {"--maxclients", "3", "--threads", "2"};
    }
};

TEST_F(MaxClients, ExtraClientGetsTheErrorAndIsClosed)
{
    // The start-up probe's connection may still count for a moment.
    auto admin = client();
    ASSERT_TRUE(eventually([&] {
        return info_field(admin->call({"INFO", "clients"}), "connected_clients") == "1";
    }));
    auto a = client();
    auto b = client();
    EXPECT_EQ(a->call({"PING"}), "+PONG\r\n");
    EXPECT_EQ(b->call({"PING"}), "+PONG\r\n");
    auto c = client();
    EXPECT_EQ(c->read_reply(), "-ERR max number of clients reached\r\n");
    EXPECT_TRUE(c->wait_closed());
    // A slot frees up once a client leaves.
    a->close();
    EXPECT_TRUE(eventually([&] {
        RespClient d;
        return d.connect(server.port) && d.call({"PING"}) == "+PONG\r\n";
    }));
    std::string info = b->call({"INFO", "stats"});
    EXPECT_GE(atoi(info_field(info, "rejected_connections").c_str()), 1);
}

struct IdleTimeout : ServerTest {
    std::vector<std::string> server_args() override
    {
        return {"--timeout", "1", "--threads", "2"};
    }
};

TEST_F(IdleTimeout, IdleClientIsClosedWithoutReply)
{
    auto c = client();
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    EXPECT_TRUE(c->wait_closed(30000));
    EXPECT_EQ(c->buffered, "");
}

TEST_F(IdleTimeout, TimeoutSetAtRunTimeAppliesToConnectedClients)
{
    auto admin = client();
    EXPECT_EQ(admin->call({"CONFIG", "SET", "timeout", "0"}), "+OK\r\n");
    auto c = client();
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    EXPECT_EQ(admin->call({"CONFIG", "SET", "timeout", "1"}), "+OK\r\n");
    EXPECT_TRUE(c->wait_closed(30000));
}

using Limits = ServerTest;

TEST_F(Limits, QueryBufferLimitClosesTheClient)
{
    auto admin = client();
    EXPECT_EQ(admin->call({"CONFIG", "SET", "client-query-buffer-limit", "1mb"}), "+OK\r\n");
    auto c = client();
    // A 4 MB argument never completes: the buffer passes the limit.
    std::string head = "*2\r\n$4\r\nECHO\r\n$4000000\r\n";
    c->send(head + std::string(2 * 1024 * 1024, 'x'));
    EXPECT_TRUE(c->wait_closed());
    EXPECT_EQ(c->buffered, ""); // closed without a reply, as Redis does
    EXPECT_EQ(admin->call({"PING"}), "+PONG\r\n");
}

TEST_F(Limits, ProtoMaxBulkLen)
{
    auto c = client();
    ASSERT_TRUE(c->send("*2\r\n$4\r\nECHO\r\n$600000000\r\n"));
    EXPECT_EQ(c->read_reply(), "-ERR Protocol error: invalid bulk length\r\n");
    EXPECT_TRUE(c->wait_closed());
}

TEST_F(Limits, OutputBufferHardLimitClosesSlowReader)
{
    auto admin = client();
    EXPECT_EQ(admin->call({"CONFIG", "SET", "client-output-buffer-limit", "normal 64kb 0 0"}),
              "+OK\r\n");
    RespClient c;
    c.set_receive_buffer(16 * 1024);
    ASSERT_TRUE(c.connect(server.port));
    std::string batch;
    for (int i = 0; i < 5000; i++)
        batch += resp_command({"CLIENT", "HELP"});
    std::thread writer([&] { c.send(batch); });
    EXPECT_TRUE(c.wait_closed(30000));
    writer.join();
    std::string info = admin->call({"INFO", "stats"});
    EXPECT_EQ(info_field(info, "client_output_buffer_limit_disconnections"), "1");
}

// Clients vanish mid-command and mid-reply; the server keeps serving, the
// client count returns to one, and (under ASan) exits without leaks.
TEST_F(Limits, DisconnectsMidCommandAndMidReplyLeakNothing)
{
    for (int i = 0; i < 20; i++) {
        RespClient mid_command;
        ASSERT_TRUE(mid_command.connect(server.port));
        mid_command.send("*3\r\n$4\r\nECHO\r\n$10\r\nabc");
        RespClient mid_reply;
        ASSERT_TRUE(mid_reply.connect(server.port));
        std::string batch;
        for (int k = 0; k < 2000; k++)
            batch += resp_command({"CLIENT", "HELP"});
        mid_reply.send(batch.substr(0, 64 * 1024));
        mid_reply.read_bytes(100);
    }
    auto c = client();
    EXPECT_TRUE(eventually([&] {
        return info_field(c->call({"INFO", "clients"}), "connected_clients") == "1";
    })) << c->call({"CLIENT", "LIST"});
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
}

} // namespace
