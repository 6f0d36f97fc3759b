/*
 * A client session: what Redis calls the client, apart from its socket. It
 * holds the client's state (selected database, protocol, authentication,
 * name, the blocked state of a blocking command, the MULTI queue, the
 * WATCH list and the subscriptions) and runs commands for it. A connection
 * (net/conn.h) embeds one and owns only the socket side: the fd, the request
 * reader, the output chain and the budgets.
 *
 * A session without a socket (session_new) runs any command the same way and
 * collects the replies in its own output chain: that is how an append-only
 * file is loaded, and how EXEC and replication streams will run commands. A
 * blocking command never blocks there; it answers as its non-blocking form.
 *
 * A session is used by one thread at a time: its connection's task, or the
 * caller of a socketless one. Other threads read only the fields marked
 * "shared", as CLIENT LIST does.
 */
#ifndef MAGPIE_NET_SESSION_H
#define MAGPIE_NET_SESSION_H

#include "net/inbox.h"
#include "net/multi.h"
#include "net/tracking.h"
#include "proto/reply.h"
#include "proto/resp.h"
#include "store/block.h"
#include "store/command.h"
#include "store/pubsub.h"
#include "store/watch.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct conn;
struct server;

struct session {
    struct server *server;
    struct conn *conn; /* the socket it came on, or NULL */
    struct cmd_ctx ctx;
    struct reply reply;
    struct outbuf captured; /* where a socketless session's replies collect */
    bool authenticated;
    bool no_evict, no_touch;
    /* CLIENT REPLY: OFF drops every reply; SKIP drops the next command's
     * (reply_skip_next is set by SKIP itself, reply_skip for the command
     * after it). Pushes (pub/sub messages, MONITOR lines) still go out. */
    bool reply_off, reply_skip_next, reply_skip;
    /* A command CLIENT PAUSE holds: a copy (resp_args_copy), run by the
     * connection once the pause lets it (net/pause.h). */
    int postponed_argc;
    struct resp_arg *postponed_argv;
    const struct command *postponed_cmd;
    struct outbuf *reply_out; /* where replies go while a quiet command writes elsewhere */
    /* QUIT, SHUTDOWN, CLIENT KILL of itself: close after this reply. */
    bool close_requested;
    uint64_t id; /* immutable */
    /* A blocking command's wait (store/block.h); only a session with a
     * socket blocks (its connection's task waits). */
    struct block block;
    /* Its pub/sub subscriptions, and the messages other threads deliver
     * to it, which it writes out between commands (net/inbox.h). */
    struct pubsub_subscriber sub;
    struct inbox inbox;
    /* MULTI's queue (net/multi.h) and the keys WATCHed for its EXEC. */
    struct multi multi;
    struct watch_list watch;
    /* MONITOR (net/monitor.h): a session in the server's list of monitors;
     * the links are guarded by that list's lock. The flag is written by the
     * session's thread and also read by CLIENT LIST. */
    ATOMIC(bool) monitor;
    struct session *monitor_prev, *monitor_next;
    /* CLIENT TRACKING (net/tracking.h); its flags are shared. */
    struct session_tracking tracking;

    /* ---- shared: written by the session's thread, read by CLIENT LIST / INFO ---- */
    ATOMIC(int) db;
    ATOMIC(int) resp;
    ATOMIC(const struct command *) last_cmd; /* full name: "client|list" */
    /* Name and library info: written by the session and read by others
     * only under the registry lock. NULL: not set. */
    char *name;
    char *lib_name;
    char *lib_ver;
};

#ifndef __cplusplus /* C++ tests include this header for the layout only */
/* Whether the session is a MONITOR client. */
static inline bool session_monitoring(const struct session *s)
{
    return atomic_load_explicit(&((struct session *)s)->monitor, memory_order_relaxed);
}
#endif

/* The session a command runs for (cmd_ctx->client). */
static inline struct session *session_of(const struct cmd_ctx *ctx)
{
    return (struct session *)ctx->client;
}

/* Sets up a session whose replies go to `out` (its connection's output
 * chain); conn may be NULL. `task` is woken when a wait of the session's
 * ends (NULL: the session never blocks). */
void session_init(struct session *s, struct server *server, struct conn *conn, struct outbuf *out,
                  struct task *task);
/* Releases what session_init and the commands it ran left. */
void session_destroy(struct session *s);

/* A session without a socket: replies collect in session_output(). NULL
 * when out of memory. */
struct session *session_new(struct server *server);
void session_free(struct session *s);
/* Runs one command line (argv[0] the command's name) as a client would,
 * on the calling thread; its reply is appended to session_output(). */
void session_run(struct session *s, int argc, struct resp_arg *argv);
/* The replies collected so far (consume them with outbuf_iov/_consume). */
struct outbuf *session_output(struct session *s);

/*
 * The clock of a batch of commands: read once per command. `mono_ns` is when
 * the next command starts (the previous one's end); wall-clock milliseconds
 * are derived from it and the server's cached offset between the two clocks,
 * so a batch needs one clock read per command, not three.
 */
struct session_clock {
    uint64_t mono_ns;
    uint64_t start_mono_ns;
    int64_t start_unix_ms;
};
void session_clock_start(struct session *s, struct session_clock *clk);

/* Executes one parsed command with Redis's checks in Redis's order (unknown
 * command, arity, authentication); advances clk to its end. */
void session_execute(struct session *s, int argc, struct resp_arg *argv, struct session_clock *clk);

/* Runs one of EXEC's queued commands (its locks held by EXEC's plan),
 * counted in the command statistics like any other. */
void session_run_queued(struct session *s, const struct multi_cmd *q);
/* Leaves MULTI and forgets the WATCHed keys (EXEC, DISCARD, RESET). */
void session_end_transaction(struct session *s);

/* Whether the session listens on a channel or pattern (RESP2 then allows
 * only the pub/sub commands, PING, QUIT and RESET). */
static inline bool session_subscribed(const struct session *s)
{
    return pubsub_count(&s->sub, PUBSUB_CHANNEL) + pubsub_count(&s->sub, PUBSUB_PATTERN) +
               pubsub_count(&s->sub, PUBSUB_SHARD) >
           0;
}
/* Leaves every channel and pattern (RESET, and before the session goes). */
void session_unsubscribe_all(struct session *s);
/* Writes out what other threads delivered to the session (between commands). */
void session_drain_inbox(struct session *s);

/* Applies a new protocol version to the encoder and what CLIENT LIST shows. */
void session_set_protocol(struct session *s, int proto);
/* Marks the session authenticated (AUTH, HELLO AUTH) or not (RESET). */
void session_set_authenticated(struct session *s, bool authenticated);
/* Replaces one of the name fields (name, lib_name, lib_ver) with a copy of
 * bytes (len 0: unset) under the registry lock, where other clients read it.
 * False when out of memory. */
bool session_set_name_field(struct session *s, char **field, const char *bytes, size_t len);

#ifdef __cplusplus
}
#endif
#endif
