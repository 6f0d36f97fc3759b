#include <gtest/gtest.h>

#include <climits>
#include <cstring>

extern "C" {
#include "core/strconv.h"
}

static bool parse(const char *s, long long *v)
{
    return strconv_parse_ll(s, strlen(s), v);
}

TEST(Strconv, AcceptsExactlyOneSpellingPerNumber)
{
    long long v = 1;
    EXPECT_TRUE(parse("0", &v));
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(parse("-12", &v));
    EXPECT_EQ(v, -12);
    EXPECT_TRUE(parse("9223372036854775807", &v));
    EXPECT_EQ(v, LLONG_MAX);
    EXPECT_TRUE(parse("-9223372036854775808", &v));
    EXPECT_EQ(v, LLONG_MIN);
    for (const char *bad :
         {"", "-", "-0", "007", "+1", " 1", "1 ", "1a", "0x10", "1.0", "9223372036854775808",
          "-9223372036854775809", "99999999999999999999", "123456789012345678901"})
        EXPECT_FALSE(parse(bad, &v)) << '"' << bad << '"';
}

TEST(Strconv, StopsAtTheGivenLength)
{
    long long v = 0;
    EXPECT_TRUE(strconv_parse_ll("123\r\n", 3, &v));
    EXPECT_EQ(v, 123);
    EXPECT_FALSE(strconv_parse_ll("12\0003", 4, &v));
}
