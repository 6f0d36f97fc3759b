/*
 * The table's insides, shared by store/table.c (changes), store/table_walk.c
 * (SCAN, KEYS, RANDOMKEY), store/table_sample.c (uniform picks) and
 * store/table_lookup.h (the lookups). Nothing
 * else includes it; C only (atomic operations in inline functions).
 */
#ifndef MAGPIE_STORE_TABLE_INTERNAL_H
#define MAGPIE_STORE_TABLE_INTERNAL_H

#include "store/table.h"

/*
 * A bucket array: 2^exp slots starting on a cache line, so that the table
 * keeps exp in the low 6 bits of the slots' address (table.h): one word that
 * a lock-free reader loads at once, where a pointer and a size could come
 * from two different arrays. The allocation's start is stored just before
 * the first slot, for freeing.
 */
#define ARRAY_ALIGN 64
#define EXP_MASK    ((uintptr_t)ARRAY_ALIGN - 1)

static inline ATOMIC(struct table_node *) * array_slots(uintptr_t w)
{
    return (ATOMIC(struct table_node *) *)(w & ~EXP_MASK);
}

static inline uint64_t array_size(uintptr_t w)
{
    return w ? (uint64_t)1 << (w & EXP_MASK) : 0;
}

/*
 * The writer's side (the owner's lock held): plain logic over atomics.
 * Loads are relaxed, since no other writer runs; every store of a link is a
 * release, so that a lock-free reader that loads it (acquire) sees the node
 * it leads to fully built, whichever node that is.
 */
static inline uintptr_t array_of(const struct table *t, int half)
{
    return atomic_load_explicit(&((struct table *)t)->arrays[half], memory_order_relaxed);
}

static inline struct table_node *link_get(ATOMIC(struct table_node *) * link)
{
    return atomic_load_explicit(link, memory_order_relaxed);
}

static inline ATOMIC(struct table_node *) * bucket(const struct table *t, int half, uint64_t idx)
{
    return &array_slots(array_of(t, half))[idx];
}

static inline uint64_t half_size(const struct table *t, int half)
{
    return array_size(array_of(t, half));
}

static inline uint64_t half_mask(const struct table *t, int half)
{
    return half_size(t, half) - 1;
}

static inline struct table_node *node_next(const struct table_node *n)
{
    return atomic_load_explicit(&((struct table_node *)n)->next, memory_order_relaxed);
}

#endif
