/*
 * Client sessions (net/session.h): their life, their state, and executing
 * one command with Redis's checks in Redis's order: unknown command, unknown
 * subcommand, arity (command_resolve), then authentication; then the
 * handler, timed for INFO commandstats.
 */
#include "net/session.h"
#include "net/aof.h"
#include "net/commands.h"
#include "net/conn.h"
#include "net/persist.h"
#include "net/server.h"
#include "net/latency.h"
#include "net/monitor.h"
#include "net/pause.h"
#include "net/slowlog.h"
#include "net/tracking.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <stdio.h>
#include <string.h>

/* The session running a command on this thread: a message it publishes to
 * itself goes straight into its reply, before PUBLISH's own answer. */
static _Thread_local struct session *running;

/* A publisher on any thread hands a message over (store/pubsub.h). */
static void deliver(struct pubsub_subscriber *sub, struct pubsub_message *m)
{
    struct session *s = container_of(sub, struct session, sub);
    if (s == running) {
        reply_pubsub_message(&s->reply, m);
        return;
    }
    /* A message lost for memory is what Redis does with a client it
     * disconnects for its buffer: this one keeps the rest. */
    inbox_push_delivery(&s->inbox, m);
    if (s->conn)
        conn_inbox_filled(s->conn, CONFIG_CLASS_PUBSUB);
}

void session_init(struct session *s, struct server *server, struct conn *conn, struct outbuf *out,
                  struct task *task)
{
    memset(s, 0, sizeof(*s));
    s->server = server;
    s->conn = conn;
    s->reply.out = out;
    cmd_ctx_init(&s->ctx);
    block_init(&s->block, task);
    pubsub_subscriber_init(&s->sub, deliver);
    inbox_init(&s->inbox);
    multi_init(&s->multi);
    watch_list_init(&s->watch);
    if (task)
        s->ctx.block = &s->block;
    else
        s->ctx.mode |= CMD_MODE_NO_BLOCK;
    s->ctx.ks = server->ks;
    s->ctx.reply = &s->reply;
    s->ctx.client = s;
    s->id = atomic_fetch_add_explicit(&server->clients.next_id, 1, memory_order_relaxed);
    session_set_protocol(s, 2);
    session_set_authenticated(s, !server_auth_required(server));
}

void session_unsubscribe_all(struct session *s)
{
    for (int kind = 0; kind < 3; kind++)
        pubsub_unsubscribe_all(s->server->pubsub, &s->sub, (enum pubsub_kind)kind);
}

void session_drain_inbox(struct session *s)
{
    if (inbox_empty(&s->inbox))
        return;
    /* Pushes go out even while CLIENT REPLY drops the command's replies. */
    struct reply to = {s->reply_out ? s->reply_out : s->reply.out, s->reply.proto};
    inbox_drain(&s->inbox, &to);
}

void session_destroy(struct session *s)
{
    /* First: afterwards no publisher can reach the session. */
    pubsub_subscriber_destroy(s->server->pubsub, &s->sub);
    monitor_stop(s);
    tracking_session_gone(s);
    inbox_destroy(&s->inbox);
    session_end_transaction(s);
    block_destroy(&s->block);
    cmd_ctx_free(&s->ctx);
    mem_free(s->postponed_argv);
    s->postponed_argv = NULL;
    mem_free(s->name);
    mem_free(s->lib_name);
    mem_free(s->lib_ver);
    s->name = s->lib_name = s->lib_ver = NULL;
}

struct session *session_new(struct server *server)
{
    struct session *s = mem_alloc(sizeof(*s));
    if (!s)
        return NULL;
    session_init(s, server, NULL, &s->captured, NULL);
    outbuf_init(&s->captured);
    return s;
}

void session_free(struct session *s)
{
    if (!s)
        return;
    outbuf_free(&s->captured);
    session_destroy(s);
    mem_free(s);
}

struct outbuf *session_output(struct session *s)
{
    return s->reply.out;
}

void session_run(struct session *s, int argc, struct resp_arg *argv)
{
    struct session_clock clk;
    session_clock_start(s, &clk);
    session_execute(s, argc, argv, &clk);
}

void session_set_protocol(struct session *s, int proto)
{
    s->reply.proto = proto;
    atomic_store_explicit(&s->resp, proto, memory_order_relaxed);
}

void session_set_authenticated(struct session *s, bool authenticated)
{
    s->authenticated = authenticated;
    if (s->conn)
        conn_require_auth(s->conn, !authenticated && server_auth_required(s->server));
}

bool session_set_name_field(struct session *s, char **field, const char *bytes, size_t len)
{
    char *copy = NULL;
    if (len) {
        copy = mem_alloc(len + 1);
        if (!copy)
            return false;
        memcpy(copy, bytes, len);
        copy[len] = '\0';
    }
    char *old = NULL;
    LOCK_GUARD (&s->server->clients.lock) {
        old = *field;
        *field = copy;
    }
    mem_free(old);
    return true;
}

