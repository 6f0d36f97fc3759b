// Lock plans (store/command.h): every store command runs with its shards
// locked beforehand, as EXEC will run it, and answers exactly as it does on
// its own; a plan that misses a key is caught; what runs under a plan is
// atomic to every reader, lock-free ones included.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "command_samples.h"
#include "proto/reply.h"
#include "store_harness.h"
#include "test/common/outbuf_drain.h"

namespace
{

struct PlanDeleter {
    void operator()(struct lock_plan *p) const
    {
        lock_plan_free(p);
    }
};
using Plan = std::unique_ptr<struct lock_plan, PlanDeleter>;

// Adds a command line to the plan as EXEC will: resolved (subcommands
// included) and arity-checked first. False when it does not resolve.
bool plan_add(struct lock_plan *plan, struct keyspace *ks, int *db,
              const std::vector<std::string> &argv)
{
    std::vector<struct resp_arg> args;
    for (const std::string &a : argv)
        args.push_back({a.data(), a.size(), nullptr});
    struct outbuf out;
    outbuf_init(&out);
    struct reply reply = {&out, 2};
    struct cmd_ctx c = {};
    c.ks = ks;
    c.db = *db;
    c.argc = (int)args.size();
    c.argv = args.data();
    c.reply = &reply;
    const struct command *cmd = command_resolve(&c);
    outbuf_free(&out);
    if (!cmd)
        return false;
    return lock_plan_add(plan, db, cmd, args.data(), (int)args.size()) == 0;
}

std::string state_of(Store &s)
{
    std::string out;
    for (int db : {3, 4, 5}) {
        int d = db;
        for (const char *k : {"k", "n", "t", "k2", "fresh", "a", "b", "renamed", "copied"})
            out += run_on(s.ks, &d, s.now_ms, {"GET", k}) + run_on(s.ks, &d, s.now_ms, {"PTTL", k});
    }
    return out;
}

void setup(Store &s)
{
    s.db = 3;
    for (const char *line : kSetup)
        ASSERT_NE(s.run(line).substr(0, 1), "-") << line;
}

} // namespace

TEST(LockPlan, EveryCommandRunsUnderItsPlanAsItRunsAlone)
{
    for (const auto &[name, sample] : kSamples) {
        SCOPED_TRACE(name);
        Store alone, planned;
        setup(alone);
        setup(planned);
        std::vector<std::string> argv = split_command(sample.line);
        std::string expected = alone.run_argv(argv);

        Plan plan(lock_plan_new(planned.ks));
        int db = planned.db;
        ASSERT_TRUE(plan_add(plan.get(), planned.ks, &db, argv));
        lock_plan_acquire(plan.get());
        std::string got = planned.run_argv(argv);
        lock_plan_release(plan.get());
        if (name != "randomkey") { // a random answer either way
            EXPECT_EQ(got, expected) << sample.line;
        }
        EXPECT_EQ(state_of(planned), state_of(alone)) << sample.line;
    }
}

TEST(LockPlan, ACommandListFollowsSelectAndSeesItsOwnWrites)
{
    Store s;
    setup(s);
    std::vector<std::vector<std::string>> lines = {
        {"SET", "a", "1"}, {"INCR", "a"},      {"SELECT", "4"},
        {"SET", "a", "x"}, {"MOVE", "a", "5"}, {"GET", "a"},
        {"SELECT", "3"},   {"MGET", "a", "k"}, {"COPY", "k", "b", "DB", "5"},
    };
    Plan plan(lock_plan_new(s.ks));
    int db = s.db;
    for (const auto &argv : lines)
        ASSERT_TRUE(plan_add(plan.get(), s.ks, &db, argv));
    std::string replies;
    lock_plan_acquire(plan.get());
    for (const auto &argv : lines)
        replies += s.run_argv(argv);
    lock_plan_release(plan.get());
    EXPECT_EQ(replies,
              "+OK\r\n:2\r\n+OK\r\n+OK\r\n:1\r\n$-1\r\n+OK\r\n*2\r\n$1\r\n2\r\n$1\r\nv\r\n:1\r\n");
    s.db = 5;
    EXPECT_EQ(s.run("MGET a b"), "*2\r\n$1\r\nx\r\n$1\r\nv\r\n");
}

// MSET's other keys are on shards the plan (made for GET a) does not hold
// (eight keys over 64 shards: all on a's shard with odds of 64^-7).
static void run_outside_plan()
{
    Store s(16, 64);
    Plan plan(lock_plan_new(s.ks));
    int db = 0;
    plan_add(plan.get(), s.ks, &db, {"GET", "a"});
    lock_plan_acquire(plan.get());
    s.run("MSET a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8");
    lock_plan_release(plan.get());
}

TEST(LockPlanDeathTest, AKeyOutsideThePlanIsCaught)
{
    EXPECT_DEATH(run_outside_plan(), "not in the lock plan");
}

TEST(LockPlan, WhatRunsUnderAPlanIsAtomicToEveryReader)
{
    // Two counters on different shards move together under a plan; readers
    // (MGET, which reads lock-free when it can) must never see them apart.
    Store s(1, 64);
    ASSERT_EQ(s.run("MSET a 0 b 0"), "+OK\r\n");
    std::atomic<bool> stop{false};
    std::atomic<long> torn{0}, reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; r++)
        readers.emplace_back([&] {
            int db = 0;
            while (!stop) {
                std::string reply = run_on(s.ks, &db, s.now_ms, {"MGET", "a", "b"});
                size_t first = reply.find("\r\n$"), second = reply.rfind("\r\n$");
                std::string x = reply.substr(reply.find("\r\n", first + 3) + 2);
                x = x.substr(0, x.find("\r\n"));
                std::string y = reply.substr(reply.find("\r\n", second + 3) + 2);
                y = y.substr(0, y.find("\r\n"));
                torn += x != y;
                reads++;
            }
        });
    for (int i = 0; i < 20000; i++) {
        Plan plan(lock_plan_new(s.ks));
        int db = 0;
        ASSERT_TRUE(plan_add(plan.get(), s.ks, &db, {"INCR", "a"}));
        ASSERT_TRUE(plan_add(plan.get(), s.ks, &db, {"INCR", "b"}));
        lock_plan_acquire(plan.get());
        s.run("INCR a");
        s.run("INCR b");
        lock_plan_release(plan.get());
    }
    stop = true;
    for (auto &t : readers)
        t.join();
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(torn.load(), 0);
    EXPECT_EQ(s.run("MGET a b"), "*2\r\n$5\r\n20000\r\n$5\r\n20000\r\n");
}
