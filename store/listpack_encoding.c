/*
 * One listpack entry: choosing Redis's encoding for an element, writing it
 * with its backlen, and decoding it. Every choice here is visible in the
 * bytes an RDB snapshot stores, so each follows Redis 7.0's listpack.c.
 */
#include "store/listpack_internal.h"

#include "core/strconv.h"

#include <assert.h>
#include <string.h>

size_t listpack__backlen_write(unsigned char *buf, uint64_t size)
{
    size_t n = lp_backlen_size(size);
    /* Most significant 7 bits first; all but the first byte carry bit 7, so
     * a reader going backwards knows when to stop. */
    for (size_t i = 0; i < n; i++) {
        unsigned shift = (unsigned)(7 * (n - 1 - i));
        buf[i] = (unsigned char)(((size >> shift) & 127) | (i ? 128 : 0));
    }
    return n;
}

uint64_t listpack__backlen_read(const unsigned char *last)
{
    uint64_t size = 0;
    for (unsigned shift = 0;; shift += 7, last--) {
        assert(shift < 7 * LP_MAX_BACKLEN);
        size |= (uint64_t)(*last & 127) << shift;
        if (!(*last & 128))
            return size;
    }
}

/* The smallest of Redis's integer encodings that holds v. */
static uint8_t encode_integer(unsigned char *head, long long v)
{
    uint64_t bits = (uint64_t)v; /* two's complement */
    if (v >= 0 && v <= 127) {
        head[0] = (unsigned char)v;
        return 1;
    }
    if (v >= -4096 && v <= 4095) {
        head[0] = (unsigned char)(LP_ENC_13BIT_INT | ((bits >> 8) & 0x1F));
        head[1] = (unsigned char)bits;
        return 2;
    }
    unsigned width;
    if (v >= INT16_MIN && v <= INT16_MAX) {
        head[0] = LP_ENC_16BIT_INT;
        width = 2;
    } else if (v >= -8388608 && v <= 8388607) {
        head[0] = LP_ENC_24BIT_INT;
        width = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        head[0] = LP_ENC_32BIT_INT;
        width = 4;
    } else {
        head[0] = LP_ENC_64BIT_INT;
        width = 8;
    }
    for (unsigned i = 0; i < width; i++)
        head[1 + i] = (unsigned char)(bits >> (8 * i));
    return (uint8_t)(1 + width);
}

static uint8_t encode_string_head(unsigned char *head, size_t len)
{
    if (len < 64) {
        head[0] = (unsigned char)(LP_ENC_6BIT_STR | len);
        return 1;
    }
    if (len < 4096) {
        head[0] = (unsigned char)(LP_ENC_12BIT_STR | (len >> 8));
        head[1] = (unsigned char)len;
        return 2;
    }
    head[0] = LP_ENC_32BIT_STR;
    for (unsigned i = 0; i < 4; i++)
        head[1 + i] = (unsigned char)(len >> (8 * i));
    return 5;
}

void listpack__encode(struct lp_encoded *e, const void *s, size_t len)
{
    assert(len <= UINT32_MAX);
    long long v;
    if (strconv_parse_ll(s, len, &v)) {
        e->head_len = encode_integer(e->head, v);
        e->str = NULL;
        e->str_len = 0;
    } else {
        e->head_len = encode_string_head(e->head, len);
        e->str = s;
        e->str_len = len;
    }
    uint64_t size = e->head_len + e->str_len;
    e->backlen_len = (uint8_t)listpack__backlen_write(e->backlen, size);
    e->total = (size_t)size + e->backlen_len;
}

void listpack__write(unsigned char *dst, const struct lp_encoded *e)
{
    memcpy(dst, e->head, e->head_len);
    dst += e->head_len;
    if (e->str_len) {
        memcpy(dst, e->str, e->str_len);
        dst += e->str_len;
    }
    memcpy(dst, e->backlen, e->backlen_len);
}

static uint64_t load_le(const unsigned char *p, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The `bits`-wide two's complement number u as a long long. */
static long long sign_extend(uint64_t u, unsigned bits)
{
    uint64_t sign = (uint64_t)1 << (bits - 1);
    if (!(u & sign))
        return (long long)u;
    uint64_t all = bits == 64 ? UINT64_MAX : (sign << 1) - 1;
    /* -(all - u) - 1 never overflows, even for the most negative value. */
    return -(long long)(all - u) - 1;
}

void listpack__read(const unsigned char *p, struct listpack_value *out)
{
    unsigned char b = p[0];
    out->str = NULL;
    out->len = 0;
    out->integer = 0;
    if (b < 0x80) {
        out->integer = b;
    } else if ((b & 0xC0) == LP_ENC_6BIT_STR) {
        out->str = p + 1;
        out->len = b & 0x3F;
    } else if ((b & 0xE0) == LP_ENC_13BIT_INT) {
        out->integer = sign_extend((uint64_t)(b & 0x1F) << 8 | p[1], 13);
    } else if ((b & 0xF0) == LP_ENC_12BIT_STR) {
        out->str = p + 2;
        out->len = (size_t)(b & 0x0F) << 8 | p[1];
    } else if (b == LP_ENC_32BIT_STR) {
        out->str = p + 5;
        out->len = (size_t)load_le(p + 1, 4);
    } else {
        /* 0xF1..0xF4: 16, 24, 32 and 64 bits. */
        static const unsigned widths[] = {2, 3, 4, 8};
        assert(b >= LP_ENC_16BIT_INT && b <= LP_ENC_64BIT_INT);
        unsigned width = widths[(b - LP_ENC_16BIT_INT) & 3];
        out->integer = sign_extend(load_le(p + 1, width), 8 * width);
    }
}
