/*
 * SHA-1 (FIPS 180-4), for Redis's DEBUG DIGEST, whose output is defined in
 * terms of it. Not for anything that needs collision resistance.
 */
#ifndef MAGPIE_CORE_SHA1_H
#define MAGPIE_CORE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHA1_SIZE 20

struct sha1 {
    uint32_t state[5];
    uint64_t total;          /* bytes hashed so far */
    unsigned char block[64]; /* a partial block */
    size_t used;             /* bytes of it filled */
};

void sha1_init(struct sha1 *h);
void sha1_update(struct sha1 *h, const void *data, size_t len);
/* Writes the digest; h must be initialised again before reuse. */
void sha1_final(struct sha1 *h, unsigned char out[SHA1_SIZE]);
/* The digest of one buffer. */
void sha1_of(const void *data, size_t len, unsigned char out[SHA1_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
