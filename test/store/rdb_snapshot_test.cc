// Point-in-time snapshots (store/rdb_snapshot.c): one instant across every
// shard under concurrent writers, copy-before-write per entry (what writers
// change is saved first, and only that), a failed walk that leaves the next
// snapshot whole, the hooks an AOF rewrite cuts its log with, and two
// snapshots taking turns.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rdb_test_util.h"
#include "store/keyspace.h"
#include "store/rdb.h"
#include "store_harness.h"

// Point in time: a writer keeps setting every key to the same number with
// one MSET across all shards (and databases 0 and 1 with a MULTI-free pair
// of commands ordered 0 then 1); every snapshot taken meanwhile must hold
// one number for all MSET keys, and db 1's counter never ahead of db 0's.
TEST(Rdb, SnapshotIsOnePointInTimeUnderWrites)
{
    Store s(4, 8);
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < 64; i++) {
        mset.push_back("k" + std::to_string(i));
        mset.push_back("0");
    }
    s.run_argv(mset);
    // Filler, so that walking the shards takes long enough for the writer
    // to run in between.
    std::vector<std::string> filler = {"MSET"};
    for (int i = 0; i < 40000; i++) {
        filler.push_back("filler:" + std::to_string(i));
        filler.push_back(std::string(40, 'f'));
    }
    s.run_argv(filler);
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        int db = 0;
        std::vector<std::string> argv = mset;
        for (long n = 1; !stop.load(); n++) {
            for (size_t i = 2; i < argv.size(); i += 2)
                argv[i] = std::to_string(n);
            run_on(s.ks, &db, s.now_ms, argv);
            run_on(s.ks, &db, s.now_ms, {"SET", "first", std::to_string(n)});
            run_on(s.ks, &db, s.now_ms, {"SELECT", "1"});
            run_on(s.ks, &db, s.now_ms, {"SET", "second", std::to_string(n)});
            run_on(s.ks, &db, s.now_ms, {"SELECT", "0"});
        }
    });
    for (int round = 0; round < 10; round++) {
        std::string file = save(s);
        Store b(4, 8);
        ASSERT_EQ(load(b, file), 0);
        std::string first = b.run("GET k0");
        for (int i = 1; i < 64; i++)
            ASSERT_EQ(b.run_argv({"GET", "k" + std::to_string(i)}), first) << "round " << round;
        std::string f = bulk(b.run("GET first"));
        b.run("SELECT 1");
        std::string sec = bulk(b.run("GET second"));
        if (!sec.empty()) {
            ASSERT_LE(std::stol(sec), std::stol(f)) << "round " << round;
        }
    }
    stop = true;
    writer.join();
}

namespace
{

// Holds a snapshot's walk right after its point in time until released, so
// that a test can change entries the walk has not reached.
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool taken = false, go = false;

    static void at_point(void *ctx)
    {
        auto *g = static_cast<Gate *>(ctx);
        std::unique_lock<std::mutex> l(g->m);
        g->taken = true;
        g->cv.notify_all();
        g->cv.wait(l, [g] { return g->go; });
    }
    void wait_taken()
    {
        std::unique_lock<std::mutex> l(m);
        cv.wait(l, [this] { return taken; });
    }
    void release()
    {
        std::lock_guard<std::mutex> l(m);
        go = true;
        cv.notify_all();
    }
};

// A whole file saved on another thread while `change` runs on this one,
// after the point in time and before the walk locks any shard; *peak gets
// the most bytes writers saved ahead of the walk.
template <typename F> std::string save_around(Store &s, F change, size_t *peak = nullptr)
{
    Gate gate;
    struct rdb_snapshot_hooks hooks = {};
    hooks.ctx = &gate;
    hooks.point_taken = Gate::at_point;
    std::string file;
    size_t queued = 0;
    std::thread saver([&] {
        struct rdb_writer w;
        rdb_writer_init(&w, nullptr, nullptr, true);
        if (peak) { // the keys alone, to learn the peak
            EXPECT_EQ(rdb_snapshot_write(s.ks, &w, s.now_ms, &queued, &hooks), 0);
        } else {
            struct rdb_save_options opt = {true, true, false, 0, s.now_ms, &hooks, nullptr};
            EXPECT_EQ(rdb_save_keyspace(s.ks, &w, &opt), 0);
        }
        file.assign((const char *)w.mem, w.used);
        rdb_writer_release(&w);
    });
    gate.wait_taken();
    change();
    gate.release();
    saver.join();
    if (peak)
        *peak = queued;
    return file;
}

// Every key of databases 0..databases-1, as canon() shows it, by database.
std::map<std::string, std::string> contents(Store &s, int databases)
{
    std::map<std::string, std::string> out;
    for (int db = 0; db < databases; db++) {
        s.run("SELECT " + std::to_string(db));
        std::string keys = s.run("KEYS *");
        size_t pos = 0;
        while ((pos = keys.find("\r\n$", pos)) != std::string::npos) {
            size_t start = keys.find("\r\n", pos + 3) + 2;
            size_t end = keys.find("\r\n", start);
            std::string key = keys.substr(start, end - start);
            out[std::to_string(db) + "/" + key] = canon(s, key);
            pos = end;
        }
    }
    s.run("SELECT 0");
    return out;
}

} // namespace

