/*
 * Chase-Lev deque, after "Correct and Efficient Work-Stealing for Weak Memory
 * Models" (Le, Pop, Cohen, Zappa Nardelli, PPoPP 2013), with one change: the
 * paper's standalone fences are folded into the orderings of the operations
 * themselves, because ThreadSanitizer does not model atomic_thread_fence and
 * would report the item hand-off as a race.
 *
 * The one subtle race is between the owner's pop and a thief's steal of the
 * last item. Both sides announce themselves and then look at the other:
 *   pop:   store bottom = b - 1 (seq_cst), then load top  (seq_cst)
 *   steal: load top (seq_cst),             then load bottom (seq_cst)
 * All four are seq_cst, so they are totally ordered and at least one side
 * sees the other: either the thief sees the lowered bottom and backs off,
 * or the owner sees that the item may be contended (top == b) and settles
 * it with a CAS on top, like a thief.
 */
#include "core/deque.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>

int deque_init(struct deque *d, size_t capacity)
{
    if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        return -EINVAL;
    d->ring = mem_calloc(capacity, sizeof(*d->ring));
    if (d->ring == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < capacity; i++)
        atomic_init(&d->ring[i], NULL);
    d->mask = (int64_t)capacity - 1;
    atomic_init(&d->top, 0);
    atomic_init(&d->bottom, 0);
    return 0;
}

void deque_destroy(struct deque *d)
{
    mem_free((void *)d->ring);
    d->ring = NULL;
}

size_t deque_capacity(const struct deque *d)
{
    return (size_t)d->mask + 1;
}

static inline ATOMIC(void *) * slot(const struct deque *d, int64_t index)
{
    return &d->ring[index & d->mask];
}

bool deque_push(struct deque *d, void *item)
{
    assert(item != NULL);
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed); /* only we write it */
    /* acquire: pairs with the release half of a thief's CAS on top, so the
     * thief's read of the slot we may now overwrite happened before. */
    int64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    if (b - t > d->mask)
        return false;
    atomic_store_explicit(slot(d, b), item, memory_order_relaxed);
    /* seq_cst (a release would do for the deque alone): publishes the slot to
     * thieves, whose seq_cst load of bottom acquires it. seq_cst also orders
     * this store before the pool's following seq_cst load of its idle state,
     * so a worker going to sleep either is seen by the pusher (and woken) or
     * sees this item when it rechecks the deques (see pool_idle.c). */
    atomic_store_explicit(&d->bottom, b + 1, memory_order_seq_cst);
    return true;
}

void *deque_pop(struct deque *d)
{
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed) - 1;
    /* seq_cst store then seq_cst load of top: the store-load pair that must
     * not be reordered (see the comment at the top of the file). */
    atomic_store_explicit(&d->bottom, b, memory_order_seq_cst);
    int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
    if (t > b) {
        /* Empty. release: keeps every store to bottom a release, so a thief
         * that reads this one still acquires the slots published before. */
        atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
        return NULL;
    }
    void *item = atomic_load_explicit(slot(d, b), memory_order_relaxed); /* our own write */
    if (t < b)
        return item; /* more than one item: no thief can reach index b */
    /* The last item: race the thieves for it. seq_cst: part of the total
     * order argued above; on failure a thief took it. */
    if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        item = NULL;
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release); /* as above */
    return item;
}

void *deque_steal(struct deque *d)
{
    int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
    /* seq_cst: acquires the slots published by the owner's stores to bottom,
     * and is the thief's half of the store-load race with deque_pop. */
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_seq_cst);
    if (t >= b)
        return NULL;
    /* Relaxed: the acquire above made the slot visible. If the owner has
     * since reused the slot, top has moved on and the CAS below fails, so
     * a stale value is never returned. */
    void *item = atomic_load_explicit(slot(d, t), memory_order_relaxed);
    /* seq_cst: the claim. Its release half pairs with the owner's acquire
     * load of top in deque_push (the slot may be reused only after we read
     * it); on failure another thief or the owner's pop took index t. */
    if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return NULL;
    return item;
}

/*
 * Why one CAS per item rather than one CAS claiming [t, t + n): the owner pops
 * without a CAS whenever it sees top < b. A thief that computed n from a
 * bottom it read earlier could claim indices the owner has since popped
 * CAS-free (and maybe pushed again), so both would take the same item. One
 * item at a time keeps the classic argument, which covers only index top.
 */
size_t deque_steal_half(struct deque *d, void **out, size_t max)
{
    size_t len = deque_len(d);
    size_t want = len - len / 2;
    if (want > max)
        want = max;
    size_t got = 0;
    while (got < want) {
        void *item = deque_steal(d);
        if (item == NULL)
            break;
        out[got++] = item;
    }
    return got;
}

size_t deque_len(const struct deque *d)
{
    struct deque *m = (struct deque *)d;
    /* seq_cst, like deque_steal: callers use this to decide whether to go to
     * sleep, which must not miss a push (see pool_idle.c). */
    int64_t t = atomic_load_explicit(&m->top, memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&m->bottom, memory_order_seq_cst);
    return b > t ? (size_t)(b - t) : 0;
}
