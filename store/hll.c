/*
 * HyperLogLog (store/hll.h): the hash, the header, the dense registers,
 * counting and merging. The sparse encoding is in hll_sparse.c.
 */
#include "store/hll.h"
#include "store/hll_internal.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* Redis's seed for the element hash. */
#define HLL_HASH_SEED 0xadc83b19ULL
/* 0.5 / ln(2): the estimator's constant as the number of registers grows. */
#define HLL_ALPHA_INF 0.721347520444481703680

bool hll_header_valid(const uint8_t *p, size_t len)
{
    if (len < HLL_HDR_SIZE || memcmp(p, "HYLL", 4) != 0)
        return false;
    if (p[HLL_ENCODING_OFFSET] > HLL_SPARSE)
        return false;
    return p[HLL_ENCODING_OFFSET] != HLL_DENSE || len == HLL_DENSE_SIZE;
}

bool hll_cache_get(const uint8_t *hll, uint64_t *card)
{
    const uint8_t *c = hll + HLL_CARD_OFFSET;
    if (c[7] & 0x80)
        return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | c[i];
    *card = v;
    return true;
}

void hll_cache_set(uint8_t *hll, uint64_t card)
{
    for (int i = 0; i < 8; i++)
        hll[HLL_CARD_OFFSET + i] = (uint8_t)(card >> (8 * i));
}

void hll_cache_invalidate(uint8_t *hll)
{
    hll[HLL_CARD_OFFSET + 7] |= 0x80;
}