void session_end_transaction(struct session *s)
{
    multi_end(&s->multi);
    keyspace_unwatch_all(&s->watch);
}

/* What runs at once inside MULTI rather than being queued. */
static bool runs_inside_multi(const struct command *cmd)
{
    static const char *const immediate[] = {"exec", "discard", "multi", "watch", "quit", "reset"};
    for (size_t i = 0; i < ARRAY_SIZE(immediate); i++)
        if (strcmp(cmd->name, immediate[i]) == 0)
            return true;
    return false;
}

/* What RESP2 allows a subscribed client, as Redis's processCommand lists it. */
static bool allowed_while_subscribed(const struct command *cmd)
{
    static const char *const allowed[] = {"ping",         "subscribe",    "ssubscribe",
                                          "unsubscribe",  "sunsubscribe", "psubscribe",
                                          "punsubscribe", "quit",         "reset"};
    for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
        if (strcmp(cmd->name, allowed[i]) == 0)
            return true;
    return false;
}

static void count_error(struct session *s)
{
    atomic_fetch_add_explicit(&s->server->counters.error_replies, 1, memory_order_relaxed);
}

/* A command refused before running (Redis's rejectCommand), after its
 * error was written: counted, and inside MULTI it dooms the transaction. */
static void rejected(struct session *s, const struct command *cmd)
{
    atomic_store_explicit(&s->last_cmd, cmd, memory_order_relaxed);
    if (cmd)
        stats_count_rejected(s->server->stats, command_index(cmd));
    count_error(s);
    multi_reject(&s->multi);
}

static bool is_exec(const struct command *cmd)
{
    return cmd && strcmp(cmd->name, "exec") == 0;
}

/* Refuses cmd with `msg` (an error line, "ERR ..." or "NOAUTH ..."). EXEC
 * refused answers EXECABORT with the reason, and the transaction ends. */
static void reject(struct session *s, const struct command *cmd, const char *msg)
{
    if (is_exec(cmd)) {
        if (strncmp(msg, "ERR ", 4) == 0)
            msg += 4;
        reply_errorf(&s->reply, "EXECABORT Transaction discarded because of: %s", msg);
        session_end_transaction(s);
    } else {
        reply_error(&s->reply, msg);
    }
    rejected(s, cmd);
}

/* The command a line names, as Redis records it for CLIENT LIST when it
 * refuses the line: a container's subcommand, NULL when unknown. */
static const struct command *named_command(int argc, const struct resp_arg *argv)
{
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    if (cmd && cmd->subcommands && argc >= 2)
        return command_find_subcommand(cmd, argv[1].ptr, argv[1].len);
    return cmd;
}

/* Runs cmd (whose arguments are in s->ctx), started at `start`, and counts
 * it; returns when it ended. */
static uint64_t call_counted(struct session *s, const struct command *cmd, uint64_t start)
{
    unsigned long errors_before = s->reply.out->errors;
    running = s;
    tracking_before_command(s, cmd, s->ctx.argc, s->ctx.argv);
    command_call(&s->ctx, cmd);
    running = NULL;
    uint64_t end = clock_mono_ns();
    bool failed = s->reply.out->errors != errors_before;
    stats_count_call(s->server->stats, command_index(cmd), (end - start) / 1000, failed);
    /* A command that blocked is not logged (its wait is not its run time). */
    if (!s->ctx.block || block_state(s->ctx.block) == BLOCK_IDLE) {
        slowlog_record_command(s, cmd, (long long)((end - start) / 1000));
        latency_record_command(s, cmd, (long long)((end - start) / 1000));
    }
    monitor_feed(s, cmd);
    if (failed)
        count_error(s);
    return end;
}

void session_run_queued(struct session *s, const struct multi_cmd *q)
{
    s->ctx.argc = q->argc;
    s->ctx.argv = q->argv;
    call_counted(s, q->cmd, clock_mono_ns());
}

