// What the listpack tests share: an owning wrapper, the raw bytes, and the
// entries read forwards and backwards as strings.
#ifndef MAGPIE_TEST_STORE_LISTPACK_TEST_UTIL_H
#define MAGPIE_TEST_STORE_LISTPACK_TEST_UTIL_H

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/listpack.h"

using Bytes = std::vector<unsigned char>;
using Strings = std::vector<std::string>;

struct Listpack {
    struct listpack *lp = listpack_new();
    Listpack()
    {
        EXPECT_NE(lp, nullptr);
    }
    explicit Listpack(const Strings &entries) : Listpack()
    {
        for (const auto &e : entries)
            append(e);
    }
    ~Listpack()
    {
        listpack_free(lp);
    }
    Listpack(const Listpack &) = delete;
    Listpack &operator=(const Listpack &) = delete;

    void append(const std::string &s)
    {
        ASSERT_EQ(listpack_append(&lp, s.data(), s.size()), 0);
    }
    Bytes bytes() const
    {
        auto p = reinterpret_cast<const unsigned char *>(lp);
        return Bytes(p, p + listpack_bytes(lp));
    }
};

inline std::string entry_at(const struct listpack *lp, size_t pos)
{
    unsigned char buf[LISTPACK_INT_BUF];
    size_t len = 0;
    const unsigned char *s = listpack_get_bytes(lp, pos, &len, buf);
    return std::string(reinterpret_cast<const char *>(s), len);
}

inline Strings forward(const struct listpack *lp)
{
    Strings out;
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, pos))
        out.push_back(entry_at(lp, pos));
    return out;
}

// Read from the last entry back, then reversed: equal to forward() when
// every backlen is right.
inline Strings backward(const struct listpack *lp)
{
    Strings out;
    for (size_t pos = listpack_last(lp); pos; pos = listpack_prev(lp, pos))
        out.push_back(entry_at(lp, pos));
    std::reverse(out.begin(), out.end());
    return out;
}

#endif
