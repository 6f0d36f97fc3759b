/*
 * LZF compression and decompression (format in store/lzf.h).
 *
 * The compressor is greedy: a hash of the next three bytes remembers the
 * last position they were seen at; if that position is within reach and
 * really holds the same three bytes, the match is extended as far as the
 * format allows and emitted as a back-reference, else the byte joins the
 * pending literal run. The table lives on the stack and is sized to the
 * input (a 48-byte quicklist node does not clear 32 KB); stale or colliding
 * slots are harmless because every candidate is compared before use.
 */
#include "store/lzf.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum {
    LITERAL_MAX = 32,  /* 000LLLLL: L + 1 bytes */
    SHORT_LEN_MAX = 6, /* LLLooooo with L < 7 */
    HASH_BITS_MIN = 8,
    HASH_BITS_MAX = 13, /* 8192 slots, 32 KB of stack */
};

static uint32_t load3(const unsigned char *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t hash3(uint32_t v, unsigned bits)
{
    return (v * 2654435761u) >> (32 - bits); /* Knuth's multiplicative hash */
}

/* Enough slots for the input, so that short inputs clear a short table. */
static unsigned hash_bits_for(size_t len)
{
    unsigned bits = HASH_BITS_MIN;
    while (bits < HASH_BITS_MAX && ((size_t)1 << bits) < len)
        bits++;
    return bits;
}

struct output {
    unsigned char *p;
    unsigned char *end;
};

/* Emits `len` bytes at s as literal runs of at most 32; false if full. */
static bool put_literals(struct output *o, const unsigned char *s, size_t len)
{
    while (len > 0) {
        size_t run = len < LITERAL_MAX ? len : LITERAL_MAX;
        if ((size_t)(o->end - o->p) < 1 + run)
            return false;
        *o->p++ = (unsigned char)(run - 1);
        memcpy(o->p, s, run);
        o->p += run;
        s += run;
        len -= run;
    }
    return true;
}

/* Emits a reference to `len` (3..264) bytes `distance` (1..8192) back. */
static bool put_reference(struct output *o, size_t len, size_t distance)
{
    size_t l = len - 2, d = distance - 1;
    size_t need = l > SHORT_LEN_MAX ? 3 : 2;
    if ((size_t)(o->end - o->p) < need)
        return false;
    if (l > SHORT_LEN_MAX) {
        *o->p++ = (unsigned char)(7 << 5 | d >> 8);
        *o->p++ = (unsigned char)(l - 7);
    } else {
        *o->p++ = (unsigned char)(l << 5 | d >> 8);
    }
    *o->p++ = (unsigned char)d;
    return true;
}

size_t lzf_compress(const void *in_v, size_t in_len, void *out_v, size_t out_cap)
{
    const unsigned char *in = in_v;
    /* Positions are kept in 32 bits; nothing in Redis compresses more. */
    if (in_len == 0 || in_len > UINT32_MAX)
        return 0;
    unsigned bits = hash_bits_for(in_len);
    uint32_t table[1 << HASH_BITS_MAX];
    memset(table, 0, sizeof(table[0]) << bits);

    struct output o = {out_v, (unsigned char *)out_v + out_cap};
    size_t literal_start = 0, i = 0;
    while (i + 2 < in_len) {
        uint32_t v = load3(in + i);
        uint32_t *slot = &table[hash3(v, bits)];
        size_t ref = *slot;
        *slot = (uint32_t)i;
        if (ref >= i || i - ref > LZF_MAX_DISTANCE || load3(in + ref) != v) {
            i++;
            continue;
        }
        size_t max = in_len - i < LZF_MAX_MATCH ? in_len - i : LZF_MAX_MATCH;
        size_t len = 3;
        while (len < max && in[ref + len] == in[i + len])
            len++;
        if (!put_literals(&o, in + literal_start, i - literal_start) ||
            !put_reference(&o, len, i - ref))
            return 0;
        /* Remember the positions inside the match too: the next match is
         * often a repeat of part of this one. */
        size_t stop = i + len;
        for (i++; i < stop && i + 2 < in_len; i++)
            table[hash3(load3(in + i), bits)] = (uint32_t)i;
        i = stop;
        literal_start = i;
    }
    if (!put_literals(&o, in + literal_start, in_len - literal_start))
        return 0;
    return (size_t)(o.p - (unsigned char *)out_v);
}

size_t lzf_decompress(const void *in_v, size_t in_len, void *out_v, size_t out_cap)
{
    const unsigned char *in = in_v;
    unsigned char *out = out_v;
    size_t ip = 0, op = 0;
    while (ip < in_len) {
        unsigned ctrl = in[ip++];
        if (ctrl < LITERAL_MAX) {
            size_t run = ctrl + 1;
            if (in_len - ip < run || out_cap - op < run)
                return 0;
            memcpy(out + op, in + ip, run);
            ip += run;
            op += run;
            continue;
        }
        size_t len = ctrl >> 5;
        if (len == 7) {
            if (ip >= in_len)
                return 0;
            len += in[ip++];
        }
        if (ip >= in_len)
            return 0;
        size_t distance = ((size_t)(ctrl & 0x1F) << 8 | in[ip++]) + 1;
        len += 2;
        if (distance > op || out_cap - op < len)
            return 0;
        unsigned char *to = out + op;
        const unsigned char *from = to - distance;
        if (distance >= len) {
            memcpy(to, from, len);
        } else if (distance == 1) {
            memset(to, *from, len); /* a run of one byte */
        } else {
            /* Byte by byte: the source runs into what is being written. */
            for (size_t k = 0; k < len; k++)
                to[k] = from[k];
        }
        op += len;
    }
    return op;
}
