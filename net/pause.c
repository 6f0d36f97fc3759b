/*
 * CLIENT PAUSE's state and its end (net/pause.h).
 */
#include "net/pause.h"
#include "net/conn.h"
#include "net/server.h"
#include "net/session.h"

#include "core/clock.h"
#include "store/keyspace.h"

#include <string.h>

static void pause_deadline(struct reactor_timer *t);

void pause_init(struct client_pause *p)
{
    atomic_init(&p->type, PAUSE_NONE);
    atomic_init(&p->end_ms, 0);
    reactor_timer_init(&p->timer, pause_deadline);
}

/* Wakes every connection whose command waits for the pause (registry lock
 * held: it keeps them alive). */
static void wake_postponed(struct server *s)
{
    LOCK_GUARD (&s->clients.lock) {
        for (struct conn *c = s->clients.head; c; c = c->next)
            /* Seq_cst, as the store of the pause's end before it and the
             * connection's store of `postponed` and load of the pause's
             * type: either it sees the end, or this sees its flag. */
            if (atomic_load_explicit(&c->postponed, memory_order_seq_cst))
                task_wake(&c->task);
    }
}

void pause_clients(struct server *s, enum pause_type type, uint64_t end_ms)
{
    struct client_pause *p = &s->pause;
    uint64_t delay = 0;
    LOCK_GUARD (&s->clients.lock) {
        if ((int)type > atomic_load_explicit(&p->type, memory_order_relaxed))
            atomic_store_explicit(&p->type, type, memory_order_relaxed);
        if (end_ms > atomic_load_explicit(&p->end_ms, memory_order_relaxed))
            atomic_store_explicit(&p->end_ms, end_ms, memory_order_relaxed);
        uint64_t now = clock_mono_ms();
        uint64_t end = atomic_load_explicit(&p->end_ms, memory_order_relaxed);
        delay = end > now ? end - now : 0;
    }
    keyspace_pause_expiry(s->ks, true);
    reactor_timer_start(s->reactor, &p->timer, delay);
}

void unpause_clients(struct server *s)
{
    struct client_pause *p = &s->pause;
    LOCK_GUARD (&s->clients.lock) {
        atomic_store_explicit(&p->type, PAUSE_NONE, memory_order_seq_cst);
        atomic_store_explicit(&p->end_ms, 0, memory_order_relaxed);
    }
    reactor_timer_stop(s->reactor, &p->timer);
    keyspace_pause_expiry(s->ks, false);
    wake_postponed(s);
}

/* On the polling thread: the pause ends, unless it was extended. */
static void pause_deadline(struct reactor_timer *t)
{
    struct server *s = container_of(t, struct server, pause.timer);
    uint64_t end = atomic_load_explicit(&s->pause.end_ms, memory_order_relaxed);
    uint64_t now = clock_mono_ms();
    if (end > now)
        reactor_timer_start(s->reactor, t, end - now);
    else
        unpause_clients(s);
}

/* What a WRITE pause holds: what Redis calls may-replicate. */
static bool may_replicate(const struct command *cmd)
{
    return (cmd->flags & CMD_WRITE) || strcmp(cmd->name, "publish") == 0 ||
           strcmp(cmd->name, "pfcount") == 0;
}

bool pause_holds(struct server *s, const struct session *sess, const struct command *cmd)
{
    /* Seq_cst: see wake_postponed (a plain load on x86). */
    int type = atomic_load_explicit(&s->pause.type, memory_order_seq_cst);
    if (type == PAUSE_NONE || !sess->conn || session_monitoring(sess))
        return false;
    if (clock_mono_ms() >= atomic_load_explicit(&s->pause.end_ms, memory_order_relaxed))
        return false; /* over; the timer is about to say so */
    if (type == PAUSE_ALL)
        return true;
    if (strcmp(cmd->name, "exec") == 0) {
        for (int i = 0; i < sess->multi.count; i++)
            if (may_replicate(sess->multi.cmds[i].cmd))
                return true;
        return false;
    }
    return may_replicate(cmd);
}