// Copy-before-write per entry: with the walk held right after the point in
// time, commands of every type change values in place, replace, expire,
// rename, move, delete and flush keys (and swap databases); the file still
// holds the keyspace exactly as it was at the point in time. Debug builds
// also abort at the first change made to a key not saved first.
TEST(Rdb, SnapshotHoldsEveryEntryAsItWasAtThePointInTime)
{
    Store s(8, 8);
    populate(s);
    s.run("PFADD hll a b c");
    s.run("PFADD hll2 x y"); // PFCOUNT caches its count in the value
    s.run("SET soon v PX 50");
    s.run("SET big:int 10");
    s.run("SELECT 2");
    s.run("SET gone1 a");
    s.run("RPUSH gone2 a b");
    s.run("SELECT 0");
    for (int i = 0; i < 2000; i++)
        s.run_argv({"SET", "filler:" + std::to_string(i), std::to_string(i)});
    Store ref(8, 8);
    ASSERT_EQ(load(ref, save(s)), 0);
    std::map<std::string, std::string> expected = contents(ref, 8);
    std::string file = save_around(s, [&] {
        const char *battery[] = {
            "SET s1 new",
            "APPEND s4 x",
            "SETRANGE s5 0 zz",
            "INCR s2",
            "INCRBYFLOAT s3 1.5",
            "GETDEL s7",
            "GETEX s6 PX 5000",
            "SET s1 other GET",
            "SETBIT s1 3 1",
            "PERSIST ttl",
            "LPUSH l1 q",
            "RPOP l2",
            "LSET l1 1 z",
            "LTRIM l2 0 10",
            "LINSERT l1 BEFORE z y",
            "LREM l1 0 a",
            "LMOVE l1 l2 LEFT RIGHT",
            "SADD st1 99",
            "SREM st2 a",
            "SPOP st3",
            "SMOVE st4 st2 m1",
            "SUNIONSTORE st1 st2 st4",
            "HSET h1 f zz",
            "HDEL h2 f1",
            "HINCRBY h1 n 5",
            "HINCRBYFLOAT h2 f2 0.5",
            "ZADD z1 9 m",
            "ZINCRBY z2 1 m1",
            "ZREM z3 top",
            "ZPOPMIN z2",
            "ZUNIONSTORE z1 2 z1 z3",
            "PFADD hll d e",
            "PFCOUNT hll",
            "PFCOUNT hll2",
            "EXPIRE h3 100",
            "RENAME l1 l1renamed",
            "MOVE st2 5",
            "COPY h2 h2copy",
            "COPY h1 h3 REPLACE",
            "SORT l2 ALPHA STORE z2",
            "BITOP OR s4 s1 s4",
            "MSET filler:1 x filler:2 y filler:3 z",
            "DEL filler:4 filler:5",
            "EXPIRE filler:6 1000",
            "INCRBY big:int 5",
            "SELECT 2",
            "FLUSHDB",
            "SET new1 v",
            "SELECT 3",
            "SET other changed",
            "SWAPDB 3 4",
            "SET fresh v",
            "SELECT 0",
        };
        for (const char *cmd : battery)
            ASSERT_NE(s.run(cmd)[0], '-') << cmd;
        std::string payload = bulk(s.run("DUMP s6"));
        ASSERT_EQ(s.run_argv({"RESTORE", "s1", "0", payload, "REPLACE"}), "+OK\r\n");
        // Lazily expired after the point in time: live in the snapshot.
        int db = 0;
        EXPECT_EQ(run_on(s.ks, &db, s.now_ms + 100, {"GET", "soon"}), "$-1\r\n");
        EXPECT_EQ(run_on(s.ks, &db, s.now_ms + 100, {"SET", "soon", "again"}), "+OK\r\n");
    });
    Store b(8, 8);
    ASSERT_EQ(load(b, file), 0);
    std::map<std::string, std::string> got = contents(b, 8);
    for (auto &[key, value] : expected)
        EXPECT_EQ(got[key], value) << key;
    EXPECT_EQ(got.size(), expected.size());
    EXPECT_NE(contents(s, 8), expected); // the battery did change things
}

// Extra memory is what writers change ahead of the walk, not the shards
// they touch: a few writes spread over every shard save a few entries.
TEST(Rdb, SnapshotSavesOnlyTheEntriesWritersChange)
{
    Store s(1, 8);
    std::vector<std::string> filler = {"MSET"};
    uint64_t rng = 42;
    for (int i = 0; i < 20000; i++) {
        filler.push_back("key:" + std::to_string(i));
        std::string v(40, ' ');
        for (char &ch : v) { // incompressible, so bytes count entries
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            ch = (char)('!' + (rng >> 33) % 90);
        }
        filler.push_back(v);
    }
    s.run_argv(filler);
    size_t peak = 0;
    std::string keys = save_around(
        s,
        [&] {
            for (int i = 0; i < 64; i++)
                s.run_argv({"SET", "key:" + std::to_string(i * 300), "changed"});
        },
        &peak);
    EXPECT_GT(peak, 64u * 40);         // each changed entry was saved first...
    EXPECT_LT(peak, keys.size() / 50); // ...and nothing else
}

