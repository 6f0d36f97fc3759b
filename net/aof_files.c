/*
 * The append-only file's directory (net/aof.h): file names, the manifest
 * swapped atomically (temp file, fsync, rename, fsync of the directory),
 * opening at start-up, and the rewrite that writes a new base (its bytes
 * and its cut: net/aof_base.c).
 *
 * A rewrite first opens the next incremental file and lists it in the
 * manifest, so that a crash at any moment leaves a manifest that replays
 * correctly: old base + old incremental files (every record up to the cut)
 * + the new incremental file (every record after it). Only once the new
 * base is on disk does the manifest name it with the new file alone.
 */
#include "net/aof_internal.h"
#include "net/server.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/thread_priority.h"
#include "store/aof_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void aof__resolve_dir(struct aof *a)
{
    char dir[2048], name[2000];
    config_string(a->server->config, CONFIG_DIR, dir, sizeof(dir));
    config_string(a->server->config, CONFIG_APPENDDIRNAME, name, sizeof(name));
    if (dir[0] && name[0] != '/')
        snprintf(a->dir, sizeof(a->dir), "%s/%s", dir, name);
    else
        snprintf(a->dir, sizeof(a->dir), "%s", name);
}

int aof__path(const struct aof *a, const char *name, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", a->dir, name);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int aof__fsync_dir(const struct aof *a)
{
    int fd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

static int write_file(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int aof__write_manifest(struct aof *a, const struct aof_manifest *m)
{
    char name[1100], tmp[4200], path[4200];
    snprintf(name, sizeof(name), "%s.manifest", a->filename);
    if (aof__path(a, name, path, sizeof(path)) != 0)
        return -ENAMETOOLONG;
    snprintf(name, sizeof(name), "temp-%s.manifest", a->filename);
    if (aof__path(a, name, tmp, sizeof(tmp)) != 0)
        return -ENAMETOOLONG;
    struct aof_buf text = {0};
    aof_manifest_format(m, &text);
    if (text.oom) {
        aof_buf_free(&text);
        return -ENOMEM;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? -errno : write_file(fd, text.data, text.len);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc == 0)
        rc = aof__fsync_dir(a);
    if (rc != 0) {
        unlink(tmp);
        log_warning("Can't persist the AOF manifest %s: %s", path, strerror(-rc));
    }
    aof_buf_free(&text);
    return rc;
}

int aof__open_incr(struct aof *a, long long seq, char *name, size_t size)
{
    char path[4200];
    snprintf(name, size, "%s.%lld.incr.aof", a->filename, seq);
    if (aof__path(a, name, path, sizeof(path)) != 0)
        return -ENAMETOOLONG;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
}

static long long file_size(const struct aof *a, const char *name)
{
    char path[4200];
    struct stat st;
    if (aof__path(a, name, path, sizeof(path)) != 0 || stat(path, &st) != 0)
        return 0;
    return (long long)st.st_size;
}

long long aof__manifest_size(const struct aof *a, long long *base)
{
    long long total = 0;
    for (int i = 0; i < a->manifest.count; i++) {
        const struct aof_file_info *f = &a->manifest.files[i];
        if (f->type == AOF_FILE_HISTORY)
            continue;
        long long n = file_size(a, f->name);
        total += n;
        if (f->type == AOF_FILE_BASE && base)
            *base = n;
    }
    return total;
}

/* The sizes INFO shows, from the files the manifest names. */
static void measure(struct aof *a)
{
    long long base = 0;
    long long total = aof__manifest_size(a, &base);
    atomic_store_explicit(&a->current_size, total, memory_order_relaxed);
    atomic_store_explicit(&a->base_size, base, memory_order_relaxed);
}

/* The writer closes its files and the log stops taking records. */
static void close_outputs(struct aof *a)
{
    pthread_mutex_lock(&a->mu);
    atomic_store_explicit(&a->state, AOF_OFF, memory_order_release);
    a->close_all = true;
    pthread_cond_broadcast(&a->wake);
    while (a->close_all && a->thread_started)
        pthread_cond_wait(&a->wake, &a->mu);
    aof_buf_free(&a->cur.pending);
    aof_buf_free(&a->old.pending);
    mem_free(a->cut);
    a->cut = NULL;
    /* Connections held for records that will never be written: under a log
     * turned off, Redis acknowledges them too. */
    atomic_store_explicit(&a->synced, atomic_load_explicit(&a->next_ticket, memory_order_relaxed),
                          memory_order_release);
    pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->mu);
}

void aof__turn_off(struct aof *a)
{
    aof__rewrite_join(a);
    close_outputs(a);
    log_notice("Background append only file writing stopped (appendonly no)");
}

/* ---- the rewrite ---- */

/* The old incremental file is closed by the writer (it may be writing it). */
static void retire_old(struct aof *a)
{
    pthread_mutex_lock(&a->mu);
    if (a->old.fd >= 0) {
        a->retire_old = true;
        pthread_cond_broadcast(&a->wake);
        while (a->retire_old)
            pthread_cond_wait(&a->wake, &a->mu);
    }
    pthread_mutex_unlock(&a->mu);
}

static void remove_files(struct aof *a, const struct aof_manifest *gone,
                         const struct aof_manifest *kept)
{
    for (int i = 0; i < gone->count; i++) {
        bool keep = false;
        for (int j = 0; j < kept->count && !keep; j++)
            keep = strcmp(kept->files[j].name, gone->files[i].name) == 0;
        char path[4200];
        if (!keep && aof__path(a, gone->files[i].name, path, sizeof(path)) == 0)
            unlink(path);
    }
}

/* BGREWRITEAOF with appendonly no: a new base and a manifest naming it
 * alone, as Redis 7.0 writes; the log stays off. */
static int rewrite_base_only(struct aof *a)
{
    const struct aof_file_info *base = aof_manifest_base(&a->manifest);
    long long seq = (base ? base->seq : 0) + 1;
    struct aof_cut cut = {.a = a, .fd = -1, .rdb = aof__base_is_rdb(a)};
    char name[1100];
    aof__base_name(a, seq, cut.rdb, name, sizeof(name));
    if (mkdir(a->dir, 0755) != 0 && errno != EEXIST)
        return -errno;
    struct aof_manifest m = {0};
    int rc = aof__write_base(a, &cut, name);
    if (rc == 0)
        rc = aof_manifest_add(&m, name, seq, AOF_FILE_BASE);
    if (rc == 0)
        rc = aof__write_manifest(a, &m);
    if (rc == 0) {
        remove_files(a, &a->manifest, &m);
        aof_manifest_free(&a->manifest);
        a->manifest = m;
        measure(a);
    } else {
        aof_manifest_free(&m);
    }
    return rc;
}

int aof__rewrite(struct aof *a)
{
    bool enabling = atomic_load_explicit(&a->state, memory_order_acquire) == AOF_OFF;
    if (enabling && !config_number(a->server->config, CONFIG_APPENDONLY))
        return rewrite_base_only(a);
    retire_old(a); /* a failed rewrite's old file, if any */
    const struct aof_file_info *base = aof_manifest_base(&a->manifest);
    long long base_seq = (base ? base->seq : 0) + 1;
    long long incr_seq = aof_manifest_max_seq(&a->manifest, AOF_FILE_INCR) + 1;
    struct aof_cut cut = {.a = a, .enabling = enabling, .rdb = aof__base_is_rdb(a)};
    char incr_name[1100], base_name[1100];
    aof__base_name(a, base_seq, cut.rdb, base_name, sizeof(base_name));
    if (mkdir(a->dir, 0755) != 0 && errno != EEXIST)
        return -errno;
    cut.seqs = mem_alloc(a->nshards * sizeof(*cut.seqs));
    cut.fd = cut.seqs ? aof__open_incr(a, incr_seq, incr_name, sizeof(incr_name)) : -ENOMEM;
    if (cut.fd < 0) {
        mem_free(cut.seqs);
        return cut.fd;
    }
    if (ftruncate(cut.fd, 0) != 0)
        log_warning("Truncating %s: %s", incr_name, strerror(errno));
    struct aof_manifest during = {0}, after = {0};
    int rc = 0;
    for (int i = 0; i < a->manifest.count && rc == 0 && !enabling; i++)
        rc = aof_manifest_add(&during, a->manifest.files[i].name, a->manifest.files[i].seq,
                              a->manifest.files[i].type);
    if (rc == 0 && !enabling)
        rc = aof_manifest_add(&during, incr_name, incr_seq, AOF_FILE_INCR);
    if (rc == 0 && !enabling)
        rc = aof__write_manifest(a, &during);
    if (rc == 0)
        rc = aof__write_base(a, &cut, base_name);
    if (rc == 0)
        rc = aof_manifest_add(&after, base_name, base_seq, AOF_FILE_BASE);
    if (rc == 0)
        rc = aof_manifest_add(&after, incr_name, incr_seq, AOF_FILE_INCR);
    if (rc == 0)
        rc = aof__write_manifest(a, &after);
    bool cut_taken = cut.seqs == NULL;
    mem_free(cut.seqs);
    if (rc != 0) {
        aof_manifest_free(&after);
        if (!cut_taken)
            close(cut.fd);
        if (enabling) { /* the log never went on: nothing to keep */
            if (cut_taken)
                close_outputs(a);
            char path[4200];
            if (aof__path(a, incr_name, path, sizeof(path)) == 0)
                unlink(path);
        } else {
            aof_manifest_free(&a->manifest);
            a->manifest = during;
        }
        return rc;
    }
    if (!enabling) {
        retire_old(a);
        remove_files(a, &a->manifest, &after);
    }
    aof_manifest_free(&during);
    aof_manifest_free(&a->manifest);
    a->manifest = after;
    measure(a);
    atomic_store_explicit(&a->state, AOF_ON, memory_order_release);
    return 0;
}

/* ---- BGREWRITEAOF ---- */

static void *rewrite_main(void *arg)
{
    struct aof *a = arg;
    thread_priority_background();
    uint64_t start = clock_mono_ms();
    log_notice("Background append only file rewriting started");
    int rc = aof__rewrite(a);
    atomic_store_explicit(&a->last_rewrite_secs, (long long)(clock_mono_ms() - start) / 1000,
                          memory_order_relaxed);
    atomic_store_explicit(&a->last_rewrite_ok, rc == 0, memory_order_relaxed);
    if (rc == 0) {
        atomic_fetch_add_explicit(&a->rewrites, 1, memory_order_relaxed);
        atomic_store_explicit(&a->rewrite_failures, 0, memory_order_relaxed);
        log_notice("Background AOF rewrite finished successfully");
    } else {
        atomic_fetch_add_explicit(&a->rewrite_failures, 1, memory_order_relaxed);
        log_warning("Background AOF rewrite failed: %s", strerror(-rc));
    }
    atomic_store_explicit(&a->rewrite_running, false, memory_order_release);
    return NULL;
}

void aof__rewrite_join(struct aof *a)
{
    if (a->rewrite_thread_joinable) {
        pthread_join(a->rewrite_thread, NULL);
        a->rewrite_thread_joinable = false;
    }
}

int aof_rewrite_start(struct server *s)
{
    struct aof *a = s->aof;
    if (!a)
        return -EINVAL;
    bool idle = false;
    if (!atomic_compare_exchange_strong_explicit(&a->rewrite_running, &idle, true,
                                                 memory_order_acq_rel, memory_order_relaxed))
        return -EBUSY;
    aof__rewrite_join(a); /* the previous one has finished */
    atomic_store_explicit(&a->rewrite_scheduled, false, memory_order_relaxed);
    /* With the log off no thread reads the directory's name: a `dir` set
     * since applies, as the cwd Redis moves to. */
    if (atomic_load_explicit(&a->state, memory_order_acquire) == AOF_OFF)
        aof__resolve_dir(a);
    atomic_store_explicit(&a->rewrite_started_ms, (long long)clock_mono_ms(), memory_order_relaxed);
    int rc = pthread_create(&a->rewrite_thread, NULL, rewrite_main, a);
    if (rc) {
        atomic_store_explicit(&a->rewrite_running, false, memory_order_relaxed);
        return -rc;
    }
    a->rewrite_thread_joinable = true;
    return 0;
}

/* ---- start-up ---- */

static void take_start_cut(void *arg, const uint64_t *seqs, uint32_t n)
{
    struct aof *a = arg;
    pthread_mutex_lock(&a->mu);
    memcpy(a->applied, seqs, n * sizeof(*seqs));
    atomic_store_explicit(&a->state, AOF_ON, memory_order_release);
    pthread_mutex_unlock(&a->mu);
}

/* After loading: appends go to the last incremental file (a new one when
 * the manifest has none). */
static int open_after_load(struct aof *a, char *err, size_t errlen)
{
    long long seq = aof_manifest_max_seq(&a->manifest, AOF_FILE_INCR);
    char name[1100];
    bool fresh = seq == 0;
    int fd = aof__open_incr(a, fresh ? 1 : seq, name, sizeof(name));
    int rc = fd < 0 ? fd : 0;
    if (rc == 0 && fresh) {
        rc = aof_manifest_add(&a->manifest, name, 1, AOF_FILE_INCR);
        if (rc == 0)
            rc = aof__write_manifest(a, &a->manifest);
    }
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "Can't open the append-only file %s: %s", name, strerror(-rc));
        return -1;
    }
    pthread_mutex_lock(&a->mu); /* the writer reads it */
    a->cur = (struct aof_out){.fd = fd, .db = -1};
    pthread_mutex_unlock(&a->mu);
    measure(a);
    aof_snapshot_cut(a->server->ks, take_start_cut, a);
    return 0;
}

