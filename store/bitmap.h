/*
 * Bit arithmetic on byte strings, as Redis's bitmap commands see them: bit 0
 * is the most significant bit of the first byte. Counting, searching, and
 * integers of 1 to 64 bits at any bit offset (BITFIELD) with Redis's
 * overflow rules. Pure functions on caller-owned bytes: no locks, no
 * allocation. Private to store/.
 */
#ifndef MAGPIE_STORE_BITMAP_H
#define MAGPIE_STORE_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Set bits in p[0, len). */
uint64_t bitmap_popcount(const uint8_t *p, size_t len);

/*
 * Position of the first bit equal to `bit` in p[0, len), as Redis's
 * redisBitpos: looking for 1 in all zeros gives -1; looking for 0 in all
 * ones gives len * 8 (the string is read as zero padded on the right).
 */
int64_t bitmap_bitpos(const uint8_t *p, size_t len, int bit);

/* Bit `offset` of p (which must hold it): 0 or 1. */
static inline int bitmap_get_bit(const uint8_t *p, uint64_t offset)
{
    return (p[offset >> 3] >> (7 - (offset & 7))) & 1;
}

static inline void bitmap_set_bit(uint8_t *p, uint64_t offset, int on)
{
    uint8_t mask = (uint8_t)(1u << (7 - (offset & 7)));
    if (on)
        p[offset >> 3] |= mask;
    else
        p[offset >> 3] &= (uint8_t)~mask;
}

/* The `bits`-bit (1..64) big-endian integer at bit `offset` of p, which must
 * hold every bit of it. */
uint64_t bitfield_get_unsigned(const uint8_t *p, uint64_t offset, int bits);
/* The same read as two's complement, sign-extended. */
int64_t bitfield_get_signed(const uint8_t *p, uint64_t offset, int bits);
/* Writes the low `bits` bits of value at bit `offset`. */
void bitfield_set(uint8_t *p, uint64_t offset, int bits, uint64_t value);

/* BITFIELD's OVERFLOW modes. */
enum bitfield_overflow { BITFIELD_WRAP, BITFIELD_SAT, BITFIELD_FAIL };

/*
 * value + incr stored in an unsigned (bits <= 63) or signed (bits <= 64)
 * field. Returns 0 when it fits (*result = the sum), else 1 for an overflow
 * or -1 for an underflow, with *result what WRAP or SAT store (FAIL stores
 * nothing). For an unsigned field `value` is what a client asked for (SET's
 * argument cast to 64 bits, so -1 is too large, as in Redis).
 */
int bitfield_add_unsigned(uint64_t value, int64_t incr, int bits, enum bitfield_overflow mode,
                          uint64_t *result);
int bitfield_add_signed(int64_t value, int64_t incr, int bits, enum bitfield_overflow mode,
                        int64_t *result);

/*
 * The ranges of BITCOUNT and BITPOS: start and end (inclusive, negative from
 * the end) in bytes or bits over a string of len bytes, clamped as Redis
 * clamps them, then turned into whole bytes [first, last] plus masks of the
 * bits of the first and last byte that lie outside the range (0 when none).
 * `empty` when nothing is left.
 */
struct bit_range {
    int64_t first, last;
    uint8_t first_outside, last_outside;
    bool empty;
};
void bit_range_resolve(int64_t start, int64_t end, bool in_bits, uint64_t len, struct bit_range *r);

#endif
