/*
 * SHA-1 as FIPS 180-4 defines it: 64-byte blocks, 80 rounds in four groups
 * of 20, each group with its own function and constant; the message padded
 * with 0x80, zeros, and its length in bits (big-endian).
 */
#include "core/sha1.h"

#include <string.h>

static inline uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void compress(uint32_t state[5], const unsigned char block[64])
{
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 80; t++)
        w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d); /* choose */
            k = 0x5a827999;
        } else if (t < 40) {
            f = b ^ c ^ d; /* parity */
            k = 0x6ed9eba1;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d); /* majority */
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t next = rotl(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = next;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
}

void sha1_init(struct sha1 *h)
{
    static const uint32_t initial[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    memcpy(h->state, initial, sizeof(initial));
    h->total = 0;
    h->used = 0;
}

void sha1_update(struct sha1 *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    h->total += len;
    if (h->used) {
        size_t take = sizeof(h->block) - h->used < len ? sizeof(h->block) - h->used : len;
        memcpy(h->block + h->used, p, take);
        h->used += take;
        p += take;
        len -= take;
        if (h->used < sizeof(h->block))
            return;
        compress(h->state, h->block);
        h->used = 0;
    }
    for (; len >= sizeof(h->block); p += sizeof(h->block), len -= sizeof(h->block))
        compress(h->state, p);
    memcpy(h->block, p, len);
    h->used = len;
}

void sha1_final(struct sha1 *h, unsigned char out[SHA1_SIZE])
{
    uint64_t bits = h->total * 8;
    h->block[h->used++] = 0x80;
    if (h->used > 56) { /* no room for the length: one more block */
        memset(h->block + h->used, 0, sizeof(h->block) - h->used);
        compress(h->state, h->block);
        h->used = 0;
    }
    memset(h->block + h->used, 0, 56 - h->used);
    store_be32(h->block + 56, (uint32_t)(bits >> 32));
    store_be32(h->block + 60, (uint32_t)bits);
    compress(h->state, h->block);
    for (int i = 0; i < 5; i++)
        store_be32(out + 4 * i, h->state[i]);
}

void sha1_of(const void *data, size_t len, unsigned char out[SHA1_SIZE])
{
    struct sha1 h;
    sha1_init(&h);
    sha1_update(&h, data, len);
    sha1_final(&h, out);
}
