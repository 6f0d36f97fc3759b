#include "store/ttl_index.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>

#define TTL_INDEX_MIN_CAP 8

void ttl_index_init(struct ttl_index *ix)
{
    ix->items = NULL;
    ix->count = 0;
    ix->cap = 0;
    ix->cursor = 0;
}

void ttl_index_free(struct ttl_index *ix)
{
    mem_free(ix->items);
    ttl_index_init(ix);
}

static int resize(struct ttl_index *ix, uint32_t cap)
{
    struct entry **items = mem_realloc(ix->items, (size_t)cap * sizeof(*items));
    if (!items)
        return -ENOMEM;
    ix->items = items;
    ix->cap = cap;
    return 0;
}

int ttl_index_reserve(struct ttl_index *ix)
{
    if (ix->count < ix->cap)
        return 0;
    if (ix->cap >= UINT32_MAX / 2)
        return -ENOMEM;
    return resize(ix, ix->cap ? ix->cap * 2 : TTL_INDEX_MIN_CAP);
}

void ttl_index_add(struct ttl_index *ix, struct entry *e)
{
    assert(ix->count < ix->cap);
    assert(e->has_ttl_slot && entry_ttl_index(e) == ENTRY_NO_INDEX);
    entry_set_ttl_index(e, ix->count);
    ix->items[ix->count++] = e;
}

void ttl_index_remove(struct ttl_index *ix, struct entry *e)
{
    uint32_t i = entry_ttl_index(e);
    assert(i < ix->count && ix->items[i] == e);
    struct entry *last = ix->items[--ix->count];
    ix->items[i] = last;
    entry_set_ttl_index(last, i);
    entry_set_ttl_index(e, ENTRY_NO_INDEX);
}

void ttl_index_shrink(struct ttl_index *ix)
{
    if (ix->count == 0) {
        ttl_index_free(ix);
        return;
    }
    /* Give memory back when mostly empty; failing to is harmless. */
    uint32_t cap = ix->cap;
    while (cap > TTL_INDEX_MIN_CAP && ix->count < cap / 4)
        cap /= 2;
    if (cap != ix->cap)
        (void)resize(ix, cap);
}
