// The write hook's ordering promise (store/events.h): records of commands
// that ran on several threads at once, applied in write sequence order per
// shard with each command in its canonical form and each expiry as a DEL,
// rebuild exactly the keyspace the commands built. This is what the
// append-only file will rely on.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/events.h"
#include "store_harness.h"

namespace
{

struct Range {
    uint32_t shard;
    uint64_t first, last;
};

struct Record {
    int db;
    std::vector<std::string> argv;
    std::vector<Range> ranges;
    bool expiry; // a DEL standing for an expiry
    bool applied = false;
};

struct Log {
    std::mutex mu;
    std::vector<Record> records;
    std::atomic<bool> on{true};
    bool incomplete = false;

    static void on_key(void *ctx, const struct key_event *ev)
    {
        auto *log = static_cast<Log *>(ctx);
        if (!(ev->cls & NOTIFY_EXPIRED) || !log->on)
            return;
        std::lock_guard<std::mutex> g(log->mu);
        log->records.push_back({ev->db,
                                {"DEL", std::string(ev->key, ev->key_len)},
                                {{ev->shard, ev->seq, ev->seq}},
                                true});
    }
    static void on_command(void *ctx, const struct command_record *rec)
    {
        auto *log = static_cast<Log *>(ctx);
        if (!log->on)
            return;
        Record r{rec->db, {}, {}, false};
        for (int i = 0; i < rec->argc; i++)
            r.argv.emplace_back(rec->argv[i].ptr, rec->argv[i].len);
        for (uint32_t i = 0; i < rec->nranges; i++)
            r.ranges.push_back({rec->ranges[i].shard, rec->ranges[i].first, rec->ranges[i].last});
        std::lock_guard<std::mutex> g(log->mu);
        log->incomplete |= rec->incomplete;
        log->records.push_back(r);
    }
};

// Applies the records in commit order: per shard, by sequence number; a
// DEL for an expiry inside a command's range goes just before that command.
// (COPY's records carry a number in the source's shard too, so a COPY is
// replayed after the write whose value it copied: without do_mark_reads this
// test fails.)
void replay(std::vector<Record> &records, struct keyspace *target)
{
    std::map<std::pair<uint32_t, uint64_t>, size_t> command_at, expiry_at;
    std::set<std::pair<uint32_t, uint64_t>> inside_command;
    std::set<uint32_t> shards;
    for (size_t i = 0; i < records.size(); i++) {
        for (const Range &r : records[i].ranges) {
            shards.insert(r.shard);
            if (records[i].expiry) {
                expiry_at[{r.shard, r.first}] = i;
                continue;
            }
            ASSERT_FALSE(command_at.count({r.shard, r.first})) << "two ranges start together";
            command_at[{r.shard, r.first}] = i;
            for (uint64_t q = r.first; q <= r.last; q++)
                inside_command.insert({r.shard, q});
        }
    }
    std::map<uint32_t, uint64_t> next;
    for (uint32_t s : shards)
        next[s] = 1;
    auto apply = [&](Record &rec) {
        int db = rec.db;
        run_on(target, &db, 0, rec.argv); // time 0: nothing expires while replaying
        rec.applied = true;
    };
    for (bool progress = true; progress;) {
        progress = false;
        for (uint32_t s : shards) {
            uint64_t q = next[s];
            auto e = expiry_at.find({s, q});
            if (e != expiry_at.end() && !inside_command.count({s, q})) {
                apply(records[e->second]);
                next[s] = q + 1;
                progress = true;
                continue;
            }
            auto c = command_at.find({s, q});
            if (c == command_at.end())
                continue;
            Record &cmd = records[c->second];
            bool ready = std::all_of(cmd.ranges.begin(), cmd.ranges.end(),
                                     [&](const Range &r) { return next[r.shard] == r.first; });
            if (!ready)
                continue;
            for (const Range &r : cmd.ranges)
                for (uint64_t x = r.first; x <= r.last; x++) {
                    auto d = expiry_at.find({r.shard, x});
                    if (d != expiry_at.end())
                        apply(records[d->second]);
                }
            apply(cmd);
            for (const Range &r : cmd.ranges)
                next[r.shard] = r.last + 1;
            progress = true;
        }
    }
    for (const Record &r : records)
        ASSERT_TRUE(r.applied) << "a record never became ready: " << r.argv[0];
}

// What a client sees of every key at time `now`: type, value, TTL.
std::map<std::string, std::string> visible_state(struct keyspace *ks, int db, int64_t now,
                                                 const std::vector<std::string> &keys)
{
    std::map<std::string, std::string> state;
    for (const std::string &k : keys) {
        int d = db;
        std::string type = run_on(ks, &d, now, {"TYPE", k});
        if (type == "+none\r\n")
            continue;
        state[k] = type + run_on(ks, &d, now, {"GET", k}) + run_on(ks, &d, now, {"PTTL", k});
    }
    return state;
}

} // namespace

