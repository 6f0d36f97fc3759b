/*
 * Values as Redis 7.0 writes them (RDB version 10): strings; lists as
 * QUICKLIST_2 of listpack nodes; sets as INTSET or SET (version 10 has no
 * set listpack, so a listpack set is written member by member); hashes as
 * HASH_LISTPACK or HASH; sorted sets as ZSET_LISTPACK or ZSET_2
 * (store/rdb_zset.c). Blobs (listpack, intset) go out as they are in
 * memory, which is what makes them loadable by redis-server.
 */
#include "store/rdb_format.h"

#include "core/strconv.h"
#include "store/entry.h"
#include "store/hash_value.h"
#include "store/intset.h"
#include "store/listpack.h"
#include "store/quicklist.h"
#include "store/set_value.h"

#include <errno.h>
#include <string.h>

bool rdb_type_supported(int type)
{
    return type == VALUE_STRING || type == VALUE_LIST || type == VALUE_SET || type == VALUE_HASH ||
           type == VALUE_ZSET;
}

int rdb_value_type(const struct value *v)
{
    switch (v->type) {
    case VALUE_STRING:
        return RDB_TYPE_STRING;
    case VALUE_LIST:
        return RDB_TYPE_LIST_QUICKLIST_2;
    case VALUE_SET:
        return v->encoding == ENCODING_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case VALUE_HASH:
        return v->encoding == ENCODING_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case VALUE_ZSET:
        return v->encoding == ENCODING_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    default:
        return -ENOTSUP;
    }
}

static void write_string_value(struct rdb_writer *w, const struct value *v)
{
    if (v->encoding == ENCODING_INT) {
        rdb__write_ll(w, v->p.num);
        return;
    }
    const struct bytes *b = v->p.str;
    rdb_write_string(w, b ? b->data : "", b ? b->len : 0);
}

static int write_node(void *ctx, const void *data, size_t size, size_t lp_bytes, bool compressed)
{
    struct rdb_writer *w = ctx;
    rdb_write_len(w, RDB_QUICKLIST_PACKED);
    if (compressed) {
        unsigned char tag = (RDB_ENCVAL << 6) | RDB_ENC_LZF;
        rdb_write_bytes(w, &tag, 1);
        rdb_write_len(w, size);
        rdb_write_len(w, lp_bytes);
        rdb_write_bytes(w, data, size);
    } else {
        rdb_write_string(w, data, size);
    }
    return w->error;
}

static bool write_member(void *ctx, const struct set_member_ref *m)
{
    struct rdb_writer *w = ctx;
    if (!m->ptr)
        rdb__write_ll(w, m->num);
    else
        rdb_write_string(w, m->ptr, m->len);
    return !w->error;
}

static void write_pair(void *ctx, const struct hash_bytes *field, const struct hash_bytes *value)
{
    struct rdb_writer *w = ctx;
    rdb_write_string(w, field->ptr, field->len);
    rdb_write_string(w, value->ptr, value->len);
}

void rdb_write_value(struct rdb_writer *w, const struct value *v)
{
    switch (v->type) {
    case VALUE_STRING:
        write_string_value(w, v);
        return;
    case VALUE_LIST:
        rdb_write_len(w, quicklist_node_count(v->p.obj));
        quicklist_foreach_node(v->p.obj, write_node, w);
        return;
    case VALUE_SET:
        if (v->encoding == ENCODING_INTSET) {
            rdb_write_string(w, v->p.obj, intset_bytes(v->p.obj));
            return;
        }
        rdb_write_len(w, set_size(v));
        set_foreach(v, write_member, w);
        return;
    case VALUE_HASH:
        if (v->encoding == ENCODING_LISTPACK) {
            rdb_write_string(w, v->p.obj, listpack_bytes(v->p.obj));
            return;
        }
        rdb_write_len(w, hash_length(v));
        hash_foreach(v, write_pair, w);
        return;
    case VALUE_ZSET:
        rdb__write_zset(w, v);
        return;
    default:
        if (!w->error)
            w->error = -ENOTSUP;
    }
}

void rdb_write_key(struct rdb_writer *w, const void *key, size_t key_len, const struct value *v,
                   int64_t expire_ms)
{
    int type = rdb_value_type(v);
    if (type < 0) {
        if (!w->error)
            w->error = type;
        return;
    }
    if (expire_ms != ENTRY_NO_TTL) {
        unsigned char buf[9];
        buf[0] = RDB_OPCODE_EXPIRETIME_MS;
        for (int i = 0; i < 8; i++) /* little-endian, as Redis writes it */
            buf[1 + i] = (unsigned char)((uint64_t)expire_ms >> (8 * i));
        rdb_write_bytes(w, buf, 9);
    }
    unsigned char t = (unsigned char)type;
    rdb_write_bytes(w, &t, 1);
    rdb_write_string(w, key, key_len);
    rdb_write_value(w, v);
}
