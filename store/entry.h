/*
 * One key in a shard's table: a single allocation holding the chain link
 * (its struct table_node, store/table.h), the value payload, the key length,
 * the type/encoding tags with a 24-bit LRU clock, the key bytes inline and,
 * only for keys that ever had a TTL, an expiry slot:
 *
 *     node | payload | key_len:31 ttl:1 | type:3 enc:4 lru:24 | [when_ms, ttl_index] | key...
 *     8      8         4                  4                     [8 + 4]                  key_len
 *
 * A key without a TTL therefore costs 24 bytes plus its length (48 bytes of
 * malloc chunk for an 11-byte key); giving it a TTL reallocates the entry
 * once (entry_with_ttl_slot), and the slot stays when the TTL is removed
 * (when_ms = ENTRY_NO_TTL) so PERSIST/SET never allocate.
 *
 * Writers change entries only under their shard's lock, but lock-free
 * readers (store/shard_read.c) load them at the same time, so every field a
 * writer may change after the entry is published (next, payload, tags and
 * LRU, when_ms) is an atomic; key_len, the TTL-slot flag and the key bytes
 * never change and are read plainly. Readers also move the LRU clock (with a
 * CAS on the tags word, entry_touch), so writers store the whole word.
 *
 * The hash is not stored: rehashing recomputes it from the key (Redis does
 * the same), which keeps the entry small. An entry that readers may still
 * see is never freed directly: entry_retire() hands it to core/ebr.
 */
#ifndef MAGPIE_STORE_ENTRY_H
#define MAGPIE_STORE_ENTRY_H

#include "core/compiler.h"
#include "store/table.h"
#include "store/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENTRY_NO_TTL      ((int64_t)-1)
#define ENTRY_NO_INDEX    UINT32_MAX
#define ENTRY_LRU_BITS    24
#define ENTRY_LRU_MAX     ((1u << ENTRY_LRU_BITS) - 1)
#define ENTRY_KEY_LEN_MAX ((1u << 31) - 1)

/* The tags word (`meta`): type, encoding and LRU clock, so that a reader
 * gets all three with one load; its top bit is the snapshot mark
 * (ENTRY_META_SNAP: store/rdb_snapshot.c), which only lock holders change
 * and every store of the word keeps. */
#define ENTRY_META_TYPE(m)     ((m)&7u)
#define ENTRY_META_ENCODING(m) (((m) >> 3) & 15u)
#define ENTRY_META_LRU(m)      (((m) >> 7) & ENTRY_LRU_MAX)
#define ENTRY_META(type, encoding, lru)                                                            \
    (((uint32_t)(type)&7u) | (((uint32_t)(encoding)&15u) << 3) |                                   \
     (((uint32_t)(lru)&ENTRY_LRU_MAX) << 7))
#define ENTRY_META_SNAP (1u << 31)

struct entry {
    struct table_node node;   /* first: entry_of is a plain cast */
    ATOMIC(uint64_t) payload; /* union value_payload, as bits */
    uint32_t key_len : 31;
    uint32_t has_ttl_slot : 1;
    ATOMIC(uint32_t) meta; /* ENTRY_META(type, encoding, lru) */
    /* [int64_t when_ms (atomic); uint32_t ttl_index;] when has_ttl_slot, then the key */
    char tail[];
};

#define ENTRY_TTL_SLOT_SIZE 12

/* The entry a node of a keyspace table is (NULL stays NULL). */
static inline struct entry *entry_of(struct table_node *n)
{
    return (struct entry *)(void *)n;
}

/* A new entry for the key, its value unset (an empty RAW string with no
 * buffer: the caller sets it). NULL when out of memory or the key is longer
 * than ENTRY_KEY_LEN_MAX. */
struct entry *entry_new(const char *key, size_t key_len, bool ttl_slot);
/* Frees the entry and what its value owns, now: only for entries no reader
 * can reach (never linked, or after ebr_synchronize). */
void entry_free(struct entry *e);
/* Frees the entry only, now; its value has been moved elsewhere. */
void entry_free_shell(struct entry *e);
/* entry_free / entry_free_shell once no lock-free reader can hold the entry
 * (core/ebr.h): for entries that were in a table. Not inside a read section. */
void entry_retire(struct entry *e);
void entry_retire_shell(struct entry *e);
/* A copy of e with a TTL slot (ENTRY_NO_TTL, ENTRY_NO_INDEX), carrying e's
 * link and value. The caller puts it in e's place and then retires e's shell
 * (entry_retire_shell: not before, readers may still find e until then).
 * NULL (e untouched) when out of memory. */
struct entry *entry_with_ttl_slot(struct entry *e);
/* Bytes allocated for an entry (memory accounting, tests). */
size_t entry_alloc_size(size_t key_len, bool ttl_slot);

static inline const char *entry_key(const struct entry *e)
{
    return e->tail + (e->has_ttl_slot ? ENTRY_TTL_SLOT_SIZE : 0);
}

static inline bool entry_key_equals(const struct entry *e, const char *key, size_t len)
{
    return e->key_len == len && memcmp(entry_key(e), key, len) == 0;
}

/* Only under the lock. The TTL index (store/ttl_index.h) keeps it in sync. */
static inline uint32_t entry_ttl_index(const struct entry *e)
{
    uint32_t i;
    memcpy(&i, e->tail + sizeof(int64_t), sizeof(i));
    return i;
}

