/*
 * The append-only file's state, shared by its files (net/aof*.c) and no one
 * else. `mu` guards everything not marked otherwise; it is a leaf lock: taken
 * under shard locks by the observers, and nothing is taken while it is held
 * except the pool's queue (task_wake).
 */
#ifndef MAGPIE_NET_AOF_INTERNAL_H
#define MAGPIE_NET_AOF_INTERNAL_H

#include "net/aof.h"
#include "net/config.h"
#include "store/aof_format.h"
#include "store/events.h"

#include <pthread.h>

enum aof_state { AOF_OFF, AOF_ON, AOF_WAIT_REWRITE };

/* One thing to log: a command record, a transaction, or an expiry's DEL.
 * Its bytes are the command(s), without the leading SELECT. */
struct aof_unit {
    struct aof_unit *prev, *next;
    uint64_t ticket;
    int db, db_last; /* the database it starts in, and the one it leaves selected */
    bool expiry;     /* a DEL for one expired key: ranges[0].first == .last */
    bool unordered;  /* the record lost ranges: written as soon as it comes */
    uint32_t nranges;
    struct write_range *ranges; /* points into the same allocation */
    size_t len;
    char *bytes; /* likewise */
};

/* An incremental file the writer appends to. */
struct aof_out {
    int fd;                 /* -1: none */
    int db;                 /* the database its last SELECT chose, -1: none yet */
    struct aof_buf pending; /* written by the thread outside the lock */
};

/* A command's ticket, taken at its first change (net/aof.c). */
struct aof_claim {
    uint64_t ticket;
    uint64_t since_ms;
};

struct aof {
    struct server *server;
    pthread_mutex_t mu;
    pthread_cond_t wake; /* the writer waits on it */
    pthread_t thread;
    bool thread_started, stopping;
    bool writer_idle; /* the writer waits on `wake`: the next record signals it */
    /* A round (take what is ready, write it, publish the marks) is under
     * way, by the thread or, under everysec and no, by a worker at the end
     * of a connection's turn (aof_write_inline): one at a time, so that the
     * file gets the records in order. */
    bool round_busy;
    bool thread_blocked; /* the thread waits for a worker's round to end */
    ATOMIC(int) state;   /* enum aof_state; read without mu by the observers */
    /* Records submitted, not yet taken by the writer (in the order they
     * came, which is not ticket order: a claimed ticket comes later). */
    struct aof_unit *in_head, *in_tail;
    /* The last ticket given out; written under mu, read by anyone. */
    ATOMIC(uint64_t) next_ticket;
    /* Tickets claimed by commands still running (store/events.h's claim),
     * ascending: no ticket at or above the lowest is written yet. */
    struct aof_claim *claims;
    uint32_t nclaims, claims_cap;
    bool claim_dropped; /* one went without a record: the mark may move */
    /* Writer side: records waiting for earlier numbers of their shards. */
    struct aof_unit *wait_head, *wait_tail;
    uint64_t waiting_expiries; /* expiry units in the wait list */
    uint32_t nshards;
    uint64_t *applied; /* per shard: every number up to it is written */
    /* A rewrite's cut, per shard (NULL: none): records up to it go to `old`
     * (the incremental file before the rewrite; fd -1 once the new base
     * holds them, or when the log is being turned on: they are dropped),
     * later ones to `cur`. UINT64_MAX: that shard is not cut yet (an RDB
     * base being written, net/aof_base.c), so all of its records so far are
     * older. */
    uint64_t *cut;
    struct aof_out cur, old;
    bool retire_old; /* the rewrite is done: the writer closes `old` */
    bool close_all;  /* appendonly no: the writer closes both */
    uint64_t stall_since_ms;
    /* MAGPIE_AOF_HOLD_MS (tests): each round waits this long before it
     * writes, so that a test can act while records are not written yet. */
    unsigned hold_ms;
    /* Group commit: every ticket <= synced is written, and fsynced as the
     * policy asks. */
    ATOMIC(uint64_t) synced;
    struct aof_waiter *waiters;
    uint64_t last_fsync_ms;
    bool dirty_since_fsync; /* written since the last fsync */
    /* The directory. */
    char dir[4096];      /* appenddirname, inside `dir` (aof__resolve_dir) */
    char filename[1024]; /* appendfilename */
    struct aof_manifest manifest;
    /* Statistics and status (INFO persistence). */
    ATOMIC(long long) current_size, base_size;
    ATOMIC(int) last_write_errno; /* 0: ok */
    ATOMIC(bool) rewrite_running, rewrite_scheduled;
    ATOMIC(int) last_rewrite_ok;
    ATOMIC(long long) rewrites, rewrite_failures, last_rewrite_secs, rewrite_started_ms;
    ATOMIC(unsigned long) delayed_fsync;
    ATOMIC(int) fsync_policy;
    ATOMIC(bool) no_fsync_on_rewrite;
    pthread_t rewrite_thread;
    bool rewrite_thread_joinable;
};

