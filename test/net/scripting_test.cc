// Scripting in a server without a scripting engine (net/cmd_scripting.c):
// what would run or load code fails with one clear error, on every form;
// what describes the empty cache and libraries answers as Redis does with
// none loaded (the differential suite compares those byte for byte:
// test/diff/cases/scripting.txt).
#include "test/net/server_fixture.h"

namespace
{
using testing_server::RespClient;

const std::string no_scripting =
    "-ERR scripting is not available in Magpie: it has no Lua engine\r\n";

class Scripting : public ServerTest
{
};

TEST_F(Scripting, WhatRunsOrLoadsCodeFailsWithOneClearError)
{
    auto c = client();
    const std::vector<std::vector<std::string>> runs = {
        {"EVAL", "return 1", "0"},
        {"EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "k"},
        {"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
        {"EVAL_RO", "return 1", "0"},
        {"EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
        {"FCALL", "myfunc", "0"},
        {"FCALL_RO", "myfunc", "1", "k"},
        {"FUNCTION", "LOAD",
         "#!lua name=mylib\nredis.register_function('f', function() return 1 end)"},
        {"FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\n"},
        {"SCRIPT", "LOAD", "return 1"},
        {"SCRIPT", "DEBUG", "YES"},
        {"SCRIPT", "DEBUG", "sync"},
    };
    for (const auto &argv : runs)
        EXPECT_EQ(c->call(argv), no_scripting) << argv[0] << " " << argv[1];
    // Nothing was written, and nothing was cached.
    EXPECT_EQ(c->call({"EXISTS", "k"}), ":0\r\n");
    EXPECT_EQ(c->call({"SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"}),
              "*1\r\n:0\r\n");
    // The failures are counted as errors of their commands.
    std::string stats = c->call({"INFO", "commandstats"});
    EXPECT_NE(stats.find("cmdstat_eval:calls=2,"), std::string::npos) << stats;
    EXPECT_NE(stats.find("failed_calls=2"), std::string::npos) << stats;
}

TEST_F(Scripting, InsideATransactionTheErrorComesFromExec)
{
    auto c = client();
    EXPECT_EQ(c->call({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(c->call({"EVAL", "return 1", "0"}), "+QUEUED\r\n");
    EXPECT_EQ(c->call({"SET", "k", "v"}), "+QUEUED\r\n");
    EXPECT_EQ(c->call({"EXEC"}), "*2\r\n" + no_scripting + "+OK\r\n");
}

TEST_F(Scripting, StatsListNoEngineAndNothingRunning)
{
    auto c = client();
    EXPECT_EQ(c->call({"FUNCTION", "STATS"}), "*4\r\n$14\r\nrunning_script\r\n$-1\r\n"
                                              "$7\r\nengines\r\n*0\r\n");
    EXPECT_EQ(c->call({"HELLO", "3"}).substr(0, 1), "%");
    EXPECT_EQ(c->call({"FUNCTION", "STATS"}), "%2\r\n$14\r\nrunning_script\r\n_\r\n"
                                              "$7\r\nengines\r\n%0\r\n");
}

TEST_F(Scripting, AnEmptyDumpRestoresAndALibraryDoesNot)
{
    auto c = client();
    std::string dump = c->call({"FUNCTION", "DUMP"});
    ASSERT_EQ(dump.substr(0, 5), "$10\r\n");
    std::string payload = dump.substr(5, 10);
    EXPECT_EQ(c->call({"FUNCTION", "RESTORE", payload}), "+OK\r\n");
    EXPECT_EQ(c->call({"FUNCTION", "LIST"}), "*0\r\n");
    // A payload with a library in it, as redis-server 7.0.15 dumped it: valid,
    // and only the engine could restore it.
    const char with_library[] = "\xf5@F#!lua name=mylib\nredis.register_function('f', "
                                "function() return 1 end)"
                                "\x0a\x00\xc5\x31\xde\xfc\x4f\xf4\x45\x99";
    EXPECT_EQ(c->call({"FUNCTION", "RESTORE", std::string(with_library, sizeof(with_library) - 1)}),
              no_scripting);
    std::string corrupted = payload;
    corrupted[9] ^= 1;
    EXPECT_EQ(c->call({"FUNCTION", "RESTORE", corrupted}),
              "-ERR DUMP payload version or checksum are wrong\r\n");
}
} // namespace
