// The lock-free read path (store/shard_read.c): readers racing with every
// kind of writer on the same keys see whole values only, never a key a
// completed delete removed, never an older value than a completed write
// (linearizability spot checks), and the statistics stay exact. The
// deterministic tests at the end drive each fallback to the locked path.
// Under ASan a reader touching freed memory fails; under TSan a missing
// ordering does.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/keyspace_impl.h"
#include "store_harness.h"
#include "test/common/test_env.h"

extern "C" {
int store_test_peek_in_write_section(struct keyspace *ks, int db, const char *key, size_t len,
                                     int64_t now_ms);
int store_test_shard_rehashing(struct keyspace *ks, int db, const char *key, size_t len);
uint64_t store_test_read_stat(struct keyspace *ks, int which);
}

namespace
{

const int64_t kNow = 1700000000000LL;

std::string cmd(struct keyspace *ks, const std::vector<std::string> &argv, int64_t now = kNow)
{
    int db = 0;
    return run_on(ks, &db, now, argv);
}

// Values that check themselves, in every string representation: an integer
// (stored as a number), a short string (copied by readers) and a long one
// (referenced by readers).
std::string value_of(long i)
{
    std::string head = std::to_string(i);
    switch (i % 3) {
    case 0:
        return head;
    case 1:
        return head + ":" + std::string(40 - head.size(), (char)('a' + i % 26));
    default:
        return head + ":" + std::string(300 - head.size(), (char)('A' + i % 26));
    }
}

// The index a bulk reply carries, -1 for nil, -2 for anything that is not a
// whole value_of() (a torn or foreign value).
long index_of_data(const std::string &data)
{
    size_t digits = 0;
    while (digits < data.size() && isdigit((unsigned char)data[digits]))
        digits++;
    if (digits == 0 || digits > 12)
        return -2;
    long i = std::stol(data.substr(0, digits));
    return value_of(i) == data ? i : -2;
}

long index_of(const std::string &reply)
{
    if (reply == "$-1\r\n")
        return -1;
    size_t eol = reply.find("\r\n");
    if (reply.empty() || reply[0] != '$' || eol == std::string::npos)
        return -2;
    size_t len = std::stoul(reply.substr(1, eol - 1));
    if (reply.size() != eol + 2 + len + 2)
        return -2;
    return index_of_data(reply.substr(eol + 2, len));
}

// The elements of an MGET reply, as indexes.
std::vector<long> mget_indexes(const std::string &reply)
{
    std::vector<long> out;
    size_t eol = reply.find("\r\n");
    long n = std::stol(reply.substr(1, eol - 1));
    size_t pos = eol + 2;
    for (long i = 0; i < n; i++) {
        size_t e = reply.find("\r\n", pos);
        if (reply.compare(pos, 3, "$-1") == 0) {
            out.push_back(-1);
            pos = e + 2;
            continue;
        }
        size_t len = std::stoul(reply.substr(pos + 1, e - pos - 1));
        out.push_back(index_of_data(reply.substr(e + 2, len)));
        pos = e + 2 + len + 2;
    }
    return out;
}

struct Keyspace {
    struct keyspace *ks;
    explicit Keyspace(int shards = 8, int dbs = 4)
    {
        store_commands_init();
        struct keyspace_config cfg = {dbs, shards, 2};
        ks = keyspace_new(&cfg);
    }
    ~Keyspace()
    {
        keyspace_free(ks);
    }
    uint64_t stat(enum read_stat which) const
    {
        return store_test_read_stat(ks, which);
    }
};

} // namespace

