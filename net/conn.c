/*
 * The connection task: its life from accept to release, and what it waits
 * for between turns (net/conn_turn.c does the reading, executing, writing).
 * The reactor ORs the readiness it saw into c->ready and wakes the task.
 *
 * Teardown order, which is what makes a disconnect mid-command or mid-reply
 * leak nothing and touch nothing freed: the task leaves the registry (no one
 * can find it any more), finishes; on_done hands the socket to reactor_close;
 * the reactor calls conn_release once no event, timer or poll can refer to
 * the connection, and that frees everything.
 */
#include "net/conn.h"
#include "net/monitor.h"
#include "net/pause.h"
#include "net/conn_internal.h"
#include "net/server.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

static void on_socket_event(void *ctx, uint32_t events)
{
    struct conn *c = ctx;
    /* Relaxed: task_wake's release publishes the bits to the task's next run. */
    atomic_fetch_or_explicit(&c->ready, events, memory_order_relaxed);
    task_wake(&c->task);
}

void conn_request_kill(struct conn *c, enum conn_kill_reason reason)
{
    int none = CONN_KILL_NONE;
    atomic_compare_exchange_strong_explicit(&c->kill, &none, (int)reason, memory_order_relaxed,
                                            memory_order_relaxed);
    task_wake(&c->task);
}

static bool killed(const struct conn *c)
{
    return atomic_load_explicit(&c->kill, memory_order_relaxed) != CONN_KILL_NONE;
}

/* Runs on the polling thread. The connection is alive until conn_release,
 * which runs on the same thread and stops this timer first. */
static void idle_timer_fired(struct reactor_timer *t)
{
    struct conn *c = container_of(t, struct conn, idle_timer);
    struct server *s = c->server;
    long long timeout = config_number(s->config, CONFIG_TIMEOUT);
    uint64_t now = clock_mono_ms();
    uint64_t idle = now - atomic_load_explicit(&c->last_interaction_ms, memory_order_relaxed);
    if (block_pending(&c->session.block)) /* a blocked client is not idle (as Redis) */
        idle = 0;
    if (timeout <= 0 || idle > (uint64_t)timeout * 1000) {
        atomic_store_explicit(&c->idle_timer_armed, false, memory_order_relaxed);
        if (timeout > 0)
            conn_request_kill(c, CONN_KILL_TIMEOUT);
        return;
    }
    reactor_timer_start(s->reactor, t, (uint64_t)timeout * 1000 - idle + 1);
}

void conn_arm_idle_timer(struct conn *c)
{
    long long timeout = config_number(c->server->config, CONFIG_TIMEOUT);
    if (timeout <= 0 || atomic_exchange_explicit(&c->idle_timer_armed, true, memory_order_relaxed))
        return;
    if (reactor_timer_start(c->server->reactor, &c->idle_timer, (uint64_t)timeout * 1000 + 1))
        atomic_store_explicit(&c->idle_timer_armed, false, memory_order_relaxed);
}

void conn_require_auth(struct conn *c, bool required)
{
    resp_reader_require_auth(c->reader, required);
}

static bool can_write(const struct conn *c)
{
    return (atomic_load_explicit(&c->ready, memory_order_relaxed) & WRITE_BITS) || killed(c);
}

void conn_inbox_filled(struct conn *c, enum config_client_class cls)
{
    struct config_output_limit l = config_get_output_limit(c->server->config, cls);
    uint64_t pending =
        inbox_bytes(&c->session.inbox) + atomic_load_explicit(&c->obl, memory_order_relaxed);
    if (l.hard_bytes > 0 && pending > (uint64_t)l.hard_bytes)
        conn_request_kill(c, CONN_KILL_OUTPUT_LIMIT); /* wakes it too */
    else
        task_wake(&c->task);
}

static bool can_continue(const struct conn *c)
{
    if (!inbox_empty(&c->session.inbox))
        return true;
    uint32_t ready = atomic_load_explicit(&c->ready, memory_order_relaxed);
    if (outbuf_pending(&c->out) > 0 && (ready & WRITE_BITS))
        return true;
    return (ready & READ_BITS) || killed(c);
}

static bool must_drain(const struct conn *c)
{
    size_t pending = outbuf_pending(&c->out);
    return pending > 0 && (c->close_after_reply || c->eof || pending >= CONN_OUTPUT_HIGH_WATER);
}

/* The blocked command's deadline (on the polling thread; the connection is
 * alive until conn_release, which runs there too). */
static void block_timer_fired(struct reactor_timer *t)
{
    struct conn *c = container_of(t, struct conn, block_timer);
    block_interrupt(&c->session.block, BLOCK_TIMED_OUT);
}

/* Whether a blocked connection stops waiting: its command was decided, or
 * the client went away (it still notices a hangup while blocked). */
