// How a quicklist lays its elements out: node sizes under each fill
// setting (worked out from Redis's rules), big elements in nodes of their
// own, where insertions go, merging after deletions, and which nodes the
// compress depth keeps compressed.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "quicklist_test_util.h"

namespace
{

std::vector<size_t> repeat(size_t value, size_t times, std::vector<size_t> tail = {})
{
    std::vector<size_t> v(times, value);
    v.insert(v.end(), tail.begin(), tail.end());
    return v;
}

// A 14-byte string: a listpack entry of 16 bytes (header, data, backlen).
std::string element(int i)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "element-%06d", i);
    return buf;
}

} // namespace

TEST(QuicklistLayout, PositiveFillCountsElements)
{
    for (int fill : {1, 2, 5}) {
        QuickList tail(fill, 0), head(fill, 0);
        for (int i = 0; i < 23; i++) {
            ASSERT_EQ(tail.push_tail(element(i)), 0);
            ASSERT_EQ(head.push_head(element(i)), 0);
        }
        size_t full = 23 / static_cast<size_t>(fill), rest = 23 % static_cast<size_t>(fill);
        auto want = rest ? repeat(fill, full, {rest}) : repeat(fill, full);
        EXPECT_EQ(tail.node_counts(), want) << fill;
        std::reverse(want.begin(), want.end());
        EXPECT_EQ(head.node_counts(), want) << fill;
    }
    // 0 is accepted as in Redis: no node takes a second element.
    QuickList zero(0, 0);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(zero.push_tail("x"), 0);
    EXPECT_EQ(zero.node_counts(), repeat(1, 4));
}

// By count, a node still stops at 8 KB: 1000-byte elements take 1004 bytes
// each, and a node of k accepts one more while 7 + 1004k + 1000 + 8 <= 8192.
TEST(QuicklistLayout, PositiveFillStopsAtTheSafetyLimit)
{
    QuickList l(100, 0);
    for (int i = 0; i < 20; i++)
        ASSERT_EQ(l.push_tail(std::string(1000, 'k')), 0);
    EXPECT_EQ(l.node_counts(), (std::vector<size_t>{8, 8, 4}));
    EXPECT_EQ(l.layout()[0].listpack_bytes, 7u + 8 * 1004);
}

// By size: a node of k 16-byte entries accepts one more while
// 7 + 16k + 14 + 8 <= limit.
TEST(QuicklistLayout, NegativeFillLimitsBytes)
{
    const size_t limits[] = {4096, 8192, 16384, 32768, 65536};
    for (int fill = -1; fill >= -5; fill--) {
        size_t limit = limits[-fill - 1];
        size_t per_node = (limit - 29) / 16 + 1;
        QuickList l(fill, 0);
        for (size_t i = 0; i < 3 * per_node + 5; i++)
            ASSERT_EQ(l.push_tail(element(static_cast<int>(i))), 0);
        EXPECT_EQ(l.node_counts(), repeat(per_node, 3, {5})) << fill;
        for (const auto &n : l.layout())
            EXPECT_LE(n.listpack_bytes, limit);
    }
}

TEST(QuicklistLayout, BigElementsGetNodesOfTheirOwn)
{
    const std::string big(100000, 'B');
    QuickList l(-2, 0);
    for (const std::string &s : {std::string("a"), std::string("b"), big, std::string("c")})
        ASSERT_EQ(l.push_tail(s), 0);
    ASSERT_EQ(l.push_head(big), 0);
    ASSERT_EQ(l.push_head("z"), 0);
    EXPECT_EQ(l.node_counts(), (std::vector<size_t>{1, 1, 2, 1, 1}));
    EXPECT_EQ(l.at(1), big);
    EXPECT_EQ(l.at(4), big);
    // Inserted or set into the middle of a node, it splits the node.
    QuickList m(5, 0);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(m.push_tail(std::to_string(i)), 0);
    ASSERT_EQ(m.insert(2, false, big), 0);
    EXPECT_EQ(m.node_counts(), (std::vector<size_t>{2, 1, 3}));
    ASSERT_EQ(m.set(4, big), 0);
    EXPECT_EQ(m.node_counts(), (std::vector<size_t>{2, 1, 1, 1, 1}));
    EXPECT_EQ(m.forward(), (Strings{"0", "1", big, "2", big, "4"}));
    // Set back to something small, and removed: the halves merge again.
    ASSERT_EQ(m.set(4, "3"), 0);
    EXPECT_EQ(m.node_counts(), (std::vector<size_t>{2, 1, 3}));
    EXPECT_EQ(m.remove(big, 0), 1u);
    EXPECT_EQ(m.node_counts(), (std::vector<size_t>{5}));
    EXPECT_TRUE(consistent(l));
    EXPECT_TRUE(consistent(m));
}

