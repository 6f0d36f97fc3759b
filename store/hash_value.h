/*
 * The hash value type: a map of byte-string fields to byte-string values, in
 * one of two encodings, as in Redis 7.0:
 *
 *  - ENCODING_LISTPACK: `p.obj` is a listpack (store/listpack.h) holding
 *    field, value, field, value, ... in insertion order. One allocation, so a
 *    small hash costs a few bytes per field; lookups walk it.
 *  - ENCODING_HASHTABLE: `p.obj` is a struct hash_table_form: the shared
 *    table engine (store/table.h) of nodes that carry their field and value
 *    inline (one allocation per field, no per-field header besides the link
 *    and two lengths).
 *
 * A hash starts as a listpack and converts to the table once it holds more
 * than hash-max-listpack-entries fields or a field or value longer than
 * hash-max-listpack-value bytes, and never back (Redis does the same).
 *
 * The functions work on a struct value, not on an entry: a listpack moves
 * when it grows or shrinks and a conversion changes the encoding, so a
 * change updates *v and the caller stores it back into its entry. Pure data
 * structure: no locking (the owner's shard lock guards it), no keyspace.
 * Every change either happens completely or returns -ENOMEM with the hash as
 * it was (hash_set's conversion aside). Private to store/.
 */
#ifndef MAGPIE_STORE_HASH_VALUE_H
#define MAGPIE_STORE_HASH_VALUE_H

#include "store/listpack.h"
#include "store/table.h"
#include "store/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Redis 7.0's defaults of hash-max-listpack-entries / -value (server.h). */
#define HASH_MAX_LISTPACK_ENTRIES_DEFAULT 512
#define HASH_MAX_LISTPACK_VALUE_DEFAULT   64

/* When a listpack hash converts (the keyspace's config, read per command). */
struct hash_limits {
    size_t max_entries;
    size_t max_value;
};

/* The table encoding's payload. */
struct hash_table_form {
    struct table table;
    uint64_t bytes; /* the nodes' allocations, for MEMORY USAGE */
    /* Rejection sampling's bound on a chain's length (hash_random_item):
     * grows when a longer chain is met. */
    uint32_t random_bound;
};

/* A field or value read out of a hash: valid until the hash changes. An
 * integer stored in a listpack is written out into buf. */
struct hash_bytes {
    const unsigned char *ptr;
    size_t len;
    unsigned char buf[LISTPACK_INT_BUF];
};

/* One field of a hash, to read back with hash_item_read while the hash is
 * unchanged: a listpack position or a table node. */
typedef uintptr_t hash_item;

/* Registers the hash type's operations (idempotent; keyspace_new does it). */
void hash_type_register(void);

/* An empty hash (a listpack). 0 or -ENOMEM. */
int hash_value_new(struct value *out);
/* Fields in the hash. */
size_t hash_length(const struct value *v);

/* The value of a field: false when absent. */
bool hash_get(const struct value *v, const void *field, size_t flen, struct hash_bytes *out);
bool hash_exists(const struct value *v, const void *field, size_t flen);

/*
 * Redis's hashTypeTryConversion, before a write of field/value pairs whose
 * longest string is `longest` bytes and which total `total` bytes: converts
 * a listpack to the table when longest passes max_value, or when the total
 * would push the listpack past its safety size. 0 or -ENOMEM (unchanged).
 */
int hash_prepare_write(struct value *v, size_t longest, size_t total,
                       const struct hash_limits *lim);
/*
 * Sets field to value. Returns 1 when the field was added, 0 when it was
 * updated, -ENOMEM when no field changed (a listpack may have converted
 * already, for a long field or value). A listpack converts to the table
 * when the field or value is longer than max_value, or when the add makes
 * it hold more than max_entries fields.
 */
int hash_set(struct value *v, const void *field, size_t flen, const void *val, size_t vlen,
             const struct hash_limits *lim);
/* One field and value for hash_set_pairs. */
struct hash_pair {
    const void *field;
    size_t flen;
    const void *value;
    size_t vlen;
};
/*
 * HSET's write: sets every pair in order (a field given twice takes the
 * last value), all or nothing. Returns how many fields were added, or
 * -ENOMEM with no field changed (a listpack may have converted, as in
 * hash_set). Convert first with hash_prepare_write.
 */
long hash_set_pairs(struct value *v, const struct hash_pair *pairs, size_t n,
                    const struct hash_limits *lim);
/* Deletes a field; false when it was absent. Never fails. */
bool hash_delete(struct value *v, const void *field, size_t flen);
/* Converts a listpack hash to the table encoding (no-op on a table).
 * 0 or -ENOMEM (unchanged). */
int hash_convert(struct value *v);

/* Visits every field in order (listpack) or in table order. `fn` must not
 * change the hash. */
typedef void (*hash_visit_fn)(void *ctx, const struct hash_bytes *field,
                              const struct hash_bytes *value);
void hash_foreach(const struct value *v, hash_visit_fn fn, void *ctx);
/*
 * One step of HSCAN: visits the fields of the table's buckets at `cursor`
 * and returns the next cursor (0: done), with table_scan's guarantee that a
 * field present for the whole scan is visited at least once across resizes.
 * A listpack is visited whole and returns 0.
 */
uint64_t hash_scan(struct value *v, uint64_t cursor, hash_visit_fn fn, void *ctx);

/* Reads a field (and its value, when value is not NULL) by item. */
void hash_item_read(const struct value *v, hash_item it, struct hash_bytes *field,
                    struct hash_bytes *value);
/* Every item of the hash written to items[0..hash_length). */
void hash_items(const struct value *v, hash_item *items);
/* A uniformly random item of a non-empty hash. A listpack's is found by a
 * walk: for many picks, use hash_items once and pick from the array. */
hash_item hash_random_item(const struct value *v, uint64_t *rng);

/*
 * The random numbers of the hash's picks: a xorshift64 step (table.h's)
 * whose output goes through murmur3's finalizer. Plain xorshift64 output
 * will not do for two draws in a row: the low 3 bits of one output are a
 * function of the low 10 bits of the one before, so a bucket index and a
 * slot drawn from consecutive outputs are tied, and most fields could never
 * be picked.
 */
static inline uint64_t hash_random_next(uint64_t *state)
{
    uint64_t x = table_rng_next(state);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Bytes the hash owns (MEMORY USAGE, DEBUG OBJECT). */
size_t hash_memory_usage(const struct value *v);

#ifdef __cplusplus
}
#endif
#endif
