// Sets moved between shards while readers look: SMOVE locks both shards
// for the whole move, so no reader ever sees a member in neither set or in
// both. Movers shuffle members among sets on different shards (crossing the
// listpack/hashtable threshold on the way); readers check the total with
// SCARD of every set under one lock plan (as EXEC runs them) and with SUNION
// (one multi-key command).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proto/reply.h"
#include "store_harness.h"
#include "test/common/outbuf_drain.h"
#include "test/common/test_env.h"

namespace
{

const int64_t kNow = 1700000000000LL;
const int kSets = 8;
const int kMembers = 400;

std::string cmd(struct keyspace *ks, const std::vector<std::string> &argv)
{
    int db = 0;
    return run_on(ks, &db, kNow, argv);
}

long long int_reply(const std::string &r)
{
    return r.size() > 1 && r[0] == ':' ? std::stoll(r.substr(1)) : -1;
}

struct PlanDeleter {
    void operator()(struct lock_plan *p) const
    {
        lock_plan_free(p);
    }
};

// Adds a command line to a plan as EXEC does (resolved, arity checked).
bool plan_add(struct lock_plan *plan, struct keyspace *ks, const std::vector<std::string> &argv)
{
    std::vector<struct resp_arg> args;
    for (const std::string &a : argv)
        args.push_back({a.data(), a.size(), nullptr});
    struct outbuf out;
    outbuf_init(&out);
    struct reply reply = {&out, 2};
    struct cmd_ctx c = {};
    c.ks = ks;
    c.argc = (int)args.size();
    c.argv = args.data();
    c.reply = &reply;
    const struct command *cmd_found = command_resolve(&c);
    outbuf_free(&out);
    int db = 0;
    return cmd_found && lock_plan_add(plan, &db, cmd_found, args.data(), (int)args.size()) == 0;
}

std::string set_name(int i)
{
    return "set:" + std::to_string(i);
}

} // namespace

TEST(SetConcurrency, SmoveNeverLosesOrDuplicatesAMember)
{
    store_commands_init();
    struct keyspace_config cfg = {1, 8, 4};
    struct keyspace *ks = keyspace_new(&cfg);
    ASSERT_NE(ks, nullptr);
    for (int m = 0; m < kMembers; m++)
        ASSERT_EQ(cmd(ks, {"SADD", set_name(m % kSets), "m" + std::to_string(m)}), ":1\r\n");

    const long rounds = test_scaled(20000, 2000);
    std::atomic<int> movers_left{2};
    std::atomic<long> moved{0}, bad{0}, checks{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; t++)
        threads.emplace_back([&, t] {
            std::mt19937 rng(t + 1);
            for (long i = 0; i < rounds; i++) {
                int from = (int)(rng() % kSets), to = (int)(rng() % kSets);
                std::string m = "m" + std::to_string(rng() % kMembers);
                std::string r = cmd(ks, {"SMOVE", set_name(from), set_name(to), m});
                if (r == ":1\r\n")
                    moved++;
                else if (r != ":0\r\n")
                    bad++;
            }
            movers_left--;
        });
    // Reader 1: SCARD of every set under one lock plan, as EXEC runs it.
    threads.emplace_back([&] {
        std::vector<std::vector<std::string>> lines;
        for (int i = 0; i < kSets; i++)
            lines.push_back({"SCARD", set_name(i)});
        while (movers_left.load() > 0) {
            std::unique_ptr<struct lock_plan, PlanDeleter> plan(lock_plan_new(ks));
            ASSERT_TRUE(plan);
            for (const auto &line : lines)
                ASSERT_TRUE(plan_add(plan.get(), ks, line));
            long long total = 0;
            lock_plan_acquire(plan.get());
            for (const auto &line : lines)
                total += int_reply(cmd(ks, line));
            lock_plan_release(plan.get());
            if (total != kMembers)
                bad++;
            checks++;
        }
    });
    // Reader 2: SUNION of every set, one multi-key command.
    threads.emplace_back([&] {
        std::vector<std::string> line = {"SUNION"};
        for (int i = 0; i < kSets; i++)
            line.push_back(set_name(i));
        const std::string want = "*" + std::to_string(kMembers) + "\r\n";
        while (movers_left.load() > 0) {
            std::string r = cmd(ks, line);
            if (r.compare(0, want.size(), want) != 0)
                bad++;
            checks++;
        }
    });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(moved.load(), 0);
    EXPECT_GT(checks.load(), 0);
    // Every member is in exactly one set at the end.
    std::multiset<std::string> all;
    long long total = 0;
    for (int i = 0; i < kSets; i++)
        total += int_reply(cmd(ks, {"SCARD", set_name(i)}));
    EXPECT_EQ(total, kMembers);
    for (int m = 0; m < kMembers; m++) {
        int holders = 0;
        for (int i = 0; i < kSets; i++)
            holders +=
                cmd(ks, {"SISMEMBER", set_name(i), "m" + std::to_string(m)}) == ":1\r\n" ? 1 : 0;
        EXPECT_EQ(holders, 1) << "m" << m;
    }
    keyspace_free(ks);
}
