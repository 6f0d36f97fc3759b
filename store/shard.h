/*
 * One shard: a lock, a sequence counter, the hash table of its keys, the
 * index of its keys with a TTL, and its expired counter. Every function here
 * named do_* expects the caller to hold shard->lock (clang checks the
 * REQUIRES annotations); the lock is only ever taken through SHARD_GUARD or
 * the multi-shard guard in store/multilock.h.
 *
 * This is where Redis's per-key semantics live: lazy expiry (a lookup of an
 * expired key deletes it and reports it missing), the LRU clock, keyspace
 * hits and misses, and keeping the TTL index in step with the table.
 *
 * Reads without the lock (shard_peek, store/shard_read.c). Writers keep
 * their locks; readers of single keys take none and write nothing shared.
 * The sequence counter `seq` tells them whether what they read is a state
 * some writer left behind: it is odd from the first change a locked section
 * makes that a reader could see (do_write_begin: unlinking or linking an
 * entry, a rehash step, a new value or expiry, swapping tables) until the
 * section ends (SHARD_GUARD / SHARD_SET_GUARD call do_write_end before
 * unlocking). So a multi-key command looks atomic to lock-free readers too:
 * its shards stay odd until all its changes are done. A reader that saw the
 * same even value before and after its reads read a consistent snapshot;
 * otherwise it takes the lock. Memory that readers may still hold (unlinked
 * entries, replaced values and bucket arrays) is retired through core/ebr,
 * never freed directly.
 */
#ifndef MAGPIE_STORE_SHARD_H
#define MAGPIE_STORE_SHARD_H

#include "core/lock.h"
#include "store/entry.h"
#include "store/entry_table.h"
#include "store/events.h"
#include "store/read_stats.h"
#include "store/table.h"
#include "store/ttl_index.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;
struct key;
struct shard_set;
struct blocked_key;
struct rdb_writer;

/* table and ttl are touched only by do_* functions (clang cannot check
 * guarded_by on a sibling field in C, so REQUIRES on the functions does it). */
struct shard {
    struct lock lock;
    /* Odd while a locked section changes what lock-free readers see (above).
     * Written under the lock only; read by anyone. 64 bits: never wraps. */
    ATOMIC(uint64_t) seq;
    struct table table; /* of entries (entry_table_type) */
    struct ttl_index ttl;
    struct read_stats *stats; /* the keyspace's hit/miss counters (per thread) */
    /* Written only under the lock (load + store, no RMW), read relaxed by INFO. */
    ATOMIC(uint64_t) expired;
    ATOMIC(uint64_t) dirty; /* changes announced (keyspace_dirty), likewise */
    /* The write hook's (store/write_hook.c). Immutable: */
    struct keyspace *ks;
    uint32_t id; /* global shard number: the lock order */
    int db;
    /* Under the lock: */
    uint64_t write_seq; /* number of the last announced change */
    /* A change was made that no do_key_event has announced yet; checked
     * when the lock is released (store/write_hook.c). */
    bool unannounced;
    /* Keys clients wait on (store/blocking.h), under the lock: the waiters,
     * and the keys written since they were last served. */
    struct table blocked;
    struct blocked_key *ready, *ready_tail; /* in the order they became ready */
    /* Keys clients WATCH (store/watching.h), under the lock. */
    struct table watched;
    /* RANDOMKEY's bound on the table's chains (store/table_sample.h), under
     * the lock. */
    uint32_t random_bound;
    /* Point-in-time snapshots (store/rdb_snapshot.c): the keyspace's
     * snapshot number, and (under the lock) the one this shard was last cut
     * for. They differ while a snapshot has not cut this shard yet. */
    ATOMIC(uint64_t) * snap_epoch;
    uint64_t snap_saved;
    /* Under the lock: the mark (0 or ENTRY_META_SNAP) an entry carries once
     * the running snapshot holds it, or when it was born after the cut; the
     * snapshot has cut this shard and its walk has not finished it (entries
     * without the mark are still to save); what writers saved ahead of the
     * walk, serialized (NULL: nothing). */
    uint32_t snap_mark;
    bool snap_active;
    struct rdb_writer *snap_pending;
} CACHE_ALIGNED;