static void queue_command(struct session *s, const struct command *cmd)
{
    if (cmd->flags & CMD_NO_MULTI) {
        reject(s, cmd, "ERR Command not allowed inside a transaction");
        return;
    }
    /* A doomed transaction queues nothing more (Redis's queueMultiCommand:
     * CLIENT LIST's multi= stops counting). */
    if (s->multi.aborted || watch_list_dirty(&s->watch)) {
        reply_simple(&s->reply, "QUEUED");
        return;
    }
    if (multi_queue(&s->multi, cmd, s->ctx.argc, s->ctx.argv) != 0) {
        reject(s, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
        return;
    }
    reply_simple(&s->reply, "QUEUED");
}

void session_clock_start(struct session *s, struct session_clock *clk)
{
    clk->start_mono_ns = clk->mono_ns = clock_mono_ns();
    clk->start_unix_ms = (int64_t)(clk->mono_ns / 1000000) + server_unix_offset_ms(s->server);
}

static void execute(struct session *s, int argc, struct resp_arg *argv, struct session_clock *clk);

/* CLIENT REPLY OFF / SKIP: the command runs with its replies written to a
 * scratch chain that is dropped (CLIENT REPLY ON writes its +OK past it,
 * to reply_out). */
void session_execute(struct session *s, int argc, struct resp_arg *argv, struct session_clock *clk)
{
    bool quiet = s->reply_off || s->reply_skip, skip = s->reply_skip;
    s->reply_skip = false;
    if (!quiet) {
        execute(s, argc, argv, clk);
    } else {
        struct outbuf scratch;
        outbuf_init(&scratch);
        s->reply_out = s->reply.out;
        s->reply.out = &scratch;
        execute(s, argc, argv, clk);
        s->reply.out = s->reply_out;
        s->reply_out = NULL;
        outbuf_free(&scratch);
    }
    /* BCAST batches and FLUSH's null message go out after the reply. */
    tracking_after_command(s, atomic_load_explicit(&s->last_cmd, memory_order_relaxed));
    /* Held by CLIENT PAUSE: it has not run; a SKIP still applies to it. */
    if (s->postponed_argv)
        s->reply_skip = skip;
    /* As Redis's resetClient: SKIP silences the command after it. */
    if (s->reply_skip_next) {
        s->reply_skip = true;
        s->reply_skip_next = false;
    }
}

static void execute(struct session *s, int argc, struct resp_arg *argv, struct session_clock *clk)
{
    struct server *server = s->server;
    struct cmd_ctx *ctx = &s->ctx;
    ctx->argc = argc;
    ctx->argv = argv;
    ctx->now_ms = clk->start_unix_ms + (int64_t)((clk->mono_ns - clk->start_mono_ns) / 1000000);

    /* Unknown command or subcommand, wrong arity: Redis's error, written by
     * command_resolve (EXEC's own arity error aborts the transaction). */
    if (argc != 1 && arg_is(&argv[0], "exec")) {
        reject(s, command_lookup(argv[0].ptr, argv[0].len),
               "ERR wrong number of arguments for 'exec' command");
        return;
    }
    const struct command *cmd = command_resolve(ctx);
    if (!cmd) {
        rejected(s, named_command(argc, argv));
        return;
    }
    /* A protected command comes before authentication, as in Redis. */
    if (strcmp(cmd->name, "debug") == 0 && !session_debug_allowed(s)) {
        reject(s, cmd, DEBUG_NOT_ALLOWED);
        return;
    }
    if (!s->authenticated && server_auth_required(server) && !(cmd->flags & CMD_NO_AUTH)) {
        reject(s, cmd, "NOAUTH Authentication required.");
        return;
    }

    /* A monitor is a replica to Redis, and replicas keep off the keyspace. */
    if (session_monitoring(s) && (cmd->flags & (CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE))) {
        reject(s, cmd, "ERR Replica can't interact with the keyspace");
        return;
    }

    if (s->reply.proto == 2 && session_subscribed(s) && !allowed_while_subscribed(cmd)) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                 "RESET are allowed in this context",
                 cmd->name);
        reject(s, cmd, msg);
        return;
    }

    /* A log that cannot be written refuses what would need it (Redis
     * refuses PING too, as a way to tell clients); so does
     * stop-writes-on-bgsave-error after a failed background save, until a
     * save succeeds. */
    char misconf[192];
    if ((cmd->flags & CMD_WRITE || strcmp(cmd->name, "ping") == 0) &&
        aof_refuses_writes(server, misconf, sizeof(misconf))) {
        reject(s, cmd, misconf);
        return;
    }
    if ((cmd->flags & CMD_WRITE || strcmp(cmd->name, "ping") == 0) &&
        persist_writes_refused(server)) {
        reject(s, cmd, MISCONF_RDB);
        return;
    }
    /* While the data loads, clients may only run what is marked for it;
     * the loader's own session (no socket) replays the log. */
    if (s->conn && !(cmd->flags & CMD_LOADING) && loading_active(&server->loading)) {
        reject(s, cmd, LOADING_ERROR);
        return;
    }

    /* CLIENT PAUSE: the command waits, in its connection's task, with a
     * copy of its arguments (the reader's buffer moves on); as in Redis,
     * even one MULTI would only queue. Out of memory, it runs now. */
    if (pause_holds(server, s, cmd)) {
        struct resp_arg *copy = resp_args_copy(argv, argc);
        if (copy) {
            s->postponed_argv = copy;
            s->postponed_argc = argc;
            s->postponed_cmd = cmd;
            return;
        }
    }

    atomic_store_explicit(&s->last_cmd, cmd, memory_order_relaxed);
    session_drain_inbox(s); /* what arrived before this command answers first */
    if (s->multi.active && !runs_inside_multi(cmd)) {
        queue_command(s, cmd);
        clk->mono_ns = clock_mono_ns();
    } else {
        clk->mono_ns = call_counted(s, cmd, clk->mono_ns);
    }
    atomic_store_explicit(&s->db, ctx->db, memory_order_relaxed);
}
