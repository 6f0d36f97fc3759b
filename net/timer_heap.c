#include "net/timer_heap.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>

void timer_heap_init(struct timer_heap *h)
{
    h->items = NULL;
    h->count = 0;
    h->capacity = 0;
}

void timer_heap_free(struct timer_heap *h)
{
    for (size_t i = 0; i < h->count; i++)
        h->items[i]->heap_index = SIZE_MAX;
    mem_free(h->items);
    timer_heap_init(h);
}

static void place(struct timer_heap *h, size_t i, struct reactor_timer *t)
{
    h->items[i] = t;
    t->heap_index = i;
}

static void sift_up(struct timer_heap *h, size_t i)
{
    struct reactor_timer *t = h->items[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->items[parent]->due_ms <= t->due_ms)
            break;
        place(h, i, h->items[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(struct timer_heap *h, size_t i)
{
    struct reactor_timer *t = h->items[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->count)
            break;
        if (child + 1 < h->count && h->items[child + 1]->due_ms < h->items[child]->due_ms)
            child++;
        if (t->due_ms <= h->items[child]->due_ms)
            break;
        place(h, i, h->items[child]);
        i = child;
    }
    place(h, i, t);
}

int timer_heap_push(struct timer_heap *h, struct reactor_timer *t)
{
    assert(t->heap_index == SIZE_MAX);
    if (h->count == h->capacity) {
        size_t cap = h->capacity ? h->capacity * 2 : 64;
        struct reactor_timer **items = mem_realloc(h->items, cap * sizeof(*items));
        if (!items)
            return -ENOMEM;
        h->items = items;
        h->capacity = cap;
    }
    place(h, h->count++, t);
    sift_up(h, t->heap_index);
    return 0;
}

void timer_heap_remove(struct timer_heap *h, struct reactor_timer *t)
{
    size_t i = t->heap_index;
    assert(i < h->count && h->items[i] == t);
    t->heap_index = SIZE_MAX;
    struct reactor_timer *last = h->items[--h->count];
    if (i == h->count)
        return;
    place(h, i, last);
    timer_heap_update(h, last);
}

void timer_heap_update(struct timer_heap *h, struct reactor_timer *t)
{
    size_t i = t->heap_index;
    assert(i < h->count && h->items[i] == t);
    if (i > 0 && h->items[(i - 1) / 2]->due_ms > t->due_ms)
        sift_up(h, i);
    else
        sift_down(h, i);
}

struct reactor_timer *timer_heap_peek(const struct timer_heap *h)
{
    return h->count ? h->items[0] : NULL;
}
