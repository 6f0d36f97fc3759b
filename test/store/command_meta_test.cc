// Command metadata: linking at freeze, COMMAND INFO / DOCS entries and key
// finding, checked against bytes and key lists taken from redis-server 7.0.15.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/uio.h>
#include <utility>
#include <vector>

#include "core/alloc.h"
#include "store_harness.h"
#include "test/common/outbuf_drain.h"

// A command with no generated metadata, registered before the table freezes
// (static initialization runs before any test calls store_commands_init()).
// As COMMAND_NO_META in C: it states its own arity, flags, keys and docs.
static void noop_command(struct cmd_ctx *) {}
static const struct command legacy_command = {"magpie-test-legacy",
                                              noop_command,
                                              -2,
                                              CMD_WRITE,
                                              1,
                                              -1,
                                              2,
                                              "generic",
                                              "test",
                                              "1.0.0",
                                              nullptr};
static const bool legacy_registered = command_table_register(&legacy_command, 1) == 0;

// Runs fn with a reply of the given protocol and returns the bytes it wrote.
template <typename Fn> static std::string reply_bytes(int proto, Fn fn)
{
    struct outbuf out;
    outbuf_init(&out);
    struct reply r = {&out, proto};
    fn(&r);
    std::string bytes = outbuf_drain(&out);
    outbuf_free(&out);
    return bytes;
}

static const struct command *lookup(const char *name)
{
    store_commands_init();
    const char *bar = strchr(name, '|');
    const struct command *cmd = command_lookup(name, bar ? (size_t)(bar - name) : strlen(name));
    if (cmd && bar)
        for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
            if (strcmp(sub->name, name) == 0)
                return sub;
    return bar ? nullptr : cmd;
}

TEST(CommandMeta, GeneratedTableIsSortedAndLinked)
{
    ASSERT_TRUE(legacy_registered);
    store_commands_init();
    ASSERT_GT(command_meta_count, 0);
    for (int i = 1; i < command_meta_count; i++)
        EXPECT_LT(strcmp(command_meta_table[i - 1].name, command_meta_table[i].name), 0);
    EXPECT_STREQ(command_meta_redis_version, "7.0.15");
    EXPECT_EQ(command_meta_find("nosuch"), nullptr);
    // Every store command has its entry, linked at freeze.
    for (int i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        if (strcmp(cmd->name, legacy_command.name) == 0) {
            EXPECT_EQ(command_meta_of(cmd), nullptr);
            continue;
        }
        const struct command_meta *meta = command_meta_of(cmd);
        ASSERT_NE(meta, nullptr) << cmd->name;
        EXPECT_STREQ(meta->name, cmd->name);
        EXPECT_EQ(meta, command_meta_find(cmd->name));
    }
    EXPECT_EQ(command_meta_of(&legacy_command), nullptr); // not the frozen copy
}

TEST(CommandMeta, InfoEntryIsRedisBytes)
{
    EXPECT_EQ(reply_bytes(2, [](struct reply *r) { command_reply_info(r, lookup("get")); }),
              "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n"
              "+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n"
              "+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
              "*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
              "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
              ":0\r\n*0\r\n");
    EXPECT_EQ(reply_bytes(3, [](struct reply *r) { command_reply_info(r, lookup("getex")); }),
              "*10\r\n$5\r\ngetex\r\n:-2\r\n~2\r\n+write\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n"
              "+@write\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%4\r\n$5\r\nnotes\r\n$40\r\n"
              "RW and UPDATE because it changes the TTL\r\n$5\r\nflags\r\n~3\r\n+RW\r\n+access\r\n"
              "+update\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
              "%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
              "$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
              ":0\r\n~0\r\n");
    // Tips, and the implicit categories Redis adds (@keyspace, @dangerous).
    std::string keys =
        reply_bytes(2, [](struct reply *r) { command_reply_info(r, lookup("keys")); });
    EXPECT_NE(keys.find("*4\r\n+@keyspace\r\n+@read\r\n+@slow\r\n+@dangerous\r\n*2\r\n$25\r\n"
                        "request_policy:all_shards\r\n$29\r\nnondeterministic_output_order\r\n"),
              std::string::npos)
        << keys;
}

TEST(CommandMeta, DocsEntryIsRedisBytes)
{
    EXPECT_EQ(reply_bytes(3, [](struct reply *r) { command_reply_docs(r, lookup("exists")); }),
              "%6\r\n$7\r\nsummary\r\n$25\r\nDetermine if a key exists\r\n$5\r\nsince\r\n$5\r\n"
              "1.0.0\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n$10\r\ncomplexity\r\n$44\r\nO(N) where N "
              "is the number of keys to check.\r\n$7\r\nhistory\r\n~1\r\n*2\r\n$5\r\n3.0.3\r\n$33"
              "\r\nAccepts multiple `key` arguments.\r\n$9\r\narguments\r\n*1\r\n%4\r\n$4\r\nname"
              "\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n$5\r\n"
              "flags\r\n~1\r\n+multiple\r\n");
    std::string substr =
        reply_bytes(3, [](struct reply *r) { command_reply_docs(r, lookup("substr")); });
    EXPECT_NE(substr.find("$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n$16\r\ndeprecated_since\r\n"
                          "$5\r\n2.0.0\r\n$11\r\nreplaced_by\r\n$10\r\n`GETRANGE`\r\n"),
              std::string::npos)
        << substr;
    // Without metadata: what the registration says.
    EXPECT_EQ(reply_bytes(
                  2, [](struct reply *r) { command_reply_docs(r, lookup("magpie-test-legacy")); }),
              "*6\r\n$7\r\nsummary\r\n$4\r\ntest\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n"
              "$7\r\ngeneric\r\n");
}

