// MULTI/EXEC/WATCH across workers (net/cmd_multi.c, store/watch.h): EXEC is
// atomic to every reader, locked or lock-free, while writers on other
// workers change the same shards; WATCH fails an EXEC on a write from
// another worker and never lets a conflicting one through; every command
// runs inside EXEC under a plan that covers what it touches.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <sstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test/net/server_fixture.h"
#include "test/store/command_samples.h"

using testing_server::RespClient;

namespace
{

class Multi : public ServerTest
{
  protected:
    std::vector<std::string> server_args() override
    {
        return {"--threads", "4", "--enable-debug-command", "yes", "--enable-protected-configs",
                "local"};
    }

    // The integer of a ":N" reply, or of a bulk "$n\r\nN".
    static long long integer(const std::string &r)
    {
        if (r.empty())
            return -1;
        if (r[0] == ':')
            return std::stoll(r.substr(1));
        if (r[0] == '$' && r != "$-1\r\n")
            return std::stoll(r.substr(r.find("\r\n") + 2));
        return 0; /* nil: a missing account holds nothing */
    }

    // The integers of an array of bulk strings (MGET, EXEC of GETs).
    static std::vector<long long> integers(const std::string &r)
    {
        std::vector<long long> out;
        size_t at = r.find("\r\n") + 2;
        while (at < r.size()) {
            size_t end = r.find("\r\n", at);
            std::string head = r.substr(at, end - at);
            if (head == "$-1") {
                out.push_back(0);
                at = end + 2;
                continue;
            }
            size_t body = end + 2;
            size_t body_end = r.find("\r\n", body);
            out.push_back(std::stoll(r.substr(body, body_end - body)));
            at = body_end + 2;
        }
        return out;
    }
};

// The words of a sample line (samples have no quoting).
std::vector<std::string> split_words(const std::string &line)
{
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;)
        words.push_back(w);
    return words;
}

// The names in COMMAND LIST's reply (an array of bulk strings).
std::vector<std::string> command_list_names(const std::string &r)
{
    std::vector<std::string> names;
    size_t at = r.find("\r\n") + 2;
    while (at < r.size()) {
        size_t body = r.find("\r\n", at) + 2;
        size_t end = r.find("\r\n", body);
        names.push_back(r.substr(body, end - body));
        at = end + 2;
    }
    return names;
}

// Whether `name` is a container whose subcommands are listed too.
bool is_container(const std::vector<std::string> &names, const std::string &name)
{
    for (const std::string &n : names)
        if (n.rfind(name + "|", 0) == 0)
            return true;
    return false;
}

const int kAccounts = 12;
const long long kStart = 1000;

std::string account(int i)
{
    return "acct:" + std::to_string(i);
}

} // namespace

TEST_F(Multi, TransfersAcrossShardsNeverShowAPartialTotal)
{
    auto setup = client();
    for (int i = 0; i < kAccounts; i++)
        ASSERT_EQ(setup->call({"SET", account(i), std::to_string(kStart)}), "+OK\r\n");
    const long long total = kAccounts * kStart;

    std::atomic<bool> stop{false};
    std::atomic<long> bad_totals{0}, reads{0};
    std::vector<std::thread> threads;
    // Readers: lock-free MGET, and GETs inside EXEC.
    for (int r = 0; r < 2; r++)
        threads.emplace_back([&, r] {
            auto c = client();
            std::vector<std::string> mget = {"MGET"};
            for (int i = 0; i < kAccounts; i++)
                mget.push_back(account(i));
            while (!stop) {
                std::string reply;
                if (r == 0) {
                    reply = c->call(mget);
                } else {
                    c->call({"MULTI"});
                    for (int i = 0; i < kAccounts; i++)
                        c->call({"GET", account(i)});
                    reply = c->call({"EXEC"});
                }
                long long sum = 0;
                for (long long v : integers(reply))
                    sum += v;
                if (sum != total)
                    bad_totals++;
                reads++;
            }
        });
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; w++)
        writers.emplace_back([&, w] {
            auto c = client();
            // One account pays one unit to each of the others: twelve
            // commands, eleven shards' worth of window for a torn read.
            for (int n = 0; n < 300; n++) {
                int from = (n * 7 + w) % kAccounts;
                ASSERT_EQ(c->call({"MULTI"}), "+OK\r\n");
                ASSERT_EQ(c->call({"DECRBY", account(from), std::to_string(kAccounts - 1)}),
                          "+QUEUED\r\n");
                for (int to = 0; to < kAccounts; to++) {
                    if (to == from)
                        continue;
                    ASSERT_EQ(c->call({"INCRBY", account(to), "1"}), "+QUEUED\r\n");
                }
                std::string r = c->call({"EXEC"});
                ASSERT_EQ(r.substr(0, 4), "*" + std::to_string(kAccounts) + "\r") << r;
            }
        });
    for (auto &t : writers)
        t.join();
    stop = true;
    for (auto &t : threads)
        t.join();
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(bad_totals.load(), 0) << "a reader saw half a transfer";
    std::vector<std::string> mget = {"MGET"};
    for (int i = 0; i < kAccounts; i++)
        mget.push_back(account(i));
    long long sum = 0;
    for (long long v : integers(setup->call(mget)))
        sum += v;
    EXPECT_EQ(sum, total);
}

