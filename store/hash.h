/*
 * The keyed hash that places keys: SipHash-1-3 with a 128-bit seed drawn from
 * getrandom() once per process. The same 64-bit hash picks the shard (its top
 * bits) and the bucket inside the shard's table (its low bits), so it is
 * computed once per key per command. Keyed, so that a client who does not
 * know the seed cannot choose keys that collide into one chain.
 */
#ifndef MAGPIE_STORE_HASH_H
#define MAGPIE_STORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SipHash-1-3 of the key under the process seed. */
uint64_t hash_key(const void *key, size_t len);

/* Replaces the process seed (tests only: makes placement reproducible).
 * Must not be called while any keyspace exists. */
void hash_set_seed(const uint8_t seed[16]);

/* SipHash-c-d under an explicit key, for the reference vectors in the tests. */
uint64_t hash_siphash(const uint8_t key[16], const void *data, size_t len, int c_rounds,
                      int d_rounds);

#ifdef __cplusplus
}
#endif
#endif