static inline void entry_set_ttl_index(struct entry *e, uint32_t i)
{
    memcpy(e->tail + sizeof(int64_t), &i, sizeof(i));
}

/* Redis's LRU clock: seconds, 24 bits, wrapping every 194 days. */
static inline uint32_t entry_lru_clock(int64_t now_ms)
{
    return (uint32_t)((uint64_t)now_ms / 1000) & ENTRY_LRU_MAX;
}

/* Seconds between an LRU clock value and now, as OBJECT IDLETIME reports it. */
static inline uint64_t entry_lru_idle(uint32_t lru, int64_t now_ms)
{
    uint32_t clock = entry_lru_clock(now_ms);
    return clock >= lru ? clock - lru : clock + (ENTRY_LRU_MAX - lru);
}

#ifndef __cplusplus
/*
 * Field access, in C only (atomics). Relaxed throughout: writers hold the
 * shard lock, and lock-free readers validate what they loaded with the
 * shard's sequence counter (store/shard.h) rather than with these orderings.
 */

static inline ATOMIC(int64_t) * entry__when(const struct entry *e)
{
    return (ATOMIC(int64_t) *)(void *)e->tail;
}

/* The absolute expiry in Unix milliseconds, or ENTRY_NO_TTL. */
static inline int64_t entry_expire_at(const struct entry *e)
{
    if (!e->has_ttl_slot)
        return ENTRY_NO_TTL;
    return atomic_load_explicit(entry__when(e), memory_order_relaxed);
}

/* Only with a slot. */
static inline void entry_set_expire_at(struct entry *e, int64_t when)
{
    atomic_store_explicit(entry__when(e), when, memory_order_relaxed);
}

static inline uint32_t entry_meta(const struct entry *e)
{
    return atomic_load_explicit(&((struct entry *)e)->meta, memory_order_relaxed);
}

static inline enum value_type entry_type(const struct entry *e)
{
    return (enum value_type)ENTRY_META_TYPE(entry_meta(e));
}

static inline enum value_encoding entry_encoding(const struct entry *e)
{
    return (enum value_encoding)ENTRY_META_ENCODING(entry_meta(e));
}

static inline uint32_t entry_lru(const struct entry *e)
{
    return ENTRY_META_LRU(entry_meta(e));
}

static inline union value_payload entry_payload_of(uint64_t bits)
{
    union value_payload p;
    memcpy(&p, &bits, sizeof(p));
    return p;
}

static inline union value_payload entry_payload(const struct entry *e)
{
    return entry_payload_of(
        atomic_load_explicit(&((struct entry *)e)->payload, memory_order_relaxed));
}

static inline void entry_value(const struct entry *e, struct value *out)
{
    uint32_t m = entry_meta(e);
    out->p = entry_payload(e);
    out->type = (uint8_t)ENTRY_META_TYPE(m);
    out->encoding = (uint8_t)ENTRY_META_ENCODING(m);
}

/* Stores v (taking over what it owns) with the LRU clock `lru`; the previous
 * value must have been released or moved by the caller. */
static inline void entry_set_value(struct entry *e, const struct value *v, uint32_t lru)
{
    uint64_t bits;
    memcpy(&bits, &v->p, sizeof(bits));
    atomic_store_explicit(&e->payload, bits, memory_order_relaxed);
    uint32_t mark = entry_meta(e) & ENTRY_META_SNAP;
    atomic_store_explicit(&e->meta, ENTRY_META(v->type, v->encoding, lru) | mark,
                          memory_order_relaxed);
}

/* The snapshot mark: 0 or ENTRY_META_SNAP. Under the shard lock. */
static inline uint32_t entry_snap_mark(const struct entry *e)
{
    return entry_meta(e) & ENTRY_META_SNAP;
}

/* An atomic read-modify-write, when the mark changes: lock-free readers may
 * be moving the LRU clock in the same word (entry_touch). */
static inline void entry_set_snap_mark(struct entry *e, uint32_t mark)
{
    if (entry_snap_mark(e) == mark)
        return;
    if (mark)
        atomic_fetch_or_explicit(&e->meta, ENTRY_META_SNAP, memory_order_relaxed);
    else
        atomic_fetch_and_explicit(&e->meta, ~ENTRY_META_SNAP, memory_order_relaxed);
}

/* Seconds since the entry was last touched, as OBJECT IDLETIME reports it. */
static inline uint64_t entry_idle_seconds(const struct entry *e, int64_t now_ms)
{
    return entry_lru_idle(entry_lru(e), now_ms);
}

void entry__touch(struct entry *e, uint32_t clock);

/* Moves the LRU clock to `clock` (no store when it is already there, so a
 * hot key's cache line stays clean). Safe without the lock. */
static inline void entry_touch(struct entry *e, uint32_t clock)
{
    if (ENTRY_META_LRU(entry_meta(e)) != clock)
        entry__touch(e, clock);
}

/* The chain link, also for chaining entries the caller unlinked (DEL's
 * list to retire): only under the lock or on unlinked entries. */
static inline struct entry *entry_next(const struct entry *e)
{
    return entry_of(atomic_load_explicit(&((struct entry *)e)->node.next, memory_order_relaxed));
}

/* Release: a reader that loads the link (acquire) sees the entry it points
 * to fully built, whichever entry that is. */
static inline void entry_set_next(struct entry *e, struct entry *next)
{
    atomic_store_explicit(&e->node.next, next ? &next->node : NULL, memory_order_release);
}
#endif /* !__cplusplus */

#ifdef __cplusplus
}
#endif
#endif
