// KEYS / SCAN MATCH use core/glob: check it against redis-server 7.0.15's KEYS for the same
// patterns and keys, plus the corner cases KEYS cannot show.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "core/glob.h"

namespace
{

// Generated from redis-server 7.0.15: KEYS <pattern> over these strings.
static const char *const glob_strings[] = {"a",
                                           "b",
                                           "ab",
                                           "abc",
                                           "aXc",
                                           "hello",
                                           "hallo",
                                           "hllo",
                                           "heeeello",
                                           "h*llo",
                                           "h?llo",
                                           "h[a]llo",
                                           "[",
                                           "]",
                                           "^",
                                           "-",
                                           "\\",
                                           "*",
                                           "?",
                                           "x",
                                           "z",
                                           "key:1",
                                           "key:10",
                                           "user:42:name",
                                           "aaa",
                                           "abab",
                                           "a\\b",
                                           "\x80"
                                           "",
                                           "\xff"
                                           "",
                                           "A",
                                           "foo.bar",
                                           "a-b",
                                           "a]b"};
struct glob_case {
    const char *pattern;
    const char *matches;
};
// matches: one character per string of glob_strings, '1' when KEYS returned it.
static const struct glob_case glob_cases[] = {
    {"*", "111111111111111111111111111111111"},
    {"**", "111111111111111111111111111111111"},
    {"?", "110000000000111111111000000111000"},
    {"??", "001000000000000000000000000000000"},
    {"h?llo", "000001100110000000000000000000000"},
    {"h*llo", "000001111111000000000000000000000"},
    {"h[ae]llo", "000001100000000000000000000000000"},
    {"h[^e]llo", "000000100110000000000000000000000"},
    {"h[a-b]llo", "000000100000000000000000000000000"},
    {"h\\*llo", "000000000100000000000000000000000"},
    {"h\\?llo", "000000000010000000000000000000000"},
    {"[", "000000000000000000000000000000000"},
    {"[a", "100000000000000000000000000000000"},
    {"[^", "110000000000111111111000000111000"},
    {"[^a", "010000000000111111111000000111000"},
    {"[a-", "100000000000000100000000000000000"},
    {"[\\", "000000000000000010000000000000000"},
    {"\\", "000000000000000010000000000000000"},
    {"[]", "000000000000000000000000000000000"},
    {"[]]", "000000000000000000000000000000000"},
    {"[!a]", "100000000000000000000000000000000"},
    {"[a-c", "110000000000000000000000000000000"},
    {"[c-a]", "110000000000000000000000000000000"},
    {"[a-\xff"
     "]",
     "100000000000111111100000000011000"},
    {"[\\]]", "000000000000010000000000000000000"},
    {"a[", "000000000000000000000000000000000"},
    {"a\\", "000000000000000000000000000000000"},
    {"[^]", "110000000000111111111000000111000"},
    {"[-]", "000000000000000100000000000000000"},
    {"[a-]", "100000000000011000000000000000000"},
    {"*[", "000000000000000000000000000000000"},
    {"[^a-b]", "000000000000111111111000000111000"},
    {"a*", "101110000000000000000000111000011"},
    {"*a", "100000000000000000000000100000000"},
    {"*b*", "011100000000000000000000011000111"},
    {"a*b", "001000000000000000000000011000011"},
    {"a*c", "000110000000000000000000000000000"},
    {"*:*", "000000000000000000000111000000000"},
    {"key:?", "000000000000000000000100000000000"},
    {"key:*", "000000000000000000000110000000000"},
    {"user:*:name", "000000000000000000000001000000000"},
    {"a?", "001000000000000000000000000000000"},
    {"?b", "001000000000000000000000000000000"},
    {"[ab]*", "111110000000000000000000111000011"},
    {"*[ab]", "111000000000000000000000111000011"},
    {"a\\*", "000000000000000000000000000000000"},
    {"\\a", "100000000000000000000000000000000"},
    {"[\\a]", "100000000000000000000000000000000"},
    {"[a\\-c]", "100000000000000100000000000000000"},
    {"[a-\\]]", "000000000000000000000000000000000"},
    {"*[^a]*", "011111111111111111111111011111111"},
    {"h*l*o", "000001111111000000000000000000000"},
    {"*l?o", "000001111111000000000000000000000"},
    {"a*b*c", "000100000000000000000000000000000"},
    {"a*a*a", "000000000000000000000000100000000"},
    {"[A-Z]", "000000000000000000000000000001000"},
    {"[a-z]", "110000000000000000011000000000000"},
    {"[[]", "000000000000100000000000000000000"},
    {"[]a]", "000000000000000000000000000000000"},
    {"*\\", "000000000000000010000000000000000"},
    {"\\\\", "000000000000000010000000000000000"},
    {"[\\\\]", "000000000000000010000000000000000"},
    {"ab*ab", "000000000000000000000000010000000"},
    {"*ab", "001000000000000000000000010000000"},
    {"a**b", "001000000000000000000000011000011"},
    {"x*", "000000000000000000010000000000000"},
    {"[x-z]*", "000000000000000000011000000000000"},
    {"[^x-z]", "110000000000111111100000000111000"},
};

bool match(const std::string &p, const std::string &s)
{
    return glob_match(p.data(), p.size(), s.data(), s.size(), false);
}

} // namespace

