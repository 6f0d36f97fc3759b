/*
 * The RDB reader's primitives: bytes, lengths and strings read from memory
 * with every length checked against what is left. A hostile length (2^64,
 * or more than the input holds) fails before anything is allocated for it.
 */
#include "store/rdb_format.h"

#include "core/alloc.h"
#include "core/strconv.h"
#include "store/lzf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rdb__fail(struct rdb_reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    if (!r->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err->message, sizeof(r->err->message), fmt, ap);
    va_end(ap);
}

static size_t left(const struct rdb_reader *r)
{
    return (size_t)(r->end - r->p);
}

const unsigned char *rdb__read_raw(struct rdb_reader *r, size_t n)
{
    if (r->failed)
        return NULL;
    if (n > left(r)) {
        rdb__fail(r, "Short read or OOM loading DB. Unrecoverable error, aborting now.");
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    return p;
}

int rdb__read_byte(struct rdb_reader *r)
{
    const unsigned char *p = rdb__read_raw(r, 1);
    return p ? *p : -1;
}

uint64_t rdb__read_len(struct rdb_reader *r, bool *encoded)
{
    if (encoded)
        *encoded = false;
    int b = rdb__read_byte(r);
    if (b < 0)
        return 0;
    int kind = (b & 0xc0) >> 6;
    if (kind == RDB_ENCVAL) {
        if (encoded)
            *encoded = true;
        else
            rdb__fail(r, "Unknown length encoding %d in rdbLoadLen()", b & 0x3f);
        return (uint64_t)(b & 0x3f);
    }
    if (kind == RDB_6BITLEN)
        return (uint64_t)(b & 0x3f);
    if (kind == RDB_14BITLEN) {
        int b2 = rdb__read_byte(r);
        return b2 < 0 ? 0 : ((uint64_t)(b & 0x3f) << 8) | (uint64_t)b2;
    }
    size_t n = b == RDB_32BITLEN ? 4 : b == RDB_64BITLEN ? 8 : 0;
    if (!n) {
        rdb__fail(r, "Unknown length encoding %d in rdbLoadLen()", b);
        return 0;
    }
    const unsigned char *p = rdb__read_raw(r, n);
    uint64_t len = 0;
    for (size_t i = 0; p && i < n; i++)
        len = (len << 8) | p[i];
    return len;
}

/* INT8/16/32 (little-endian) as decimal text. */
static char *read_int_string(struct rdb_reader *r, int enc, size_t *len)
{
    size_t n = enc == RDB_ENC_INT8 ? 1 : enc == RDB_ENC_INT16 ? 2 : 4;
    const unsigned char *p = rdb__read_raw(r, n);
    if (!p)
        return NULL;
    uint32_t u = 0;
    for (size_t i = 0; i < n; i++)
        u |= (uint32_t)p[i] << (8 * i);
    long long v = n == 1 ? (int8_t)u : n == 2 ? (int16_t)u : (int32_t)u;
    char *s = mem_alloc(STRCONV_LL_BUF);
    if (!s) {
        rdb__fail(r, "Short read or OOM loading DB. Unrecoverable error, aborting now.");
        return NULL;
    }
    *len = strconv_format_ll(s, v);
    return s;
}

static char *read_lzf_string(struct rdb_reader *r, size_t *len)
{
    uint64_t clen = rdb__read_len(r, NULL);
    uint64_t ulen = rdb__read_len(r, NULL);
    const unsigned char *c = rdb__read_raw(r, clen);
    if (!c)
        return NULL;
    /* LZF expands at most about 260x: a claimed length beyond that is a
     * lie, refused before allocating it. */
    if (ulen == 0 || ulen / 262 > clen + 1) {
        rdb__fail(r, "Invalid LZF compressed string");
        return NULL;
    }
    char *s = mem_alloc((size_t)ulen + 1);
    if (!s) {
        rdb__fail(r, "Short read or OOM loading DB. Unrecoverable error, aborting now.");
        return NULL;
    }
    if (lzf_decompress(c, clen, s, ulen) != ulen) {
        mem_free(s);
        rdb__fail(r, "Invalid LZF compressed string");
        return NULL;
    }
    s[ulen] = '\0';
    *len = ulen;
    return s;
}

char *rdb__read_string(struct rdb_reader *r, size_t *len)
{
    bool encoded;
    uint64_t n = rdb__read_len(r, &encoded);
    if (r->failed)
        return NULL;
    if (encoded) {
        if (n <= RDB_ENC_INT32)
            return read_int_string(r, (int)n, len);
        if (n == RDB_ENC_LZF)
            return read_lzf_string(r, len);
        rdb__fail(r, "Unknown RDB string encoding type %d", (int)n);
        return NULL;
    }
    const unsigned char *p = rdb__read_raw(r, n);
    if (!p)
        return NULL;
    char *s = mem_alloc((size_t)n + 1);
    if (!s) {
        rdb__fail(r, "Short read or OOM loading DB. Unrecoverable error, aborting now.");
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    *len = n;
    return s;
}
