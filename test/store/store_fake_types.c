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
    int rc = 0;
    SHARD_GUARD (k.shard) {
        struct table_pos pos;
        struct entry *e = do_lookup(k.shard, &k, now_ms, LOOKUP_WRITE, &pos);
        if (e) {
            do_replace_value(k.shard, e, &v, now_ms);
            do_set_expire(k.shard, pos, e, ENTRY_NO_TTL);
        } else if (!do_insert(k.shard, &k, &v, ENTRY_NO_TTL, now_ms)) {
            rc = -1;
        }
    }
    return rc;
}
