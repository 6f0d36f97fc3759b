/*
 * A chained hash table of entries (store/entry.h) that never stops the world
 * to resize: like Redis's dict it keeps two bucket arrays while rehashing and
 * moves a few buckets on every operation. It grows at load factor 1, shrinks
 * when less than 1/10 full, down to 4 buckets when it empties (an unused
 * shard has no buckets at all).
 *
 * Chaining (rather than open addressing) is what makes the SCAN guarantee
 * possible: a bucket of a table of size 2^n holds exactly the keys whose low n
 * hash bits equal its index, so the reverse-binary cursor (table_scan) visits
 * every key present for the whole scan at least once, across any number of
 * grows, shrinks and rehash steps between calls.
 *
 * No locking here: the shard owning the table serializes access. The table
 * allocates only its bucket arrays, through mem_alloc; when growing fails it
 * keeps working at a higher load factor.
 */
#ifndef MAGPIE_STORE_TABLE_H
#define MAGPIE_STORE_TABLE_H

#include "store/entry.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TABLE_MIN_EXP 2 /* 4 buckets */

struct table {
    struct entry **buckets[2]; /* [1] only while rehashing */
    uint64_t used[2];
    int8_t exp[2];      /* log2 of the bucket count; -1: no array */
    int64_t rehash_idx; /* next bucket of [0] to move; -1: not rehashing */
};

/* Where an entry was found: valid until the next table operation. */
struct table_pos {
    struct entry **link; /* the pointer that points at the entry */
    int half;            /* 0 or 1: which bucket array */
};

void table_init(struct table *t);
/* Frees every entry (entry_free) and the buckets; the table is empty after. */
void table_clear(struct table *t);

static inline uint64_t table_count(const struct table *t)
{
    return t->used[0] + t->used[1];
}

static inline bool table_is_rehashing(const struct table *t)
{
    return t->rehash_idx >= 0;
}

/* Bytes of bucket arrays (memory accounting). */
uint64_t table_bucket_bytes(const struct table *t);

/* The entry for the key, or NULL; fills *pos when found (pos may be NULL).
 * Moves one bucket first if rehashing. */
struct entry *table_find(struct table *t, uint64_t hash, const char *key, size_t len,
                         struct table_pos *pos);
/* Makes sure the table has buckets, so the next table_insert cannot fail
 * (a table keeps its buckets once it has some, until table_clear). 0 or -ENOMEM. */
int table_reserve(struct table *t);
/* Links a new entry whose key is absent. Returns 0, or -ENOMEM when the table
 * has no buckets yet and cannot get any; never fails after table_reserve. */
int table_insert(struct table *t, uint64_t hash, struct entry *e);
/* Unlinks the entry at pos (from table_find) and returns it, not freed. */
struct entry *table_unlink(struct table *t, struct table_pos pos);
/* Puts `e` in place of the entry at pos: a reallocated copy of it that
 * already carries its `next` (the old entry may be freed already). */
void table_replace(struct table_pos pos, struct entry *e);

/* Does up to n bucket moves (visiting at most 10n empty buckets). Returns
 * true while more rehashing remains. */
bool table_rehash(struct table *t, int n);

/*
 * Visits every entry of the buckets at `cursor` and returns the next cursor
 * (0 when the scan is complete). `fn` must not modify the table.
 */
typedef void (*table_scan_fn)(void *ctx, struct entry *e);
uint64_t table_scan(struct table *t, uint64_t cursor, table_scan_fn fn, void *ctx);

/* Visits every entry once (both arrays while rehashing). `fn` must not
 * modify the table. */
void table_foreach(struct table *t, table_scan_fn fn, void *ctx);

/* A random entry (roughly uniform), or NULL when empty. `rng` is the
 * caller's xorshift state. */
struct entry *table_random(struct table *t, uint64_t *rng);

/* A 64-bit xorshift step, for callers of table_random. */
uint64_t table_rng_next(uint64_t *state);

#ifdef __cplusplus
}
#endif
#endif
