/*
 * One key in a shard's table: a single allocation holding the chain link,
 * the value payload, the type/encoding tags, a 24-bit LRU clock, the key
 * bytes inline and, only for keys that ever had a TTL, an expiry slot:
 *
 *     next | payload | key_len | type:3 enc:4 ttl:1 lru:24 | [when_ms, ttl_index] | key...
 *     8      8         4         4                           [8 + 4]                  key_len
 *
 * A key without a TTL therefore costs 24 bytes plus its length (48 bytes of
 * malloc chunk for an 11-byte key); giving it a TTL reallocates the entry
 * once (entry_with_ttl_slot), and the slot stays when the TTL is removed
 * (when_ms = ENTRY_NO_TTL) so PERSIST/SET never allocate.
 *
 * The hash is not stored: rehashing recomputes it from the key (Redis does
 * the same), which keeps the entry small. Entries are only touched under their
 * shard's lock; this module itself knows nothing of locks.
 */
#ifndef MAGPIE_STORE_ENTRY_H
#define MAGPIE_STORE_ENTRY_H

#include "store/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENTRY_NO_TTL   ((int64_t)-1)
#define ENTRY_NO_INDEX UINT32_MAX
#define ENTRY_LRU_BITS 24
#define ENTRY_LRU_MAX  ((1u << ENTRY_LRU_BITS) - 1)

struct entry {
    struct entry *next;
    union value_payload val;
    uint32_t key_len;
    uint32_t type : 3;     /* enum value_type */
    uint32_t encoding : 4; /* enum value_encoding */
    uint32_t has_ttl_slot : 1;
    uint32_t lru : ENTRY_LRU_BITS; /* seconds, wrapping: entry_lru_clock() */
    /* [int64_t when_ms; uint32_t ttl_index;] when has_ttl_slot, then the key */
    char tail[];
};

#define ENTRY_TTL_SLOT_SIZE 12

/* A new entry for the key, its value unset (an empty RAW string with no
 * buffer: the caller sets it). NULL when out of memory. */
struct entry *entry_new(const char *key, size_t key_len, bool ttl_slot);
/* Frees the entry and what its value owns. */
void entry_free(struct entry *e);
/* Frees the entry only; its value has been moved elsewhere. */
void entry_free_shell(struct entry *e);
/* A copy of e with a TTL slot (ENTRY_NO_TTL, ENTRY_NO_INDEX); e is freed but
 * not its value, which moves to the copy. NULL (e untouched) when out of memory. */
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

/* The absolute expiry in Unix milliseconds, or ENTRY_NO_TTL. */
static inline int64_t entry_expire_at(const struct entry *e)
{
    if (!e->has_ttl_slot)
        return ENTRY_NO_TTL;
    int64_t when;
    memcpy(&when, e->tail, sizeof(when));
    return when;
}

/* Only with a slot. The TTL index (store/ttl_index.h) keeps ttl_index in sync. */
static inline void entry_set_expire_at(struct entry *e, int64_t when)
{
    memcpy(e->tail, &when, sizeof(when));
}

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

/* Seconds since the entry was last touched, as OBJECT IDLETIME reports it. */
static inline uint64_t entry_idle_seconds(const struct entry *e, int64_t now_ms)
{
    uint32_t clock = entry_lru_clock(now_ms);
    uint32_t lru = e->lru;
    return clock >= lru ? clock - lru : clock + (ENTRY_LRU_MAX - lru);
}

static inline void entry_value(const struct entry *e, struct value *out)
{
    out->p = e->val;
    out->type = (uint8_t)e->type;
    out->encoding = (uint8_t)e->encoding;
}

/* Stores v (taking over what it owns); the previous value must have been
 * released or moved by the caller. */
static inline void entry_set_value(struct entry *e, const struct value *v)
{
    e->val = v->p;
    e->type = v->type & 7u;
    e->encoding = v->encoding & 15u;
}

#ifdef __cplusplus
}
#endif
#endif
