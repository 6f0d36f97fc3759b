// The intset's bytes are Redis's: exact blobs, the width boundaries and
// upgrades, random edits against std::set, validation of malformed blobs,
// and allocation failure leaving the set as it was.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "core/alloc.h"
#include "store/intset.h"

namespace
{

using Bytes = std::vector<unsigned char>;

struct Intset {
    struct intset *set = intset_new();
    Intset()
    {
        EXPECT_NE(set, nullptr);
    }
    explicit Intset(std::initializer_list<int64_t> members) : Intset()
    {
        for (int64_t m : members)
            add(m);
    }
    ~Intset()
    {
        intset_free(set);
    }
    Intset(const Intset &) = delete;
    Intset &operator=(const Intset &) = delete;

    bool add(int64_t v)
    {
        bool added = false;
        EXPECT_EQ(intset_add(&set, v, &added), 0);
        return added;
    }
    Bytes bytes() const
    {
        auto p = reinterpret_cast<const unsigned char *>(set);
        return Bytes(p, p + intset_bytes(set));
    }
    std::vector<int64_t> members() const
    {
        std::vector<int64_t> out;
        for (uint32_t i = 0; i < intset_length(set); i++)
            out.push_back(intset_get(set, i));
        return out;
    }
};

bool valid(const Bytes &b)
{
    // An exact-size heap copy, so ASan sees any read past the end.
    unsigned char *copy = static_cast<unsigned char *>(malloc(b.size() ? b.size() : 1));
    if (!b.empty())
        memcpy(copy, b.data(), b.size());
    bool ok = intset_validate(copy, b.size());
    free(copy);
    return ok;
}

uint32_t width(const Intset &s)
{
    return s.bytes()[0];
}

} // namespace

