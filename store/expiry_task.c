/*
 * The active-expiry task: sleeps until keyspace_expiry_tick() asks for a
 * cycle, then runs it slice by slice with a TASK_YIELD between slices, so a
 * cycle over thousands of shards never keeps a worker from connections for
 * longer than one slice. No lock is held across a yield: each slice takes
 * and releases its shard locks inside LOCK_GUARD scopes (expiry.c), where a
 * TASK_YIELD would not even compile.
 */
#include "store/expiry.h"

#include "core/clock.h"

#include <errno.h>
#include <time.h>

static uint64_t cycle_budget_ns(struct expiry_state *st)
{
    int hz = atomic_load_explicit(&st->hz, memory_order_relaxed);
    if (hz <= 0)
        hz = EXPIRY_DEFAULT_HZ;
    return 1000000000ull / (uint64_t)hz * EXPIRY_CPU_PERCENT / 100;
}

static bool should_stop(struct expiry_state *st)
{
    /* Acquire pairs with the release in keyspace_expiry_stop: nothing to
     * publish today, but keeps the handshake honest if the stopper writes. */
    return atomic_load_explicit(&st->stop, memory_order_acquire);
}

static bool tick_or_stop(struct expiry_state *st)
{
    return atomic_load_explicit(&st->tick_pending, memory_order_acquire) || should_stop(st);
}

/* The test hook's delay: the slice really takes that long, whatever the
 * build, so the observer sees a spike without guessing at speeds. */
static void injected_delay(struct expiry_state *st)
{
    uint32_t ms = atomic_load_explicit(&st->slice_delay_ms, memory_order_relaxed);
    if (ms == 0)
        return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* One slice, timed for the observer. True when the cycle is over. */
static bool timed_slice(struct expiry_state *st)
{
    uint64_t start = st->slice_observer ? clock_mono_ns() : 0;
    bool done = expiry_cycle_slice(st->ks, &st->cycle);
    injected_delay(st);
    if (st->slice_observer)
        st->slice_observer(st->slice_observer_ctx, clock_mono_ns() - start);
    return done;
}

static enum task_status expiry_run(struct task *t)
{
    struct expiry_state *st = container_of(t, struct expiry_state, task);
    TASK_BEGIN(t);
    while (!should_stop(st)) {
        TASK_AWAIT(t, tick_or_stop(st));
        if (should_stop(st))
            break;
        /* Ticks that arrive while a cycle runs merge into one more cycle. */
        atomic_store_explicit(&st->tick_pending, false, memory_order_relaxed);
        expiry_cycle_begin(st->ks, &st->cycle, clock_unix_ms(), cycle_budget_ns(st));
        while (!timed_slice(st) && !should_stop(st)) {
            TASK_YIELD(t);
        }
    }
    TASK_END(t);
}

struct task *keyspace_expiry_task(struct keyspace *ks)
{
    struct expiry_state *st = &ks->expiry;
    task_init(&st->task, expiry_run);
    return &st->task;
}

void keyspace_expiry_tick(struct keyspace *ks)
{
    struct expiry_state *st = &ks->expiry;
    /* Release pairs with the acquire in tick_or_stop; task_wake makes sure a
     * task that is running or parked re-checks the flag. */
    atomic_store_explicit(&st->tick_pending, true, memory_order_release);
    task_wake(&st->task);
}

void keyspace_expiry_stop(struct keyspace *ks)
{
    struct expiry_state *st = &ks->expiry;
    atomic_store_explicit(&st->stop, true, memory_order_release);
    task_wake(&st->task);
}

void keyspace_expiry_set_hz(struct keyspace *ks, int hz)
{
    atomic_store_explicit(&ks->expiry.hz, hz, memory_order_relaxed);
}

void keyspace_set_expiry_slice_delay(struct keyspace *ks, uint32_t ms)
{
    atomic_store_explicit(&ks->expiry.slice_delay_ms, ms, memory_order_relaxed);
}

void keyspace_observe_expiry_slices(struct keyspace *ks, void (*fn)(void *ctx, uint64_t ns),
                                    void *ctx)
{
    ks->expiry.slice_observer = fn;
    ks->expiry.slice_observer_ctx = ctx;
}
