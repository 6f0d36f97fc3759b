/*
 * The set value type (store/set_value.h): its three encodings, the
 * conversions between them, and its value_type_ops.
 */
#include "store/set_value.h"
#include "store/intset.h"
#include "store/keyspace_impl.h"
#include "store/listpack.h"
#include "store/set_table.h"

#include "core/alloc.h"
#include "core/strconv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void set_limits_of(const struct keyspace *ks, struct set_limits *out)
{
    struct keyspace *k = (struct keyspace *)ks;
    out->max_intset_entries =
        atomic_load_explicit(&k->set_max_intset_entries, memory_order_relaxed);
    out->max_listpack_entries =
        atomic_load_explicit(&k->set_max_listpack_entries, memory_order_relaxed);
    out->max_listpack_value =
        atomic_load_explicit(&k->set_max_listpack_value, memory_order_relaxed);
}

void set_value_wrap(int encoding, void *obj, struct value *out)
{
    out->type = VALUE_SET;
    out->encoding = (uint8_t)encoding;
    out->p.obj = obj;
}

static bool member_integer(const void *member, size_t len, long long *num)
{
    return strconv_parse_ll(member, len, num);
}

int set_value_new(const struct set_limits *lim, const void *member, size_t len, size_t size_hint,
                  struct value *out)
{
    long long num;
    void *obj;
    int encoding;
    if (member_integer(member, len, &num) && size_hint <= lim->max_intset_entries) {
        obj = intset_new();
        encoding = ENCODING_INTSET;
    } else if (size_hint <= lim->max_listpack_entries && len <= lim->max_listpack_value) {
        obj = listpack_new();
        encoding = ENCODING_LISTPACK;
    } else {
        obj = set_table_new();
        encoding = ENCODING_HASHTABLE;
    }
    if (!obj)
        return -ENOMEM;
    set_value_wrap(encoding, obj, out);
    return 0;
}

uint64_t set_size(const struct value *v)
{
    switch (v->encoding) {
    case ENCODING_INTSET:
        return intset_length(v->p.obj);
    case ENCODING_LISTPACK:
        return listpack_count(v->p.obj);
    default:
        return set_table_count(v->p.obj);
    }
}

const char *set_member_bytes(const struct set_member_ref *m, char buf[24], size_t *len)
{
    if (m->ptr) {
        *len = m->len;
        return m->ptr;
    }
    *len = strconv_format_ll(buf, m->num);
    return buf;
}

/* ---- iteration ---- */

struct foreach_walk {
    set_visit_fn fn;
    void *ctx;
    bool stopped;
};

/* table_foreach cannot stop: after fn says stop, the rest is skipped. */
static void foreach_visit(void *ctx, struct table_node *n)
{
    struct foreach_walk *w = ctx;
    if (w->stopped)
        return;
    struct set_table_member *tm = set_table_member_of(n);
    struct set_member_ref m = {tm->data, tm->len, 0};
    w->stopped = !w->fn(w->ctx, &m);
}

void set_foreach(const struct value *v, set_visit_fn fn, void *ctx)
{
    struct set_member_ref m;
    if (v->encoding == ENCODING_INTSET) {
        const struct intset *is = v->p.obj;
        uint32_t n = intset_length(is);
        for (uint32_t i = 0; i < n; i++) {
            m = (struct set_member_ref){NULL, 0, intset_get(is, i)};
            if (!fn(ctx, &m))
                return;
        }
    } else if (v->encoding == ENCODING_LISTPACK) {
        const struct listpack *lp = v->p.obj;
        for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, pos)) {
            struct listpack_value lv;
            listpack_get(lp, pos, &lv);
            m = (struct set_member_ref){(const char *)lv.str, lv.len, lv.integer};
            if (!fn(ctx, &m))
                return;
        }
    } else {
        struct foreach_walk w = {fn, ctx, false};
        table_foreach(&((struct set_table *)v->p.obj)->table, foreach_visit, &w);
    }
}

/* ---- conversions (never back to a smaller encoding) ---- */

struct convert_walk {
    void *dst;
    int encoding;
    bool failed;
};

static bool convert_visit(void *ctx, const struct set_member_ref *m)
{
    struct convert_walk *w = ctx;
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    int rc = w->encoding == ENCODING_LISTPACK
                 ? listpack_append((struct listpack **)&w->dst, bytes, len)
                 : set_table_add_new(w->dst, bytes, len);
    w->failed = rc < 0;
    return !w->failed;
}

/* Rebuilds v in `encoding` (listpack or hashtable); 0 or -ENOMEM with v
 * unchanged. */
static int set_convert(struct value *v, int encoding)
{
    struct convert_walk w = {
        .dst = encoding == ENCODING_LISTPACK ? (void *)listpack_new() : (void *)set_table_new(),
        .encoding = encoding,
    };
    if (!w.dst)
        return -ENOMEM;
    set_foreach(v, convert_visit, &w);
    struct value converted;
    set_value_wrap(encoding, w.dst, &converted);
    if (w.failed) {
        set_value_free(&converted);
        return -ENOMEM;
    }
    set_value_free(v);
    *v = converted;
    return 0;
}

