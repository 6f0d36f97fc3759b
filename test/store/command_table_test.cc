// The command registry: lookup, metadata, indexes, subcommands, and the rule
// that a command is described once (by its metadata, or by its registration
// when it has none).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <set>
#include <string>

#include "store_harness.h"

TEST(CommandTable, LookupIsCaseInsensitiveAndExact)
{
    store_commands_init();
    const struct command *get = command_lookup("GET", 3);
    ASSERT_NE(get, nullptr);
    EXPECT_STREQ(get->name, "get");
    EXPECT_EQ(command_lookup("gEt", 3), get);
    EXPECT_EQ(command_lookup("ge", 2), nullptr);
    EXPECT_EQ(command_lookup("gets", 4), nullptr);
    EXPECT_EQ(command_lookup("get\0", 4), nullptr);
    EXPECT_EQ(command_lookup("", 0), nullptr);
    std::string longname(1000, 'g');
    EXPECT_EQ(command_lookup(longname.data(), longname.size()), nullptr);
}

TEST(CommandTable, MetadataLikeRedis)
{
    store_commands_init();
    const struct command *set = command_lookup("set", 3);
    ASSERT_NE(set, nullptr);
    // Registered as COMMAND("set", set_command): the rest is Redis's metadata.
    EXPECT_EQ(set->arity, -3);
    EXPECT_EQ(set->flags, (uint32_t)(CMD_WRITE | CMD_DENYOOM));
    EXPECT_EQ(set->first_key, 1);
    EXPECT_STREQ(set->group, "string");
    EXPECT_STREQ(set->since, "1.0.0");
    const struct command *mset = command_lookup("mset", 4);
    EXPECT_EQ(mset->last_key, -1);
    EXPECT_EQ(mset->key_step, 2);
    const struct command *object = command_lookup("object", 6);
    ASSERT_NE(object->subcommands, nullptr);
    std::set<std::string> subs;
    for (const struct command *s = object->subcommands; s->name; s++)
        subs.insert(s->name);
    EXPECT_EQ(subs, (std::set<std::string>{"object|encoding", "object|freq", "object|help",
                                           "object|idletime", "object|refcount"}));
}

TEST(CommandTable, IndexesAreStableAndCoverSubcommands)
{
    store_commands_init();
    int n = command_count();
    EXPECT_GE(n, 54); // 49 commands and 5 OBJECT subcommands
    std::set<std::string> names;
    for (int i = 0; i < n; i++) {
        const struct command *c = command_at(i);
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(command_index(c), i);
        names.insert(c->name);
    }
    EXPECT_EQ((int)names.size(), n);
    EXPECT_TRUE(names.count("object|encoding"));
    EXPECT_EQ(command_at(n), nullptr);
    EXPECT_EQ(command_at(-1), nullptr);
}

TEST(CommandTable, FindSubcommandByItsShortName)
{
    store_commands_init();
    const struct command *object = command_lookup("object", 6);
    ASSERT_NE(object, nullptr);
    const struct command *encoding = command_find_subcommand(object, "EnCoding", 8);
    ASSERT_NE(encoding, nullptr);
    EXPECT_STREQ(encoding->name, "object|encoding");
    EXPECT_EQ(command_find_subcommand(object, "encoding\0", 9), nullptr);
    EXPECT_EQ(command_find_subcommand(object, "encodin", 7), nullptr);
    EXPECT_EQ(command_find_subcommand(object, "object|encoding", 15), nullptr);
    EXPECT_EQ(command_find_subcommand(command_lookup("get", 3), "x", 1), nullptr);
}

TEST(CommandTable, ResolveFindsSubcommands)
{
    Store s;
    std::vector<std::string> argv = {"OBJECT", "Encoding", "k"};
    std::vector<struct resp_arg> args;
    for (auto &a : argv)
        args.push_back({a.data(), a.size(), nullptr});
    struct outbuf out;
    outbuf_init(&out);
    struct reply r = {&out, 2};
    struct cmd_ctx c = {};
    c.ks = s.ks;
    c.argc = 3;
    c.argv = args.data();
    c.reply = &r;
    const struct command *cmd = command_resolve(&c);
    ASSERT_NE(cmd, nullptr);
    EXPECT_STREQ(cmd->name, "object|encoding");
    EXPECT_GE(command_index(cmd), 0);
    EXPECT_EQ(outbuf_pending(&out), 0u);
    outbuf_free(&out);
    // The container's fn runs the subcommand, for callers that skip resolve.
    EXPECT_EQ(s.run("SET k abc"), "+OK\r\n");
    EXPECT_EQ(s.run("object encoding k"), "$6\r\nembstr\r\n");
}

