/*
 * Loading the append-only file at start-up (net/aof.h): the manifest, then
 * the base and each incremental file in order, every command replayed
 * through a session without a socket, as a client would have run it. A
 * base in RDB format (aof-use-rdb-preamble) is loaded as a dump file; the
 * commands that may follow it (a single-file AOF of Redis before 7, with
 * its RDB preamble) are replayed after it.
 *
 * A file that ends inside a command (a crash mid-write) is truncated there
 * and accepted when it is the last file and aof-load-truncated is yes, with
 * Redis's log lines; otherwise, and for any format error, the server does
 * not start, and the message names the file and the offset. A MULTI without
 * its EXEC at the end counts as a truncated tail: it is discarded.
 */
#include "net/aof_internal.h"
#include "net/server.h"
#include "net/session.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/command.h"
#include "store/rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static void discard_output(struct session *s)
{
    struct outbuf *o = session_output(s);
    while (outbuf_pending(o) > 0) {
        struct iovec iov[16];
        int n = outbuf_iov(o, iov, 16);
        size_t total = 0;
        for (int i = 0; i < n; i++)
            total += iov[i].iov_len;
        if (total == 0) {
            outbuf_free(o);
            break;
        }
        outbuf_consume(o, total);
    }
}

char *aof__read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0)
        buf = mem_alloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    int saved = errno;
    close(fd);
    if (buf && got != (size_t)st.st_size) {
        mem_free(buf);
        buf = NULL;
        errno = saved ? saved : EIO;
    }
    *len = got;
    return buf;
}

static bool is_named(const struct resp_arg *arg, const char *name)
{
    return arg->len == strlen(name) && strncasecmp(arg->ptr, name, arg->len) == 0;
}

enum load_result { LOAD_OK, LOAD_TRUNCATED, LOAD_FAILED };

struct replay {
    size_t valid;        /* offset after the last command replayed */
    size_t before_multi; /* offset of an open MULTI */
    bool in_multi;
};

/* Commands replayed between two progress reports (INFO's loading_*). */
#define PROGRESS_EVERY 4096