/* Whether an intset's members, written as listpack entries, plus one more
 * member of len bytes stay within the listpack thresholds (Redis 7.2's
 * check before it turns an intset into a listpack). */
static bool intset_fits_listpack(const struct intset *is, const struct set_limits *lim, size_t len)
{
    uint32_t n = intset_length(is);
    if (n >= lim->max_listpack_entries || len > lim->max_listpack_value)
        return false;
    if (n == 0)
        return true;
    char buf[24];
    size_t widest = strconv_format_ll(buf, intset_get(is, 0));
    size_t last = strconv_format_ll(buf, intset_get(is, n - 1));
    return (last > widest ? last : widest) <= lim->max_listpack_value;
}

static int intset_add_member(struct value *v, const struct set_limits *lim, const void *member,
                             size_t len)
{
    long long num;
    if (member_integer(member, len, &num)) {
        bool added = false;
        struct intset *is = v->p.obj;
        if (intset_add(&is, num, &added) != 0)
            return -ENOMEM;
        v->p.obj = is;
        /* Past the threshold the intset becomes a table; should that fail
         * for memory, the member stays in the (valid) intset. */
        if (added && intset_length(is) > lim->max_intset_entries)
            (void)set_convert(v, ENCODING_HASHTABLE);
        return added ? 1 : 0;
    }
    int target = intset_fits_listpack(v->p.obj, lim, len) ? ENCODING_LISTPACK : ENCODING_HASHTABLE;
    if (set_convert(v, target) != 0)
        return -ENOMEM;
    return set_add(v, lim, member, len);
}

static int listpack_add_member(struct value *v, const struct set_limits *lim, const void *member,
                               size_t len)
{
    struct listpack *lp = v->p.obj;
    size_t first = listpack_first(lp);
    if (first && listpack_find(lp, first, member, len, 0))
        return 0;
    if (listpack_count(lp) < lim->max_listpack_entries && len <= lim->max_listpack_value &&
        listpack_safe_to_add(lp, len)) {
        if (listpack_append(&lp, member, len) != 0)
            return -ENOMEM;
        v->p.obj = lp;
        return 1;
    }
    if (set_convert(v, ENCODING_HASHTABLE) != 0)
        return -ENOMEM;
    return set_table_add_new(v->p.obj, member, len);
}

int set_add(struct value *v, const struct set_limits *lim, const void *member, size_t len)
{
    switch (v->encoding) {
    case ENCODING_INTSET:
        return intset_add_member(v, lim, member, len);
    case ENCODING_LISTPACK:
        return listpack_add_member(v, lim, member, len);
    default:
        return set_table_add(v->p.obj, member, len);
    }
}

bool set_remove(struct value *v, const void *member, size_t len)
{
    long long num;
    switch (v->encoding) {
    case ENCODING_INTSET: {
        struct intset *is = v->p.obj;
        if (!member_integer(member, len, &num) || !intset_remove(&is, num))
            return false;
        v->p.obj = is;
        return true;
    }
    case ENCODING_LISTPACK: {
        struct listpack *lp = v->p.obj;
        size_t first = listpack_first(lp);
        size_t pos = first ? listpack_find(lp, first, member, len, 0) : 0;
        if (!pos)
            return false;
        listpack_delete(&lp, pos, 1);
        v->p.obj = lp;
        return true;
    }
    default:
        return set_table_remove(v->p.obj, member, len);
    }
}

bool set_contains(const struct value *v, const void *member, size_t len)
{
    long long num;
    switch (v->encoding) {
    case ENCODING_INTSET:
        return member_integer(member, len, &num) && intset_find(v->p.obj, num);
    case ENCODING_LISTPACK: {
        const struct listpack *lp = v->p.obj;
        size_t first = listpack_first(lp);
        return first && listpack_find(lp, first, member, len, 0) != 0;
    }
    default:
        return set_table_contains(v->p.obj, member, len);
    }
}

/* ---- random members ---- */

void set_random_member(const struct value *v, uint64_t *rng, struct set_member_ref *out)
{
    if (v->encoding == ENCODING_INTSET) {
        *out = (struct set_member_ref){NULL, 0, intset_random(v->p.obj, table_rng_next(rng))};
    } else if (v->encoding == ENCODING_LISTPACK) {
        const struct listpack *lp = v->p.obj;
        size_t n = listpack_count(lp);
        size_t pos = listpack_seek(lp, (long)(table_rng_next(rng) % n));
        struct listpack_value lv;
        listpack_get(lp, pos, &lv);
        *out = (struct set_member_ref){(const char *)lv.str, lv.len, lv.integer};
    } else {
        struct set_table_member *m = set_table_random(v->p.obj, rng);
        *out = (struct set_member_ref){m->data, m->len, 0};
    }
}