// Runs the command's key finding on a line and returns "key:flags" items.
static std::vector<std::string> keys_of(const std::vector<std::string> &line,
                                        const struct key_spec *specs = nullptr, int nspecs = 0)
{
    std::vector<struct resp_arg> argv;
    for (auto &a : line)
        argv.push_back({a.data(), a.size(), nullptr});
    int argc = (int)argv.size();
    std::vector<struct command_key> storage((size_t)(nspecs * argc + 1));
    struct command_key *keys = storage.data();
    int n;
    if (specs) {
        n = command_keys_from_specs(specs, nspecs, argv.data(), argc, keys);
    } else {
        const struct command *cmd = lookup(line[0].c_str());
        if (cmd->subcommands) // OBJECT ENCODING k: "object|encoding"
            cmd = lookup((line[0] + "|" + line[1]).c_str());
        n = command_get_keys(cmd, argv.data(), argc, &keys);
    }
    std::vector<std::string> out;
    if (n < 0)
        out.push_back("invalid");
    for (int i = 0; i < n; i++) {
        std::string item = line[(size_t)keys[i].pos] + ":";
        for (const struct command_flag_name *f = key_flag_names; f->name; f++)
            if (keys[i].flags & f->bit)
                item += std::string(f->name) + ",";
        out.push_back(item);
    }
    if (!specs)
        mem_free(keys);
    return out;
}

using Keys = std::vector<std::string>;

TEST(CommandMeta, KeysFromRegisteredCommands)
{
    EXPECT_EQ(keys_of({"mset", "a", "1", "b"}), (Keys{"a:OW,update,", "b:OW,update,"}));
    EXPECT_EQ(keys_of({"rename", "a", "b"}), (Keys{"a:RW,access,delete,", "b:OW,update,"}));
    EXPECT_EQ(keys_of({"lcs", "a", "b", "IDX"}), (Keys{"a:RO,access,", "b:RO,access,"}));
    EXPECT_EQ(keys_of({"object", "encoding", "k"}), (Keys{"k:RO,"}));
    // SET's flags depend on GET, compared as Redis compares (a C string).
    EXPECT_EQ(keys_of({"set", "k", "v"}), (Keys{"k:OW,update,"}));
    EXPECT_EQ(keys_of({"set", "k", "v", "NX", "gEt"}), (Keys{"k:RW,access,update,"}));
    EXPECT_EQ(keys_of({"set", "k", "v", std::string("get\0x", 5)}), (Keys{"k:RW,access,update,"}));
    EXPECT_EQ(keys_of({"set", "k", "get"}), (Keys{"k:OW,update,"})); // the value, not an option
    EXPECT_EQ(keys_of({"set", "k", "v", "gets"}), (Keys{"k:OW,update,"}));
    // No metadata: the legacy first / last / step, without flags.
    EXPECT_EQ(keys_of({"magpie-test-legacy", "a", "1", "b", "2"}), (Keys{"a:", "b:"}));
    EXPECT_TRUE(command_has_keys(lookup("magpie-test-legacy")));
    EXPECT_FALSE(command_has_keys(lookup("keys")));
    EXPECT_FALSE(command_has_keys(lookup("object|help")));
    EXPECT_TRUE(command_has_keys(lookup("set")));
}

// COMMAND GETKEYS allocates per request, through mem_alloc.
TEST(CommandMeta, GetKeysOutOfMemory)
{
    std::vector<std::string> line = {"mset", "a", "1", "b", "2"};
    std::vector<struct resp_arg> argv;
    for (auto &a : line)
        argv.push_back({a.data(), a.size(), nullptr});
    const struct command *mset = lookup("mset");
    struct command_key *keys = reinterpret_cast<struct command_key *>(&argv); // overwritten
    mem_fail_after(0);
    int n = command_get_keys(mset, argv.data(), (int)argv.size(), &keys);
    mem_fail_reset();
    EXPECT_EQ(n, -ENOMEM);
    EXPECT_EQ(keys, nullptr);
    EXPECT_EQ(command_get_keys(mset, argv.data(), (int)argv.size(), &keys), 2);
    mem_free(keys);
}