/* id: the global shard number (keyspace.h), which ranks the lock (core/lock.h). */
void shard_init(struct shard *s, struct keyspace *ks, uint32_t id, int db,
                struct read_stats *stats);
/* Frees every key; nobody may use the shard any more. */
void shard_destroy(struct shard *s);

/*
 * The write hook (store/events.h): announces a change to key k that the
 * caller just made under s's lock: numbers it in the shard's write
 * sequence, counts it as dirty, adds it to the running command's write log,
 * and tells the observers. `cls` is one NOTIFY_* bit, `name` Redis's event
 * name. Every change a command makes is followed by its event before the
 * lock is released (debug builds check: do_section_end).
 */
void do_key_event(struct shard *s, const struct key *k, unsigned cls, const char *name)
    REQUIRES(&s->lock);
/* The same for a change to every key of the shard at once: FLUSHDB and
 * FLUSHALL ("flush"; `before` is the table taken out), SWAPDB ("swapdb";
 * `before` is the other database's shard's table, which now holds what s
 * held). s->table holds what the shard has now. */
void do_shard_event(struct shard *s, const char *name, struct table *before) REQUIRES(&s->lock);
/*
 * Run by a multi-shard guard before it ends, all locks still held: when the
 * running command changed something, every shard it held without changing
 * it (COPY's source, SUNIONSTORE's inputs) takes a number too, recorded in
 * the command's write log as a read. A command that read a key must replay
 * after the writes it saw, and before the writes it did not: a number in
 * each shard it read puts it there. (Not announced, not dirty.)
 */
void do_mark_reads(struct keyspace *ks, const uint32_t *ids, uint32_t n) NO_THREAD_SAFETY;
#ifndef __cplusplus
/* The write log of the command running on this thread (store/command.c sets
 * it around each command), or NULL: do_key_event adds to it. */
extern _Thread_local struct write_log *current_write_log;
#endif
/* Marks a change to be announced (the do_* below that change keys call it). */
static inline void do_changed(struct shard *s) REQUIRES(&s->lock)
{
    s->unannounced = true;
}

/* Tells clang's analysis that the caller holds s->lock (inside a multi-shard
 * guard, where the analysis cannot follow which locks were taken). */
static inline void shard_assume_held(const struct shard *s)
    ASSERT_CAPABILITY(&s->lock) NO_THREAD_SAFETY
{
    (void)s;
}

/*
 * Marks the start of a change lock-free readers could trip over (seq odd),
 * if this lock hold has not already; every do_* below that changes the table,
 * a value or an expiry calls it first. do_write_end (run by the guards just
 * before unlocking) makes seq even again.
 */
void do_write_begin(struct shard *s) REQUIRES(&s->lock);
void do_write_end(struct shard *s) REQUIRES(&s->lock);
/* What every guard runs just before it releases a shard lock: checks that
 * every change was announced (debug builds), then do_write_end. */
void do_section_end(struct shard *s) REQUIRES(&s->lock);
/* do_write_begin before copying an entry's LRU clock, the one field lock-free
 * readers also write (shard.c says why). */
void do_write_begin_sync(struct shard *s) REQUIRES(&s->lock);

#ifndef __cplusplus
/*
 * The lock plan this thread holds (EXEC: store/lock_plan.c), or NULL. While
 * one is held, guards on its shards take no lock and end no write section
 * (the plan does both when it is released), and lookups skip the lock-free
 * path, which would wait for the plan's own write sections to end.
 */
extern _Thread_local const struct shard_set *current_lock_plan;
/* Whether this thread's lock plan holds s (false without a plan). */
bool shard_planned(const struct shard *s);
/* A guard inside a plan reached a shard outside it: debug builds abort
 * (the plan missed a key), others lock it (store/multilock.c). */
void shard_unplanned(const struct shard *s);

/*
 * LOCK_GUARD for a shard: the same scope rules (no suspension inside), and
 * it ends the shard's write section before the lock is released. Every
 * single-shard critical section uses it. (A plain LOCK_GUARD that changed
 * something would leave seq odd: readers would then take the lock until the
 * next guarded section on the shard ends, slower but still correct.)
 */
struct shard_guard_ {
    struct shard *s;
    int active;
    bool owned; /* taken here, not held by the thread's lock plan */
};

