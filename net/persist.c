/*
 * SAVE, BGSAVE and the rest of RDB persistence (net/persist.h says what it
 * guarantees). Saves run on the calling thread (SAVE, shutdown) or on a
 * dedicated thread (BGSAVE), never on a pool worker for long: the store
 * copies each shard out under its lock and the file is written unlocked.
 */
#include "net/persist.h"
#include "net/aof.h"
#include "net/config.h"
#include "net/server.h"
#include "net/text.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/thread_priority.h"
#include "store/events.h"
#include "store/keyspace.h"
#include "store/rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BGSAVE_RETRY_SECS 5                  /* Redis's CONFIG_BGSAVE_RETRY_DELAY */
#define PATH_BUF          (2 * PATH_MAX + 2) /* dir, "/", a file name */

static struct persist *P(struct server *s)
{
    return s->persist;
}

int persist_init(struct server *s)
{
    struct persist *p = mem_calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    pthread_mutex_init(&p->lock, NULL);
    atomic_init(&p->last_bgsave_ok, true);
    atomic_init(&p->last_bgsave_secs, -1);
    atomic_init(&p->bgsave_start_ms, -1);
    s->persist = p;
    return 0;
}

static void join_finished(struct persist *p)
{
    pthread_t t;
    bool join = false;
    pthread_mutex_lock(&p->lock);
    if (p->bgsave_thread && !p->bgsave_running) {
        t = p->thread;
        p->bgsave_thread = false;
        join = true;
    }
    pthread_mutex_unlock(&p->lock);
    if (join)
        pthread_join(t, NULL);
}

void persist_destroy(struct server *s)
{
    struct persist *p = P(s);
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    bool thread = p->bgsave_thread;
    p->bgsave_thread = false;
    pthread_mutex_unlock(&p->lock);
    if (thread)
        pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    mem_free(p);
    s->persist = NULL;
}

/* dir/name (dir empty: the working directory). */
static void file_path(struct server *s, const char *name, char *out, size_t size)
{
    char dir[PATH_MAX];
    config_string(s->config, CONFIG_DIR, dir, sizeof(dir));
    if (dir[0])
        snprintf(out, size, "%s/%s", dir, name);
    else
        snprintf(out, size, "%s", name);
}

static uint64_t used_memory(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Writes the snapshot to a temporary file, syncs it and renames it over
 * dbfilename: `begun` (NULL: one taken now) of the time now_ms, when the
 * dirty count was `dirty`. 0 or -errno, logged as Redis logs it. */
static int save_file(struct server *s, struct rdb_snapshot *begun, int64_t now_ms, uint64_t dirty)
{
    struct persist *p = P(s);
    char name[PATH_BUF], temp[PATH_BUF], tname[64];
    char dbfilename[PATH_MAX];
    config_string(s->config, CONFIG_DBFILENAME, dbfilename, sizeof(dbfilename));
    file_path(s, dbfilename, name, sizeof(name));
    pthread_mutex_lock(&p->lock);
    uint64_t n = ++p->temp_counter;
    pthread_mutex_unlock(&p->lock);
    snprintf(tname, sizeof(tname), "temp-%d-%llu.rdb", (int)getpid(), (unsigned long long)n);
    file_path(s, tname, temp, sizeof(temp));
    int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        log_warning("Failed opening the temp RDB file %s for saving: %s", temp, strerror(e));
        if (begun)
            rdb_snapshot_abandon(begun);
        return -e;
    }
    struct rdb_save_options opt = {
        .compress = config_number(s->config, CONFIG_RDBCOMPRESSION) != 0,
        .checksum = config_number(s->config, CONFIG_RDBCHECKSUM) != 0,
        .aof_base = false,
        .used_mem = (long long)used_memory(),
        .now_ms = now_ms,
        .begun = begun,
    };
    int rc = rdb_save_to_fd(s->ks, fd, &opt);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(temp, name) != 0)
        rc = -errno;
    if (rc) {
        unlink(temp);
        log_warning("Write error saving DB on disk: %s", strerror(-rc));
        return rc;
    }
    atomic_store_explicit(&p->dirty_at_save, dirty, memory_order_relaxed);
    atomic_store_explicit(&s->lastsave_unix, clock_unix_ms() / 1000, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->saves, 1, memory_order_relaxed);
    return 0;
}

int persist_save(struct server *s)
{
    if (persist_bgsave_running(s))
        return -EBUSY;
    int rc = save_file(s, NULL, clock_unix_ms(), keyspace_dirty(s->ks));
    if (rc == 0)
        log_notice("DB saved on disk");
    return rc;
}

int persist_save_final(struct server *s)
{
    log_notice("Saving the final RDB snapshot before exiting.");
    while (persist_bgsave_running(s))
        usleep(1000);
    join_finished(P(s));
    int rc = persist_save(s);
    if (rc)
        log_warning("Error trying to save the DB, can't exit.");
    return rc;
}