TEST(Intset, ExactBytes)
{
    Intset s;
    EXPECT_EQ(s.bytes(), (Bytes{2, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_TRUE(s.add(5));
    EXPECT_TRUE(s.add(1));
    EXPECT_TRUE(s.add(3));
    EXPECT_FALSE(s.add(3));
    EXPECT_EQ(s.bytes(), (Bytes{2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 3, 0, 5, 0}));
    EXPECT_TRUE(s.add(-2));
    EXPECT_EQ(s.bytes(), (Bytes{2, 0, 0, 0, 4, 0, 0, 0, 0xFE, 0xFF, 1, 0, 3, 0, 5, 0}));
    // 65536 needs 4 bytes: every member widens, the new one goes last.
    EXPECT_TRUE(s.add(65536));
    EXPECT_EQ(s.bytes(), (Bytes{4, 0, 0, 0, 5, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 1, 0,
                                0, 0, 3, 0, 0, 0, 5, 0, 0,    0,    0,    0,    1, 0}));
    // A negative that needs 8 bytes goes first.
    EXPECT_TRUE(s.add(INT64_MIN));
    EXPECT_EQ(intset_bytes(s.set), 8u + 6 * 8);
    EXPECT_EQ(s.members(), (std::vector<int64_t>{INT64_MIN, -2, 1, 3, 5, 65536}));
    EXPECT_EQ(s.bytes()[8 + 7], 0x80);
}

TEST(Intset, WidthBoundaries)
{
    struct Case {
        int64_t value;
        uint32_t width;
    } cases[] = {
        {0, 2},
        {INT16_MAX, 2},
        {INT16_MIN, 2},
        {INT16_MAX + 1, 4},
        {INT16_MIN - 1, 4},
        {INT32_MAX, 4},
        {INT32_MIN, 4},
        {int64_t{INT32_MAX} + 1, 8},
        {int64_t{INT32_MIN} - 1, 8},
        {INT64_MAX, 8},
        {INT64_MIN, 8},
    };
    for (const auto &c : cases) {
        Intset s({c.value});
        EXPECT_EQ(width(s), c.width) << c.value;
        EXPECT_EQ(intset_bytes(s.set), 8 + c.width) << c.value;
        EXPECT_EQ(intset_get(s.set, 0), c.value);
        EXPECT_TRUE(intset_find(s.set, c.value));
        EXPECT_TRUE(valid(s.bytes()));
    }
}

TEST(Intset, RemoveNeverNarrows)
{
    Intset s({1, 2, 1LL << 40});
    EXPECT_FALSE(intset_remove(&s.set, 7));
    EXPECT_FALSE(intset_remove(&s.set, 1LL << 41));
    EXPECT_TRUE(intset_remove(&s.set, 1LL << 40));
    EXPECT_FALSE(intset_remove(&s.set, 1LL << 40));
    EXPECT_EQ(width(s), 8u);
    EXPECT_EQ(s.members(), (std::vector<int64_t>{1, 2}));
    EXPECT_TRUE(valid(s.bytes())); // a wider width than needed is fine
    EXPECT_FALSE(intset_find(s.set, 3));
    // A value wider than the set cannot be in it.
    Intset narrow({1, 2});
    EXPECT_FALSE(intset_find(narrow.set, 1LL << 40));
    EXPECT_FALSE(intset_remove(&narrow.set, 1LL << 40));
}

TEST(Intset, RandomEditsAgainstASet)
{
    std::mt19937_64 rng(99);
    std::set<int64_t> model;
    Intset s;
    auto random_value = [&]() -> int64_t {
        switch (rng() % 4) {
        case 0:
            return static_cast<int64_t>(rng() % 200) - 100;
        case 1:
            return static_cast<int64_t>(rng() % 200000) - 100000;
        case 2:
            return static_cast<int64_t>(rng() % 20000000000ULL) - 10000000000LL;
        default:
            return static_cast<int64_t>(rng());
        }
    };
    for (int step = 0; step < 20000; step++) {
        int64_t v = random_value();
        if (rng() % 3) {
            bool added = false;
            ASSERT_EQ(intset_add(&s.set, v, &added), 0);
            ASSERT_EQ(added, model.insert(v).second);
        } else {
            ASSERT_EQ(intset_remove(&s.set, v), model.erase(v) == 1);
        }
        ASSERT_EQ(intset_length(s.set), model.size());
        ASSERT_EQ(intset_find(s.set, v), model.count(v) == 1);
        if (step % 50 == 0) {
            ASSERT_EQ(s.members(), std::vector<int64_t>(model.begin(), model.end()));
            ASSERT_EQ(valid(s.bytes()), !model.empty());
        }
        if (model.size() > 400) { // start again from empty, with the wide width kept
            for (int64_t m : std::set<int64_t>(model))
                ASSERT_TRUE(intset_remove(&s.set, m));
            model.clear();
        }
    }
}

TEST(Intset, RandomPicksEveryMember)
{
    Intset s({-5, 0, 7, 100000});
    std::set<int64_t> seen;
    for (uint64_t r = 0; r < 8; r++)
        seen.insert(intset_random(s.set, r));
    EXPECT_EQ(seen, (std::set<int64_t>{-5, 0, 7, 100000}));
    EXPECT_EQ(intset_random(s.set, UINT64_MAX), 100000); // 2^64-1 % 4 == 3
}

TEST(Intset, ValidateRejectsMalformedBlobs)
{
    Bytes good = Intset({1, 2, 3}).bytes();
    EXPECT_TRUE(valid(good));
    EXPECT_FALSE(valid({}));
    EXPECT_FALSE(valid({2, 0, 0, 0, 0, 0, 0}));
    EXPECT_FALSE(valid({2, 0, 0, 0, 0, 0, 0, 0})); // empty: Redis never stores one
    for (unsigned char w : {0, 1, 3, 16, 0x80}) {
        Bytes bad = good;
        bad[0] = w;
        EXPECT_FALSE(valid(bad)) << int(w);
    }
    Bytes wide = good;
    wide[1] = 2; // width 514
    EXPECT_FALSE(valid(wide));
    Bytes shorter(good.begin(), good.end() - 1);
    EXPECT_FALSE(valid(shorter));
    Bytes longer = good;
    longer.push_back(0);
    EXPECT_FALSE(valid(longer));
    Bytes huge_length = good;
    huge_length[7] = 0x80;
    EXPECT_FALSE(valid(huge_length));
    EXPECT_FALSE(valid({2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 0})); // unsorted
    EXPECT_FALSE(valid({2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 3, 0})); // duplicate
    EXPECT_TRUE(valid({4, 0, 0, 0, 2, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 3, 0, 0, 0}));
}

TEST(Intset, FromBlobTakesOnlyValidBlobs)
{
    Bytes good = Intset({-1, 9}).bytes();
    void *blob = mem_alloc(good.size());
    memcpy(blob, good.data(), good.size());
    struct intset *set = intset_from_blob(blob, good.size());
    ASSERT_EQ(static_cast<void *>(set), blob);
    EXPECT_EQ(intset_length(set), 2u);
    intset_free(set);

    blob = mem_alloc(good.size());
    memcpy(blob, good.data(), good.size());
    static_cast<unsigned char *>(blob)[8] = 10; // the first member -1 becomes 10 > 9
    static_cast<unsigned char *>(blob)[9] = 0;
    EXPECT_EQ(intset_from_blob(blob, good.size()), nullptr);
    mem_free(blob);
}

TEST(IntsetOom, FailedAddLeavesTheSetUnchanged)
{
    EXPECT_EQ((mem_fail_after(0), intset_new()), nullptr);
    mem_fail_reset();

    Intset s({1, 2, 3});
    Bytes before = s.bytes();
    for (int64_t v : {int64_t{0}, int64_t{100000}, INT64_MIN}) { // plain, widen, widen first
        bool added = true;
        mem_fail_after(0);
        int err = intset_add(&s.set, v, &added);
        long injected = mem_failures_injected();
        mem_fail_reset();
        EXPECT_EQ(err, -ENOMEM) << v;
        EXPECT_EQ(injected, 1);
        EXPECT_FALSE(added);
        EXPECT_EQ(s.bytes(), before);
    }
    // Adding a member already there allocates nothing.
    mem_fail_after(0);
    EXPECT_EQ(intset_add(&s.set, 2, nullptr), 0);
    // Removing cannot fail, even when the shrinking realloc does.
    EXPECT_TRUE(intset_remove(&s.set, 2));
    mem_fail_reset();
    EXPECT_EQ(s.members(), (std::vector<int64_t>{1, 3}));
}
