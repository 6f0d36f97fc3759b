/*
 * Intset: Redis's packed set of integers, byte for byte. A set whose members
 * are all canonical integers lives in one sorted array, and RDB snapshots
 * store the blob as it is, so a Magpie snapshot loads in redis-server and the
 * other way round. Pure data structure: no locking (the owner's shard lock
 * guards it), no keyspace. It must never read outside the blob, and a failed
 * allocation must leave it exactly as it was.
 *
 * Layout (little-endian):
 *
 *     <width: u32> <length: u32> <member> ... <member>
 *
 * width is 2, 4 or 8: every member is stored as a two's complement integer
 * of that many bytes, in ascending order, without duplicates. Adding a member
 * that does not fit widens every member (the new one is then the smallest or
 * the largest); removing never narrows them back.
 */
#ifndef MAGPIE_STORE_INTSET_H
#define MAGPIE_STORE_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The blob itself: a struct intset * points at its first header byte. */
struct intset;

/* An empty intset (width 2), or NULL when the allocation fails. */
struct intset *intset_new(void);
void intset_free(struct intset *set);
/* Takes `blob` (`size` bytes from mem_alloc) if intset_validate() accepts
 * it: then it is the intset and the caller's pointer is gone. Otherwise
 * NULL, and the caller still owns blob. */
struct intset *intset_from_blob(void *blob, size_t size);

/* Adds value; *added (if not NULL) tells whether it was new. Returns 0,
 * -ENOMEM or -E2BIG (2^32 - 1 members), leaving *set unchanged on error.
 * *set may move. */
int intset_add(struct intset **set, int64_t value, bool *added);
/* Removes value; returns whether it was there. Never fails. */
bool intset_remove(struct intset **set, int64_t value);
/* Binary search. */
bool intset_find(const struct intset *set, int64_t value);
/* The member at index (0 is the smallest); index < intset_length(set). */
int64_t intset_get(const struct intset *set, uint32_t index);
/* A member chosen by `random` (any uniformly random number, such as
 * table_rng_next(&rng)); the set must not be empty. */
int64_t intset_random(const struct intset *set, uint64_t random);
uint32_t intset_length(const struct intset *set);
/* Total bytes: what an RDB snapshot stores, starting at (const void *)set. */
size_t intset_bytes(const struct intset *set);

/*
 * Whether `size` bytes at blob are an intset: a known width, a length that
 * matches size, members strictly ascending. Empty is refused, as Redis
 * refuses it: a snapshot never holds an empty set.
 */
bool intset_validate(const void *blob, size_t size);

#ifdef __cplusplus
}
#endif
#endif
