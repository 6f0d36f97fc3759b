/*
 * A client connection: one task (struct conn embeds struct task) that reads
 * requests into the resp reader's buffer, executes every complete command in
 * order, encodes the replies into its output chain and writes them with one
 * writev per batch. At most one task runs a connection at a time, so commands
 * of one client execute in order and replies leave in order.
 *
 * The task suspends in exactly three ways: waiting for the socket (readable,
 * or writable after a short write), yielding when its per-turn budget of
 * commands or bytes is spent, so one pipelining client cannot starve others,
 * and waiting while a blocking command waits (store/block.h): then it runs
 * none of its later commands, but still notices a hangup.
 * Output above a high-water mark stops input processing until the client
 * reads: a client that does not read costs bounded memory.
 *
 * The client's state (database, protocol, name, ...) is its session
 * (net/session.h); the connection owns the socket side. Other threads see a
 * connection only through the client registry (net/server.h) and only touch
 * the fields marked "shared" below.
 */
#ifndef MAGPIE_NET_CONN_H
#define MAGPIE_NET_CONN_H

#include "core/task.h"
#include "net/config.h"
#include "net/reactor.h"
#include "net/aof.h"
#include "net/session.h"
#include "proto/reply.h"
#include "proto/resp.h"
#include "store/command.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct server;

/* A turn executes at most this many commands or reads this many bytes. */
#define CONN_BUDGET_COMMANDS   512
#define CONN_BUDGET_BYTES      (1024 * 1024)
/* Pending output at which input processing stops until the client reads. */
#define CONN_OUTPUT_HIGH_WATER (1024 * 1024)

#define CONN_ADDR_MAX 128

enum conn_kill_reason {
    CONN_KILL_NONE,
    CONN_KILL_CLIENT,       /* CLIENT KILL */
    CONN_KILL_TIMEOUT,      /* idle `timeout` */
    CONN_KILL_SHUTDOWN,     /* the server is stopping */
    CONN_KILL_OUTPUT_LIMIT, /* a subscriber's queue passed the pub/sub hard limit */
};

struct conn {
    struct task task;
    struct server *server;
    struct reactor_source *source;
    int fd;
    struct session session; /* the client's state: net/session.h */

    /* ---- owned by the task ---- */
    struct resp_reader *reader;
    struct outbuf out;
    uint64_t config_version; /* of the limits applied to the reader */
    bool read_more;          /* the last read filled the buffer: more may wait */
    bool eof;                /* the peer closed its side */
    bool close_after_reply;  /* protocol error, or the session asked (QUIT) */
    bool close_now;          /* I/O error, limits: drop without flushing */
    bool budget_spent;
    int64_t soft_limit_since_ms; /* output above the soft limit since, or 0 */
    uint64_t turn_read_bytes;
    /* appendfsync always: the replies wait for the fsync of this record
     * (net/aof.h); 0 when nothing is held. */
    uint64_t aof_ticket;
    struct aof_waiter aof_wait;

    /* ---- shared: written by the task, read by CLIENT LIST / INFO ---- */
    char addr[CONN_ADDR_MAX];             /* immutable: "127.0.0.1:5000" */
    char laddr[CONN_ADDR_MAX];            /* immutable */
    bool is_unix;                         /* immutable */
    int64_t created_ms;                   /* immutable, monotonic */
    ATOMIC(uint64_t) last_interaction_ms; /* monotonic */
    ATOMIC(uint64_t) qbuf;                /* query bytes buffered */
    ATOMIC(uint64_t) qbuf_cap;            /* query buffer allocated */
    ATOMIC(uint64_t) obl;                 /* output bytes pending */
    ATOMIC(bool) waiting_write;
    ATOMIC(bool) postponed; /* its next command waits for CLIENT PAUSE to end */

    /* ---- shared: set by anyone, acted on by the task ---- */
    ATOMIC(uint32_t) ready; /* REACTOR_* readiness not yet consumed */
    ATOMIC(int) kill;       /* enum conn_kill_reason */
    ATOMIC(bool) idle_timer_armed;
    struct reactor_timer idle_timer;
    struct reactor_timer block_timer; /* a blocked command's deadline */

    /* registry links, under the registry lock */
    struct conn *prev, *next;
};

/* A new connection from the listener (on the polling thread): takes fd. */
void conn_accept(struct server *s, int fd, const struct sockaddr_storage *peer, socklen_t peer_len);

/* After pool_destroy: frees a connection whose task will never run again
 * (through the reactor, like a normal close). */
void conn_discard(struct conn *c);

/* Asks the connection to close (CLIENT KILL, shutdown) and wakes it. Caller
 * holds the registry lock, which keeps c alive. */
void conn_request_kill(struct conn *c, enum conn_kill_reason reason);

/* Arms the idle timer if `timeout` is set and it is not armed. Any thread
 * while c is in the registry (registry lock held) or the task itself. */
void conn_arm_idle_timer(struct conn *c);

/* The connection a command's session came on, or NULL (no socket). */
static inline struct conn *conn_of(const struct cmd_ctx *ctx)
{
    return session_of(ctx)->conn;
}

/* A message was queued in the session's inbox by another thread: wakes the
 * task to write it out (and closes a client whose queue passed the hard
 * output limit of its class: pub/sub for a subscriber's messages, normal
 * for a monitor's lines). */
void conn_inbox_filled(struct conn *c, enum config_client_class cls);

/* Tells the request reader whether the client must authenticate first
 * (Redis's smaller limits before AUTH). */
void conn_require_auth(struct conn *c, bool required);

#endif
