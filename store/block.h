/*
 * Commands that block: "not now: wait on these keys until this deadline".
 *
 * A blocking command (BLPOP, BLMOVE, BZPOPMIN, ...) that finds nothing to
 * serve registers its client as a waiter on each of its keys, under those
 * keys' shard locks (so no write can slip between the check and the
 * registration), and writes no reply. The session's connection task then
 * suspends on a TASK_AWAIT written out in its own body (net/conn.c), so the
 * compile-time lock rule still holds. While it waits it runs none of its
 * later pipelined commands, as in Redis, but still notices that its peer
 * closed.
 *
 * Served inside the writer's locked section. A write to a key with waiters
 * marks the key ready (the write hook, store/events.h); before the writer's
 * shard lock is released, the waiters of each ready key are served in the
 * order they blocked, by the blocking command's own serve function, on the
 * writer's thread, under the lock: it takes what the client waits for
 * (pops the element) and writes the client's reply into the block. So an
 * element pushed while clients wait goes to the longest waiter, and no other
 * client's command on any worker can take it in between: it needs that lock.
 * Then the waiting task is woken, and may resume on any worker.
 *
 * Exactly once. A block leaves WAITING once, by one compare-and-swap:
 * served (WAITING -> SERVING -> SERVED, the reply written in between),
 * timed out (a reactor timer), unblocked (CLIENT UNBLOCK), or cancelled
 * (the client went away). A waiter whose block is no longer WAITING is
 * skipped by every writer; so a wake-up racing the timeout delivers once.
 *
 * The block belongs to its session (net/session.h) and is used by its task;
 * writers touch it only through a waiter they reach under a shard lock,
 * and a session is freed only after block_release unlinked every waiter
 * (each under its own shard's lock).
 */
#ifndef MAGPIE_STORE_BLOCK_H
#define MAGPIE_STORE_BLOCK_H

#include "core/compiler.h"
#include "proto/reply.h"
#include "proto/resp.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct block_kind;
struct block_waiter;
struct cmd_ctx;
struct task;

enum block_state {
    BLOCK_IDLE,            /* not blocked */
    BLOCK_WAITING,         /* registered on its keys */
    BLOCK_SERVING,         /* a writer claimed it and is writing its reply */
    BLOCK_SERVED,          /* the reply is in `out` */
    BLOCK_TIMED_OUT,       /* the deadline passed */
    BLOCK_UNBLOCKED,       /* CLIENT UNBLOCK ... TIMEOUT: answer as timed out */
    BLOCK_UNBLOCKED_ERROR, /* CLIENT UNBLOCK ... ERROR */
    BLOCK_CANCELLED,       /* the client went away */
};

struct block {
    ATOMIC(int) state; /* enum block_state */
    struct task *task; /* woken when the state leaves WAITING / SERVING */
    /* ---- set when the command blocks (store/block.c) ---- */
    const struct block_kind *kind;
    struct cmd_ctx *ctx; /* the blocked command's context (its session's) */
    /* How long to wait; 0: forever. Read by INFO from other threads. */
    ATOMIC(uint64_t) timeout_ms;
    int argc;              /* the command, copied: the request buffer moves on */
    struct resp_arg *argv; /* one allocation with the bytes */
    int nwaiters;
    struct block_waiter *waiters; /* one per key */
    /* The reply a writer serves it, in the session's protocol. */
    struct outbuf out;
    struct reply reply;
    /* What a writer took for it and its own task still has to deliver
     * (block_kind's complete: BLMOVE into a list on another shard). */
    struct bytes *carried;
};

/* A block that is not blocked; its task is woken on every state change. */
void block_init(struct block *b, struct task *task);
/* After block_release (or if it never blocked). */
void block_destroy(struct block *b);

#ifndef __cplusplus
static inline int block_state(const struct block *b)
{
    /* Acquire: pairs with the release that left WAITING / SERVING, so the
     * reply a writer wrote (out, the context's write log) is visible. */
    return atomic_load_explicit(&((struct block *)b)->state, memory_order_acquire);
}

/* The session's command blocked, and its wait has not been finished yet
 * (block_finish): it may even be decided already, by a writer that served
 * it right after it registered. */
static inline bool block_active(const struct block *b)
{
    return block_state(b) != BLOCK_IDLE;
}

/* The block is waiting or a writer is serving it: not yet decided. */
static inline bool block_pending(const struct block *b)
{
    int st = block_state(b);
    return st == BLOCK_WAITING || st == BLOCK_SERVING;
}
#endif

/*
 * Ends a wait from outside: the deadline (BLOCK_TIMED_OUT), CLIENT UNBLOCK
 * (BLOCK_UNBLOCKED, BLOCK_UNBLOCKED_ERROR) or the client leaving
 * (BLOCK_CANCELLED). From any thread. True when it won (the block was
 * WAITING); false when a writer got there first, or it was not blocked.
 */
bool block_interrupt(struct block *b, enum block_state to);

/*
 * After the wait ended (block_pending false): unlinks the waiters still on
 * their keys (taking each key's shard lock), then writes the outcome to the
 * command's own reply (c->reply): what the writer served, or the command's
 * timeout answer, or CLIENT UNBLOCK's error, and emits the command record of
 * what the serving changed (store/events.h). The block is IDLE after. Not
 * inside a lock (it takes shard locks).
 */
void block_finish(struct block *b);

#ifdef __cplusplus
}
#endif
#endif
