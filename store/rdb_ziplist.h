/*
 * Reading Redis's ziplist, the packed encoding before listpack (RDB files
 * written by Redis up to 6.2 hold small lists and hashes as ziplists, and
 * 7.0 still loads them). Read-only and bounded: every entry is checked to
 * lie inside the blob before it is read. Private to store/rdb_*.c.
 */
#ifndef MAGPIE_STORE_RDB_ZIPLIST_H
#define MAGPIE_STORE_RDB_ZIPLIST_H

#include <stdbool.h>
#include <stddef.h>

/* Gets each entry as bytes (integers as decimal text); returns false to stop. */
typedef bool (*rdb_ziplist_fn)(void *ctx, const char *s, size_t len);

/* Walks the ziplist; false when it is malformed or fn stopped. */
bool rdb_ziplist_foreach(const void *blob, size_t size, rdb_ziplist_fn fn, void *ctx);

#endif
