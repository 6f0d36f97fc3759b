// magpie-stress's command line: defaults, every option, the errors a typo
// gets, and the binary's exit status for them.
#include "tools/stress/args.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace
{

// The options point into argv (like a real argv), so Parse keeps it alive.
struct Parse {
    std::shared_ptr<std::vector<std::string>> args;
    stress_args_status status;
    stress_options o;
    std::string err;
};

Parse parse(const std::vector<std::string> &given)
{
    Parse p{};
    p.args = std::make_shared<std::vector<std::string>>(given);
    p.args->insert(p.args->begin(), "magpie-stress");
    std::vector<char *> argv;
    for (auto &a : *p.args)
        argv.push_back(a.data());
    char err[256];
    p.status = stress_args_parse((int)argv.size(), argv.data(), &p.o, err, sizeof(err));
    p.err = err;
    return p;
}

void expect_error(std::vector<std::string> args, const std::string &fragment)
{
    Parse p = parse(args);
    std::string joined;
    for (auto &a : args)
        joined += a + " ";
    EXPECT_EQ(p.status, STRESS_ARGS_ERROR) << joined;
    EXPECT_NE(p.err.find(fragment), std::string::npos)
        << joined << "-> '" << p.err << "', expected '" << fragment << "'";
}

} // namespace

TEST(StressArgs, NetworkDefaults)
{
    Parse p = parse({});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_FALSE(p.o.inprocess);
    EXPECT_STREQ(p.o.host, "127.0.0.1");
    EXPECT_EQ(p.o.port, 6379);
    EXPECT_EQ(p.o.clients, 50);
    EXPECT_EQ(p.o.thread_count, 1);
    EXPECT_EQ(p.o.pipeline, 1);
    EXPECT_EQ(p.o.duration_ns, 10000000000ull);
    EXPECT_EQ(p.o.requests, 0u);
    EXPECT_EQ(p.o.dists[0].kind, KEYDIST_UNIFORM);
    EXPECT_EQ(p.o.mix.weight[OP_GET], 80u);
    EXPECT_EQ(p.o.mix.weight[OP_SET], 20u);
    EXPECT_EQ(p.o.rate, 0.0);
    EXPECT_FALSE(p.o.verify);
}

