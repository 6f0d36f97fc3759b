/*
 * A binary min-heap of reactor timers ordered by due time, with each timer
 * remembering its position so that stopping or re-arming one is O(log n).
 * No locking: the reactor guards it.
 */
#ifndef MAGPIE_NET_TIMER_HEAP_H
#define MAGPIE_NET_TIMER_HEAP_H

#include "net/reactor.h"

#include <stddef.h>

struct timer_heap {
    struct reactor_timer **items;
    size_t count;
    size_t capacity;
};

void timer_heap_init(struct timer_heap *h);
void timer_heap_free(struct timer_heap *h);
/* Inserts t (not in the heap) by t->due_ms. Returns 0 or -ENOMEM. */
int timer_heap_push(struct timer_heap *h, struct reactor_timer *t);
/* Removes t (in the heap). */
void timer_heap_remove(struct timer_heap *h, struct reactor_timer *t);
/* Restores the order after t->due_ms changed (t in the heap). */
void timer_heap_update(struct timer_heap *h, struct reactor_timer *t);
/* The earliest timer, or NULL. */
struct reactor_timer *timer_heap_peek(const struct timer_heap *h);

#endif
