/*
 * The store's side of blocking commands (store/block.h is the public one):
 * what a blocking command plugs in, how it registers its client on its keys,
 * and the per-shard registry of keys clients wait on, which the write hook
 * marks ready and serves before the shard lock is released. Private to
 * store/.
 */
#ifndef MAGPIE_STORE_BLOCKING_H
#define MAGPIE_STORE_BLOCKING_H

#include "store/block.h"
#include "store/shard.h"

struct cmd_ctx;

/* What a block_kind's serve found. */
enum block_serve {
    BLOCK_SERVE_DONE,  /* served this waiter */
    BLOCK_SERVE_EMPTY, /* the key has nothing for any waiter now: stop */
    BLOCK_SERVE_SKIP,  /* not for this waiter (another type): try the next */
};

/* What a blocking command plugs in (one static const per command). */
struct block_kind {
    /*
     * Serves block b from key k (argument k_index of its command) if k now
     * holds what b waits for: claims b (block_claim; SKIP when that fails),
     * takes what it waits for (announcing its changes: they are logged as
     * the blocked client's command), writes the client's reply to b->reply,
     * returns DONE. Otherwise changes nothing. Runs on the writer's thread,
     * under s's lock, with b's write log current.
     */
    enum block_serve (*serve)(struct block *b, struct shard *s, const struct key *k, int k_index);
    /* Writes the answer to a wait that timed out. */
    void (*timeout_reply)(struct reply *r);
    /* When a serve left b->carried: finishes the command on the blocked
     * client's own task (no lock held; it takes what it needs), writing
     * the reply to b->ctx->reply. NULL when serving always completes. */
    void (*complete)(struct block *b);
};

/* Whether the running command may block (its session can wait). */
bool cmd_can_block(const struct cmd_ctx *c);

/*
 * Before taking the locks, a blocking command that may have to wait
 * prepares its block: copies its arguments and makes room for a waiter per
 * key. 0 or -ENOMEM (nothing to undo then). block_unprepare undoes it when
 * the command was served at once after all.
 */
int block_prepare(struct cmd_ctx *c, const struct block_kind *kind, uint64_t timeout_ms, int nkeys);
void block_unprepare(struct cmd_ctx *c);

/*
 * Under the key's shard lock, after finding nothing: waiter i of the
 * prepared block waits on key k (argument k_index). The block is WAITING
 * from the first of them, before any lock is released. 0 or -ENOMEM; on
 * failure the caller calls do_block_abort for the shards it registered in,
 * under the same locks.
 */
int do_block_on(struct shard *s, const struct key *k, struct cmd_ctx *c, int i, int k_index)
    REQUIRES(&s->lock);
/* Takes back every waiter of the running command's block (all their shard
 * locks held) and makes the block IDLE again. */
void do_block_abort(struct cmd_ctx *c);

/* WAITING -> SERVING: true when this writer may serve the block. */
bool block_claim(struct block *b);

/* Emits what a blocked command's serving changed (its command record) and
 * clears its write log: command_call's ending, run when the wait ends. */
void command_finish(struct cmd_ctx *c, int db);

/* ---- the registry: struct shard's `blocked` table (store/block_registry.c) ---- */

/* A waiter (one key of one blocked client), linked in its key's FIFO under
 * that shard's lock. */
struct block_waiter {
    struct block_waiter *prev, *next;
    struct blocked_key *key; /* NULL: not linked */
    struct shard *shard;
    struct block *block;
    int k_index;
};

/* The table type of struct shard's `blocked` table. */
extern const struct table_type blocked_key_type;
/* Frees what is left in a shard's registry (the shard is being destroyed). */
void blocked_keys_clear(struct shard *s);
int do_block_link(struct shard *s, const struct key *k, struct block_waiter *w) REQUIRES(&s->lock);
void do_block_unlink(struct shard *s, struct block_waiter *w) REQUIRES(&s->lock);
/* The write hook: key (NULL: every key of the shard) was written. */
void do_block_signal(struct shard *s, const char *key, size_t len) REQUIRES(&s->lock);
/* Before the lock is released: serves the waiters of every ready key. */
void do_block_serve(struct shard *s) REQUIRES(&s->lock);
/* The same for several shards held together (a multi-shard guard, EXEC's
 * plan), every ready key in the order it became ready. */
void do_block_serve_all(struct keyspace *ks, const uint32_t *ids, uint32_t n) NO_THREAD_SAFETY;

#endif
