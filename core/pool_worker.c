/*
 * The worker loop: pick the next task, run it, settle what it returned.
 *
 * Where a worker looks, in order:
 *   1. every POOL_MAINTENANCE_TICKS turns, the global queue first (so tasks
 *      from outside are not starved by a busy deque) and a non-blocking poll
 *      of the I/O driver (so I/O is not starved by busy workers);
 *   2. the LIFO slot, the task it woke last (it runs next, while its data is
 *      hot), unless the last POOL_LIFO_STREAK_MAX runs already came from there:
 *      two tasks waking each other would otherwise keep everything else out;
 *   3. its own deque (LIFO), then the global queue;
 *   4. other workers' deques, stealing half of a random victim's tasks, if it
 *      may search (see pool_idle.c);
 *   5. otherwise it parks.
 *
 * Where a task goes: spawned on a worker, onto its deque; woken on a worker,
 * into its LIFO slot (the previous occupant moves to the deque); woken by the
 * I/O driver, the first of a poll's tasks into the LIFO slot and the rest to
 * the global queue in the order the events came (see pool_park.c); spawned
 * or woken off the pool, to the global queue; yielded, to the global queue
 * too, behind all the work that is already queued.
 */
#include "core/pool_internal.h"

#include <assert.h>

_Thread_local struct worker *pool__current;

static struct worker *local_worker(const struct pool *p)
{
    struct worker *w = pool__current;
    return w != NULL && w->pool == p ? w : NULL;
}

/* A full deque: move its older half and `t` to the global queue in one go. */
static void spill(struct worker *w, struct task *t)
{
    void *batch[POOL_DEQUE_CAPACITY / 2];
    size_t n = deque_steal_half(&w->deque, batch, ARRAY_SIZE(batch));
    struct task *first = t, *last = t;
    for (size_t i = n; i-- > 0;) {
        struct task *moved = batch[i];
        moved->next = first;
        first = moved;
    }
    inject__push_chain(&w->pool->inject, first, last, n + 1);
}

static void push_local(struct worker *w, struct task *t)
{
    if (!deque_push(&w->deque, t))
        spill(w, t);
    idle__notify(w->pool);
}

void pool__schedule(struct pool *p, struct task *t, bool lifo)
{
    struct worker *w = local_worker(p);
    if (w == NULL) {
        inject__push(&p->inject, t);
        idle__notify(p);
    } else if (lifo && w->polling) {
        /* Woken by the I/O driver: queued in arrival order after the poll
         * (park__flush_poll_batch). */
        t->next = NULL;
        if (w->batch_last != NULL)
            w->batch_last->next = t;
        else
            w->batch_first = t;
        w->batch_last = t;
        w->batch_len++;
    } else if (lifo) {
        /* Not stealable, so no one needs waking unless a task moves out. */
        struct task *previous = w->lifo;
        w->lifo = t;
        if (previous != NULL)
            push_local(w, previous);
    } else {
        push_local(w, t);
    }
}

bool pool__has_stealable_work(struct pool *p)
{
    if (inject__len(&p->inject) > 0)
        return true;
    for (int i = 0; i < p->num_workers; i++) {
        if (deque_len(&p->workers[i].deque) > 0)
            return true;
    }
    return false;
}

static struct task *take_lifo(struct worker *w)
{
    struct task *t = w->lifo;
    w->lifo = NULL;
    w->lifo_streak++;
    return t;
}

static struct task *next_local_task(struct worker *w)
{
    struct pool *p = w->pool;
    struct task *t = NULL;
    if (w->tick % POOL_MAINTENANCE_TICKS == 0)
        t = inject__pop(&p->inject);
    if (t == NULL && w->lifo != NULL && w->lifo_streak < POOL_LIFO_STREAK_MAX)
        return take_lifo(w);
    if (t == NULL)
        t = deque_pop(&w->deque);
    if (t == NULL)
        t = inject__pop(&p->inject);
    if (t == NULL) /* a capped LIFO task still runs when nothing else waits */
        return w->lifo != NULL ? take_lifo(w) : NULL;
    w->lifo_streak = 0;
    return t;
}

static uint32_t random_below(struct worker *w, uint32_t n)
{
    /* xorshift64: cheap, and good enough to spread thieves over victims. */
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return (uint32_t)((x >> 32) % n);
}

/* Steals half of the first non-empty deque, starting at a random victim. */
static struct task *steal_work(struct worker *w)
{
    struct pool *p = w->pool;
    if (!w->searching && !idle__try_start_searching(p, w))
        return NULL;
    uint32_t n = (uint32_t)p->num_workers;
    uint32_t start = random_below(w, n);
    for (uint32_t i = 0; i < n; i++) {
        struct worker *victim = &p->workers[(start + i) % n];
        if (victim == w)
            continue;
        void *batch[POOL_STEAL_BATCH];
        size_t got = deque_steal_half(&victim->deque, batch, ARRAY_SIZE(batch));
        if (got == 0)
            continue;
        counter__add(&w->counters.steals, got);
        /* Keep the rest here, where other thieves can find them again. */
        for (size_t k = 1; k < got; k++) {
            if (!deque_push(&w->deque, batch[k]))
                spill(w, batch[k]);
        }
        return batch[0];
    }
    return inject__pop(&p->inject);
}

static void run_task(struct worker *w, struct task *t)
{
    if (w->searching)
        idle__stop_searching(w->pool, w);
    lock_assert_none_held("a pool worker picking up a task");
    task__start_run(t);
    counter__add(&w->counters.tasks_run, 1);
    if (t->last_worker >= 0 && t->last_worker != w->index)
        counter__add(&w->counters.migrations, 1);
    t->last_worker = w->index;

    switch (t->fn(t)) {
    case TASK_PENDING:
        if (task__settle_pending(t))
            pool__schedule(w->pool, t, true); /* woken while it ran */
        break;
    case TASK_YIELDED:
        task__settle_yielded(t);
        inject__push(&w->pool->inject, t);
        idle__notify(w->pool);
        break;
    case TASK_DONE:
        task__finish(t); /* t may be gone after this */
        break;
    default:
        assert(!"a task returned an unknown status");
    }
}

void *worker__main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    pool__current = w;
    /* acquire: pairs with pool_destroy's release store. */
    while (!atomic_load_explicit(&p->shutdown, memory_order_acquire)) {
        w->tick++;
        if (w->tick % POOL_MAINTENANCE_TICKS == 0)
            park__poll_driver_now(p, w);
        struct task *t = next_local_task(w);
        if (t == NULL)
            t = steal_work(w);
        if (t != NULL)
            run_task(w, t);
        else
            idle__park(p, w);
    }
    pool__current = NULL;
    return NULL;
}
