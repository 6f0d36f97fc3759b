/*
 * Executing one command for a connection, with Redis's checks in Redis's
 * order: unknown command, unknown subcommand, arity (command_resolve), then
 * authentication; then the handler, timed for INFO commandstats.
 */
#include "net/conn.h"
#include "net/server.h"

#include "core/clock.h"

#include <sys/uio.h>

/*
 * Whether the reply that starts `offset` bytes into the pending output is an
 * error. Looks at a bounded number of segments: a reply behind more than that
 * (a batch of many large values) counts as not failed.
 */
static bool reply_is_error(const struct outbuf *out, size_t offset)
{
    if (outbuf_pending(out) <= offset)
        return false;
    struct iovec iov[16];
    int n = outbuf_iov(out, iov, 16);
    for (int i = 0; i < n; i++) {
        if (offset < iov[i].iov_len)
            return ((const char *)iov[i].iov_base)[offset] == '-';
        offset -= iov[i].iov_len;
    }
    return false;
}

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
    size_t before = outbuf_pending(&c->out);
    uint64_t start = clk->mono_ns;
    cmd->fn(ctx);
    clk->mono_ns = clock_mono_ns();
    uint64_t usec = (clk->mono_ns - start) / 1000;
    bool failed = reply_is_error(&c->out, before);
    stats_count_call(s->stats, entry, usec, failed);
    if (failed)
        count_error(c);
    atomic_store_explicit(&c->db, ctx->db, memory_order_relaxed);
}
