#include <gtest/gtest.h>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>
#include <climits>
#include <string>
#include <vector>

#include "core/alloc.h"
#include "net/config.h"

namespace
{

struct Config : ::testing::Test {
    struct config *c = nullptr;
    char err[4096];
    void SetUp() override
    {
        c = config_new();
        ASSERT_NE(c, nullptr);
    }
    void TearDown() override
    {
        config_free(c);
    }
    std::string get(enum config_id id)
    {
        char buf[CONFIG_STRING_MAX];
        size_t n = config_format(c, id, buf, sizeof(buf));
        return std::string(buf, n);
    }
    int load(std::vector<std::string> args)
    {
        args.insert(args.begin(), "magpie-server");
        std::vector<char *> argv;
        for (auto &a : args)
            argv.push_back(&a[0]);
        return config_load_args(c, (int)argv.size(), argv.data(), err, sizeof(err));
    }
    std::string set_many(std::vector<const char *> args)
    {
        char e[CONFIG_ERROR_MAX + 128];
        if (config_set_many(c, (int)args.size(), args.data(), nullptr, 0, e) == 0)
            return "OK";
        return e;
    }
};

TEST_F(Config, DefaultsAreRedisDefaults)
{
    EXPECT_EQ(get(CONFIG_PORT), "6379");
    EXPECT_EQ(get(CONFIG_BIND), "127.0.0.1 -::1");
    EXPECT_EQ(get(CONFIG_DATABASES), "16");
    EXPECT_EQ(get(CONFIG_MAXCLIENTS), "10000");
    EXPECT_EQ(get(CONFIG_TIMEOUT), "0");
    EXPECT_EQ(get(CONFIG_TCP_BACKLOG), "511");
    EXPECT_EQ(get(CONFIG_LOGLEVEL), "notice");
    EXPECT_EQ(get(CONFIG_CLIENT_QUERY_BUFFER_LIMIT), "1073741824");
    EXPECT_EQ(get(CONFIG_PROTO_MAX_BULK_LEN), "536870912");
    EXPECT_EQ(get(CONFIG_CLIENT_OUTPUT_BUFFER_LIMIT),
              "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    EXPECT_EQ(get(CONFIG_APPENDONLY), "no");
    EXPECT_GE(config_number(c, CONFIG_THREADS), 1);
}

TEST_F(Config, FileWithCommentsQuotesAndUnits)
{
    const char *text = "# a comment\n"
                       "  port 6380  \n"
                       "\n"
                       "bind 127.0.0.1 \"::1\"\n"
                       "requirepass 'p w\\'d'\n"
                       "client-query-buffer-limit 512mb\n"
                       "proto-max-bulk-len 2GB\n"
                       "LogLevel warning\n"
                       "client-output-buffer-limit normal 1mb 2k 5\n";
    ASSERT_EQ(0, config_load_text(c, text, err, sizeof(err))) << err;
    EXPECT_EQ(config_number(c, CONFIG_PORT), 6380);
    EXPECT_EQ(get(CONFIG_BIND), "127.0.0.1 ::1");
    EXPECT_EQ(get(CONFIG_REQUIREPASS), "p w'd");
    EXPECT_EQ(config_number(c, CONFIG_CLIENT_QUERY_BUFFER_LIMIT), 512LL << 20);
    EXPECT_EQ(config_number(c, CONFIG_PROTO_MAX_BULK_LEN), 2LL << 30);
    EXPECT_EQ(get(CONFIG_LOGLEVEL), "warning");
    EXPECT_EQ(get(CONFIG_CLIENT_OUTPUT_BUFFER_LIMIT),
              "normal 1048576 2000 5 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    EXPECT_TRUE(config_password_matches(c, "p w'd", 5));
    EXPECT_FALSE(config_password_matches(c, "p w'", 4));
}

TEST_F(Config, CommandLineOptionsOverrideTheFile)
{
    ASSERT_EQ(0, load({"--port", "7000", "--bind", "10.0.0.1", "10.0.0.2", "--timeout", "30"}))
        << err;
    EXPECT_EQ(config_number(c, CONFIG_PORT), 7000);
    EXPECT_EQ(get(CONFIG_BIND), "10.0.0.1 10.0.0.2");
    EXPECT_EQ(config_number(c, CONFIG_TIMEOUT), 30);
}

TEST_F(Config, ErrorsNameTheLineLikeRedisServer)
{
    EXPECT_NE(0, load({"--port", "7777", "--foo", "bar"}));
    EXPECT_NE(std::string(err).find("Reading the configuration file, at line 3\n"
                                    ">>> 'foo \"bar\"'\n"
                                    "Bad directive or wrong number of arguments\n"),
              std::string::npos)
        << err;
    EXPECT_NE(std::string(err).find("*** FATAL CONFIG FILE ERROR"), std::string::npos);

    EXPECT_NE(0, load({"--port", "70000"}));
    EXPECT_NE(std::string(err).find(">>> 'port \"70000\"'\n"
                                    "argument must be between 0 and 65535 inclusive\n"),
              std::string::npos)
        << err;
    EXPECT_NE(0, load({"--port", "abc"}));
    EXPECT_NE(std::string(err).find("argument couldn't be parsed into an integer"),
              std::string::npos);
    EXPECT_NE(0, load({"--port"}));
    EXPECT_NE(std::string(err).find(">>> 'port'\nwrong number of arguments\n"), std::string::npos)
        << err;
    EXPECT_NE(0, load({"--client-query-buffer-limit", "1zb"}));
    EXPECT_NE(std::string(err).find("argument must be a memory value"), std::string::npos);
    EXPECT_NE(0, load({"--loglevel", "bogus"}));
    EXPECT_NE(std::string(err).find(
                  "argument(s) must be one of the following: debug, verbose, notice, warning"),
              std::string::npos);
    EXPECT_NE(0, load({"--maxclients", "0"}));
    EXPECT_NE(std::string(err).find("argument must be between 1 and 4294967295 inclusive"),
              std::string::npos);
    EXPECT_NE(0, load({"/nonexistent/magpie.conf"}));
    EXPECT_NE(std::string(err).find("can't open config file '/nonexistent/magpie.conf'"),
              std::string::npos);
}

TEST_F(Config, UnbalancedQuotes)
{
    EXPECT_NE(0, config_load_text(c, "requirepass \"abc\n", err, sizeof(err)));
    EXPECT_NE(std::string(err).find("Unbalanced quotes in configuration line"), std::string::npos);
    EXPECT_NE(0, config_load_text(c, "requirepass \"abc\"x\n", err, sizeof(err)));
}

TEST_F(Config, SplitArgsEscapes)
{
    char **argv;
    size_t *lens;
    int argc = config_split_args("set \"a\\x41\\n\" 'it\\'s' \"\" plain", &argv, &lens);
    ASSERT_EQ(argc, 5);
    EXPECT_EQ(std::string(argv[1], lens[1]), "aA\n");
    EXPECT_EQ(std::string(argv[2], lens[2]), "it's");
    EXPECT_EQ(std::string(argv[3], lens[3]), "");
    EXPECT_EQ(std::string(argv[4], lens[4]), "plain");
    config_free_args(argv, lens, argc);
    // sdssplitargs, as for inline requests: \v and \f separate arguments
    // but do not end a plain one.
    argc = config_split_args("\va\vb \fc", &argv, &lens);
    ASSERT_EQ(argc, 2);
    EXPECT_EQ(std::string(argv[0], lens[0]), "a\vb");
    EXPECT_EQ(std::string(argv[1], lens[1]), "c");
    config_free_args(argv, lens, argc);
    EXPECT_EQ(config_split_args("a \"b", &argv, &lens), -EINVAL);
}

// CONFIG SET with each of its allocations failing in turn: "out of memory"
// and nothing changed, until it succeeds. (Leaks show under ASan.)
TEST_F(Config, SetSurvivesEveryAllocationFailure)
{
    const std::vector<const char *> args = {"save",
                                            "100 10 60 5",
                                            "requirepass",
                                            "secret",
                                            "client-output-buffer-limit",
                                            "normal 1mb 512kb 10"};
    const enum config_id ids[] = {CONFIG_SAVE, CONFIG_REQUIREPASS,
                                  CONFIG_CLIENT_OUTPUT_BUFFER_LIMIT};
    std::vector<std::string> before;
    for (enum config_id id : ids)
        before.push_back(get(id));
    int points = 0;
    for (; points < 100; points++) {
        mem_fail_after(points);
        std::string reply = set_many(args);
        long injected = mem_failures_injected();
        mem_fail_reset();
        if (injected == 0) {
            EXPECT_EQ(reply, "OK");
            break;
        }
        EXPECT_NE(reply.find("out of memory"), std::string::npos) << points << ": " << reply;
        for (size_t i = 0; i < before.size(); i++)
            EXPECT_EQ(get(ids[i]), before[i]) << points;
    }
    EXPECT_GE(points, 4); // save's joined line, its split words, its value; requirepass's
    EXPECT_EQ(get(CONFIG_SAVE), "100 10 60 5");
    EXPECT_EQ(get(CONFIG_REQUIREPASS), "secret");
    EXPECT_EQ(get(CONFIG_CLIENT_OUTPUT_BUFFER_LIMIT),
              "normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
}

TEST_F(Config, SplitArgsOutOfMemory)
{
    for (int n = 0; n < 5; n++) {
        char **argv = nullptr;
        mem_fail_after(n);
        int argc = config_split_args("a 'b c' d", &argv, nullptr);
        mem_fail_reset();
        EXPECT_EQ(argc, -ENOMEM) << n;
    }
}

TEST_F(Config, MemoryUnits)
{
    long long v;
    ASSERT_EQ(0, config_parse_memory("1gb", &v));
    EXPECT_EQ(v, 1LL << 30);
    ASSERT_EQ(0, config_parse_memory("1G", &v));
    EXPECT_EQ(v, 1000000000LL);
    ASSERT_EQ(0, config_parse_memory("512mb", &v));
    EXPECT_EQ(v, 512LL << 20);
    ASSERT_EQ(0, config_parse_memory("3k", &v));
    EXPECT_EQ(v, 3000);
    ASSERT_EQ(0, config_parse_memory("100", &v));
    EXPECT_EQ(v, 100);
    EXPECT_NE(0, config_parse_memory("-5", &v));
    EXPECT_NE(0, config_parse_memory("1zb", &v));
    EXPECT_NE(0, config_parse_memory("", &v));
    EXPECT_NE(0, config_parse_memory("99999999999gb", &v));
    // The whole range, to LLONG_MAX itself (Redis accepts it), and no further.
    ASSERT_EQ(0, config_parse_memory("9223372036854775807", &v));
    EXPECT_EQ(v, LLONG_MAX);
    ASSERT_EQ(0, config_parse_memory("9223372036854775799", &v));
    EXPECT_EQ(v, LLONG_MAX - 8);
    EXPECT_NE(0, config_parse_memory("9223372036854775808", &v));
    EXPECT_NE(0, config_parse_memory("9223372036854775807b0", &v));
}

TEST_F(Config, SetManyMatchesRedisMessages)
{
    EXPECT_EQ(set_many({"timeout", "5", "loglevel", "verbose"}), "OK");
    EXPECT_EQ(config_number(c, CONFIG_TIMEOUT), 5);
    EXPECT_EQ(get(CONFIG_LOGLEVEL), "verbose");
    EXPECT_EQ(set_many({"maxclients", "abc"}), "ERR CONFIG SET failed (possibly related to "
                                               "argument 'maxclients') - argument couldn't be "
                                               "parsed into an integer");
    EXPECT_EQ(set_many({"databases", "3"}), "ERR CONFIG SET failed (possibly related to argument "
                                            "'databases') - can't set immutable config");
    EXPECT_EQ(set_many({"foo", "1"}), "ERR Unknown option or number of arguments for CONFIG SET - "
                                      "'foo'");
    EXPECT_EQ(set_many({"timeout", "1", "timeout", "2"}),
              "ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate "
              "parameter");
    EXPECT_EQ(set_many({"timeout", "05"}), "ERR CONFIG SET failed (possibly related to argument "
                                           "'timeout') - argument couldn't be parsed into an "
                                           "integer");
    EXPECT_EQ(set_many({"appendonly", "maybe"}),
              "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must "
              "be 'yes' or 'no'");
    EXPECT_EQ(set_many({"client-output-buffer-limit", "normal 1 2"}),
              "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') "
              "- Wrong number of arguments in buffer limit configuration.");
    EXPECT_EQ(set_many({"client-output-buffer-limit", "foo 1 2 3"}),
              "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') "
              "- Invalid client class specified in buffer limit configuration.");
    EXPECT_EQ(set_many({"save", "1 2 3"}),
              "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
              "parameters");
    // A failure in a later pair leaves the earlier one unapplied.
    EXPECT_NE(set_many({"timeout", "9", "maxclients", "0"}), "OK");
    EXPECT_EQ(config_number(c, CONFIG_TIMEOUT), 5);
    EXPECT_EQ(set_many({"hz", "1000"}), "OK");
    EXPECT_EQ(get(CONFIG_HZ), "500");
    EXPECT_EQ(set_many({"client-output-buffer-limit", "replica 1 1 1"}), "OK");
    EXPECT_EQ(get(CONFIG_CLIENT_OUTPUT_BUFFER_LIMIT),
              "normal 0 0 0 slave 1 1 1 pubsub 33554432 8388608 60");
    EXPECT_EQ(set_many({"save", "10 2 20 5"}), "OK");
    EXPECT_EQ(get(CONFIG_SAVE), "10 2 20 5");
}

// What a client may not set now, in Redis 7.0's order of checks: the first
// name that fails wins, and a refusal while loading is Redis's -LOADING.
TEST_F(Config, RefusedConfigsMatchRedisMessages)
{
    auto refused = [&](std::vector<const char *> args, unsigned refuse) {
        char e[CONFIG_ERROR_MAX + 128];
        return config_set_many(c, (int)args.size(), args.data(), nullptr, refuse, e) == 0
                   ? std::string("OK")
                   : std::string(e);
    };
    const std::string prot = "ERR CONFIG SET failed (possibly related to argument '";
    EXPECT_EQ(refused({"dir", "/tmp"}, CONFIG_REFUSE_PROTECTED),
              prot + "dir') - can't set protected config");
    EXPECT_EQ(refused({"timeout", "1", "dbfilename", "x.rdb"}, CONFIG_REFUSE_PROTECTED),
              prot + "dbfilename') - can't set protected config");
    EXPECT_EQ(config_number(c, CONFIG_TIMEOUT), 0); // nothing applied
    EXPECT_EQ(refused({"dbfilename", "x.rdb"}, CONFIG_REFUSE_LOADING), "OK");
    EXPECT_EQ(refused({"appendonly", "yes"}, CONFIG_REFUSE_LOADING),
              "LOADING Redis is loading the dataset in memory");
    EXPECT_EQ(refused({"dir", "/tmp"}, CONFIG_REFUSE_LOADING | CONFIG_REFUSE_PROTECTED),
              prot + "dir') - can't set protected config");
    EXPECT_EQ(refused({"hz", "20", "dir", "/tmp"}, CONFIG_REFUSE_LOADING),
              "LOADING Redis is loading the dataset in memory");
    EXPECT_EQ(refused({"nosuch", "1", "appendonly", "yes"}, CONFIG_REFUSE_LOADING),
              "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    EXPECT_EQ(refused({"appendonly", "no"}, 0), "OK");
}

TEST_F(Config, ShardsMustBeAPowerOfTwo)
{
    EXPECT_EQ(0, config_load_text(c, "shards 16\n", err, sizeof(err))) << err;
    EXPECT_EQ(config_number(c, CONFIG_SHARDS), 16);
    EXPECT_NE(0, config_load_text(c, "shards 12\n", err, sizeof(err)));
}

TEST_F(Config, LookupIsCaseInsensitive)
{
    EXPECT_EQ(config_lookup("MaxClients", 10), CONFIG_MAXCLIENTS);
    EXPECT_EQ(config_lookup("nope", 4), -1);
}

} // namespace

// The set thresholds: Redis's defaults, any non-negative count, from a file
// and through CONFIG SET (set-max-listpack-* are Redis 7.2's parameters).
TEST_F(Config, SetThresholds)
{
    EXPECT_EQ(get(CONFIG_SET_MAX_INTSET_ENTRIES), "512");
    EXPECT_EQ(get(CONFIG_SET_MAX_LISTPACK_ENTRIES), "128");
    EXPECT_EQ(get(CONFIG_SET_MAX_LISTPACK_VALUE), "64");
    const char *text = "set-max-intset-entries 3\n"
                       "set-max-listpack-entries 0\n"
                       "set-max-listpack-value 9223372036854775807\n";
    ASSERT_EQ(0, config_load_text(c, text, err, sizeof(err))) << err;
    EXPECT_EQ(config_number(c, CONFIG_SET_MAX_INTSET_ENTRIES), 3);
    EXPECT_EQ(config_number(c, CONFIG_SET_MAX_LISTPACK_ENTRIES), 0);
    EXPECT_EQ(get(CONFIG_SET_MAX_LISTPACK_VALUE), "9223372036854775807");
    EXPECT_EQ(set_many({"set-max-listpack-entries", "7"}), "OK");
    EXPECT_EQ(config_number(c, CONFIG_SET_MAX_LISTPACK_ENTRIES), 7);
    EXPECT_NE(set_many({"set-max-listpack-value", "-1"}), "OK");
    EXPECT_NE(set_many({"set-max-intset-entries", "1k"}), "OK");
    EXPECT_EQ(config_number(c, CONFIG_SET_MAX_INTSET_ENTRIES), 3);
}

// requirepass is a binary string (issue 16): a NUL byte neither cuts it short
// in CONFIG SET, in a config file (\x00), in CONFIG GET nor in AUTH's
// comparison, and CONFIG REWRITE writes it back escaped.
TEST_F(Config, RequirepassKeepsNulBytes)
{
    const std::string pass("sec\0ret", 7);
    const char *args[] = {"requirepass", pass.data()};
    const size_t lens[] = {11, pass.size()};
    char e[CONFIG_ERROR_MAX + 128];
    ASSERT_EQ(0, config_set_many(c, 2, args, lens, 0, e)) << e;
    EXPECT_EQ(get(CONFIG_REQUIREPASS), pass);
    EXPECT_TRUE(config_password_matches(c, pass.data(), pass.size()));
    EXPECT_FALSE(config_password_matches(c, "sec", 3));
    EXPECT_FALSE(config_password_matches(c, "sec\0rex", 7));

    ASSERT_EQ(0, config_load_text(c, "requirepass \"a\\x00b\\r\\n\\xff\"\n", err, sizeof(err)))
        << err;
    EXPECT_EQ(get(CONFIG_REQUIREPASS), std::string("a\0b\r\n\xff", 6));
    EXPECT_FALSE(config_password_matches(c, "a", 1));

    // Written back by CONFIG REWRITE, read back the same.
    std::string path = "/tmp/magpie-config-test-" + std::to_string(getpid()) + ".conf";
    FILE *f = fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("port 6380\n", f);
    fclose(f);
    ASSERT_EQ(0, config_rewrite(c, path.c_str()));
    struct config *again = config_new();
    std::string conf = path;
    std::vector<char *> argv = {(char *)"magpie-server", &conf[0]};
    ASSERT_EQ(0, config_load_args(again, 2, argv.data(), err, sizeof(err))) << err;
    char buf[64];
    size_t n = config_format(again, CONFIG_REQUIREPASS, buf, sizeof(buf));
    EXPECT_EQ(std::string(buf, n), std::string("a\0b\r\n\xff", 6));
    config_free(again);
    unlink(path.c_str());
}

// Every other value with a NUL byte is refused with the type's message, never
// applied cut short at the NUL (a number "70\0" is not 70).
TEST_F(Config, NulBytesAreRefusedOutsideBinaryStrings)
{
    struct Case {
        const char *name;
        std::string value;
        const char *why;
    } cases[] = {
        {"timeout",
         std::string("70\0"
                     "04",
                     5),
         "argument couldn't be parsed into an integer"},
        {"maxclients", std::string("5\0", 2), "argument couldn't be parsed into an integer"},
        {"proto-max-bulk-len", std::string("1mb\0", 4), "argument must be a memory value"},
        {"appendonly", std::string("no\0", 3), "argument must be 'yes' or 'no'"},
        {"loglevel", std::string("notice\0", 7),
         "argument(s) must be one of the following: debug, verbose, notice, warning"},
        {"save", std::string("3600 1\0", 7), "Invalid save parameters"},
        {"notify-keyspace-events", std::string("K\0", 2),
         "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
    };
    for (const Case &k : cases) {
        const char *args[] = {k.name, k.value.data()};
        const size_t lens[] = {strlen(k.name), k.value.size()};
        char e[CONFIG_ERROR_MAX + 128];
        ASSERT_NE(0, config_set_many(c, 2, args, lens, 0, e)) << k.name;
        EXPECT_EQ(std::string(e), std::string("ERR CONFIG SET failed (possibly related to "
                                              "argument '") +
                                      k.name + "') - " + k.why);
    }
    EXPECT_EQ(config_number(c, CONFIG_TIMEOUT), 0);
    // In a config file too, and for file names (unixsocket, logfile).
    EXPECT_NE(0, config_load_text(c, "unixsocket \"/tmp/a\\x00b\"\n", err, sizeof(err)));
    EXPECT_NE(std::string(err).find("argument must not contain a NUL byte"), std::string::npos)
        << err;
    EXPECT_NE(0, config_load_text(c, "logfile \"x\\x00y\"\n", err, sizeof(err)));
    EXPECT_EQ(get(CONFIG_UNIXSOCKET), "");
    EXPECT_EQ(get(CONFIG_LOGFILE), "");
}

// `include path` reads another file in place of the line, as redis-server
// does; a glob includes every match; a missing plain path is fatal; a file
// that includes itself stops with a message instead of recursing forever.
TEST_F(Config, IncludeDirective)
{
    std::string dir = "/tmp/magpie-include-" + std::to_string(getpid());
    ASSERT_EQ(0, mkdir(dir.c_str(), 0700));
    auto write = [&](const std::string &name, const std::string &text) {
        FILE *f = fopen((dir + "/" + name).c_str(), "w");
        ASSERT_NE(f, nullptr);
        fputs(text.c_str(), f);
        fclose(f);
    };
    write("a.conf", "timeout 7\n");
    write("b.part", "maxclients 77\n");
    write("c.part", "hz 20\n");
    write("self.conf", "include " + dir + "/self.conf\n");
    std::string text = "port 6390\ninclude " + dir + "/a.conf\ninclude " + dir +
                       "/*.part\ninclude " + dir + "/none*.x\nloglevel warning\n";
    ASSERT_EQ(0, config_load_text(c, text.c_str(), err, sizeof(err))) << err;
    EXPECT_EQ(config_number(c, CONFIG_TIMEOUT), 7);
    EXPECT_EQ(config_number(c, CONFIG_MAXCLIENTS), 77);
    EXPECT_EQ(config_number(c, CONFIG_HZ), 20);
    EXPECT_EQ(get(CONFIG_LOGLEVEL), "warning");
    std::string missing = "include " + dir + "/missing.conf\n";
    EXPECT_NE(0, config_load_text(c, missing.c_str(), err, sizeof(err)));
    EXPECT_NE(std::string(err).find("can't open config file"), std::string::npos) << err;
    std::string self = "include " + dir + "/self.conf\n";
    EXPECT_NE(0, config_load_text(c, self.c_str(), err, sizeof(err)));
    EXPECT_NE(std::string(err).find("too deeply"), std::string::npos) << err;
    for (const char *f : {"a.conf", "b.part", "c.part", "self.conf"})
        unlink((dir + "/" + f).c_str());
    rmdir(dir.c_str());
}
