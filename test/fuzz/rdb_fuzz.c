/*
 * libFuzzer target for the RDB loader (store/rdb.h): any bytes, as a whole
 * file and as a DUMP payload's value, must give 0 or an error, never a
 * crash, an overread or a leak. Whatever loads must save and load again to
 * the same number of keys (a zero checksum is accepted, so the fuzzer
 * reaches past the footer check).
 */
#include "store/rdb.h"

#include "store/keyspace.h"

#include "test/fuzz/fuzz.h"

static struct keyspace *fresh(void)
{
    struct keyspace_config cfg = {.databases = 4, .shards = 2, .workers = 1};
    struct keyspace *ks = keyspace_new(&cfg);
    CHECK(ks);
    return ks;
}

static uint64_t count_keys(struct keyspace *ks)
{
    uint64_t n = 0;
    for (int db = 0; db < keyspace_databases(ks); db++) {
        struct keyspace_db_stats st;
        keyspace_db_stats(ks, db, &st);
        n += st.keys;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const int64_t now_ms = 1700000000000LL;
    struct keyspace *ks = fresh();
    struct rdb_error err;
    if (rdb_load_buffer(ks, data, size, now_ms, NULL, &err, NULL) == 0) {
        struct rdb_writer w;
        rdb_writer_init(&w, NULL, NULL, true);
        struct rdb_save_options opt = {true, true, false, 0, now_ms, NULL, NULL};
        CHECK(rdb_save_keyspace(ks, &w, &opt) == 0);
        struct keyspace *again = fresh();
        CHECK(rdb_load_buffer(again, w.mem, w.used, now_ms, NULL, &err, NULL) == 0);
        CHECK(count_keys(again) == count_keys(ks));
        keyspace_free(again);
        rdb_writer_release(&w);
    }
    struct value v;
    if (rdb_load_value(ks, data, size, &v, &err) == 0) {
        struct rdb_writer w;
        CHECK(rdb_dump_payload(&v, &w) == 0);
        CHECK(rdb_dump_payload_valid(w.mem, w.used));
        struct value back;
        CHECK(rdb_load_value(ks, w.mem, w.used - 10, &back, &err) == 0);
        value_release(back.type, back.encoding, back.p);
        value_release(v.type, v.encoding, v.p);
        rdb_writer_release(&w);
    }
    keyspace_free(ks);
    return 0;
}
