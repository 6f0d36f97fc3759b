/*
 * DEBUG OBJECT's view of a key (keyspace.h): what Redis prints about the
 * value, computed under the shard lock without touching the key's LRU clock.
 *
 * serializedlength is the size Redis's RDB encoding gives a string: integers
 * that fit 32 bits as 2, 3 or 5 bytes, anything else as a length prefix and
 * the bytes. Redis also LZF-compresses strings longer than 20 bytes when that
 * saves space, and then reports the compressed size; that is not modelled
 * here, so for compressible strings over 20 bytes Magpie reports more.
 * Other types report their own (value_type_ops), under the same caveat.
 */
#include "store/keyspace_impl.h"

#include "core/strconv.h"

#include <errno.h>
#include <stdint.h>

#define SHARED_INTEGERS 10000      /* Redis's OBJ_SHARED_INTEGERS */
#define SHARED_REFCOUNT 2147483647 /* and OBJ_SHARED_REFCOUNT */

/* Bytes of Redis's rdbSaveLen prefix for a length. */
static uint64_t rdb_length_size(uint64_t len)
{
    if (len < (1u << 6))
        return 1;
    if (len < (1u << 14))
        return 2;
    return len <= UINT32_MAX ? 5 : 9;
}

/* Bytes of Redis's rdbEncodeInteger form, 0 when v does not fit 32 bits. */
static uint64_t rdb_int_size(long long v)
{
    if (v >= INT8_MIN && v <= INT8_MAX)
        return 2;
    if (v >= INT16_MIN && v <= INT16_MAX)
        return 3;
    if (v >= INT32_MIN && v <= INT32_MAX)
        return 5;
    return 0;
}

static uint64_t rdb_string_size(const struct entry *e)
{
    union value_payload val = entry_payload(e);
    if (entry_encoding(e) == ENCODING_INT) {
        uint64_t n = rdb_int_size(val.num);
        if (n)
            return n;
        uint64_t digits = (uint64_t)strconv_ll_len(val.num);
        return rdb_length_size(digits) + digits;
    }
    const struct bytes *b = val.str;
    long long v;
    /* Redis tries the integer form on strings of at most 11 characters. */
    if (b->len <= 11 && strconv_parse_ll(b->data, b->len, &v) && rdb_int_size(v))
        return rdb_int_size(v);
    return rdb_length_size(b->len) + b->len;
}

static void do_object_info(struct shard *s, struct entry *e, int64_t now_ms,
                           struct keyspace_object_info *out) REQUIRES(&s->lock)
{
    (void)s;
    out->address = (uintptr_t)e;
    struct value v;
    entry_value(e, &v);
    out->encoding = value_encoding_name(v.encoding);
    out->refcount = v.encoding == ENCODING_INT && v.p.num >= 0 && v.p.num < SHARED_INTEGERS
                        ? SHARED_REFCOUNT
                        : 1;
    const struct value_type_ops *ops = value_type_lookup(v.type);
    out->type_fields[0] = '\0';
    if (v.type == VALUE_STRING)
        out->serialized_length = rdb_string_size(e);
    else
        out->serialized_length =
            ops && ops->serialized_length ? ops->serialized_length(v.encoding, v.p) : 0;
    if (ops && ops->debug_fields)
        ops->debug_fields(v.encoding, v.p, out->type_fields, sizeof(out->type_fields));
    out->lru = entry_lru(e);
    out->idle_seconds = entry_idle_seconds(e, now_ms);
}

int keyspace_object_info(struct keyspace *ks, int db, const void *key, size_t key_len,
                         int64_t now_ms, struct keyspace_object_info *out)
{
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    int rc = -ENOENT;
    SHARD_GUARD (k.shard) {
        struct entry *e =
            do_lookup(k.shard, &k, now_ms, LOOKUP_READ | LOOKUP_NOTOUCH | LOOKUP_NONOTIFY, NULL);
        if (e) {
            do_object_info(k.shard, e, now_ms, out);
            rc = 0;
        }
    }
    return rc;
}

long long keyspace_memory_usage(struct keyspace *ks, int db, const void *key, size_t key_len,
                                int64_t now_ms)
{
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    long long bytes = -1;
    SHARD_GUARD (k.shard) {
        struct entry *e =
            do_lookup(k.shard, &k, now_ms,
                      LOOKUP_READ | LOOKUP_NOTOUCH | LOOKUP_NONOTIFY | LOOKUP_NOSTATS, NULL);
        if (e) {
            struct value v;
            entry_value(e, &v);
            bytes =
                (long long)(entry_alloc_size(e->key_len, e->has_ttl_slot) + value_memory_usage(&v));
        }
    }
    return bytes;
}
