// The keyspace under concurrent commands: no lost updates, no torn
// multi-key writes, SCAN completeness while tables change, active expiry
// while writers run. Plain threads call the command table directly.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store_harness.h"
#include "test/common/test_env.h"

namespace
{

const int kThreads = 4;
const int64_t kNow = 1700000000000LL;

std::string cmd(struct keyspace *ks, const std::vector<std::string> &argv, int db = 0)
{
    return run_on(ks, &db, kNow, argv);
}

std::string bulk(const std::string &v)
{
    return "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
}

struct Keyspace {
    struct keyspace *ks;
    explicit Keyspace(int shards = 8, int dbs = 16)
    {
        store_commands_init();
        struct keyspace_config cfg = {dbs, shards, kThreads};
        ks = keyspace_new(&cfg);
    }
    ~Keyspace()
    {
        keyspace_free(ks);
    }
};

} // namespace

TEST(StoreConcurrency, IncrOnOneKeyLosesNothing)
{
    Keyspace k;
    const long per_thread = test_scaled(50000, 2000);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++)
        threads.emplace_back([&] {
            for (long i = 0; i < per_thread; i++)
                ASSERT_EQ(cmd(k.ks, {"INCR", "counter"})[0], ':');
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(cmd(k.ks, {"GET", "counter"}), bulk(std::to_string(per_thread * kThreads)));
    struct lock_stats st;
    keyspace_lock_stats(k.ks, &st);
    EXPECT_GE(st.acquisitions, (uint64_t)(per_thread * kThreads));
}

// Each thread owns its own keys (checked against a private model) and also
// bumps shared counters (checked by sum) with random commands.
TEST(StoreConcurrency, RandomCommandsMatchModel)
{
    Keyspace k(4);
    const long ops = test_scaled(40000, 2000);
    const int shared = 16;
    std::vector<std::map<std::string, std::string>> models(kThreads);
    std::vector<std::vector<long>> shared_adds(kThreads, std::vector<long>(shared));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++)
        threads.emplace_back([&, t] {
            std::mt19937 rng(t * 7919 + 1);
            auto &model = models[t];
            for (long i = 0; i < ops; i++) {
                std::string key = "t" + std::to_string(t) + ":" + std::to_string(rng() % 64);
                switch (rng() % 6) {
                case 0: {
                    std::string v = "v" + std::to_string(rng() % 1000);
                    ASSERT_EQ(cmd(k.ks, {"SET", key, v}), "+OK\r\n");
                    model[key] = v;
                    break;
                }
                case 1:
                    ASSERT_EQ(cmd(k.ks, {"DEL", key}), model.erase(key) ? ":1\r\n" : ":0\r\n");
                    break;
                case 2: {
                    std::string r = cmd(k.ks, {"APPEND", key, "x"});
                    model[key] += "x";
                    ASSERT_EQ(r, ":" + std::to_string(model[key].size()) + "\r\n");
                    break;
                }
                case 3: {
                    auto it = model.find(key);
                    ASSERT_EQ(cmd(k.ks, {"GET", key}),
                              it == model.end() ? std::string("$-1\r\n") : bulk(it->second));
                    break;
                }
                case 4: {
                    // Rename within the thread's own keys.
                    std::string dst = "t" + std::to_string(t) + ":" + std::to_string(rng() % 64);
                    auto it = model.find(key);
                    std::string r = cmd(k.ks, {"RENAME", key, dst});
                    if (it == model.end()) {
                        ASSERT_EQ(r, "-ERR no such key\r\n");
                    } else {
                        ASSERT_EQ(r, "+OK\r\n");
                        std::string v = it->second;
                        model.erase(it);
                        model[dst] = v;
                    }
                    break;
                }
                default: {
                    int c = (int)(rng() % shared);
                    ASSERT_EQ(cmd(k.ks, {"INCRBY", "shared:" + std::to_string(c), "3"})[0], ':');
                    shared_adds[t][c] += 3;
                }
                }
            }
        });
    for (auto &t : threads)
        t.join();
    size_t expected_keys = 0;
    for (int t = 0; t < kThreads; t++) {
        for (int i = 0; i < 64; i++) {
            std::string key = "t" + std::to_string(t) + ":" + std::to_string(i);
            auto it = models[t].find(key);
            EXPECT_EQ(cmd(k.ks, {"GET", key}),
                      it == models[t].end() ? std::string("$-1\r\n") : bulk(it->second));
        }
        expected_keys += models[t].size();
    }
    for (int c = 0; c < shared; c++) {
        long sum = 0;
        for (int t = 0; t < kThreads; t++)
            sum += shared_adds[t][c];
        if (sum) {
            EXPECT_EQ(cmd(k.ks, {"GET", "shared:" + std::to_string(c)}), bulk(std::to_string(sum)));
        }
        expected_keys += sum ? 1 : 0;
    }
    EXPECT_EQ(cmd(k.ks, {"DBSIZE"}), ":" + std::to_string(expected_keys) + "\r\n");
}

