/*
 * Ziplist layout (little-endian): <zlbytes u32> <zltail u32> <zllen u16>
 * <entry>... <0xFF>. An entry is <prevlen> <encoding> <data>: prevlen is one
 * byte below 254, else 0xFE and a u32; the encoding says
 *   00pppppp / 01pppppp qqqqqqqq / 10000000 + u32 BE: a string of that length
 *   0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8,
 *   0xF1..0xFD: the integer 0..12 itself.
 */
#include "store/rdb_ziplist.h"

#include "core/strconv.h"

#include <stdint.h>

static uint64_t le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* One entry at p (end bounds it): its bytes to fn; the next entry or NULL. */
static const unsigned char *zl_entry(const unsigned char *p, const unsigned char *end,
                                     rdb_ziplist_fn fn, void *ctx, bool *ok)
{
    *ok = false;
    size_t prev = p[0] < 254 ? 1 : 5;
    if ((size_t)(end - p) < prev + 1)
        return NULL;
    p += prev;
    unsigned char enc = *p;
    size_t len = 0, header = 1;
    int int_bytes = -1;
    long long immediate = 0;
    switch (enc >> 6) {
    case 0:
        len = enc & 0x3f;
        break;
    case 1:
        header = 2;
        if (end - p < 2)
            return NULL;
        len = ((size_t)(enc & 0x3f) << 8) | p[1];
        break;
    case 2:
        header = 5;
        if (enc != 0x80 || end - p < 5)
            return NULL;
        len = ((size_t)p[1] << 24) | ((size_t)p[2] << 16) | ((size_t)p[3] << 8) | p[4];
        break;
    default:
        if (enc == 0xC0)
            int_bytes = 2;
        else if (enc == 0xD0)
            int_bytes = 4;
        else if (enc == 0xE0)
            int_bytes = 8;
        else if (enc == 0xF0)
            int_bytes = 3;
        else if (enc == 0xFE)
            int_bytes = 1;
        else if (enc >= 0xF1 && enc <= 0xFD) {
            int_bytes = 0;
            immediate = (enc & 0x0f) - 1;
        } else
            return NULL;
        len = (size_t)int_bytes;
    }
    if ((size_t)(end - p) - header < len)
        return NULL;
    const unsigned char *data = p + header;
    if (int_bytes < 0) {
        if (!fn(ctx, (const char *)data, len))
            return NULL;
    } else {
        long long v = immediate;
        if (int_bytes > 0) {
            uint64_t u = le(data, (size_t)int_bytes);
            int shift = 64 - 8 * int_bytes;
            v = shift ? (long long)(int64_t)(u << shift) >> shift : (long long)u;
        }
        char digits[STRCONV_LL_BUF];
        if (!fn(ctx, digits, strconv_format_ll(digits, v)))
            return NULL;
    }
    *ok = true;
    return data + len;
}

bool rdb_ziplist_foreach(const void *blob, size_t size, rdb_ziplist_fn fn, void *ctx)
{
    const unsigned char *p = blob;
    if (size < 11 || le(p, 4) != size || p[size - 1] != 0xFF)
        return false;
    const unsigned char *end = p + size - 1; /* the terminator */
    p += 10;
    while (p < end) {
        if (*p == 0xFF)
            return false; /* a terminator before the end */
        bool ok;
        p = zl_entry(p, end, fn, ctx, &ok);
        if (!ok)
            return false;
    }
    return p == end;
}
