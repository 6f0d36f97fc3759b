// Redis's number rules: which strings are integers and floats.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "store/number.h"

namespace
{

bool ll(const std::string &s, long long *v)
{
    return number_parse_ll(s.data(), s.size(), v);
}

bool ld(const std::string &s, long double *v)
{
    return number_parse_ld(s.data(), s.size(), v);
}

} // namespace

TEST(Number, IntegersAreCanonical)
{
    long long v = 0;
    EXPECT_TRUE(ll("0", &v));
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(ll("-1", &v));
    EXPECT_EQ(v, -1);
    EXPECT_TRUE(ll("9223372036854775807", &v));
    EXPECT_EQ(v, INT64_MAX);
    EXPECT_TRUE(ll("-9223372036854775808", &v));
    EXPECT_EQ(v, INT64_MIN);
    for (const char *bad :
         {"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1.0", "1e3", "0x10", "9223372036854775808",
          "-9223372036854775809", "99999999999999999999", "123456789012345678901"})
        EXPECT_FALSE(ll(bad, &v)) << bad;
    EXPECT_FALSE(ll(std::string("1\0", 2), &v));
}

TEST(Number, FloatsAsStrtold)
{
    long double v = 0;
    EXPECT_TRUE(ld("1.5", &v));
    EXPECT_EQ(v, 1.5L);
    EXPECT_TRUE(ld("-2e3", &v));
    EXPECT_EQ(v, -2000.0L);
    EXPECT_TRUE(ld("0x10", &v));
    EXPECT_EQ(v, 16.0L);
    EXPECT_TRUE(ld("inf", &v));
    EXPECT_TRUE(std::isinf(v));
    EXPECT_TRUE(ld("1e400", &v)); // fine for a long double
    for (const char *bad : {"", " 1", "1 ", "abc", "nan", "1e5000", "-1e5000", "1.5x"})
        EXPECT_FALSE(ld(bad, &v)) << bad;
    // All bytes must be part of the number: an embedded NUL makes it invalid
    // (redis-server: INCRBYFLOAT k "2\0junk" is not a valid float).
    EXPECT_FALSE(ld(std::string("2\0junk", 6), &v));
    EXPECT_FALSE(ld(std::string("5\0", 2), &v));
    EXPECT_FALSE(ld(std::string("\0", 1), &v));
    EXPECT_FALSE(ld(std::string(NUMBER_LD_MAX_CHARS, '1'), &v));
}

TEST(Number, FormatsEveryInt64)
{
    char buf[NUMBER_LL_BUF];
    for (long long v :
         {0LL, 7LL, -7LL, 10LL, 1234567890123LL, (long long)INT64_MAX, (long long)INT64_MIN}) {
        int n = number_format_ll(buf, v);
        EXPECT_EQ(std::string(buf, (size_t)n), std::to_string(v));
        EXPECT_EQ(number_ll_len(v), n);
    }
}
