// The quicklist's operations against a std::deque<std::string>: each one by
// hand, then long random sequences at every interesting fill and
// compression setting, checking the contents both ways and every invariant
// after each step. Node layout (fill, merging, compression) is in
// quicklist_layout_test.cc, allocation failure in quicklist_oom_test.cc.
#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <random>
#include <string>

#include "quicklist_test_util.h"

TEST(Quicklist, SettingsAreClampedAsRedisDoes)
{
    struct {
        int fill, compress, want_fill, want_compress;
    } cases[] = {
        {-2, 0, -2, 0}, {100000, 70000, 32767, 65535}, {-6, -1, -5, 0}, {INT_MIN, 3, -5, 3},
        {0, 1, 0, 1},   {32767, 65535, 32767, 65535},
    };
    for (const auto &c : cases) {
        QuickList l(c.fill, c.compress);
        EXPECT_EQ(quicklist_fill(l.ql), c.want_fill);
        EXPECT_EQ(quicklist_compress_depth(l.ql), c.want_compress);
    }
}

TEST(Quicklist, PushPopBothEnds)
{
    QuickList l;
    EXPECT_EQ(quicklist_count(l.ql), 0u);
    EXPECT_EQ(l.pop(QUICKLIST_HEAD), "<err " + std::to_string(-ENOENT) + ">");
    EXPECT_EQ(quicklist_pop(l.ql, QUICKLIST_TAIL, nullptr, nullptr), -ENOENT);
    ASSERT_EQ(l.push_tail("b"), 0);
    ASSERT_EQ(l.push_tail("-7"), 0);
    ASSERT_EQ(l.push_head("a"), 0);
    ASSERT_EQ(l.push_head("123456789012"), 0);
    EXPECT_EQ(l.forward(), (Strings{"123456789012", "a", "b", "-7"}));
    EXPECT_EQ(l.backward(), l.forward());
    EXPECT_EQ(quicklist_count(l.ql), 4u);
    EXPECT_EQ(l.pop(QUICKLIST_TAIL), "-7");
    EXPECT_EQ(l.pop(QUICKLIST_HEAD), "123456789012");
    EXPECT_EQ(quicklist_pop(l.ql, QUICKLIST_HEAD, nullptr, nullptr), 0);
    EXPECT_EQ(l.forward(), (Strings{"b"}));
    EXPECT_EQ(l.pop(QUICKLIST_HEAD), "b");
    EXPECT_EQ(l.layout().size(), 0u);
    EXPECT_TRUE(consistent(l));
}

// The take function sees the element before it goes, and can refuse it.
TEST(Quicklist, PopCancelledByTake)
{
    QuickList l;
    ASSERT_EQ(l.push_tail("keep"), 0);
    auto refuse = [](void *, const struct listpack_value *) { return -ENOMEM; };
    EXPECT_EQ(quicklist_pop(l.ql, QUICKLIST_HEAD, refuse, nullptr), -ENOMEM);
    EXPECT_EQ(l.forward(), (Strings{"keep"}));
}

// One node holds exactly: the list struct, a 32-byte node, the listpack.
TEST(Quicklist, BytesCountsTheNodeAndItsListpack)
{
    QuickList l;
    size_t empty = quicklist_bytes(l.ql);
    ASSERT_EQ(l.push_tail("a"), 0); // listpack: 6 header + 3 entry + 1
    EXPECT_EQ(quicklist_bytes(l.ql), empty + 32 + 10);
    ASSERT_EQ(l.push_tail("b"), 0);
    EXPECT_EQ(quicklist_bytes(l.ql), empty + 32 + 13);
    EXPECT_EQ(l.pop(QUICKLIST_HEAD), "a");
    EXPECT_EQ(l.pop(QUICKLIST_HEAD), "b");
    EXPECT_EQ(quicklist_bytes(l.ql), empty);
}

