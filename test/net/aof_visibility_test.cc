// What a client is shown under the append-only file (net/aof.h): a reply
// never shows another client's change before that change's record is
// written (fsynced under always), as Redis writes its log before it sends
// any reply. Otherwise a kill -9 could take back a value a reader was
// shown. MAGPIE_AOF_HOLD_MS holds each of the log's rounds open, so that a
// reader comes while the record is not written yet.
#include "test/net/aof_test_util.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

using namespace aof_test;

namespace
{

using Clock = std::chrono::steady_clock;

constexpr int kHoldMs = 600;

long ms_since(Clock::time_point t)
{
    return (long)std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// A server whose log holds each round kHoldMs before it writes (under the
// policy of the parameter), a writer and a reader connected to it.
class AofVisibility : public testing::TestWithParam<std::string>
{
  protected:
    AofDir dir;
    ServerProcess server;
    RespClient writer, reader;

    void SetUp() override
    {
        if (!have_server())
            GTEST_SKIP() << "magpie-server not built";
        setenv("MAGPIE_AOF_HOLD_MS", std::to_string(kHoldMs).c_str(), 1);
        bool started = server.start(dir.args(GetParam()));
        unsetenv("MAGPIE_AOF_HOLD_MS");
        ASSERT_TRUE(started) << server.log();
        ASSERT_TRUE(writer.connect(server.port));
        ASSERT_TRUE(reader.connect(server.port));
    }
};

// The last test's server has no hold: it starts one of its own.
class AofWriteBeforeReply : public testing::TestWithParam<std::string>
{
};

} // namespace

// The writer's reply waits for its record; a reader of the same key that
// comes meanwhile must wait as well, and then see the value.
TEST_P(AofVisibility, AReaderWaitsForTheRecordOfWhatItSees)
{
    Clock::time_point sent = Clock::now();
    ASSERT_TRUE(writer.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string got = reader.call({"GET", "k"});
    long waited = ms_since(sent);
    EXPECT_EQ(got, "$5\r\nvalue\r\n");
    // The round that holds the SET's record ends kHoldMs after the SET.
    EXPECT_GE(waited, kHoldMs - 100) << "the GET showed the value before its record was written";
    EXPECT_EQ(writer.read_reply(), "+OK\r\n");
}

// The same for a value a transaction wrote: its commands' records are one
// unit, written after EXEC.
TEST_P(AofVisibility, AReaderWaitsForATransactionsRecord)
{
    ASSERT_EQ(writer.call({"MULTI"}), "+OK\r\n");
    ASSERT_EQ(writer.call({"INCR", "a"}), "+QUEUED\r\n");
    ASSERT_EQ(writer.call({"RPUSH", "b", "x"}), "+QUEUED\r\n");

    Clock::time_point sent = Clock::now();
    ASSERT_TRUE(writer.send("*1\r\n$4\r\nEXEC\r\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string got = reader.call({"LRANGE", "b", "0", "-1"});
    long waited = ms_since(sent);
    EXPECT_EQ(got, "*1\r\n$1\r\nx\r\n");
    EXPECT_GE(waited, kHoldMs - 100) << "LRANGE showed the list before EXEC's record was written";
    EXPECT_EQ(writer.read_reply(), "*2\r\n:1\r\n:1\r\n");
}

// A reply with nothing unwritten to show goes out at once: the log is idle.
TEST_P(AofVisibility, AReaderWithNothingUnwrittenDoesNotWait)
{
    ASSERT_EQ(writer.call({"SET", "k", "v"}), "+OK\r\n"); // written: its reply waited
    Clock::time_point sent = Clock::now();
    EXPECT_EQ(reader.call({"GET", "k"}), "$1\r\nv\r\n");
    EXPECT_LT(ms_since(sent), kHoldMs / 2) << "a read waited with nothing left to write";
}

// Every policy writes before it replies (under everysec and no the worker
// that ends the turn writes; under always the log's thread, then fsyncs):
// when a SET's +OK arrives, its record is in the file, whichever of the
// concurrent clients wrote it.
TEST_P(AofWriteBeforeReply, TheRecordIsInTheFileWhenTheReplyComes)
{
    if (!have_server())
        GTEST_SKIP() << "magpie-server not built";
    AofDir dir;
    ServerProcess server;
    ASSERT_TRUE(server.start(dir.args(GetParam()))) << server.log();
    const std::string incr = dir.dir() + "/" + kIncr;
    std::atomic<int> missing{0}, failed{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; t++)
        clients.emplace_back([&, t] {
            RespClient c;
            if (!c.connect(server.port)) {
                failed++;
                return;
            }
            for (int i = 0; i < 50; i++) {
                std::string key = "key:" + std::to_string(t) + ":" + std::to_string(i);
                if (c.call({"SET", key, "v"}) != "+OK\r\n") {
                    failed++;
                    continue;
                }
                if (read_file(incr).find("\r\n" + key + "\r\n") == std::string::npos)
                    missing++;
            }
        });
    for (auto &t : clients)
        t.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(missing.load(), 0) << "replies came before their records were written";
}

INSTANTIATE_TEST_SUITE_P(Fsync, AofVisibility, testing::Values("always", "everysec", "no"));
INSTANTIATE_TEST_SUITE_P(Fsync, AofWriteBeforeReply, testing::Values("always", "everysec", "no"));