TEST(CommandTable, Resp3Replies)
{
    Store s;
    s.proto = 3;
    EXPECT_EQ(s.run("GET nokey"), "_\r\n");
    EXPECT_EQ(s.run("OBJECT ENCODING nokey"), "_\r\n");
    s.run("SET a ohmytext");
    s.run("SET b mynewtext");
    EXPECT_EQ(s.run("LCS a b IDX MINMATCHLEN 4"),
              "%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
              "$3\r\nlen\r\n:6\r\n");
    EXPECT_EQ(s.run("MGET a nokey"), "*2\r\n$8\r\nohmytext\r\n_\r\n");
    EXPECT_EQ(s.run("SET a v GET NX"), "$8\r\nohmytext\r\n");
    EXPECT_EQ(s.run("SET c v NX"), "+OK\r\n");
    EXPECT_EQ(s.run("SET c v NX"), "_\r\n");
}

static void noop_command(struct cmd_ctx *) {}

// A registration that names only itself and its function.
static struct command bare(const char *name)
{
    struct command cmd = {};
    cmd.name = name;
    cmd.fn = noop_command;
    return cmd;
}

TEST(CommandTable, DescribeCopiesTheMetadata)
{
    const struct command_meta *meta = command_meta_find("mset");
    ASSERT_NE(meta, nullptr);
    struct command cmd = bare("mset");
    ASSERT_EQ(command_describe(&cmd, meta), 0);
    EXPECT_EQ(cmd.fn, noop_command);
    EXPECT_EQ(cmd.arity, -3);
    EXPECT_EQ(cmd.flags, (uint32_t)(CMD_WRITE | CMD_DENYOOM));
    EXPECT_EQ(cmd.first_key, 1);
    EXPECT_EQ(cmd.last_key, -1);
    EXPECT_EQ(cmd.key_step, 2);
    EXPECT_STREQ(cmd.group, "string");
    EXPECT_STREQ(cmd.summary, "Set multiple keys to multiple values");
    EXPECT_STREQ(cmd.since, "1.0.1");
}

// A command with metadata that states any field of its own is refused, even
// when the value agrees: there is one place to write it.
TEST(CommandTable, DescribeRefusesARegistrationThatRestatesMetadata)
{
    const struct command_meta *meta = command_meta_find("get");
    ASSERT_NE(meta, nullptr);
    // Each sets one field to the value Redis has for GET.
    void (*const restate[])(struct command *) = {
        [](struct command *c) { c->arity = 2; },
        [](struct command *c) { c->flags = CMD_READONLY | CMD_FAST; },
        [](struct command *c) { c->first_key = 1; },
        [](struct command *c) { c->last_key = 1; },
        [](struct command *c) { c->key_step = 1; },
        [](struct command *c) { c->group = "string"; },
        [](struct command *c) { c->summary = "Get the value of a key"; },
        [](struct command *c) { c->since = "1.0.0"; },
    };
    for (size_t field = 0; field < std::size(restate); field++) {
        struct command cmd = bare("get");
        restate[field](&cmd);
        struct command before = cmd;
        EXPECT_EQ(command_describe(&cmd, meta), -EINVAL) << field;
        EXPECT_TRUE(before.arity == cmd.arity && before.flags == cmd.flags &&
                    before.first_key == cmd.first_key && before.last_key == cmd.last_key &&
                    before.key_step == cmd.key_step && before.group == cmd.group &&
                    before.summary == cmd.summary && before.since == cmd.since)
            << field << ": changed";
    }
}

// A command without metadata must say what COMMAND INFO / DOCS print.
TEST(CommandTable, DescribeRequiresTheFieldsWithoutMetadata)
{
    struct command cmd = bare("magpie-new");
    EXPECT_EQ(command_describe(&cmd, nullptr), -EINVAL);
    cmd.arity = -2;
    cmd.flags = CMD_WRITE;
    cmd.group = "generic";
    cmd.summary = "A command Redis 7.0 lacks";
    EXPECT_EQ(command_describe(&cmd, nullptr), -EINVAL); // no since
    cmd.since = "7.2.0";
    EXPECT_EQ(command_describe(&cmd, nullptr), 0);
    EXPECT_EQ(cmd.arity, -2);
    cmd.first_key = 1; // keys, but no step to find them with
    cmd.last_key = -1;
    EXPECT_EQ(command_describe(&cmd, nullptr), -EINVAL);
    cmd.key_step = 1;
    EXPECT_EQ(command_describe(&cmd, nullptr), 0);
    cmd.arity = 0;
    EXPECT_EQ(command_describe(&cmd, nullptr), -EINVAL);
}

// Freezing a table with such a registration stops the server before it
// serves anything. A fresh process (threadsafe style re-runs the binary) so
// the table is not frozen yet.
TEST(CommandTableDeathTest, FreezeAbortsOnARegistrationThatRestatesMetadata)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            struct command get = bare("get");
            get.arity = 3;
            command_table_register_store();
            command_table_register(&get, 1);
            command_table_freeze();
        },
        "command 'get' has metadata: register it with COMMAND\\(\\)");
    EXPECT_DEATH(
        {
            struct command nosuch = bare("magpie-undescribed");
            command_table_register(&nosuch, 1);
            command_table_freeze();
        },
        "command 'magpie-undescribed' has no metadata");
}
