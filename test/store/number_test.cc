// Redis's float rules: which strings are floats (integers: core strconv_test).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "store/number.h"

namespace
{

bool ld(const std::string &s, long double *v)
{
    return number_parse_ld(s.data(), s.size(), v);
}

} // namespace

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