// One writer per key replaces values of every representation; readers (GET,
// MGET, the direct API) see whole values, never going back in time.
TEST(LockFreeReads, ReadersSeeWholeValuesOnly)
{
    Keyspace k;
    const long rounds = test_scaled(100000, 5000);
    const int nkeys = 8;
    std::atomic<bool> stop{false};
    std::atomic<long> bad{0}, reads{0};
    std::thread writer([&] {
        for (long i = 1; i <= rounds; i++)
            for (int j = 0; j < nkeys; j++)
                ASSERT_EQ(cmd(k.ks, {"SET", "key" + std::to_string(j), value_of(i)}), "+OK\r\n");
        stop = true;
    });
    auto reader = [&](int kind) {
        std::vector<long> last(nkeys, -1);
        long n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            int j = (int)(n % nkeys);
            std::string key = "key" + std::to_string(j);
            long idx;
            if (kind == 0) {
                idx = index_of(cmd(k.ks, {"GET", key}));
            } else {
                struct bytes *b = nullptr;
                int rc = keyspace_get(k.ks, 0, key.data(), key.size(), kNow, &b);
                idx = rc == -ENOENT ? -1
                      : rc != 0     ? -2
                                    : index_of_data(std::string(b->data, b->len));
                bytes_unref(b);
            }
            if (idx == -2 || idx < last[j])
                bad++;
            last[j] = idx;
            n++;
        }
        reads += n;
    };
    std::thread r1(reader, 0), r2(reader, 1);
    writer.join();
    r1.join();
    r2.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(reads.load(), 0);
}

// A key removed by a command that has returned (DEL, UNLINK, GETDEL, an
// expiry time in the past) is never read again, and a value a completed SET
// wrote is never replaced by an older one in a later read.
TEST(LockFreeReads, CompletedDeletesAndSetsAreVisible)
{
    Keyspace k;
    const long rounds = test_scaled(40000, 2000);
    std::atomic<long> phase{0}; // 2i+1: round i's SET returned; 2i+2: its delete returned
    std::atomic<bool> stop{false};
    std::atomic<long> bad{0}, reads{0};
    std::thread writer([&] {
        for (long i = 0; i < rounds; i++) {
            ASSERT_EQ(cmd(k.ks, {"SET", "k", value_of(i)}), "+OK\r\n");
            phase.store(2 * i + 1, std::memory_order_release);
            std::string r;
            switch (i % 4) {
            case 0:
                r = cmd(k.ks, {"DEL", "k"});
                break;
            case 1:
                r = cmd(k.ks, {"UNLINK", "k"});
                break;
            case 2:
                r = cmd(k.ks, {"GETDEL", "k"});
                r = index_of(r) == i ? ":1\r\n" : r;
                break;
            default:
                r = cmd(k.ks, {"PEXPIREAT", "k", "1"});
            }
            ASSERT_EQ(r, ":1\r\n");
            phase.store(2 * i + 2, std::memory_order_release);
        }
        stop = true;
    });
    auto reader = [&](int kind) {
        long n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            long p = phase.load(std::memory_order_acquire);
            long idx;
            if (kind == 0) {
                idx = index_of(cmd(k.ks, {"GET", "k"}));
            } else {
                std::vector<long> v = mget_indexes(cmd(k.ks, {"MGET", "k", "other"}));
                idx = v.size() == 2 && v[1] == -1 ? v[0] : -2;
            }
            if (idx == -2)
                bad++;
            else if (p % 2 == 1 && idx != -1 && idx < (p - 1) / 2)
                bad++; // older than the SET that returned
            else if (p % 2 == 0 && p > 0 && idx != -1 && idx < p / 2)
                bad++; // the deleted value (or older) came back
            n++;
        }
        reads += n;
    };
    std::thread r1(reader, 0), r2(reader, 1);
    writer.join();
    r1.join();
    r2.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(reads.load(), 0);
}

// EXPIRE reallocates an entry to give it a TTL slot, RENAME moves it to
// another entry (and shard): readers see the value whole, the key in exactly
// one place, and a sane TTL.
TEST(LockFreeReads, ExpireAndRenameKeepKeysWhole)
{
    Keyspace k(16);
    const long rounds = test_scaled(20000, 1000);
    ASSERT_EQ(cmd(k.ks, {"SET", "left", value_of(0)}), "+OK\r\n");
    std::atomic<bool> stop{false};
    std::atomic<long> bad{0}, reads{0};
    std::thread writer([&] {
        for (long i = 1; i <= rounds; i++) {
            ASSERT_EQ(cmd(k.ks, {"SET", "left", value_of(i)}), "+OK\r\n");
            ASSERT_EQ(cmd(k.ks, {"PEXPIRE", "left", "100000"}), ":1\r\n");
            ASSERT_EQ(cmd(k.ks, {"RENAME", "left", "right"}), "+OK\r\n");
            ASSERT_EQ(cmd(k.ks, {"PERSIST", "right"}), ":1\r\n");
            ASSERT_EQ(cmd(k.ks, {"RENAME", "right", "left"}), "+OK\r\n");
        }
        stop = true;
    });
    auto reader = [&] {
        long n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            std::vector<long> v = mget_indexes(cmd(k.ks, {"MGET", "left", "right"}));
            if (v.size() != 2 || (v[0] == -1) == (v[1] == -1) || v[0] == -2 || v[1] == -2)
                bad++;
            if (cmd(k.ks, {"EXISTS", "left", "right"}) != ":1\r\n")
                bad++;
            std::string ttl = cmd(k.ks, {"PTTL", "left"});
            if (ttl != ":-2\r\n" && ttl != ":-1\r\n" && ttl != ":100000\r\n")
                bad++;
            if (index_of(cmd(k.ks, {"GET", "left"})) == -2)
                bad++;
            n++;
        }
        reads += n;
    };
    std::thread r1(reader), r2(reader);
    writer.join();
    r1.join();
    r2.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(reads.load(), 0);
}

