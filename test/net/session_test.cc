// Connection and server commands over a real socket, compared byte for byte
// with what redis-server 7.0 sends.
#include "test/net/server_fixture.h"

using testing_server::resp_command;

namespace
{

std::string hello_map(int proto, const std::string &id)
{
    std::string head = proto == 3 ? "%7\r\n" : "*14\r\n";
    return head +
           "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:" +
           std::to_string(proto) + "\r\n$2\r\nid\r\n:" + id +
           "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*"
           "0\r\n";
}

// The client id inside a HELLO reply.
std::string id_in(const std::string &hello)
{
    size_t at = hello.find("$2\r\nid\r\n:") + 9;
    return hello.substr(at, hello.find("\r\n", at) - at);
}

using Session = ServerTest;

TEST_F(Session, PingEchoAndErrors)
{
    auto c = client();
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    EXPECT_EQ(c->call({"PING", "hello"}), "$5\r\nhello\r\n");
    EXPECT_EQ(c->call({"PING", "a", "b"}), "-ERR wrong number of arguments for 'ping' command\r\n");
    EXPECT_EQ(c->call({"ECHO", "x y"}), "$3\r\nx y\r\n");
    EXPECT_EQ(c->call({"ECHO"}), "-ERR wrong number of arguments for 'echo' command\r\n");
    EXPECT_EQ(c->call({"NOSUCHCMD", "a", "b"}),
              "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' \r\n");
    // Inline form, and an empty line ignored.
    ASSERT_TRUE(c->send("\r\nPING\r\nECHO inline\r\n"));
    EXPECT_EQ(c->read_reply(), "+PONG\r\n");
    EXPECT_EQ(c->read_reply(), "$6\r\ninline\r\n");
}

TEST_F(Session, HelloSwitchesProtocolAndReportsRedisFields)
{
    auto c = client();
    std::string r2 = c->call({"HELLO"});
    EXPECT_EQ(r2, hello_map(2, id_in(r2)));
    std::string r3 = c->call({"HELLO", "3"});
    EXPECT_EQ(r3, hello_map(3, id_in(r2)));
    EXPECT_EQ(c->call({"CLIENT", "ID"}), ":" + id_in(r2) + "\r\n");
    EXPECT_EQ(c->call({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
    EXPECT_EQ(c->call({"HELLO", "abc"}),
              "-ERR Protocol version is not an integer or out of range\r\n");
    EXPECT_EQ(c->call({"HELLO", "3", "FOO"}), "-ERR Syntax error in HELLO option 'FOO'\r\n");
    EXPECT_EQ(c->call({"HELLO", "3", "AUTH", "default"}),
              "-ERR Syntax error in HELLO option 'AUTH'\r\n");
    std::string named = c->call({"HELLO", "2", "SETNAME", "conn-a"});
    EXPECT_EQ(named, hello_map(2, id_in(r2)));
    EXPECT_EQ(c->call({"CLIENT", "GETNAME"}), "$6\r\nconn-a\r\n");
    // RESP3 types after HELLO 3: CONFIG GET is a map, a missing name is null.
    c->call({"HELLO", "3"});
    EXPECT_EQ(c->call({"CONFIG", "GET", "maxclients"}),
              "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    EXPECT_EQ(c->call({"RESET"}), "+RESET\r\n");
    EXPECT_EQ(c->call({"CLIENT", "GETNAME"}), "$-1\r\n");
    EXPECT_EQ(c->call({"CONFIG", "GET", "maxclients"}),
              "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

TEST_F(Session, AuthWithoutPassword)
{
    auto c = client();
    EXPECT_EQ(c->call({"AUTH", "x"}),
              "-ERR AUTH <password> called without any password configured for the default user. "
              "Are you sure your configuration is correct?\r\n");
    EXPECT_EQ(c->call({"AUTH", "a", "b"}),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(c->call({"AUTH", "default", "anything"}), "+OK\r\n");
}

TEST_F(Session, QuitRepliesThenCloses)
{
    auto c = client();
    ASSERT_TRUE(c->send(resp_command({"QUIT"}) + resp_command({"PING"})));
    EXPECT_EQ(c->read_reply(), "+OK\r\n");
    EXPECT_TRUE(c->wait_closed());
    EXPECT_EQ(c->buffered, ""); // the PING after QUIT was not executed
}

TEST_F(Session, ClientSubcommands)
{
    auto a = client();
    auto b = client();
    EXPECT_EQ(a->call({"CLIENT", "SETNAME", "alpha"}), "+OK\r\n");
    EXPECT_EQ(a->call({"CLIENT", "SETNAME", "a b"}),
              "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    EXPECT_EQ(a->call({"CLIENT", "FOO"}), "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n");
    EXPECT_EQ(a->call({"CLIENT"}), "-ERR wrong number of arguments for 'client' command\r\n");
    EXPECT_EQ(a->call({"CLIENT", "SETNAME"}),
              "-ERR wrong number of arguments for 'client|setname' command\r\n");
    EXPECT_EQ(a->call({"CLIENT", "NO-EVICT", "on"}), "+OK\r\n");
    EXPECT_EQ(a->call({"CLIENT", "NO-TOUCH", "off"}), "+OK\r\n");
    EXPECT_EQ(a->call({"CLIENT", "NO-EVICT", "maybe"}), "-ERR syntax error\r\n");
    EXPECT_EQ(a->call({"CLIENT", "SETINFO", "lib-name", "magpie-test"}), "+OK\r\n");
    EXPECT_EQ(a->call({"CLIENT", "SETINFO", "lib-ver", "1.0"}), "+OK\r\n");
    EXPECT_EQ(a->call({"CLIENT", "SETINFO", "other", "x"}), "-ERR Unrecognized option 'other'\r\n");

    std::string list = a->call({"CLIENT", "LIST"});
    EXPECT_EQ(list[0], '$');
    EXPECT_NE(list.find("name=alpha "), std::string::npos) << list;
    EXPECT_NE(list.find("cmd=client|list "), std::string::npos) << list;
    EXPECT_NE(list.find(" resp=2\n"), std::string::npos) << list; // Redis 7.0's last field
    std::string info = a->call({"CLIENT", "INFO"});
    EXPECT_NE(info.find("name=alpha "), std::string::npos);
    EXPECT_NE(info.find(" flags=e"), std::string::npos) << info; // no-evict is shown

    // KILL by id (new form) and by address (old form).
    std::string b_id = b->call({"CLIENT", "ID"}).substr(1);
    b_id.resize(b_id.size() - 2);
    EXPECT_EQ(a->call({"CLIENT", "KILL", "ID", "999999"}), ":0\r\n");
    EXPECT_EQ(a->call({"CLIENT", "KILL", "ID", "abc"}),
              "-ERR client-id should be greater than 0\r\n");
    EXPECT_EQ(a->call({"CLIENT", "KILL", "BLAH", "1"}), "-ERR syntax error\r\n");
    EXPECT_EQ(a->call({"CLIENT", "KILL", "1.2.3.4:5"}), "-ERR No such client\r\n");
    EXPECT_EQ(a->call({"CLIENT", "KILL", "ID", b_id}), ":1\r\n");
    EXPECT_TRUE(b->wait_closed());
    auto c = client();
    std::string c_info = c->call({"CLIENT", "INFO"});
    size_t at = c_info.find("addr=") + 5;
    std::string c_addr = c_info.substr(at, c_info.find(' ', at) - at);
    EXPECT_EQ(a->call({"CLIENT", "KILL", c_addr}), "+OK\r\n");
    EXPECT_TRUE(c->wait_closed());
    // Killing yourself: the reply comes first, then the close.
    std::string a_id = a->call({"CLIENT", "ID"}).substr(1);
    a_id.resize(a_id.size() - 2);
    EXPECT_EQ(a->call({"CLIENT", "KILL", "ID", a_id, "SKIPME", "no"}), ":1\r\n");
    EXPECT_TRUE(a->wait_closed());
}

TEST_F(Session, ConfigGetSetAndErrors)
{
    auto c = client();
    EXPECT_EQ(c->call({"CONFIG", "GET", "timeout"}), "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "timeout", "100"}), "+OK\r\n");
    EXPECT_EQ(c->call({"CONFIG", "GET", "timeout"}), "*2\r\n$7\r\ntimeout\r\n$3\r\n100\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "timeout", "0"}), "+OK\r\n");
    EXPECT_EQ(
        c->call({"CONFIG", "GET", "client-*-buffer-limit"}),
        "*4\r\n$25\r\nclient-query-buffer-limit\r\n$10\r\n1073741824\r\n"
        "$26\r\nclient-output-buffer-limit\r\n$67\r\nnormal 0 0 0 slave 268435456 67108864 60 "
        "pubsub 33554432 8388608 60\r\n");
    EXPECT_EQ(c->call({"CONFIG", "GET", "nosuch*"}), "*0\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "maxclients", "abc"}),
              "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
              "couldn't be parsed into an integer\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "databases", "3"}),
              "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
              "immutable config\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "foo", "1"}),
              "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "timeout"}),
              "-ERR wrong number of arguments for 'config|set' command\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "timeout", "0", "hz"}), "-ERR syntax error\r\n");
    // A name without glob characters is echoed as asked.
    EXPECT_EQ(c->call({"CONFIG", "GET", "MAXCLIENTS"}),
              "*2\r\n$10\r\nMAXCLIENTS\r\n$5\r\n10000\r\n");
    EXPECT_EQ(c->call({"CONFIG", "REWRITE"}),
              "-ERR The server is running without a config file\r\n");
    EXPECT_EQ(c->call({"CONFIG", "GET"}),
              "-ERR wrong number of arguments for 'config|get' command\r\n");
    EXPECT_EQ(c->call({"CONFIG", "BLA"}), "-ERR unknown subcommand 'BLA'. Try CONFIG HELP.\r\n");
    EXPECT_EQ(c->call({"CONFIG", "RESETSTAT"}), "+OK\r\n");
}

TEST_F(Session, InfoSectionsAndScheduler)
{
    auto c = client();
    c->call({"PING"});
    std::string all = c->call({"INFO", "all"});
    for (const char *section :
         {"# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# CPU",
          "# Scheduler", "# Commandstats", "# Keyspace"})
        EXPECT_NE(all.find(section), std::string::npos) << section;
    EXPECT_EQ(info_field(all, "redis_version"), "7.0.15");
    EXPECT_EQ(info_field(all, "role"), "master");
    EXPECT_EQ(info_field(all, "workers"), "3");
    EXPECT_EQ(info_field(all, "tcp_port"), std::to_string(server.port));
    EXPECT_NE(info_field(all, "tasks_run"), "");
    EXPECT_NE(info_field(all, "steals"), "");
    EXPECT_NE(info_field(all, "shard_0"), "");
    // GET reads lock-free: a hit and a miss show up in the read counters.
    std::string before = c->call({"INFO", "scheduler"});
    c->call({"SET", "lockfree:k", "v"});
    EXPECT_EQ(c->call({"GET", "lockfree:k"}), "$1\r\nv\r\n");
    EXPECT_EQ(c->call({"GET", "lockfree:missing"}), "$-1\r\n");
    std::string after = c->call({"INFO", "scheduler"});
    auto reads = [](const std::string &info) {
        return std::stoull(info_field(info, "lockfree_reads")) +
               std::stoull(info_field(info, "read_fallbacks"));
    };
    EXPECT_EQ(reads(after) - reads(before), 2u);
    c->call({"DEL", "lockfree:k"});
    EXPECT_NE(all.find("cmdstat_ping:calls=1,"), std::string::npos);
    std::string keyspace = c->call({"INFO", "keyspace"});
    EXPECT_EQ(keyspace, "$12\r\n# Keyspace\r\n\r\n");
    EXPECT_EQ(c->call({"INFO", "nosuch"}), "$0\r\n\r\n");
    c->call({"HELLO", "3"});
    EXPECT_EQ(c->call({"INFO", "keyspace"}), "=16\r\ntxt:# Keyspace\r\n\r\n");
}

TEST_F(Session, CommandIntrospection)
{
    auto c = client();
    EXPECT_EQ(c->call({"COMMAND", "INFO", "ping"}),
              "*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n"
              "+@fast\r\n+@connection\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\n"
              "response_policy:all_succeeded\r\n*0\r\n*0\r\n");
    EXPECT_EQ(c->call({"COMMAND", "INFO", "nosuch"}), "*1\r\n$-1\r\n");
    EXPECT_EQ(c->call({"COMMAND", "GETKEYS", "nosuch", "a"}), "-ERR Invalid command specified\r\n");
    EXPECT_EQ(c->call({"COMMAND", "GETKEYS", "ping", "x"}),
              "-ERR The command has no key arguments\r\n");
    EXPECT_EQ(c->call({"COMMAND", "GETKEYS", "echo"}),
              "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
    EXPECT_EQ(c->call({"COMMAND", "FOO"}), "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
    std::string count = c->call({"COMMAND", "COUNT"});
    EXPECT_EQ(count[0], ':');
    EXPECT_GT(atoi(count.c_str() + 1), 10);
    std::string docs = c->call({"COMMAND", "DOCS", "ping"});
    EXPECT_NE(docs.find("$15\r\nPing the server\r\n"), std::string::npos) << docs;
    EXPECT_EQ(c->call({"COMMAND", "INFO", "client|setname"}),
              "*1\r\n*10\r\n$14\r\nclient|setname\r\n:3\r\n*3\r\n+noscript\r\n+loading\r\n"
              "+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n");
    std::string list = c->call({"COMMAND", "LIST", "FILTERBY", "PATTERN", "client|*"});
    EXPECT_NE(list.find("$11\r\nclient|list\r\n"), std::string::npos) << list;
}

TEST_F(Session, TimeDbsizeLastsave)
{
    auto c = client();
    std::string t = c->call({"TIME"});
    EXPECT_EQ(t.substr(0, 4), "*2\r\n");
    EXPECT_EQ(c->call({"DBSIZE"}), ":0\r\n");
    EXPECT_EQ(c->call({"LASTSAVE"})[0], ':');
    // DEBUG is off by default, as in Redis 7 (enable-debug-command no).
    EXPECT_EQ(c->call({"DEBUG", "SLEEP", "0"}),
              "-ERR DEBUG command not allowed. If the enable-debug-command option is set to "
              "\"local\", you can run it from a local connection, otherwise you need to set this "
              "option in the configuration file, and then restart the server.\r\n");
    EXPECT_EQ(c->call({"CONFIG", "GET", "enable-debug-command"}),
              "*2\r\n$20\r\nenable-debug-command\r\n$2\r\nno\r\n");
    EXPECT_EQ(c->call({"SHUTDOWN", "FOO"}), "-ERR syntax error\r\n");
}

struct AuthSession : ServerTest {
    std::vector<std::string> server_args() override
    {
        return {"--requirepass", "s3cret", "--threads", "2"};
    }
};

TEST_F(AuthSession, NoauthUntilAuthenticated)
{
    auto c = client();
    EXPECT_EQ(c->call({"PING"}), "-NOAUTH Authentication required.\r\n");
    EXPECT_EQ(c->call({"CLIENT", "ID"}), "-NOAUTH Authentication required.\r\n");
    EXPECT_EQ(c->call({"NOSUCH"}), "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
    EXPECT_EQ(c->call({"HELLO", "3"}),
              "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
              "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
              "the RESP protocol version at the same time\r\n");
    EXPECT_EQ(c->call({"AUTH", "bad"}),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(c->call({"AUTH", "other", "s3cret"}),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(c->call({"AUTH", "s3cret"}), "+OK\r\n");
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    EXPECT_EQ(c->call({"RESET"}), "+RESET\r\n");
    EXPECT_EQ(c->call({"PING"}), "-NOAUTH Authentication required.\r\n");
    std::string hello = c->call({"HELLO", "3", "AUTH", "default", "s3cret"});
    EXPECT_EQ(hello, hello_map(3, id_in(hello)));
    EXPECT_EQ(c->call({"PING"}), "+PONG\r\n");
    // QUIT works without authentication.
    auto d = client();
    EXPECT_EQ(d->call({"QUIT"}), "+OK\r\n");
}

TEST_F(AuthSession, UnauthenticatedBulkIsCapped)
{
    // Redis limits what a client can send before AUTH, and closes it.
    auto c = client();
    ASSERT_TRUE(c->send("*1\r\n$100000\r\n"));
    std::string r = c->read_reply();
    EXPECT_EQ(r.substr(0, 20), "-ERR Protocol error:") << r;
    EXPECT_TRUE(c->wait_closed());
}

} // namespace

TEST_F(Session, StringsBuiltByCommandsFollowConfigSetProtoMaxBulkLen)
{
    auto c = client();
    const std::string too_big = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
    EXPECT_EQ(c->call({"CONFIG", "SET", "proto-max-bulk-len", "1048576"}), "+OK\r\n");
    EXPECT_EQ(c->call({"SETRANGE", "k", "1048575", "x"}), ":1048576\r\n");
    EXPECT_EQ(c->call({"APPEND", "k", "y"}), too_big);
    EXPECT_EQ(c->call({"SETRANGE", "k", "1048576", "x"}), too_big);
    EXPECT_EQ(c->call({"CONFIG", "SET", "proto-max-bulk-len", "2mb"}), "+OK\r\n");
    EXPECT_EQ(c->call({"APPEND", "k", "y"}), ":1048577\r\n");
}

TEST_F(Session, InfoCountsChangesSinceTheLastSave)
{
    auto c = client();
    auto dirty = [&] {
        return info_field(c->call({"INFO", "persistence"}), "rdb_changes_since_last_save");
    };
    std::string before = dirty();
    c->call({"MSET", "a", "1", "b", "2"});
    c->call({"SET", "a", "1", "NX"}); // changes nothing
    c->call({"INCR", "a"});
    EXPECT_EQ(std::stoll(dirty()) - std::stoll(before), 3);
}
