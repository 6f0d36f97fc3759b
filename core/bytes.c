#include "core/bytes.h"

#include "core/alloc.h"

#include <string.h>

struct bytes *bytes_new(const void *src, size_t len)
{
    if (len > BYTES_MAX_LEN)
        return NULL;
    struct bytes *b = mem_alloc(sizeof(*b) + len);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = (uint32_t)len;
    if (src && len)
        memcpy(b->data, src, len);
    return b;
}

struct bytes *bytes_ref(struct bytes *b)
{
    /* Relaxed is enough: a new reference is made from an existing one, whose
     * holder already sees the contents (the std::shared_ptr argument). */
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void bytes_unref(struct bytes *b)
{
    if (!b)
        return;
    /* Release orders this holder's reads of the contents before its
     * decrement; acquire makes every other holder's decrement (and so its
     * reads) happen before the free by whoever drops the last reference.
     * acq_rel on the RMW rather than a separate fence, which ThreadSanitizer
     * does not model. */
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        mem_free(b);
}

uint32_t bytes_refcount(const struct bytes *b)
{
    return atomic_load_explicit(&((struct bytes *)b)->refs, memory_order_relaxed);
}

size_t bytes_alloc_size(size_t len)
{
    return sizeof(struct bytes) + len;
}
