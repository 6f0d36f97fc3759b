/*
 * The write hook: how the rest of the server learns, in commit order, what
 * changed in the keyspace. Redis routes every change through
 * signalModifiedKey and notifyKeyspaceEvent; Magpie routes every change
 * through one function, do_key_event (store/shard.h), which every writer
 * calls under the key's shard lock right after the change: inserts,
 * replaces, deletes, TTL changes, lazy and active expiry, and the
 * whole-shard changes of FLUSHDB, FLUSHALL and SWAPDB. Blocked-key wake-ups,
 * WATCH, keyspace notifications, client tracking and the append-only file
 * all hang off it. Nothing is announced after the lock is released: by then
 * another worker may have committed a later change to the same key.
 *
 * Two streams come out of it, both delivered to observers registered before
 * the server starts:
 *
 *   - key events: one per change, under the shard lock, carrying the db,
 *     the key, Redis's event name and class ("set" / NOTIFY_STRING,
 *     "expired" / NOTIFY_EXPIRED, ...) and the shard's write sequence
 *     number after the change;
 *   - command records: one per command that changed anything, after it
 *     ran, carrying the canonical form a log must replay (SET EX becomes
 *     SET PXAT, INCRBYFLOAT becomes SET ... KEEPTTL: see cmd_rewrite in
 *     store/command.h) and, for every shard it changed, the range of write
 *     sequence numbers its changes took.
 *
 * Sequence numbers are what order the records: a shard's changes are
 * numbered under its lock, so a consumer that applies records in sequence
 * order per shard (a record waits until every earlier number of each of its
 * shards has been applied) reproduces commit order, across workers, even
 * though records reach it in whatever order their workers finished.
 *
 * Expiry belongs to no command: every NOTIFY_EXPIRED key event is a record
 * of its own, replayed as DEL. When a command's lookup expires a key, that
 * number also falls inside the command's range (a command's changes to a
 * shard are consecutive); a consumer applies such DELs first, then the
 * command, as Redis propagates the DEL before the command that found the
 * key expired. A command whose only changes were expiries leaves no record.
 *
 * Observers run under shard locks, on any worker: they must be short, never
 * suspend, and take only locks ranked above every shard lock.
 */
#ifndef MAGPIE_STORE_EVENTS_H
#define MAGPIE_STORE_EVENTS_H

#include "proto/resp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;

/* Redis's notification classes (the letters of notify-keyspace-events). */
enum notify_class {
    NOTIFY_KEYSPACE = 1u << 0,  /* K */
    NOTIFY_KEYEVENT = 1u << 1,  /* E */
    NOTIFY_GENERIC = 1u << 2,   /* g */
    NOTIFY_STRING = 1u << 3,    /* $ */
    NOTIFY_LIST = 1u << 4,      /* l */
    NOTIFY_SET = 1u << 5,       /* s */
    NOTIFY_HASH = 1u << 6,      /* h */
    NOTIFY_ZSET = 1u << 7,      /* z */
    NOTIFY_EXPIRED = 1u << 8,   /* x */
    NOTIFY_EVICTED = 1u << 9,   /* e */
    NOTIFY_STREAM = 1u << 10,   /* t */
    NOTIFY_KEY_MISS = 1u << 11, /* m */
    /* A key a load linked in: no letter names it (Redis tells modules only). */
    NOTIFY_LOADED = 1u << 12,
    NOTIFY_MODULE = 1u << 13, /* d */
    NOTIFY_NEW = 1u << 14,    /* n */
};

/* Every class "A" stands for in notify-keyspace-events. */
#define NOTIFY_ALL                                                                                 \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |       \
     NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* notify-keyspace-events as Redis reads and writes it: letters to classes
 * (false: a letter it does not know), and classes to its canonical text. */
bool notify_flags_parse(const char *text, size_t len, unsigned *flags);
size_t notify_flags_format(unsigned flags, char *buf, size_t size);

