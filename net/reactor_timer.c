/*
 * The reactor's timers: a binary heap by due time (net/timer_heap.c) under
 * the reactor's lock. Functions of due timers run on the polling thread,
 * with the lock released, so they may re-arm themselves or others.
 */
#include "net/reactor_internal.h"

#include "core/clock.h"

/* Fires every due timer, in due order, with the lock released around each. */
void reactor__run_timers(struct reactor *r)
{
    uint64_t now = clock_mono_ms();
    for (;;) {
        struct reactor_timer *due[TIMER_BATCH];
        int n = 0;
        pthread_mutex_lock(&r->lock);
        struct reactor_timer *t;
        while (n < TIMER_BATCH && (t = timer_heap_peek(&r->timers)) && t->due_ms <= now) {
            timer_heap_remove(&r->timers, t);
            due[n++] = t;
        }
        pthread_mutex_unlock(&r->lock);
        for (int i = 0; i < n; i++)
            due[i]->fn(due[i]);
        stat_add(&r->stats.timers_fired, (uint64_t)n);
        if (n < TIMER_BATCH)
            return;
    }
}

/* The wait for epoll_wait: the caller's limit or the next timer, if sooner.
 * Caller holds r->lock. */
int reactor__wait_ms(struct reactor *r, int timeout_ms, uint64_t now)
{
    struct reactor_timer *next = timer_heap_peek(&r->timers);
    if (next) {
        uint64_t until = next->due_ms > now ? next->due_ms - now : 0;
        if (until > INT32_MAX)
            until = INT32_MAX;
        if (timeout_ms < 0 || (uint64_t)timeout_ms > until)
            timeout_ms = (int)until;
    }
    return timeout_ms;
}

void reactor_timer_init(struct reactor_timer *t, void (*fn)(struct reactor_timer *t))
{
    t->fn = fn;
    t->due_ms = 0;
    t->heap_index = SIZE_MAX;
}

int reactor_timer_start(struct reactor *r, struct reactor_timer *t, uint64_t delay_ms)
{
    int rc = 0;
    bool wake;
    pthread_mutex_lock(&r->lock);
    t->due_ms = clock_mono_ms() + delay_ms;
    if (t->heap_index != SIZE_MAX)
        timer_heap_update(&r->timers, t);
    else
        rc = timer_heap_push(&r->timers, t);
    /* A poll blocked past this timer's due time must wake up to fire it. */
    wake = rc == 0 && r->poll_deadline != 0 && t->due_ms < r->poll_deadline;
    pthread_mutex_unlock(&r->lock);
    if (wake)
        reactor_unpark(r);
    return rc;
}

void reactor_timer_stop(struct reactor *r, struct reactor_timer *t)
{
    pthread_mutex_lock(&r->lock);
    if (t->heap_index != SIZE_MAX)
        timer_heap_remove(&r->timers, t);
    pthread_mutex_unlock(&r->lock);
}

bool reactor_timer_armed(struct reactor *r, struct reactor_timer *t)
{
    pthread_mutex_lock(&r->lock);
    bool armed = t->heap_index != SIZE_MAX;
    pthread_mutex_unlock(&r->lock);
    return armed;
}