static void *bgsave_main(void *arg)
{
    struct server *s = arg;
    struct persist *p = P(s);
    thread_priority_background();
    int64_t start = (int64_t)clock_mono_ms();
    pthread_mutex_lock(&p->lock);
    struct rdb_snapshot *begun = p->begun;
    int64_t now_ms = p->begun_now_ms;
    uint64_t dirty = p->begun_dirty;
    p->begun = NULL;
    pthread_mutex_unlock(&p->lock);
    int rc = save_file(s, begun, now_ms, dirty);
    int64_t secs = ((int64_t)clock_mono_ms() - start) / 1000;
    atomic_store_explicit(&p->last_bgsave_secs, secs, memory_order_relaxed);
    atomic_store_explicit(&p->last_bgsave_ok, rc == 0, memory_order_relaxed);
    if (rc == 0)
        log_notice("Background saving terminated with success");
    else
        log_warning("Background saving error");
    atomic_store_explicit(&p->bgsave_start_ms, -1, memory_order_relaxed);
    atomic_store_explicit(&p->in_progress, false, memory_order_relaxed);
    pthread_mutex_lock(&p->lock);
    p->bgsave_running = false;
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int persist_bgsave(struct server *s)
{
    struct persist *p = P(s);
    join_finished(p);
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    if (p->bgsave_running || p->bgsave_thread) {
        rc = -EBUSY;
    } else {
        p->bgsave_running = true;
        p->scheduled = false;
        atomic_store_explicit(&p->in_progress, true, memory_order_relaxed);
        atomic_store_explicit(&p->bgsave_start_ms, (int64_t)clock_mono_ms(), memory_order_relaxed);
        atomic_store_explicit(&p->last_try_unix, clock_unix_ms() / 1000, memory_order_relaxed);
        /* The point in time is now, as a fork's would be: a write after the
         * reply is not in the file. */
        p->begun_dirty = keyspace_dirty(s->ks);
        p->begun_now_ms = clock_unix_ms();
        p->begun = rdb_snapshot_begin(s->ks, p->begun_now_ms,
                                      config_number(s->config, CONFIG_RDBCOMPRESSION) != 0);
        rc = -pthread_create(&p->thread, NULL, bgsave_main, s);
        if (rc) {
            if (p->begun)
                rdb_snapshot_abandon(p->begun);
            p->begun = NULL;
            p->bgsave_running = false;
            atomic_store_explicit(&p->in_progress, false, memory_order_relaxed);
            atomic_store_explicit(&p->bgsave_start_ms, -1, memory_order_relaxed);
        } else {
            p->bgsave_thread = true;
        }
    }
    pthread_mutex_unlock(&p->lock);
    if (rc == 0)
        log_notice("Background saving started by pid %d", (int)getpid());
    return rc;
}

bool persist_bgsave_running(struct server *s)
{
    return atomic_load_explicit(&P(s)->in_progress, memory_order_relaxed);
}

void persist_schedule(struct server *s)
{
    struct persist *p = P(s);
    pthread_mutex_lock(&p->lock);
    p->scheduled = true;
    pthread_mutex_unlock(&p->lock);
}

/* The first rule met by (seconds since the last save, changes), or false. */
static bool rule_met(struct server *s, int64_t elapsed, uint64_t changes, long long *secs,
                     long long *min_changes)
{
    char rules[CONFIG_STRING_MAX];
    config_string(s->config, CONFIG_SAVE, rules, sizeof(rules));
    char *save = NULL;
    for (char *a = strtok_r(rules, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
        char *b = strtok_r(NULL, " ", &save);
        if (!b)
            break;
        *secs = atoll(a);
        *min_changes = atoll(b);
        if (changes >= (uint64_t)*min_changes && elapsed >= *secs)
            return true;
    }
    return false;
}

bool persist_rules_set(struct server *s)
{
    char rules[8];
    return config_string(s->config, CONFIG_SAVE, rules, sizeof(rules)) > 0;
}

void persist_cron(struct server *s)
{
    struct persist *p = P(s);
    join_finished(p);
    if (persist_bgsave_running(s) || aof_rewrite_running(s))
        return;
    pthread_mutex_lock(&p->lock);
    bool scheduled = p->scheduled;
    pthread_mutex_unlock(&p->lock);
    if (scheduled) {
        persist_bgsave(s);
        return;
    }
    int64_t now = clock_unix_ms() / 1000;
    uint64_t changes =
        keyspace_dirty(s->ks) - atomic_load_explicit(&p->dirty_at_save, memory_order_relaxed);
    int64_t elapsed = now - atomic_load_explicit(&s->lastsave_unix, memory_order_relaxed);
    long long secs, min_changes;
    if (!rule_met(s, elapsed, changes, &secs, &min_changes))
        return;
    /* After a failure, wait before trying again, as Redis does. */
    bool ok = atomic_load_explicit(&p->last_bgsave_ok, memory_order_relaxed);
    if (!ok &&
        now - atomic_load_explicit(&p->last_try_unix, memory_order_relaxed) <= BGSAVE_RETRY_SECS)
        return;
    log_notice("%llu changes in %lld seconds. Saving...", (unsigned long long)changes, secs);
    persist_bgsave(s);
}

bool persist_writes_refused(struct server *s)
{
    struct persist *p = P(s);
    return p && config_number(s->config, CONFIG_STOP_WRITES_ON_BGSAVE_ERROR) &&
           !atomic_load_explicit(&p->last_bgsave_ok, memory_order_relaxed) && persist_rules_set(s);
}

/* Loading dbfilename: at start-up (into an empty keyspace; no file is no
 * data), or for DEBUG RELOAD, replacing the keyspace or merged into it. */
enum load_mode { LOAD_AT_START, LOAD_REPLACING, LOAD_MERGING };

static int load_file(struct server *s, enum load_mode mode, char *err, size_t errlen)
{
    bool reload = mode != LOAD_AT_START;
    struct persist *p = P(s);
    char name[PATH_BUF], dbfilename[PATH_MAX];
    config_string(s->config, CONFIG_DBFILENAME, dbfilename, sizeof(dbfilename));
    file_path(s, dbfilename, name, sizeof(name));
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && !reload)
            return 0;
        snprintf(err, errlen, "Fatal error loading the DB: %s. Exiting.", strerror(errno));
        return -errno;
    }
    uint64_t start = clock_mono_ms();
    struct rdb_load_stats stats;
    struct rdb_error e;
    struct stat st;
    if (!reload && fstat(fd, &st) == 0 && !loading_reads(&s->loading, (uint64_t)st.st_size)) {
        close(fd);
        snprintf(err, errlen, LOADING_INTERRUPTED);
        return -EINTR;
    }
    const struct rdb_progress progress = {loading_rdb_progress, &s->loading};
    int rc = mode == LOAD_REPLACING ? rdb_reload_from_fd(s->ks, fd, clock_unix_ms(), &stats, &e)
                                    : rdb_load_from_fd(s->ks, fd, clock_unix_ms(), &stats, &e,
                                                       mode == LOAD_AT_START ? &progress : NULL);
    close(fd);
    if (rc) {
        snprintf(err, errlen, "%s", e.message[0] ? e.message : strerror(-rc));
        return rc;
    }
    atomic_store_explicit(&p->loaded_keys, stats.keys, memory_order_relaxed);
    atomic_store_explicit(&p->loaded_expired, stats.expired, memory_order_relaxed);
    atomic_store_explicit(&p->dirty_at_save, keyspace_dirty(s->ks), memory_order_relaxed);
    log_notice("Done loading RDB, keys loaded: %llu, keys expired: %llu.",
               (unsigned long long)stats.keys, (unsigned long long)stats.expired);
    log_notice("DB loaded from disk: %.3f seconds", (double)(clock_mono_ms() - start) / 1000.0);
    return 0;
}

