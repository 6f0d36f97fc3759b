/*
 * RDB: Redis 7.0's snapshot format (RDB version 10), written and read byte
 * for byte, so a Magpie dump loads in redis-server and the other way round.
 * The same value encodings make DUMP's payload (store/cmd_dump.c) and the
 * AOF's RDB preamble.
 *
 * Writing goes through a struct rdb_writer: a buffer in front of a sink (a
 * file descriptor, or memory), with the running CRC64 (Jones polynomial, as
 * Redis) of everything written. Reading works on bytes in memory and checks
 * every length against what is left, so hostile input (a corrupt file, a
 * forged RESTORE payload) gives an error, never a crash or an overread.
 *
 * What it must never do: load half a file. A load builds every key first and
 * links them into the keyspace only when the whole file parsed (its
 * checksum included); a type Magpie lacks (a stream, a module value) refuses
 * the file with the key and the type named.
 */
#ifndef MAGPIE_STORE_RDB_H
#define MAGPIE_STORE_RDB_H

#include "store/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;

#define RDB_VERSION 10

/* ---- writing ---- */

/* Where a writer's bytes go: 0 or -errno. */
typedef int (*rdb_sink_fn)(void *ctx, const void *buf, size_t len);

#define RDB_WRITER_BUF (64 * 1024)

struct rdb_writer {
    rdb_sink_fn sink; /* NULL: into `mem` (grown as needed) */
    void *ctx;
    bool compress; /* rdbcompression: LZF for strings over 20 bytes */
    uint64_t crc;  /* of every byte written so far */
    bool no_crc;   /* skip it: bytes copied into another writer, which sums them */
    int error;     /* the first error (0 or -errno); later writes do nothing */
    uint64_t written;
    unsigned char *mem; /* the buffer (memory writers: everything written) */
    size_t used, cap;
};

/* A writer to a sink (rdb_fd_sink: ctx is a pointer to the fd), or to
 * memory when sink is NULL. */
void rdb_writer_init(struct rdb_writer *w, rdb_sink_fn sink, void *ctx, bool compress);
/* Flushes what is buffered to the sink: 0 or the first error. */
int rdb_writer_flush(struct rdb_writer *w);
/* Frees the buffer (a memory writer's bytes go with it). */
void rdb_writer_release(struct rdb_writer *w);
/* A sink writing to the file descriptor *(int *)ctx. */
int rdb_fd_sink(void *ctx, const void *buf, size_t len);

/* Raw pieces (for the AOF preamble and tests). Errors stick in w->error. */
void rdb_write_bytes(struct rdb_writer *w, const void *buf, size_t len);
void rdb_write_len(struct rdb_writer *w, uint64_t len);
void rdb_write_string(struct rdb_writer *w, const void *s, size_t len);
void rdb_write_aux(struct rdb_writer *w, const char *key, const char *value);
void rdb_write_aux_int(struct rdb_writer *w, const char *key, long long value);

/* Whether values of this type can be written (every registered type must:
 * test/store/rdb_test.cc checks). */
bool rdb_type_supported(int type);
/* The RDB type byte a value is written with (RDB_TYPE_*), -ENOTSUP if none. */
int rdb_value_type(const struct value *v);
/* The value's encoding without its type byte. */
void rdb_write_value(struct rdb_writer *w, const struct value *v);
/* One key: [EXPIRETIME_MS when] type key value. expire_ms: ENTRY_NO_TTL or
 * an absolute unix time in milliseconds. */
void rdb_write_key(struct rdb_writer *w, const void *key, size_t key_len, const struct value *v,
                   int64_t expire_ms);
/* "REDIS0010" and the aux fields (redis-ver, redis-bits, ctime, used-mem,
 * aof-base). */
void rdb_write_header(struct rdb_writer *w, long long used_mem, bool aof_base);
/* EOF and the checksum (zero when !checksum, as rdbchecksum no). */
void rdb_write_footer(struct rdb_writer *w, bool checksum);

struct rdb_snapshot;

struct rdb_save_options {
    bool compress;                          /* rdbcompression */
    bool checksum;                          /* rdbchecksum */
    bool aof_base;                          /* aux aof-base 1: the file is an AOF's base */
    long long used_mem;                     /* aux used-mem */
    int64_t now_ms;                         /* keys expired by then are skipped */
    const struct rdb_snapshot_hooks *hooks; /* may be NULL (see rdb_snapshot_write) */
    struct rdb_snapshot *begun;             /* rdb_snapshot_begin's, written; or NULL */
};

/*
 * The whole keyspace as it was at one point in time, while writes go on
 * (store/rdb_snapshot.c: copy-before-write per entry). Header and footer
 * included. 0 or -errno.
 */
int rdb_save_keyspace(struct keyspace *ks, struct rdb_writer *w,
                      const struct rdb_save_options *opt);
/* What a snapshot tells its caller as it goes (an AOF rewrite: where its
 * incremental files split). Each optional. */
struct rdb_snapshot_hooks {
    /* Once this snapshot runs (another one it waited for has ended), just
     * before its point in time: no shard is saved yet. */
    void (*started)(void *ctx);
    /* As a shard is cut (its point in time: store/rdb_snapshot.c), under
     * its lock, with its global number and its write sequence number then
     * (store/events.h): every change numbered up to it is in the snapshot,
     * none after. Must not take a shard lock or suspend. */
    void (*shard_saved)(void *ctx, uint32_t shard, uint64_t seq);
    void *ctx;
    /* Right after the point in time, before the walk takes any lock (tests
     * hold the walk here while writers change entries). */
    void (*point_taken)(void *ctx);
};

