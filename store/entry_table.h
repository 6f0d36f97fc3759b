/*
 * The keyspace's table type: a shard's table (store/table.h) links entries
 * (store/entry.h) by their key, hashed with hash_key, and is read lock-free
 * (store/shard_read.c), so replaced bucket arrays go through core/ebr.
 *
 * entry_table_find and entry_table_peek are table_find and table_peek with
 * the entry key comparison inlined instead of called through the type: the
 * GET path runs them on every command. Keyspace code uses them, and the
 * generic engine for everything else (table_scan, table_random, ...); it
 * must never reimplement a lookup.
 */
#ifndef MAGPIE_STORE_ENTRY_TABLE_H
#define MAGPIE_STORE_ENTRY_TABLE_H

#include "store/entry.h"
#include "store/table.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

extern const struct table_type entry_table_type;

/* table_find for an entry table: the entry for the key, or NULL. */
struct entry *entry_table_find(struct table *t, uint64_t hash, const char *key, size_t len,
                               struct table_pos *pos);
/* table_peek for an entry table: 0 with *out the entry or NULL, or -EAGAIN. */
int entry_table_peek(const struct table *t, uint64_t hash, const char *key, size_t len,
                     struct entry **out);

#ifdef __cplusplus
}
#endif
#endif
