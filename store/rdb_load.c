/*
 * Loading a whole RDB file: the header, the opcodes (databases, expiry
 * times, aux fields, LRU/LFU hints), each key built into an entry of its
 * own, and the checksum. Only when all of it parsed are the entries linked
 * into the keyspace, so a corrupt file or a type Magpie lacks leaves the
 * keyspace exactly as it was.
 */
#include "store/rdb_format.h"

#include "core/alloc.h"
#include "store/entry.h"
#include "store/keyspace_impl.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OOM_MESSAGE "Short read or OOM loading DB. Unrecoverable error, aborting now."

struct pending_key {
    struct entry *e;
    int db;
};

struct load {
    struct rdb_reader r;
    int64_t now_ms;
    int db;
    int64_t expire_ms;
    struct pending_key *keys;
    size_t n, cap;
    struct rdb_load_stats *stats;
};

static void load_discard(struct load *l)
{
    for (size_t i = 0; i < l->n; i++)
        entry_free(l->keys[i].e);
    mem_free(l->keys);
    l->keys = NULL;
    l->n = l->cap = 0;
}

static bool pending_push(struct load *l, struct entry *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        struct pending_key *k = mem_realloc(l->keys, cap * sizeof(*k));
        if (!k)
            return false;
        l->keys = k;
        l->cap = cap;
    }
    l->keys[l->n++] = (struct pending_key){e, l->db};
    return true;
}