TEST(Quicklist, ReadsByIndexAndRange)
{
    QuickList l(3, 0);
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(l.push_tail(std::to_string(i)), 0);
    EXPECT_EQ(l.at(0), "0");
    EXPECT_EQ(l.at(9), "9");
    EXPECT_EQ(l.at(-1), "9");
    EXPECT_EQ(l.at(-10), "0");
    EXPECT_EQ(l.at(10), "<none>");
    EXPECT_EQ(l.at(-11), "<none>");
    EXPECT_EQ(l.at(LONG_MIN), "<none>");
    EXPECT_EQ(l.range(2, 4), (Strings{"2", "3", "4", "5"}));
    EXPECT_EQ(l.range(-3, 100), (Strings{"7", "8", "9"}));
    EXPECT_EQ(l.range(5, 4, false), (Strings{"5", "4", "3", "2"}));
    EXPECT_EQ(l.range(-8, 100, false), (Strings{"2", "1", "0"}));
    EXPECT_EQ(l.range(12, 5), Strings{});
}

TEST(Quicklist, SetInsertAndPivot)
{
    QuickList l(4, 0);
    for (const char *s : {"a", "b", "c", "d", "e", "f"})
        ASSERT_EQ(l.push_tail(s), 0);
    EXPECT_EQ(l.set(0, "A"), 0);
    EXPECT_EQ(l.set(-1, "F"), 0);
    EXPECT_EQ(l.set(6, "x"), -ERANGE);
    EXPECT_EQ(l.set(-7, "x"), -ERANGE);
    EXPECT_EQ(l.insert(1, true, "b+"), 0);
    EXPECT_EQ(l.insert(0, false, "<"), 0);
    EXPECT_EQ(l.insert(-1, true, ">"), 0);
    EXPECT_EQ(l.insert(9, true, "x"), -ERANGE);
    EXPECT_EQ(l.forward(), (Strings{"<", "A", "b", "b+", "c", "d", "e", "F", ">"}));
    EXPECT_EQ(l.insert_at_pivot(false, "c", "c-"), 1);
    EXPECT_EQ(l.insert_at_pivot(true, "missing", "x"), 0);
    EXPECT_EQ(l.forward(), (Strings{"<", "A", "b", "b+", "c-", "c", "d", "e", "F", ">"}));
    EXPECT_TRUE(consistent(l));
}

// Integers are stored as numbers: they match only their canonical spelling.
TEST(Quicklist, IntegerElementsCompareByTheirSpelling)
{
    QuickList l;
    for (const char *s : {"10", "010", "-0", "10", "x", "-5"})
        ASSERT_EQ(l.push_tail(s), 0);
    EXPECT_EQ(l.insert_at_pivot(true, "-5", "after"), 1);
    EXPECT_EQ(l.insert_at_pivot(false, "010", "before"), 1);
    EXPECT_EQ(l.remove("10", 0), 2u);
    EXPECT_EQ(l.remove("+10", 0), 0u);
    EXPECT_EQ(l.forward(), (Strings{"before", "010", "-0", "x", "-5", "after"}));
    struct listpack_value v = {nullptr, 0, 42};
    EXPECT_TRUE(quicklist_value_equals(&v, "42", 2));
    EXPECT_FALSE(quicklist_value_equals(&v, "042", 3));
    v = {reinterpret_cast<const unsigned char *>("42"), 2, 0};
    EXPECT_TRUE(quicklist_value_equals(&v, "42", 2));
}

TEST(Quicklist, RemoveFromEitherEnd)
{
    QuickList l(2, 0);
    for (const char *s : {"x", "a", "x", "b", "x", "c", "x"})
        ASSERT_EQ(l.push_tail(s), 0);
    EXPECT_EQ(l.remove("x", 1), 1u);
    EXPECT_EQ(l.forward(), (Strings{"a", "x", "b", "x", "c", "x"}));
    EXPECT_EQ(l.remove("x", -2), 2u);
    EXPECT_EQ(l.forward(), (Strings{"a", "x", "b", "c"}));
    EXPECT_EQ(l.remove("x", 0), 1u);
    EXPECT_EQ(l.remove("nothing", 0), 0u);
    EXPECT_EQ(l.remove("a", LONG_MIN), 1u);
    EXPECT_EQ(l.forward(), (Strings{"b", "c"}));
    EXPECT_TRUE(consistent(l));
}