// FLUSHDB frees whole tables while readers may be inside them; once it has
// returned, none of the flushed values is read again.
TEST(LockFreeReads, FlushdbWhileReading)
{
    Keyspace k(4);
    const long rounds = test_scaled(3000, 200);
    std::atomic<long> flushed{-1}; // the last round whose FLUSHDB returned
    std::atomic<bool> stop{false};
    std::atomic<long> bad{0}, reads{0};
    std::thread writer([&] {
        for (long i = 0; i < rounds; i++) {
            std::vector<std::string> argv = {"MSET"};
            for (int j = 0; j < 40; j++) {
                argv.push_back("f" + std::to_string(j));
                argv.push_back(value_of(i));
            }
            ASSERT_EQ(cmd(k.ks, argv), "+OK\r\n");
            ASSERT_EQ(cmd(k.ks, {"FLUSHDB"}), "+OK\r\n");
            flushed.store(i, std::memory_order_release);
        }
        stop = true;
    });
    auto reader = [&] {
        long n = 0;
        std::mt19937 rng(42);
        while (!stop.load(std::memory_order_relaxed)) {
            long f = flushed.load(std::memory_order_acquire);
            std::string key = "f" + std::to_string(rng() % 40);
            long idx = index_of(cmd(k.ks, {"GET", key}));
            if (idx == -2 || (idx != -1 && idx <= f))
                bad++;
            n++;
        }
        reads += n;
    };
    std::thread r1(reader), r2(reader);
    writer.join();
    r1.join();
    r2.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(reads.load(), 0);
}

// Tables grow and shrink (incremental rehashes) under churn; keys that are
// never deleted are always found, with their value.
TEST(LockFreeReads, StableKeysSurviveRehashing)
{
    Keyspace k(2);
    const int stable = 300;
    for (int i = 0; i < stable; i++)
        ASSERT_EQ(cmd(k.ks, {"SET", "stable:" + std::to_string(i), value_of(i)}), "+OK\r\n");
    const long rounds = test_scaled(20, 3);
    std::atomic<bool> stop{false};
    std::atomic<long> bad{0}, reads{0};
    std::thread churn([&] {
        for (long r = 0; r < rounds; r++) {
            for (int i = 0; i < 4000; i++)
                cmd(k.ks, {"SET", "tmp:" + std::to_string(i), value_of(i)});
            for (int i = 0; i < 4000; i++)
                cmd(k.ks, {"DEL", "tmp:" + std::to_string(i)});
        }
        stop = true;
    });
    auto reader = [&](unsigned seed) {
        std::mt19937 rng(seed);
        long n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            long i = (long)(rng() % stable);
            if (index_of(cmd(k.ks, {"GET", "stable:" + std::to_string(i)})) != i)
                bad++;
            n++;
        }
        reads += n;
    };
    std::thread r1(reader, 1), r2(reader, 2);
    churn.join();
    r1.join();
    r2.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(reads.load(), 0);
}

