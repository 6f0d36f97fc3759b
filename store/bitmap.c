/*
 * Bit arithmetic for SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD
 * (store/bitmap.h). The overflow rules are computed on 128-bit sums, which
 * gives exactly Redis's answers (checked against its tables in
 * test/store/bitmap_test.cc) without its case analysis.
 */
#include "store/bitmap.h"

#include <string.h>

uint64_t bitmap_popcount(const uint8_t *p, size_t len)
{
    uint64_t count = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        count += (uint64_t)__builtin_popcountll(w);
    }
    for (; i < len; i++)
        count += (uint64_t)__builtin_popcount(p[i]);
    return count;
}

int64_t bitmap_bitpos(const uint8_t *p, size_t len, int bit)
{
    const uint8_t skip = bit ? 0x00 : 0xff;
    size_t i = 0;
    /* Whole words that cannot hold the answer first. */
    const uint64_t skip_word = bit ? 0 : UINT64_MAX;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w != skip_word)
            break;
    }
    for (; i < len; i++) {
        if (p[i] != skip) {
            uint8_t b = bit ? p[i] : (uint8_t)~p[i];
            return (int64_t)i * 8 + (__builtin_clz((unsigned)b) - 24);
        }
    }
    /* No match: none of the ones looked for, or the first zero of the
     * padding after the string. */
    return bit ? -1 : (int64_t)len * 8;
}

uint64_t bitfield_get_unsigned(const uint8_t *p, uint64_t offset, int bits)
{
    uint64_t value = 0;
    for (int j = 0; j < bits; j++, offset++)
        value = (value << 1) | (uint64_t)bitmap_get_bit(p, offset);
    return value;
}

int64_t bitfield_get_signed(const uint8_t *p, uint64_t offset, int bits)
{
    uint64_t u = bitfield_get_unsigned(p, offset, bits);
    if (bits < 64 && (u >> (bits - 1)) & 1)
        u |= UINT64_MAX << bits; /* sign extension */
    return (int64_t)u;
}

void bitfield_set(uint8_t *p, uint64_t offset, int bits, uint64_t value)
{
    for (int j = bits - 1; j >= 0; j--, offset++)
        bitmap_set_bit(p, offset, (int)((value >> j) & 1));
}

int bitfield_add_unsigned(uint64_t value, int64_t incr, int bits, enum bitfield_overflow mode,
                          uint64_t *result)
{
    const uint64_t max = (UINT64_C(1) << bits) - 1; /* bits <= 63 */
    __int128 sum = (__int128)value + incr;
    int outcome = 0;
    if (value > max || sum > (__int128)max)
        outcome = 1;
    else if (sum < 0)
        outcome = -1;
    if (outcome == 0 || mode == BITFIELD_WRAP)
        *result = (uint64_t)sum & max;
    else
        *result = outcome > 0 ? max : 0;
    return outcome;
}

int bitfield_add_signed(int64_t value, int64_t incr, int bits, enum bitfield_overflow mode,
                        int64_t *result)
{
    const int64_t max = bits == 64 ? INT64_MAX : (INT64_C(1) << (bits - 1)) - 1;
    const int64_t min = -max - 1;
    __int128 sum = (__int128)value + incr;
    int outcome = sum > max ? 1 : sum < min ? -1 : 0;
    if (outcome == 0) {
        *result = (int64_t)sum;
    } else if (mode == BITFIELD_WRAP) {
        uint64_t u = (uint64_t)sum; /* the low 64 bits: the sum modulo 2^64 */
        if (bits < 64) {
            uint64_t high = UINT64_MAX << bits;
            u = (u >> (bits - 1)) & 1 ? u | high : u & ~high;
        }
        *result = (int64_t)u;
    } else {
        *result = outcome > 0 ? max : min;
    }
    return outcome;
}

void bit_range_resolve(int64_t start, int64_t end, bool in_bits, uint64_t len, struct bit_range *r)
{
    const int64_t total = (int64_t)(in_bits ? len * 8 : len);
    if (start < 0)
        start += total;
    if (end < 0)
        end += total;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= total)
        end = total - 1;
    r->first_outside = r->last_outside = 0;
    if (in_bits && start <= end) {
        r->first_outside = (uint8_t)(0xff00u >> (start & 7));
        r->last_outside = (uint8_t)((1u << (7 - (end & 7))) - 1);
        start >>= 3;
        end >>= 3;
    }
    r->first = start;
    r->last = end;
    r->empty = start > end;
}
