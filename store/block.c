/*
 * A blocked client's life (store/block.h): preparing the block, registering
 * its waiters, the one compare-and-swap that decides how the wait ends, and
 * the end: waiters unlinked, the outcome written to the client's reply.
 */
#include "store/blocking.h"

#include "core/alloc.h"
#include "core/task.h"
#include "store/command.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#define ERR_UNBLOCKED "UNBLOCKED client unblocked via CLIENT UNBLOCK"

void block_init(struct block *b, struct task *task)
{
    memset(b, 0, sizeof(*b));
    atomic_init(&b->state, BLOCK_IDLE);
    b->task = task;
    outbuf_init(&b->out);
    b->reply.out = &b->out;
}

static void block_forget(struct block *b)
{
    bytes_unref(b->carried);
    b->carried = NULL;
    mem_free(b->argv);
    mem_free(b->waiters);
    b->argv = NULL;
    b->waiters = NULL;
    b->argc = b->nwaiters = 0;
    b->kind = NULL;
}

void block_destroy(struct block *b)
{
    assert(!block_pending(b));
    block_forget(b);
    outbuf_free(&b->out);
}

bool cmd_can_block(const struct cmd_ctx *c)
{
    return c->block && !(c->mode & CMD_MODE_NO_BLOCK);
}

int block_prepare(struct cmd_ctx *c, const struct block_kind *kind, uint64_t timeout_ms, int nkeys)
{
    struct block *b = c->block;
    assert(cmd_can_block(c) && block_state(b) == BLOCK_IDLE && nkeys > 0);
    b->argv = resp_args_copy(c->argv, c->argc);
    b->waiters = mem_calloc((size_t)nkeys, sizeof(*b->waiters));
    if (!b->argv || !b->waiters) {
        block_forget(b);
        return -ENOMEM;
    }
    b->argc = c->argc;
    b->nwaiters = nkeys;
    b->kind = kind;
    b->ctx = c;
    atomic_store_explicit(&b->timeout_ms, timeout_ms, memory_order_relaxed);
    b->reply.proto = c->reply->proto;
    return 0;
}

void block_unprepare(struct cmd_ctx *c)
{
    assert(block_state(c->block) == BLOCK_IDLE);
    block_forget(c->block);
}

int do_block_on(struct shard *s, const struct key *k, struct cmd_ctx *c, int i, int k_index)
{
    struct block *b = c->block;
    assert(i >= 0 && i < b->nwaiters);
    struct block_waiter *w = &b->waiters[i];
    w->block = b;
    w->shard = s;
    w->k_index = k_index;
    int rc = do_block_link(s, k, w);
    if (rc == 0 && atomic_load_explicit(&b->state, memory_order_relaxed) == BLOCK_IDLE) {
        /* Every key's lock is held until all are registered, so no writer
         * can meet a waiter of this block before this store is visible to
         * it (it takes one of those locks first). */
        atomic_store_explicit(&b->state, BLOCK_WAITING, memory_order_relaxed);
    }
    return rc;
}

void do_block_abort(struct cmd_ctx *c)
{
    struct block *b = c->block;
    for (int i = 0; i < b->nwaiters; i++) {
        struct block_waiter *w = &b->waiters[i];
        if (w->key) {
            shard_assume_held(w->shard);
            do_block_unlink(w->shard, w);
        }
    }
    atomic_store_explicit(&b->state, BLOCK_IDLE, memory_order_relaxed);
    block_forget(b);
}

bool block_claim(struct block *b)
{
    int waiting = BLOCK_WAITING;
    /* Acquire: the block's fields set when it blocked (under a lock of this
     * shard, which the caller holds) are visible anyway; relaxed suffices
     * for the decision, the release comes with SERVED. */
    return atomic_compare_exchange_strong_explicit(&b->state, &waiting, BLOCK_SERVING,
                                                   memory_order_acquire, memory_order_relaxed);
}

bool block_interrupt(struct block *b, enum block_state to)
{
    assert(to == BLOCK_TIMED_OUT || to == BLOCK_UNBLOCKED || to == BLOCK_UNBLOCKED_ERROR ||
           to == BLOCK_CANCELLED);
    int waiting = BLOCK_WAITING;
    if (!atomic_compare_exchange_strong_explicit(&b->state, &waiting, to, memory_order_acq_rel,
                                                 memory_order_relaxed))
        return false;
    task_wake(b->task);
    return true;
}

/*
 * Unlinks the waiters no writer unlinked, each under its shard's lock. The
 * lock is taken for an unlinked waiter too: the writer that served it wakes
 * the task while still holding that lock, so once this passes, no writer
 * can touch the block, or the task, any more (the session may go).
 */
static void unlink_waiters(struct block *b)
{
    for (int i = 0; i < b->nwaiters; i++) {
        struct block_waiter *w = &b->waiters[i];
        if (!w->shard)
            continue;
        SHARD_GUARD (w->shard) {
            if (w->key)
                do_block_unlink(w->shard, w);
        }
    }
}

void block_finish(struct block *b)
{
    int state = block_state(b);
    assert(state != BLOCK_WAITING && state != BLOCK_SERVING && state != BLOCK_IDLE);
    unlink_waiters(b);
    struct cmd_ctx *c = b->ctx;
    c->argc = b->argc;
    c->argv = b->argv;
    switch (state) {
    case BLOCK_SERVED:
        outbuf_move(c->reply->out, &b->out);
        if (b->carried && b->kind->complete) {
            struct write_log *outer = current_write_log;
            current_write_log = &c->log; /* its changes are the command's */
            b->kind->complete(b);
            current_write_log = outer;
        }
        break;
    case BLOCK_TIMED_OUT:
    case BLOCK_UNBLOCKED:
        b->kind->timeout_reply(c->reply);
        break;
    case BLOCK_UNBLOCKED_ERROR:
        reply_error(c->reply, ERR_UNBLOCKED);
        break;
    default: /* cancelled: nobody to answer */
        break;
    }
    command_finish(c, c->db); /* the record of what serving it changed */
    c->argc = 0;
    c->argv = NULL;
    block_forget(b);
    atomic_store_explicit(&b->state, BLOCK_IDLE, memory_order_relaxed);
}
