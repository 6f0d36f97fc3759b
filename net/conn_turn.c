/*
 * One turn of a connection: execute what is buffered, read and execute more
 * within the budget, write the replies (one writev per batch of segments),
 * and enforce the query and output buffer limits. The task in conn.c decides
 * what to wait for between turns.
 *
 * Readiness is edge-triggered: the task clears a bit *before* the read or
 * write that consumes it, so an edge that arrives during the syscall is never
 * lost. EPOLLOUT is registered (edge-triggered) from the start, which is the
 * same as arming it after a short write: its edge fires only when a send
 * buffer that filled up drains, and costs no epoll_ctl per short write.
 */
#include "net/conn.h"
#include "net/conn_internal.h"
#include "net/server.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define IOV_BATCH 64

void conn__touch(struct conn *c)
{
    atomic_store_explicit(&c->last_interaction_ms, clock_mono_ms(), memory_order_relaxed);
}

/* CONFIG SET may have changed a limit: apply it before parsing more. */
static void refresh_limits(struct conn *c)
{
    uint64_t version = config_version(c->server->config);
    if (version == c->config_version)
        return;
    c->config_version = version;
    struct resp_limits limits = {
        .max_bulk_len = config_number(c->server->config, CONFIG_PROTO_MAX_BULK_LEN),
        .max_inline_len = RESP_INLINE_MAX,
    };
    resp_reader_set_limits(c->reader, &limits);
    conn_require_auth(c, !c->session.authenticated && server_auth_required(c->server));
}

static void protocol_error(struct conn *c)
{
    if (resp_reader_oom(c->reader)) {
        log_warning("Out of memory parsing a request from client id=%llu addr=%s",
                    (unsigned long long)c->session.id, c->addr);
        c->close_now = true;
        return;
    }
    const char *msg = resp_reader_error(c->reader);
    log_verbose("Protocol error (%s) from client: id=%llu addr=%s", msg,
                (unsigned long long)c->session.id, c->addr);
    reply_error(&c->session.reply, msg);
    atomic_fetch_add_explicit(&c->server->counters.error_replies, 1, memory_order_relaxed);
    c->close_after_reply = true;
}

/* client-output-buffer-limit for the connection's class (normal, or pubsub
 * for a subscriber), checked as Redis does: over the hard limit, or over
 * the soft limit for soft_seconds. */
#define REDIS_REPLY_BUFFER (16 * 1024) /* Redis's PROTO_REPLY_CHUNK_BYTES */

static void check_output_limits(struct conn *c)
{
    /* A subscriber is in the pub/sub class, its queued messages counting. */
    bool pubsub = session_subscribed(&c->session);
    struct config_output_limit l = config_get_output_limit(
        c->server->config, pubsub ? CONFIG_CLASS_PUBSUB : CONFIG_CLASS_NORMAL);
    size_t pending = outbuf_pending(&c->out) + (size_t)inbox_bytes(&c->session.inbox);
    /* Redis counts its reply list, not the 16 KB buffer every client has
     * first: a limit below that never closes a client over one small reply. */
    pending = pending > REDIS_REPLY_BUFFER ? pending - REDIS_REPLY_BUFFER : 0;
    bool over = l.hard_bytes > 0 && pending > (size_t)l.hard_bytes;
    if (l.soft_bytes > 0 && pending > (size_t)l.soft_bytes) {
        int64_t now = (int64_t)clock_mono_ms();
        if (c->soft_limit_since_ms == 0)
            c->soft_limit_since_ms = now;
        else if (now - c->soft_limit_since_ms >= l.soft_seconds * 1000)
            over = true;
    } else {
        c->soft_limit_since_ms = 0;
    }
    if (over && !c->close_now) {
        log_warning("Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of output "
                    "buffer limits.",
                    (unsigned long long)c->session.id, c->addr);
        atomic_fetch_add_explicit(&c->server->counters.client_output_limit_closes, 1,
                                  memory_order_relaxed);
        c->close_now = true;
    }
}