// Redis's rules: into the node if it has room; at a full node's edge into
// the neighbour if that has room, else a new node.
TEST(QuicklistLayout, InsertionAtNodeEdges)
{
    QuickList l(2, 0);
    for (const char *s : {"a", "b", "c", "d"})
        ASSERT_EQ(l.push_tail(s), 0);
    ASSERT_EQ(l.insert(1, true, "x"), 0); // after b: next node is full
    EXPECT_EQ(l.node_counts(), (std::vector<size_t>{2, 1, 2}));
    ASSERT_EQ(l.insert(0, false, "y"), 0); // before a: no previous node
    EXPECT_EQ(l.node_counts(), (std::vector<size_t>{1, 2, 1, 2}));
    ASSERT_EQ(l.insert(2, true, "z"), 0);  // after b: into [x]
    ASSERT_EQ(l.insert(1, false, "w"), 0); // before a: into [y]
    EXPECT_EQ(l.node_counts(), (std::vector<size_t>{2, 2, 2, 2}));
    EXPECT_EQ(l.forward(), (Strings{"y", "w", "a", "b", "z", "x", "c", "d"}));
}

TEST(QuicklistLayout, SplitThenMergeOnPop)
{
    QuickList l(4, 0);
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(l.push_tail(std::to_string(i)), 0);
    ASSERT_EQ(l.insert(1, true, "x"), 0);
    // [0 1] [x] [2 3] [4..7]: x merges into the left half.
    EXPECT_EQ(l.node_counts(), (std::vector<size_t>{3, 2, 4}));
    EXPECT_EQ(l.pop(QUICKLIST_HEAD), "0");
    EXPECT_EQ(l.node_counts(), (std::vector<size_t>{4, 4}));
    EXPECT_EQ(l.forward(), (Strings{"1", "x", "2", "3", "4", "5", "6", "7"}));
}

TEST(QuicklistLayout, DeletionsMergeNodes)
{
    QuickList rem(4, 0), range(4, 0);
    for (int i = 0; i < 40; i++) {
        ASSERT_EQ(rem.push_tail(i % 2 ? "b" : "a"), 0);
        ASSERT_EQ(range.push_tail(std::to_string(i)), 0);
    }
    EXPECT_EQ(rem.remove("a", 0), 20u);
    EXPECT_EQ(rem.node_counts(), repeat(4, 5));
    EXPECT_EQ(rem.remove("b", -6), 6u);
    EXPECT_EQ(rem.node_counts(), (std::vector<size_t>{4, 4, 4, 2}));
    ASSERT_EQ(quicklist_delete_range(range.ql, 2, 4), 0);
    EXPECT_EQ(range.node_counts(), repeat(4, 9));
    EXPECT_TRUE(consistent(rem));
    EXPECT_TRUE(consistent(range));
}

// A replacement of the same length always fits where it is.
TEST(QuicklistLayout, SetInPlaceKeepsTheLayout)
{
    QuickList l(-1, 0);
    for (int i = 0; i < 600; i++)
        ASSERT_EQ(l.push_tail(element(i)), 0);
    auto before = l.node_counts();
    for (long i = 0; i < 600; i += 7)
        ASSERT_EQ(l.set(i, element(9000 + static_cast<int>(i))), 0);
    EXPECT_EQ(l.node_counts(), before);
    EXPECT_EQ(l.at(7), element(9007));
}

