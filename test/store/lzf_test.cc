// LZF: streams written by hand from the format and streams taken from a
// real redis-server's RDB decompress to what they should; what lzf_compress
// writes is exactly the stream worked out by hand for simple inputs and
// round-trips for random, repetitive and incompressible data; every
// corruption and every too-small output buffer is refused with 0.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "store/lzf.h"

namespace
{

using Bytes = std::vector<unsigned char>;

Bytes bytes_of(const std::string &s)
{
    return Bytes(s.begin(), s.end());
}

// Decompresses into a buffer of exactly `cap` bytes (heap, so ASan sees a
// write past it); the result, or "<0>" when lzf_decompress refused.
std::string decompress(const Bytes &in, size_t cap)
{
    std::vector<unsigned char> out(cap ? cap : 1);
    size_t n = lzf_decompress(in.data(), in.size(), out.data(), cap);
    if (n == 0)
        return "<0>";
    EXPECT_LE(n, cap);
    return std::string(out.begin(), out.begin() + n);
}

Bytes compress(const Bytes &in, size_t cap)
{
    Bytes out(cap ? cap : 1);
    size_t n = lzf_compress(in.data(), in.size(), out.data(), cap);
    out.resize(n);
    return out;
}

void expect_round_trip(const Bytes &in)
{
    Bytes packed = compress(in, in.size() + in.size() / 32 + 1);
    ASSERT_FALSE(packed.empty());
    EXPECT_EQ(decompress(packed, in.size()), std::string(in.begin(), in.end()));
    // One byte short of the original length must be refused, never overrun.
    if (!in.empty()) {
        EXPECT_EQ(decompress(packed, in.size() - 1), "<0>");
    }
}

} // namespace

// Each control byte, decoded by hand.
TEST(Lzf, DecompressesHandWrittenStreams)
{
    // A literal run: ctrl 2 = three bytes.
    EXPECT_EQ(decompress({0x02, 'a', 'b', 'c'}, 3), "abc");
    // "ab", then 0x20 0x01: L = 1 (3 bytes) from distance 2: "aba".
    EXPECT_EQ(decompress({0x01, 'a', 'b', 0x20, 0x01}, 5), "ababa");
    // Overlapping reference: "x" then L = 6 (8 bytes) at distance 1.
    EXPECT_EQ(decompress({0x00, 'x', 0xC0, 0x00}, 9), "xxxxxxxxx");
    // Long form: 0xE0, extra 10: 7 + 10 + 2 = 19 bytes at distance 1.
    EXPECT_EQ(decompress({0x00, 'y', 0xE0, 10, 0x00}, 20), std::string(20, 'y'));
    // A 13-bit distance: 300 literal bytes, then 3 bytes from 300 back
    // (stored as 299 = 0x12B: high bits 0x01 in the control byte).
    Bytes far;
    std::string expected;
    for (int run = 0; run < 10; run++) {
        far.push_back(29);
        for (int i = 0; i < 30; i++) {
            unsigned char c = static_cast<unsigned char>('A' + (run * 30 + i) % 26);
            far.push_back(c);
            expected.push_back(static_cast<char>(c));
        }
    }
    far.insert(far.end(), {0x21, 0x2B});
    expected += expected.substr(0, 3);
    EXPECT_EQ(decompress(far, 303), expected);
    // The largest distance, 8192 (stored 8191 = 0x1FFF).
    Bytes max_far;
    std::string big;
    for (int i = 0; i < 8192; i++) {
        if (i % 32 == 0)
            max_far.push_back(31);
        unsigned char c = static_cast<unsigned char>(i * 7 + i / 256);
        max_far.push_back(c);
        big.push_back(static_cast<char>(c));
    }
    max_far.insert(max_far.end(), {0x3F, 0xFF});
    EXPECT_EQ(decompress(max_far, 8195), big + big.substr(0, 3));
}

// Streams liblzf wrote: string values in a dump.rdb saved by redis-server
// 7.0.15 (RDB type 0xC3: compressed length, original length, stream).
TEST(Lzf, DecompressesRedisStreams)
{
    EXPECT_EQ(
        decompress({0x06, 'h', 'e', 'l', 'l', 'o', ' ', 'h', 0xE0, 0x11, 0x05, 0x01, 'l', 'o'}, 35),
        "hello hello hello hello hello hello");
    std::string ab, xyz;
    for (int i = 0; i < 20; i++)
        ab += "ab";
    for (int i = 0; i < 30; i++)
        xyz += "xyz";
    EXPECT_EQ(decompress({0x02, 'a', 'b', 'a', 0xE0, 0x1C, 0x01, 0x02, 'x', 'y', 'z', 0xE0, 0x4C,
                          0x02, 0x01, 'y', 'z'},
                         130),
              ab + xyz);
    EXPECT_EQ(decompress({0x01, 'a', 'a', 0xE0, 0xFF, 0x00, 0xE0, 0x17, 0x00, 0x01, 'a', 'a'}, 300),
              std::string(300, 'a'));
}

