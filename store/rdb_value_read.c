/*
 * Values read back from RDB: every encoding redis-server 7.0 writes for the
 * types Magpie has (sorted sets: store/rdb_zset.c) (and the ziplist forms older versions wrote,
 * which 7.0 still loads). Whatever the source (RDB strings one by one, a listpack, an intset, a
 * ziplist), elements go through one builder that makes the value with the keyspace's own encoding
 * rules and refuses duplicates, as Redis does. Blobs are validated in full before a byte of them is
 * trusted.
 */
#include "store/rdb_format.h"

#include "core/alloc.h"
#include "core/strconv.h"
#include "store/cmd_hash.h"
#include "store/hash_value.h"
#include "store/intset.h"
#include "store/keyspace_impl.h"
#include "store/list.h"
#include "store/listpack.h"
#include "store/rdb_ziplist.h"
#include "store/set_value.h"

#include <errno.h>
#include <string.h>

#define OOM_MESSAGE "Short read or OOM loading DB. Unrecoverable error, aborting now."

/* Builds a list, set or hash from its elements in order (a hash: field,
 * value, field, value...). */
struct builder {
    struct rdb_reader *r;
    int type;
    bool started;
    struct value v;
    struct set_limits set_lim;
    struct hash_limits hash_lim;
    uint64_t hint; /* expected number of elements */
    char *field;   /* a hash's field waiting for its value */
    size_t field_len;
};

static void builder_init(struct builder *b, struct rdb_reader *r, int type, uint64_t hint)
{
    memset(b, 0, sizeof(*b));
    b->r = r;
    b->type = type;
    b->hint = hint;
    if (type == VALUE_SET)
        set_limits_of(r->ks, &b->set_lim);
    if (type == VALUE_HASH)
        hash_limits_of(r->ks, &b->hash_lim);
}

static void builder_discard(struct builder *b)
{
    if (b->started)
        value_release(b->v.type, b->v.encoding, b->v.p);
    b->started = false;
    mem_free(b->field);
    b->field = NULL;
}

static int builder_start(struct builder *b, const char *s, size_t len)
{
    int rc = 0;
    if (b->type == VALUE_LIST) {
        struct quicklist *ql = list_new(b->r->ks);
        if (ql)
            list_value(ql, &b->v);
        else
            rc = -ENOMEM;
    } else if (b->type == VALUE_SET) {
        rc = set_value_new(&b->set_lim, s, len, (size_t)b->hint, &b->v);
    } else {
        rc = hash_value_new(&b->v);
    }
    b->started = rc == 0;
    return rc;
}

static int builder_add(struct builder *b, const char *s, size_t len)
{
    if (!b->started && builder_start(b, s, len)) {
        rdb__fail(b->r, OOM_MESSAGE);
        return -ENOMEM;
    }
    int rc;
    if (b->type == VALUE_LIST) {
        rc = quicklist_push(b->v.p.obj, QUICKLIST_TAIL, s, len);
    } else if (b->type == VALUE_SET) {
        rc = set_add(&b->v, &b->set_lim, s, len);
        if (rc == 0) {
            rdb__fail(b->r, "Duplicate set members detected");
            return -EINVAL;
        }
    } else if (!b->field) {
        b->field = mem_alloc(len + 1);
        if (!b->field) {
            rdb__fail(b->r, OOM_MESSAGE);
            return -ENOMEM;
        }
        memcpy(b->field, s, len);
        b->field_len = len;
        return 0;
    } else {
        rc = hash_set(&b->v, b->field, b->field_len, s, len, &b->hash_lim);
        mem_free(b->field);
        b->field = NULL;
        if (rc == 0) {
            rdb__fail(b->r, "Duplicate hash fields detected");
            return -EINVAL;
        }
    }
    if (rc < 0) {
        rdb__fail(b->r, rc == -ENOMEM ? OOM_MESSAGE : "Value too big for its type");
        return rc;
    }
    return 0;
}

/* The built value; an empty one (or a hash with a field left over) is bad
 * data, as Redis refuses empty keys. */
static int builder_finish(struct builder *b, struct value *out)
{
    if (!b->r->failed && (!b->started || b->field)) {
        rdb__fail(b->r, b->started ? "Hash with an odd number of elements"
                                   : "Empty keys are not allowed");
    }
    if (b->r->failed) {
        builder_discard(b);
        return -EINVAL;
    }
    *out = b->v;
    return 0;
}

/* n RDB strings. */
static void add_strings(struct builder *b, uint64_t n)
{
    for (uint64_t i = 0; i < n && !b->r->failed; i++) {
        size_t len;
        char *s = rdb__read_string(b->r, &len);
        if (!s)
            return;
        builder_add(b, s, len);
        mem_free(s);
    }
}

static void add_listpack(struct builder *b, const char *blob, size_t len)
{
    if (!listpack_validate(blob, len, true)) {
        rdb__fail(b->r, "Listpack integrity check failed.");
        return;
    }
    const struct listpack *lp = (const struct listpack *)(const void *)blob;
    unsigned char buf[LISTPACK_INT_BUF];
    for (size_t pos = listpack_first(lp); pos && !b->r->failed; pos = listpack_next(lp, pos)) {
        size_t n;
        const unsigned char *s = listpack_get_bytes(lp, pos, &n, buf);
        builder_add(b, (const char *)s, n);
    }
}