// Key specs of commands Magpie does not implement, as redis-server 7.0.15
// reports them, with the keys its COMMAND GETKEYS finds through them.
TEST(CommandMeta, KeywordAndKeynumSpecsLikeRedis)
{
    const struct key_spec zunionstore[] = {
        {nullptr, KEY_OW | KEY_UPDATE, KEY_SEARCH_INDEX, 1, nullptr, 0, KEY_FIND_RANGE, 0, 0, 0, 0,
         1},
        {nullptr, KEY_RO | KEY_ACCESS, KEY_SEARCH_INDEX, 2, nullptr, 0, KEY_FIND_KEYNUM, 0, 0, 0, 1,
         1},
    };
    EXPECT_EQ(keys_of({"zunionstore", "dst", "2", "a", "b", "WEIGHTS", "1", "2"}, zunionstore, 2),
              (Keys{"dst:OW,update,", "a:RO,access,", "b:RO,access,"}));
    EXPECT_EQ(keys_of({"zunionstore", "dst", "3", "a", "b"}, zunionstore, 2), (Keys{"invalid"}));
    EXPECT_EQ(keys_of({"zunionstore", "dst", "x", "a"}, zunionstore, 2), (Keys{"invalid"}));
    EXPECT_EQ(keys_of({"zunionstore", "dst", "02", "a", "b"}, zunionstore, 2), (Keys{"invalid"}));
    EXPECT_EQ(keys_of({"zunionstore", "dst", "0", "a"}, zunionstore, 2), (Keys{"invalid"}));

    const struct key_spec xread[] = {
        {nullptr, KEY_RO | KEY_ACCESS, KEY_SEARCH_KEYWORD, 0, "STREAMS", 1, KEY_FIND_RANGE, -1, 2,
         0, 0, 1},
    };
    EXPECT_EQ(keys_of({"xread", "COUNT", "2", "streams", "s1", "s2", "0", "0"}, xread, 1),
              (Keys{"s1:RO,access,", "s2:RO,access,"}));
    EXPECT_EQ(keys_of({"xread", "STREAMS", "s1", "s2", "s3", "0", "0", "0"}, xread, 1),
              (Keys{"s1:RO,access,", "s2:RO,access,", "s3:RO,access,"}));
    EXPECT_EQ(keys_of({"xread", "COUNT", "2", "STREAMS"}, xread, 1), (Keys{})); // never searched

    const struct key_spec georadius[] = {
        {nullptr, KEY_RO | KEY_ACCESS, KEY_SEARCH_INDEX, 1, nullptr, 0, KEY_FIND_RANGE, 0, 0, 0, 0,
         1},
        {nullptr, KEY_OW | KEY_UPDATE, KEY_SEARCH_KEYWORD, 0, "STORE", 6, KEY_FIND_RANGE, 0, 0, 0,
         0, 1},
        {nullptr, KEY_OW | KEY_UPDATE, KEY_SEARCH_KEYWORD, 0, "STOREDIST", 6, KEY_FIND_RANGE, 0, 0,
         0, 0, 1},
    };
    EXPECT_EQ(keys_of({"georadius", "src", "0", "0", "1", "km", "STORE", "dst"}, georadius, 3),
              (Keys{"src:RO,access,", "dst:OW,update,"}));
    // The keyword in the last place is not searched (nothing could follow it).
    EXPECT_EQ(keys_of({"georadius", "src", "0", "0", "1", "km", "WITHDIST", "STORE"}, georadius, 3),
              (Keys{"src:RO,access,"}));

    // MIGRATE's KEYS spec, searched backwards, is incomplete: Redis then
    // falls back to its own function.
    const struct key_spec migrate[] = {
        {nullptr, KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_SEARCH_INDEX, 3, nullptr, 0, KEY_FIND_RANGE,
         0, 0, 0, 0, 1},
        {nullptr, KEY_RW | KEY_ACCESS | KEY_DELETE | KEY_INCOMPLETE, KEY_SEARCH_KEYWORD, 0, "KEYS",
         -2, KEY_FIND_RANGE, -1, 0, 0, 0, 1},
    };
    EXPECT_EQ(keys_of({"migrate", "h", "1", "k", "0", "5000"}, migrate, 2),
              (Keys{"k:RW,access,delete,"}));
    EXPECT_EQ(keys_of({"migrate", "h", "1", "", "0", "5000", "KEYS", "a", "b"}, migrate, 2),
              (Keys{"invalid"}));

    // SORT's BY / GET / STORE keys cannot be found by position.
    const struct key_spec unknown[] = {
        {"n", KEY_RO, KEY_SEARCH_UNKNOWN, 0, nullptr, 0, KEY_FIND_UNKNOWN, 0, 0, 0, 0, 0}};
    EXPECT_EQ(keys_of({"sort", "k"}, unknown, 1), (Keys{"invalid"}));
    const struct key_spec not_key[] = {
        {nullptr, KEY_NOT_KEY, KEY_SEARCH_INDEX, 1, nullptr, 0, KEY_FIND_RANGE, 0, 0, 0, 0, 1}};
    EXPECT_EQ(keys_of({"cmd", "k"}, not_key, 1), (Keys{}));
}
