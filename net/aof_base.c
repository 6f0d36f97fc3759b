/*
 * Writing an append-only file's base (net/aof.h), and the cut that goes
 * with it: the point in time the base holds, which splits the records
 * between the old incremental file (up to the cut: the base holds them)
 * and the new one (after it).
 *
 * The base is taken by the copy-before-write snapshot that BGSAVE uses
 * (store/rdb.h): an RDB file with aof-use-rdb-preamble yes (the default,
 * as in Redis 7.0), commands with no (store/aof_snapshot.h). Writers go on
 * while it runs, and each shard is cut when the snapshot first takes its
 * lock, at its write sequence number then. Until a shard is cut its cut is
 * unknown (UINT64_MAX), so its records go to the old file: none of them
 * can be newer, since a writer cuts the shard before it changes it.
 */
#include "net/aof_internal.h"
#include "net/memory.h"
#include "net/server.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/aof_snapshot.h"
#include "store/rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CUT_UNKNOWN UINT64_MAX

bool aof__base_is_rdb(const struct aof *a)
{
    return config_number(a->server->config, CONFIG_AOF_USE_RDB_PREAMBLE) != 0;
}

/* The outputs switch: later records go to the new file. Every shard's cut
 * is `seqs` (NULL: unknown until the shard is saved). A base alone (no new
 * file) switches nothing: the log stays off. */
static void switch_outputs(struct aof_cut *c, const uint64_t *seqs)
{
    struct aof *a = c->a;
    uint32_t n = a->nshards;
    if (c->fd < 0)
        return;
    pthread_mutex_lock(&a->mu);
    if (seqs) {
        memcpy(c->seqs, seqs, n * sizeof(*seqs));
        if (c->enabling)
            memcpy(a->applied, seqs, n * sizeof(*seqs));
    } else {
        for (uint32_t i = 0; i < n; i++)
            c->seqs[i] = CUT_UNKNOWN;
    }
    if (c->enabling)
        atomic_store_explicit(&a->state, AOF_WAIT_REWRITE, memory_order_release);
    mem_free(a->cut);
    a->cut = c->seqs;
    c->seqs = NULL;
    a->old = a->cur;
    a->cur = (struct aof_out){.fd = c->fd, .db = -1};
    pthread_mutex_unlock(&a->mu);
}

/* Once the snapshot runs, before any shard is cut. */
static void snapshot_started(void *arg)
{
    switch_outputs(arg, NULL);
}

/* Under the shard's lock, as the snapshot cuts it. */
static void shard_saved(void *arg, uint32_t shard, uint64_t seq)
{
    struct aof_cut *c = arg;
    struct aof *a = c->a;
    if (c->fd < 0)
        return;
    pthread_mutex_lock(&a->mu);
    a->cut[shard] = seq;
    /* A log being turned on starts each shard at its cut: what came before
     * is in the base. */
    if (c->enabling && a->applied[shard] < seq)
        a->applied[shard] = seq;
    pthread_mutex_unlock(&a->mu);
}

static int write_rdb(struct aof *a, struct aof_cut *c, int fd)
{
    struct config *cfg = a->server->config;
    struct rdb_snapshot_hooks hooks = {
        .started = snapshot_started, .shard_saved = shard_saved, .ctx = c};
    struct rdb_save_options opt = {
        .compress = config_number(cfg, CONFIG_RDBCOMPRESSION) != 0,
        .checksum = config_number(cfg, CONFIG_RDBCHECKSUM) != 0,
        .aof_base = true,
        .used_mem = (long long)memory_used_now(),
        .now_ms = clock_unix_ms(),
        .hooks = &hooks,
    };
    return rdb_save_to_fd(a->server->ks, fd, &opt);
}

static int write_commands(struct aof *a, struct aof_cut *c, int fd)
{
    struct rdb_snapshot_hooks hooks = {
        .started = snapshot_started, .shard_saved = shard_saved, .ctx = c};
    char bad[128];
    struct aof_snapshot_format format;
    aof_snapshot_format_init(&format, bad, sizeof(bad));
    struct rdb_writer w;
    rdb_writer_init(&w, rdb_fd_sink, &fd, false);
    w.no_crc = true; /* an RDB's checksum: not in this format */
    int rc = snapshot_write(a->server->ks, &w, clock_unix_ms(), &format.format, NULL, &hooks);
    if (rc == 0)
        rc = rdb_writer_flush(&w);
    rdb_writer_release(&w);
    aof_snapshot_format_destroy(&format);
    if (rc == -ENOTSUP)
        log_warning("AOF rewrite: the key '%s' has a type the AOF cannot write yet", bad);
    return rc;
}

int aof__write_base(struct aof *a, struct aof_cut *c, const char *name)
{
    char tmp[4200], path[4200], tmpname[64];
    snprintf(tmpname, sizeof(tmpname), "temp-rewriteaof-bg-%d.aof", (int)getpid());
    if (aof__path(a, tmpname, tmp, sizeof(tmp)) || aof__path(a, name, path, sizeof(path)))
        return -ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int rc = c->rdb ? write_rdb(a, c, fd) : write_commands(a, c, fd);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
    return rc;
}

void aof__base_name(const struct aof *a, long long seq, bool rdb, char *out, size_t size)
{
    snprintf(out, size, "%s.%lld.base.%s", a->filename, seq, rdb ? "rdb" : "aof");
}