// A transaction held open (DEBUG SLEEP between its two halves): a reader on
// another connection meanwhile waits for it, and sees it whole.
TEST_F(Multi, AReaderNeverSeesHalfATransactionHeldOpen)
{
    auto a = client(), b = client();
    ASSERT_EQ(a->call({"MSET", "acct:0", "1000", "acct:1", "1000"}), "+OK\r\n");
    ASSERT_EQ(a->call({"MULTI"}), "+OK\r\n");
    ASSERT_EQ(a->call({"DECRBY", "acct:0", "5"}), "+QUEUED\r\n");
    ASSERT_EQ(a->call({"DEBUG", "SLEEP", "0.3"}), "+QUEUED\r\n");
    ASSERT_EQ(a->call({"INCRBY", "acct:1", "5"}), "+QUEUED\r\n");
    ASSERT_TRUE(a->send(testing_server::resp_command({"EXEC"})));
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); /* inside the sleep */
    EXPECT_EQ(b->call({"MGET", "acct:0", "acct:1"}), "*2\r\n$3\r\n995\r\n$4\r\n1005\r\n");
    EXPECT_EQ(a->read_reply(), "*3\r\n:995\r\n+OK\r\n:1005\r\n");
}

TEST_F(Multi, WatchFailsOnAWriteFromAnotherConnection)
{
    auto a = client(), b = client();
    ASSERT_EQ(a->call({"WATCH", "k"}), "+OK\r\n");
    ASSERT_EQ(b->call({"SET", "k", "theirs"}), "+OK\r\n");
    ASSERT_EQ(a->call({"MULTI"}), "+OK\r\n");
    ASSERT_EQ(a->call({"SET", "k", "mine"}), "+QUEUED\r\n");
    EXPECT_EQ(a->call({"EXEC"}), "*-1\r\n");
    EXPECT_EQ(a->call({"GET", "k"}), "$6\r\ntheirs\r\n");
    // The failed EXEC unwatched: the next transaction goes through.
    ASSERT_EQ(a->call({"MULTI"}), "+OK\r\n");
    ASSERT_EQ(a->call({"SET", "k", "mine"}), "+QUEUED\r\n");
    EXPECT_EQ(a->call({"EXEC"}), "*1\r\n+OK\r\n");
}

// Optimistic increments: WATCH n, read it, write n + 1 in EXEC, retry when
// the EXEC fails. Without WATCH's conflicts, updates would be lost.
TEST_F(Multi, WatchedIncrementsLoseNoUpdate)
{
    const int kClients = 4, kEach = 150;
    std::atomic<long> retries{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kClients; t++)
        threads.emplace_back([&] {
            auto c = client();
            for (int done = 0; done < kEach;) {
                ASSERT_EQ(c->call({"WATCH", "counter"}), "+OK\r\n");
                long long v = integer(c->call({"GET", "counter"}));
                c->call({"MULTI"});
                c->call({"SET", "counter", std::to_string(v + 1)});
                std::string r = c->call({"EXEC"});
                if (r == "*-1\r\n") {
                    retries++;
                    continue;
                }
                ASSERT_EQ(r, "*1\r\n+OK\r\n");
                done++;
            }
        });
    for (auto &t : threads)
        t.join();
    auto c = client();
    EXPECT_EQ(c->call({"GET", "counter"}), "$3\r\n" + std::to_string(kClients * kEach) + "\r\n");
    RecordProperty("watch_retries", std::to_string(retries.load()));
}

