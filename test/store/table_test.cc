// The table engine on its own: SipHash vectors, then every behaviour for two
// node types, the keyspace's entries and a test member whose node is not its
// first field (find/insert/unlink through incremental rehashing, shrinking,
// the SCAN cursor guarantee across resizes, random picks, allocation failure
// while growing), and what only one type does (entry lookups specialized for
// the GET path, EBR retirement of bucket arrays for lock-free tables only).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/alloc.h"
#include "core/ebr.h"
#include "store/entry_table.h"
#include "store/hash.h"
#include "store/table.h"

namespace
{

// ---- the two node types ----

struct EntryNodes {
    static const struct table_type *type()
    {
        return &entry_table_type;
    }
    static struct table_node *make(const std::string &key)
    {
        struct entry *e = entry_new(key.data(), key.size(), false);
        return e ? &e->node : nullptr;
    }
    static void destroy(struct table_node *n)
    {
        entry_free(entry_of(n));
    }
    static std::string key(struct table_node *n)
    {
        struct entry *e = entry_of(n);
        return std::string(entry_key(e), e->key_len);
    }
    // A reallocated copy carrying n's link, as table_replace expects.
    static struct table_node *moved_copy(struct table_node *n)
    {
        struct entry *e = entry_with_ttl_slot(entry_of(n));
        return e ? &e->node : nullptr;
    }
    static void destroy_original(struct table_node *n)
    {
        entry_free_shell(entry_of(n)); // its value went to the copy
    }
};

// A hash/set member as a members table would hold it: the key inline and the
// node in the middle, so the engine can only reach it through container_of.
struct test_member {
    uint32_t len;
    struct table_node node;
    char key[40];
};

test_member *member_of(const struct table_node *n)
{
    return container_of(const_cast<struct table_node *>(n), struct test_member, node);
}

uint64_t member_hash(const struct table_node *n)
{
    const test_member *m = member_of(n);
    return hash_key(m->key, m->len);
}

bool member_key_equals(const struct table_node *n, const void *key, size_t len)
{
    const test_member *m = member_of(n);
    return m->len == len && std::memcmp(m->key, key, len) == 0;
}

void member_free(struct table_node *n)
{
    delete member_of(n);
}

const struct table_type member_type = {
    member_hash, member_key_equals, member_free,
    false, // touched under the owner's lock only
};

struct MemberNodes {
    static const struct table_type *type()
    {
        return &member_type;
    }
    static struct table_node *make(const std::string &key)
    {
        if (key.size() > sizeof(test_member::key))
            return nullptr;
        test_member *m = new test_member();
        m->len = (uint32_t)key.size();
        std::memcpy(m->key, key.data(), key.size());
        return &m->node;
    }
    static void destroy(struct table_node *n)
    {
        member_free(n);
    }
    static std::string key(struct table_node *n)
    {
        const test_member *m = member_of(n);
        return std::string(m->key, m->len);
    }
    static struct table_node *moved_copy(struct table_node *n)
    {
        const test_member *from = member_of(n);
        test_member *m = new test_member();
        m->len = from->len;
        std::memcpy(m->key, from->key, from->len);
        m->node.next.store(from->node.next.load()); // carries the link
        return &m->node;
    }
    static void destroy_original(struct table_node *n)
    {
        member_free(n);
    }
};

struct NodeNames {
    template <typename T> static std::string GetName(int)
    {
        return std::is_same<T, EntryNodes>::value ? "Entry" : "Member";
    }
};

// ---- a table of either ----

template <typename Nodes> struct Table {
    struct table t;
    Table()
    {
        table_init(&t, Nodes::type());
    }
    ~Table()
    {
        table_clear(&t);
    }

    bool insert(const std::string &key)
    {
        struct table_node *n = Nodes::make(key);
        if (!n)
            return false;
        if (table_insert(&t, hash_key(key.data(), key.size()), n) != 0) {
            Nodes::destroy(n);
            return false;
        }
        return true;
    }
    struct table_node *find(const std::string &key, struct table_pos *pos = nullptr)
    {
        return table_find(&t, hash_key(key.data(), key.size()), key.data(), key.size(), pos);
    }
    bool remove(const std::string &key)
    {
        struct table_pos pos;
        if (!find(key, &pos))
            return false;
        Nodes::destroy(table_unlink(&t, pos));
        return true;
    }
    void finish_rehash()
    {
        while (table_rehash(&t, 100)) {
        }
    }
};

std::string key_of(int i)
{
    return "key:" + std::to_string(i);
}

template <typename Nodes> void collect(void *ctx, struct table_node *n)
{
    static_cast<std::vector<std::string> *>(ctx)->push_back(Nodes::key(n));
}

// Bucket bytes of a table with the minimum 4 buckets (plus the array's
// alignment and bookkeeping).
uint64_t min_bucket_bytes()
{
    Table<MemberNodes> t;
    EXPECT_EQ(table_reserve(&t.t), 0);
    return table_bucket_bytes(&t.t);
}

template <typename Nodes> class TableTest : public ::testing::Test
{
};
using NodeTypes = ::testing::Types<EntryNodes, MemberNodes>;
TYPED_TEST_SUITE(TableTest, NodeTypes, NodeNames);

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

TYPED_TEST(TableTest, InsertFindRemoveThroughRehash)
{
    Table<TypeParam> t;
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
    for (int i = 0; i < n; i++) {
        struct table_node *node = t.find(key_of(i));
        ASSERT_NE(node, nullptr);
        ASSERT_EQ(TypeParam::key(node), key_of(i));
    }
    EXPECT_EQ(t.find("missing"), nullptr);
    for (int i = 0; i < n; i += 2)
        ASSERT_TRUE(t.remove(key_of(i)));
    EXPECT_FALSE(t.remove(key_of(0)));
    for (int i = 0; i < n; i++)
        EXPECT_EQ(t.find(key_of(i)) != nullptr, i % 2 == 1);
    EXPECT_EQ(table_count(&t.t), (uint64_t)n / 2);
}

TYPED_TEST(TableTest, ShrinksToMinimumWhenEmpty)
{
    Table<TypeParam> t;
    for (int i = 0; i < 4096; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    t.finish_rehash();
    uint64_t full = table_bucket_bytes(&t.t);
    EXPECT_GE(full, 4096 * sizeof(void *));
    for (int i = 0; i < 4000; i++)
        ASSERT_TRUE(t.remove(key_of(i)));
    t.finish_rehash();
    EXPECT_LE(table_bucket_bytes(&t.t), full / 8 + min_bucket_bytes()); // + one array header
    for (int i = 4000; i < 4096; i++)
        ASSERT_TRUE(t.remove(key_of(i)));
    t.finish_rehash();
    EXPECT_EQ(table_count(&t.t), 0u);
    EXPECT_EQ(table_bucket_bytes(&t.t), min_bucket_bytes());
    EXPECT_EQ(t.find("anything"), nullptr);
    ASSERT_TRUE(t.insert("again"));
    EXPECT_NE(t.find("again"), nullptr);
}

// A table emptied while a shrink is still moving buckets must shrink again
// once that rehash completes. Which removals land mid-rehash depends on the
// hash seed, so try many fixed seeds (this failed for some seeds before).
TYPED_TEST(TableTest, ShrinksAgainWhenEmptiedDuringRehash)
{
    for (int round = 0; round < 64; round++) {
        uint8_t seed[16];
        for (int i = 0; i < 16; i++)
            seed[i] = (uint8_t)(round * 31 + i * 7);
        hash_set_seed(seed);
        Table<TypeParam> t;
        for (int i = 0; i < 4096; i++)
            ASSERT_TRUE(t.insert(key_of(i)));
        t.finish_rehash();
        for (int i = 0; i < 4000; i++)
            ASSERT_TRUE(t.remove(key_of(i)));
        t.finish_rehash();
        for (int i = 4000; i < 4096; i++)
            ASSERT_TRUE(t.remove(key_of(i)));
        t.finish_rehash();
        ASSERT_EQ(table_bucket_bytes(&t.t), min_bucket_bytes()) << "seed round " << round;
    }
}

TYPED_TEST(TableTest, BinaryKeys)
{
    Table<TypeParam> t;
    std::string a("a\0b", 3), b("a\0c", 3), empty;
    ASSERT_TRUE(t.insert(a));
    ASSERT_TRUE(t.insert(b));
    ASSERT_TRUE(t.insert(empty));
    EXPECT_NE(t.find(a), nullptr);
    EXPECT_NE(t.find(b), nullptr);
    EXPECT_NE(t.find(empty), nullptr);
    EXPECT_EQ(t.find(std::string("a", 1)), nullptr);
}

TYPED_TEST(TableTest, ReplaceKeepsChain)
{
    Table<TypeParam> t;
    for (int i = 0; i < 100; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    struct table_pos pos;
    struct table_node *n = t.find(key_of(42), &pos);
    ASSERT_NE(n, nullptr);
    struct table_node *moved = TypeParam::moved_copy(n);
    ASSERT_NE(moved, nullptr);
    table_replace(pos, moved);
    TypeParam::destroy_original(n); // no lock-free reader here to wait for
    EXPECT_EQ(t.find(key_of(42)), moved);
    for (int i = 0; i < 100; i++)
        ASSERT_NE(t.find(key_of(i)), nullptr);
}

// A full scan with no changes returns every key exactly once; so does
// foreach, in the middle of a rehash too.
TYPED_TEST(TableTest, FullScanAndForeachStable)
{
    Table<TypeParam> t;
    for (int i = 0; i < 1000; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    t.finish_rehash();
    std::vector<std::string> seen;
    uint64_t cursor = 0;
    do {
        cursor = table_scan(&t.t, cursor, collect<TypeParam>, &seen);
    } while (cursor != 0);
    EXPECT_EQ(seen.size(), 1000u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1000u);

    for (int i = 1000; i < 1100 && !table_is_rehashing(&t.t); i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    ASSERT_TRUE(table_is_rehashing(&t.t));
    seen.clear();
    table_foreach(&t.t, collect<TypeParam>, &seen);
    EXPECT_EQ(seen.size(), table_count(&t.t));
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), table_count(&t.t));
}

// table_find_still finds keys in both arrays of a rehash without moving it
// along: a position taken before it still unlinks the right node.
TYPED_TEST(TableTest, FindStillMovesNothing)
{
    Table<TypeParam> t;
    for (int i = 0; i < 1000; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    t.finish_rehash();
    int added = 1000;
    for (; added < 1100 && !table_is_rehashing(&t.t); added++)
        ASSERT_TRUE(t.insert(key_of(added)));
    ASSERT_TRUE(table_is_rehashing(&t.t));
    std::string victim = key_of(7);
    struct table_pos pos;
    ASSERT_NE(t.find(victim, &pos), nullptr);
    for (int i = 0; i < added; i++) {
        std::string k = key_of(i);
        ASSERT_NE(table_find_still(&t.t, hash_key(k.data(), k.size()), k.data(), k.size()), nullptr)
            << k;
    }
    std::string missing = key_of(999999);
    EXPECT_EQ(table_find_still(&t.t, hash_key(missing.data(), missing.size()), missing.data(),
                               missing.size()),
              nullptr);
    EXPECT_TRUE(table_is_rehashing(&t.t));
    struct table_node *n = table_unlink(&t.t, pos);
    EXPECT_EQ(TypeParam::key(n), victim);
    TypeParam::destroy(n);
    EXPECT_EQ(table_count(&t.t), (uint64_t)added - 1);
    EXPECT_EQ(t.find(victim), nullptr);
}

// Keys present for the whole scan are returned even when the table grows,
// shrinks and rehashes between calls.
TYPED_TEST(TableTest, ScanStableKeysSurviveGrowAndShrink)
{
    for (int round = 0; round < 6; round++) {
        Table<TypeParam> t;
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
            cursor = table_scan(&t.t, cursor, collect<TypeParam>, &batch);
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

// The harshest schedule: after every cursor call the table either grows
// many times over (many inserts) or loses nearly everything it gained (many
// deletes, enough to shrink it), so successive calls see tables of very
// different sizes, often mid-rehash. Every key present for the whole scan
// comes back, and nothing comes back that was never in the table.
TYPED_TEST(TableTest, ScanDuringResizeBetweenEveryCall)
{
    Table<TypeParam> t;
    const int stable = 200, burst = 3000, kept = 20, extra_base = 1000000;
    std::set<std::string> expected;
    for (int i = 0; i < stable; i++) {
        ASSERT_TRUE(t.insert(key_of(i)));
        expected.insert(key_of(i));
    }
    t.finish_rehash();
    std::set<std::string> seen;
    std::vector<std::string> batch;
    std::vector<int> extras; // present now
    int next_extra = extra_base, calls = 0, grows = 0, shrinks = 0, mid_rehash = 0;
    // A rehash that starts while inserting is a grow, while deleting a shrink.
    auto count_resize = [&t](bool was_rehashing, int *counter) {
        *counter += !was_rehashing && table_is_rehashing(&t.t);
    };
    uint64_t cursor = 0;
    do {
        mid_rehash += table_is_rehashing(&t.t);
        batch.clear();
        cursor = table_scan(&t.t, cursor, collect<TypeParam>, &batch);
        seen.insert(batch.begin(), batch.end());
        if (calls++ % 2 == 0) {
            for (int j = 0; j < burst; j++) {
                bool was = table_is_rehashing(&t.t);
                extras.push_back(next_extra);
                ASSERT_TRUE(t.insert(key_of(next_extra++)));
                count_resize(was, &grows);
            }
        } else {
            // Keep a few, so the extras differ from one round to the next.
            while (extras.size() > kept) {
                bool was = table_is_rehashing(&t.t);
                ASSERT_TRUE(t.remove(key_of(extras.back())));
                extras.pop_back();
                count_resize(was, &shrinks);
            }
        }
        // Every third call finds the table settled instead, at whichever size.
        if (calls % 3 == 0)
            t.finish_rehash();
        ASSERT_LT(calls, 100000);
    } while (cursor != 0);
    std::vector<std::string> missed;
    std::set_difference(expected.begin(), expected.end(), seen.begin(), seen.end(),
                        std::back_inserter(missed));
    EXPECT_TRUE(missed.empty()) << missed.size() << " missed, first "
                                << (missed.empty() ? "" : missed.front());
    for (const std::string &k : seen) {
        int i = std::stoi(k.substr(4));
        EXPECT_TRUE(i < stable || (i >= extra_base && i < next_extra)) << k;
    }
    // The schedule did what it claims.
    EXPECT_GE(grows, calls / 2);
    EXPECT_GE(shrinks, calls / 4);
    EXPECT_GE(mid_rehash, calls / 4);
}

TYPED_TEST(TableTest, EmptyScanEndsAtOnce)
{
    Table<TypeParam> t;
    std::vector<std::string> seen;
    EXPECT_EQ(table_scan(&t.t, 0, collect<TypeParam>, &seen), 0u);
    EXPECT_TRUE(seen.empty());
}

TYPED_TEST(TableTest, RandomReachesEveryKey)
{
    Table<TypeParam> t;
    for (int i = 0; i < 50; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    uint64_t rng = 12345;
    std::set<std::string> picked;
    for (int i = 0; i < 5000; i++) {
        struct table_node *n = table_random(&t.t, &rng);
        ASSERT_NE(n, nullptr);
        picked.insert(TypeParam::key(n));
    }
    EXPECT_EQ(picked.size(), 50u);
    // Mid-rehash too (keys in both arrays).
    for (int i = 50; i < 100 && !table_is_rehashing(&t.t); i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    ASSERT_TRUE(table_is_rehashing(&t.t));
    picked.clear();
    for (int i = 0; i < 20000; i++)
        picked.insert(TypeParam::key(table_random(&t.t, &rng)));
    EXPECT_EQ(picked.size(), table_count(&t.t));
    Table<TypeParam> empty;
    EXPECT_EQ(table_random(&empty.t, &rng), nullptr);
}

// Moving and swapping contents keeps every node findable where it went.
TYPED_TEST(TableTest, MoveAndSwap)
{
    Table<TypeParam> a, b, c;
    for (int i = 0; i < 300; i++)
        ASSERT_TRUE(a.insert(key_of(i)));
    ASSERT_TRUE(b.insert("b-only"));
    table_swap(&a.t, &b.t);
    EXPECT_EQ(table_count(&a.t), 1u);
    EXPECT_EQ(table_count(&b.t), 300u);
    EXPECT_NE(a.find("b-only"), nullptr);
    table_move(&c.t, &b.t);
    EXPECT_EQ(table_count(&b.t), 0u);
    EXPECT_EQ(table_bucket_bytes(&b.t), 0u);
    for (int i = 0; i < 300; i++)
        ASSERT_NE(c.find(key_of(i)), nullptr);
    EXPECT_EQ(b.find(key_of(0)), nullptr);
}

TYPED_TEST(TableTest, GrowthFailureKeepsWorking)
{
    Table<TypeParam> t;
    for (int i = 0; i < 4; i++)
        ASSERT_TRUE(t.insert(key_of(i)));
    t.finish_rehash();
    // Every allocation fails: inserting must still link the (preallocated)
    // nodes, at a higher load factor.
    std::vector<struct table_node *> nodes;
    for (int i = 4; i < 64; i++)
        nodes.push_back(TypeParam::make(key_of(i)));
    mem_fail_after(0);
    for (int i = 4; i < 64; i++) {
        std::string k = key_of(i);
        EXPECT_EQ(table_insert(&t.t, hash_key(k.data(), k.size()), nodes[i - 4]), 0);
    }
    EXPECT_GT(mem_failures_injected(), 0);
    mem_fail_reset();
    for (int i = 0; i < 64; i++)
        EXPECT_NE(t.find(key_of(i)), nullptr);
    // A table without buckets cannot take a key when memory is out.
    Table<TypeParam> empty;
    struct table_node *n = TypeParam::make("x");
    mem_fail_after(0);
    EXPECT_EQ(table_insert(&empty.t, hash_key("x", 1), n), -ENOMEM);
    mem_fail_reset();
    TypeParam::destroy(n);
}

// The keyspace's lookups with the key comparison inlined answer exactly as
// the generic ones, through a rehash as well.
TEST(EntryTable, SpecializedLookupsMatchGeneric)
{
    Table<EntryNodes> t;
    for (int i = 0; i < 2000; i++) {
        ASSERT_TRUE(t.insert(key_of(i)));
        for (int j : {0, i / 2, i, i + 1}) {
            std::string k = key_of(j);
            uint64_t h = hash_key(k.data(), k.size());
            struct table_node *generic = nullptr;
            struct entry *special = nullptr;
            int rc = table_peek(&t.t, h, k.data(), k.size(), &generic);
            ASSERT_EQ(entry_table_peek(&t.t, h, k.data(), k.size(), &special), rc);
            ASSERT_EQ(rc == 0, !table_is_rehashing(&t.t));
            if (rc == 0) {
                ASSERT_EQ(special, entry_of(generic));
                ASSERT_EQ(special != nullptr, j <= i) << k;
            }
            struct table_pos pos;
            struct entry *found = entry_table_find(&t.t, h, k.data(), k.size(), &pos);
            ASSERT_EQ(found != nullptr, j <= i) << k;
            if (found) {
                ASSERT_EQ(pos.link->load(), &found->node);
                ASSERT_EQ(entry_of(t.find(k)), found);
            }
        }
    }
}

// Only a table that lock-free readers walk defers freeing a replaced bucket
// array until they are gone: a members table frees it at once.
TEST(TableType, OnlyLockFreeTablesRetireArraysThroughEbr)
{
    ebr_drain();
    std::atomic<int> state{0};
    std::thread reader([&] {
        ebr_enter(); // a reader that lags: nothing retired from now on is freed
        state.store(1);
        while (state.load() != 2)
            std::this_thread::yield();
        ebr_exit();
    });
    while (state.load() != 1)
        std::this_thread::yield();
    size_t before = ebr_pending();
    {
        Table<MemberNodes> members;
        for (int i = 0; i < 1000; i++)
            ASSERT_TRUE(members.insert(key_of(i)));
        members.finish_rehash();
    }
    EXPECT_EQ(ebr_pending(), before);
    {
        Table<EntryNodes> keys;
        for (int i = 0; i < 1000; i++)
            ASSERT_TRUE(keys.insert(key_of(i)));
        keys.finish_rehash();
    }
    EXPECT_GT(ebr_pending(), before);
    state.store(2);
    reader.join();
    ebr_drain();
    EXPECT_EQ(ebr_pending(), 0u);
}