int persist_load_at_start(struct server *s, char *err, size_t errlen)
{
    return load_file(s, LOAD_AT_START, err, errlen);
}

enum reload_result persist_debug_reload(struct server *s, bool save, bool flush)
{
    if (save) {
        int rc = persist_save(s);
        if (rc) {
            log_warning("DEBUG RELOAD: error trying to save the DB: %s", strerror(-rc));
            return RELOAD_SAVE_FAILED;
        }
    }
    char err[320];
    if (load_file(s, flush ? LOAD_REPLACING : LOAD_MERGING, err, sizeof(err)) != 0) {
        log_warning("DEBUG RELOAD: %s", err);
        return RELOAD_LOAD_FAILED;
    }
    log_warning("DB reloaded by DEBUG RELOAD");
    return RELOAD_OK;
}

void persist_info(struct server *s, struct text *t)
{
    struct persist *p = P(s);
    int64_t start = atomic_load_explicit(&p->bgsave_start_ms, memory_order_relaxed);
    int64_t current = start < 0 ? -1 : ((int64_t)clock_mono_ms() - start) / 1000;
    text_printf(t,
                "rdb_changes_since_last_save:%llu\r\nrdb_bgsave_in_progress:%d\r\n"
                "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
                "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\n"
                "rdb_saves:%llu\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:%llu\r\n"
                "rdb_last_load_keys_loaded:%llu\r\n",
                (unsigned long long)(keyspace_dirty(s->ks) -
                                     atomic_load_explicit(&p->dirty_at_save, memory_order_relaxed)),
                persist_bgsave_running(s) ? 1 : 0,
                (long long)atomic_load_explicit(&s->lastsave_unix, memory_order_relaxed),
                atomic_load_explicit(&p->last_bgsave_ok, memory_order_relaxed) ? "ok" : "err",
                (long long)atomic_load_explicit(&p->last_bgsave_secs, memory_order_relaxed),
                (long long)current,
                (unsigned long long)atomic_load_explicit(&p->saves, memory_order_relaxed),
                (unsigned long long)atomic_load_explicit(&p->loaded_expired, memory_order_relaxed),
                (unsigned long long)atomic_load_explicit(&p->loaded_keys, memory_order_relaxed));
}