/*
 * Executes buffered commands until the reader needs more input (returns
 * true), or the budget or the output high-water mark says to stop, or the
 * connection is closing (returns false).
 */
static bool run_commands(struct conn *c, int *executed)
{
    struct session_clock clk = {0};
    for (;;) {
        if (c->close_now || c->close_after_reply)
            return false;
        if (*executed >= CONN_BUDGET_COMMANDS ||
            outbuf_pending(&c->out) >= CONN_OUTPUT_HIGH_WATER) {
            c->budget_spent = true;
            return false;
        }
        struct resp_command cmd;
        enum resp_status st = resp_reader_next(c->reader, &cmd);
        if (st == RESP_NEED_MORE)
            return true;
        if (st == RESP_ERROR) {
            protocol_error(c);
            return false;
        }
        if (clk.start_mono_ns == 0)
            session_clock_start(&c->session, &clk);
        session_execute(&c->session, cmd.argc, cmd.argv, &clk);
        (*executed)++;
        /* CLIENT PAUSE holds it: nothing after it runs until it has
         * (net/conn.c waits). */
        if (c->session.postponed_argv)
            return false;
        if (c->session.close_requested)
            c->close_after_reply = true;
        /* A command that blocked: nothing after it runs until the wait ends
         * (net/conn.c waits). */
        if (block_active(&c->session.block))
            return false;
        if (reply_oom(&c->session.reply)) {
            log_warning("Out of memory replying to client id=%llu addr=%s",
                        (unsigned long long)c->session.id, c->addr);
            c->close_now = true;
        }
        check_output_limits(c);
    }
}

/* One read into the reader's space. Returns bytes read, 0 when nothing is
 * available now, -1 when the connection is over (EOF, error, limits). */
static ssize_t read_some(struct conn *c)
{
    uint32_t ready = atomic_load_explicit(&c->ready, memory_order_relaxed);
    if (!c->read_more && !(ready & READ_BITS))
        return 0;
    /* Consumed before the read, so an edge during it is not lost. */
    uint32_t seen = atomic_fetch_and_explicit(&c->ready, ~READ_BITS, memory_order_relaxed);
    char *space;
    size_t len;
    if (resp_reader_space(c->reader, &space, &len) < 0) {
        log_warning("Out of memory reading from client id=%llu addr=%s",
                    (unsigned long long)c->session.id, c->addr);
        c->close_now = true;
        return -1;
    }
    ssize_t n;
    do
        n = read(c->fd, space, len);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        resp_reader_commit(c->reader, (size_t)n);
        /* A short read drained the data that was there, and new data brings a
         * new edge; but an end of stream already signalled brings none, so
         * after a hangup keep reading until read() reports it. */
        c->read_more = (size_t)n == len || (seen & (REACTOR_HANGUP | REACTOR_ERROR));
        c->turn_read_bytes += (uint64_t)n;
        conn__touch(c);
        atomic_store_explicit(&c->qbuf, resp_reader_pending(c->reader), memory_order_relaxed);
        atomic_store_explicit(&c->qbuf_cap, resp_reader_capacity(c->reader), memory_order_relaxed);
        long long limit = config_number(c->server->config, CONFIG_CLIENT_QUERY_BUFFER_LIMIT);
        if (resp_reader_pending(c->reader) > (size_t)limit) {
            log_warning("Closing client that reached max query buffer length: id=%llu addr=%s "
                        "(qbuf=%zu)",
                        (unsigned long long)c->session.id, c->addr, resp_reader_pending(c->reader));
            atomic_fetch_add_explicit(&c->server->counters.client_query_limit_closes, 1,
                                      memory_order_relaxed);
            c->close_now = true;
            return -1;
        }
        return n;
    }
    c->read_more = false;
    if (n == 0) {
        c->eof = true;
        return -1;
    }
    if (errno == EAGAIN)
        return 0;
    log_verbose("Reading from client id=%llu addr=%s: %s", (unsigned long long)c->session.id,
                c->addr, strerror(errno));
    c->close_now = true;
    return -1;
}

