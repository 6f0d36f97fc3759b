/*
 * libFuzzer target for the hash value type (store/hash_value.h) against a
 * reference model (an array of field/value pairs searched linearly).
 *
 * Byte 0 picks hash-max-listpack-entries (0..15) and byte 1
 * hash-max-listpack-value (0..31); the rest is a stream of operations on
 * fields from a small alphabet (so that they repeat) with values of any
 * length up to 40 bytes, some of them decimal integers (stored as integers
 * in a listpack): sets (some under an injected allocation failure, after
 * which the hash must be exactly as before), deletes, lookups, COPY's
 * duplicate, random picks and full scans. After every operation the hash
 * must hold exactly the model's pairs, and its encoding must be the
 * listpack until a limit was passed and the table ever after.
 */
#include "store/hash_value.h"

#include "core/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

enum { MAX_FIELDS = 64, MAX_LEN = 40 };

struct pair {
    char field[8];
    size_t flen;
    char value[MAX_LEN];
    size_t vlen;
};

struct model {
    struct pair pairs[MAX_FIELDS];
    int n;
};

struct input {
    const uint8_t *data;
    size_t size;
};

static uint8_t take(struct input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

static int model_find(const struct model *m, const char *f, size_t flen)
{
    for (int i = 0; i < m->n; i++)
        if (m->pairs[i].flen == flen && memcmp(m->pairs[i].field, f, flen) == 0)
            return i;
    return -1;
}

static size_t make_field(struct input *in, char *out)
{
    uint8_t b = take(in);
    size_t len = 1 + b % 3;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)('a' + (b >> 2) % 8 + (int)i);
    if (b % 5 == 0) /* a field that is an integer */
        return (size_t)snprintf(out, 8, "%d", (int8_t)b);
    return len;
}

static size_t make_value(struct input *in, char *out)
{
    uint8_t b = take(in);
    if (b % 3 == 0) { /* an integer, stored as one in a listpack */
        long long v = (long long)(int8_t)take(in) * (b % 2 ? 1 : 100000007LL);
        return (size_t)snprintf(out, MAX_LEN, "%lld", v);
    }
    size_t len = b % (MAX_LEN + 1);
    for (size_t i = 0; i < len; i++)
        out[i] = (char)take(in);
    return len;
}

struct seen {
    const struct model *m;
    int count;
    bool mark[MAX_FIELDS];
    bool exact; /* each field exactly once (foreach), else at least once (scan) */
};

static void check_pair(void *ctx, const struct hash_bytes *f, const struct hash_bytes *v)
{
    struct seen *s = ctx;
    int i = model_find(s->m, (const char *)f->ptr, f->len);
    CHECK(i >= 0);
    CHECK(v->len == s->m->pairs[i].vlen && memcmp(v->ptr, s->m->pairs[i].value, v->len) == 0);
    CHECK(!s->exact || !s->mark[i]);
    s->mark[i] = true;
    s->count++;
}

static void check_same(struct value *v, const struct model *m, bool converted)
{
    CHECK(hash_length(v) == (size_t)m->n);
    CHECK(v->encoding == (converted ? ENCODING_HASHTABLE : ENCODING_LISTPACK));
    if (v->encoding == ENCODING_LISTPACK)
        CHECK(listpack_validate(v->p.obj, listpack_bytes(v->p.obj), true));
    struct seen s = {.m = m, .exact = true};
    hash_foreach(v, check_pair, &s);
    CHECK(s.count == m->n);
    for (int i = 0; i < m->n; i++) {
        struct hash_bytes b;
        CHECK(hash_get(v, m->pairs[i].field, m->pairs[i].flen, &b));
        CHECK(b.len == m->pairs[i].vlen && memcmp(b.ptr, m->pairs[i].value, b.len) == 0);
    }
}

static void op_set(struct input *in, struct value *v, struct model *m,
                   const struct hash_limits *lim, bool *converted)
{
    struct pair p;
    p.flen = make_field(in, p.field);
    p.vlen = make_value(in, p.value);
    uint8_t fail = take(in);
    int i = model_find(m, p.field, p.flen);
    if (i < 0 && m->n == MAX_FIELDS)
        return;
    if (fail % 4 == 0)
        mem_fail_after(fail / 4 % 8);
    int rc = hash_set(v, p.field, p.flen, p.value, p.vlen, lim);
    mem_fail_reset();
    if (rc < 0) {
        /* check_same: no field changed; a conversion the long string
         * called for may have happened before the failure. */
        CHECK(rc == -ENOMEM);
        if (v->encoding == ENCODING_HASHTABLE && !*converted) {
            CHECK(p.flen > lim->max_value || p.vlen > lim->max_value);
            *converted = true;
        }
        return;
    }
    CHECK(rc == (i < 0));
    if (p.flen > lim->max_value || p.vlen > lim->max_value)
        *converted = true;
    if (i < 0)
        i = m->n++;
    m->pairs[i] = p;
    if ((size_t)m->n > lim->max_entries)
        *converted = true;
}

static void op_delete(struct input *in, struct value *v, struct model *m)
{
    char f[8];
    size_t flen = make_field(in, f);
    int i = model_find(m, f, flen);
    CHECK(hash_delete(v, f, flen) == (i >= 0));
    if (i >= 0)
        m->pairs[i] = m->pairs[--m->n];
}

static void op_scan(struct value *v, const struct model *m)
{
    struct seen s = {.m = m, .exact = false};
    uint64_t cursor = 0;
    int steps = 0;
    do {
        cursor = hash_scan(v, cursor, check_pair, &s);
        CHECK(++steps < 1 << 20);
    } while (cursor != 0);
    for (int i = 0; i < m->n; i++)
        CHECK(s.mark[i]);
}

static void op_random(struct value *v, const struct model *m, uint64_t *rng)
{
    if (m->n == 0)
        return;
    struct hash_bytes f, val;
    hash_item_read(v, hash_random_item(v, rng), &f, &val);
    struct seen s = {.m = m};
    check_pair(&s, &f, &val);
}

static void op_copy(struct value *v, const struct model *m, bool converted)
{
    struct value copy;
    if (value_duplicate(v, &copy) != 0)
        return;
    check_same(&copy, m, converted);
    value_release(copy.type, copy.encoding, copy.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    hash_type_register();
    struct hash_limits lim = {take(&in) % 16, take(&in) % 32};
    struct value v;
    if (hash_value_new(&v) != 0)
        return 0;
    struct model m = {.n = 0};
    bool converted = false;
    uint64_t rng = 1;
    while (in.size > 0) {
        switch (take(&in) % 8) {
        case 0:
        case 1:
        case 2:
            op_set(&in, &v, &m, &lim, &converted);
            break;
        case 3:
        case 4:
            op_delete(&in, &v, &m);
            break;
        case 5:
            op_scan(&v, &m);
            break;
        case 6:
            op_random(&v, &m, &rng);
            break;
        case 7:
            op_copy(&v, &m, converted);
            break;
        }
        check_same(&v, &m, converted);
    }
    value_release(v.type, v.encoding, v.p);
    return 0;
}
