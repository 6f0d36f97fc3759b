/*
 * The one hash table engine of the store: the keyspace's shard tables, and
 * every other map of byte-string keys (hash, set and sorted-set members, the
 * pub/sub channels, the blocked and watched keys). Like Redis's dict it is
 * generic through a struct of operations (struct table_type) and never stops
 * the world to resize: it keeps two bucket arrays while rehashing and moves a
 * few buckets on every operation. It grows at load factor 1, shrinks when
 * less than 1/10 full, down to 4 buckets when it empties (an unused table
 * has no buckets at all).
 *
 * Intrusive: a user struct embeds a struct table_node (one link, the only
 * per-node cost) and the table links those; it never allocates, copies or
 * frees a node except through its type's free_node in table_clear. Nodes do
 * not store their hash: rehashing recomputes it with the type's hash.
 *
 * Chaining (rather than open addressing) is what makes the SCAN guarantee
 * possible: a bucket of a table of size 2^n holds exactly the keys whose low n
 * hash bits equal its index, so the reverse-binary cursor (table_scan) visits
 * every key present for the whole scan at least once, across any number of
 * grows, shrinks and rehash steps between calls.
 *
 * No locking here: the owner of the table serializes the writers (every
 * function below except table_peek). Only for a type with lock_free_reads (the
 * keyspace) may readers run table_peek at the same time without any lock:
 * links and bucket arrays are atomics published with release stores, and
 * nothing a reader may still hold is freed directly (unlinked nodes are the
 * caller's to retire, replaced bucket arrays are retired here through
 * core/ebr). A table_peek result is only a guess until the caller validates
 * it (the shard's sequence counter, store/shard.h). Other types' tables are
 * only ever touched under their owner's lock, and free old arrays at once.
 *
 * The table allocates only its bucket arrays, through mem_alloc; when
 * growing fails it keeps working at a higher load factor.
 */
#ifndef MAGPIE_STORE_TABLE_H
#define MAGPIE_STORE_TABLE_H

#include "core/compiler.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TABLE_MIN_EXP 2 /* 4 buckets */

/* The link a struct in a table embeds (container_of gets the struct back). */
struct table_node {
    ATOMIC(struct table_node *) next;
};

/* What a table needs to know about its nodes (a static const per kind). */
struct table_type {
    /* The hash of the node's key: the value callers pass to table_find,
     * table_peek and table_insert for that key (rehashing recomputes it). */
    uint64_t (*hash)(const struct table_node *n);
    /* Whether the node's key is these len bytes. */
    bool (*key_equals)(const struct table_node *n, const void *key, size_t len);
    /* Frees a node and what it owns (table_clear); NULL: the table does not
     * own its nodes. */
    void (*free_node)(struct table_node *n);
    /* Readers may call table_peek without the owner's lock: replaced bucket
     * arrays are then retired through core/ebr, otherwise freed at once. */
    bool lock_free_reads;
};

struct table {
    /* The address of a bucket array's first slot with log2 of its size in
     * the low bits (table.c), so a lock-free reader can never pair an array
     * with another array's size; 0: no array. [1] only while rehashing. */
    ATOMIC(uintptr_t) arrays[2];
    uint64_t used[2];
    int64_t rehash_idx; /* next bucket of [0] to move; -1: not rehashing */
    const struct table_type *type;
};

/* Where a node was found: valid until the next table operation. */
struct table_pos {
    ATOMIC(struct table_node *) * link; /* the pointer that points at the node */
    int half;                           /* 0 or 1: which bucket array */
};

/* An empty table of nodes of `type` (which must outlive it); allocates nothing. */
void table_init(struct table *t, const struct table_type *type);
/* Frees every node (type->free_node) and the buckets now; the table is
 * empty after. For a lock-free table, only when no reader can reach them
 * (ebr_synchronize first). */
void table_clear(struct table *t);
/* Moves everything of src into dst (which must be empty or just
 * initialized) and leaves src empty; swaps two tables' contents. Both
 * tables have the same type. */
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

/* The node for the key, or NULL; fills *pos when found (pos may be NULL).
 * `hash` is the type's hash of that key. Moves one bucket first if
 * rehashing (a change lock-free readers can see). */
struct table_node *table_find(struct table *t, uint64_t hash, const void *key, size_t len,
                              struct table_pos *pos);
/* table_find without moving the rehash along, so that positions the caller
 * holds stay valid (checks in debug builds). The owner's side: no lock-free
 * caller. */
struct table_node *table_find_still(const struct table *t, uint64_t hash, const void *key,
                                    size_t len);
/*
 * The lock-free lookup (lock_free_reads types only): *out gets the node for
 * the key or NULL, reading the table without writing anything. Returns 0, or
 * -EAGAIN while a rehash runs or after walking more than
 * TABLE_PEEK_MAX_STEPS nodes (a long chain, or one being relinked under
 * us): then take the lock. Call inside an EBR read section; the answer may
 * be torn until validated.
 */
#define TABLE_PEEK_MAX_STEPS 64
int table_peek(const struct table *t, uint64_t hash, const void *key, size_t len,
               struct table_node **out);

/* Makes sure the table has buckets, so the next table_insert cannot fail
 * (a table keeps its buckets once it has some, until table_clear). 0 or -ENOMEM. */
int table_reserve(struct table *t);
/* Links a new node whose key is absent; `hash` is the type's hash of it.
 * Returns 0, or -ENOMEM when the table has no buckets yet and cannot get
 * any; never fails after table_reserve. */
int table_insert(struct table *t, uint64_t hash, struct table_node *n);
/* Unlinks the node at pos (from table_find) and returns it, not freed. */
struct table_node *table_unlink(struct table *t, struct table_pos pos);
/* Puts `n` in place of the node at pos: a reallocated copy of it that
 * already carries its `next` (the old node is the caller's to retire). */
void table_replace(struct table_pos pos, struct table_node *n);

/* Does up to n bucket moves (visiting at most 10n empty buckets). Returns
 * true while more rehashing remains. */
bool table_rehash(struct table *t, int n);

/*
 * Visits every node of the buckets at `cursor` and returns the next cursor
 * (0 when the scan is complete). `fn` must not modify the table.
 */
typedef void (*table_scan_fn)(void *ctx, struct table_node *n);
uint64_t table_scan(struct table *t, uint64_t cursor, table_scan_fn fn, void *ctx);

/* Visits every node once (both arrays while rehashing). `fn` must not
 * modify the table. */
void table_foreach(struct table *t, table_scan_fn fn, void *ctx);

/* A random node (roughly uniform), or NULL when empty. `rng` is the
 * caller's xorshift state. */
struct table_node *table_random(struct table *t, uint64_t *rng);

/* A 64-bit xorshift step, for callers of table_random. */
uint64_t table_rng_next(uint64_t *state);

#ifdef __cplusplus
}
#endif
#endif