/* Writes pending output with one writev per batch of segments, until done or
 * the socket is full. */
static void flush(struct conn *c)
{
    uint64_t written = 0;
    while (outbuf_pending(&c->out) > 0 && !c->close_now) {
        struct iovec iov[IOV_BATCH];
        int n = outbuf_iov(&c->out, iov, IOV_BATCH);
        if (n <= 0)
            break;
        size_t want = 0;
        for (int i = 0; i < n; i++)
            want += iov[i].iov_len;
        atomic_fetch_and_explicit(&c->ready, ~REACTOR_WRITABLE, memory_order_relaxed);
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                log_verbose("Error writing to client id=%llu addr=%s: %s",
                            (unsigned long long)c->session.id, c->addr, strerror(errno));
                c->close_now = true;
            }
            break;
        }
        outbuf_consume(&c->out, (size_t)w);
        written += (uint64_t)w;
        if ((size_t)w < want)
            break; /* the socket is full */
    }
    if (written) {
        conn__touch(c);
        stats_count_write(c->server->stats, written);
    }
}

/* What CLIENT LIST and INFO show, published once per turn. */
void conn__publish(struct conn *c)
{
    atomic_store_explicit(&c->qbuf, resp_reader_pending(c->reader), memory_order_relaxed);
    atomic_store_explicit(&c->qbuf_cap, resp_reader_capacity(c->reader), memory_order_relaxed);
    atomic_store_explicit(&c->obl, outbuf_pending(&c->out), memory_order_relaxed);
    if (c->turn_read_bytes) {
        stats_count_read(c->server->stats, c->turn_read_bytes);
        c->turn_read_bytes = 0;
    }
}

/* One turn: execute what is buffered, read and execute more within the
 * budget, then write the replies. */
void conn__turn(struct conn *c)
{
    int executed = 0;
    c->budget_spent = false;
    refresh_limits(c);
    session_drain_inbox(&c->session);
    while (!c->close_now && !c->close_after_reply && !c->eof) {
        if (!run_commands(c, &executed))
            break;
        if (c->turn_read_bytes >= CONN_BUDGET_BYTES) {
            c->budget_spent = true;
            break;
        }
        if (read_some(c) <= 0)
            break;
    }
    if (!conn__aof_holds(c))
        flush(c);
    check_output_limits(c);
    conn__publish(c);
}

bool conn__aof_holds(struct conn *c)
{
    uint64_t t = aof_take_ticket();
    /* Replies wait for every change they may show, not only for the
     * connection's own (net/aof.h). */
    if (t || outbuf_pending(&c->out) > 0) {
        uint64_t seen = aof_visible_ticket(c->server);
        if (seen > t)
            t = seen;
    }
    if (t > c->aof_ticket)
        c->aof_ticket = t;
    /* Under everysec and no, this worker writes the log itself rather than
     * hand the replies to the log's thread and back; under always it only
     * sees whether the fsync has covered them already. */
    if (c->aof_ticket && aof_write_inline(c->server, c->aof_ticket))
        c->aof_ticket = 0;
    return c->aof_ticket != 0;
}

void conn__release_held(struct conn *c)
{
    c->aof_ticket = 0;
    flush(c);
    check_output_limits(c);
    conn__publish(c);
}

void conn__run_postponed(struct conn *c)
{
    struct session *s = &c->session;
    int argc = s->postponed_argc;
    struct resp_arg *argv = s->postponed_argv;
    s->postponed_argv = NULL;
    s->postponed_argc = 0;
    struct session_clock clk;
    session_clock_start(s, &clk);
    session_execute(s, argc, argv, &clk); /* may postpone it again (a new copy) */
    mem_free(argv);
    if (s->close_requested)
        c->close_after_reply = true;
}

void conn__deliver(struct conn *c)
{
    session_drain_inbox(&c->session);
    if (!conn__aof_holds(c))
        flush(c);
    check_output_limits(c);
    conn__publish(c);
}