static void add_intset(struct builder *b, const char *blob, size_t len)
{
    if (!intset_validate(blob, len)) {
        rdb__fail(b->r, "Intset integrity check failed.");
        return;
    }
    const struct intset *set = (const struct intset *)(const void *)blob;
    char digits[STRCONV_LL_BUF];
    for (uint32_t i = 0; i < intset_length(set) && !b->r->failed; i++) {
        size_t n = strconv_format_ll(digits, intset_get(set, i));
        builder_add(b, digits, n);
    }
}

static bool add_ziplist_entry(void *ctx, const char *s, size_t len)
{
    struct builder *b = ctx;
    return builder_add(b, s, len) == 0;
}

static void add_ziplist(struct builder *b, const char *blob, size_t len)
{
    if (!rdb_ziplist_foreach(blob, len, add_ziplist_entry, b) && !b->r->failed)
        rdb__fail(b->r, "Ziplist integrity check failed.");
}

enum blob_kind { BLOB_LISTPACK, BLOB_INTSET, BLOB_ZIPLIST };

/* One blob-encoded value (a listpack, an intset or a ziplist string). */
static void add_blob(struct builder *b, enum blob_kind kind)
{
    size_t len;
    char *blob = rdb__read_string(b->r, &len);
    if (!blob)
        return;
    if (kind == BLOB_LISTPACK)
        add_listpack(b, blob, len);
    else if (kind == BLOB_INTSET)
        add_intset(b, blob, len);
    else
        add_ziplist(b, blob, len);
    mem_free(blob);
}

/* QUICKLIST (nodes are ziplists) and QUICKLIST_2 (a container kind, then
 * a listpack or, for PLAIN, one element). */
static void add_quicklist(struct builder *b, bool v2)
{
    uint64_t nodes = rdb__read_len(b->r, NULL);
    for (uint64_t i = 0; i < nodes && !b->r->failed; i++) {
        uint64_t container = v2 ? rdb__read_len(b->r, NULL) : RDB_QUICKLIST_PACKED;
        if (container != RDB_QUICKLIST_PACKED && container != RDB_QUICKLIST_PLAIN) {
            rdb__fail(b->r, "Quicklist integrity check failed.");
            return;
        }
        if (container == RDB_QUICKLIST_PLAIN) {
            add_strings(b, 1);
            continue;
        }
        add_blob(b, v2 ? BLOB_LISTPACK : BLOB_ZIPLIST);
    }
}

static int read_string_value(struct rdb_reader *r, struct value *out)
{
    size_t len;
    char *s = rdb__read_string(r, &len);
    if (!s)
        return -EINVAL;
    int rc = value_string_from_arg(s, len, NULL, out);
    mem_free(s);
    if (rc)
        rdb__fail(r, OOM_MESSAGE);
    return rc;
}

static int value_type_of(int rdb_type)
{
    switch (rdb_type) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return VALUE_LIST;
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET:
        return VALUE_SET;
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
        return VALUE_HASH;
    default:
        return -1;
    }
}

int rdb__read_value(struct rdb_reader *r, int rdb_type, struct value *out)
{
    if (rdb_type == RDB_TYPE_STRING)
        return read_string_value(r, out);
    if (rdb__is_zset_type(rdb_type))
        return rdb__read_zset(r, rdb_type, out);
    int type = value_type_of(rdb_type);
    if (type < 0)
        return -ENOTSUP; /* the caller names the key and the type */
    struct builder b;
    builder_init(&b, r, type, 0);
    switch (rdb_type) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
    case RDB_TYPE_HASH: {
        uint64_t n = rdb__read_len(r, NULL);
        b.hint = n;
        add_strings(&b, rdb_type == RDB_TYPE_HASH && !r->failed ? 2 * n : n);
        break;
    }
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        add_quicklist(&b, rdb_type == RDB_TYPE_LIST_QUICKLIST_2);
        break;
    case RDB_TYPE_SET_INTSET:
        add_blob(&b, BLOB_INTSET);
        break;
    case RDB_TYPE_HASH_LISTPACK:
        add_blob(&b, BLOB_LISTPACK);
        break;
    default: /* LIST_ZIPLIST, HASH_ZIPLIST */
        add_blob(&b, BLOB_ZIPLIST);
        break;
    }
    return builder_finish(&b, out);
}

/* Redis's names for the types it has and Magpie lacks. */
const char *rdb__type_name(int rdb_type)
{
    switch (rdb_type) {
    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2:
        return "module";
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
        return "stream";
    case RDB_TYPE_HASH_ZIPMAP:
        return "hash (zipmap)";
    default:
        return "unknown";
    }
}

int rdb_load_value(struct keyspace *ks, const void *buf, size_t len, struct value *out,
                   struct rdb_error *err)
{
    struct rdb_reader r = {buf, (const unsigned char *)buf + len, false, ks, err};
    int type = rdb__read_byte(&r);
    if (type < 0)
        return -EINVAL;
    int rc = rdb__read_value(&r, type, out);
    if (rc == -ENOTSUP) {
        rdb__fail(&r, "Unsupported value type %s (%d)", rdb__type_name(type), type);
        return -EINVAL;
    }
    if (rc)
        return rc == -ENOMEM ? -ENOMEM : -EINVAL;
    if (r.p != r.end) { /* trailing bytes: Redis refuses them too */
        value_release(out->type, out->encoding, out->p);
        rdb__fail(&r, "Trailing data after the value");
        return -EINVAL;
    }
    return 0;
}