// keyspace_hits / keyspace_misses stay exact with the counts spread over
// per-thread slots, lock-free or not.
TEST(LockFreeReads, HitsAndMissesAreExact)
{
    Keyspace k;
    for (int i = 0; i < 100; i++)
        cmd(k.ks, {"SET", "h" + std::to_string(i), "v"});
    struct keyspace_stats before;
    keyspace_stats(k.ks, &before);
    const int threads = 4;
    const long per = test_scaled(20000, 1000);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; t++)
        ts.emplace_back([&, t] {
            for (long i = 0; i < per; i++) {
                cmd(k.ks, {"GET", "h" + std::to_string((i + t) % 100)}); // hit
                cmd(k.ks, {"GET", "missing" + std::to_string(i % 7)});   // miss
                if (i % 100 == 0)
                    cmd(k.ks, {"SET", "h" + std::to_string(i % 100), "w"}); // writers too
            }
        });
    for (auto &t : ts)
        t.join();
    struct keyspace_stats after;
    keyspace_stats(k.ks, &after);
    EXPECT_EQ(after.keyspace_hits - before.keyspace_hits, (uint64_t)(threads * per));
    EXPECT_EQ(after.keyspace_misses - before.keyspace_misses, (uint64_t)(threads * per));
}

// ---- each fallback, deterministically ----

TEST(LockFreeFallback, PlainReadsNeedNoLock)
{
    Keyspace k;
    cmd(k.ks, {"SET", "k", "v"});
    struct lock_stats locks_before;
    keyspace_lock_stats(k.ks, &locks_before);
    uint64_t free_before = k.stat(READ_STAT_LOCK_FREE), fall_before = k.stat(READ_STAT_FALLBACK);
    EXPECT_EQ(cmd(k.ks, {"GET", "k"}), "$1\r\nv\r\n");
    EXPECT_EQ(cmd(k.ks, {"GET", "nothing"}), "$-1\r\n");
    EXPECT_EQ(cmd(k.ks, {"MGET", "k", "nothing"}), "*2\r\n$1\r\nv\r\n$-1\r\n");
    EXPECT_EQ(cmd(k.ks, {"EXISTS", "k", "nothing", "k"}), ":2\r\n");
    EXPECT_EQ(cmd(k.ks, {"STRLEN", "k"}), ":1\r\n");
    EXPECT_EQ(cmd(k.ks, {"TTL", "k"}), ":-1\r\n");
    EXPECT_EQ(cmd(k.ks, {"TYPE", "k"}), "+string\r\n");
    struct bytes *b = nullptr;
    ASSERT_EQ(keyspace_get(k.ks, 0, "k", 1, kNow, &b), 0);
    bytes_unref(b);
    struct lock_stats locks_after;
    keyspace_lock_stats(k.ks, &locks_after);
    EXPECT_EQ(locks_after.acquisitions, locks_before.acquisitions);
    EXPECT_EQ(k.stat(READ_STAT_LOCK_FREE) - free_before, 8u);
    EXPECT_EQ(k.stat(READ_STAT_FALLBACK), fall_before);
}

TEST(LockFreeFallback, WriterInsideItsSection)
{
    Keyspace k;
    cmd(k.ks, {"SET", "k", "v"});
    uint64_t before = k.stat(READ_STAT_FALLBACK);
    EXPECT_EQ(store_test_peek_in_write_section(k.ks, 0, "k", 1, kNow), (int)PEEK_LOCK);
    EXPECT_EQ(k.stat(READ_STAT_FALLBACK) - before, 1u);
    // The section ended with the guard: reads are lock-free again.
    uint64_t free_before = k.stat(READ_STAT_LOCK_FREE);
    EXPECT_EQ(cmd(k.ks, {"GET", "k"}), "$1\r\nv\r\n");
    EXPECT_EQ(k.stat(READ_STAT_LOCK_FREE) - free_before, 1u);
}

TEST(LockFreeFallback, ExpiredKeyIsReclaimedUnderTheLock)
{
    Keyspace k;
    cmd(k.ks, {"SET", "k", "v", "PX", "10"});
    struct keyspace_stats st0;
    keyspace_stats(k.ks, &st0);
    uint64_t before = k.stat(READ_STAT_FALLBACK);
    EXPECT_EQ(cmd(k.ks, {"GET", "k"}, kNow + 5), "$1\r\nv\r\n");
    EXPECT_EQ(cmd(k.ks, {"GET", "k"}, kNow + 20), "$-1\r\n");
    EXPECT_EQ(k.stat(READ_STAT_FALLBACK) - before, 1u);
    struct keyspace_stats st1;
    keyspace_stats(k.ks, &st1);
    EXPECT_EQ(st1.expired_keys - st0.expired_keys, 1u);
    EXPECT_EQ(st1.keyspace_hits - st0.keyspace_hits, 1u);
    EXPECT_EQ(st1.keyspace_misses - st0.keyspace_misses, 1u);
    EXPECT_EQ(cmd(k.ks, {"DBSIZE"}), ":0\r\n");
}