/* The cut: a snapshot is running that s has not seen yet. s takes its
 * point in time now, before whoever took the lock changes anything: the
 * entries it holds are the snapshot's to save, the ones linked from now on
 * are born saved (store/rdb_snapshot.c). Constant time. */
void do_snapshot_shard(struct shard *s) NO_THREAD_SAFETY;
#ifndef SNAPSHOT_COW
#define SNAPSHOT_COW 1 /* 0 only to prove the test fails without it */
#endif

/* Run right after a shard lock is taken (the guards, shard_set_lock): one
 * load and compare while no snapshot runs. Acquire: pairs with the release
 * that starts a snapshot, so a thread that sees its number sees its state. */
static inline void shard_snapshot_check(struct shard *s) NO_THREAD_SAFETY
{
    if (SNAPSHOT_COW &&
        __builtin_expect(atomic_load_explicit(s->snap_epoch, memory_order_acquire) != s->snap_saved,
                         0))
        do_snapshot_shard(s);
}

static inline struct shard_guard_ shard_guard_enter_(struct shard *s) NO_THREAD_SAFETY
{
    bool planned = current_lock_plan && shard_planned(s);
    if (current_lock_plan && !planned)
        shard_unplanned(s);
    if (!planned) {
        lock_acquire(&s->lock);
        shard_snapshot_check(s);
    }
    return (struct shard_guard_){s, 1, !planned};
}

static inline void shard_guard_exit_(struct shard_guard_ *g) NO_THREAD_SAFETY
{
    if (!g->owned)
        return;
    do_section_end(g->s);
    lock_release(&g->s->lock);
}

static inline int shard_guard_holds_(const struct shard *s)
    ASSERT_CAPABILITY(&s->lock) NO_THREAD_SAFETY
{
    (void)s;
    return 1;
}

#define SHARD_GUARD_(sh, g, once)                                                                  \
    GUARD_SCOPE_(struct shard_guard_, g, shard_guard_enter_(sh), shard_guard_exit_,                \
                 shard_guard_holds_(sh), once)
#define SHARD_GUARD(sh)                                                                            \
    SHARD_GUARD_(sh, CONCAT(shard_guard_, __COUNTER__), CONCAT(shard_once_, __COUNTER__))
#endif

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
    LOOKUP_NONOTIFY = 1u << 3, /* a miss is not a keymiss (OBJECT, DEBUG OBJECT) */
};

/* A read found no key: reports Redis's keymiss to the keyspace's miss
 * observers (store/events.h). Lock held or not. */
void shard_key_missed(struct shard *s, const struct key *k);

/*
 * The live entry for the key, or NULL. An expired key is deleted on the way
 * (counted in `expired`) and reported missing. *pos (may be NULL) locates the
 * entry for do_delete/do_set_expire until the next table operation.
 */
struct entry *do_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                        struct table_pos *pos) REQUIRES(&s->lock);

/* The entry stored under the key, expired or not, without reclaiming,
 * counting or touching it (what WATCH looks at), or NULL. */
struct entry *do_find_stored(struct shard *s, const struct key *k) REQUIRES(&s->lock);

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

/*
 * Stores v under k as a SET without options does (announced as "set"): a
 * live key gets the new value and loses its TTL, a missing one is inserted.
 * False when out of memory (nothing changed, v still the caller's); else v
 * is the table's.
 */
bool do_put(struct shard *s, const struct key *k, const struct value *v, int64_t now_ms)
    REQUIRES(&s->lock);

/* Replaces the value of a live entry (the old one is retired: value_retire) and touches it. */
void do_replace_value(struct shard *s, struct entry *e, const struct value *v, int64_t now_ms)
    REQUIRES(&s->lock);

/* Unlinks the entry at pos and retires it (entry_retire). */
void do_delete(struct shard *s, struct table_pos pos) REQUIRES(&s->lock);
/* Unlinks the entry at pos and returns it, for retiring after the lock is
 * dropped (entry_retire) or moving it or its value elsewhere (RENAME, MOVE). */
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
    struct table table; /* of entries (entry_table_type) */
    struct ttl_index ttl;
};
void do_take_contents(struct shard *s, struct shard_contents *out) REQUIRES(&s->lock);
/* Exchanges the keys of two shards (SWAPDB); both locks held. */
void do_swap_contents(struct shard *a, struct shard *b) REQUIRES(&a->lock) REQUIRES(&b->lock);
/* Frees contents taken out of a shard, no lock held: waits for the lock-free
 * readers that may still walk them (ebr_synchronize), then frees at once. */