// A snapshot whose file fails halfway still marks every entry as its walk
// goes (writing nothing more), so the next snapshot, whose mark is the
// other parity, finds every entry unsaved and writes all of them.
TEST(Rdb, AFailedSnapshotLeavesTheNextOneWhole)
{
    Store s(2, 4);
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < 20000; i++) {
        mset.push_back("key:" + std::to_string(i));
        mset.push_back("value-" + std::to_string(i));
    }
    s.run_argv(mset);
    s.run("SELECT 1");
    s.run("SET other v");
    s.run("SELECT 0");
    for (int attempt = 0; attempt < 2; attempt++) { // a failure at either parity
        size_t budget = 100000;
        auto failing = [](void *ctx, const void *, size_t len) -> int {
            size_t *left = static_cast<size_t *>(ctx);
            if (len > *left)
                return -EIO;
            *left -= len;
            return 0;
        };
        struct rdb_writer w;
        rdb_writer_init(&w, failing, &budget, false);
        EXPECT_EQ(rdb_snapshot_write(s.ks, &w, s.now_ms, nullptr, nullptr), -EIO);
        rdb_writer_release(&w);
        Store b(2, 4);
        ASSERT_EQ(load(b, save(s)), 0);
        EXPECT_EQ(b.run("DBSIZE"), ":20000\r\n") << "attempt " << attempt;
        EXPECT_EQ(b.run("GET key:12345"), "$11\r\nvalue-12345\r\n");
        b.run("SELECT 1");
        EXPECT_EQ(b.run("GET other"), "$1\r\nv\r\n");
    }
}

namespace
{

struct HookLog {
    int started = 0;
    int saved_before_start = 0;
    std::vector<std::pair<uint32_t, uint64_t>> saved; // (shard, seq) in order
};

std::map<uint32_t, uint64_t> snapshot_cuts(Store &s, HookLog &log)
{
    struct rdb_snapshot_hooks hooks = {[](void *ctx) { static_cast<HookLog *>(ctx)->started++; },
                                       [](void *ctx, uint32_t shard, uint64_t seq) {
                                           auto *l = static_cast<HookLog *>(ctx);
                                           l->saved_before_start += l->started == 0;
                                           l->saved.emplace_back(shard, seq);
                                       },
                                       &log, nullptr};
    struct rdb_writer w;
    rdb_writer_init(&w, nullptr, nullptr, false);
    EXPECT_EQ(rdb_snapshot_write(s.ks, &w, s.now_ms, nullptr, &hooks), 0);
    rdb_writer_release(&w);
    std::map<uint32_t, uint64_t> cuts;
    for (auto &[shard, seq] : log.saved)
        EXPECT_TRUE(cuts.emplace(shard, seq).second) << "shard " << shard << " saved twice";
    return cuts;
}

} // namespace

// The hooks an AOF rewrite cuts its log with: started once, before any shard
// is saved; every shard saved once, with its write sequence number then. One
// write between two snapshots moves exactly one shard's number.
TEST(Rdb, SnapshotHooksReportEachShardsCut)
{
    Store s(4, 8);
    s.run("SET a 1");
    HookLog first, second;
    std::map<uint32_t, uint64_t> before = snapshot_cuts(s, first);
    EXPECT_EQ(first.started, 1);
    EXPECT_EQ(first.saved_before_start, 0);
    EXPECT_GE(before.size(), 8u);
    s.run("SET a 2");
    std::map<uint32_t, uint64_t> after = snapshot_cuts(s, second);
    ASSERT_EQ(after.size(), before.size());
    int moved = 0;
    for (auto &[shard, seq] : after) {
        ASSERT_TRUE(before.count(shard));
        EXPECT_GE(seq, before[shard]);
        moved += seq != before[shard];
    }
    EXPECT_EQ(moved, 1);
}

// One snapshot at a time: a second, started while the first runs, waits for
// it instead of failing (a BGSAVE during an AOF rewrite), and both are whole.
TEST(Rdb, ConcurrentSnapshotsTakeTurns)
{
    Store s(4, 8);
    std::vector<std::string> filler = {"MSET"};
    for (int i = 0; i < 20000; i++) {
        filler.push_back("key:" + std::to_string(i));
        filler.push_back(std::string(20, 'v'));
    }
    s.run_argv(filler);
    std::string files[2];
    std::thread other([&] { files[1] = save(s); });
    files[0] = save(s);
    other.join();
    for (auto &file : files) {
        Store b(4, 8);
        ASSERT_EQ(load(b, file), 0);
        EXPECT_EQ(b.run("DBSIZE"), ":20000\r\n");
    }
}
