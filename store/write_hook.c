/*
 * The write hook (store/events.h): do_key_event and do_shard_event, which
 * every change to the keyspace goes through under its shard lock, the
 * observers they feed, the write logs commands gather, and the debug check
 * that no change leaves its lock unannounced.
 */
#include "store/blocking.h"
#include "store/keyspace_impl.h"
#include "store/watching.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Thread_local struct write_log *current_write_log;

/* Below this many ranges a backward scan finds a shard's range fastest. */
#define WRITE_LOG_INDEX_FROM 32

void write_log_init(struct write_log *log)
{
    log->n = 0;
    log->changes = 0;
    log->cap = WRITE_LOG_INLINE;
    log->ranges = log->inline_ranges;
    log->index = NULL;
    log->index_mask = 0;
    log->incomplete = false;
    log->claim = 0;
}

void write_log_free(struct write_log *log)
{
    /* A claim is handed back in the command's record (command_finish): one
     * still here would hold a log's replies back until it expires. */
    assert(log->claim == 0);
    if (log->ranges != log->inline_ranges)
        mem_free(log->ranges); /* NULL in a zeroed log */
    mem_free(log->index);
    write_log_init(log);
}

void write_log_clear(struct write_log *log)
{
    log->n = 0;
    log->changes = 0;
    log->incomplete = false;
    log->claim = 0;
    /* Only a command that touched many shards had one: dropped, not wiped. */
    mem_free(log->index);
    log->index = NULL;
    log->index_mask = 0;
}

static uint32_t *index_slot(const struct write_log *log, uint32_t shard)
{
    uint32_t i = (shard * 2654435761u) & log->index_mask;
    while (log->index[i] && log->ranges[log->index[i] - 1].shard != shard)
        i = (i + 1) & log->index_mask;
    return &log->index[i];
}

/* (Re)builds the index at twice the ranges' capacity; false when out of
 * memory (the log then scans, slower but right). */
static bool index_build(struct write_log *log)
{
    uint32_t size = 2 * WRITE_LOG_INDEX_FROM;
    while (size < 2 * log->cap)
        size *= 2;
    uint32_t *slots = mem_calloc(size, sizeof(*slots));
    if (!slots)
        return false;
    mem_free(log->index);
    log->index = slots;
    log->index_mask = size - 1;
    for (uint32_t i = 0; i < log->n; i++) /* later ranges overwrite: the latest wins */
        *index_slot(log, log->ranges[i].shard) = i + 1;
    return true;
}

/* The latest range of `shard`, or NULL. A shard's numbers only grow, so only
 * its latest range can hold or extend to its newest number. */
static struct write_range *latest_range(const struct write_log *log, uint32_t shard)
{
    if (log->index) {
        uint32_t at = *index_slot(log, shard);
        return at ? &log->ranges[at - 1] : NULL;
    }
    for (uint32_t i = log->n; i-- > 0;)
        if (log->ranges[i].shard == shard)
            return &log->ranges[i];
    return NULL;
}

static bool write_log_grow(struct write_log *log)
{
    uint32_t cap = log->cap * 2;
    struct write_range *grown = mem_alloc(cap * sizeof(*grown));
    if (!grown)
        return false;
    memcpy(grown, log->ranges, log->n * sizeof(*grown));
    if (log->ranges != log->inline_ranges)
        mem_free(log->ranges);
    log->ranges = grown;
    log->cap = cap;
    return true;
}

void write_log_note(struct write_log *log, uint32_t shard, uint64_t seq, bool expiry)
{
    if (!log->ranges) /* a zeroed log is an empty one */
        write_log_init(log);
    if (!expiry)
        log->changes++;
    /* A command's changes to one shard are consecutive numbers (it holds the
     * lock for all of them). */
    struct write_range *r = latest_range(log, shard);
    if (r && r->last + 1 == seq) {
        r->last = seq;
        return;
    }
    if (log->n == log->cap) {
        if (!write_log_grow(log)) {
            log->incomplete = true;
            return;
        }
        if (log->index && !index_build(log)) { /* keep it at most half full */
            mem_free(log->index);
            log->index = NULL;
        }
    }
    log->ranges[log->n++] = (struct write_range){shard, seq, seq};
    if (!log->index && log->n > WRITE_LOG_INDEX_FROM)
        index_build(log);
    else if (log->index)
        *index_slot(log, shard) = log->n;
}

int keyspace_observe_keys(struct keyspace *ks, key_event_fn fn, void *ctx)
{
    if (ks->key_observer_count == KEYSPACE_MAX_OBSERVERS)
        return -ENOSPC;
    ks->key_observers[ks->key_observer_count++] = (struct key_observer){fn, ctx};
    return 0;
}

int keyspace_observe_keys_first(struct keyspace *ks, key_event_fn fn, void *ctx)
{
    if (ks->key_observer_count == KEYSPACE_MAX_OBSERVERS)
        return -ENOSPC;
    memmove(&ks->key_observers[1], &ks->key_observers[0],
            (size_t)ks->key_observer_count * sizeof(ks->key_observers[0]));
    ks->key_observers[0] = (struct key_observer){fn, ctx};
    ks->key_observer_count++;
    return 0;
}

