/*
 * One shard: a lock, the hash table of its keys, the index of its keys with a
 * TTL, and its hit/miss/expired counters. Every function here named do_*
 * expects the caller to hold shard->lock (clang checks the REQUIRES
 * annotations); the lock is only ever taken through LOCK_GUARD or the
 * multi-shard guard in store/multilock.h.
 *
 * This is where Redis's per-key semantics live: lazy expiry (a lookup of an
 * expired key deletes it and reports it missing), the LRU clock, keyspace
 * hits and misses, and keeping the TTL index in step with the table.
 */
#ifndef MAGPIE_STORE_SHARD_H
#define MAGPIE_STORE_SHARD_H

#include "core/lock.h"
#include "store/entry.h"
#include "store/table.h"
#include "store/ttl_index.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* table and ttl are touched only by do_* functions (clang cannot check
 * guarded_by on a sibling field in C, so REQUIRES on the functions does it). */
struct shard {
    struct lock lock;
    struct table table;
    struct ttl_index ttl;
    /* Written only under the lock (load + store, no RMW), read relaxed by INFO. */
    ATOMIC(uint64_t) hits;
    ATOMIC(uint64_t) misses;
    ATOMIC(uint64_t) expired;
} CACHE_ALIGNED;

void shard_init(struct shard *s);
/* Frees every key; nobody may use the shard any more. */
void shard_destroy(struct shard *s);

/* Tells clang's analysis that the caller holds s->lock (inside a multi-shard
 * guard, where the analysis cannot follow which locks were taken). */
static inline void shard_assume_held(const struct shard *s)
    ASSERT_CAPABILITY(&s->lock) NO_THREAD_SAFETY
{
    (void)s;
}

/* Where a key lives: computed once per key per command (store/keyspace_impl.h). */
struct key {
    const char *ptr;
    size_t len;
    uint64_t hash;
    struct shard *shard;
    uint32_t shard_id; /* global shard number: the lock order */
};

enum lookup_flags {
    LOOKUP_READ = 0,          /* counts a hit or a miss */
    LOOKUP_WRITE = 1u << 0,   /* no hit/miss stats (Redis's lookupKeyWrite) */
    LOOKUP_NOTOUCH = 1u << 1, /* leave the LRU clock alone (TYPE, OBJECT, TTL) */
    LOOKUP_NOSTATS = 1u << 2,
};

/*
 * The live entry for the key, or NULL. An expired key is deleted on the way
 * (counted in `expired`) and reported missing. *pos (may be NULL) locates the
 * entry for do_delete/do_set_expire until the next table operation.
 */
struct entry *do_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                        struct table_pos *pos) REQUIRES(&s->lock);

/* True when an entry with this expiry is dead at now_ms (Redis: now > when). */
static inline bool expire_passed(int64_t when, int64_t now_ms)
{
    return when != ENTRY_NO_TTL && now_ms > when;
}

/*
 * Adds a key that do_lookup just reported missing, holding `v` (ownership
 * passes to the table on success) and expiring at `when` (or ENTRY_NO_TTL).
 * Returns the entry, or NULL when out of memory (nothing changed, v still the
 * caller's).
 */
struct entry *do_insert(struct shard *s, const struct key *k, const struct value *v, int64_t when,
                        int64_t now_ms) REQUIRES(&s->lock);

/*
 * The two halves of an insert that must not fail halfway through a
 * multi-key command (MSET, RENAME, MOVE, COPY): do_reserve_link for every
 * entry to link, before changing anything; then do_link_entry, which cannot
 * fail. The entry is prepared by the caller: allocated (entry_new, or one
 * detached elsewhere), its value set, and its expiry in its TTL slot if any
 * (entry_expire_at), not yet in any TTL index.
 */
int do_reserve_link(struct shard *s, bool with_ttl) REQUIRES(&s->lock);
void do_link_entry(struct shard *s, const struct key *k, struct entry *e) REQUIRES(&s->lock);
/* Finds and detaches a key known to be present (after a do_lookup under the
 * same lock hold): positions from earlier lookups may be stale by now. */
struct entry *do_detach_key(struct shard *s, const struct key *k) REQUIRES(&s->lock);

/* Replaces the value of a live entry (the old one is released) and touches it. */
void do_replace_value(struct shard *s, struct entry *e, const struct value *v, int64_t now_ms)
    REQUIRES(&s->lock);

/* Unlinks and frees the entry at pos. */
void do_delete(struct shard *s, struct table_pos pos) REQUIRES(&s->lock);
/* Unlinks the entry at pos and returns it, for freeing after the lock is
 * dropped (UNLINK, big values) or moving its value elsewhere (RENAME, MOVE). */
struct entry *do_detach(struct shard *s, struct table_pos pos) REQUIRES(&s->lock);

/*
 * Sets the entry's expiry (ENTRY_NO_TTL removes it). Giving a key its first
 * TTL reallocates the entry: the returned pointer replaces e. NULL when out
 * of memory, with nothing changed.
 */
struct entry *do_set_expire(struct shard *s, struct table_pos pos, struct entry *e, int64_t when)
    REQUIRES(&s->lock);
/* Whether do_set_expire(when != NO_TTL) on e can fail (so multi-step commands
 * can check first): reserves what it needs. 0 or -ENOMEM. */
int do_reserve_expire(struct shard *s, struct entry *e) REQUIRES(&s->lock);

/* Deletes everything; returns the old table and TTL index through *out so the
 * caller can free them after unlocking (FLUSHDB/FLUSHALL). */
struct shard_contents {
    struct table table;
    struct ttl_index ttl;
};
void do_take_contents(struct shard *s, struct shard_contents *out) REQUIRES(&s->lock);
/* Exchanges the keys of two shards (SWAPDB); both locks held. */
void do_swap_contents(struct shard *a, struct shard *b) REQUIRES(&a->lock) REQUIRES(&b->lock);
/* Frees contents taken out of a shard (no lock needed: nobody else sees them). */
void shard_contents_free(struct shard_contents *c);

/*
 * One active-expiry sample: checks up to `max_checks` keys with a TTL,
 * continuing round-robin where the last sample stopped, deleting the expired
 * ones. Returns how many were checked; *expired gets how many were deleted.
 */
uint32_t do_expire_sample(struct shard *s, int64_t now_ms, uint32_t max_checks, uint32_t *expired)
    REQUIRES(&s->lock);

/* Keys in the shard (including expired ones not reclaimed yet), and with a TTL. */
uint64_t do_key_count(const struct shard *s) REQUIRES(&s->lock);
uint64_t do_ttl_count(const struct shard *s) REQUIRES(&s->lock);

/* Bumps a counter of this shard: the caller holds the lock, so a relaxed
 * load and store suffice (the only concurrent access is a relaxed read). */
void do_stat_add(struct shard *s, ATOMIC(uint64_t) * counter, uint64_t n) REQUIRES(&s->lock);

#ifdef __cplusplus
}
#endif
#endif