TEST(Quicklist, DeleteRange)
{
    QuickList l(3, 0);
    for (int i = 0; i < 20; i++)
        ASSERT_EQ(l.push_tail(std::to_string(i)), 0);
    ASSERT_EQ(quicklist_delete_range(l.ql, 20, 5), 0); // outside: nothing
    ASSERT_EQ(quicklist_delete_range(l.ql, -21, 5), 0);
    ASSERT_EQ(quicklist_delete_range(l.ql, 0, 0), 0);
    EXPECT_EQ(quicklist_count(l.ql), 20u);
    ASSERT_EQ(quicklist_delete_range(l.ql, 2, 5), 0);   // across nodes
    ASSERT_EQ(quicklist_delete_range(l.ql, -3, 10), 0); // clamped at the tail
    EXPECT_EQ(l.forward(),
              (Strings{"0", "1", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"}));
    ASSERT_EQ(quicklist_delete_range(l.ql, 0, SIZE_MAX), 0);
    EXPECT_EQ(quicklist_count(l.ql), 0u);
    EXPECT_TRUE(consistent(l));
}

TEST(Quicklist, DupIsDeepAndIndependent)
{
    QuickList l(8, 1);
    for (int i = 0; i < 200; i++)
        ASSERT_EQ(l.push_tail("element number " + std::to_string(i % 17)), 0);
    QuickList copy(quicklist_dup(l.ql));
    ASSERT_NE(copy.ql, nullptr);
    EXPECT_EQ(copy.forward(), l.forward());
    EXPECT_EQ(quicklist_bytes(copy.ql), quicklist_bytes(l.ql));
    EXPECT_EQ(copy.node_counts(), l.node_counts());
    EXPECT_EQ(quicklist_fill(copy.ql), 8);
    EXPECT_EQ(quicklist_compress_depth(copy.ql), 1);
    EXPECT_TRUE(consistent(copy));
    ASSERT_EQ(l.set(100, "changed"), 0);
    EXPECT_EQ(copy.at(100), "element number " + std::to_string(100 % 17));
    EXPECT_TRUE(compression_settled(copy));
}

namespace
{

// Elements of every encoding; `big` makes long strings likelier, so that
// lists under the larger size limits still span several nodes.
std::string random_element(std::mt19937_64 &rng, bool big)
{
    if (big && rng() % 3 == 0)
        return std::string(500 + rng() % 3000, static_cast<char>('a' + rng() % 3));
    switch (rng() % 10) {
    case 0:
        return std::to_string(static_cast<long long>(rng()));
    case 1:
        return std::to_string(rng() % 300);
    case 2:
        return "0" + std::to_string(rng() % 10); // looks numeric, is not
    case 3:
        return std::string(100 + rng() % 400, static_cast<char>('a' + rng() % 4));
    case 4:
        if (rng() % 8 == 0)
            return std::string(5000 + rng() % 20000, 'z'); // bigger than most nodes
        return "w" + std::to_string(rng() % 5);
    default:
        return "value:" + std::to_string(rng() % 40);
    }
}

// Runs random operations on a list and on a deque; they must agree after
// every step.
void run_against_model(int fill, int compress, uint64_t seed, int steps)
{
    SCOPED_TRACE("fill " + std::to_string(fill) + " compress " + std::to_string(compress));
    std::mt19937_64 rng(seed);
    QuickList l(fill, compress);
    Model m;
    size_t target = 0;
    for (int step = 0; step < steps; step++) {
        long n = static_cast<long>(m.size());
        long index = n ? static_cast<long>(rng() % static_cast<uint64_t>(n)) : 0;
        long signed_index = rng() % 2 ? index : index - n;
        std::string s = random_element(rng, fill < -2);
        // Grow towards a target size, then shrink towards the next one.
        if (step % 150 == 0)
            target = rng() % 300;
        static const unsigned grow[] = {0, 1, 2, 5, 6, 7, 8, 13, 14};
        static const unsigned shrink[] = {3, 4, 5, 9, 10, 11, 12, 13, 14};
        bool growing = m.size() < target;
        size_t pick = rng() % 9;
        unsigned op = growing ? grow[pick] : shrink[pick];
        if (op <= 2) {
            bool head = op == 0;
            ASSERT_EQ(head ? l.push_head(s) : l.push_tail(s), 0);
            head ? m.push_front(s) : m.push_back(s);
        } else if (op <= 4) {
            bool head = op == 3;
            if (m.empty()) {
                ASSERT_EQ(l.pop(head ? QUICKLIST_HEAD : QUICKLIST_TAIL),
                          "<err " + std::to_string(-ENOENT) + ">");
            } else {
                ASSERT_EQ(l.pop(head ? QUICKLIST_HEAD : QUICKLIST_TAIL),
                          head ? m.front() : m.back());
                head ? m.pop_front() : m.pop_back();
            }
        } else if (op == 5 && n) {
            ASSERT_EQ(l.set(signed_index, s), 0);
            m[static_cast<size_t>(index)] = s;
        } else if (op <= 7 && n) {
            bool after = op == 7;
            ASSERT_EQ(l.insert(signed_index, after, s), 0);
            m.insert(m.begin() + index + (after ? 1 : 0), s);
        } else if (op == 8 && n) {
            const std::string &pivot = m[static_cast<size_t>(index)];
            bool after = rng() % 2;
            auto it = std::find(m.begin(), m.end(), pivot);
            ASSERT_EQ(l.insert_at_pivot(after, pivot, s), 1);
            m.insert(after ? it + 1 : it, s);
        } else if (op == 9) {
            std::string value = n && rng() % 4 ? m[static_cast<size_t>(index)] : s;
            long count = static_cast<long>(rng() % 5) - 2;
            size_t want = 0;
            if (count >= 0) {
                for (auto it = m.begin(); it != m.end() && (count == 0 || want < (size_t)count);)
                    it = *it == value ? (want++, m.erase(it)) : it + 1;
            } else {
                for (long i = n - 1; i >= 0 && want < (size_t)-count; i--)
                    if (m[static_cast<size_t>(i)] == value)
                        m.erase(m.begin() + i), want++;
            }
            ASSERT_EQ(l.remove(value, count), want);
        } else if (op <= 12) {
            long start = static_cast<long>(rng() % static_cast<uint64_t>(2 * n + 3)) - n - 1;
            size_t count = rng() % 4 == 0 ? rng() % 200 : rng() % 8;
            ASSERT_EQ(quicklist_delete_range(l.ql, start, count), 0);
            long from = start < 0 ? start + n : start;
            if (from >= 0 && from < n)
                m.erase(m.begin() + from, m.begin() + from + std::min<long>(count, n - from));
        } else if (n) {
            bool forward = op % 2;
            size_t count = rng() % 30;
            Strings want;
            for (long i = index; i >= 0 && i < n && want.size() < count; i += forward ? 1 : -1)
                want.push_back(m[static_cast<size_t>(i)]);
            ASSERT_EQ(l.range(signed_index, count, forward), want) << step;
        }
        ASSERT_EQ(quicklist_count(l.ql), m.size());
        ASSERT_TRUE(consistent(l)) << step;
        ASSERT_TRUE(compression_settled(l)) << step;
        if (step % 16 == 0 || m.size() < 8) {
            ASSERT_EQ(l.forward(), strings_of(m)) << step;
            ASSERT_EQ(l.backward(), strings_of(m)) << step;
        }
    }
    QuickList copy(quicklist_dup(l.ql));
    ASSERT_EQ(copy.forward(), strings_of(m));
}

} // namespace

TEST(Quicklist, RandomOperationsAgainstADeque)
{
    uint64_t seed = 1;
    for (int fill : {1, 2, 0, 5, 100, -1, -2, -3, -4, -5})
        for (int compress : {0, 1, 2})
            run_against_model(fill, compress, seed++, 1500);
}