void shard_contents_free(struct shard_contents *c);

/*
 * One active-expiry sample: checks up to `max_checks` keys with a TTL,
 * continuing round-robin where the last sample stopped, deleting the expired
 * ones. Returns how many were checked; *expired gets how many were deleted.
 */
uint32_t do_expire_sample(struct shard *s, int64_t now_ms, uint32_t max_checks, uint32_t *expired)
    REQUIRES(&s->lock);

/*
 * Copy-before-write per entry (store/rdb_snapshot.c). While a snapshot that
 * has cut s is still walking it, an entry without the shard's mark is one
 * the snapshot needs as it was: whoever is about to change it (its value,
 * its expiry, or whether it exists) saves it first. The do_* functions here
 * do so for every change they make, and do_lookup with LOOKUP_WRITE does so
 * for commands that then change the value in place; any other change calls
 * do_entry_will_change itself.
 */
void do_snapshot_save(struct shard *s, struct entry *e) REQUIRES(&s->lock);
/* Saves every entry not saved yet, which ends the walk's work on s: before
 * FLUSHDB takes the shard's contents or SWAPDB exchanges them. */
void do_snapshot_save_all(struct shard *s) REQUIRES(&s->lock);
#ifndef __cplusplus
static inline void do_entry_will_change(struct shard *s, struct entry *e) REQUIRES(&s->lock)
{
    if (__builtin_expect(s->snap_active, 0) && entry_snap_mark(e) != s->snap_mark)
        do_snapshot_save(s, e);
}
#endif

/* Keys in the shard (including expired ones not reclaimed yet), and with a TTL. */
uint64_t do_key_count(const struct shard *s) REQUIRES(&s->lock);
uint64_t do_ttl_count(const struct shard *s) REQUIRES(&s->lock);

/* Bumps a counter of this shard: the caller holds the lock, so a relaxed
 * load and store suffice (the only concurrent access is a relaxed read). */
void do_stat_add(struct shard *s, ATOMIC(uint64_t) * counter, uint64_t n) REQUIRES(&s->lock);

/* ---- lock-free reads (store/shard_read.c) ---- */

/* What a lock-free lookup saw: a consistent snapshot of the entry's fields. */
struct entry_view {
    struct entry *e; /* NULL: missing */
    uint32_t meta;   /* ENTRY_META(type, encoding, lru) */
    union value_payload val;
    int64_t expire_at;
    uint64_t seq; /* the shard's sequence value the snapshot is valid for */
};

enum peek_result {
    PEEK_MISS, /* the key is missing */
    PEEK_HIT,  /* *view holds the entry's fields */
    PEEK_LOCK, /* no answer without the lock: a writer was busy, a rehash
                * runs, the key is expired (the locked lookup reclaims it),
                * a chain was long */
};

/*
 * Looks the key up without the lock and without writing anything shared
 * (except moving the entry's LRU clock at its 1-second resolution, unless
 * LOOKUP_NOTOUCH). Counts no hit or miss: the caller does, once it has the
 * answer it will reply (shard_count_peek), so that a fallback to the
 * locked path is not counted twice. Call inside an EBR read section (core/
 * ebr.h), and keep it open while dereferencing view->val; a buffer of
 * ENCODING_RAW_GROWABLE may change in place and must not be read.
 */
enum peek_result shard_peek(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                            struct entry_view *view);
/* Whether nothing changed in the shard since a shard_peek's snapshot (for
 * commands reading several keys: all their snapshots are then from one
 * instant). */
bool shard_peek_valid(struct shard *s, uint64_t seq);
/* Counts a single-key read that used shard_peek (and LOOKUP_READ): a
 * keyspace hit or miss answered without the lock, or a fallback (PEEK_LOCK:
 * the locked lookup counts the hit or miss). */
void shard_count_peek(struct shard *s, const struct key *k, enum peek_result r);
/* Counts a multi-key read answered without the lock (its misses report
 * their keymiss themselves). */
void shard_count_peeks(struct shard *s, uint64_t hits, uint64_t misses);

#ifdef __cplusplus
}
#endif
#endif