/* Replays buf from offset `from`; returns how the file ended. */
static enum load_result replay_file(struct session *s, const char *name, const char *buf,
                                    size_t len, size_t from, struct replay *r, char *err,
                                    size_t errlen)
{
    *r = (struct replay){.valid = from};
    for (uint64_t n = 1;; n++) {
        if (n % PROGRESS_EVERY == 0 && !loading_progress(&s->server->loading, r->valid)) {
            snprintf(err, errlen, LOADING_INTERRUPTED);
            return LOAD_FAILED;
        }
        size_t used;
        int argc;
        struct resp_arg *argv;
        enum aof_parse_status st =
            aof_parse_command(buf + r->valid, len - r->valid, &used, &argc, &argv);
        if (st == AOF_PARSE_END)
            break;
        if (st == AOF_PARSE_TRUNCATED)
            return LOAD_TRUNCATED;
        if (st == AOF_PARSE_BAD) {
            log_warning("Bad file format reading the append only file %s: make a backup of your "
                        "AOF file, then use ./redis-check-aof --fix <filename.manifest>",
                        name);
            snprintf(err, errlen, "Bad file format reading the append only file %s at offset %zu",
                     name, r->valid + used);
            return LOAD_FAILED;
        }
        if (!command_lookup(argv[0].ptr, argv[0].len)) {
            snprintf(err, errlen,
                     "Unknown command '%.*s' reading the append only file %s at offset %zu",
                     (int)(argv[0].len > 64 ? 64 : argv[0].len), argv[0].ptr, name, r->valid);
            mem_free(argv);
            return LOAD_FAILED;
        }
        if (is_named(&argv[0], "multi")) {
            r->in_multi = true;
            r->before_multi = r->valid;
        } else if (is_named(&argv[0], "exec")) {
            r->in_multi = false;
        }
        session_run(s, argc, argv);
        discard_output(s);
        mem_free(argv);
        r->valid += used;
    }
    if (r->in_multi) {
        log_warning("Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
        return LOAD_TRUNCATED;
    }
    return LOAD_OK;
}

/* A truncated tail: cut the file where the last whole command ended. */
static bool accept_truncated(struct aof *a, struct session *s, const char *name, const char *path,
                             struct replay *r)
{
    if (r->in_multi) { /* the transaction's queue is dropped */
        struct resp_arg discard = {"DISCARD", 7, NULL};
        session_run(s, 1, &discard);
        discard_output(s);
    }
    size_t valid = r->in_multi ? r->before_multi : r->valid;
    log_warning("!!! Warning: short read while loading the AOF file %s!!!", name);
    log_warning("!!! Truncating the AOF %s at offset %llu !!!", name, (unsigned long long)valid);
    if (truncate(path, (off_t)valid) != 0) {
        log_warning("Error truncating the AOF file %s: %s", name, strerror(errno));
        return false;
    }
    log_warning("AOF %s loaded anyway because aof-load-truncated is enabled", name);
    (void)a;
    return true;
}

/* An RDB base (aof-use-rdb-preamble): loaded whole or not at all. *end
 * gets where the RDB ends: a file from Redis before 7 may go on with
 * commands. */
static int load_rdb_base(struct aof *a, const char *name, const char *buf, size_t len, size_t *end,
                         char *err, size_t errlen)
{
    log_notice("Reading RDB base file on AOF loading...");
    struct rdb_load_stats stats;
    struct rdb_error why;
    const struct rdb_progress progress = {loading_rdb_progress, &a->server->loading};
    if (rdb_load_buffer(a->server->ks, buf, len, clock_unix_ms(), &stats, &why, &progress) != 0) {
        snprintf(err, errlen, "Loading the AOF base file %s: %s", name, why.message);
        return -1;
    }
    *end = stats.consumed;
    log_notice("Done loading RDB, keys loaded: %llu, keys expired: %llu.",
               (unsigned long long)stats.keys, (unsigned long long)stats.expired);
    return 0;
}

static int load_one(struct aof *a, struct session *s, const struct aof_file_info *f, bool last,
                    char *err, size_t errlen)
{
    char path[4200];
    if (aof__path(a, f->name, path, sizeof(path)) != 0) {
        snprintf(err, errlen, "The AOF file name %s is too long", f->name);
        return -1;
    }
    size_t len;
    char *buf = aof__read_file(path, &len);
    if (!buf) {
        snprintf(err, errlen, "Fatal error: can't open the append log file %s for reading: %s",
                 f->name, strerror(errno));
        return -1;
    }
    uint64_t start = clock_mono_ms();
    int rc = 0;
    size_t from = 0;
    if (f->type == AOF_FILE_BASE && len >= 5 && memcmp(buf, "REDIS", 5) == 0) {
        rc = load_rdb_base(a, f->name, buf, len, &from, err, errlen);
        if (rc == 0 && from < len)
            log_notice("Reading the remaining AOF tail...");
    }
    if (rc == 0 && (from == 0 || from < len)) {
        struct replay r;
        enum load_result res = replay_file(s, f->name, buf, len, from, &r, err, errlen);
        if (res == LOAD_FAILED) {
            rc = -1;
        } else if (res == LOAD_TRUNCATED) {
            bool allowed = config_number(a->server->config, CONFIG_AOF_LOAD_TRUNCATED) != 0;
            if (!last) {
                snprintf(err, errlen,
                         "Fatal error: the truncated file is not the last file (%s, "
                         "offset %zu)",
                         f->name, r.valid);
                rc = -1;
            } else if (!allowed || !accept_truncated(a, s, f->name, path, &r)) {
                log_warning("Unexpected end of file reading the append only file %s. You can: 1) "
                            "Make a backup of your AOF file, then use ./redis-check-aof --fix "
                            "<filename.manifest>. 2) Alternatively you can set the "
                            "'aof-load-truncated' configuration option to yes and restart the "
                            "server.",
                            f->name);
                snprintf(err, errlen,
                         "Unexpected end of file reading the append only file %s at offset %zu",
                         f->name, r.valid);
                rc = -1;
            }
        }
    }
    mem_free(buf);
    loading_file_done(&a->server->loading, len);
    if (rc == 0)
        log_notice("DB loaded from %s file %s: %.3f seconds",
                   f->type == AOF_FILE_BASE ? "base" : "incr", f->name,
                   (double)(clock_mono_ms() - start) / 1000);
    return rc;
}

static int read_manifest(struct aof *a, char *err, size_t errlen)
{
    char name[1100], path[4200];
    snprintf(name, sizeof(name), "%s.manifest", a->filename);
    if (aof__path(a, name, path, sizeof(path)) != 0) {
        snprintf(err, errlen, "appenddirname is too long");
        return -1;
    }
    size_t len;
    char *text = aof__read_file(path, &len);
    if (!text) {
        snprintf(err, errlen, "Fatal error: can't open the AOF manifest file %s for reading: %s",
                 name, strerror(errno));
        return -1;
    }
    char why[256];
    int rc = aof_manifest_parse(text, len, &a->manifest, why, sizeof(why));
    mem_free(text);
    if (rc != 0) {
        log_warning("*** FATAL AOF MANIFEST FILE ERROR ***");
        snprintf(err, errlen, "Reading the AOF manifest %s: %s", name, why);
        return -1;
    }
    return 0;
}

int aof__load(struct aof *a, char *err, size_t errlen)
{
    if (read_manifest(a, err, errlen) != 0)
        return -1;
    struct session *s = session_new(a->server);
    if (!s) {
        snprintf(err, errlen, "Out of memory loading the AOF");
        return -1;
    }
    uint64_t start = clock_mono_ms();
    if (!loading_reads(&a->server->loading, (uint64_t)aof__manifest_size(a, NULL))) {
        session_free(s);
        snprintf(err, errlen, LOADING_INTERRUPTED);
        return -1;
    }
    /* The base first, then the incremental files in the manifest's order. */
    const struct aof_file_info *base = aof_manifest_base(&a->manifest);
    int last = -1;
    for (int i = 0; i < a->manifest.count; i++)
        if (a->manifest.files[i].type == AOF_FILE_INCR)
            last = i;
    int rc = base ? load_one(a, s, base, last < 0, err, errlen) : 0;
    for (int i = 0; i < a->manifest.count && rc == 0; i++)
        if (a->manifest.files[i].type == AOF_FILE_INCR)
            rc = load_one(a, s, &a->manifest.files[i], i == last, err, errlen);
    session_free(s);
    if (rc == 0)
        log_notice("DB loaded from append only file: %.3f seconds",
                   (double)(clock_mono_ms() - start) / 1000);
    return rc;
}
