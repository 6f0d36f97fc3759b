/*
 * Refcounted, immutable byte buffers: the C version of bytes::Bytes. A value
 * stored in the keyspace is a `struct bytes`; a reader takes a reference under
 * the shard lock and writes the bytes out after unlocking, so no reply ever
 * copies a large value. A buffer is mutable only until it is published (shared
 * with another thread); after that, writers replace it, never modify it.
 *
 * The header is 8 bytes so that a small value costs one malloc chunk; lengths
 * are therefore limited to BYTES_MAX_LEN.
 */
#ifndef MAGPIE_CORE_BYTES_H
#define MAGPIE_CORE_BYTES_H

#include "core/compiler.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BYTES_MAX_LEN UINT32_MAX

struct bytes {
    ATOMIC(uint32_t) refs;
    uint32_t len;
    char data[];
};

/* A new buffer with one reference, holding a copy of `len` bytes at `src`
 * (src may be NULL: the contents are then left for the creator to fill).
 * Returns NULL when out of memory or len > BYTES_MAX_LEN. */
struct bytes *bytes_new(const void *src, size_t len);

/* Takes one more reference; returns b for convenience. */
struct bytes *bytes_ref(struct bytes *b);

/* Drops one reference, freeing the buffer with the last one. NULL is a no-op. */
void bytes_unref(struct bytes *b);

/* Current reference count: exact only when the caller owns every reference
 * (tests, OBJECT REFCOUNT); a hint otherwise. */
uint32_t bytes_refcount(const struct bytes *b);

/* Number of bytes allocated for a buffer of `len` bytes (for memory accounting). */
size_t bytes_alloc_size(size_t len);

#ifdef __cplusplus
}
#endif
#endif
