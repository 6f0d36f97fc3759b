/*
 * Client tracking (net/tracking.h): ports, delivering invalidations, the
 * write-hook observer, and what a session does before and after a command.
 */
#include "net/tracking_internal.h"

#include "net/conn.h"
#include "net/server.h"
#include "net/session.h"

#include "core/alloc.h"
#include "store/command.h"
#include "store/events.h"
#include "store/keyspace.h"

#include <stdio.h>
#include <string.h>

/* The client whose command is running on this thread (0: none, as for
 * active expiry), and whether that command ran a FLUSH. */
static _Thread_local uint64_t writer_id;
static _Thread_local bool in_command, flush_pending;

uint64_t tracking_current_writer(void)
{
    return writer_id;
}

bool tracking_in_command(void)
{
    return in_command;
}

struct tracking_port *tracking_port_ref(struct tracking_port *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void tracking_port_unref(struct tracking_port *p)
{
    /* Acq_rel: the last owner sees every other owner's last use. */
    if (!p || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (p->redirect)
        tracking_port_unref(p->redirect);
    lock_destroy(&p->lock);
    mem_free(p);
}

struct tracking_port *tracking_port_of(struct session *s)
{
    struct tracking_port *p = atomic_load_explicit(&s->tracking.port, memory_order_acquire);
    if (p)
        return p == TRACKING_PORT_GONE ? NULL : p;
    p = mem_calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    atomic_init(&p->refs, 1); /* the session's */
    p->id = s->id;
    p->session = s;
    lock_init(&p->lock, LOCK_CLASS_INBOX, (uint32_t)s->id);
    /* Another thread may be creating it too (CLIENT TRACKING REDIRECT to
     * this session); the first wins. Release: the port is complete before
     * anyone else can load it. */
    struct tracking_port *none = NULL;
    if (!atomic_compare_exchange_strong_explicit(&s->tracking.port, &none, p, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        lock_destroy(&p->lock);
        mem_free(p);
        return none == TRACKING_PORT_GONE ? NULL : none;
    }
    return p;
}

void tracking_message_free(struct tracking_message *m)
{
    for (int i = 0; i < 2; i++)
        if (m->framed[i])
            bytes_unref(m->framed[i]);
}

/* The message framed for RESP3 (kind 0) or as a RESP2 pub/sub message. */
static struct bytes *framed(struct tracking_message *m, int kind)
{
    if (m->framed[kind])
        return m->framed[kind];
    static const char head3[] = ">2\r\n$10\r\ninvalidate\r\n";
    static const char head2[] = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
    const char *head = kind ? head2 : head3;
    size_t head_len = kind ? sizeof(head2) - 1 : sizeof(head3) - 1;
    size_t len = head_len + 24;
    for (size_t i = 0; m->keys && i < m->nkeys; i++)
        len += m->lens[i] + 24;
    struct bytes *b = bytes_new(NULL, len);
    if (!b)
        return NULL;
    char *p = b->data;
    memcpy(p, head, head_len);
    p += head_len;
    if (!m->keys) {
        const char *null = kind ? "$-1\r\n" : "_\r\n";
        memcpy(p, null, strlen(null));
        p += strlen(null);
    } else {
        p += sprintf(p, "*%zu\r\n", m->nkeys);
        for (size_t i = 0; i < m->nkeys; i++) {
            p += sprintf(p, "$%zu\r\n", m->lens[i]);
            memcpy(p, m->keys[i], m->lens[i]);
            p += m->lens[i];
            memcpy(p, "\r\n", 2);
            p += 2;
        }
    }
    b->len = (uint32_t)(p - b->data);
    return m->framed[kind] = b;
}

static void push(struct session *s, struct bytes *b)
{
    /* A message lost for memory is what Redis does with a client it
     * disconnects for its buffer. */
    if (b && inbox_push_raw(&s->inbox, b) && s->conn)
        conn_inbox_filled(s->conn, CONFIG_CLASS_NORMAL);
}

static int resp_of(struct session *s)
{
    return atomic_load_explicit(&s->resp, memory_order_relaxed);
}

/* The redirect target is gone: the client learns it (RESP3) and CLIENT
 * LIST shows R. */
static void redirect_broken(struct tracking_port *p, long long redirect_id)
{
    LOCK_GUARD (&p->lock) {
        if (!p->session)
            continue;
        atomic_fetch_or_explicit(&p->session->tracking.flags, TRACKING_BROKEN_REDIR,
                                 memory_order_relaxed);
        if (resp_of(p->session) < 3)
            continue;
        char buf[64];
        int n = snprintf(buf, sizeof(buf), ">2\r\n$21\r\ntracking-redir-broken\r\n:%lld\r\n",
                         redirect_id);
        struct bytes *b = bytes_new(buf, (size_t)n);
        push(p->session, b);
        if (b)
            bytes_unref(b);
    }
}

void tracking_deliver(struct tracking_port *p, struct tracking_message *m)
{
    struct tracking_port *to = NULL;
    long long redirect_id = 0;
    LOCK_GUARD (&p->lock) {
        if (!p->session || !(p->flags & TRACKING_ON))
            continue;
        if (m->writer && m->writer == p->id && (p->flags & TRACKING_NOLOOP))
            continue;
        if (p->redirect) {
            to = tracking_port_ref(p->redirect);
            redirect_id = p->redirect_id;
        } else if (resp_of(p->session) >= 3) {
            /* RESP2 without a redirect has nowhere to receive pushes. */
            push(p->session, framed(m, 0));
        }
    }
    if (!to)
        return;
    bool gone = false;
    LOCK_GUARD (&to->lock) {
        struct session *target = to->session;
        gone = !target;
        if (target && resp_of(target) >= 3)
            push(target, framed(m, 0));
        else if (target && session_subscribed(target))
            push(target, framed(m, 1));
    }
    tracking_port_unref(to);
    if (gone)
        redirect_broken(p, redirect_id);
}

/* FLUSHDB / FLUSHALL: every tracking client gets a null invalidation and
 * the table is emptied, as Redis does. */
static void flush_all(struct tracking *t)
{
    struct tracking_port **ports = NULL;
    uint32_t n = 0;
    LOCK_GUARD (&t->list_lock) {
        ports = t->non ? mem_alloc(t->non * sizeof(*ports)) : NULL;
        for (uint32_t i = 0; ports && i < t->non; i++)
            ports[n++] = tracking_port_ref(t->on[i]);
    }
    struct tracking_message m = {0};
    for (uint32_t i = 0; i < n; i++) {
        tracking_deliver(ports[i], &m);
        tracking_port_unref(ports[i]);
    }
    tracking_message_free(&m);
    mem_free(ports);
    tracking_table_clear(t);
}

/* The write hook (store/events.h): under the key's shard lock, any worker. */
static void on_key_event(void *ctx, const struct key_event *ev)
{
    struct tracking *t = ctx;
    /* A load's keys: Redis invalidates nothing for them (DEBUG RELOAD's
     * flush already told every client). "new" is always followed by the
     * change's own event, which invalidates. */
    if (atomic_load_explicit(&t->live, memory_order_relaxed) == 0 ||
        ev->cls & (NOTIFY_LOADED | NOTIFY_NEW))
        return;
    if (!ev->key) {
        if (strcmp(ev->name, "flush") != 0)
            return;
        /* One event per shard: one null message per command. */
        if (in_command)
            flush_pending = true;
        else
            flush_all(t);
        return;
    }
    /* Redis announces expiries with no client: NOLOOP does not hide them. */
    uint64_t writer = ev->cls == NOTIFY_EXPIRED || ev->cls == NOTIFY_EVICTED ? 0 : writer_id;
    tracking_table_invalidate(t, ev->key, ev->key_len, writer);
    if (atomic_load_explicit(&t->nprefixes, memory_order_relaxed) > 0)
        tracking_bcast_key(t, ev->key, ev->key_len, writer);
}

struct tracking *tracking_new(void)
{
    struct tracking *t = mem_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    tracking_table_init(t);
    lock_init(&t->list_lock, LOCK_CLASS_TRACKING, TRACKING_LIST_LOCK_INDEX);
    return t;
}

void tracking_free(struct tracking *t)
{
    if (!t)
        return;
    tracking_table_destroy(t);
    tracking_prefixes_destroy(t);
    for (uint32_t i = 0; i < t->non; i++)
        tracking_port_unref(t->on[i]);
    mem_free(t->on);
    lock_destroy(&t->list_lock);
    mem_free(t);
}

int tracking_start(struct server *s)
{
    s->tracking->server = s;
    return keyspace_observe_keys(s->ks, on_key_event, s->tracking);
}

void tracking_get_info(struct tracking *t, struct tracking_info *out)
{
    out->clients = atomic_load_explicit(&t->clients, memory_order_relaxed);
    out->keys = atomic_load_explicit(&t->keys, memory_order_relaxed);
    out->items = atomic_load_explicit(&t->items, memory_order_relaxed);
    out->prefixes = atomic_load_explicit(&t->nprefixes, memory_order_relaxed);
}

void tracking_before_command(struct session *s, const struct command *cmd, int argc,
                             const struct resp_arg *argv)
{
    writer_id = s->id;
    in_command = true;
    unsigned flags = session_tracking_flags(&s->tracking);
    if (!(flags & TRACKING_ON) || (flags & TRACKING_BCAST) || !(cmd->flags & CMD_READONLY))
        return;
    /* OPTIN: only after CLIENT CACHING yes; OPTOUT: unless CLIENT CACHING no. */
    if ((flags & TRACKING_OPTIN) && !(flags & TRACKING_CACHING))
        return;
    if ((flags & TRACKING_OPTOUT) && (flags & TRACKING_CACHING))
        return;
    struct tracking_port *p = tracking_port_of(s);
    struct command_key *keys = NULL;
    int n = p ? command_get_keys(cmd, argv, argc, &keys) : 0;
    /* Remembered before the read, so a write racing it on another worker
     * is invalidated after (at worst a needless invalidation). */
    for (int i = 0; i < n; i++)
        tracking_table_remember(s->server->tracking, p, argv[keys[i].pos].ptr,
                                argv[keys[i].pos].len);
    mem_free(keys);
    tracking_table_limit(s->server->tracking,
                         config_number(s->server->config, CONFIG_TRACKING_TABLE_MAX_KEYS));
}

void tracking_after_command(struct session *s, const struct command *cmd)
{
    writer_id = 0;
    in_command = false;
    tracking_bcast_flush();
    if (flush_pending) {
        flush_pending = false;
        flush_all(s->server->tracking);
    }
    unsigned flags = session_tracking_flags(&s->tracking);
    /* CLIENT CACHING lasts for the next command; CLIENT's own subcommands
     * and a transaction's queued ones keep it, as in Redis. */
    if ((flags & TRACKING_CACHING) && !s->multi.active &&
        !(cmd && strncmp(cmd->name, "client|", 7) == 0))
        atomic_fetch_and_explicit(&s->tracking.flags, ~(unsigned)TRACKING_CACHING,
                                  memory_order_relaxed);
}
