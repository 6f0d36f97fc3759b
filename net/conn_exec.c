/*
 * Executing one command for a connection, with Redis's checks in Redis's
 * order: unknown command, unknown subcommand, arity (command_resolve), then
 * authentication; then the handler, timed for INFO commandstats.
 */
#include "net/conn.h"
#include "net/server.h"

#include "core/clock.h"

static void count_error(struct conn *c)
{
    atomic_fetch_add_explicit(&c->server->counters.error_replies, 1, memory_order_relaxed);
}

void conn_clock_start(struct conn *c, struct conn_clock *clk)
{
    clk->start_mono_ns = clk->mono_ns = clock_mono_ns();
    clk->start_unix_ms = (int64_t)(clk->mono_ns / 1000000) + server_unix_offset_ms(c->server);
}

void conn_execute(struct conn *c, const struct resp_command *rc, struct conn_clock *clk)
{
    struct server *s = c->server;
    struct cmd_ctx *ctx = &c->ctx;
    ctx->argc = rc->argc;
    ctx->argv = rc->argv;
    ctx->now_ms = clk->start_unix_ms + (int64_t)((clk->mono_ns - clk->start_mono_ns) / 1000000);

    /* Unknown command or subcommand, wrong arity: Redis's error, written by
     * command_resolve; a known command counts it as rejected. */
    const struct command *cmd = command_resolve(ctx);
    if (!cmd) {
        const struct command *named = command_lookup(rc->argv[0].ptr, rc->argv[0].len);
        if (named)
            stats_count_rejected(s->stats, command_index(named));
        count_error(c);
        return;
    }
    int entry = command_index(cmd);
    if (!c->authenticated && server_auth_required(s) && !(cmd->flags & CMD_NO_AUTH)) {
        reply_error(&c->reply, "NOAUTH Authentication required.");
        stats_count_rejected(s->stats, entry);
        count_error(c);
        return;
    }

    atomic_store_explicit(&c->last_cmd, cmd, memory_order_relaxed);
    unsigned long errors_before = c->out.errors;
    uint64_t start = clk->mono_ns;
    command_call(ctx, cmd);
    clk->mono_ns = clock_mono_ns();
    uint64_t usec = (clk->mono_ns - start) / 1000;
    bool failed = c->out.errors != errors_before;
    stats_count_call(s->stats, entry, usec, failed);
    if (failed)
        count_error(c);
    atomic_store_explicit(&c->db, ctx->db, memory_order_relaxed);
}