#ifndef __cplusplus
static inline bool aof__fsync_always(const struct aof *a)
{
    return atomic_load_explicit(&((struct aof *)a)->fsync_policy, memory_order_relaxed) ==
           CONFIG_FSYNC_ALWAYS;
}

/* The next ticket, given out now (mu held). Release: a reader that saw the
 * change it stands for loads next_ticket with acquire. */
static inline uint64_t aof__new_ticket(struct aof *a)
{
    uint64_t t = atomic_load_explicit(&a->next_ticket, memory_order_relaxed) + 1;
    atomic_store_explicit(&a->next_ticket, t, memory_order_release);
    return t;
}
#endif

/* net/aof_order.c: takes the ready units of the wait list, in commit
 * order, into the outputs' pending buffers (mu held). Returns whether any
 * was taken. */
bool aof__order_drain(struct aof *a, uint64_t now_ms);
void aof__unit_free(struct aof_unit *u);
/* The lowest ticket still waiting, or claimed and not yet submitted (0:
 * none). */
uint64_t aof__lowest_waiting(const struct aof *a);
/* Drops claims held longer than a command can run (a claim whose record
 * never came would hold every reply back); mu held. */
void aof__expire_claims(struct aof *a, uint64_t now_ms);

/* net/aof_claim.c: a command's ticket from its first change. */
/* Gives the command a ticket now (*claim; nothing while the log is off);
 * false when out of memory. Takes mu (a leaf lock: callable under shard
 * locks). */
bool aof__claim(struct aof *a, uint64_t *claim);
/* Removes a claim (its record came, mu held): false when it was not held
 * any more (expired). */
bool aof__unclaim_locked(struct aof *a, uint64_t ticket);
/* A claim whose record will not be written (the log is off, out of
 * memory, or a transaction's later commands): takes mu. */
void aof__drop_claim(struct aof *a, uint64_t ticket);

/* net/aof_writer.c */
/* Signals the writer when it sleeps (mu held). */
void aof__wake_writer(struct aof *a);
int aof__writer_start(struct aof *a);
void aof__writer_stop(struct aof *a);

/* net/aof.c */
void aof_config_policy(struct aof *a);

/* net/aof_files.c */
/* appendonly yes at start-up: load the directory, or create it. */
int aof__open_at_start(struct aof *a, char *err, size_t errlen);
/* appendonly no: the writer finishes and closes its files. */
void aof__turn_off(struct aof *a);
void aof__rewrite_join(struct aof *a);
/* a->dir: appenddirname inside `dir` (Redis chdirs to dir), unless absolute. */
void aof__resolve_dir(struct aof *a);
int aof__path(const struct aof *a, const char *name, char *out, size_t size);
/* The bytes of the manifest's base and incremental files (what a load
 * reads; history files are not); *base (if not NULL) gets the base's. */
long long aof__manifest_size(const struct aof *a, long long *base);
int aof__write_manifest(struct aof *a, const struct aof_manifest *m);
int aof__open_incr(struct aof *a, long long seq, char *name, size_t size);
/* Rewrites the base from the keyspace (rewrite_running is set by the
 * caller). Synchronous: turns the log on when it was off. 0 or -errno. */
int aof__rewrite(struct aof *a);
int aof__fsync_dir(const struct aof *a);

/* net/aof_base.c: a rewrite's new base and its cut. */
struct aof_cut {
    struct aof *a;
    int fd;         /* the new incremental file; -1: a base alone, the log stays off */
    bool enabling;  /* the log is being turned on */
    bool rdb;       /* an RDB base (aof-use-rdb-preamble) */
    uint64_t *seqs; /* preallocated for a->cut (nshards); taken by the switch */
};
bool aof__base_is_rdb(const struct aof *a);
/* "<appendfilename>.<seq>.base.rdb" or ".aof". */
void aof__base_name(const struct aof *a, long long seq, bool rdb, char *out, size_t size);
/* Writes the base to a temp file, renamed to `name` once synced; switches
 * the outputs at its point in time (unless c->fd < 0). 0 or -errno. */
int aof__write_base(struct aof *a, struct aof_cut *c, const char *name);

/* net/aof_upgrade.c: a single AOF file of Redis before 7 in `dir` becomes
 * the base of a new directory (when the directory does not have one of its
 * own yet). 0, or -1 with err. */
int aof__upgrade_old_file(struct aof *a, char *err, size_t errlen);

/* net/aof_load.c: replays the directory's files; 0 or -1 with err. */
int aof__load(struct aof *a, char *err, size_t errlen);
/* Reads a whole file (mem_alloc'd, for mem_free); NULL with errno set. */
char *aof__read_file(const char *path, size_t *len);

#endif