int aof__open_at_start(struct aof *a, char *err, size_t errlen)
{
    char name[1100], path[4200];
    snprintf(name, sizeof(name), "%s.manifest", a->filename);
    if (aof__path(a, name, path, sizeof(path)) != 0) {
        snprintf(err, errlen, "appenddirname is too long");
        return -1;
    }
    if (aof__upgrade_old_file(a, err, errlen) != 0)
        return -1;
    if (access(path, F_OK) == 0) {
        if (aof__load(a, err, errlen) != 0)
            return -1;
        return open_after_load(a, err, errlen);
    }
    /* No AOF yet: a base of what there is (nothing, or what was loaded
     * otherwise) and an empty incremental file, as Redis 7 on start. */
    atomic_store_explicit(&a->rewrite_running, true, memory_order_relaxed);
    int rc = aof__rewrite(a);
    atomic_store_explicit(&a->rewrite_running, false, memory_order_relaxed);
    if (rc != 0) {
        snprintf(err, errlen, "Can't create the append-only file in %s: %s", a->dir, strerror(-rc));
        return -1;
    }
    const struct aof_file_info *base = aof_manifest_base(&a->manifest);
    log_notice("Creating AOF base file %s on server start", base ? base->name : "?");
    log_notice("Creating AOF incr file %s on server start",
               a->manifest.files[a->manifest.count - 1].name);
    return 0;
}