/* The keys alone (SELECTDB, RESIZEDB, keys; no header or footer), of one
 * point in time: for an AOF's RDB preamble too. One snapshot runs at a
 * time: a second waits for the first to end. *peak_queued (may be NULL)
 * gets the most bytes that shards saved ahead of the walk held at once.
 * hooks may be NULL. 0 or -errno. */
int rdb_snapshot_write(struct keyspace *ks, struct rdb_writer *w, int64_t now_ms,
                       size_t *peak_queued, const struct rdb_snapshot_hooks *hooks);

struct entry;
/* What a snapshot writes for what it saves: RDB records (rdb_snapshot_write)
 * or another format (an AOF base's commands: store/aof_snapshot.h). */
struct snapshot_format {
    /* Appends what rebuilds entry e, as it is and expiring at `when`
     * (ENTRY_NO_TTL: never), to out, a memory writer; a failure goes in
     * out->error. Runs under e's shard lock, on any thread, alongside
     * itself for other shards. */
    void (*entry)(const struct snapshot_format *f, struct rdb_writer *out, const struct entry *e,
                  int64_t when);
    /* Writes to the file that the next keys belong to database db
     * (`first`: the first time for db). */
    void (*select_db)(const struct snapshot_format *f, struct rdb_writer *file, struct keyspace *ks,
                      int db, bool first);
};
/* rdb_snapshot_write in any format. */
int snapshot_write(struct keyspace *ks, struct rdb_writer *w, int64_t now_ms,
                   const struct snapshot_format *format, size_t *peak_queued,
                   const struct rdb_snapshot_hooks *hooks);
/*
 * A snapshot whose point in time is taken now and whose walk comes later,
 * on another thread: BGSAVE's point in time is the command itself, as a
 * fork is Redis's. NULL when another snapshot runs or memory is short: the
 * save then takes its point in time when it runs. Pass it in
 * rdb_save_options.begun; rdb_snapshot_abandon when it will not be
 * written (it must be one way or the other: until then it holds the
 * keyspace's snapshot slot).
 */
struct rdb_snapshot *rdb_snapshot_begin(struct keyspace *ks, int64_t now_ms, bool compress);
int rdb_snapshot_finish(struct rdb_snapshot *snap, struct rdb_writer *w);
void rdb_snapshot_abandon(struct rdb_snapshot *snap);

/* rdb_save_keyspace into a file descriptor (buffered). */
int rdb_save_to_fd(struct keyspace *ks, int fd, const struct rdb_save_options *opt);

/* ---- reading ---- */

/* Why a load failed, for the log ("Short read or OOM loading DB ...",
 * "Can't load key 'k': its type stream (RDB type 15) is not supported by
 * this server"). */
struct rdb_error {
    char message[256];
};

struct rdb_load_stats {
    uint64_t keys;    /* loaded */
    uint64_t expired; /* skipped: already expired */
    int version;
    size_t consumed; /* bytes up to the end of the checksum: what follows
                      * (an old AOF's commands after its RDB preamble) is
                      * not read */
};

/* Told now and then (every few thousand keys) how many bytes of the file a
 * load has parsed, on the loading thread: INFO's loading progress. It
 * answers false to stop the load (a shutdown): the load then fails with
 * "Loading interrupted", the keyspace untouched. */
struct rdb_progress {
    bool (*fn)(void *ctx, uint64_t parsed);
    void *ctx;
};

/*
 * Loads a whole RDB file (`len` bytes at `buf`) into ks: every key is built
 * and checked first, then linked in (replacing keys of the same name), so
 * on an error the keyspace is untouched. Keys whose TTL passed by now_ms are
 * skipped, as a master does. 0, or -EINVAL (corrupt, unsupported: see err)
 * or -ENOMEM. progress may be NULL.
 */
int rdb_load_buffer(struct keyspace *ks, const void *buf, size_t len, int64_t now_ms,
                    struct rdb_load_stats *stats, struct rdb_error *err,
                    const struct rdb_progress *progress);
/* Reads the file at fd whole and loads it (rdb_load_buffer). */
int rdb_load_from_fd(struct keyspace *ks, int fd, int64_t now_ms, struct rdb_load_stats *stats,
                     struct rdb_error *err, const struct rdb_progress *progress);

/* DEBUG RELOAD: rdb_load_from_fd, but once the file parsed every database
 * is emptied (shard by shard) before the keys are linked in. */
int rdb_reload_from_fd(struct keyspace *ks, int fd, int64_t now_ms, struct rdb_load_stats *stats,
                       struct rdb_error *err);

/* One value: its RDB type byte and encoding, exactly `len` bytes (DUMP's
 * payload without the footer). 0, -EINVAL (bad data) or -ENOMEM. */
int rdb_load_value(struct keyspace *ks, const void *buf, size_t len, struct value *out,
                   struct rdb_error *err);

/* ---- DUMP payloads: value, RDB version (2 bytes LE), CRC64 (8 bytes LE) ---- */

/* A memory writer holding v's payload (rdb_writer_release frees it). */
int rdb_dump_payload(const struct value *v, struct rdb_writer *w);
/* Whether the footer of a payload carries a version this server reads and
 * a matching checksum (Redis's verifyDumpPayload). */
bool rdb_dump_payload_valid(const void *buf, size_t len);

/* CRC64 (Jones, reflected, as Redis's crc64). */
uint64_t rdb_crc64(uint64_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
