// Bitmaps and HyperLogLog under concurrent commands (run under TSan with
// `make tests SAN=thread`): bit writes on one key lose nothing, BITOP reads
// its sources at one instant across shards, PFADDs from every thread give
// the registers one thread would, with readers holding the value.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store_harness.h"
#include "test/common/test_env.h"

namespace
{

const int kThreads = 4;
const int64_t kNow = 1700000000000LL;

std::string cmd(struct keyspace *ks, const std::vector<std::string> &argv)
{
    int db = 0;
    return run_on(ks, &db, kNow, argv);
}

struct Keyspace {
    struct keyspace *ks;
    Keyspace()
    {
        store_commands_init();
        struct keyspace_config cfg = {16, 8, kThreads};
        ks = keyspace_new(&cfg);
    }
    ~Keyspace()
    {
        keyspace_free(ks);
    }
};

template <typename F> void in_threads(F body)
{
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++)
        threads.emplace_back(body, t);
    for (auto &th : threads)
        th.join();
}

} // namespace

// SETBIT and BITFIELD INCRBY on one key from every thread, with readers
// copying it meanwhile (so writes must copy a shared buffer, not edit it).
TEST(BitmapConcurrency, BitWritesOnOneKeyLoseNothing)
{
    Keyspace k;
    const long per_thread = test_scaled(20000, 1000);
    in_threads([&](int t) {
        for (long i = 0; i < per_thread; i++) {
            long bit = 64 + i * kThreads + t;
            ASSERT_EQ(cmd(k.ks, {"SETBIT", "bm", std::to_string(bit), "1"}), ":0\r\n");
            ASSERT_EQ(cmd(k.ks, {"BITFIELD", "bm", "INCRBY", "u32", "0", "1"})[0], '*');
            if (i % 64 == 0) {
                ASSERT_EQ(cmd(k.ks, {"GET", "bm"})[0], '$');
            }
        }
    });
    EXPECT_EQ(cmd(k.ks, {"BITCOUNT", "bm", "8", "-1"}),
              ":" + std::to_string(per_thread * kThreads) + "\r\n");
    EXPECT_EQ(cmd(k.ks, {"BITFIELD", "bm", "GET", "u32", "0"}),
              "*1\r\n:" + std::to_string(per_thread * kThreads) + "\r\n");
}

// Writers MSET two keys (on different shards) to one random value; BITOP
// XOR of the two must then always be all zeros: it never sees half an MSET.
TEST(BitmapConcurrency, BitopReadsItsSourcesAtOneInstant)
{
    Keyspace k;
    const long rounds = test_scaled(20000, 1000);
    in_threads([&](int t) {
        std::mt19937 rng(t + 1);
        std::string dest = "x" + std::to_string(t);
        for (long i = 0; i < rounds; i++) {
            if (t % 2 == 0) {
                std::string v(1 + rng() % 40, '\0');
                for (auto &ch : v)
                    ch = (char)rng();
                ASSERT_EQ(cmd(k.ks, {"MSET", "a", v, "b", v}), "+OK\r\n");
            } else {
                std::string r = cmd(k.ks, {"BITOP", "XOR", dest, "a", "b"});
                ASSERT_EQ(r[0], ':');
                ASSERT_EQ(cmd(k.ks, {"BITCOUNT", dest}), ":0\r\n") << "a torn read";
            }
        }
    });
}

// PFADD of disjoint elements from two threads into a dense HLL while two
// others keep reading its buffer (a dense HLL is edited in place only when
// nobody holds it: under TSan a reader copying a buffer being edited is a
// race): the same count as one thread adding them all (registers are a
// max, whatever the order).
TEST(BitmapConcurrency, PfaddWhileReadersHoldTheValue)
{
    Keyspace k;
    const long per_thread = test_scaled(20000, 2000);
    auto element = [](int t, long i) { return "e" + std::to_string(t) + ":" + std::to_string(i); };
    std::vector<std::string> seed = {"PFADD", "h"};
    for (int i = 0; i < 3000; i++)
        seed.push_back("seed" + std::to_string(i));
    cmd(k.ks, seed);
    ASSERT_EQ(cmd(k.ks, {"PFDEBUG", "ENCODING", "h"}), "+dense\r\n");
    std::atomic<int> writing{2};
    in_threads([&](int t) {
        if (t >= 2) {
            while (writing.load() > 0)
                ASSERT_EQ(cmd(k.ks, {"GET", "h"}).substr(0, 7), "$12304\r");
            return;
        }
        for (long i = 0; i < per_thread; i++)
            ASSERT_EQ(cmd(k.ks, {"PFADD", "h", element(t, i)})[0], ':');
        writing--;
    });
    for (int i = 0; i < 3000; i++)
        cmd(k.ks, {"PFADD", "ref", "seed" + std::to_string(i)});
    for (int t = 0; t < 2; t++)
        for (long i = 0; i < per_thread; i++)
            cmd(k.ks, {"PFADD", "ref", element(t, i)});
    EXPECT_EQ(cmd(k.ks, {"PFCOUNT", "h"}), cmd(k.ks, {"PFCOUNT", "ref"}));
    EXPECT_EQ(cmd(k.ks, {"PFCOUNT", "h", "ref"}), cmd(k.ks, {"PFCOUNT", "ref"}));
}