uint64_t hll_murmur64a(const void *key, size_t len, uint64_t seed)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    /* Redis passes the length as an int: the same arithmetic for any size
     * an element can have. */
    uint64_t h = seed ^ ((uint64_t)(int64_t)(int)len * m);
    const uint8_t *data = key;
    const uint8_t *end = data + (len - (len & 7));
    for (; data != end; data += 8) {
        uint64_t k = 0;
        for (int i = 7; i >= 0; i--)
            k = (k << 8) | data[i]; /* little endian everywhere */
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    switch (len & 7) {
    case 7:
        h ^= (uint64_t)data[6] << 48; /* fall through */
    case 6:
        h ^= (uint64_t)data[5] << 40; /* fall through */
    case 5:
        h ^= (uint64_t)data[4] << 32; /* fall through */
    case 4:
        h ^= (uint64_t)data[3] << 24; /* fall through */
    case 3:
        h ^= (uint64_t)data[2] << 16; /* fall through */
    case 2:
        h ^= (uint64_t)data[1] << 8; /* fall through */
    case 1:
        h ^= (uint64_t)data[0];
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

int hll_pattern(const void *ele, size_t len, uint32_t *index)
{
    uint64_t hash = hll_murmur64a(ele, len, HLL_HASH_SEED);
    *index = (uint32_t)(hash & (HLL_REGISTERS - 1));
    /* The run of zeros after the index bits, plus the one that ends it; a
     * bit above the Q usable ones caps it at Q + 1. */
    hash >>= HLL_P;
    hash |= UINT64_C(1) << HLL_Q;
    return __builtin_ctzll(hash) + 1;
}

uint8_t hll_dense_get(const uint8_t *r, uint32_t index)
{
    uint32_t byte = index * HLL_BITS / 8, fb = index * HLL_BITS & 7;
    unsigned v = r[byte] >> fb;
    /* The last register ends inside its byte: there is no byte after it. */
    if (fb > 8 - HLL_BITS)
        v |= (unsigned)r[byte + 1] << (8 - fb);
    return (uint8_t)(v & HLL_REGISTER_MAX);
}

void hll_dense_set(uint8_t *r, uint32_t index, uint8_t value)
{
    uint32_t byte = index * HLL_BITS / 8, fb = index * HLL_BITS & 7;
    r[byte] = (uint8_t)((r[byte] & ~(HLL_REGISTER_MAX << fb)) | (value << fb));
    if (fb > 8 - HLL_BITS) {
        unsigned spill = 8 - fb;
        r[byte + 1] = (uint8_t)((r[byte + 1] & ~(HLL_REGISTER_MAX >> spill)) | (value >> spill));
    }
}

/* 16 registers in every 12 bytes. */
static void dense_histogram(const uint8_t *r, uint32_t histogram[64])
{
    for (int j = 0; j < HLL_REGISTERS / 16; j++, r += 12) {
        for (int g = 0; g < 12; g += 3) { /* 4 registers in 3 bytes */
            histogram[r[g] & 63]++;
            histogram[(r[g] >> 6 | r[g + 1] << 2) & 63]++;
            histogram[(r[g + 1] >> 4 | r[g + 2] << 4) & 63]++;
            histogram[(r[g + 2] >> 2) & 63]++;
        }
    }
}

/* Ertl's sigma and tau ("New cardinality estimation algorithms for
 * HyperLogLog sketches", arXiv:1702.01284), iterated to a fixed point
 * exactly as Redis does, so that estimates agree to the last bit. */
static double hll_sigma(double x)
{
    if (x == 1.)
        return INFINITY;
    double z_prev, y = 1, z = x;
    do {
        x *= x;
        z_prev = z;
        z += x * y;
        y += y;
    } while (z_prev != z);
    return z;
}

static double hll_tau(double x)
{
    if (x == 0. || x == 1.)
        return 0.;
    double z_prev, y = 1.0, z = 1 - x;
    do {
        x = sqrt(x);
        z_prev = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (z_prev != z);
    return z / 3;
}

uint64_t hll_estimate(const uint32_t histogram[64])
{
    double m = HLL_REGISTERS;
    double z = m * hll_tau((m - histogram[HLL_Q + 1]) / (double)m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += histogram[j];
        z *= 0.5;
    }
    z += m * hll_sigma(histogram[0] / (double)m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}

bool hll_count(const uint8_t *hll, size_t len, uint64_t *card)
{
    uint32_t histogram[64] = {0};
    if (hll[HLL_ENCODING_OFFSET] == HLL_DENSE)
        dense_histogram(hll + HLL_HDR_SIZE, histogram);
    else if (!hll_sparse_histogram(hll + HLL_HDR_SIZE, len - HLL_HDR_SIZE, histogram))
        return false;
    *card = hll_estimate(histogram);
    return true;
}

uint64_t hll_count_registers(const uint8_t *max)
{
    uint32_t histogram[64] = {0};
    for (int i = 0; i < HLL_REGISTERS; i++)
        histogram[max[i] & 63]++;
    return hll_estimate(histogram);
}

bool hll_merge(uint8_t *max, const uint8_t *hll, size_t len)
{
    if (hll[HLL_ENCODING_OFFSET] == HLL_SPARSE)
        return hll_sparse_merge(max, hll + HLL_HDR_SIZE, len - HLL_HDR_SIZE);
    for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
        uint8_t v = hll_dense_get(hll + HLL_HDR_SIZE, i);
        if (v > max[i])
            max[i] = v;
    }
    return true;
}

int hll_buf_reserve(struct hll_buf *h, size_t cap)
{
    if (cap <= h->cap)
        return 0;
    uint8_t *data = mem_realloc(h->data, cap);
    if (!data)
        return HLL_NOMEM;
    h->data = data;
    h->cap = cap;
    return 0;
}

int hll_buf_init(struct hll_buf *h, const uint8_t *src, size_t len)
{
    *h = (struct hll_buf){0};
    if (!src) {
        if (hll_buf_reserve(h, HLL_EMPTY_SIZE + 8) != 0)
            return HLL_NOMEM;
        memset(h->data, 0, HLL_EMPTY_SIZE);
        memcpy(h->data, "HYLL", 4);
        h->data[HLL_ENCODING_OFFSET] = HLL_SPARSE;
        /* One XZERO covering all 16384 registers: length - 1 in 14 bits. */
        h->data[HLL_HDR_SIZE] = (uint8_t)(0x40 | ((HLL_REGISTERS - 1) >> 8));
        h->data[HLL_HDR_SIZE + 1] = (uint8_t)((HLL_REGISTERS - 1) & 0xff);
        h->len = HLL_EMPTY_SIZE;
        return 0;
    }
    if (hll_buf_reserve(h, len + 8) != 0)
        return HLL_NOMEM;
    memcpy(h->data, src, len);
    h->len = len;
    return 0;
}

void hll_buf_free(struct hll_buf *h)
{
    mem_free(h->data);
    *h = (struct hll_buf){0};
}

int hll_set_register(struct hll_buf *h, uint32_t index, uint8_t count, size_t sparse_max)
{
    if (h->data[HLL_ENCODING_OFFSET] == HLL_SPARSE)
        return hll_sparse_set(h, index, count, sparse_max);
    uint8_t *r = h->data + HLL_HDR_SIZE;
    if (count <= hll_dense_get(r, index))
        return 0;
    hll_dense_set(r, index, count);
    return 1;
}

int hll_add(struct hll_buf *h, const void *ele, size_t len, size_t sparse_max)
{
    uint32_t index;
    uint8_t count = (uint8_t)hll_pattern(ele, len, &index);
    int r = hll_set_register(h, index, count, sparse_max);
    if (r == 1 && h->data[HLL_ENCODING_OFFSET] == HLL_DENSE)
        hll_cache_invalidate(h->data); /* (the sparse path invalidates its own) */
    return r;
}
