/*
 * C helpers for the sorted-set tests: what keyspace_impl.h keeps inline
 * for C only.
 */
#include "store/keyspace_impl.h"

uint32_t zset_test_shard_of(struct keyspace *ks, int db, const char *key, size_t len);

/* The shard a key of database db lives on. */
uint32_t zset_test_shard_of(struct keyspace *ks, int db, const char *key, size_t len)
{
    struct key k;
    key_locate(ks, db, key, len, &k);
    return k.shard_id;
}
