/*
 * What the listpack files share: the header and encoding constants, and the
 * helpers that size, write and read one entry. Only store/listpack*.c
 * include it. The sizing helpers take how many bytes may be read, so the
 * validator and the trusted paths share one definition of the format.
 */
#ifndef MAGPIE_STORE_LISTPACK_INTERNAL_H
#define MAGPIE_STORE_LISTPACK_INTERNAL_H

#include "store/listpack.h"

#include <stdint.h>

enum {
    LP_HEADER_SIZE = 6, /* u32 total bytes, u16 count */
    LP_COUNT_UNKNOWN = 65535,
    LP_EOF = 0xFF,
    LP_EMPTY_SIZE = LP_HEADER_SIZE + 1,
    LP_MAX_HEAD = 9,    /* encoding byte + the longest integer or string length */
    LP_MAX_BACKLEN = 5, /* 7 bits a byte: up to 2^35 - 1 */
};

/* Encoding bytes (or their fixed high bits). */
enum {
    LP_ENC_7BIT_UINT = 0x00, /* 0xxxxxxx */
    LP_ENC_6BIT_STR = 0x80,  /* 10xxxxxx */
    LP_ENC_13BIT_INT = 0xC0, /* 110xxxxx */
    LP_ENC_12BIT_STR = 0xE0, /* 1110xxxx */
    LP_ENC_32BIT_STR = 0xF0,
    LP_ENC_16BIT_INT = 0xF1,
    LP_ENC_24BIT_INT = 0xF2,
    LP_ENC_32BIT_INT = 0xF3,
    LP_ENC_64BIT_INT = 0xF4,
};

/* An element encoded for insertion: head (the integer, or the string's
 * encoding and length) + str + backlen. */
struct lp_encoded {
    unsigned char head[LP_MAX_HEAD];
    unsigned char backlen[LP_MAX_BACKLEN];
    uint8_t head_len;
    uint8_t backlen_len;
    const unsigned char *str; /* NULL for an integer */
    size_t str_len;
    size_t total;
};

static inline unsigned char *lp_raw(struct listpack *lp)
{
    return (unsigned char *)lp;
}

static inline const unsigned char *lp_craw(const struct listpack *lp)
{
    return (const unsigned char *)lp;
}

static inline uint32_t lp_header_bytes(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint32_t lp_header_count(const unsigned char *p)
{
    return (uint32_t)p[4] | (uint32_t)p[5] << 8;
}

static inline void lp_set_header_bytes(unsigned char *p, uint32_t bytes)
{
    p[0] = (unsigned char)bytes;
    p[1] = (unsigned char)(bytes >> 8);
    p[2] = (unsigned char)(bytes >> 16);
    p[3] = (unsigned char)(bytes >> 24);
}

static inline void lp_set_header_count(unsigned char *p, uint32_t count)
{
    p[4] = (unsigned char)count;
    p[5] = (unsigned char)(count >> 8);
}

/* Bytes of a backlen for an entry whose encoding + data take `size` bytes.
 * Redis's boundaries, including their quirk: 16383, 2097151 and 268435455
 * fit in one byte fewer but take the next size. */
static inline size_t lp_backlen_size(uint64_t size)
{
    if (size <= 127)
        return 1;
    if (size < 16383)
        return 2;
    if (size < 2097151)
        return 3;
    if (size < 268435455)
        return 4;
    return 5;
}

/*
 * Size of the encoding + data of the entry at p, reading at most `avail`
 * bytes (the encoding's length bytes must fit; the data is not read). 0 for
 * the terminator, an unknown encoding, or length bytes past avail.
 */
static inline uint64_t lp_encoded_size(const unsigned char *p, size_t avail)
{
    if (avail < 1)
        return 0;
    unsigned char b = p[0];
    if (b < 0x80)
        return 1;
    if ((b & 0xC0) == LP_ENC_6BIT_STR)
        return 1 + (uint64_t)(b & 0x3F);
    if ((b & 0xE0) == LP_ENC_13BIT_INT)
        return 2;
    if ((b & 0xF0) == LP_ENC_12BIT_STR)
        return avail < 2 ? 0 : 2 + ((uint64_t)(b & 0x0F) << 8 | p[1]);
    switch (b) {
    case LP_ENC_32BIT_STR:
        if (avail < 5)
            return 0;
        return 5 +
               ((uint64_t)p[1] | (uint64_t)p[2] << 8 | (uint64_t)p[3] << 16 | (uint64_t)p[4] << 24);
    case LP_ENC_16BIT_INT:
        return 3;
    case LP_ENC_24BIT_INT:
        return 4;
    case LP_ENC_32BIT_INT:
        return 5;
    case LP_ENC_64BIT_INT:
        return 9;
    default:
        return 0; /* 0xF5..0xFE are unused; 0xFF ends the listpack */
    }
}

/* Whole size of a trusted entry at p: encoding, data and backlen. */
static inline size_t lp_entry_size(const unsigned char *p)
{
    uint64_t size = lp_encoded_size(p, SIZE_MAX);
    return (size_t)(size + lp_backlen_size(size));
}

/* Writes the backlen of `size` into buf; returns its length. */
size_t listpack__backlen_write(unsigned char *buf, uint64_t size);
/* Reads the trusted backlen whose last byte is at `last`. */
uint64_t listpack__backlen_read(const unsigned char *last);

/* Encodes s as Redis would store it. */
void listpack__encode(struct lp_encoded *e, const void *s, size_t len);
/* Writes e at dst (e->total bytes). */
void listpack__write(unsigned char *dst, const struct lp_encoded *e);
/* Decodes the trusted entry at p. */
void listpack__read(const unsigned char *p, struct listpack_value *out);

#endif
