/*
 * Test support in C (SHARD_GUARD is C only) for the lock-free read path:
 * states a test cannot reach through commands alone.
 */
#include "store/cmd_util.h"

int store_test_peek_in_write_section(struct keyspace *ks, int db, const char *key, size_t len,
                                     int64_t now_ms);
int store_test_shard_rehashing(struct keyspace *ks, int db, const char *key, size_t len);
uint64_t store_test_read_stat(struct keyspace *ks, int which);

/* GET's lock-free attempt on `key` made by the thread that holds the key's
 * shard lock in the middle of a change: the attempt must give up (returns
 * the peek_result). */
int store_test_peek_in_write_section(struct keyspace *ks, int db, const char *key, size_t len,
                                     int64_t now_ms)
{
    struct key k;
    key_locate(ks, db, key, len, &k);
    int r = -1;
    SHARD_GUARD (k.shard) {
        do_write_begin(k.shard);
        struct string_snapshot snap = {0};
        bool wrongtype = false;
        r = peek_string_snapshot(&k, now_ms, &snap, &wrongtype);
        snapshot_release(&snap);
    }
    return r;
}

/* Whether the key's shard has a rehash in progress. */
int store_test_shard_rehashing(struct keyspace *ks, int db, const char *key, size_t len)
{
    struct key k;
    key_locate(ks, db, key, len, &k);
    int r = 0;
    SHARD_GUARD (k.shard) {
        r = table_is_rehashing(&k.shard->table);
    }
    return r;
}

/* One read counter summed over the threads (enum read_stat). */
uint64_t store_test_read_stat(struct keyspace *ks, int which)
{
    return read_stats_sum(ks->read_stats, (enum read_stat)which);
}
