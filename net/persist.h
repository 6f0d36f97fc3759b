/*
 * RDB persistence for the server: SAVE, BGSAVE (a background thread, no
 * fork), the `save` rules checked by the cron, loading the file at start-up,
 * the save at shutdown, and what INFO persistence reports. The file is
 * written as temp-<pid>-<n>.rdb in `dir`, synced, then renamed over
 * `dbfilename`, so a crash mid-save never damages the previous snapshot.
 *
 * BGSAVE snapshots shard by shard (store/rdb.h): each shard is copied out
 * under its lock in one go and written after the lock is released. Each
 * shard is consistent, but the file is not one point in time across shards
 * while writes go on (copy-before-write is not built yet).
 */
#ifndef MAGPIE_NET_PERSIST_H
#define MAGPIE_NET_PERSIST_H

#include "core/compiler.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct server;
struct text;

struct rdb_snapshot;

struct persist {
    pthread_mutex_t lock;
    bool bgsave_running; /* under lock: a thread is saving */
    bool bgsave_thread;  /* under lock: a finished thread waits to be joined */
    bool scheduled;      /* under lock: BGSAVE SCHEDULE asked for one */
    pthread_t thread;
    ATOMIC(bool) in_progress;         /* INFO: rdb_bgsave_in_progress */
    ATOMIC(bool) last_bgsave_ok;      /* rdb_last_bgsave_status */
    ATOMIC(int64_t) last_bgsave_secs; /* rdb_last_bgsave_time_sec (-1: none) */
    ATOMIC(int64_t) bgsave_start_ms;  /* monotonic, for rdb_current_bgsave_time_sec */
    ATOMIC(int64_t) last_try_unix;    /* after a failure, retry after 5 s as Redis */
    ATOMIC(uint64_t) dirty_at_save;   /* keyspace_dirty when the last good save began */
    ATOMIC(uint64_t) saves;           /* rdb_saves */
    ATOMIC(uint64_t) loaded_keys;     /* rdb_last_load_keys_loaded */
    ATOMIC(uint64_t) loaded_expired;  /* rdb_last_load_keys_expired */
    ATOMIC(uint64_t) save_keys_total; /* current_save_keys_total */
    uint64_t temp_counter;
    /* Under lock: BGSAVE's point in time, taken by the command (as Redis's
     * fork), for its thread to write (NULL: the thread takes its own), with
     * the time and the dirty count then. */
    struct rdb_snapshot *begun;
    int64_t begun_now_ms;
    uint64_t begun_dirty;
};

int persist_init(struct server *s);
/* Waits for a running BGSAVE, then frees. */
void persist_destroy(struct server *s);

/* Loads dbfilename from dir if it exists: 0, or -errno with a message in err
 * (a corrupt file stops the start-up, as in Redis). */
int persist_load_at_start(struct server *s, char *err, size_t errlen);

/* A synchronous save: 0 or -errno (logged). */
int persist_save(struct server *s);
/* The save before exiting (SHUTDOWN, SIGTERM with save rules): waits for a
 * running BGSAVE to end first. 0 or -errno. */
int persist_save_final(struct server *s);
/* Starts a background save: 0, -EBUSY (one is running) or -errno. */
int persist_bgsave(struct server *s);
bool persist_bgsave_running(struct server *s);
/* BGSAVE SCHEDULE: one more save after the running one. */
void persist_schedule(struct server *s);

/* From the server cron: the `save` rules, scheduled saves, joining a
 * finished BGSAVE thread. */
void persist_cron(struct server *s);
/* Whether `save` has at least one rule. */
bool persist_rules_set(struct server *s);
#define MISCONF_RDB                                                                                \
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "  \
    "disk. Commands that may modify the data set are disabled, because this instance is "          \
    "configured to report errors during writes if RDB snapshotting fails "                         \
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB " \
    "error."
/* stop-writes-on-bgsave-error applies now: the last background save failed
 * and rules are set (writes get MISCONF). */
bool persist_writes_refused(struct server *s);

/* DEBUG RELOAD: save (unless NOSAVE), then load the file again, replacing
 * the keyspace, or (NOFLUSH) merged into it, a loaded key replacing one of
 * the same name. A file that does not load leaves the keyspace as it was
 * (Redis empties it first); the reason is logged. */
enum reload_result { RELOAD_OK, RELOAD_SAVE_FAILED, RELOAD_LOAD_FAILED };
enum reload_result persist_debug_reload(struct server *s, bool save, bool flush);

/* INFO persistence's RDB lines. */
void persist_info(struct server *s, struct text *t);

#endif
