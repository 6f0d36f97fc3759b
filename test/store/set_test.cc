// The set type beyond what the differential suite can compare with Redis
// 7.0: the listpack encoding and its thresholds (set-max-listpack-entries,
// set-max-listpack-value, as Redis 7.2), conversions that never go back,
// commands that fail for memory and change nothing, SSCAN that misses no
// member while the table resizes, and uniform SPOP / SRANDMEMBER on every
// encoding (a chi-square test).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/alloc.h"
#include "store_harness.h"

namespace
{

// The bulk strings of an array (or set) reply, in order; nested arrays are
// flattened. Integers and nulls are skipped.
std::vector<std::string> bulks(const std::string &r)
{
    std::vector<std::string> out;
    size_t i = 0;
    while (i < r.size()) {
        size_t eol = r.find("\r\n", i);
        if (eol == std::string::npos)
            break;
        if (r[i] == '$') {
            long len = std::stol(r.substr(i + 1, eol - i - 1));
            if (len >= 0) {
                out.push_back(r.substr(eol + 2, (size_t)len));
                i = eol + 2 + (size_t)len + 2;
                continue;
            }
        }
        i = eol + 2;
    }
    return out;
}

std::vector<std::string> sorted_members(Store &s, const std::string &key)
{
    std::vector<std::string> m = bulks(s.run("SMEMBERS " + key));
    std::sort(m.begin(), m.end());
    return m;
}

std::string encoding(Store &s, const std::string &key)
{
    std::vector<std::string> b = bulks(s.run("OBJECT ENCODING " + key));
    return b.empty() ? "" : b[0];
}

// Pearson's chi-square statistic of counts against a uniform expectation.
double chi_square(const std::map<std::string, long> &counts, size_t categories, long samples)
{
    double expected = (double)samples / (double)categories, chi = 0;
    for (const auto &kv : counts)
        chi += ((double)kv.second - expected) * ((double)kv.second - expected) / expected;
    chi += expected * (double)(categories - counts.size()); // members never drawn
    return chi;
}

// Far in the tail of chi-square with df degrees of freedom (about 6 sigma):
// a uniform sampler fails it with negligible probability, a biased one does
// not pass it.
double chi_square_limit(size_t df)
{
    return (double)df + 6.0 * std::sqrt(2.0 * (double)df);
}

} // namespace

TEST(SetEncoding, SmallStringSetsAreListpacks)
{
    Store s;
    EXPECT_EQ(s.run("SADD s a b c"), ":3\r\n");
    EXPECT_EQ(encoding(s, "s"), "listpack");
    EXPECT_EQ(s.run("SADD s b 7"), ":1\r\n");
    EXPECT_EQ(encoding(s, "s"), "listpack");
    // listpack keeps insertion order
    EXPECT_EQ(bulks(s.run("SMEMBERS s")), (std::vector<std::string>{"a", "b", "c", "7"}));
    EXPECT_EQ(s.run("SISMEMBER s 7"), ":1\r\n");
    EXPECT_EQ(s.run("SISMEMBER s 07"), ":0\r\n");
    EXPECT_EQ(s.run("SREM s a 7"), ":2\r\n");
    EXPECT_EQ(bulks(s.run("SMEMBERS s")), (std::vector<std::string>{"b", "c"}));
}

