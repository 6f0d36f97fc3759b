// The shard table on its own: SipHash vectors, find/insert/unlink through
// incremental rehashing, shrinking, the SCAN cursor guarantee, random picks,
// and allocation failure while growing.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/alloc.h"
#include "store/hash.h"
#include "store/table.h"

namespace
{

struct Table {
    struct table t;
    Table()
    {
        table_init(&t);
    }
    ~Table()
    {
        table_clear(&t);
    }

    bool insert(const std::string &key)
    {
        struct entry *e = entry_new(key.data(), key.size(), false);
        if (!e)
            return false;
        if (table_insert(&t, hash_key(key.data(), key.size()), e) != 0) {
            entry_free(e);
            return false;
        }
        return true;
    }
    struct entry *find(const std::string &key, struct table_pos *pos = nullptr)
    {
        return table_find(&t, hash_key(key.data(), key.size()), key.data(), key.size(), pos);
    }
    bool remove(const std::string &key)
    {
        struct table_pos pos;
        if (!find(key, &pos))
            return false;
        entry_free(table_unlink(&t, pos));
        return true;
    }
};

// Bucket bytes of a table with the minimum 4 buckets (plus the array's
// alignment and bookkeeping).
uint64_t min_bucket_bytes()
{
    Table t;
    EXPECT_EQ(table_reserve(&t.t), 0);
    return table_bucket_bytes(&t.t);
}

std::string key_of(int i)
{
    return "key:" + std::to_string(i);
}

void collect(void *ctx, struct entry *e)
{
    static_cast<std::vector<std::string> *>(ctx)->emplace_back(entry_key(e), (size_t)e->key_len);
}

} // namespace

TEST(SipHash, ReferenceVectors24)
{
    // The SipHash paper's vectors: key 00..0f, message 00..(n-1), SipHash-2-4.
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    EXPECT_EQ(hash_siphash(key, msg, 0, 2, 4), 0x726fdb47dd0e0e31ULL);
    EXPECT_EQ(hash_siphash(key, msg, 1, 2, 4), 0x74f839c593dc67fdULL);
    EXPECT_EQ(hash_siphash(key, msg, 2, 2, 4), 0x0d6c8009d9a94f5aULL);
    EXPECT_EQ(hash_siphash(key, msg, 15, 2, 4), 0xa129ca6149be45e5ULL);
}

TEST(SipHash, KeyedAndBinarySafe)
{
    uint8_t a[16] = {1}, b[16] = {2};
    EXPECT_NE(hash_siphash(a, "k", 1, 1, 3), hash_siphash(b, "k", 1, 1, 3));
    EXPECT_NE(hash_key("a\0b", 3), hash_key("a\0c", 3));
    EXPECT_EQ(hash_key("same", 4), hash_key("same", 4));
}

TEST(Table, InsertFindRemoveThroughRehash)
{
    Table t;
    const int n = 5000;
    bool saw_rehash = false;
    for (int i = 0; i < n; i++) {
        ASSERT_TRUE(t.insert(key_of(i)));
        saw_rehash |= table_is_rehashing(&t.t);
        // Everything inserted so far stays findable mid-rehash.
        if (i % 97 == 0) {
            for (int j = 0; j <= i; j += 13)
                ASSERT_NE(t.find(key_of(j)), nullptr) << j;
        }
    }
    EXPECT_TRUE(saw_rehash);
    EXPECT_EQ(table_count(&t.t), (uint64_t)n);
    for (int i = 0; i < n; i++)
        ASSERT_NE(t.find(key_of(i)), nullptr);
    EXPECT_EQ(t.find("missing"), nullptr);
    for (int i = 0; i < n; i += 2)
        ASSERT_TRUE(t.remove(key_of(i)));
    EXPECT_FALSE(t.remove(key_of(0)));
    for (int i = 0; i < n; i++)
        EXPECT_EQ(t.find(key_of(i)) != nullptr, i % 2 == 1);
    EXPECT_EQ(table_count(&t.t), (uint64_t)n / 2);
}

