// store/bitmap.h against plain definitions: counting and searching bit by
// bit, and BITFIELD's overflow rules by exact arithmetic on small widths.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

extern "C" {
#include "store/bitmap.h"
}

namespace
{

int BitAt(const std::vector<uint8_t> &v, size_t i)
{
    return (v[i / 8] >> (7 - i % 8)) & 1;
}

} // namespace

TEST(Bitmap, PopcountAndBitposMatchBitByBit)
{
    std::mt19937 rng(7);
    for (int round = 0; round < 500; round++) {
        size_t len = rng() % 40;
        std::vector<uint8_t> v(len + 1);
        int kind = round % 3; // random, all ones but a few, all zeros but a few
        for (auto &b : v)
            b = kind == 0 ? (uint8_t)rng() : kind == 1 ? 0xff : 0x00;
        if (len && kind)
            v[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
        uint64_t ones = 0;
        for (size_t i = 0; i < len * 8; i++)
            ones += BitAt(v, i);
        EXPECT_EQ(bitmap_popcount(v.data(), len), ones);
        for (int bit = 0; bit <= 1; bit++) {
            int64_t want = bit ? -1 : (int64_t)len * 8;
            for (size_t i = 0; i < len * 8; i++)
                if (BitAt(v, i) == bit) {
                    want = (int64_t)i;
                    break;
                }
            EXPECT_EQ(bitmap_bitpos(v.data(), len, bit), want) << "len " << len << " bit " << bit;
        }
    }
}

TEST(Bitmap, FieldsRoundTripAtEveryOffset)
{
    std::vector<uint8_t> v(12, 0);
    for (int bits = 1; bits <= 64; bits++) {
        for (uint64_t off = 0; off < 24; off++) {
            std::fill(v.begin(), v.end(), 0xa5);
            uint64_t value = 0x8123456789abcdefULL >> (64 - bits);
            bitfield_set(v.data(), off, bits, value);
            EXPECT_EQ(bitfield_get_unsigned(v.data(), off, bits), value);
            int64_t sign_extended = bits == 64 || !(value >> (bits - 1))
                                        ? (int64_t)value
                                        : (int64_t)(value | (UINT64_MAX << bits));
            EXPECT_EQ(bitfield_get_signed(v.data(), off, bits), sign_extended);
            // the bits around the field are untouched
            if (off > 0) {
                EXPECT_EQ(BitAt(v, off - 1), (0xa5 >> (7 - (off - 1) % 8)) & 1);
            }
            EXPECT_EQ(BitAt(v, off + bits), (0xa5 >> (7 - (off + bits) % 8)) & 1);
        }
    }
    // bit 0 is the first byte's most significant bit
    std::fill(v.begin(), v.end(), 0);
    bitfield_set(v.data(), 7, 5, 23);
    EXPECT_EQ(v[0], 0x01);
    EXPECT_EQ(v[1], 0x70);
}

TEST(Bitmap, OverflowRulesOnSmallWidths)
{
    for (int bits = 1; bits <= 8; bits++) {
        const int64_t umax = (1 << bits) - 1, smax = (1 << (bits - 1)) - 1, smin = -smax - 1;
        for (int64_t incr = -300; incr <= 300; incr++) {
            for (int64_t value = 0; value <= umax; value++) {
                int64_t sum = value + incr;
                uint64_t got;
                int want = sum > umax ? 1 : sum < 0 ? -1 : 0;
                ASSERT_EQ(bitfield_add_unsigned((uint64_t)value, incr, bits, BITFIELD_WRAP, &got),
                          want);
                ASSERT_EQ(got, (uint64_t)(((sum % (umax + 1)) + umax + 1) % (umax + 1)));
                bitfield_add_unsigned((uint64_t)value, incr, bits, BITFIELD_SAT, &got);
                ASSERT_EQ(got, (uint64_t)(want > 0 ? umax : want < 0 ? 0 : sum));
            }
            for (int64_t value = smin; value <= smax; value++) {
                int64_t sum = value + incr, got;
                int want = sum > smax ? 1 : sum < smin ? -1 : 0;
                ASSERT_EQ(bitfield_add_signed(value, incr, bits, BITFIELD_WRAP, &got), want);
                int64_t span = umax + 1, wrapped = ((sum - smin) % span + span) % span + smin;
                ASSERT_EQ(got, wrapped) << bits << " " << value << " " << incr;
                bitfield_add_signed(value, incr, bits, BITFIELD_SAT, &got);
                ASSERT_EQ(got, want > 0 ? smax : want < 0 ? smin : sum);
            }
        }
    }
}

TEST(Bitmap, OverflowAtSixtyFourBits)
{
    int64_t got;
    EXPECT_EQ(bitfield_add_signed(INT64_MAX, 1, 64, BITFIELD_WRAP, &got), 1);
    EXPECT_EQ(got, INT64_MIN);
    EXPECT_EQ(bitfield_add_signed(INT64_MIN, -1, 64, BITFIELD_SAT, &got), -1);
    EXPECT_EQ(got, INT64_MIN);
    EXPECT_EQ(bitfield_add_signed(INT64_MAX, INT64_MIN, 64, BITFIELD_SAT, &got), 0);
    EXPECT_EQ(got, -1);
    uint64_t u;
    // SET u63 with -1: the value as 64 bits is too large
    EXPECT_EQ(bitfield_add_unsigned(UINT64_MAX, 0, 63, BITFIELD_WRAP, &u), 1);
    EXPECT_EQ(u, UINT64_MAX >> 1);
    EXPECT_EQ(bitfield_add_unsigned(0, INT64_MIN, 63, BITFIELD_SAT, &u), -1);
    EXPECT_EQ(u, 0u);
    EXPECT_EQ(bitfield_add_unsigned(0, INT64_MIN, 63, BITFIELD_WRAP, &u), -1);
    EXPECT_EQ(u, 0u); // -2^63 modulo 2^63
}

TEST(Bitmap, RangesClampAsRedis)
{
    struct bit_range r;
    bit_range_resolve(0, -1, false, 6, &r);
    EXPECT_EQ(r.first, 0);
    EXPECT_EQ(r.last, 5);
    EXPECT_FALSE(r.empty);
    bit_range_resolve(5, 30, true, 6, &r);
    EXPECT_EQ(r.first, 0);
    EXPECT_EQ(r.last, 3);
    EXPECT_EQ(r.first_outside, 0xf8);
    EXPECT_EQ(r.last_outside, 0x01);
    bit_range_resolve(3, 1, false, 6, &r);
    EXPECT_TRUE(r.empty);
    bit_range_resolve(0, -1, true, 0, &r);
    EXPECT_TRUE(r.empty);
    bit_range_resolve(INT64_MIN, INT64_MAX, true, 2, &r);
    EXPECT_EQ(r.first, 0);
    EXPECT_EQ(r.last, 1);
    EXPECT_EQ(r.first_outside, 0);
    EXPECT_EQ(r.last_outside, 0);
}
