/*
 * The set type's value_type_ops (store/value.h): free, copy, memory usage
 * and DEBUG OBJECT's serializedlength, for each of the set's encodings
 * (store/set_value.h).
 */
#include "store/intset.h"
#include "store/listpack.h"
#include "store/set_table.h"
#include "store/set_value.h"

#include "core/alloc.h"
#include "core/strconv.h"

#include <errno.h>
#include <string.h>

void set_value_free(struct value *v)
{
    switch (v->encoding) {
    case ENCODING_INTSET:
        intset_free(v->p.obj);
        break;
    case ENCODING_LISTPACK:
        listpack_free(v->p.obj);
        break;
    default:
        set_table_free(v->p.obj);
    }
    v->p.obj = NULL;
}

static void set_free_op(int encoding, union value_payload p)
{
    struct value v = {.p = p, .type = VALUE_SET, .encoding = (uint8_t)encoding};
    set_value_free(&v);
}

int set_value_duplicate(const struct value *src, struct value *out)
{
    void *copy = NULL;
    if (src->encoding == ENCODING_HASHTABLE) {
        copy = set_table_dup(src->p.obj);
    } else {
        size_t bytes = src->encoding == ENCODING_INTSET ? intset_bytes(src->p.obj)
                                                        : listpack_bytes(src->p.obj);
        void *blob = mem_alloc(bytes);
        if (blob) {
            memcpy(blob, src->p.obj, bytes);
            copy = src->encoding == ENCODING_INTSET ? (void *)intset_from_blob(blob, bytes)
                                                    : (void *)listpack_from_blob(blob, bytes);
            if (!copy)
                mem_free(blob);
        }
    }
    if (!copy)
        return -ENOMEM;
    set_value_wrap(src->encoding, copy, out);
    return 0;
}

static size_t set_memory_usage(int encoding, union value_payload p)
{
    switch (encoding) {
    case ENCODING_INTSET:
        return intset_bytes(p.obj);
    case ENCODING_LISTPACK:
        return listpack_bytes(p.obj);
    default:
        return set_table_bytes(p.obj);
    }
}

static uint64_t rdb_len_size(uint64_t len)
{
    return len < (1u << 6) ? 1 : len < (1u << 14) ? 2 : len <= UINT32_MAX ? 5 : 9;
}

/* An RDB string's size: integers of up to 32 bits take Redis's int
 * encodings, the rest a length and the bytes (LZF not modelled). */
static uint64_t rdb_string_size(const struct set_member_ref *m)
{
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    long long num;
    if (len <= 11 && strconv_parse_ll(bytes, len, &num)) {
        if (num >= -(1 << 7) && num < (1 << 7))
            return 2;
        if (num >= -(1 << 15) && num < (1 << 15))
            return 3;
        if (num >= -(1LL << 31) && num < (1LL << 31))
            return 5;
    }
    return rdb_len_size(len) + len;
}

static bool serialized_visit(void *ctx, const struct set_member_ref *m)
{
    *(uint64_t *)ctx += rdb_string_size(m);
    return true;
}

/* DEBUG OBJECT's serializedlength: an intset or listpack is one RDB
 * string holding the blob; a table, the count and each member. */
static uint64_t set_serialized_length(int encoding, union value_payload p)
{
    if (encoding == ENCODING_INTSET)
        return rdb_len_size(intset_bytes(p.obj)) + intset_bytes(p.obj);
    if (encoding == ENCODING_LISTPACK)
        return rdb_len_size(listpack_bytes(p.obj)) + listpack_bytes(p.obj);
    struct value v = {.p = p, .type = VALUE_SET, .encoding = (uint8_t)encoding};
    uint64_t total = rdb_len_size(set_size(&v));
    set_foreach(&v, serialized_visit, &total);
    return total;
}

static int set_duplicate_op(const struct value *src, struct value *out)
{
    return set_value_duplicate(src, out);
}

/* One allocation per member of a table, one for an intset or listpack:
 * a big table is freed by the lazyfree thread (store/lazyfree.h). */
static size_t set_free_effort(int encoding, union value_payload p)
{
    if (encoding == ENCODING_INTSET || encoding == ENCODING_LISTPACK)
        return 1;
    struct value v = {.p = p, .type = VALUE_SET, .encoding = (uint8_t)encoding};
    return (size_t)set_size(&v);
}

static const struct value_type_ops set_ops = {
    .name = "set",
    .free = set_free_op,
    .duplicate = set_duplicate_op,
    .memory_usage = set_memory_usage,
    .serialized_length = set_serialized_length,
    .free_effort = set_free_effort,
};

void set_type_register(void)
{
    value_type_register(VALUE_SET, &set_ops);
}
