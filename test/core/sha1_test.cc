#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "core/sha1.h"
}

static std::string hex(const unsigned char d[SHA1_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < SHA1_SIZE; i++) {
        s += digits[d[i] >> 4];
        s += digits[d[i] & 15];
    }
    return s;
}

static std::string sha1_hex(const std::string &data)
{
    unsigned char d[SHA1_SIZE];
    sha1_of(data.data(), data.size(), d);
    return hex(d);
}

/* The bytes (7i + 3) mod 256, i < n. */
static std::string pattern(size_t n)
{
    std::string s;
    for (size_t i = 0; i < n; i++)
        s += (char)((i * 7 + 3) & 255);
    return s;
}

TEST(Sha1, MatchesTheStandardsVectors)
{
    EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    EXPECT_EQ(sha1_hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* Lengths around the padding's edges: 55 bytes leave room for the length in
 * the last block, 56 do not; 64 and 120 end on and near a block's end.
 * (Expected values from Python's hashlib.) */
TEST(Sha1, PadsEveryLengthAroundABlocksEnd)
{
    const std::pair<size_t, const char *> cases[] = {
        {55, "ddf57317ef34bfee3b6df83d359098930eb278bc"},
        {56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"},
        {63, "c55856749bef509bdfe6bfebfc7bf4e793e82132"},
        {64, "bede92be29c3874e1b54ddc77988d606fc857a8e"},
        {119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"},
        {120, "82134b02fb3f702491be9bed581eeab59334acb2"},
    };
    for (const auto &c : cases)
        EXPECT_EQ(sha1_hex(pattern(c.first)), c.second) << c.first << " bytes";
}

TEST(Sha1, PiecesHashAsTheWhole)
{
    for (size_t n : {0, 1, 63, 64, 65, 130, 200}) {
        std::string data = pattern(n);
        std::string whole = sha1_hex(data);
        for (size_t cut = 0; cut <= n; cut += 7) {
            struct sha1 h;
            sha1_init(&h);
            sha1_update(&h, data.data(), cut);
            for (size_t i = cut; i < n; i++) /* the rest a byte at a time */
                sha1_update(&h, data.data() + i, 1);
            unsigned char d[SHA1_SIZE];
            sha1_final(&h, d);
            EXPECT_EQ(hex(d), whole) << n << " bytes cut at " << cut;
        }
    }
}