static uint64_t read_le(struct rdb_reader *r, size_t n)
{
    const unsigned char *p = rdb__read_raw(r, n);
    uint64_t v = 0;
    for (size_t i = 0; p && i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* A key of RDB type `type`: read, built, kept for linking. */
static void load_key(struct load *l, int type)
{
    struct rdb_reader *r = &l->r;
    size_t klen;
    char *key = rdb__read_string(r, &klen);
    if (!key)
        return;
    struct value v;
    int rc = rdb__read_value(r, type, &v);
    if (rc == -ENOTSUP) {
        rdb__fail(
            r, "Can't load key '%.*s': its type %s (RDB type %d) is not supported by this server",
            (int)(klen > 128 ? 128 : klen), key, rdb__type_name(type), type);
    }
    int64_t when = l->expire_ms;
    l->expire_ms = ENTRY_NO_TTL;
    if (rc) {
        mem_free(key);
        return;
    }
    if (expire_passed(when, l->now_ms)) {
        value_release(v.type, v.encoding, v.p);
        mem_free(key);
        l->stats->expired++;
        return;
    }
    struct entry *e = entry_new(key, klen, when != ENTRY_NO_TTL);
    mem_free(key);
    if (!e) {
        value_release(v.type, v.encoding, v.p);
        rdb__fail(r, OOM_MESSAGE);
        return;
    }
    entry_set_value(e, &v, entry_lru_clock(l->now_ms));
    if (when != ENTRY_NO_TTL)
        entry_set_expire_at(e, when);
    if (!pending_push(l, e)) {
        entry_free(e);
        rdb__fail(r, OOM_MESSAGE);
    }
}

/* One opcode or key; false at EOF or on an error. */
static bool load_step(struct load *l)
{
    struct rdb_reader *r = &l->r;
    int type = rdb__read_byte(r);
    switch (type) {
    case -1:
        return false;
    case RDB_OPCODE_EOF:
        return false;
    case RDB_OPCODE_EXPIRETIME_MS:
        l->expire_ms = (int64_t)read_le(r, 8);
        return true;
    case RDB_OPCODE_EXPIRETIME:
        l->expire_ms = (int64_t)read_le(r, 4) * 1000;
        return true;
    case RDB_OPCODE_FREQ:
        rdb__read_byte(r);
        return true;
    case RDB_OPCODE_IDLE:
        rdb__read_len(r, NULL);
        return true;
    case RDB_OPCODE_SELECTDB: {
        uint64_t db = rdb__read_len(r, NULL);
        if (!r->failed && db >= (uint64_t)r->ks->databases)
            rdb__fail(r,
                      "FATAL: Data file was created with a Redis server configured to handle "
                      "more than %d databases. Exiting\n",
                      r->ks->databases);
        l->db = (int)db;
        return true;
    }
    case RDB_OPCODE_RESIZEDB:
        rdb__read_len(r, NULL);
        rdb__read_len(r, NULL);
        return true;
    case RDB_OPCODE_AUX: {
        size_t n;
        mem_free(rdb__read_string(r, &n));
        mem_free(rdb__read_string(r, &n));
        return true;
    }
    case RDB_OPCODE_FUNCTION2: {
        size_t n;
        mem_free(rdb__read_string(r, &n)); /* no scripting engine: skipped */
        return true;
    }
    case RDB_OPCODE_MODULE_AUX:
    case RDB_OPCODE_FUNCTION:
        rdb__fail(r, "The RDB file holds %s data, which this server does not support",
                  type == RDB_OPCODE_MODULE_AUX ? "module aux" : "function (pre-release format)");
        return false;
    default:
        load_key(l, type);
        return !r->failed;
    }
}

static bool load_header(struct load *l, int *version)
{
    const unsigned char *magic = rdb__read_raw(&l->r, 9);
    if (!magic || memcmp(magic, "REDIS", 5) != 0) {
        rdb__fail(&l->r, "Wrong signature trying to load DB from file");
        return false;
    }
    int v = 0;
    for (int i = 5; i < 9; i++) {
        if (magic[i] < '0' || magic[i] > '9') {
            rdb__fail(&l->r, "Wrong signature trying to load DB from file");
            return false;
        }
        v = v * 10 + (magic[i] - '0');
    }
    if (v < 1 || v > RDB_VERSION) {
        rdb__fail(&l->r, "Can't handle RDB format version %d", v);
        return false;
    }
    *version = v;
    return true;
}

static void load_checksum(struct load *l, const unsigned char *start, int version)
{
    if (version < 5)
        return;
    size_t covered = (size_t)(l->r.p - start);
    uint64_t expected = read_le(&l->r, 8);
    if (l->r.failed || expected == 0)
        return; /* written with rdbchecksum no */
    if (rdb_crc64(0, start, covered) != expected)
        rdb__fail(&l->r, "Wrong RDB checksum expected: (%016llx) got: (%016llx). Aborting now.",
                  (unsigned long long)expected, (unsigned long long)rdb_crc64(0, start, covered));
}

/* Empties every shard, each under its lock (DEBUG RELOAD). */
static void flush_all(struct keyspace *ks)
{
    for (uint32_t i = 0; i < ks->total_shards; i++) {
        struct shard *s = keyspace_shard(ks, i);
        struct shard_contents taken;
        SHARD_GUARD (s) {
            do_take_contents(s, &taken);
            do_shard_event(s, "flush", &taken.table);
        }
        shard_contents_free(&taken);
    }
}

/* Links the built entries in, replacing keys of the same name. */
static void link_all(struct keyspace *ks, struct load *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct entry *e = l->keys[i].e, *old = NULL;
        struct key k;
        key_locate(ks, l->keys[i].db, entry_key(e), e->key_len, &k);
        bool linked = false;
        SHARD_GUARD (k.shard) {
            if (do_lookup(k.shard, &k, l->now_ms, LOOKUP_WRITE | LOOKUP_NOSTATS, NULL))
                old = do_detach_key(k.shard, &k);
            if (do_reserve_link(k.shard, entry_expire_at(e) != ENTRY_NO_TTL) == 0) {
                do_link_entry(k.shard, &k, e);
                linked = true;
            }
            if (linked || old)
                do_key_event(k.shard, &k, linked ? NOTIFY_LOADED : NOTIFY_GENERIC,
                             linked ? "loaded" : "del");
        }
        entry_retire(old);
        if (!linked)
            entry_free(e);
        else
            l->stats->keys++;
    }
    mem_free(l->keys);
    l->keys = NULL;
    l->n = 0;
}

/* Keys parsed between two progress reports. */
#define PROGRESS_EVERY 4096

static int load_buffer(struct keyspace *ks, const void *buf, size_t len, int64_t now_ms,
                       struct rdb_load_stats *stats, struct rdb_error *err, bool flush,
                       const struct rdb_progress *progress)
{
    struct rdb_load_stats unused;
    if (!stats)
        stats = &unused;
    memset(stats, 0, sizeof(*stats));
    if (err)
        err->message[0] = '\0';
    struct load l = {.r = {buf, (const unsigned char *)buf + len, false, ks, err},
                     .now_ms = now_ms,
                     .expire_ms = ENTRY_NO_TTL,
                     .stats = stats};
    if (load_header(&l, &stats->version)) {
        for (uint64_t steps = 1; load_step(&l); steps++) {
            if (progress && steps % PROGRESS_EVERY == 0 &&
                !progress->fn(progress->ctx, (uint64_t)(l.r.p - (const unsigned char *)buf))) {
                rdb__fail(&l.r, "Loading interrupted");
                break;
            }
        }
        if (!l.r.failed)
            load_checksum(&l, buf, stats->version);
    }
    if (l.r.failed) {
        load_discard(&l);
        return strstr(err ? err->message : "", "OOM") && l.r.p < l.r.end ? -ENOMEM : -EINVAL;
    }
    stats->consumed = (size_t)(l.r.p - (const unsigned char *)buf);
    if (flush)
        flush_all(ks);
    link_all(ks, &l);
    return 0;
}

int rdb_load_buffer(struct keyspace *ks, const void *buf, size_t len, int64_t now_ms,
                    struct rdb_load_stats *stats, struct rdb_error *err,
                    const struct rdb_progress *progress)
{
    return load_buffer(ks, buf, len, now_ms, stats, err, false, progress);
}

static int load_fd(struct keyspace *ks, int fd, int64_t now_ms, struct rdb_load_stats *stats,
                   struct rdb_error *err, bool flush, const struct rdb_progress *progress)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -errno;
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = mem_alloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    int rc = load_buffer(ks, buf, got, now_ms, stats, err, flush, progress);
    mem_free(buf);
    return rc;
}

int rdb_load_from_fd(struct keyspace *ks, int fd, int64_t now_ms, struct rdb_load_stats *stats,
                     struct rdb_error *err, const struct rdb_progress *progress)
{
    return load_fd(ks, fd, now_ms, stats, err, false, progress);
}

int rdb_reload_from_fd(struct keyspace *ks, int fd, int64_t now_ms, struct rdb_load_stats *stats,
                       struct rdb_error *err)
{
    return load_fd(ks, fd, now_ms, stats, err, true, NULL);
}