// What this compressor writes for simple inputs, derived from its greedy
// rule: the first repeat of three bytes becomes a reference, as long as the
// format allows (264 bytes), then the search goes on after it.
TEST(Lzf, CompressesToTheStreamWorkedOutByHand)
{
    // Nothing repeats: one literal run.
    EXPECT_EQ(compress(bytes_of("abc"), 4), (Bytes{0x02, 'a', 'b', 'c'}));
    // 10 x 'a': "a", then 9 bytes at distance 1 (L = 7, long form, extra 0).
    EXPECT_EQ(compress(bytes_of(std::string(10, 'a')), 10), (Bytes{0x00, 'a', 0xE0, 0x00, 0x00}));
    // "abcabcabc": literal "abc", then 6 bytes at distance 3 (L = 4: 0x80).
    EXPECT_EQ(compress(bytes_of("abcabcabc"), 9), (Bytes{0x02, 'a', 'b', 'c', 0x80, 0x02}));
    // 300 x 'a': "a", 264 bytes (L = 262 = 7 + 255), then the remaining 35
    // (L = 33 = 7 + 26), both at distance 1.
    EXPECT_EQ(compress(bytes_of(std::string(300, 'a')), 300),
              (Bytes{0x00, 'a', 0xE0, 0xFF, 0x00, 0xE0, 0x1A, 0x00}));
    // 33 distinct bytes take two literal runs: 32, then 1.
    Bytes distinct;
    for (int i = 0; i < 33; i++)
        distinct.push_back(static_cast<unsigned char>(i));
    Bytes packed = compress(distinct, 40);
    ASSERT_EQ(packed.size(), 35u);
    EXPECT_EQ(packed[0], 31);
    EXPECT_EQ(packed[33], 0);
    EXPECT_EQ(packed[34], 32);
}

TEST(Lzf, CompressRefusesWhatDoesNotFit)
{
    Bytes in = bytes_of(std::string(100, 'z'));
    size_t needed = compress(in, 200).size();
    ASSERT_GT(needed, 0u);
    EXPECT_EQ(compress(in, needed).size(), needed);
    for (size_t cap = 0; cap < needed; cap++)
        EXPECT_TRUE(compress(in, cap).empty()) << cap;
    // Incompressible data does not fit in less than itself.
    std::mt19937 rng(7);
    Bytes noise(4096);
    for (auto &b : noise)
        b = static_cast<unsigned char>(rng());
    EXPECT_TRUE(compress(noise, noise.size() - 1).empty());
    EXPECT_EQ(lzf_compress("", 0, noise.data(), noise.size()), 0u);
}

TEST(Lzf, RoundTrips)
{
    std::mt19937 rng(42);
    for (size_t len : {1, 2, 3, 4, 5, 31, 32, 33, 100, 264, 265, 1000, 8192, 8193, 70000}) {
        Bytes random(len), repetitive(len), text(len), runs(len);
        for (size_t i = 0; i < len; i++) {
            random[i] = static_cast<unsigned char>(rng());
            repetitive[i] = static_cast<unsigned char>("abcdefg"[i % 7]);
            text[i] = static_cast<unsigned char>("the quick brown fox "[rng() % 20]);
            runs[i] = static_cast<unsigned char>((i / 300) & 3);
        }
        SCOPED_TRACE(len);
        expect_round_trip(random);
        expect_round_trip(repetitive);
        expect_round_trip(text);
        expect_round_trip(runs);
    }
    // A long repetitive input really shrinks.
    Bytes numbers;
    for (int i = 0; i < 2000; i++) {
        std::string s = std::to_string(i % 50) + ",";
        numbers.insert(numbers.end(), s.begin(), s.end());
    }
    EXPECT_LT(compress(numbers, numbers.size()).size(), numbers.size() / 10);
    expect_round_trip(numbers);
}

TEST(Lzf, RefusesCorruptStreams)
{
    // Empty input and a literal run longer than what is left.
    EXPECT_EQ(decompress({}, 10), "<0>");
    EXPECT_EQ(decompress({0x05, 'a', 'b'}, 10), "<0>");
    // A reference with its distance byte missing, or its length byte.
    EXPECT_EQ(decompress({0x00, 'a', 0x20}, 10), "<0>");
    EXPECT_EQ(decompress({0x00, 'a', 0xE0}, 10), "<0>");
    EXPECT_EQ(decompress({0x00, 'a', 0xE0, 0x01}, 10), "<0>");
    // A reference before the start of the output (distance 2 after 1 byte),
    // and one first of all.
    EXPECT_EQ(decompress({0x00, 'a', 0x20, 0x01}, 10), "<0>");
    EXPECT_EQ(decompress({0x20, 0x00}, 10), "<0>");
    // Output too small for a literal or for a reference.
    EXPECT_EQ(decompress({0x02, 'a', 'b', 'c'}, 2), "<0>");
    EXPECT_EQ(decompress({0x00, 'x', 0xC0, 0x00}, 8), "<0>");
    EXPECT_EQ(decompress({0x00, 'x', 0xC0, 0x00}, 0), "<0>");
}

// Every truncation and every single-byte change of a valid stream either
// decodes within bounds or is refused (ASan checks the bounds).
TEST(Lzf, MutatedStreamsStayInBounds)
{
    std::string text;
    for (int i = 0; i < 40; i++)
        text += "list-" + std::to_string(i % 9) + " ";
    Bytes packed = compress(bytes_of(text), text.size());
    ASSERT_FALSE(packed.empty());
    for (size_t len = 0; len < packed.size(); len++)
        decompress(Bytes(packed.begin(), packed.begin() + len), text.size());
    for (size_t i = 0; i < packed.size(); i++) {
        for (int v = 0; v < 256; v += 17) {
            Bytes m = packed;
            m[i] = static_cast<unsigned char>(v);
            std::string out = decompress(m, text.size());
            EXPECT_TRUE(out == "<0>" || out.size() <= text.size());
        }
    }
}
