/*
 * The keys of one shard that have a TTL, as a dense array of entry pointers.
 * Each such entry remembers its position (entry_ttl_index), so adding and
 * removing are O(1) (removal swaps the last item into the hole). Active
 * expiry walks the array with a cursor, which samples TTL keys without ever
 * looking at persistent ones: the same job Redis's separate `expires` dict
 * does, for 8 bytes per key instead of a dict entry. Not locked: the shard's
 * lock covers it.
 */
#ifndef MAGPIE_STORE_TTL_INDEX_H
#define MAGPIE_STORE_TTL_INDEX_H

#include "store/entry.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ttl_index {
    struct entry **items;
    uint32_t count;
    uint32_t cap;
    uint32_t cursor; /* where active expiry continues */
};

void ttl_index_init(struct ttl_index *ix);
/* Frees the array (not the entries). */
void ttl_index_free(struct ttl_index *ix);
/* Makes room for one more item: 0 or -ENOMEM. */
int ttl_index_reserve(struct ttl_index *ix);
/* Adds an entry that has a TTL slot and is not indexed; room must be reserved. */
void ttl_index_add(struct ttl_index *ix, struct entry *e);
/* Removes an indexed entry. Never gives memory back, so room reserved
 * earlier in a command stays reserved however many keys it removes. */
void ttl_index_remove(struct ttl_index *ix, struct entry *e);
/* Gives memory back when the index is mostly empty. Only where no
 * reservation can be outstanding: active expiry calls it. */
void ttl_index_shrink(struct ttl_index *ix);

#ifdef __cplusplus
}
#endif
#endif
