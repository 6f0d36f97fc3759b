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

/* Inserts a key without announcing it: the write hook's debug check must
 * abort when the lock is released. */
int store_test_change_silently(struct keyspace *ks, const char *key, size_t len);

int store_test_change_silently(struct keyspace *ks, const char *key, size_t len)
{
    struct key k;
    key_locate(ks, 0, key, len, &k);
    struct value v;
    value_string_int(1, &v);
    bool stored = false;
    SHARD_GUARD (k.shard)
        stored = do_insert(k.shard, &k, &v, ENTRY_NO_TTL, 0) != NULL;
    return stored ? 0 : -1;
}
