// What the quicklist tests share: an owning wrapper with the operations
// taking std::string, the contents read forwards and backwards, and the
// invariants every test checks after a change (quicklist_check, and the
// compression rule when no allocation was made to fail).
#ifndef MAGPIE_TEST_STORE_QUICKLIST_TEST_UTIL_H
#define MAGPIE_TEST_STORE_QUICKLIST_TEST_UTIL_H

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "store/quicklist.h"

using Model = std::deque<std::string>;
using Strings = std::vector<std::string>;

inline std::string value_string(const struct listpack_value &v)
{
    if (v.str)
        return std::string(reinterpret_cast<const char *>(v.str), v.len);
    return std::to_string(v.integer);
}

// Collects a popped element.
inline int take_string(void *ctx, const struct listpack_value *v)
{
    *static_cast<std::string *>(ctx) = value_string(*v);
    return 0;
}

struct QuickList {
    struct quicklist *ql;
    QuickList(int fill = QUICKLIST_FILL_DEFAULT, int compress = 0)
        : ql(quicklist_new(fill, compress))
    {
        EXPECT_NE(ql, nullptr);
    }
    explicit QuickList(struct quicklist *adopt) : ql(adopt) {}
    ~QuickList()
    {
        quicklist_free(ql);
    }
    QuickList(const QuickList &) = delete;
    QuickList &operator=(const QuickList &) = delete;

    int push_tail(const std::string &s)
    {
        return quicklist_push(ql, QUICKLIST_TAIL, s.data(), s.size());
    }
    int push_head(const std::string &s)
    {
        return quicklist_push(ql, QUICKLIST_HEAD, s.data(), s.size());
    }
    // The popped element, or "<err N>".
    std::string pop(enum quicklist_end end)
    {
        std::string out;
        int err = quicklist_pop(ql, end, take_string, &out);
        return err ? "<err " + std::to_string(err) + ">" : out;
    }
    int set(long index, const std::string &s)
    {
        return quicklist_set(ql, index, s.data(), s.size());
    }
    int insert(long index, bool after, const std::string &s)
    {
        return quicklist_insert(ql, index, after ? LISTPACK_AFTER : LISTPACK_BEFORE, s.data(),
                                s.size());
    }
    int insert_at_pivot(bool after, const std::string &pivot, const std::string &s)
    {
        return quicklist_insert_at_pivot(ql, after ? LISTPACK_AFTER : LISTPACK_BEFORE, pivot.data(),
                                         pivot.size(), s.data(), s.size());
    }
    size_t remove(const std::string &s, long count, int *err = nullptr)
    {
        size_t removed = 0;
        int e = quicklist_remove(ql, s.data(), s.size(), count, &removed);
        if (err)
            *err = e;
        else
            EXPECT_EQ(e, 0);
        return removed;
    }
    // Up to `count` elements from index, in one direction.
    Strings range(long index, size_t count, bool forward = true) const
    {
        Strings out;
        struct quicklist_iter it;
        quicklist_iter_init(&it, ql, index, forward ? QUICKLIST_FORWARD : QUICKLIST_BACKWARD);
        struct listpack_value v;
        int rc = 0;
        while (out.size() < count && (rc = quicklist_iter_next(&it, &v)) == 1)
            out.push_back(value_string(v));
        EXPECT_GE(rc, 0);
        quicklist_iter_release(&it);
        return out;
    }
    Strings forward() const
    {
        return range(0, SIZE_MAX);
    }
    Strings backward() const
    {
        Strings out = range(-1, SIZE_MAX, false);
        std::reverse(out.begin(), out.end());
        return out;
    }
    std::string at(long index) const
    {
        Strings one = range(index, 1);
        return one.empty() ? "<none>" : one[0];
    }
    std::vector<quicklist_node_info> layout() const
    {
        std::vector<quicklist_node_info> nodes(quicklist_layout(ql, nullptr, 0));
        quicklist_layout(ql, nodes.data(), nodes.size());
        return nodes;
    }
    std::vector<size_t> node_counts() const
    {
        std::vector<size_t> counts;
        for (const auto &n : layout())
            counts.push_back(n.count);
        return counts;
    }
};

// quicklist_check, as a gtest assertion.
inline ::testing::AssertionResult consistent(const QuickList &l)
{
    const char *why = quicklist_check(l.ql);
    if (why)
        return ::testing::AssertionFailure() << why;
    return ::testing::AssertionSuccess();
}

// Compression depth d: the d nodes at each end plain, every other node
// compressed or found not worth compressing. Holds whenever no allocation
// failed.
inline ::testing::AssertionResult compression_settled(const QuickList &l)
{
    auto nodes = l.layout();
    size_t depth = static_cast<size_t>(quicklist_compress_depth(l.ql));
    for (size_t i = 0; i < nodes.size(); i++) {
        bool interior = depth > 0 && i >= depth && nodes.size() - 1 - i >= depth;
        if (!interior && nodes[i].compressed)
            return ::testing::AssertionFailure() << "node " << i << " of " << nodes.size()
                                                 << " compressed within depth " << depth;
        if (interior && !nodes[i].compressed && !nodes[i].incompressible)
            return ::testing::AssertionFailure() << "interior node " << i << " of " << nodes.size()
                                                 << " left plain at depth " << depth;
    }
    return ::testing::AssertionSuccess();
}

inline Strings strings_of(const Model &m)
{
    return Strings(m.begin(), m.end());
}

#endif