TEST(Table, ShrinksToMinimumWhenEmpty)
{
    Table t;
    for (int i = 0; i < 4096; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    while (table_rehash(&t.t, 100)) {
    }
    uint64_t full = table_bucket_bytes(&t.t);
    EXPECT_GE(full, 4096 * sizeof(void *));
    for (int i = 0; i < 4000; i++)
        ASSERT_TRUE(t.remove(key_of(i)));
    while (table_rehash(&t.t, 100)) {
    }
    EXPECT_LE(table_bucket_bytes(&t.t), full / 8 + min_bucket_bytes()); // + one array header
    for (int i = 4000; i < 4096; i++)
        ASSERT_TRUE(t.remove(key_of(i)));
    while (table_rehash(&t.t, 100)) {
    }
    EXPECT_EQ(table_count(&t.t), 0u);
    EXPECT_EQ(table_bucket_bytes(&t.t), min_bucket_bytes());
    EXPECT_EQ(t.find("anything"), nullptr);
    ASSERT_TRUE(t.insert("again"));
    EXPECT_NE(t.find("again"), nullptr);
}

// A table emptied while a shrink is still moving buckets must shrink again
// once that rehash completes. Which removals land mid-rehash depends on the
// hash seed, so try many fixed seeds (this failed for some seeds before).
TEST(Table, ShrinksAgainWhenEmptiedDuringRehash)
{
    for (int round = 0; round < 64; round++) {
        uint8_t seed[16];
        for (int i = 0; i < 16; i++)
            seed[i] = (uint8_t)(round * 31 + i * 7);
        hash_set_seed(seed);
        Table t;
        for (int i = 0; i < 4096; i++)
            ASSERT_TRUE(t.insert(key_of(i)));
        while (table_rehash(&t.t, 100)) {
        }
        for (int i = 0; i < 4000; i++)
            ASSERT_TRUE(t.remove(key_of(i)));
        while (table_rehash(&t.t, 100)) {
        }
        for (int i = 4000; i < 4096; i++)
            ASSERT_TRUE(t.remove(key_of(i)));
        while (table_rehash(&t.t, 100)) {
        }
        ASSERT_EQ(table_bucket_bytes(&t.t), min_bucket_bytes()) << "seed round " << round;
    }
}

TEST(Table, BinaryKeys)
{
    Table t;
    std::string a("a\0b", 3), b("a\0c", 3), empty;
    ASSERT_TRUE(t.insert(a));
    ASSERT_TRUE(t.insert(b));
    ASSERT_TRUE(t.insert(empty));
    EXPECT_NE(t.find(a), nullptr);
    EXPECT_NE(t.find(b), nullptr);
    EXPECT_NE(t.find(empty), nullptr);
    EXPECT_EQ(t.find(std::string("a", 1)), nullptr);
}

TEST(Table, ReplaceKeepsChain)
{
    Table t;
    for (int i = 0; i < 100; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    struct table_pos pos;
    struct entry *e = t.find(key_of(42), &pos);
    ASSERT_NE(e, nullptr);
    struct entry *moved = entry_with_ttl_slot(e);
    ASSERT_NE(moved, nullptr);
    table_replace(pos, moved);
    entry_free_shell(e); // no lock-free reader here to wait for
    EXPECT_EQ(t.find(key_of(42)), moved);
    for (int i = 0; i < 100; i++)
        ASSERT_NE(t.find(key_of(i)), nullptr);
}

// A full scan with no changes returns every key exactly once.
TEST(TableScan, FullScanStable)
{
    Table t;
    for (int i = 0; i < 1000; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    while (table_rehash(&t.t, 100)) {
    }
    std::vector<std::string> seen;
    uint64_t cursor = 0;
    do {
        cursor = table_scan(&t.t, cursor, collect, &seen);
    } while (cursor != 0);
    EXPECT_EQ(seen.size(), 1000u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1000u);
}

// Keys present for the whole scan are returned even when the table grows,
// shrinks and rehashes between calls.
TEST(TableScan, StableKeysSurviveGrowAndShrink)
{
    for (int round = 0; round < 6; round++) {
        Table t;
        const int stable = 300;
        for (int i = 0; i < stable; i++)
            ASSERT_TRUE(t.insert(key_of(i)));
        std::set<std::string> seen;
        std::vector<std::string> batch;
        uint64_t cursor = 0;
        const int extra_base = 100000, extra_max = 2000 * (round + 1);
        int added = 0, step = 0;
        bool growing = true;
        do {
            batch.clear();
            cursor = table_scan(&t.t, cursor, collect, &batch);
            seen.insert(batch.begin(), batch.end());
            // Alternate between growing to extra_max and shrinking back to 0,
            // at a speed that depends on the round.
            int burst = 50 * (round + 1) + (step++ % 7) * 10;
            for (int j = 0; j < burst; j++) {
                if (growing && added < extra_max) {
                    ASSERT_TRUE(t.insert(key_of(extra_base + added++)));
                } else if (added > 0) {
                    growing = false;
                    ASSERT_TRUE(t.remove(key_of(extra_base + --added)));
                } else {
                    growing = true;
                }
            }
            ASSERT_LT(step, 1000000);
        } while (cursor != 0);
        for (int i = 0; i < stable; i++)
            EXPECT_TRUE(seen.count(key_of(i))) << "round " << round << " missed " << key_of(i);
    }
}

TEST(TableScan, EmptyTableEndsAtOnce)
{
    Table t;
    std::vector<std::string> seen;
    EXPECT_EQ(table_scan(&t.t, 0, collect, &seen), 0u);
    EXPECT_TRUE(seen.empty());
}

TEST(Table, RandomReachesEveryKey)
{
    Table t;
    for (int i = 0; i < 50; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    uint64_t rng = 12345;
    std::set<std::string> picked;
    for (int i = 0; i < 5000; i++) {
        struct entry *e = table_random(&t.t, &rng);
        ASSERT_NE(e, nullptr);
        picked.emplace(entry_key(e), (size_t)e->key_len);
    }
    EXPECT_EQ(picked.size(), 50u);
    Table empty;
    EXPECT_EQ(table_random(&empty.t, &rng), nullptr);
}

TEST(Table, GrowthFailureKeepsWorking)
{
    Table t;
    ASSERT_TRUE(t.insert(key_of(0)));
    for (int i = 1; i < 4; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    while (table_rehash(&t.t, 100)) {
    }
    // Every allocation fails: inserting must still link the (preallocated)
    // entries, at a higher load factor.
    std::vector<struct entry *> entries;
    for (int i = 4; i < 64; i++)
        entries.push_back(entry_new(key_of(i).data(), key_of(i).size(), false));
    mem_fail_after(0);
    for (int i = 4; i < 64; i++) {
        std::string k = key_of(i);
        EXPECT_EQ(table_insert(&t.t, hash_key(k.data(), k.size()), entries[i - 4]), 0);
    }
    EXPECT_GT(mem_failures_injected(), 0);
    mem_fail_reset();
    for (int i = 0; i < 64; i++)
        EXPECT_NE(t.find(key_of(i)), nullptr);
    // A table without buckets cannot take a key when memory is out.
    Table empty;
    struct entry *e = entry_new("x", 1, false);
    mem_fail_after(0);
    EXPECT_EQ(table_insert(&empty.t, hash_key("x", 1), e), -ENOMEM);
    mem_fail_reset();
    entry_free(e);
}