static bool wait_over(const struct conn *c)
{
    if (!block_pending(&c->session.block))
        return true;
    uint32_t ready = atomic_load_explicit(&c->ready, memory_order_relaxed);
    return (ready & (REACTOR_HANGUP | REACTOR_ERROR)) || killed(c);
}

/* The client went away (its end of input was read, or the socket says so)
 * or is being closed. */
static bool hung_up(const struct conn *c)
{
    uint32_t ready = atomic_load_explicit(&c->ready, memory_order_relaxed);
    return c->eof || (ready & (REACTOR_HANGUP | REACTOR_ERROR)) || killed(c);
}

static void block_begin(struct conn *c)
{
    uint64_t timeout = atomic_load_explicit(&c->session.block.timeout_ms, memory_order_relaxed);
    /* +1: the timer's clock has millisecond steps; never answer early. */
    if (timeout && reactor_timer_start(c->server->reactor, &c->block_timer, timeout + 1) != 0)
        block_interrupt(&c->session.block, BLOCK_TIMED_OUT); /* no timer: time out now */
}

/* The wait is decided: the reply (served, timed out, unblocked) joins the
 * output, after the replies of the commands before it. */
static void block_end(struct conn *c)
{
    reactor_timer_stop(c->server->reactor, &c->block_timer);
    block_finish(&c->session.block);
    conn__touch(c);
}

static void finish(struct conn *c)
{
    int reason = atomic_load_explicit(&c->kill, memory_order_relaxed);
    if (reason == CONN_KILL_TIMEOUT)
        log_verbose("Closing idle client id=%llu addr=%s", (unsigned long long)c->session.id,
                    c->addr);
    if (reason == CONN_KILL_OUTPUT_LIMIT) {
        log_warning("Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of "
                    "output buffer limits.",
                    (unsigned long long)c->session.id, c->addr);
        atomic_fetch_add_explicit(&c->server->counters.client_output_limit_closes, 1,
                                  memory_order_relaxed);
    }
    session_unsubscribe_all(&c->session); /* no more deliveries for it */
    monitor_stop(&c->session);
    tracking_session_gone(&c->session); /* redirects to it are broken from now */
    conn__publish(c);
    /* The fd itself is closed by the reactor later; let the peer see the
     * end of the connection now. */
    shutdown(c->fd, SHUT_RDWR);
    clients_remove(&c->server->clients, c);
}

static enum task_status conn_run(struct task *t)
{
    struct conn *c = container_of(t, struct conn, task);
    TASK_BEGIN(t);
    while (!killed(c)) {
        conn__turn(c);
        if (c->close_now)
            break;
        if (c->aof_ticket) {
            /* The replies wait until the log holds every change they may
             * show (fsynced under always: group commit, net/aof.h); nothing
             * after them is read meanwhile. */
            if (aof_waiter_add(c->server, &c->aof_wait, t, c->aof_ticket)) {
                TASK_AWAIT(t, aof_waiter_done(&c->aof_wait) || killed(c));
                aof_waiter_remove(c->server, &c->aof_wait);
            }
            if (killed(c))
                break;
            conn__release_held(c);
            continue;
        }
        if (c->session.postponed_argv) {
            /* Seq_cst, with pause_holds' load of the type: either the
             * pause's end is seen here, or net/pause.c's wake sees this
             * flag and wakes us. */
            atomic_store_explicit(&c->postponed, true, memory_order_seq_cst);
            TASK_AWAIT(t, hung_up(c) ||
                              !pause_holds(c->server, &c->session, c->session.postponed_cmd));
            atomic_store_explicit(&c->postponed, false, memory_order_relaxed);
            if (hung_up(c))
                break; /* as in Redis, a client gone while held: its command never runs */
            conn__run_postponed(c);
            continue;
        }
        if (block_active(&c->session.block)) {
            block_begin(c);
            for (;;) {
                TASK_AWAIT(t, wait_over(c) || !inbox_empty(&c->session.inbox));
                if (wait_over(c))
                    break;
                conn__deliver(c);
            }
            /* The client went away (or is killed): nobody to serve. A writer
             * may be serving it at this very moment: then wait for it. */
            block_interrupt(&c->session.block, BLOCK_CANCELLED);
            TASK_AWAIT(t, !block_pending(&c->session.block));
            block_end(c);
            continue;
        }
        if (must_drain(c)) {
            atomic_store_explicit(&c->waiting_write, true, memory_order_relaxed);
            TASK_AWAIT(t, can_write(c));
            atomic_store_explicit(&c->waiting_write, false, memory_order_relaxed);
            continue;
        }
        if (c->close_after_reply || c->eof)
            break;
        if (c->budget_spent) {
            TASK_YIELD(t);
            continue;
        }
        atomic_store_explicit(&c->waiting_write, outbuf_pending(&c->out) > 0, memory_order_relaxed);
        TASK_AWAIT(t, can_continue(c));
    }
    finish(c);
    TASK_END(t);
}

