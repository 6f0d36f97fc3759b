#include "store/entry.h"

#include "core/alloc.h"
#include "core/ebr.h"
#include "store/lazyfree.h"

#include <assert.h>

/* entry_of casts a node to its entry (and keeps NULL NULL). */
_Static_assert(offsetof(struct entry, node) == 0, "the table node is an entry's first member");
/* The layout entry.h draws: the node costs what the bare link did. */
_Static_assert(sizeof(struct entry) == 24, "an entry without TTL slot is 24 bytes plus its key");

size_t entry_alloc_size(size_t key_len, bool ttl_slot)
{
    return sizeof(struct entry) + (ttl_slot ? ENTRY_TTL_SLOT_SIZE : 0) + key_len;
}

struct entry *entry_new(const char *key, size_t key_len, bool ttl_slot)
{
    if (key_len > ENTRY_KEY_LEN_MAX)
        return NULL;
    struct entry *e = mem_alloc(entry_alloc_size(key_len, ttl_slot));
    if (!e)
        return NULL;
    atomic_init(&e->node.next, NULL);
    atomic_init(&e->payload, 0); /* value_payload.str = NULL */
    e->key_len = (uint32_t)key_len;
    e->has_ttl_slot = ttl_slot;
    atomic_init(&e->meta, ENTRY_META(VALUE_STRING, ENCODING_RAW, 0));
    if (ttl_slot) {
        atomic_init(entry__when(e), ENTRY_NO_TTL);
        entry_set_ttl_index(e, ENTRY_NO_INDEX);
    }
    memcpy((char *)entry_key(e), key, key_len);
    return e;
}

void entry_free_shell(struct entry *e)
{
    mem_free(e);
}

void entry_free(struct entry *e)
{
    if (!e)
        return;
    struct value v;
    entry_value(e, &v);
    lazyfree_value(&v); /* a big aggregate by the lazyfree thread (FLUSH) */
    mem_free(e);
}

static void free_entry(void *e)
{
    entry_free(e);
}

void entry_retire(struct entry *e)
{
    if (!e)
        return;
    /* Sized with its value (DEL of a 512 MB string must give the memory
     * back at once, as Redis does, not after hundreds more retires). */
    struct value v;
    entry_value(e, &v);
    /* A big aggregate goes to the lazyfree thread now (readers never look
     * inside one; lazyfree_value frees it here when it cannot hand it
     * over), and only the entry waits for readers. */
    if (lazyfree_worth_it(&v)) {
        lazyfree_value(&v);
        ebr_retire(e, mem_free);
        return;
    }
    size_t bytes = entry_alloc_size(e->key_len, e->has_ttl_slot) + value_memory_usage(&v);
    ebr_retire_sized(e, free_entry, bytes);
}

void entry_retire_shell(struct entry *e)
{
    ebr_retire(e, mem_free);
}

struct entry *entry_with_ttl_slot(struct entry *e)
{
    assert(!e->has_ttl_slot);
    struct entry *n = entry_new(entry_key(e), e->key_len, true);
    if (!n)
        return NULL;
    atomic_init(&n->node.next, atomic_load_explicit(&e->node.next, memory_order_relaxed));
    atomic_init(&n->payload, atomic_load_explicit(&e->payload, memory_order_relaxed));
    atomic_init(&n->meta, entry_meta(e));
    return n;
}

void entry__touch(struct entry *e, uint32_t clock)
{
    uint32_t m = entry_meta(e);
    /* A failed CAS reloads m: retry while the clock still differs (another
     * toucher may have stored the same clock, a writer a whole new word). */
    while (ENTRY_META_LRU(m) != clock &&
           !atomic_compare_exchange_weak_explicit(
               &e->meta, &m, (m & ~(ENTRY_LRU_MAX << 7)) | ((clock & ENTRY_LRU_MAX) << 7),
               memory_order_relaxed, memory_order_relaxed)) {
    }
}