int keyspace_observe_misses(struct keyspace *ks, key_event_fn fn, void *ctx)
{
    if (ks->miss_observer_count == KEYSPACE_MAX_OBSERVERS)
        return -ENOSPC;
    ks->miss_observers[ks->miss_observer_count++] = (struct key_observer){fn, ctx};
    return 0;
}

void shard_key_missed(struct shard *s, const struct key *k)
{
    struct keyspace *ks = s->ks;
    if (ks->miss_observer_count == 0)
        return;
    struct key_event ev = {
        .db = s->db,
        .key = k->ptr,
        .key_len = k->len,
        .cls = NOTIFY_KEY_MISS,
        .name = "keymiss",
        .shard = s->id,
        .seq = 0,
    };
    for (int i = 0; i < ks->miss_observer_count; i++)
        ks->miss_observers[i].fn(ks->miss_observers[i].ctx, &ev);
}

int keyspace_observe_commands(struct keyspace *ks, command_record_fn fn, void *ctx)
{
    if (ks->command_observer_count == KEYSPACE_MAX_OBSERVERS)
        return -ENOSPC;
    ks->command_observers[ks->command_observer_count++] = (struct command_observer){fn, ctx};
    return 0;
}

uint64_t keyspace_dirty(struct keyspace *ks)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < ks->total_shards; i++)
        total += atomic_load_explicit(&ks->shards[i].dirty, memory_order_relaxed);
    return total;
}

/* Numbers a change and tells the observers; key may be NULL (whole shard). */
static void do_announce(struct shard *s, const char *key, size_t key_len, unsigned cls,
                        const char *name) REQUIRES(&s->lock)
{
    uint64_t seq = ++s->write_seq;
    /* "new" accompanies the command's own event for the same change: the
     * change is announced (and dirty) only with that one. */
    if (cls != NOTIFY_NEW) {
        s->unannounced = false;
        do_stat_add(s, &s->dirty, 1);
    }
    if (current_write_log)
        write_log_note(current_write_log, s->id, seq, cls & (NOTIFY_EXPIRED | NOTIFY_EVICTED));
    struct keyspace *ks = s->ks;
    if (ks->key_observer_count == 0)
        return;
    struct key_event ev = {
        .db = s->db,
        .key = key,
        .key_len = key_len,
        .cls = cls,
        .name = name,
        .shard = s->id,
        .seq = seq,
        .claim = current_write_log && !(cls & (NOTIFY_EXPIRED | NOTIFY_EVICTED))
                     ? &current_write_log->claim
                     : NULL,
    };
    for (int i = 0; i < ks->key_observer_count; i++)
        ks->key_observers[i].fn(ks->key_observers[i].ctx, &ev);
}

/* Copy-before-write's rule (store/shard.h): a key changed while a snapshot
 * walks its shard was saved before the change, or is new since the cut. */
static void do_check_saved(struct shard *s, const struct key *k) REQUIRES(&s->lock)
{
#if MAGPIE_LOCK_CHECKS
    if (!s->snap_active)
        return;
    /* Not a find: that may move a rehash bucket, and the caller may still
     * hold a table position. */
    struct entry *e = entry_of(table_find_still(&s->table, k->hash, k->ptr, k->len));
    if (e && entry_snap_mark(e) != s->snap_mark) {
        fprintf(stderr,
                "magpie: shard %u: key '%.*s' changed during a snapshot without being saved "
                "first (do_entry_will_change, store/shard.h)\n",
                s->id, (int)k->len, k->ptr);
        abort();
    }
#else
    (void)s;
    (void)k;
#endif
}

void do_key_event(struct shard *s, const struct key *k, unsigned cls, const char *name)
{
    do_check_saved(s, k);
    do_announce(s, k->ptr, k->len, cls, name);
    if (table_count(&s->watched))
        do_watch_touch(s, k);
    /* Clients waiting on the key may have what they wait for now. */
    if (!(cls & (NOTIFY_EXPIRED | NOTIFY_EVICTED)))
        do_block_signal(s, k->ptr, k->len);
}

void do_shard_event(struct shard *s, const char *name, struct table *before)
{
    do_announce(s, NULL, 0, NOTIFY_GENERIC, name);
    if (table_count(&s->watched))
        do_watch_replaced(s, before);
    /* Keys clients wait on may exist now. */
    if (table_count(&s->table))
        do_block_signal(s, NULL, 0);
}

/* Whether the log holds `seq`, the newest number of `shard`. */
static bool write_log_has(const struct write_log *log, uint32_t shard, uint64_t seq)
{
    const struct write_range *r = latest_range(log, shard);
    return r && r->first <= seq && seq <= r->last;
}

void do_mark_reads(struct keyspace *ks, const uint32_t *ids, uint32_t n)
{
    struct write_log *log = current_write_log;
    if (!log || log->changes == 0)
        return;
    for (uint32_t i = 0; i < n; i++) {
        struct shard *s = keyspace_shard(ks, ids[i]);
        shard_assume_held(s);
        if (!write_log_has(log, s->id, s->write_seq))
            write_log_note(log, s->id, ++s->write_seq, true);
    }
}

void do_section_end(struct shard *s)
{
    do_block_serve(s);
#if MAGPIE_LOCK_CHECKS
    if (s->unannounced) {
        fprintf(stderr,
                "magpie: shard %u: a change was made without do_key_event before the lock was "
                "released (store/events.h)\n",
                s->id);
        abort();
    }
#endif
    do_write_end(s);
}