// Writers MSET all keys (spread over shards) to one value; readers must
// always see one value across all of them.
TEST(StoreConcurrency, MsetIsNeverTorn)
{
    Keyspace k(16);
    const int nkeys = 12;
    const long rounds = test_scaled(20000, 1000);
    std::atomic<bool> stop{false};
    std::atomic<long> torn{0}, reads{0};
    auto mset = [&](int writer) {
        for (long i = 0; i < rounds; i++) {
            std::vector<std::string> argv = {"MSET"};
            std::string v = std::to_string(writer) + ":" + std::to_string(i);
            for (int j = 0; j < nkeys; j++) {
                argv.push_back("key" + std::to_string(j));
                argv.push_back(v);
            }
            ASSERT_EQ(cmd(k.ks, argv), "+OK\r\n");
        }
    };
    auto reader = [&] {
        std::vector<std::string> argv = {"MGET"};
        for (int j = 0; j < nkeys; j++)
            argv.push_back("key" + std::to_string(j));
        while (!stop.load()) {
            std::string r = cmd(k.ks, argv);
            // All 12 bulk strings identical: compare each to the first.
            size_t first = r.find("\r\n") + 2;
            size_t end1 = r.find("\r\n", r.find("\r\n", first) + 2) + 2;
            std::string one = r.substr(first, end1 - first);
            for (size_t p = end1; p < r.size(); p += one.size())
                if (r.compare(p, one.size(), one) != 0) {
                    torn++;
                    break;
                }
            reads++;
        }
    };
    std::thread w1(mset, 1), w2(mset, 2), r1(reader), r2(reader);
    w1.join();
    w2.join();
    stop = true;
    r1.join();
    r2.join();
    EXPECT_EQ(torn.load(), 0);
    EXPECT_GT(reads.load(), 0);
}

// RENAME moves a key between shards atomically: EXISTS a b is always 1.
TEST(StoreConcurrency, RenameIsAtomic)
{
    Keyspace k(16);
    cmd(k.ks, {"SET", "left", "value"});
    const long rounds = test_scaled(20000, 1000);
    std::atomic<bool> stop{false};
    std::atomic<long> bad{0};
    std::thread mover([&] {
        for (long i = 0; i < rounds; i++) {
            ASSERT_EQ(cmd(k.ks, {"RENAME", "left", "right"}), "+OK\r\n");
            ASSERT_EQ(cmd(k.ks, {"RENAME", "right", "left"}), "+OK\r\n");
        }
        stop = true;
    });
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; t++)
        readers.emplace_back([&] {
            while (!stop.load()) {
                if (cmd(k.ks, {"EXISTS", "left", "right"}) != ":1\r\n")
                    bad++;
                std::string r = cmd(k.ks, {"MGET", "left", "right"});
                if (r != "*2\r\n$5\r\nvalue\r\n$-1\r\n" && r != "*2\r\n$-1\r\n$5\r\nvalue\r\n")
                    bad++;
            }
        });
    mover.join();
    for (auto &t : readers)
        t.join();
    EXPECT_EQ(bad.load(), 0);
}

