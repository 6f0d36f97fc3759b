// The command registry: lookup, metadata, indexes, subcommands.
#include <gtest/gtest.h>

#include <cstring>
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
