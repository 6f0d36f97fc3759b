// COMMAND introspection and DEBUG OBJECT. The registry checks run in this
// process on the same tables magpie-server registers: every command is
// described by the metadata generated from redis-server
// (tools/gen-command-meta.py), which is what keeps COMMAND INFO byte for byte
// Redis's, except the few Redis 7.0 lacks, which describe themselves. The
// rest talks to a real magpie-server.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "core/alloc.h"
#include "net/commands.h"
#include "server_fixture.h"

// Commands Redis 7.0.15 does not have, accepted on purpose (Redis 7.2's).
static const std::set<std::string> newer_than_redis = {"client|setinfo", "client|no-touch"};

static void register_all()
{
    static bool done = [] {
        command_table_register_store();
        EXPECT_EQ(net_commands_register(), 0);
        command_table_freeze();
        return true;
    }();
    (void)done;
}

TEST(CommandRegistry, EveryCommandIsDescribedOnce)
{
    register_all();
    std::set<std::string> registered, without_meta;
    for (int i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        SCOPED_TRACE(cmd->name);
        registered.insert(cmd->name);
        const struct command_meta *meta = command_meta_of(cmd);
        if (!meta) {
            // COMMAND_NO_META: it states what COMMAND INFO / DOCS print.
            without_meta.insert(cmd->name);
            EXPECT_NE(cmd->arity, 0);
            EXPECT_NE(cmd->summary, nullptr);
            EXPECT_NE(cmd->since, nullptr);
            EXPECT_NE(cmd->group, nullptr);
            continue;
        }
        // What the server enforces is what the metadata (and COMMAND INFO) says.
        EXPECT_EQ(cmd->arity, meta->arity);
        EXPECT_EQ(cmd->flags, meta->flags);
        EXPECT_EQ(cmd->first_key, meta->first_key);
        EXPECT_EQ(cmd->last_key, meta->last_key);
        EXPECT_EQ(cmd->key_step, meta->key_step);
        EXPECT_EQ(cmd->summary, meta->summary);
        EXPECT_EQ(cmd->since, meta->since);
        EXPECT_EQ(cmd->group, meta->group);
    }
    // Only the commands Redis 7.0 lacks go without metadata: any other means
    // tools/gen-command-meta.py was not re-run.
    EXPECT_EQ(without_meta, newer_than_redis);
    // No stale entries: the generated file describes exactly what is registered.
    for (int i = 0; i < command_meta_count; i++)
        EXPECT_TRUE(registered.count(command_meta_table[i].name)) << command_meta_table[i].name;
}

// A key spec with VARIABLE_FLAGS needs the command's own rule (Redis's
// getkeys_proc) in store/command_meta_keys.c, or GETKEYS finds nothing.
TEST(CommandRegistry, VariableFlagCommandsHaveTheirRule)
{
    register_all();
    int checked = 0;
    for (int i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        const struct command_meta *meta = command_meta_of(cmd);
        bool variable = false;
        for (int k = 0; meta && k < meta->nkey_specs; k++)
            variable |= (meta->key_specs[k].flags & KEY_VARIABLE_FLAGS) != 0;
        if (!variable)
            continue;
        // The shortest line the arity allows, every argument "x".
        int argc = cmd->arity < 0 ? -cmd->arity : cmd->arity;
        std::vector<std::string> line(argc, "x");
        std::vector<struct resp_arg> argv;
        for (auto &a : line)
            argv.push_back({a.data(), a.size(), nullptr});
        struct command_key *keys = nullptr;
        int n = command_get_keys(cmd, argv.data(), argc, &keys);
        EXPECT_GT(n, 0) << cmd->name;
        for (int k = 0; k < n; k++)
            EXPECT_FALSE(keys[k].flags & KEY_VARIABLE_FLAGS) << cmd->name;
        mem_free(keys);
        checked++;
    }
    EXPECT_GE(checked, 1); // SET
}

struct Command : ServerTest {
};