/* Runs on the polling thread once no event or timer can reach c. */
static void conn_release(void *ctx)
{
    struct conn *c = ctx;
    reactor_timer_stop(c->server->reactor, &c->idle_timer);
    reactor_timer_stop(c->server->reactor, &c->block_timer);
    session_destroy(&c->session);
    resp_reader_free(c->reader);
    outbuf_free(&c->out);
    mem_free(c);
}

static void conn_done(struct task *t)
{
    struct conn *c = container_of(t, struct conn, task);
    reactor_close(c->server->reactor, c->source, conn_release);
}

void conn_discard(struct conn *c)
{
    reactor_close(c->server->reactor, c->source, conn_release);
}

/* "ip:port" as Redis prints it ("[::1]:port" for IPv6, "path:0" for unix). */
static void format_address(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
        snprintf(buf, size, "%s:%d", ip, ntohs(in->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
        snprintf(buf, size, "[%s]:%d", ip, ntohs(in6->sin6_port));
    } else {
        const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
        snprintf(buf, size, "%s:0", un->sun_path);
    }
}

static void set_keepalive(int fd, long long interval)
{
    int one = 1, idle = (int)interval, intvl = (int)(interval / 3), count = 3;
    if (intvl == 0)
        intvl = 1;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

static struct conn *conn_new(struct server *s, int fd, const struct sockaddr_storage *peer)
{
    struct conn *c = mem_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    struct resp_limits limits = {
        .max_bulk_len = config_number(s->config, CONFIG_PROTO_MAX_BULK_LEN),
        .max_inline_len = RESP_INLINE_MAX,
    };
    c->config_version = config_version(s->config);
    c->reader = resp_reader_new(&limits);
    if (!c->reader) {
        mem_free(c);
        return NULL;
    }
    c->server = s;
    c->fd = fd;
    outbuf_init(&c->out);
    session_init(&c->session, s, c, &c->out, &c->task);
    c->read_more = true; /* the request may already be waiting */
    c->is_unix = peer->ss_family == AF_UNIX;
    struct sockaddr_storage local;
    socklen_t local_len = sizeof(local);
    format_address(peer, c->addr, sizeof(c->addr));
    if (getsockname(fd, (struct sockaddr *)&local, &local_len) == 0)
        format_address(&local, c->laddr, sizeof(c->laddr));
    if (c->is_unix) /* the peer of a unix socket has no name: Redis shows the path */
        snprintf(c->addr, sizeof(c->addr), "%s", c->laddr);
    c->created_ms = (int64_t)clock_mono_ms();
    conn__touch(c);
    reactor_timer_init(&c->idle_timer, idle_timer_fired);
    reactor_timer_init(&c->block_timer, block_timer_fired);
    task_init(&c->task, conn_run);
    c->task.on_done = conn_done;
    return c;
}

void conn_accept(struct server *s, int fd, const struct sockaddr_storage *peer, socklen_t peer_len)
{
    (void)peer_len;
    if (atomic_load_explicit(&s->state, memory_order_relaxed) != SERVER_RUNNING) {
        close(fd);
        return;
    }
    atomic_fetch_add_explicit(&s->counters.connections_received, 1, memory_order_relaxed);
    /* Only the polling thread adds clients, so the count cannot grow between
     * this check and the add. */
    if (clients_count(&s->clients) >= config_number(s->config, CONFIG_MAXCLIENTS)) {
        static const char msg[] = "-ERR max number of clients reached\r\n";
        ssize_t ignored = write(fd, msg, sizeof(msg) - 1);
        (void)ignored;
        close(fd);
        atomic_fetch_add_explicit(&s->counters.rejected_connections, 1, memory_order_relaxed);
        return;
    }
    long long keepalive = config_number(s->config, CONFIG_TCP_KEEPALIVE);
    if (peer->ss_family != AF_UNIX && keepalive > 0)
        set_keepalive(fd, keepalive);
    struct conn *c = conn_new(s, fd, peer);
    if (!c) {
        log_warning("Out of memory accepting a client");
        close(fd);
        return;
    }
    int rc = reactor_add(s->reactor, fd, REACTOR_READABLE | REACTOR_WRITABLE | REACTOR_EDGE,
                         on_socket_event, c, &c->source);
    if (rc) {
        log_warning("Registering client fd %d: %s", fd, strerror(-rc));
        close(fd);
        resp_reader_free(c->reader);
        mem_free(c);
        return;
    }
    log_verbose("Accepted %s", c->addr);
    clients_add_and_spawn(s, c);
    conn_arm_idle_timer(c);
}