TEST(LockFreeFallback, RehashingShardUsesTheLockUntilDone)
{
    Keyspace k(1, 1);
    // Insert until the (only) shard's table starts growing.
    int n = 0;
    do {
        cmd(k.ks, {"SET", "g" + std::to_string(n), value_of(n)});
        n++;
    } while (!store_test_shard_rehashing(k.ks, 0, "g0", 2));
    uint64_t before = k.stat(READ_STAT_FALLBACK);
    EXPECT_EQ(index_of(cmd(k.ks, {"GET", "g0"})), 0);
    EXPECT_EQ(k.stat(READ_STAT_FALLBACK) - before, 1u);
    // Locked lookups move the rehash along; then reads are lock-free.
    for (int i = 0; i < 10 * n && store_test_shard_rehashing(k.ks, 0, "g0", 2); i++)
        ASSERT_EQ(index_of(cmd(k.ks, {"GET", "g" + std::to_string(i % n)})), i % n);
    ASSERT_FALSE(store_test_shard_rehashing(k.ks, 0, "g0", 2));
    uint64_t free_before = k.stat(READ_STAT_LOCK_FREE);
    for (int i = 0; i < n; i++)
        ASSERT_EQ(index_of(cmd(k.ks, {"GET", "g" + std::to_string(i)})), i);
    EXPECT_EQ(k.stat(READ_STAT_LOCK_FREE) - free_before, (uint64_t)n);
}

TEST(LockFreeFallback, GrowableStringIsReadUnderTheLock)
{
    Keyspace k;
    cmd(k.ks, {"APPEND", "k", "abc"});
    cmd(k.ks, {"APPEND", "k", "def"}); // now a growable buffer
    uint64_t before = k.stat(READ_STAT_FALLBACK);
    EXPECT_EQ(cmd(k.ks, {"GET", "k"}), "$6\r\nabcdef\r\n");
    EXPECT_EQ(cmd(k.ks, {"STRLEN", "k"}), ":6\r\n");
    EXPECT_EQ(cmd(k.ks, {"MGET", "k"}), "*1\r\n$6\r\nabcdef\r\n");
    EXPECT_EQ(k.stat(READ_STAT_FALLBACK) - before, 3u);
    // Its type and TTL do not need the buffer.
    EXPECT_EQ(cmd(k.ks, {"TYPE", "k"}), "+string\r\n");
    EXPECT_EQ(k.stat(READ_STAT_FALLBACK) - before, 3u);
}

TEST(LockFreeFallback, WrongTypeIsAnsweredLockFree)
{
    Store s;
    s.make_list("l");
    EXPECT_EQ(s.run("GET l"), kWrongType);
    EXPECT_EQ(s.run("STRLEN l"), kWrongType);
    EXPECT_EQ(s.run("MGET l"), "*1\r\n$-1\r\n");
    EXPECT_EQ(s.run("TYPE l"), "+list\r\n");
    struct keyspace_stats st;
    keyspace_stats(s.ks, &st);
    EXPECT_EQ(st.keyspace_hits, 4u);
}

// GET moves the LRU clock without the lock (at its 1-second resolution);
// EXISTS, TTL and TYPE leave it alone, as in Redis.
TEST(LockFreeFallback, LruClockAsRedis)
{
    Store s;
    s.now_ms = kNow;
    s.run("SET k v");
    s.now_ms = kNow + 10000;
    EXPECT_EQ(s.run("OBJECT IDLETIME k"), ":10\r\n");
    s.run("EXISTS k");
    s.run("TTL k");
    s.run("TYPE k");
    EXPECT_EQ(s.run("OBJECT IDLETIME k"), ":10\r\n");
    s.run("GET k");
    s.now_ms = kNow + 15000;
    EXPECT_EQ(s.run("OBJECT IDLETIME k"), ":5\r\n");
    s.run("MGET k");
    s.now_ms = kNow + 17000;
    EXPECT_EQ(s.run("OBJECT IDLETIME k"), ":2\r\n");
}
