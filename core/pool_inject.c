/*
 * The global injection queue: a FIFO for tasks that enter the pool from
 * outside it (spawned or woken by a non-worker thread), tasks that yielded
 * (they go behind everything else), and the overflow of a full deque.
 *
 * A mutex-protected list is enough: worker-to-worker traffic never comes
 * here, and the length is readable without the lock, so idle workers do not
 * take it just to find the queue empty.
 */
#include "core/pool_internal.h"

void inject__init(struct inject *q)
{
    lock_init(&q->lock, LOCK_CLASS_POOL_INJECT, 0);
    q->head = NULL;
    q->tail = NULL;
    atomic_init(&q->len, 0);
}

void inject__destroy(struct inject *q)
{
    lock_destroy(&q->lock);
}

void inject__push_chain(struct inject *q, struct task *first, struct task *last, size_t n)
{
    last->next = NULL;
    LOCK_GUARD (&q->lock) {
        if (q->tail != NULL)
            q->tail->next = first;
        else
            q->head = first;
        q->tail = last;
        size_t len = atomic_load_explicit(&q->len, memory_order_relaxed);
        /* seq_cst: ordered before the pusher's seq_cst load of the idle state
         * in idle__notify (the store-load pair argued in pool_idle.c). */
        atomic_store_explicit(&q->len, len + n, memory_order_seq_cst);
    }
}

void inject__push(struct inject *q, struct task *t)
{
    inject__push_chain(q, t, t, 1);
}

struct task *inject__pop(struct inject *q)
{
    /* A relaxed peek: a miss is caught by the sleep protocol's recheck. */
    if (atomic_load_explicit(&q->len, memory_order_relaxed) == 0)
        return NULL;
    LOCK_GUARD (&q->lock) {
        struct task *t = q->head;
        if (t == NULL)
            return NULL;
        q->head = t->next;
        if (q->head == NULL)
            q->tail = NULL;
        t->next = NULL;
        size_t len = atomic_load_explicit(&q->len, memory_order_relaxed);
        atomic_store_explicit(&q->len, len - 1, memory_order_relaxed);
        return t;
    }
    return NULL; /* not reached */
}

size_t inject__len(struct inject *q)
{
    /* seq_cst: the sleeper's half of the store-load pair (pool_idle.c). */
    return atomic_load_explicit(&q->len, memory_order_seq_cst);
}
