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

void park__wait(struct pool *p, struct worker *w)
{
    counter__add(&w->counters.parks, 1);
    if (p->has_driver && driver_try_take(p)) {
        if (announce_sleep(w, PARK_IN_DRIVER)) {
            counter__add(&w->counters.polls, 1);
            /* Returns on I/O (which may wake tasks onto this worker) or when
             * park__unpark calls driver.unpark. */
            p->driver.poll(p->driver.ctx, -1);
        }
        consume_wakeup(w);
        driver_give(p);
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
    counter__add(&w->counters.polls, 1);
    p->driver.poll(p->driver.ctx, 0);
    driver_give(p);
}