/* One change, as the write hook announces it. */
struct key_event {
    int db;
    /* The key, or NULL for a change to every key of the shard (FLUSHDB and
     * FLUSHALL: "flush"; SWAPDB: "swapdb"). */
    const char *key;
    size_t key_len;
    unsigned cls;     /* one enum notify_class bit */
    const char *name; /* Redis's event name: "set", "del", "expired", ... */
    uint32_t shard;   /* global shard number */
    uint64_t seq;     /* the shard's write sequence number of this change */
    /* The running command's claim (write_log.claim), for a change that
     * belongs to a command and is not an expiry; NULL otherwise. */
    uint64_t *claim;
};

/* The write sequence numbers [first, last] a command took in one shard. */
struct write_range {
    uint32_t shard;
    uint64_t first, last;
};

/* What one command changed, in the form a log replays. */
struct command_record {
    int db; /* the database selected when the command ran */
    int argc;
    const struct resp_arg *argv; /* canonical form */
    uint32_t nranges;
    const struct write_range *ranges;
    /* Some ranges were lost (no memory to record them): a log that needs
     * exact order must treat the record as unordered. */
    bool incomplete;
    uint64_t claim; /* what an observer claimed at its first change, or 0 */
};

/*
 * The ranges one command is taking, gathered by the write hook while it runs
 * (each command context owns one; store/command_call.c emits and clears
 * it). A zeroed write_log is a valid empty one.
 */
#define WRITE_LOG_INLINE 4
struct write_log {
    uint32_t n, cap;
    uint32_t changes;           /* notes that were not expiries */
    struct write_range *ranges; /* inline_ranges, or an allocation */
    /* Past WRITE_LOG_INDEX_FROM ranges, shard -> 1 + index of its latest
     * range (open addressing, 0: empty), so a command that touches every
     * shard (FLUSHALL over a million) notes each in constant time. */
    uint32_t *index, index_mask;
    bool incomplete;
    /*
     * The command's place in a log, claimed by an observer at its first
     * change, while that change's shard lock is still held, and handed back
     * in its record (0: none). A client that sees the change can then wait
     * for the record before it is told anything, although the record itself
     * only comes after the command (net/aof.c). One observer may claim.
     */
    uint64_t claim;
    struct write_range inline_ranges[WRITE_LOG_INLINE];
};
void write_log_init(struct write_log *log);
void write_log_free(struct write_log *log);
/* Forgets the ranges, keeping the allocation. */
void write_log_clear(struct write_log *log);
/* Adds change `seq` of shard `shard` (extending that shard's range);
 * `expiry` when the change was an expiry. */
void write_log_note(struct write_log *log, uint32_t shard, uint64_t seq, bool expiry);

typedef void (*key_event_fn)(void *ctx, const struct key_event *ev);
typedef void (*command_record_fn)(void *ctx, const struct command_record *rec);

#define KEYSPACE_MAX_OBSERVERS 4

/*
 * Registers an observer of every key event / command record. Only before
 * the keyspace is shared (start-up, tests): the lists are read without
 * locks. Returns 0, or -ENOSPC past KEYSPACE_MAX_OBSERVERS.
 */
int keyspace_observe_keys(struct keyspace *ks, key_event_fn fn, void *ctx);
/* The same, ahead of every observer registered so far: for a log, which
 * must hold a change's place (its claim, an expiry's record) before any
 * other observer can make the change known to a client (a keyspace
 * notification, a tracking invalidation): a client told of a change then
 * waits for its record like any reader. */
int keyspace_observe_keys_first(struct keyspace *ks, key_event_fn fn, void *ctx);
/* Registers an observer of key misses (Redis's "keymiss"): a read that
 * found no key, with class NOTIFY_KEY_MISS and seq 0. Not a change: it is
 * reported on the reader's thread, with or without the key's lock (a
 * lock-free read reports it too), and numbered nowhere. */
int keyspace_observe_misses(struct keyspace *ks, key_event_fn fn, void *ctx);
int keyspace_observe_commands(struct keyspace *ks, command_record_fn fn, void *ctx);

/* Changes since start-up (Redis's server.dirty; INFO
 * rdb_changes_since_last_save is this minus its value at the last save). */
uint64_t keyspace_dirty(struct keyspace *ks);

#ifdef __cplusplus
}
#endif
#endif
