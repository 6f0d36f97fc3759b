/*
 * A Chase-Lev work-stealing deque: the run queue of one pool worker.
 *
 * The owner pushes and pops at the bottom (LIFO, so a task it just spawned
 * runs next while its data is hot in cache); thieves take from the top (FIFO,
 * so they get the oldest, usually the biggest, pieces of work). The ring is
 * bounded: push fails when it is full and the caller spills elsewhere. Indices
 * are signed 64-bit and never wrap in practice.
 *
 * Only the owner thread may call deque_push and deque_pop; any thread may
 * call deque_steal, deque_steal_half and deque_len. Items are opaque non-NULL
 * pointers; the deque never dereferences them.
 */
#ifndef MAGPIE_CORE_DEQUE_H
#define MAGPIE_CORE_DEQUE_H

#include "core/compiler.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct deque {
    /* Thieves hammer `top` with CAS; the owner writes `bottom` on every
     * push and pop. Separate cache lines keep them from slowing each other. */
    CACHE_ALIGNED ATOMIC(int64_t) top;
    CACHE_ALIGNED ATOMIC(int64_t) bottom;
    CACHE_ALIGNED ATOMIC(void *) * ring;
    int64_t mask; /* capacity - 1 */
};

/* capacity: a power of two >= 2. Returns 0 or -ENOMEM / -EINVAL. */
int deque_init(struct deque *d, size_t capacity);
void deque_destroy(struct deque *d);

size_t deque_capacity(const struct deque *d);

/* Owner only. Returns false (and does nothing) when the deque is full. */
bool deque_push(struct deque *d, void *item);

/* Owner only. The most recently pushed item, or NULL when empty. */
void *deque_pop(struct deque *d);

/* Any thread. The oldest item, or NULL when the deque looked empty or another
 * thief won the race for it. */
void *deque_steal(struct deque *d);

/* Any thread. Takes up to half of the items (rounded up), at most `max`,
 * oldest first, into out[]. Returns how many. */
size_t deque_steal_half(struct deque *d, void **out, size_t max);

/* Any thread. A snapshot; exact only when no one else is using the deque. */
size_t deque_len(const struct deque *d);

#ifdef __cplusplus
}
#endif
#endif