TEST(Glob, MatchesRedisKeys)
{
    const size_t n = sizeof(glob_strings) / sizeof(glob_strings[0]);
    for (const auto &c : glob_cases) {
        ASSERT_EQ(strlen(c.matches), n) << c.pattern;
        for (size_t i = 0; i < n; i++) {
            std::string s = glob_strings[i];
            EXPECT_EQ(match(c.pattern, s), c.matches[i] == '1')
                << "pattern '" << c.pattern << "' string '" << s << "'";
        }
    }
}

TEST(Glob, EmptyStringMatchesOnlyEmptyPattern)
{
    EXPECT_TRUE(match("", ""));
    EXPECT_FALSE(match("*", ""));
    EXPECT_FALSE(match("**", ""));
    EXPECT_FALSE(match("?", ""));
    EXPECT_FALSE(match("", "a"));
    EXPECT_TRUE(match("a*", "a"));
    EXPECT_TRUE(match("a**", "a"));
}

TEST(Glob, BinarySafe)
{
    EXPECT_TRUE(match(std::string("a\0*", 3), std::string("a\0bc", 4)));
    EXPECT_FALSE(match(std::string("a\0*", 3), std::string("a\1bc", 4)));
    EXPECT_TRUE(match("?", std::string("\0", 1)));
}

TEST(Glob, NoCase)
{
    EXPECT_TRUE(glob_match("HeLLo", 5, "hello", 5, true));
    EXPECT_TRUE(glob_match("[A-C]x", 6, "bX", 2, true));
    EXPECT_FALSE(glob_match("HeLLo", 5, "hello", 5, false));
}

// Redis 7.0.15 stops at 1000 nested stars: "a*" x 1001 still matches a long
// run of a's, "a*" x 1002 does not (checked against redis-server).
TEST(Glob, NestingLimitLikeRedis)
{
    std::string s(1100, 'a');
    std::string p1001, p1002;
    for (int i = 0; i < 1001; i++)
        p1001 += "a*";
    p1002 = p1001 + "a*";
    EXPECT_TRUE(match(p1001, s));
    EXPECT_FALSE(match(p1002, s));
    // Stars inside classes or escaped are not stars.
    std::string escaped;
    for (int i = 0; i < 1500; i++)
        escaped += "\\*";
    EXPECT_TRUE(match(escaped, std::string(1500, '*')));
}

// A pattern that makes naive backtracking exponential finishes at once.
TEST(Glob, HostilePatternIsLinearish)
{
    std::string s(5000, 'a');
    std::string p;
    for (int i = 0; i < 30; i++)
        p += "*a";
    p += "b";
    EXPECT_FALSE(match(p, s));
}
