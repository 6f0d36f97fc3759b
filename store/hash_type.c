/*
 * The hash type's value_type_ops (store/value.h): free, COPY's deep copy
 * (same encoding, as Redis's hashTypeDup), MEMORY USAGE and DEBUG OBJECT's
 * serializedlength.
 */
#include "store/hash_value.h"

#include "core/alloc.h"
#include "store/hash_table_form.h"

#include <errno.h>
#include <string.h>

static void hash_free(int encoding, union value_payload p)
{
    if (encoding == ENCODING_LISTPACK)
        listpack_free(p.obj);
    else
        hash_table_free(p.obj);
}

struct dup_ctx {
    struct hash_table_form *copy;
    bool oom;
};

static void dup_field(void *ctx, const struct hash_bytes *f, const struct hash_bytes *v)
{
    struct dup_ctx *d = ctx;
    if (!d->oom && hash_table_set(d->copy, f->ptr, f->len, v->ptr, v->len) < 0)
        d->oom = true;
}

static int hash_duplicate(const struct value *src, struct value *out)
{
    *out = *src;
    if (src->encoding == ENCODING_LISTPACK) {
        size_t size = listpack_bytes(src->p.obj);
        void *blob = mem_alloc(size);
        if (!blob)
            return -ENOMEM;
        memcpy(blob, src->p.obj, size);
        out->p.obj = listpack_from_blob(blob, size);
        if (!out->p.obj) {
            mem_free(blob);
            return -ENOMEM;
        }
        return 0;
    }
    struct dup_ctx d = {hash_table_new(), false};
    if (!d.copy)
        return -ENOMEM;
    hash_foreach(src, dup_field, &d);
    if (d.oom) {
        hash_table_free(d.copy);
        return -ENOMEM;
    }
    out->p.obj = d.copy;
    return 0;
}

static size_t hash_type_memory_usage(int encoding, union value_payload p)
{
    struct value v = {.p = p, .type = VALUE_HASH, .encoding = (uint8_t)encoding};
    return hash_memory_usage(&v);
}

/* Bytes of RDB's length prefix for len. */
static uint64_t rdb_len_size(uint64_t len)
{
    return len < (1u << 6) ? 1 : len < (1u << 14) ? 2 : len <= UINT32_MAX ? 5 : 9;
}

static void add_rdb_strings(void *ctx, const struct hash_bytes *f, const struct hash_bytes *v)
{
    uint64_t *total = ctx;
    *total += rdb_len_size(f->len) + f->len + rdb_len_size(v->len) + v->len;
}

/* RDB_TYPE_HASH_LISTPACK stores the blob as one string; RDB_TYPE_HASH the
 * count and every field and value as strings. Strings' LZF compression and
 * integer forms are not modelled (store/keyspace_debug.c). */
static uint64_t hash_serialized_length(int encoding, union value_payload p)
{
    struct value v = {.p = p, .type = VALUE_HASH, .encoding = (uint8_t)encoding};
    if (encoding == ENCODING_LISTPACK) {
        size_t bytes = listpack_bytes(p.obj);
        return rdb_len_size(bytes) + bytes;
    }
    uint64_t total = rdb_len_size(hash_length(&v));
    hash_foreach(&v, add_rdb_strings, &total);
    return total;
}

/* One allocation per field of a table, one for a listpack. */
static size_t hash_free_effort(int encoding, union value_payload p)
{
    struct value v = {.p = p, .type = VALUE_HASH, .encoding = (uint8_t)encoding};
    return encoding == ENCODING_LISTPACK ? 1 : hash_length(&v);
}

static const struct value_type_ops hash_ops = {
    .name = "hash",
    .free = hash_free,
    .duplicate = hash_duplicate,
    .memory_usage = hash_type_memory_usage,
    .serialized_length = hash_serialized_length,
    .debug_fields = NULL,
    .free_effort = hash_free_effort,
};

void hash_type_register(void)
{
    value_type_register(VALUE_HASH, &hash_ops);
}