namespace
{

// Compressible elements: 40 bytes, mostly the same.
std::string compressible(int i)
{
    return "a compressible list element #" + std::to_string(100000 + i);
}

} // namespace

TEST(QuicklistLayout, CompressDepthKeepsTheEndsPlain)
{
    for (int depth : {1, 2, 3}) {
        QuickList l(16, depth);
        for (int i = 0; i < 1600; i++)
            ASSERT_EQ(l.push_tail(compressible(i)), 0);
        auto nodes = l.layout();
        ASSERT_EQ(nodes.size(), 100u);
        size_t compressed = 0, raw_bytes = 0;
        for (const auto &n : nodes) {
            compressed += n.compressed;
            raw_bytes += 32 + n.listpack_bytes;
            if (n.compressed) {
                EXPECT_LT(n.stored_bytes + 8, n.listpack_bytes);
            }
        }
        EXPECT_EQ(compressed, 100u - 2 * static_cast<size_t>(depth));
        EXPECT_LT(quicklist_bytes(l.ql), raw_bytes * 2 / 3);
        EXPECT_TRUE(compression_settled(l));
        // Reading leaves every node as it was.
        size_t bytes = quicklist_bytes(l.ql);
        EXPECT_EQ(l.at(800), compressible(800));
        EXPECT_EQ(l.forward().size(), 1600u);
        EXPECT_EQ(quicklist_bytes(l.ql), bytes);
        // Emptying it from either end decompresses each node entering the
        // depth.
        for (int i = 0; i < 1600; i++) {
            int from_tail = 1599 - i / 2;
            if (i % 2)
                ASSERT_EQ(l.pop(QUICKLIST_TAIL), compressible(from_tail));
            else
                ASSERT_EQ(l.pop(QUICKLIST_HEAD), compressible(i / 2));
            ASSERT_TRUE(compression_settled(l)) << i;
            ASSERT_TRUE(i % 50 || consistent(l)) << i;
        }
    }
}

TEST(QuicklistLayout, HeadPushesPushNodesOutOfTheDepth)
{
    QuickList l(4, 2);
    for (int i = 0; i < 200; i++) {
        ASSERT_EQ(l.push_head(compressible(i)), 0);
        ASSERT_TRUE(compression_settled(l)) << i;
    }
    EXPECT_TRUE(consistent(l));
}

TEST(QuicklistLayout, SmallOrRandomNodesStayPlain)
{
    QuickList small(1, 1);
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(small.push_tail("tiny"), 0);
    std::mt19937 rng(3);
    QuickList noise(4, 1);
    for (int i = 0; i < 40; i++) {
        std::string s(100, ' ');
        for (char &c : s)
            c = static_cast<char>(rng());
        ASSERT_EQ(noise.push_tail(s), 0);
    }
    for (const QuickList *l : {&small, &noise}) {
        auto nodes = l->layout();
        for (size_t i = 1; i + 1 < nodes.size(); i++) {
            EXPECT_FALSE(nodes[i].compressed);
            EXPECT_TRUE(nodes[i].incompressible);
        }
        EXPECT_TRUE(compression_settled(*l));
    }
}

// A depth covering the whole list compresses nothing.
TEST(QuicklistLayout, DeepDepthCompressesNothing)
{
    QuickList l(8, 10);
    for (int i = 0; i < 160; i++)
        ASSERT_EQ(l.push_tail(compressible(i)), 0);
    ASSERT_EQ(l.layout().size(), 20u);
    for (const auto &n : l.layout())
        EXPECT_FALSE(n.compressed);
    ASSERT_EQ(l.push_tail(compressible(0)), 0); // 21 nodes: the middle one
    EXPECT_TRUE(l.layout()[10].compressed);
    EXPECT_TRUE(compression_settled(l));
}
