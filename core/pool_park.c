/*
 * One worker's sleep. A parked worker waits either on a futex (its
 * park_state word) or, if it could take the I/O driver, inside
 * driver->poll(-1), so that a lone request is read and run by the thread that
 * saw it. Waking goes through park_state, a sticky flag: an unpark that comes
 * before the worker actually sleeps makes its next park return at once, so a
 * wake-up is never lost between "decided to sleep" and "asleep".
 *
 * Nothing here spins: an idle worker is blocked in the kernel.
 */
#include "core/pool_internal.h"

#include "core/ebr.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

void futex__wait(ATOMIC(uint32_t) * word, uint32_t expected)
{
    /* EINTR, EAGAIN (the word changed): the caller rechecks in a loop. */
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

void futex__wake(ATOMIC(uint32_t) * word, int count)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

static bool driver_try_take(struct pool *p)
{
    bool expected = false;
    /* acquire: pairs with driver_give's release, so one poller's use of the
     * driver happens before the next one's. */
    return !atomic_load_explicit(&p->driver_busy, memory_order_relaxed) &&
           atomic_compare_exchange_strong_explicit(&p->driver_busy, &expected, true,
                                                   memory_order_acquire, memory_order_relaxed);
}

static void driver_give(struct pool *p)
{
    atomic_store_explicit(&p->driver_busy, false, memory_order_release); /* see driver_try_take */
}

/* Moves EMPTY -> `how`. False when a wake-up is already pending. */
static bool announce_sleep(struct worker *w, uint32_t how)
{
    uint32_t expected = PARK_EMPTY;
    /* acq_rel: part of the one modification order of park_state that
     * park__unpark's exchange also joins; see park__unpark. */
    return atomic_compare_exchange_strong_explicit(&w->park_state, &expected, how,
                                                   memory_order_acq_rel, memory_order_acquire);
}

/* Back to EMPTY, consuming a pending wake-up if there is one. */
static void consume_wakeup(struct worker *w)
{
    /* acquire: pairs with the release in park__unpark, so what the waker did
     * before waking us (the pool's shutdown flag, the sleepers list) is seen. */
    atomic_exchange_explicit(&w->park_state, PARK_EMPTY, memory_order_acquire);
}

/*
 * The tasks one poll woke, queued in the order their events came: the first
 * runs next on this worker (a lone request stays on the thread that read it),
 * the rest go to the back of the global queue, where any worker takes them
 * oldest first. Left on this worker's deque they would run newest first, and
 * under a steady stream of I/O the earliest connections of every batch would
 * wait behind all later ones: the deque's LIFO order suits fork-join work,
 * not fairness between clients.
 */
static void flush_poll_batch(struct pool *p, struct worker *w)
{
    struct task *first = w->batch_first, *last = w->batch_last;
    size_t n = w->batch_len;
    w->batch_first = w->batch_last = NULL;
    w->batch_len = 0;
    if (n == 0)
        return;
    struct task *rest = first->next;
    first->next = NULL;
    pool__schedule(p, first, true);
    if (n > 1) {
        inject__push_chain(&p->inject, rest, last, n - 1);
        idle__notify(p);
    }
}

static void poll_driver(struct pool *p, struct worker *w, int timeout_ms)
{
    counter__add(&w->counters.polls, 1);
    w->polling = true;
    p->driver.poll(p->driver.ctx, timeout_ms);
    w->polling = false;
    flush_poll_batch(p, w);
}

void park__wait(struct pool *p, struct worker *w)
{
    counter__add(&w->counters.parks, 1);
    /* What this worker retired must not wait for its next retire, which may
     * be hours away: hand it to the global list that ebr_collect frees. */
    ebr_quiesce();
    if (p->has_driver && driver_try_take(p)) {
        if (announce_sleep(w, PARK_IN_DRIVER)) {
            /* Returns on I/O (which may wake tasks onto this worker) or when
             * park__unpark calls driver.unpark. */
            poll_driver(p, w, -1);
        }
        consume_wakeup(w);
        driver_give(p);
        /* This worker now runs what the poll woke, which may take long
         * (DEBUG SLEEP, a big SORT): wake a sleeper to take over the driver,
         * or no one would read the other connections meanwhile. */
        if (w->lifo != NULL)
            idle__notify(p);
        return;
    }
    if (announce_sleep(w, PARK_ON_FUTEX)) {
        while (atomic_load_explicit(&w->park_state, memory_order_relaxed) == PARK_ON_FUTEX)
            futex__wait(&w->park_state, PARK_ON_FUTEX);
    }
    consume_wakeup(w);
}

void park__unpark(struct pool *p, struct worker *w)
{
    /* release: pairs with consume_wakeup's acquire. Every sleeper first moves
     * park_state EMPTY -> ON_FUTEX/IN_DRIVER by CAS; this exchange either
     * comes before that CAS (the CAS fails and the worker does not sleep) or
     * after it (we see how it sleeps and interrupt exactly that). */
    uint32_t prev = atomic_exchange_explicit(&w->park_state, PARK_NOTIFIED, memory_order_release);
    if (prev == PARK_ON_FUTEX)
        futex__wake(&w->park_state, 1);
    else if (prev == PARK_IN_DRIVER)
        p->driver.unpark(p->driver.ctx);
}

void park__poll_driver_now(struct pool *p, struct worker *w)
{
    if (!p->has_driver || !driver_try_take(p))
        return;
    poll_driver(p, w, 0);
    driver_give(p);
}