// Full SCANs while other threads add and delete keys (forcing rehashes and
// shrinks): every stable key is in every complete scan.
TEST(StoreConcurrency, ScanSeesStableKeysDuringChurn)
{
    Keyspace k(4);
    const int stable = 2000;
    for (int i = 0; i < stable; i++)
        cmd(k.ks, {"SET", "stable:" + std::to_string(i), "v"});
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int t = 0; t < 2; t++)
        writers.emplace_back([&, t] {
            long round = 0;
            while (!stop.load()) {
                for (int i = 0; i < 3000; i++)
                    cmd(k.ks, {"SET", "tmp" + std::to_string(t) + ":" + std::to_string(i), "v"});
                for (int i = 0; i < 3000; i++)
                    cmd(k.ks, {"DEL", "tmp" + std::to_string(t) + ":" + std::to_string(i)});
                round++;
            }
        });
    const int scans = (int)test_scaled(20, 3);
    for (int s = 0; s < scans; s++) {
        std::set<std::string> seen;
        std::string cursor = "0";
        do {
            std::string r = cmd(k.ks, {"SCAN", cursor, "COUNT", "50"});
            size_t pos = r.find("\r\n") + 2; // after *2
            size_t eol = r.find("\r\n", pos);
            size_t len = std::stoul(r.substr(pos + 1, eol - pos - 1));
            cursor = r.substr(eol + 2, len);
            pos = eol + 2 + len + 2;
            eol = r.find("\r\n", pos);
            long n = std::stol(r.substr(pos + 1, eol - pos - 1));
            pos = eol + 2;
            for (long i = 0; i < n; i++) {
                eol = r.find("\r\n", pos);
                size_t klen = std::stoul(r.substr(pos + 1, eol - pos - 1));
                seen.insert(r.substr(eol + 2, klen));
                pos = eol + 2 + klen + 2;
            }
        } while (cursor != "0");
        for (int i = 0; i < stable; i++)
            ASSERT_TRUE(seen.count("stable:" + std::to_string(i))) << "scan " << s << " key " << i;
    }
    stop = true;
    for (auto &t : writers)
        t.join();
}

// SWAPDB and FLUSHDB race with MSET/MGET: readers in db 0 never see a torn
// state, and after the dust settles every database is coherent.
TEST(StoreConcurrency, SwapdbAndFlushAreAtomic)
{
    Keyspace k(8, 4);
    const long rounds = test_scaled(5000, 300);
    std::atomic<bool> stop{false};
    std::atomic<long> torn{0};
    std::thread writer([&] {
        for (long i = 0; i < rounds; i++) {
            std::string v = std::to_string(i);
            cmd(k.ks, {"MSET", "a", v, "b", v, "c", v, "d", v});
        }
        stop = true;
    });
    std::thread swapper([&] {
        long i = 0;
        while (!stop.load()) {
            ASSERT_EQ(cmd(k.ks, {"SWAPDB", "0", "1"}), "+OK\r\n");
            if (++i % 50 == 0) {
                ASSERT_EQ(cmd(k.ks, {"FLUSHDB"}, 1), "+OK\r\n");
            }
        }
    });
    std::thread reader([&] {
        while (!stop.load()) {
            std::string r = cmd(k.ks, {"MGET", "a", "b", "c", "d"});
            size_t first = r.find("\r\n") + 2;
            std::string one =
                r.substr(first, r.find("\r\n", r.find("\r\n", first) + 2) + 2 - first);
            for (size_t p = first; p < r.size(); p += one.size())
                if (r.compare(p, one.size(), one) != 0) {
                    torn++;
                    break;
                }
        }
    });
    writer.join();
    swapper.join();
    reader.join();
    EXPECT_EQ(torn.load(), 0);
}

// Active expiry reclaims keys while writers keep adding short-lived ones.
TEST(StoreConcurrency, ActiveExpiryWhileWritersRun)
{
    Keyspace k(8, 1);
    std::atomic<bool> stop{false};
    const long per_writer = test_scaled(20000, 1000);
    std::vector<std::thread> writers;
    for (int t = 0; t < 2; t++)
        writers.emplace_back([&, t] {
            for (long i = 0; i < per_writer; i++) {
                int db = 0;
                run_on(k.ks, &db, clock_unix_ms(),
                       {"SET", "w" + std::to_string(t) + ":" + std::to_string(i), "v", "PX", "20"});
                run_on(k.ks, &db, clock_unix_ms(),
                       {"SET", "keep" + std::to_string(t) + ":" + std::to_string(i % 100), "v"});
            }
        });
    std::atomic<uint64_t> reclaimed{0};
    std::thread expirer([&] {
        while (!stop.load())
            reclaimed += keyspace_expire_cycle(k.ks, clock_unix_ms(), 2000000);
    });
    for (auto &t : writers)
        t.join();
    // Let everything come due, then keep cycling until only the keepers remain.
    int64_t deadline = clock_unix_ms() + 20000;
    struct keyspace_db_stats db;
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        keyspace_db_stats(k.ks, 0, &db);
    } while (db.keys > 200 && clock_unix_ms() < deadline);
    stop = true;
    expirer.join();
    EXPECT_EQ(db.keys, 200u);
    EXPECT_EQ(db.expires, 0u);
    EXPECT_GT(reclaimed.load(), 0u);
    struct keyspace_stats st;
    keyspace_stats(k.ks, &st);
    EXPECT_EQ(st.expired_keys, (uint64_t)(2 * per_writer)); // nothing was read: all active
}
