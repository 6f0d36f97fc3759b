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
 * No locking here: the shard owning the table serializes the writers (every
 * function below except table_peek). Readers may run table_peek at the same
 * time without any lock: links and bucket arrays are atomics published with
 * release stores, and nothing a reader may still hold is freed directly
 * (unlinked entries are the caller's to retire, replaced bucket arrays are
 * retired here through core/ebr). A table_peek result is only a guess until
 * the caller validates it (the shard's sequence counter, store/shard.h).
 *
 * The table allocates only its bucket arrays, through mem_alloc; when
 * growing fails it keeps working at a higher load factor.
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
    /* The address of a bucket array's first slot with log2 of its size in
     * the low bits (table.c), so a lock-free reader can never pair an array
     * with another array's size; 0: no array. [1] only while rehashing. */
    ATOMIC(uintptr_t) arrays[2];
    uint64_t used[2];
    int64_t rehash_idx; /* next bucket of [0] to move; -1: not rehashing */
};

/* Where an entry was found: valid until the next table operation. */
struct table_pos {
    ATOMIC(struct entry *) * link; /* the pointer that points at the entry */
    int half;                      /* 0 or 1: which bucket array */
};

void table_init(struct table *t);
/* Frees every entry (entry_free) and the buckets now; the table is empty
 * after. Only when no reader can reach them (ebr_synchronize first). */
void table_clear(struct table *t);
/* Moves everything of src into dst (which must be empty or just
 * initialized) and leaves src empty; swaps two tables' contents. */
void table_move(struct table *dst, struct table *src);
void table_swap(struct table *a, struct table *b);

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
 * Moves one bucket first if rehashing (a change lock-free readers can see). */
struct entry *table_find(struct table *t, uint64_t hash, const char *key, size_t len,
                         struct table_pos *pos);
/*
 * The lock-free lookup: *out gets the entry for the key or NULL, reading the
 * table without writing anything. Returns 0, or -EAGAIN while a rehash runs
 * or after walking more than TABLE_PEEK_MAX_STEPS entries (a long chain, or
 * one being relinked under us): then take the lock. Call inside an EBR read
 * section; the answer may be torn until validated.
 */
#define TABLE_PEEK_MAX_STEPS 64
int table_peek(const struct table *t, uint64_t hash, const char *key, size_t len,
               struct entry **out);

/* Makes sure the table has buckets, so the next table_insert cannot fail
 * (a table keeps its buckets once it has some, until table_clear). 0 or -ENOMEM. */
int table_reserve(struct table *t);
/* Links a new entry whose key is absent. Returns 0, or -ENOMEM when the table
 * has no buckets yet and cannot get any; never fails after table_reserve. */
int table_insert(struct table *t, uint64_t hash, struct entry *e);
/* Unlinks the entry at pos (from table_find) and returns it, not freed. */
struct entry *table_unlink(struct table *t, struct table_pos pos);
/* Puts `e` in place of the entry at pos: a reallocated copy of it that
 * already carries its `next` (the old entry is the caller's to retire). */
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