TEST(SetEncoding, ListpackThresholds)
{
    Store s;
    keyspace_set_set_config(s.ks, 512, 3, 5);
    EXPECT_EQ(s.run("SADD s a b c"), ":3\r\n");
    EXPECT_EQ(encoding(s, "s"), "listpack");
    EXPECT_EQ(s.run("SADD s d"), ":1\r\n"); // a 4th member
    EXPECT_EQ(encoding(s, "s"), "hashtable");
    EXPECT_EQ(sorted_members(s, "s"), (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_EQ(s.run("SREM s a b c"), ":3\r\n"); // never back
    EXPECT_EQ(encoding(s, "s"), "hashtable");

    EXPECT_EQ(s.run("SADD v abcde"), ":1\r\n");
    EXPECT_EQ(encoding(s, "v"), "listpack");
    EXPECT_EQ(s.run("SADD v abcdef"), ":1\r\n"); // 6 bytes > 5
    EXPECT_EQ(encoding(s, "v"), "hashtable");
    EXPECT_EQ(s.run("SADD w abcdef"), ":1\r\n"); // too long from the start
    EXPECT_EQ(encoding(s, "w"), "hashtable");
    EXPECT_EQ(s.run("SADD x p q r s"), ":4\r\n"); // more than 3 at once
    EXPECT_EQ(encoding(s, "x"), "hashtable");
}

TEST(SetEncoding, IntsetConversions)
{
    Store s;
    keyspace_set_set_config(s.ks, 6, 4, 64);
    EXPECT_EQ(s.run("SADD i 1 2 3"), ":3\r\n");
    EXPECT_EQ(encoding(s, "i"), "intset");
    EXPECT_EQ(s.run("SADD i x"), ":1\r\n"); // 3 < 4 listpack entries
    EXPECT_EQ(encoding(s, "i"), "listpack");
    EXPECT_EQ(s.run("SREM i x"), ":1\r\n");
    EXPECT_EQ(encoding(s, "i"), "listpack"); // never back to an intset
    EXPECT_EQ(s.run("SISMEMBER i 2"), ":1\r\n");

    EXPECT_EQ(s.run("SADD j 1 2 3 4"), ":4\r\n");
    EXPECT_EQ(s.run("SADD j x"), ":1\r\n"); // 4 integers: not below 4
    EXPECT_EQ(encoding(s, "j"), "hashtable");
    EXPECT_EQ(sorted_members(s, "j"), (std::vector<std::string>{"1", "2", "3", "4", "x"}));

    EXPECT_EQ(s.run("SADD k 1 2 3 4 5 6"), ":6\r\n");
    EXPECT_EQ(encoding(s, "k"), "intset");
    EXPECT_EQ(s.run("SADD k 7"), ":1\r\n");
    EXPECT_EQ(encoding(s, "k"), "hashtable");
    EXPECT_EQ(s.run("SISMEMBER k 7"), ":1\r\n");
}

TEST(SetEncoding, TypeCopyAndDebugObject)
{
    Store s;
    EXPECT_EQ(s.run("SADD s a b"), ":2\r\n");
    EXPECT_EQ(s.run("TYPE s"), "+set\r\n");
    EXPECT_EQ(s.run("COPY s t"), ":1\r\n");
    EXPECT_EQ(s.run("SADD t c"), ":1\r\n");
    EXPECT_EQ(s.run("SCARD s"), ":2\r\n");
    EXPECT_EQ(encoding(s, "t"), "listpack");
    EXPECT_EQ(s.run("SET str v"), "+OK\r\n");
    EXPECT_EQ(s.run("SADD str a"), kWrongType);
    EXPECT_EQ(s.run("SMOVE s str a"), kWrongType);
    EXPECT_EQ(s.run("SCARD s"), ":2\r\n");
}

// Every command that allocates, failing at each allocation in turn, either
// succeeds or answers OOM with every key exactly as before.
TEST(SetMemory, FailedCommandsChangeNothing)
{
    const char *const commands[] = {
        "SADD i x y z",      "SADD i 4 5 6",     "SADD l x y 7",  "SADD fresh a b",
        "SMOVE i l 1",       "SMOVE l i x",      "SMOVE l new x", "SINTERSTORE l i l",
        "SUNIONSTORE i i l", "SDIFFSTORE d l i", "SPOP l 2",      "SRANDMEMBER l 2",
        "SMEMBERS l",
    };
    int ooms = 0;
    for (const char *line : commands) {
        for (long fail_at = 0; fail_at < 16; fail_at++) {
            Store s;
            keyspace_set_set_config(s.ks, 4, 5, 64);
            s.run("SADD i 1 2 3");
            s.run("SADD l a b c");
            auto before_i = sorted_members(s, "i"), before_l = sorted_members(s, "l");
            s.run("PING_WARMUP"); // the reply encoder's first block is not what fails
            std::vector<std::string> argv = split_command(line);
            mem_fail_after(fail_at);
            std::string r = s.run_argv(argv);
            mem_fail_reset();
            if (r.rfind("-OOM", 0) != 0)
                continue;
            ooms++;
            SCOPED_TRACE(std::string(line) + " failing after " + std::to_string(fail_at));
            EXPECT_EQ(sorted_members(s, "i"), before_i);
            EXPECT_EQ(sorted_members(s, "l"), before_l);
            EXPECT_EQ(s.run("EXISTS fresh new d"), ":0\r\n");
        }
    }
    EXPECT_GT(ooms, 20); // the failures did land inside the commands
}

// SSCAN of a table: members added and removed between calls make the table
// grow and shrink; every member present for the whole scan is returned.
TEST(SetScan, MissesNoStableMemberWhileTheTableResizes)
{
    Store s;
    std::set<std::string> stable;
    for (int i = 0; i < 300; i++) {
        stable.insert("stable" + std::to_string(i));
        s.run("SADD s stable" + std::to_string(i));
    }
    std::set<std::string> seen;
    std::string cursor = "0";
    int step = 0;
    do {
        std::string r = s.run("SSCAN s " + cursor + " COUNT 7");
        std::vector<std::string> b = bulks(r);
        ASSERT_FALSE(b.empty());
        cursor = b[0];
        seen.insert(b.begin() + 1, b.end());
        // Grow to ~4000 members, then shrink back below 300.
        if (step < 20)
            for (int i = 0; i < 200; i++)
                s.run("SADD s churn" + std::to_string(step * 200 + i));
        else if (step < 40)
            for (int i = 0; i < 200; i++)
                s.run("SREM s churn" + std::to_string((step - 20) * 200 + i));
        step++;
    } while (cursor != "0" && step < 100000);
    for (const std::string &m : stable)
        EXPECT_TRUE(seen.count(m)) << m;
}

// SRANDMEMBER and SPOP pick every member equally often, in each encoding.
TEST(SetRandom, UniformOnEveryEncoding)
{
    struct Case {
        const char *name;
        int members;
        bool strings;
    } cases[] = {{"intset", 20, false}, {"listpack", 20, true}, {"hashtable", 1000, true}};
    for (const Case &c : cases) {
        SCOPED_TRACE(c.name);
        Store s;
        std::string add = "SADD s";
        for (int i = 0; i < c.members; i++)
            add += (c.strings ? " m" : " ") + std::to_string(i);
        s.run(add);
        ASSERT_EQ(encoding(s, "s"), c.name);
        const long samples = (long)c.members * 200;
        std::map<std::string, long> counts;
        // SRANDMEMBER with a negative count: independent picks
        for (long done = 0; done < samples; done += 1000)
            for (const std::string &m : bulks(s.run("SRANDMEMBER s -1000")))
                counts[m]++;
        EXPECT_LT(chi_square(counts, (size_t)c.members, samples),
                  chi_square_limit((size_t)c.members - 1));
        // SRANDMEMBER with a small positive count: distinct members
        counts.clear();
        long drawn = 0;
        for (int round = 0; round < samples / 3; round++) {
            std::vector<std::string> b = bulks(s.run("SRANDMEMBER s 3"));
            ASSERT_EQ(std::set<std::string>(b.begin(), b.end()).size(), 3u);
            for (const std::string &m : b)
                counts[m]++;
            drawn += 3;
        }
        EXPECT_LT(chi_square(counts, (size_t)c.members, drawn),
                  chi_square_limit((size_t)c.members - 1));
    }
}

TEST(SetRandom, SpopIsUniform)
{
    for (bool big : {false, true}) {
        SCOPED_TRACE(big ? "hashtable" : "listpack");
        Store s;
        const int members = big ? 600 : 20;
        std::string add = "SADD s";
        for (int i = 0; i < members; i++)
            add += " m" + std::to_string(i);
        std::map<std::string, long> counts;
        const long rounds = big ? 200 : 2000;
        for (long r = 0; r < rounds; r++) {
            s.run("DEL s");
            s.run(add);
            // Pop a few; each member should be popped equally often.
            for (const std::string &m : bulks(s.run("SPOP s 3")))
                counts[m]++;
            std::vector<std::string> one = bulks(s.run("SPOP s"));
            ASSERT_EQ(one.size(), 1u);
            counts[one[0]]++;
        }
        EXPECT_LT(chi_square(counts, (size_t)members, rounds * 4),
                  chi_square_limit((size_t)members - 1));
    }
}