TEST_F(Multi, EveryCommandRunsInsideExec)
{
    // The commands net/ adds (the store's are in command_samples.h).
    const std::map<std::string, std::string> net_samples = {
        {"auth", "AUTH default pass"},
        {"client|caching", "CLIENT CACHING yes"},
        {"client|getname", "CLIENT GETNAME"},
        {"client|getredir", "CLIENT GETREDIR"},
        {"client|help", "CLIENT HELP"},
        {"client|id", "CLIENT ID"},
        {"client|info", "CLIENT INFO"},
        {"client|kill", "CLIENT KILL ID 999999"},
        {"client|list", "CLIENT LIST"},
        {"client|no-evict", "CLIENT NO-EVICT on"},
        {"client|no-touch", "CLIENT NO-TOUCH on"},
        {"client|pause", "CLIENT PAUSE 1 WRITE"},
        {"client|reply", "CLIENT REPLY ON"},
        {"client|setinfo", "CLIENT SETINFO lib-name x"},
        {"client|setname", "CLIENT SETNAME x"},
        {"client|tracking", "CLIENT TRACKING off"},
        {"client|trackinginfo", "CLIENT TRACKINGINFO"},
        {"client|unblock", "CLIENT UNBLOCK 999999"},
        {"client|unpause", "CLIENT UNPAUSE"},
        {"command|count", "COMMAND COUNT"},
        {"command|docs", "COMMAND DOCS get"},
        {"command|getkeys", "COMMAND GETKEYS SET a b"},
        {"command|getkeysandflags", "COMMAND GETKEYSANDFLAGS SET a b"},
        {"command|help", "COMMAND HELP"},
        {"command|info", "COMMAND INFO get"},
        {"command|list", "COMMAND LIST"},
        {"config|get", "CONFIG GET timeout"},
        {"config|help", "CONFIG HELP"},
        {"config|resetstat", "CONFIG RESETSTAT"},
        {"config|rewrite", "CONFIG REWRITE"},
        {"config|set", "CONFIG SET timeout 0"},
        {"debug", "DEBUG OBJECT k"},
        {"echo", "ECHO x"},
        {"eval", "EVAL x 0"},
        {"eval_ro", "EVAL_RO x 0"},
        {"evalsha", "EVALSHA x 0"},
        {"evalsha_ro", "EVALSHA_RO x 0"},
        {"fcall", "FCALL f 0"},
        {"fcall_ro", "FCALL_RO f 0"},
        {"function|delete", "FUNCTION DELETE lib"},
        {"function|dump", "FUNCTION DUMP"},
        {"function|flush", "FUNCTION FLUSH"},
        {"function|help", "FUNCTION HELP"},
        {"function|kill", "FUNCTION KILL"},
        {"function|list", "FUNCTION LIST"},
        {"function|load", "FUNCTION LOAD x"},
        {"function|restore", "FUNCTION RESTORE x"},
        {"function|stats", "FUNCTION STATS"},
        {"hello", "HELLO 2"},
        {"info", "INFO"},
        {"lastsave", "LASTSAVE"},
        {"latency|doctor", "LATENCY DOCTOR"},
        {"latency|graph", "LATENCY GRAPH command"},
        {"latency|help", "LATENCY HELP"},
        {"latency|histogram", "LATENCY HISTOGRAM get"},
        {"latency|history", "LATENCY HISTORY command"},
        {"latency|latest", "LATENCY LATEST"},
        {"latency|reset", "LATENCY RESET"},
        {"memory|doctor", "MEMORY DOCTOR"},
        {"memory|help", "MEMORY HELP"},
        {"memory|malloc-stats", "MEMORY MALLOC-STATS"},
        {"memory|purge", "MEMORY PURGE"},
        {"memory|stats", "MEMORY STATS"},
        {"memory|usage", "MEMORY USAGE k"},
        {"monitor", "MONITOR"},
        {"ping", "PING"},
        {"psubscribe", "PSUBSCRIBE p*"},
        {"publish", "PUBLISH ch m"},
        {"script|debug", "SCRIPT DEBUG no"},
        {"script|exists", "SCRIPT EXISTS x"},
        {"script|flush", "SCRIPT FLUSH"},
        {"script|help", "SCRIPT HELP"},
        {"script|kill", "SCRIPT KILL"},
        {"script|load", "SCRIPT LOAD x"},
        {"pubsub|channels", "PUBSUB CHANNELS"},
        {"pubsub|help", "PUBSUB HELP"},
        {"pubsub|numpat", "PUBSUB NUMPAT"},
        {"pubsub|numsub", "PUBSUB NUMSUB ch"},
        {"pubsub|shardchannels", "PUBSUB SHARDCHANNELS"},
        {"pubsub|shardnumsub", "PUBSUB SHARDNUMSUB ch"},
        {"punsubscribe", "PUNSUBSCRIBE"},
        {"slowlog|get", "SLOWLOG GET"},
        {"slowlog|help", "SLOWLOG HELP"},
        {"slowlog|len", "SLOWLOG LEN"},
        {"slowlog|reset", "SLOWLOG RESET"},
        {"spublish", "SPUBLISH ch m"},
        {"ssubscribe", "SSUBSCRIBE ch"},
        {"subscribe", "SUBSCRIBE ch"},
        {"sunsubscribe", "SUNSUBSCRIBE"},
        {"time", "TIME"},
        {"unsubscribe", "UNSUBSCRIBE"},
        {"unwatch", "UNWATCH"},
        {"bgrewriteaof", "BGREWRITEAOF"},
        {"bgsave", "BGSAVE SCHEDULE"},
    };
    // Never queued: they act at once inside MULTI, or refuse to be queued.
    const std::set<std::string> not_queued = {"exec", "discard", "multi",    "watch",
                                              "quit", "reset",   "shutdown", "save"};
    auto lister = client();
    // BGSAVE writes its file into a directory of the test's own.
    char dir[] = "/tmp/magpie-multi-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    ASSERT_EQ(lister->call({"CONFIG", "SET", "dir", dir}), "+OK\r\n");
    std::vector<std::string> names = command_list_names(lister->call({"COMMAND", "LIST"}));
    ASSERT_GT(names.size(), 50u);
    int ran = 0;
    for (const std::string &name : names) {
        if (not_queued.count(name) || is_container(names, name))
            continue;
        std::string line;
        if (kSamples.count(name))
            line = kSamples.at(name).line;
        else if (net_samples.count(name))
            line = net_samples.at(name);
        ASSERT_FALSE(line.empty()) << "no sample for '" << name << "': add one";
        auto c = client();
        ASSERT_EQ(c->call({"SELECT", "3"}), "+OK\r\n");
        ASSERT_EQ(c->call({"FLUSHALL"}), "+OK\r\n");
        for (const char *setup : kSetup)
            ASSERT_NE(c->call(split_words(setup)).substr(0, 1), "-") << setup;
        ASSERT_EQ(c->call({"MULTI"}), "+OK\r\n");
        ASSERT_EQ(c->call(split_words(line)), "+QUEUED\r\n") << line;
        std::string r = c->call({"EXEC"});
        EXPECT_EQ(r.substr(0, 4), "*1\r\n") << line << ": " << r;
        auto after = client();
        ASSERT_EQ(after->call({"PING"}), "+PONG\r\n") << "the server died on " << line;
        ran++;
    }
    EXPECT_GT(ran, 100);
    EXPECT_TRUE(eventually([&] { // none may still be writing there at rm -rf
        return info_field(lister->call({"INFO", "persistence"}), "rdb_bgsave_in_progress") == "0";
    }));
    (void)system((std::string("rm -rf ") + dir).c_str());
}

