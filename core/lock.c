#include "core/lock.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RANK(cls, index) ((uint64_t)(cls) << 32 | (index))
#define RANK_CLASS(rank) ((enum lock_class)((rank) >> 32))
#define RANK_INDEX(rank) ((uint32_t)(rank))

static const char *const class_names[LOCK_CLASS_COUNT] = {
    [LOCK_CLASS_SHARD] = "shard",         [LOCK_CLASS_CHANNELS] = "channels",
    [LOCK_CLASS_TRACKING] = "tracking",   [LOCK_CLASS_BLOCKED] = "blocked",
    [LOCK_CLASS_CLIENTS] = "clients",     [LOCK_CLASS_MONITORS] = "monitors",
    [LOCK_CLASS_INBOX] = "inbox",         [LOCK_CLASS_SLOWLOG] = "slowlog",
    [LOCK_CLASS_CONFIG] = "config",       [LOCK_CLASS_POOL_INJECT] = "pool-inject",
    [LOCK_CLASS_POOL_IDLE] = "pool-idle",
};

const char *lock_class_name(enum lock_class cls)
{
    return (unsigned)cls < LOCK_CLASS_COUNT && class_names[cls] ? class_names[cls] : "?";
}

#if MAGPIE_LOCK_CHECKS
/*
 * The locks this thread holds, in the order it took them. Each entry also
 * keeps the highest rank at or below it, so the order check is one
 * comparison with the top however the locks were taken (a trylock may put a
 * lower rank above a higher one) and released (in any order). Most threads
 * hold one or two locks; FLUSHALL holds thousands, so the stack moves to the
 * heap past HELD_INLINE entries and back once the thread holds none.
 */
#define HELD_INLINE 32

struct held {
    const struct lock *lock;
    uint64_t max_rank; /* max rank of this entry and every entry below it */
};

static _Thread_local struct held held_inline[HELD_INLINE];
static _Thread_local struct held *held_heap; /* NULL: held_inline is the stack */
static _Thread_local uint32_t held_count, held_cap = HELD_INLINE;
/* Locks taken while the stack could not grow (out of memory): counted, but
 * neither ordered nor named. */
static _Thread_local uint32_t held_untracked;

static inline struct held *held_stack(void)
{
    return held_heap ? held_heap : held_inline;
}

static __attribute__((noreturn, noinline)) void order_violation(const struct lock *l)
{
    /* Name the lock in the way: the one being retaken, else the highest held. */
    const struct held *stack = held_stack();
    const struct lock *worst = stack[0].lock;
    for (uint32_t i = 0; i < held_count; i++) {
        if (stack[i].lock == l || (worst != l && stack[i].lock->rank > worst->rank))
            worst = stack[i].lock;
    }
    /* One call, so that the line is not interleaved with another thread's. */
    fprintf(stderr, "magpie: lock order violation: taking %s#%u while holding %s#%u%s\n",
            lock_class_name(RANK_CLASS(l->rank)), RANK_INDEX(l->rank),
            lock_class_name(RANK_CLASS(worst->rank)), RANK_INDEX(worst->rank),
            worst == l               ? " (the same lock)"
            : worst->rank == l->rank ? " (another lock of the same rank)"
                                     : "");
    abort();
}

/* Aborts unless l ranks above every lock this thread holds. */
static inline void check_order(const struct lock *l)
{
    if (held_count > 0 && unlikely(l->rank <= held_stack()[held_count - 1].max_rank))
        order_violation(l);
}

/* Doubles the stack. False when out of memory. */
static bool grow_stack(void)
{
    uint32_t cap = held_cap * 2;
    struct held *bigger = mem_alloc(cap * sizeof(*bigger));
    if (!bigger)
        return false;
    memcpy(bigger, held_stack(), held_count * sizeof(*bigger));
    mem_free(held_heap);
    held_heap = bigger;
    held_cap = cap;
    return true;
}

static void note_acquired(const struct lock *l)
{
    if (unlikely(held_count == held_cap) && !grow_stack()) {
        held_untracked++;
        return;
    }
    struct held *stack = held_stack();
    uint64_t below = held_count > 0 ? stack[held_count - 1].max_rank : 0;
    stack[held_count] = (struct held){l, l->rank > below ? l->rank : below};
    held_count++;
}