TEST(CommitOrder, ReplayingRecordsInSequenceOrderRebuildsTheKeyspace)
{
    Store origin(2, 4), copy(2, 4);
    Log log;
    ASSERT_EQ(keyspace_observe_keys(origin.ks, Log::on_key, &log), 0);
    ASSERT_EQ(keyspace_observe_commands(origin.ks, Log::on_command, &log), 0);

    const int64_t start = 1700000000000LL;
    std::atomic<int64_t> clock{start};
    std::vector<std::string> keys;
    for (int i = 0; i < 12; i++)
        keys.push_back("key:" + std::to_string(i));
    const int kThreads = 4, kOps = 2500;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
        threads.emplace_back([&, t] {
            std::mt19937 rng(1234 + t);
            int db = 0;
            for (int i = 0; i < kOps; i++) {
                const std::string &a = keys[rng() % keys.size()];
                const std::string &b = keys[rng() % keys.size()];
                std::string v = std::to_string(t) + ":" + std::to_string(i);
                std::vector<std::vector<std::string>> ops = {
                    {"SET", a, v},
                    {"SET", a, v, "PX", std::to_string(1 + rng() % 40)},
                    {"SET", a, v, "EX", "1000"},
                    {"INCR", a},
                    {"INCRBYFLOAT", a, "0.5"},
                    {"APPEND", a, "+"},
                    {"SETRANGE", a, "3", "zz"},
                    {"DEL", a, b},
                    {"EXPIRE", a, std::to_string(rng() % 3)},
                    {"PEXPIRE", a, "-5"},
                    {"PERSIST", a},
                    {"GETEX", a, "PX", "25"},
                    {"GETDEL", a},
                    {"MSET", a, v, b, v},
                    {"RENAME", a, b},
                    {"COPY", a, b, "REPLACE"},
                    {"GET", a},
                    {"MOVE", a, "1"},
                    {"SETNX", a, v},
                };
                if (i % 500 == 499)
                    ops = {{"SWAPDB", "0", "1"}, {"FLUSHDB"}};
                const auto &op = ops[rng() % ops.size()];
                run_on(origin.ks, &db, clock.fetch_add(1), op);
            }
        });
    }
    for (auto &th : threads)
        th.join();
    log.on = false;
    ASSERT_FALSE(log.incomplete);

    std::vector<Record> records = log.records;
    size_t expiries =
        std::count_if(records.begin(), records.end(), [](const Record &r) { return r.expiry; });
    EXPECT_GT(expiries, 0u) << "the workload should expire keys lazily";
    replay(records, copy.ks);

    const int64_t end = clock.load();
    for (int db = 0; db < 2; db++)
        EXPECT_EQ(visible_state(origin.ks, db, end, keys), visible_state(copy.ks, db, end, keys))
            << "db " << db;
}

TEST(CommitOrder, WritersOfOneKeyOnTwoThreadsGetDistinctNumbers)
{
    // Records may arrive in another order than their commits (each is
    // emitted after its lock is released); the numbers still order them.
    Store origin(1, 1), ordered(1, 1);
    Log log;
    ASSERT_EQ(keyspace_observe_commands(origin.ks, Log::on_command, &log), 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; t++)
        threads.emplace_back([&, t] {
            int db = 0;
            for (int i = 0; i < 4000; i++)
                run_on(origin.ks, &db, 0,
                       {"SET", "hot", std::to_string(t) + ":" + std::to_string(i)});
        });
    for (auto &th : threads)
        th.join();
    std::vector<Record> records = log.records;
    replay(records, ordered.ks);
    int db = 0;
    EXPECT_EQ(run_on(ordered.ks, &db, 0, {"GET", "hot"}),
              run_on(origin.ks, &db, 0, {"GET", "hot"}));
    // Every record of the hot key carries its own number: a strict order.
    std::set<uint64_t> seqs;
    for (const Record &r : records)
        for (const Range &range : r.ranges)
            for (uint64_t q = range.first; q <= range.last; q++)
                EXPECT_TRUE(seqs.insert(q).second);
    EXPECT_EQ(seqs.size(), records.size() + 1); // one "new" at the first SET
}
