/*
 * The table's two lookups as inline functions taking the key equality as an
 * argument: table.c instantiates them with the type's key_equals (an
 * indirect call per node compared), and a type whose lookups are the hot
 * path instantiates them with its own static inline equality, which the
 * compiler then inlines (store/entry_table.c: the keyspace's GET path).
 * Either way there is one implementation. Include it only for that; C only.
 */
#ifndef MAGPIE_STORE_TABLE_LOOKUP_H
#define MAGPIE_STORE_TABLE_LOOKUP_H

#include "store/table_internal.h"

#include <errno.h>

typedef bool (*table_key_equals_fn)(const struct table_node *n, const void *key, size_t len);

/* table_find (table.h) with `key_equals` for the type's. */
static inline struct table_node *table__find(struct table *t, uint64_t hash, const void *key,
                                             size_t len, struct table_pos *pos,
                                             table_key_equals_fn key_equals)
{
    if (table_count(t) == 0)
        return NULL;
    if (table_is_rehashing(t))
        table_rehash(t, 1);
    int halves = table_is_rehashing(t) ? 2 : 1;
    for (int half = 0; half < halves; half++) {
        ATOMIC(struct table_node *) *link = bucket(t, half, hash & half_mask(t, half));
        for (struct table_node *n; (n = link_get(link)) != NULL; link = &n->next) {
            if (key_equals(n, key, len)) {
                if (pos) {
                    pos->link = link;
                    pos->half = half;
                }
                return n;
            }
        }
    }
    return NULL;
}

/*
 * table_peek (table.h) with `key_equals` for the type's. The reader's side:
 * acquire loads of arrays and links (they pair with the writer's release
 * stores, so every node reached is fully built), no stores, and a bound on
 * the walk: a chain that a writer relinks under us (an unlinked node whose
 * next now leads into a list of garbage, say) could otherwise be followed
 * for long. Nodes and arrays reached stay allocated while the caller's EBR
 * section lasts.
 *
 * While a rehash runs it answers -EAGAIN: readers then take the locked
 * path, whose lookups move the rehash along (one bucket each, as writers
 * do). Looking in both arrays lock-free would work too, but nothing would
 * then finish a rehash that the last write before a read-only period left
 * half done, and every read would pay for two arrays.
 */
static inline int table__peek(const struct table *t, uint64_t hash, const void *key, size_t len,
                              struct table_node **out, table_key_equals_fn key_equals)
{
    struct table *m = (struct table *)t;
    /* Relaxed: only a hint; a rehash starting after this is caught by the
     * caller's validation (the shard's sequence counter). */
    if (atomic_load_explicit(&m->arrays[1], memory_order_relaxed) != 0)
        return -EAGAIN;
    uintptr_t a = atomic_load_explicit(&m->arrays[0], memory_order_acquire);
    struct table_node *n = NULL;
    if (a)
        n = atomic_load_explicit(&array_slots(a)[hash & (array_size(a) - 1)], memory_order_acquire);
    for (int steps = 0; n; n = atomic_load_explicit(&n->next, memory_order_acquire)) {
        if (++steps > TABLE_PEEK_MAX_STEPS)
            return -EAGAIN;
        if (key_equals(n, key, len))
            break;
    }
    *out = n;
    return 0;
}

#endif