/* Takes l off the stack wherever it is; false when it is not there. */
static bool note_released(const struct lock *l)
{
    struct held *stack = held_stack();
    uint32_t i = held_count;
    while (i > 0 && stack[i - 1].lock != l)
        i--;
    if (i == 0) {
        if (held_untracked == 0)
            return false;
        held_untracked--; /* one of those taken out of memory */
        return true;
    }
    held_count--;
    /* Out of order: close the gap and recompute the maxima above it. */
    for (uint32_t j = i - 1; j < held_count; j++) {
        uint64_t below = j > 0 ? stack[j - 1].max_rank : 0;
        uint64_t rank = stack[j + 1].lock->rank;
        stack[j] = (struct held){stack[j + 1].lock, rank > below ? rank : below};
    }
    if (held_count == 0 && held_heap) {
        mem_free(held_heap);
        held_heap = NULL;
        held_cap = HELD_INLINE;
    }
    return true;
}
#endif

void lock_init(struct lock *l, enum lock_class cls, uint32_t index)
{
    assert((unsigned)cls < LOCK_CLASS_COUNT);
    l->rank = RANK(cls, index);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    /* Adaptive: glibc spins briefly before sleeping, which suits critical
     * sections as short as a hash lookup. Measured against a plain mutex and
     * a hand-written spin-then-futex lock (100 CAS tries, then Drepper's
     * three-state futex lock), 2 and 4 threads hammering an 8-counter
     * critical section, 3 runs each on the shared 2-core machine, Macq/s:
     *   2 threads: normal 12.5-21.0, adaptive 15.0-19.0, spin-park 11.6-24.2
     *   4 threads: normal 14.2-23.0, adaptive 12.9-23.9, spin-park 14.6-15.1
     * No lock won consistently (the spread is the machine's noise), so the
     * custom lock has not earned its complexity: glibc's adaptive mutex it is. */
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&l->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    atomic_init(&l->acquisitions, 0);
    atomic_init(&l->contended, 0);
    atomic_init(&l->wait_ns, 0);
}

void lock_destroy(struct lock *l)
{
    pthread_mutex_destroy(&l->mutex);
}

/* Only the holder writes the counters, so load+store (no RMW) suffices. */
static inline void bump(ATOMIC(uint64_t) * counter, uint64_t by)
{
    uint64_t v = atomic_load_explicit(counter, memory_order_relaxed);
    atomic_store_explicit(counter, v + by, memory_order_relaxed);
}

void lock_acquire(struct lock *l) NO_THREAD_SAFETY
{
#if MAGPIE_LOCK_CHECKS
    check_order(l); /* before blocking: retaking a held lock would hang here */
#endif
    if (pthread_mutex_trylock(&l->mutex) != 0) {
        uint64_t start = clock_mono_ns();
        pthread_mutex_lock(&l->mutex);
        bump(&l->contended, 1);
        bump(&l->wait_ns, clock_mono_ns() - start);
    }
    bump(&l->acquisitions, 1);
#if MAGPIE_LOCK_CHECKS
    note_acquired(l);
#endif
}

bool lock_try_acquire(struct lock *l) NO_THREAD_SAFETY
{
    if (pthread_mutex_trylock(&l->mutex) != 0)
        return false;
    bump(&l->acquisitions, 1);
#if MAGPIE_LOCK_CHECKS
    note_acquired(l);
#endif
    return true;
}

void lock_release(struct lock *l) NO_THREAD_SAFETY
{
#if MAGPIE_LOCK_CHECKS
    if (!note_released(l)) {
        fprintf(stderr, "magpie: lock_release without a held lock\n");
        abort();
    }
#endif
    pthread_mutex_unlock(&l->mutex);
}

void lock_stats(const struct lock *l, struct lock_stats *out)
{
    struct lock *m = (struct lock *)l;
    out->acquisitions = atomic_load_explicit(&m->acquisitions, memory_order_relaxed);
    out->contended = atomic_load_explicit(&m->contended, memory_order_relaxed);
    out->wait_ns = atomic_load_explicit(&m->wait_ns, memory_order_relaxed);
}

void lock_stats_reset(struct lock *l)
{
    LOCK_GUARD (l) {
        atomic_store_explicit(&l->acquisitions, 0, memory_order_relaxed);
        atomic_store_explicit(&l->contended, 0, memory_order_relaxed);
        atomic_store_explicit(&l->wait_ns, 0, memory_order_relaxed);
    }
}

int lock_held_count(void)
{
#if MAGPIE_LOCK_CHECKS
    return (int)(held_count + held_untracked);
#else
    return 0;
#endif
}

void lock_assert_none_held(const char *where)
{
#if MAGPIE_LOCK_CHECKS
    if (lock_held_count() != 0) {
        fprintf(stderr,
                "magpie: %s while holding %d lock(s): a lock must be released before suspending\n",
                where, lock_held_count());
        abort();
    }
#else
    (void)where;
#endif
}
