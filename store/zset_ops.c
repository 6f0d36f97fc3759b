/*
 * The sorted-set type's value_type_ops (store/value.h), its thresholds, and
 * scores as Redis parses and formats them (store/zset_value.h).
 */
#include "store/keyspace_impl.h"
#include "store/listpack.h"
#include "store/zset_large.h"
#include "store/zset_value.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zset_limits_of(const struct keyspace *ks, struct zset_limits *out)
{
    struct keyspace *k = (struct keyspace *)ks;
    out->max_listpack_entries =
        atomic_load_explicit(&k->zset_max_listpack_entries, memory_order_relaxed);
    out->max_listpack_value =
        atomic_load_explicit(&k->zset_max_listpack_value, memory_order_relaxed);
}

int zset_format_score(char buf[32], double score)
{
    if (isinf(score))
        return snprintf(buf, 32, "%s", score > 0 ? "inf" : "-inf");
    /* Integral values strictly inside +-2^52 print as integers (d2string;
     * -0 too, as "0"). */
    if (score > -4503599627370495.0 && score < 4503599627370496.0 &&
        score == (double)(long long)score)
        return snprintf(buf, 32, "%lld", (long long)score);
    return snprintf(buf, 32, "%.17g", score);
}

bool zset_parse_score(const char *s, size_t len, double *out)
{
    char buf[5 * 1024]; /* Redis refuses longer floats (MAX_LONG_DOUBLE_CHARS) */
    if (len == 0 || len >= sizeof(buf) || isspace((unsigned char)s[0]))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if ((size_t)(end - buf) != len || isnan(v))
        return false;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO))
        return false;
    *out = v;
    return true;
}

static void zset_free_op(int encoding, union value_payload p)
{
    struct value v = {.p = p, .type = VALUE_ZSET, .encoding = (uint8_t)encoding};
    zset_value_free(&v);
}

static int zset_duplicate_op(const struct value *src, struct value *out)
{
    return zset_value_duplicate(src, out);
}

static size_t zset_memory_op(int encoding, union value_payload p)
{
    struct value v = {.p = p, .type = VALUE_ZSET, .encoding = (uint8_t)encoding};
    return zset_memory_usage(&v);
}

static uint64_t rdb_len_size(uint64_t len)
{
    return len < (1u << 6) ? 1 : len < (1u << 14) ? 2 : len <= UINT32_MAX ? 5 : 9;
}

/* DEBUG OBJECT's serializedlength: a listpack is one RDB string holding
 * the blob; the large form, the count, then each member and its binary
 * score (RDB_TYPE_ZSET_2). */
static uint64_t zset_serialized_length(int encoding, union value_payload p)
{
    if (encoding == ENCODING_LISTPACK)
        return rdb_len_size(listpack_bytes(p.obj)) + listpack_bytes(p.obj);
    const struct zset_large *z = p.obj;
    uint64_t total = rdb_len_size(zset_large_count(z));
    for (const struct zt_node *leaf = z->tree.first; leaf; leaf = leaf->next)
        for (unsigned i = 0; i < leaf->n; i++)
            total += rdb_len_size(leaf->u.item[i]->len) + leaf->u.item[i]->len + 8;
    return total;
}

/* One allocation per member in the large form: big ones are freed by the
 * lazyfree thread (store/lazyfree.h). */
static size_t zset_free_effort(int encoding, union value_payload p)
{
    if (encoding == ENCODING_LISTPACK)
        return 1;
    return (size_t)zset_large_count(p.obj);
}

static const struct value_type_ops zset_ops = {
    .name = "zset",
    .free = zset_free_op,
    .duplicate = zset_duplicate_op,
    .memory_usage = zset_memory_op,
    .serialized_length = zset_serialized_length,
    .free_effort = zset_free_effort,
};

void zset_type_register(void)
{
    value_type_register(VALUE_ZSET, &zset_ops);
}
