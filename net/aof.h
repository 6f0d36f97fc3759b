/*
 * The append-only file, in Redis 7's multi-part layout: a directory
 * (appenddirname) holding a base file, incremental files and a manifest.
 *
 * Every command that changed the keyspace reaches the log as a command record
 * (store/events.h), in canonical form, with the write sequence numbers it
 * took in each shard; expiries arrive as key events and are logged as DEL.
 * Records reach the log in whatever order their workers finished; the log
 * writes them in commit order: a record waits until every earlier number of
 * each of its shards has been written. A dedicated thread writes and fsyncs;
 * under appendfsync always, a connection holds its replies until the fsync
 * that covers every change they may show, its own and those it read
 * (net/conn.c), and one fsync covers every connection that wrote since the
 * last one. Under everysec and no, replies wait for the write() instead.
 *
 * Observers run under shard locks: the log only queues there, under its own
 * mutex, and never does I/O.
 */
#ifndef MAGPIE_NET_AOF_H
#define MAGPIE_NET_AOF_H

#include "core/compiler.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct server;
struct text;
struct task;
struct aof;

/*
 * Start-up, before any client: registers the observers and starts the
 * writer. Returns 0, or -1 with the reason in err (the server must not
 * start).
 */
int aof_start(struct server *s, char *err, size_t errlen);
/*
 * Then, while clients get -LOADING (net/loading.h), with appendonly yes:
 * loads the directory (manifest, base, incremental files) through a
 * socketless session, or creates it, and turns the log on. 0, or -1 with
 * the reason in err.
 */
int aof_load_at_start(struct server *s, char *err, size_t errlen);
/* Shutdown: writes and fsyncs what is queued, stops the thread, frees. */
void aof_stop(struct server *s);

/* appendonly / appendfsync changed (CONFIG SET): turning the log on
 * rewrites a base first, as Redis does. */
void aof_config_changed(struct server *s);
/* The cron: auto-aof-rewrite-percentage / -min-size. */
void aof_cron(struct server *s);
/* BGREWRITEAOF: 0, or -EBUSY (a rewrite is running). */
int aof_rewrite_start(struct server *s);
/* BGREWRITEAOF while a BGSAVE runs: the cron starts it once the save ends
 * (INFO aof_rewrite_scheduled), as Redis does. */
void aof_rewrite_schedule(struct server *s);
bool aof_rewrite_running(struct server *s);

/* INFO persistence's aof_* fields. */
void aof_info(struct server *s, struct text *t);

/* Whether writes are refused (a failed write or fsync under everysec / no);
 * writes Redis's error into buf. */
bool aof_refuses_writes(struct server *s, char *buf, size_t size);

/* EXEC's records are logged inside MULTI ... EXEC: EXEC brackets its
 * queue with these (on the thread that runs it). */
void aof_transaction_begin(void);
void aof_transaction_end(struct server *s);

/*
 * Group commit. The thread that ran a command which wrote leaves the
 * record's ticket here (0: none); a connection takes it after its commands
 * (aof_take_ticket) and, while aof_must_wait says so, holds its replies:
 * it registers a waiter and suspends until aof_waiter_done.
 */
uint64_t aof_take_ticket(void);
bool aof_must_wait(struct server *s, uint64_t ticket);
/*
 * The ticket every change a client may have seen so far is covered by (0:
 * everything is covered already). Replies wait for it too, not only for
 * the connection's own records: a reply must not show another client's
 * change before that change's record is written (fsynced under always), or
 * a crash would take back what a client was shown. Redis gets the same by
 * writing its log before it sends any reply.
 */
uint64_t aof_visible_ticket(struct server *s);

/*
 * Whether `ticket` is covered, after (under everysec and no) running the
 * log's rounds on this thread, a worker at the end of a connection's turn,
 * until it is written, unless another round is under way. Under always the
 * log's thread fsyncs, and this only looks.
 */
bool aof_write_inline(struct server *s, uint64_t ticket);

struct aof_waiter {
    struct task *task;
    uint64_t ticket;
    struct aof_waiter *prev, *next;
    ATOMIC(bool) done; /* set by the writer thread before it wakes the task */
    bool linked;
};
/* False when the ticket is already covered (nothing to wait for). */
bool aof_waiter_add(struct server *s, struct aof_waiter *w, struct task *t, uint64_t ticket);
void aof_waiter_remove(struct server *s, struct aof_waiter *w);
#ifndef __cplusplus
static inline bool aof_waiter_done(const struct aof_waiter *w)
{
    return atomic_load_explicit(&((struct aof_waiter *)w)->done, memory_order_acquire);
}
#endif

#ifdef __cplusplus
}
#endif
#endif