TEST_F(Command, GetKeysAndFlags)
{
    auto c = client();
    EXPECT_EQ(c->call({"COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "GET"}),
              "*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n");
    EXPECT_EQ(c->call({"COMMAND", "GETKEYSANDFLAGS", "rename", "a", "b"}),
              "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n*2\r\n"
              "+OW\r\n+update\r\n");
    EXPECT_EQ(c->call({"COMMAND", "GETKEYS", "MSET", "a", "1", "b"}),
              "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    // Redis's order of checks: no keys before the argument count.
    EXPECT_EQ(c->call({"COMMAND", "GETKEYS", "TIME", "x"}),
              "-ERR The command has no key arguments\r\n");
    EXPECT_EQ(c->call({"COMMAND", "GETKEYS", "OBJECT", "ENCODING"}),
              "-ERR Invalid number of arguments specified for command\r\n");
    EXPECT_EQ(c->call({"COMMAND", "GETKEYSANDFLAGS", "OBJECT", "nosuch", "k"}),
              "-ERR Invalid command specified\r\n");
    EXPECT_EQ(c->call({"COMMAND", "GETKEYSANDFLAGS"}),
              "-ERR wrong number of arguments for 'command|getkeysandflags' command\r\n");
    // Under RESP3 the flags are a set.
    c->call({"HELLO", "3"});
    EXPECT_EQ(c->call({"COMMAND", "GETKEYSANDFLAGS", "GET", "k"}),
              "*1\r\n*2\r\n$1\r\nk\r\n~2\r\n+RO\r\n+access\r\n");
}

TEST_F(Command, InfoHelpAndNewerSubcommands)
{
    auto c = client();
    std::string help = c->call({"COMMAND", "HELP"});
    EXPECT_EQ(help.substr(0, 5), "*21\r\n");
    EXPECT_NE(help.find("+GETKEYSANDFLAGS <full-command>\r\n"), std::string::npos) << help;
    // MAY_REPLICATE is hidden, as in Redis.
    EXPECT_EQ(c->call({"COMMAND", "INFO", "config|set"}),
              "*1\r\n*10\r\n$10\r\nconfig|set\r\n:-4\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n"
              "+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*2\r\n$24\r\n"
              "request_policy:all_nodes\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n");
    // Without Redis 7.0 metadata: described from the registration.
    EXPECT_EQ(c->call({"COMMAND", "INFO", "client|setinfo"}),
              "*1\r\n*10\r\n$14\r\nclient|setinfo\r\n:4\r\n*3\r\n+noscript\r\n+loading\r\n"
              "+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n");
    EXPECT_EQ(c->call({"COMMAND", "DOCS", "client|no-touch"}),
              "*2\r\n$15\r\nclient|no-touch\r\n*6\r\n$7\r\nsummary\r\n$92\r\nControls whether "
              "commands sent by the client will alter the LRU/LFU of the keys they access.\r\n"
              "$5\r\nsince\r\n$5\r\n7.2.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n");
    std::string list = c->call({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "keyspace"});
    EXPECT_NE(list.find("$4\r\nkeys\r\n"), std::string::npos) << list;
    EXPECT_EQ(list.find("$3\r\nget\r\n"), std::string::npos) << list;
}

struct DebugEnabled : ServerTest {
    std::vector<std::string> server_args() override
    {
        return {"--threads", "2", "--enable-debug-command", "yes"};
    }
};

TEST_F(DebugEnabled, DebugObject)
{
    auto c = client();
    EXPECT_EQ(c->call({"DEBUG", "OBJECT", "nokey"}), "-ERR no such key\r\n");
    EXPECT_EQ(c->call({"SET", "k", "bar"}), "+OK\r\n");
    // "+Value at:0x... refcount:1 encoding:embstr serializedlength:4 lru:N lru_seconds_idle:N"
    std::string line = c->call({"DEBUG", "OBJECT", "k"});
    EXPECT_EQ(line.substr(0, 12), "+Value at:0x") << line;
    size_t fields = line.find(" refcount:1 encoding:embstr serializedlength:4 lru:");
    ASSERT_NE(fields, std::string::npos) << line;
    EXPECT_EQ(line.find_first_not_of("0123456789abcdef", 12), fields) << line;
    size_t idle = line.find(" lru_seconds_idle:", fields);
    ASSERT_NE(idle, std::string::npos) << line;
    EXPECT_EQ(line.find_first_not_of("0123456789", idle + 18), line.size() - 2) << line;
    EXPECT_EQ(line.substr(line.size() - 2), "\r\n");
    EXPECT_EQ(c->call({"SET", "n", "12"}), "+OK\r\n");
    line = c->call({"DEBUG", "OBJECT", "n"});
    EXPECT_NE(line.find(" refcount:2147483647 encoding:int serializedlength:2 "), std::string::npos)
        << line;
    EXPECT_EQ(c->call({"DEBUG", "OBJECT"}),
              "-ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG "
              "HELP.\r\n");
    std::string help = c->call({"DEBUG", "HELP"});
    EXPECT_NE(help.find("+OBJECT <key>\r\n"), std::string::npos) << help;
}

TEST_F(Command, DebugObjectIsRefusedByDefault)
{
    auto c = client();
    EXPECT_EQ(c->call({"DEBUG", "OBJECT", "k"}).substr(0, 32), "-ERR DEBUG command not allowed. ");
}
