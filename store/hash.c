#include "store/hash.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Written once, before main() (constructor) or by a test before any keyspace
 * exists; read-only afterwards, so plain loads are race-free. */
static uint64_t seed_k0, seed_k1;

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIP_ROUND(v0, v1, v2, v3)                                                                  \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = rotl(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = rotl(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = rotl(v2, 32);                                                                         \
    } while (0)

/* SipHash with c compression and d finalization rounds (the paper's SipHash-c-d). */
static inline uint64_t siphash(uint64_t k0, uint64_t k1, const uint8_t *in, size_t len, int c,
                               int d)
{
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    const uint8_t *end = in + (len & ~(size_t)7);

    for (; in != end; in += 8) {
        uint64_t m = load_le64(in);
        v3 ^= m;
        for (int i = 0; i < c; i++)
            SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    /* The last block: the remaining 0..7 bytes, and the length in the top byte. */
    uint64_t b = (uint64_t)len << 56;
    switch (len & 7) {
    case 7:
        b |= (uint64_t)in[6] << 48;
        /* fall through */
    case 6:
        b |= (uint64_t)in[5] << 40;
        /* fall through */
    case 5:
        b |= (uint64_t)in[4] << 32;
        /* fall through */
    case 4:
        b |= (uint64_t)in[3] << 24;
        /* fall through */
    case 3:
        b |= (uint64_t)in[2] << 16;
        /* fall through */
    case 2:
        b |= (uint64_t)in[1] << 8;
        /* fall through */
    case 1:
        b |= (uint64_t)in[0];
        break;
    case 0:
        break;
    }
    v3 ^= b;
    for (int i = 0; i < c; i++)
        SIP_ROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (int i = 0; i < d; i++)
        SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t hash_key(const void *key, size_t len)
{
    return siphash(seed_k0, seed_k1, key, len, 1, 3);
}

uint64_t hash_siphash(const uint8_t key[16], const void *data, size_t len, int c_rounds,
                      int d_rounds)
{
    return siphash(load_le64(key), load_le64(key + 8), data, len, c_rounds, d_rounds);
}

void hash_set_seed(const uint8_t seed[16])
{
    seed_k0 = load_le64(seed);
    seed_k1 = load_le64(seed + 8);
}

/* Runs before main(), so every thread sees the seed without synchronization. */
__attribute__((constructor)) static void hash_seed_from_kernel(void)
{
    uint8_t seed[16];
    size_t got = 0;
    while (got < sizeof(seed)) {
        ssize_t n = getrandom(seed + got, sizeof(seed) - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < sizeof(seed)) {
        /* No getrandom (very old kernel): still unpredictable enough to
         * avoid accidental clustering, though not against a local attacker. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t mix[2] = {(uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32),
                           (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&got};
        memcpy(seed, mix, sizeof(seed));
    }
    hash_set_seed(seed);
}
