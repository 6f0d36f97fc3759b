/* Where a key lives, for C++ tests that need keys in chosen shards
 * (store/keyspace_impl.h's key_locate is C only). */
#include "store/keyspace_impl.h"

uint32_t store_test_shard_of(struct keyspace *ks, int db, const char *key, size_t len);

uint32_t store_test_shard_of(struct keyspace *ks, int db, const char *key, size_t len)
{
    struct key k;
    key_locate(ks, db, key, len, &k);
    return k.shard_id;
}
