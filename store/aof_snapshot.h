/*
 * The append-only file's base: the whole keyspace written as the commands
 * that rebuild it (SET, RPUSH, SADD, HMSET, PEXPIREAT, with SELECT between
 * databases), as Redis 7.0's AOF rewrite writes an AOF-format base.
 *
 * The image is one point in time: every shard lock is held for the walk, and
 * `cut` is told each shard's write sequence number at that point, so the
 * log's writer can route every later command record to the new incremental
 * file and every earlier one to the old (store/events.h). Writers wait for
 * the walk; lock-free readers do not.
 */
#ifndef MAGPIE_STORE_AOF_SNAPSHOT_H
#define MAGPIE_STORE_AOF_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;

/* Called under every shard lock with seqs[global shard] (n shards). Must not
 * take a shard lock or suspend. */
typedef void (*aof_cut_fn)(void *ctx, const uint64_t *seqs, uint32_t n);

/*
 * Writes the keyspace to fd. Returns 0, -ENOMEM, -errno of a failed write,
 * or -ENOTSUP for a value of a type the format cannot express (its key's
 * name in bad_key, NUL-terminated and cut to size). With fd -1 only the
 * cut is taken (every lock held for a moment), nothing is written.
 */
int aof_snapshot_write(struct keyspace *ks, int fd, int64_t now_ms, aof_cut_fn cut, void *ctx,
                       char *bad_key, size_t size);

#ifdef __cplusplus
}
#endif
#endif
