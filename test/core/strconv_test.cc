#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <string>
#include <vector>

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
    for (const char *bad : {"", "-", "-0", "00", "007", "+1", " 1", "1 ", "1a", "0x10", "1.0",
                            "1e3", "9223372036854775808", "-9223372036854775809",
                            "99999999999999999999", "123456789012345678901"})
        EXPECT_FALSE(parse(bad, &v)) << '"' << bad << '"';
}

TEST(Strconv, StopsAtTheGivenLength)
{
    long long v = 0;
    EXPECT_TRUE(strconv_parse_ll("123\r\n", 3, &v));
    EXPECT_EQ(v, 123);
    EXPECT_FALSE(strconv_parse_ll("12\0003", 4, &v));
}

TEST(Strconv, FormatsEveryInt64AndParsesItBack)
{
    std::vector<long long> values = {LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
    for (long long p = 1; p <= LLONG_MAX / 10; p *= 10) // every length, and its edges
        for (long long v : {p - 1, p, p + 1, 7 * p})
            for (long long sign : {1, -1})
                values.push_back(sign * v);
    for (long long v : values) {
        char buf[STRCONV_LL_BUF];
        memset(buf, 'x', sizeof(buf));
        size_t n = strconv_format_ll(buf, v);
        EXPECT_EQ(std::string(buf, n), std::to_string(v));
        EXPECT_EQ(buf[n], '\0');
        EXPECT_EQ(strconv_ll_len(v), n) << v;
        long long back;
        EXPECT_TRUE(strconv_parse_ll(buf, n, &back));
        EXPECT_EQ(back, v);
    }
}
