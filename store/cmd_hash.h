/*
 * What the hash command files share (cmd_hash*.c): finding a hash key,
 * storing a changed hash back into its entry, and replying fields. Private
 * to store/.
 */
#ifndef MAGPIE_STORE_CMD_HASH_H
#define MAGPIE_STORE_CMD_HASH_H

#include "store/cmd_util.h"
#include "store/hash_value.h"

/* The hash at k (NULL when missing); *result becomes CMD_ERR_WRONGTYPE when
 * the key holds something else. */
struct entry *do_hash_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                             enum cmd_result *result) REQUIRES(&s->lock);
/* The keyspace's hash-max-listpack-* now. */
void hash_limits_of(const struct keyspace *ks, struct hash_limits *out);
/* Stores v, a changed copy of e's hash (a listpack that moved, a converted
 * encoding), back into e. */
void do_hash_store(struct shard *s, struct entry *e, const struct value *v) REQUIRES(&s->lock);
/* Deletes the hash key e when a command emptied it (announced as "del"). */
void do_hash_delete_if_empty(struct shard *s, const struct key *k, struct entry *e)
    REQUIRES(&s->lock);
/*
 * Redis's hashTypeLookupWriteOrCreate, in two steps so that nothing is
 * inserted before the write succeeds: do_hash_open finds the hash at k for
 * a write (e set, v its value) or makes a new empty one (e NULL), or
 * answers WRONGTYPE / OOM; the caller changes t->v; do_hash_commit stores
 * it: back into e, or inserted when new and not empty (a new empty one is
 * dropped). Returns whether the key now holds the hash, with CMD_ERR_OOM in
 * *result when the insert failed (the value is then released).
 */
struct hash_target {
    struct entry *e;
    struct value v;
};
enum cmd_result do_hash_open(struct shard *s, const struct key *k, int64_t now_ms,
                             struct hash_target *t) REQUIRES(&s->lock);
bool do_hash_commit(struct shard *s, const struct key *k, int64_t now_ms, struct hash_target *t,
                    enum cmd_result *result) REQUIRES(&s->lock);
/* Replies a field or value as a bulk string. */
static inline void reply_hash_bytes(struct reply *r, const struct hash_bytes *b)
{
    reply_bulk(r, b->ptr, b->len);
}

#endif