TEST(StressArgs, EveryNetworkOption)
{
    Parse p = parse({"--host",
                     "localhost",
                     "--port=7001",
                     "--clients",
                     "8",
                     "--threads",
                     "2",
                     "--pipeline",
                     "16",
                     "--duration",
                     "1500ms",
                     "--keys",
                     "10k",
                     "--dist",
                     "zipf:0.99",
                     "--mix",
                     "get:70,set:20,incr:10",
                     "--value-size",
                     "1k",
                     "--rate",
                     "50000",
                     "--json",
                     "out.json",
                     "--svg",
                     "out.svg",
                     "--quiet",
                     "--seed",
                     "42"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_STREQ(p.o.host, "localhost");
    EXPECT_EQ(p.o.port, 7001);
    EXPECT_EQ(p.o.clients, 8);
    EXPECT_EQ(p.o.threads[0], 2);
    EXPECT_EQ(p.o.pipeline, 16);
    EXPECT_EQ(p.o.duration_ns, 1500000000ull);
    EXPECT_EQ(p.o.keys, 10000u);
    EXPECT_EQ(p.o.dists[0].kind, KEYDIST_ZIPF);
    EXPECT_EQ(p.o.mix.weight[OP_INCR], 10u);
    EXPECT_EQ(p.o.mix.total, 100u);
    EXPECT_EQ(p.o.value_size, 1024u);
    EXPECT_EQ(p.o.rate, 50000.0);
    EXPECT_STREQ(p.o.json_path, "out.json");
    EXPECT_STREQ(p.o.svg_path, "out.svg");
    EXPECT_TRUE(p.o.quiet);
    EXPECT_EQ(p.o.seed, 42u);
}

TEST(StressArgs, VerifyDefaultsAndRequests)
{
    Parse p = parse({"--verify", "--requests", "1000", "--clients", "2"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_TRUE(p.o.verify);
    EXPECT_EQ(p.o.requests, 1000u);
    EXPECT_EQ(p.o.mix.weight[OP_INCR], 25u);
    EXPECT_EQ(p.o.threads[0], 2); // never more threads than clients
}

TEST(StressArgs, ListOperationsInTheMix)
{
    Parse p = parse({"--mix", "get:50,lpush:20,brpop:30"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.mix.weight[OP_LPUSH], 20u);
    EXPECT_EQ(p.o.mix.weight[OP_BRPOP], 30u);
    // The checker knows strings and counters; lists are --queue's.
    expect_error({"--verify", "--mix", "get:1,rpop:1"}, "--verify checks strings and counters");
    // The in-process sweep drives the string keyspace only.
    expect_error({"--inprocess", "--mix", "get:1,lpush:1"},
                 "list and hash operations need a server");
    expect_error({"--inprocess", "--mix", "get:1,hget:1"},
                 "list and hash operations need a server");
    expect_error({"--verify", "--mix", "get:1,hset:1"}, "no list or hash operations");
}

TEST(StressArgs, Queue)
{
    Parse p = parse({});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.queue.producers, 0); // no queue workload by default

    p = parse({"--queue", "3:5", "--threads", "2", "--pipeline", "4", "--value-size", "100"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.queue.producers, 3);
    EXPECT_EQ(p.o.queue.consumers, 5);
    EXPECT_EQ(p.o.queue.keys, 4);
    EXPECT_EQ(p.o.queue.pop, QUEUE_POP_BRPOP);
    EXPECT_FALSE(p.o.queue.sabotage);
    EXPECT_EQ(p.o.clients, 8); // P + C connections
    EXPECT_EQ(p.o.value_size, 100u);

    p = parse({"--queue", "1:1", "--queue-pop", "rpop", "--queue-keys", "16", "--verify",
               "--queue-sabotage", "--requests", "1000"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.queue.pop, QUEUE_POP_RPOP);
    EXPECT_EQ(p.o.queue.keys, 16);
    EXPECT_TRUE(p.o.queue.sabotage);
    EXPECT_TRUE(p.o.verify);
    EXPECT_EQ(p.o.threads[0], 2); // never more threads than connections
    EXPECT_EQ(p.o.requests, 1000u);

    expect_error({"--queue", "4"}, "--queue: '4' is not PRODUCERS:CONSUMERS");
    expect_error({"--queue", "0:1"}, "--queue: '0:1'");
    expect_error({"--queue", "1:2", "--queue-pop", "blpop"}, "--queue-pop: 'blpop'");
    expect_error({"--queue", "1:2", "--queue-keys", "0"}, "--queue-keys");
    expect_error({"--queue", "1:2", "--queue-keys", "2000"}, "--queue-keys");
    expect_error({"--queue-pop", "rpop"}, "--queue-pop needs --queue");
    expect_error({"--queue-keys", "2"}, "--queue-keys needs --queue");
    expect_error({"--queue-sabotage"}, "--queue-sabotage needs --queue");
    expect_error({"--queue", "1:2", "--queue-sabotage"}, "negative control of --verify");
    for (const char *opt : {"--clients", "--mix", "--dist", "--keys", "--rate"}) {
        const char *value = strcmp(opt, "--mix") == 0    ? "get:1"
                            : strcmp(opt, "--dist") == 0 ? "uniform"
                                                         : "10";
        expect_error({"--queue", "1:2", opt, value},
                     std::string(opt) + " does not apply to --queue");
    }
    expect_error({"--queue", "1:2", "--threads", "4"}, "more than the 3 connections of --queue");
    expect_error({"--inprocess", "--queue", "1:1"}, "--queue does not apply to --inprocess");
}

TEST(StressArgs, Pubsub)
{
    Parse p = parse({});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.pubsub.publishers, 0); // no pub/sub workload by default

    p = parse({"--pubsub", "2:6", "--threads", "2", "--pipeline", "4", "--value-size", "100"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.pubsub.publishers, 2);
    EXPECT_EQ(p.o.pubsub.subscribers, 6);
    EXPECT_EQ(p.o.pubsub.channels, 4);
    EXPECT_EQ(p.o.pubsub.pattern_subscribers, 0);
    EXPECT_FALSE(p.o.pubsub.sabotage);
    EXPECT_EQ(p.o.clients, 8); // P + S connections
    EXPECT_EQ(p.o.value_size, 100u);

    p = parse({"--pubsub", "1:3", "--pubsub-channels", "100", "--pubsub-patterns", "3", "--verify",
               "--pubsub-sabotage", "--requests", "1000"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.pubsub.channels, 100);
    EXPECT_EQ(p.o.pubsub.pattern_subscribers, 3);
    EXPECT_TRUE(p.o.pubsub.sabotage);
    EXPECT_EQ(p.o.threads[0], 4);
    EXPECT_EQ(p.o.requests, 1000u);

    expect_error({"--pubsub", "4"}, "--pubsub: '4' is not PUBLISHERS:SUBSCRIBERS");
    expect_error({"--pubsub", "1:0"}, "--pubsub: '1:0'");
    expect_error({"--pubsub", "1:2", "--pubsub-channels", "0"}, "--pubsub-channels");
    expect_error({"--pubsub", "1:2", "--pubsub-channels", "2000"}, "--pubsub-channels");
    expect_error({"--pubsub", "1:2", "--pubsub-patterns", "3"},
                 "--pubsub-patterns 3 is more than the 2 subscribers");
    expect_error({"--pubsub-channels", "2"}, "--pubsub-channels needs --pubsub");
    expect_error({"--pubsub-patterns", "1"}, "--pubsub-patterns needs --pubsub");
    expect_error({"--pubsub-sabotage"}, "--pubsub-sabotage needs --pubsub");
    expect_error({"--pubsub", "1:2", "--pubsub-sabotage"}, "negative control of --verify");
    for (const char *opt : {"--clients", "--mix", "--dist", "--keys", "--rate"}) {
        const char *value = strcmp(opt, "--mix") == 0    ? "get:1"
                            : strcmp(opt, "--dist") == 0 ? "uniform"
                                                         : "10";
        expect_error({"--pubsub", "1:2", opt, value},
                     std::string(opt) + " does not apply to --pubsub");
    }
    expect_error({"--pubsub", "1:2", "--threads", "4"}, "more than the 3 connections of --pubsub");
    expect_error({"--pubsub", "1:1", "--queue", "1:1"}, "different workloads");
    expect_error({"--inprocess", "--pubsub", "1:1"}, "--pubsub does not apply to --inprocess");
}

TEST(StressArgs, Transfer)
{
    Parse p = parse({});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.transfer.movers, 0); // no transfer workload by default

    p = parse({"--transfer", "4:2", "--pipeline", "8"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.transfer.movers, 4);
    EXPECT_EQ(p.o.transfer.readers, 2);
    EXPECT_EQ(p.o.transfer.accounts, 16);
    EXPECT_FALSE(p.o.transfer.watch);
    EXPECT_EQ(p.o.transfer.read, TRANSFER_READ_GET);
    EXPECT_FALSE(p.o.transfer.sabotage);
    EXPECT_EQ(p.o.clients, 6);

    p = parse({"--transfer", "2:0", "--transfer-accounts", "1000", "--transfer-watch",
               "--transfer-read", "mget", "--verify", "--transfer-sabotage", "--requests", "50"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.transfer.readers, 0);
    EXPECT_EQ(p.o.transfer.accounts, 1000);
    EXPECT_TRUE(p.o.transfer.watch);
    EXPECT_EQ(p.o.transfer.read, TRANSFER_READ_MGET);
    EXPECT_TRUE(p.o.transfer.sabotage);
    EXPECT_EQ(p.o.threads[0], 2); // never more threads than connections

    expect_error({"--transfer", "0:2"}, "--transfer: '0:2' is not MOVERS:READERS");
    expect_error({"--transfer"}, "--transfer needs a value");
    expect_error({"--transfer", "1:1", "--transfer-accounts", "1"}, "--transfer-accounts");
    expect_error({"--transfer", "1:1", "--transfer-accounts", "10001"}, "--transfer-accounts");
    expect_error({"--transfer", "1:1", "--transfer-read", "scan"},
                 "--transfer-read: 'scan' is not get or mget");
    expect_error({"--transfer-watch"}, "--transfer-watch needs --transfer");
    expect_error({"--transfer-read", "get"}, "--transfer-read needs --transfer");
    expect_error({"--transfer-accounts", "4"}, "--transfer-accounts needs --transfer");
    expect_error({"--transfer", "1:1", "--transfer-sabotage"}, "negative control of --verify");
    expect_error({"--transfer", "1:1", "--value-size", "10"},
                 "--value-size does not apply to --transfer");
    expect_error({"--transfer", "1:1", "--keys", "10"}, "--keys does not apply to --transfer");
    expect_error({"--transfer", "1:1", "--pubsub", "1:1"}, "different workloads");
    expect_error({"--inprocess", "--transfer-watch"}, "does not apply to --inprocess");
}

TEST(StressArgs, InprocessSweep)
{
    Parse p = parse({"--inprocess"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.thread_count, 4);
    EXPECT_EQ(p.o.threads[3], 8);
    EXPECT_EQ(p.o.shard_count, 3);
    EXPECT_EQ(p.o.shards[2], 256);
    EXPECT_EQ(p.o.dist_count, 2);
    EXPECT_EQ(p.o.dists[1].kind, KEYDIST_HOT);
    EXPECT_EQ(p.o.duration_ns, 2000000000ull);

    p = parse({"--inprocess", "--threads", "1,3", "--shards", "1,64", "--dist", "hot", "--duration",
               "100ms"});
    ASSERT_EQ(p.status, STRESS_ARGS_RUN) << p.err;
    EXPECT_EQ(p.o.thread_count, 2);
    EXPECT_EQ(p.o.threads[1], 3);
    EXPECT_EQ(p.o.shards[1], 64);
    EXPECT_EQ(p.o.dist_count, 1);
}

TEST(StressArgs, Help)
{
    EXPECT_EQ(parse({"--help"}).status, STRESS_ARGS_HELP);
    EXPECT_EQ(parse({"--port", "1", "--help"}).status, STRESS_ARGS_HELP);
}

TEST(StressArgs, BadFlagsGiveClearErrors)
{
    expect_error({"--bogus"}, "unknown option '--bogus'");
    expect_error({"-p", "1"}, "unexpected argument '-p'");
    expect_error({"--port"}, "--port needs a value");
    expect_error({"--port", "0"}, "--port: '0' is not a number in 1..65535");
    expect_error({"--port", "70000"}, "--port");
    expect_error({"--clients", "abc"}, "--clients: 'abc'");
    expect_error({"--clients", "-5"}, "--clients");
    expect_error({"--pipeline", "0"}, "--pipeline");
    expect_error({"--duration", "ten"}, "--duration: 'ten' is not a duration");
    expect_error({"--duration", "5x"}, "--duration");
    expect_error({"--duration", "0s"}, "--duration");
    expect_error({"--dist", "gauss"}, "--dist: 'gauss'");
    expect_error({"--dist", "zipf:0"}, "--dist");
    expect_error({"--dist", "hot:2"}, "--dist");
    expect_error({"--mix", "get:80,put:20"}, "unknown operation 'put'");
    expect_error({"--mix", "get"}, "is not op:weight");
    expect_error({"--mix", "get:x"}, "bad weight");
    expect_error({"--mix", "get:1,get:2"}, "appears twice");
    expect_error({"--mix", "get:0"}, "no positive weight");
    expect_error({"--rate", "-1"}, "--rate");
    expect_error({"--value-size", "0"}, "--value-size");
    expect_error({"--quiet=yes"}, "--quiet takes no value");
    expect_error({"--port", "1", "--port", "2"}, "--port given twice");
    expect_error({"--duration", "1s", "--requests", "10"}, "either --duration or --requests");
    expect_error({"--threads", "1,2"}, "one thread count");
    expect_error({"--dist", "uniform,hot"}, "one distribution");
    expect_error({"--shards", "4"}, "--shards only applies to --inprocess");
    expect_error({"--threads", "10", "--clients", "4"}, "more than --clients");
    expect_error({"--verify", "--mix", "get:1,del:1"}, "--verify does not support del");
    expect_error({"--verify", "--keys", "100000000"}, "--keys at most");
    expect_error({"--inprocess", "--port", "1"}, "--port does not apply to --inprocess");
    expect_error({"--inprocess", "--verify"}, "--verify does not apply");
    expect_error({"--inprocess", "--shards", "3"}, "not a power of two");
    expect_error({"--inprocess", "--threads", "1,,2"}, "--threads: empty item in '1,,2'");
    expect_error({"--inprocess", "--dist", "uniform,"}, "--dist: empty item");
}

TEST(StressArgs, Durations)
{
    uint64_t ns;
    ASSERT_EQ(stress_parse_duration("10s", &ns), 0);
    EXPECT_EQ(ns, 10000000000ull);
    ASSERT_EQ(stress_parse_duration("2.5", &ns), 0);
    EXPECT_EQ(ns, 2500000000ull);
    ASSERT_EQ(stress_parse_duration("250ms", &ns), 0);
    EXPECT_EQ(ns, 250000000ull);
    ASSERT_EQ(stress_parse_duration("2m", &ns), 0);
    EXPECT_EQ(ns, 120000000000ull);
    for (const char *bad : {"", "s", "-1s", "1d", "0.1us", "abc", "1e30"})
        EXPECT_LT(stress_parse_duration(bad, &ns), 0) << bad;
}

// The binary: a bad flag exits 2 with the message on stderr, --help exits 0.
TEST(StressArgs, BinaryExitStatus)
{
    const char *bin = getenv("MAGPIE_STRESS");
    if (!bin || access(bin, X_OK) != 0)
        GTEST_SKIP() << "MAGPIE_STRESS binary not built (run through make)";
    std::string b = std::string("'") + bin + "'";
    int st = system((b + " --bogus 2>/dev/null").c_str());
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 2);
    st = system((b + " --dist nope 2>/dev/null").c_str());
    EXPECT_EQ(WEXITSTATUS(st), 2);
    st = system((b + " --help >/dev/null").c_str());
    EXPECT_EQ(WEXITSTATUS(st), 0);
    FILE *p = popen((b + " --clients x 2>&1").c_str(), "r");
    ASSERT_NE(p, nullptr);
    char line[512] = {0};
    ASSERT_NE(fgets(line, sizeof(line), p), nullptr);
    EXPECT_NE(std::string(line).find("--clients: 'x'"), std::string::npos) << line;
    st = pclose(p);
    EXPECT_EQ(WEXITSTATUS(st), 2);
}
