/*
 * A client connection: one task (struct conn embeds struct task) that reads
 * requests into the resp reader's buffer, executes every complete command in
 * order, encodes the replies into its output chain and writes them with one
 * writev per batch. At most one task runs a connection at a time, so commands
 * of one client execute in order and replies leave in order.
 *
 * The task suspends in exactly two ways: waiting for the socket (readable, or
 * writable after a short write) and yielding when its per-turn budget of
 * commands or bytes is spent, so one pipelining client cannot starve others.
 * Output above a high-water mark stops input processing until the client
 * reads: a client that does not read costs bounded memory.
 *
 * Other threads see a connection only through the client registry
 * (net/clients.h) and only touch the fields marked "shared" below.
 */
#ifndef MAGPIE_NET_CONN_H
#define MAGPIE_NET_CONN_H

#include "core/task.h"
#include "net/reactor.h"
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
    CONN_KILL_CLIENT,   /* CLIENT KILL */
    CONN_KILL_TIMEOUT,  /* idle `timeout` */
    CONN_KILL_SHUTDOWN, /* the server is stopping */
};

struct conn {
    struct task task;
    struct server *server;
    struct reactor_source *source;
    int fd;

    /* ---- owned by the task ---- */
    struct resp_reader *reader;
    struct outbuf out;
    struct reply reply;
    struct cmd_ctx ctx;
    uint64_t config_version; /* of the limits applied to the reader */
    bool read_more;          /* the last read filled the buffer: more may wait */
    bool eof;                /* the peer closed its side */
    bool close_after_reply;  /* QUIT, protocol error, CLIENT KILL of itself */
    bool close_now;          /* I/O error, limits: drop without flushing */
    bool budget_spent;
    bool authenticated;
    bool no_evict, no_touch;
    int64_t soft_limit_since_ms; /* output above the soft limit since, or 0 */
    uint64_t turn_read_bytes;

    /* ---- shared: written by the task, read by CLIENT LIST / INFO ---- */
    uint64_t id;                          /* immutable */
    char addr[CONN_ADDR_MAX];             /* immutable: "127.0.0.1:5000" */
    char laddr[CONN_ADDR_MAX];            /* immutable */
    bool is_unix;                         /* immutable */
    int64_t created_ms;                   /* immutable, monotonic */
    ATOMIC(uint64_t) last_interaction_ms; /* monotonic */
    ATOMIC(int) db;
    ATOMIC(int) resp;
    ATOMIC(const struct command *) last_cmd; /* full name: "client|list" */
    ATOMIC(uint64_t) qbuf;                   /* query bytes buffered */
    ATOMIC(uint64_t) qbuf_cap;               /* query buffer allocated */
    ATOMIC(uint64_t) obl;                    /* output bytes pending */
    ATOMIC(bool) waiting_write;
    /* Name and library info: written by the task and read by others only
     * under the registry lock. NULL: not set. */
    char *name;
    char *lib_name;
    char *lib_ver;

    /* ---- shared: set by anyone, acted on by the task ---- */
    ATOMIC(uint32_t) ready; /* REACTOR_* readiness not yet consumed */
    ATOMIC(int) kill;       /* enum conn_kill_reason */
    ATOMIC(bool) idle_timer_armed;
    struct reactor_timer idle_timer;

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

/*
 * The clock of a batch of commands: read once per command. `mono_ns` is when
 * the next command starts (the previous one's end); wall-clock milliseconds
 * are derived from it and the server's cached offset between the two clocks,
 * so a batch needs one clock read per command, not three.
 */
struct conn_clock {
    uint64_t mono_ns;
    uint64_t start_mono_ns;
    int64_t start_unix_ms;
};
void conn_clock_start(struct conn *c, struct conn_clock *clk);

/* Executes one parsed command (net/conn_exec.c); advances clk to its end. */
void conn_execute(struct conn *c, const struct resp_command *cmd, struct conn_clock *clk);

/* The session the commands in net/ run for (cmd_ctx->client). */
static inline struct conn *conn_of(const struct cmd_ctx *ctx)
{
    return (struct conn *)ctx->client;
}

/* Applies a new protocol version to the encoder and what CLIENT LIST shows. */
void conn_set_protocol(struct conn *c, int proto);
/* Marks the connection authenticated (AUTH, HELLO AUTH) or not (RESET). */
void conn_set_authenticated(struct conn *c, bool authenticated);

#endif
