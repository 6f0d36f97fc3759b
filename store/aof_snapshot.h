/*
 * The append-only file's base in commands (aof-use-rdb-preamble no): each
 * key written as the commands that rebuild it (SET, RPUSH, SADD, HMSET,
 * ZADD, then PEXPIREAT; SELECT between databases), as Redis 7.0's AOF
 * rewrite writes an AOF-format base. It is a format for the copy-before-
 * write snapshot (snapshot_write, store/rdb.h), so the base is one point in
 * time while writers go on, cut shard by shard as for an RDB base.
 */
#ifndef MAGPIE_STORE_AOF_SNAPSHOT_H
#define MAGPIE_STORE_AOF_SNAPSHOT_H

#include "store/rdb.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;

/* For snapshot_write: pass &f->format. A key of a type the commands cannot
 * express yet fails the snapshot with -ENOTSUP, its name copied into
 * bad_key (NUL-terminated, cut to size). */
struct aof_snapshot_format {
    struct snapshot_format format; /* first: the format is cast back */
    pthread_mutex_t lock;          /* bad_key: savers on several threads */
    char *bad_key;
    size_t bad_size;
};
void aof_snapshot_format_init(struct aof_snapshot_format *f, char *bad_key, size_t size);
void aof_snapshot_format_destroy(struct aof_snapshot_format *f);

/* Called under every shard lock with seqs[global shard] (n shards). Must not
 * take a shard lock or suspend. */
typedef void (*aof_cut_fn)(void *ctx, const uint64_t *seqs, uint32_t n);

/* Every shard's write sequence number at one point in time, taken under
 * every shard lock for a moment (a log opened after loading starts there).
 * 0 or -ENOMEM. */
int aof_snapshot_cut(struct keyspace *ks, aof_cut_fn cut, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
