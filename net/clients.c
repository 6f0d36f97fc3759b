/*
 * The client registry: every live connection, for CLIENT LIST / KILL, INFO
 * and shutdown. A connection is in the registry from accept until its task
 * is about to finish; while a caller holds the registry lock, every
 * connection it can reach stays allocated (a connection is freed only after
 * it left the registry and the reactor released it).
 */
#include "net/conn.h"
#include "net/server.h"

#include "core/pool.h"

void clients_init(struct client_registry *r)
{
    lock_init(&r->lock, LOCK_CLASS_CLIENTS, 0);
    r->head = r->tail = NULL;
    atomic_init(&r->next_id, 1);
    atomic_init(&r->count, 0);
}

void clients_destroy(struct client_registry *r)
{
    lock_destroy(&r->lock);
}

void clients_add_and_spawn(struct server *s, struct conn *c)
{
    struct client_registry *r = &s->clients;
    /* Spawning under the lock: nobody can find c (and task_wake it) before it
     * has a pool. */
    LOCK_GUARD (&r->lock) {
        c->next = NULL;
        c->prev = r->tail;
        if (r->tail)
            r->tail->next = c;
        else
            r->head = c;
        r->tail = c;
        atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
        pool_spawn(s->pool, &c->task);
    }
}

void clients_remove(struct client_registry *r, struct conn *c)
{
    LOCK_GUARD (&r->lock) {
        if (c->prev)
            c->prev->next = c->next;
        else
            r->head = c->next;
        if (c->next)
            c->next->prev = c->prev;
        else
            r->tail = c->prev;
        c->prev = c->next = NULL;
        /* Release: the shutdown path reads the count before freeing the pool;
         * everything this connection did before leaving comes first. */
        atomic_fetch_sub_explicit(&r->count, 1, memory_order_release);
    }
}

int clients_count(const struct client_registry *r)
{
    /* Acquire: pairs with the release in clients_remove. */
    return atomic_load_explicit(&r->count, memory_order_acquire);
}

void clients_kill_all(struct client_registry *r, int reason)
{
    LOCK_GUARD (&r->lock) {
        for (struct conn *c = r->head; c; c = c->next)
            conn_request_kill(c, (enum conn_kill_reason)reason);
    }
}

void clients_arm_idle_timers(struct client_registry *r)
{
    LOCK_GUARD (&r->lock) {
        for (struct conn *c = r->head; c; c = c->next)
            conn_arm_idle_timer(c);
    }
}
