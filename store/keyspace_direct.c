/*
 * The direct store API (keyspace.h): GET / SET / DEL without the command
 * table, for magpie-stress and the benchmark. Same locking and expiry rules
 * as the commands; GET reads without the lock when it can, as the command does.
 */
#include "store/keyspace_impl.h"

#include "core/ebr.h"
#include "store/cmd_util.h"
#include "core/strconv.h"

#include <errno.h>
#include <string.h>

int keyspace_set(struct keyspace *ks, int db, const void *key, size_t key_len, const void *val,
                 size_t val_len, int64_t now_ms)
{
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    struct value v;
    if (value_string_from_arg(val, val_len, NULL, &v) != 0)
        return -ENOMEM;
    bool stored = false;
    SHARD_GUARD (k.shard)
        stored = do_put(k.shard, &k, &v, now_ms);
    if (!stored)
        value_release(v.type, v.encoding, v.p);
    return stored ? 0 : -ENOMEM;
}

/* The reference, or a fallback to the lock, from a lock-free lookup. */
static enum peek_result peek_get(const struct key *k, int64_t now_ms, struct value *v)
{
    struct entry_view view;
    ebr_enter();
    enum peek_result r = shard_peek(k->shard, k, now_ms, LOOKUP_READ, &view);
    if (r == PEEK_HIT) {
        v->type = (uint8_t)ENTRY_META_TYPE(view.meta);
        v->encoding = (uint8_t)ENTRY_META_ENCODING(view.meta);
        v->p = view.val;
        bool buffer = v->type == VALUE_STRING && v->encoding != ENCODING_INT;
        if (buffer && v->encoding == ENCODING_RAW_GROWABLE)
            r = PEEK_LOCK; /* may change in place: see store/strbuf.h */
        else if (buffer)
            bytes_ref(v->p.str); /* alive while the section lasts */
    }
    ebr_exit();
    shard_count_peek(k->shard, k, r);
    return r;
}

int keyspace_get(struct keyspace *ks, int db, const void *key, size_t key_len, int64_t now_ms,
                 struct bytes **out)
{
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    struct value v = {.type = VALUE_STRING};
    int rc = -ENOENT;
    enum peek_result peek = peek_get(&k, now_ms, &v);
    if (peek == PEEK_HIT)
        rc = v.type == VALUE_STRING ? 0 : -EINVAL;
    if (peek == PEEK_LOCK) {
        SHARD_GUARD (k.shard) {
            struct entry *e = do_lookup(k.shard, &k, now_ms, LOOKUP_READ, NULL);
            if (e && entry_type(e) != VALUE_STRING) {
                rc = -EINVAL;
            } else if (e) {
                entry_value(e, &v);
                if (v.encoding != ENCODING_INT)
                    bytes_ref(v.p.str);
                rc = 0;
            }
        }
    }
    if (rc != 0)
        return rc;
    if (v.encoding == ENCODING_INT) {
        char digits[STRCONV_LL_BUF];
        size_t n = strconv_format_ll(digits, v.p.num);
        *out = bytes_new(digits, n);
        return *out ? 0 : -ENOMEM;
    }
    *out = v.p.str;
    return 0;
}

int keyspace_get_copy(struct keyspace *ks, int db, const void *key, size_t key_len, int64_t now_ms,
                      void *buf, size_t cap, size_t *len)
{
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    struct string_snapshot snap = {0};
    if (!read_string(&k, now_ms, &snap))
        return -EINVAL;
    if (!snap.present)
        return -ENOENT;
    char digits[STRCONV_LL_BUF];
    const char *data = snapshot_data(&snap, digits, len);
    int rc = *len <= cap ? 0 : -ENOSPC;
    if (rc == 0)
        memcpy(buf, data, *len);
    snapshot_release(&snap);
    return rc;
}

int keyspace_del(struct keyspace *ks, int db, const void *key, size_t key_len, int64_t now_ms)
{
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    struct entry *gone = NULL;
    SHARD_GUARD (k.shard) {
        struct table_pos pos;
        if (do_lookup(k.shard, &k, now_ms, LOOKUP_WRITE, &pos)) {
            gone = do_detach(k.shard, pos);
            do_key_event(k.shard, &k, NOTIFY_GENERIC, "del");
        }
    }
    /* Retired after unlocking: lock-free readers may still hold it. */
    entry_retire(gone);
    return gone ? 1 : 0;
}
