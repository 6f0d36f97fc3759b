/*
 * Test support in C (LOCK_GUARD is C only): puts a value of another type
 * under a key, so WRONGTYPE paths can be tested before store/ has lists.
 * The payload is NULL, which value_release accepts for every type.
 */
#include "store/keyspace_impl.h"

int store_test_put_type(struct keyspace *ks, int db, const char *key, size_t len, int type,
                        int64_t now_ms);

int store_test_put_type(struct keyspace *ks, int db, const char *key, size_t len, int type,
                        int64_t now_ms)
{
    struct key k;
    key_locate(ks, db, key, len, &k);
    struct value v = {.p.obj = NULL, .type = (uint8_t)type, .encoding = 0};
    bool stored = false;
    SHARD_GUARD (k.shard)
        stored = do_put(k.shard, &k, &v, now_ms);
    return stored ? 0 : -1;
}