// Keys one transaction makes ready serve their waiters in the order they
// became ready, whatever their shards (eight pairs: some have the second key
// on a lower shard than the first).
TEST_F(Multi, KeysReadiedByOneExecServeInTheOrderTheyWerePushed)
{
    auto waiter = client(), pusher = client();
    for (int i = 0; i < 8; i++) {
        std::string first = "k1:" + std::to_string(i), second = "k2:" + std::to_string(i);
        ASSERT_TRUE(waiter->send(testing_server::resp_command({"BLPOP", first, second, "0"})));
        ASSERT_TRUE(eventually([&] {
            return info_field(pusher->call({"INFO", "clients"}), "blocked_clients") == "1";
        }));
        ASSERT_EQ(pusher->call({"MULTI"}), "+OK\r\n");
        ASSERT_EQ(pusher->call({"RPUSH", second, "from-second"}), "+QUEUED\r\n");
        ASSERT_EQ(pusher->call({"RPUSH", first, "from-first"}), "+QUEUED\r\n");
        ASSERT_EQ(pusher->call({"EXEC"}), "*2\r\n:1\r\n:1\r\n");
        EXPECT_EQ(waiter->read_reply(), "*2\r\n$" + std::to_string(second.size()) + "\r\n" +
                                            second + "\r\n$11\r\nfrom-second\r\n");
    }
}
