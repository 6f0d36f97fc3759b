/*
 * Idle tracking: which workers look for work, which sleep, whom to wake.
 *
 * `state` packs two counts: workers that are awake ("unparked") and, of
 * those, workers that are searching (stealing from others). The rules:
 *   - Queuing a task wakes one sleeper, unless someone is already searching
 *     (they will find it) or no one sleeps. A woken worker starts out
 *     searching, so a burst of tasks wakes one worker, not all of them.
 *   - At most half the workers search at once, so idle workers do not all
 *     hammer the busy ones' deques.
 *   - A searcher that finds work stops searching; if it was the last one, it
 *     wakes another sleeper, which searches in turn: workers ramp up one at a
 *     time while there is work to find.
 *   - A worker that goes to sleep leaving no searcher behind rechecks every
 *     queue first, and wakes someone (possibly itself) if it finds work.
 *
 * Why no wake-up is lost: a pusher stores its task (seq_cst store: deque
 * bottom, or the global queue's length) and then loads `state` (seq_cst). A
 * worker going to sleep updates `state` (seq_cst RMW) and then loads every
 * queue (seq_cst). Four seq_cst accesses are totally ordered, so either the
 * pusher sees the sleeper's update and wakes a sleeper, or the sleeper's
 * recheck sees the task. The search counts follow the same argument: a pusher
 * that skipped the wake because someone searched is covered by the last
 * searcher's recheck. No standalone fences (ThreadSanitizer does not model
 * them), only seq_cst operations.
 *
 * The sleepers list and every change of the unparked count happen under
 * `lock`; it is taken only when a worker falls asleep or is woken, never on
 * the path that runs tasks.
 */
#include "core/pool_internal.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>

#define SEARCHING_ONE 1u
#define UNPARKED_ONE  (1u << 16)

static inline uint32_t num_searching(uint32_t state)
{
    return state & 0xffffu;
}

static inline uint32_t num_unparked(uint32_t state)
{
    return state >> 16;
}

int idle__init(struct idle *idle, int num_workers)
{
    idle->sleepers = mem_calloc((size_t)num_workers, sizeof(*idle->sleepers));
    if (idle->sleepers == NULL)
        return -ENOMEM;
    idle->num_sleepers = 0;
    lock_init(&idle->lock, LOCK_CLASS_POOL_IDLE, 0);
    /* Workers start awake and not searching. */
    atomic_init(&idle->state, (uint32_t)num_workers * UNPARKED_ONE);
    return 0;
}

void idle__destroy(struct idle *idle)
{
    lock_destroy(&idle->lock);
    mem_free(idle->sleepers);
}

static bool should_wake(const struct pool *p, uint32_t state)
{
    return num_searching(state) == 0 && num_unparked(state) < (uint32_t)p->num_workers;
}

void idle__notify(struct pool *p)
{
    struct idle *idle = &p->idle;
    /* seq_cst: the pusher's load, after its seq_cst store of the task (see
     * the top of the file). */
    if (!should_wake(p, atomic_load_explicit(&idle->state, memory_order_seq_cst)))
        return;
    struct worker *wake = NULL;
    LOCK_GUARD (&idle->lock) {
        /* Someone may have woken a worker meanwhile. */
        if (!should_wake(p, atomic_load_explicit(&idle->state, memory_order_relaxed)) ||
            idle->num_sleepers == 0)
            break;
        wake = &p->workers[idle->sleepers[--idle->num_sleepers]];
        wake->sleeping = false;
        /* It wakes up searching. seq_cst: keeps every update of state in the
         * single order the protocol relies on. */
        atomic_fetch_add_explicit(&idle->state, UNPARKED_ONE + SEARCHING_ONE, memory_order_seq_cst);
    }
    if (wake != NULL)
        park__unpark(p, wake);
}

bool idle__try_start_searching(struct pool *p, struct worker *w)
{
    struct idle *idle = &p->idle;
    assert(!w->searching);
    uint32_t state = atomic_load_explicit(&idle->state, memory_order_relaxed);
    do {
        if (2 * num_searching(state) >= (uint32_t)p->num_workers)
            return false;
        /* seq_cst: a searcher's count must be visible to pushers before it
         * looks at the queues (the pusher then relies on it). */
    } while (!atomic_compare_exchange_weak_explicit(&idle->state, &state, state + SEARCHING_ONE,
                                                    memory_order_seq_cst, memory_order_relaxed));
    w->searching = true;
    return true;
}

void idle__stop_searching(struct pool *p, struct worker *w)
{
    assert(w->searching);
    w->searching = false;
    /* seq_cst: ordered against pushers' loads of state (see the top). */
    uint32_t prev = atomic_fetch_sub_explicit(&p->idle.state, SEARCHING_ONE, memory_order_seq_cst);
    assert(num_searching(prev) > 0);
    if (num_searching(prev) == 1)
        idle__notify(p); /* the last searcher found work: there may be more */
}

/* Goes on the sleepers list. True when no searcher is left awake. */
static bool fall_asleep(struct pool *p, struct worker *w)
{
    struct idle *idle = &p->idle;
    uint32_t drop = UNPARKED_ONE + (w->searching ? SEARCHING_ONE : 0);
    uint32_t prev = 0;
    w->searching = false;
    LOCK_GUARD (&idle->lock) {
        assert(!w->sleeping && idle->num_sleepers < p->num_workers);
        idle->sleepers[idle->num_sleepers++] = w->index;
        w->sleeping = true;
        /* seq_cst: the sleeper's RMW, before its recheck of the queues. */
        prev = atomic_fetch_sub_explicit(&idle->state, drop, memory_order_seq_cst);
    }
    return num_searching(prev - drop) == 0;
}

/* Woken by I/O with work in hand: leave the sleepers list unless a notifier
 * already took us off it (then it counted us as searching). */
static void wake_up_with_work(struct pool *p, struct worker *w)
{
    struct idle *idle = &p->idle;
    bool removed = false;
    LOCK_GUARD (&idle->lock) {
        if (!w->sleeping)
            break;
        for (int i = 0; i < idle->num_sleepers; i++) {
            if (idle->sleepers[i] == w->index) {
                idle->sleepers[i] = idle->sleepers[--idle->num_sleepers];
                break;
            }
        }
        w->sleeping = false;
        removed = true;
        atomic_fetch_add_explicit(&idle->state, UNPARKED_ONE, memory_order_seq_cst); /* as above */
    }
    w->searching = !removed;
}

static bool still_asleep(struct pool *p, struct worker *w)
{
    bool sleeping = true;
    LOCK_GUARD (&p->idle.lock) {
        sleeping = w->sleeping;
    }
    return sleeping;
}

static bool has_local_work(const struct worker *w)
{
    return w->lifo != NULL || deque_len(&w->deque) > 0;
}

void idle__park(struct pool *p, struct worker *w)
{
    if (fall_asleep(p, w) && pool__has_stealable_work(p))
        idle__notify(p);
    for (;;) {
        /* acquire: pairs with pool_destroy's release store. */
        if (atomic_load_explicit(&p->shutdown, memory_order_acquire))
            return;
        park__wait(p, w);
        if (has_local_work(w)) {
            wake_up_with_work(p, w);
            return;
        }
        if (!still_asleep(p, w)) {
            w->searching = true; /* the notifier counted us as searching */
            return;
        }
        /* Woken by I/O that brought no task here, or spuriously: sleep on. */
    }
}

void idle__wake_all(struct pool *p)
{
    for (int i = 0; i < p->num_workers; i++)
        park__unpark(p, &p->workers[i]);
}
