/*
 * The hash type's operations on either encoding (store/hash_value.h): the
 * listpack form is handled here, the table form in hash_table_form.c.
 */
#include "store/hash_value.h"

#include "core/alloc.h"
#include "store/hash_table_form.h"

#include <errno.h>
#include <string.h>

static struct listpack *lp_of(const struct value *v)
{
    return (struct listpack *)v->p.obj;
}

static struct hash_table_form *table_of(const struct value *v)
{
    return (struct hash_table_form *)v->p.obj;
}

static bool is_listpack(const struct value *v)
{
    return v->encoding == ENCODING_LISTPACK;
}

int hash_value_new(struct value *out)
{
    struct listpack *lp = listpack_new();
    if (!lp)
        return -ENOMEM;
    out->type = VALUE_HASH;
    out->encoding = ENCODING_LISTPACK;
    out->p.obj = lp;
    return 0;
}

size_t hash_length(const struct value *v)
{
    if (is_listpack(v))
        return listpack_count(lp_of(v)) / 2;
    return (size_t)table_count(&table_of(v)->table);
}

/* The position of the field's entry in a listpack hash, or 0. */
static size_t lp_find_field(const struct listpack *lp, const void *field, size_t flen)
{
    size_t first = listpack_first(lp);
    return first ? listpack_find(lp, first, field, flen, 1) : 0;
}

static void lp_read(const struct listpack *lp, size_t pos, struct hash_bytes *out)
{
    out->ptr = listpack_get_bytes(lp, pos, &out->len, out->buf);
}

static void node_read_field(const struct hash_node *n, struct hash_bytes *out)
{
    out->ptr = n->data;
    out->len = n->flen;
}

static void node_read_value(const struct hash_node *n, struct hash_bytes *out)
{
    out->ptr = hash_node_value(n);
    out->len = n->vlen;
}

bool hash_get(const struct value *v, const void *field, size_t flen, struct hash_bytes *out)
{
    if (is_listpack(v)) {
        size_t pos = lp_find_field(lp_of(v), field, flen);
        if (!pos)
            return false;
        lp_read(lp_of(v), listpack_next(lp_of(v), pos), out);
        return true;
    }
    struct hash_node *n = hash_table_find(table_of(v), field, flen, NULL);
    if (!n)
        return false;
    node_read_value(n, out);
    return true;
}

bool hash_exists(const struct value *v, const void *field, size_t flen)
{
    if (is_listpack(v))
        return lp_find_field(lp_of(v), field, flen) != 0;
    return hash_table_find(table_of(v), field, flen, NULL) != NULL;
}

int hash_convert(struct value *v)
{
    if (!is_listpack(v))
        return 0;
    struct listpack *lp = lp_of(v);
    struct hash_table_form *h = hash_table_new();
    if (!h)
        return -ENOMEM;
    for (size_t pos = listpack_first(lp); pos;) {
        struct hash_bytes f, val;
        size_t vpos = listpack_next(lp, pos);
        lp_read(lp, pos, &f);
        lp_read(lp, vpos, &val);
        if (hash_table_set(h, f.ptr, f.len, val.ptr, val.len) < 0) {
            hash_table_free(h);
            return -ENOMEM;
        }
        pos = listpack_next(lp, vpos);
    }
    listpack_free(lp);
    v->encoding = ENCODING_HASHTABLE;
    v->p.obj = h;
    return 0;
}

int hash_prepare_write(struct value *v, size_t longest, size_t total, const struct hash_limits *lim)
{
    if (is_listpack(v) && (longest > lim->max_value || !listpack_safe_to_add(lp_of(v), total)))
        return hash_convert(v);
    return 0;
}

/* The listpack half of hash_set (no conversion before it was needed). */
static int lp_set(struct value *v, const void *field, size_t flen, const void *val, size_t vlen)
{
    struct listpack *lp = lp_of(v);
    size_t pos = lp_find_field(lp, field, flen);
    if (pos) {
        int rc = listpack_replace(&lp, listpack_next(lp, pos), val, vlen);
        v->p.obj = lp;
        return rc ? -ENOMEM : 0;
    }
    if (listpack_append(&lp, field, flen) != 0)
        return -ENOMEM;
    v->p.obj = lp;
    if (listpack_append(&lp, val, vlen) != 0) {
        listpack_delete_range(&lp, -1, 1);
        v->p.obj = lp;
        return -ENOMEM;
    }
    v->p.obj = lp;
    return 1;
}

int hash_set(struct value *v, const void *field, size_t flen, const void *val, size_t vlen,
             const struct hash_limits *lim)
{
    if (is_listpack(v) &&
        (flen > lim->max_value || vlen > lim->max_value ||
         !listpack_safe_to_add(lp_of(v), flen + vlen)) &&
        hash_convert(v) != 0)
        return -ENOMEM;
    if (!is_listpack(v))
        return hash_table_set(table_of(v), field, flen, val, vlen);
    int rc = lp_set(v, field, flen, val, vlen);
    if (rc == 1 && hash_length(v) > lim->max_entries && hash_convert(v) != 0) {
        /* Undo the add: all or nothing. */
        struct listpack *lp = lp_of(v);
        listpack_delete_range(&lp, -2, 2);
        v->p.obj = lp;
        return -ENOMEM;
    }
    return rc;
}

/* The table half of hash_set_pairs: every node is built before the first
 * is linked. */
static long table_set_pairs(struct hash_table_form *h, const struct hash_pair *pairs, size_t n)
{
    struct hash_node *small[8];
    struct hash_node **nodes = n <= 8 ? small : mem_alloc(n * sizeof(*nodes));
    if (!nodes || hash_table_reserve(h) != 0) {
        if (nodes != small)
            mem_free(nodes);
        return -ENOMEM;
    }
    size_t built = 0;
    for (; built < n; built++) {
        const struct hash_pair *p = &pairs[built];
        nodes[built] = hash_node_new(p->field, p->flen, p->value, p->vlen);
        if (!nodes[built])
            break;
    }
    long added = built == n ? 0 : -ENOMEM;
    for (size_t i = 0; i < built; i++) {
        if (added < 0)
            mem_free(nodes[i]);
        else
            added += hash_table_put(h, nodes[i]);
    }
    if (nodes != small)
        mem_free(nodes);
    return added;
}

long hash_set_pairs(struct value *v, const struct hash_pair *pairs, size_t n,
                    const struct hash_limits *lim)
{
    if (n == 1) /* hash_set is all or nothing already */
        return hash_set(v, pairs[0].field, pairs[0].flen, pairs[0].value, pairs[0].vlen, lim);
    if (!is_listpack(v))
        return table_set_pairs(table_of(v), pairs, n);
    /* A listpack: keep a copy to go back to (a conversion halfway through
     * is undone with it too). */
    size_t size = listpack_bytes(lp_of(v));
    void *copy = mem_alloc(size);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, lp_of(v), size);
    long added = 0;
    for (size_t i = 0; i < n; i++) {
        const struct hash_pair *p = &pairs[i];
        int rc = hash_set(v, p->field, p->flen, p->value, p->vlen, lim);
        if (rc < 0) {
            value_release(v->type, v->encoding, v->p);
            v->encoding = ENCODING_LISTPACK;
            v->p.obj = copy; /* the bytes of a listpack we had */
            return -ENOMEM;
        }
        added += rc;
    }
    mem_free(copy);
    return added;
}

bool hash_delete(struct value *v, const void *field, size_t flen)
{
    if (!is_listpack(v))
        return hash_table_delete(table_of(v), field, flen);
    struct listpack *lp = lp_of(v);
    size_t pos = lp_find_field(lp, field, flen);
    if (!pos)
        return false;
    listpack_delete(&lp, pos, 2);
    v->p.obj = lp;
    return true;
}

struct table_visit {
    hash_visit_fn fn;
    void *ctx;
};

static void visit_node(void *ctx, struct table_node *tn)
{
    struct table_visit *tv = ctx;
    struct hash_node *n = hash_node_of(tn);
    struct hash_bytes f, val;
    node_read_field(n, &f);
    node_read_value(n, &val);
    tv->fn(tv->ctx, &f, &val);
}

static void lp_foreach(const struct listpack *lp, hash_visit_fn fn, void *ctx)
{
    for (size_t pos = listpack_first(lp); pos;) {
        struct hash_bytes f, val;
        size_t vpos = listpack_next(lp, pos);
        lp_read(lp, pos, &f);
        lp_read(lp, vpos, &val);
        fn(ctx, &f, &val);
        pos = listpack_next(lp, vpos);
    }
}

void hash_foreach(const struct value *v, hash_visit_fn fn, void *ctx)
{
    if (is_listpack(v)) {
        lp_foreach(lp_of(v), fn, ctx);
        return;
    }
    struct table_visit tv = {fn, ctx};
    table_foreach(&table_of(v)->table, visit_node, &tv);
}

uint64_t hash_scan(struct value *v, uint64_t cursor, hash_visit_fn fn, void *ctx)
{
    if (is_listpack(v)) {
        lp_foreach(lp_of(v), fn, ctx);
        return 0;
    }
    struct table_visit tv = {fn, ctx};
    return table_scan(&table_of(v)->table, cursor, visit_node, &tv);
}

void hash_item_read(const struct value *v, hash_item it, struct hash_bytes *field,
                    struct hash_bytes *value)
{
    if (is_listpack(v)) {
        size_t pos = (size_t)it;
        lp_read(lp_of(v), pos, field);
        if (value)
            lp_read(lp_of(v), listpack_next(lp_of(v), pos), value);
        return;
    }
    const struct hash_node *n = (const struct hash_node *)it;
    node_read_field(n, field);
    if (value)
        node_read_value(n, value);
}

void hash_items(const struct value *v, hash_item *items)
{
    if (!is_listpack(v)) {
        hash_table_nodes(table_of(v), items);
        return;
    }
    size_t i = 0;
    const struct listpack *lp = lp_of(v);
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, listpack_next(lp, pos)))
        items[i++] = (hash_item)pos;
}

hash_item hash_random_item(const struct value *v, uint64_t *rng)
{
    if (!is_listpack(v))
        return (hash_item)hash_table_random(table_of(v), rng);
    size_t n = hash_length(v);
    long index = (long)(hash_random_next(rng) % n);
    return (hash_item)listpack_seek(lp_of(v), 2 * index);
}

size_t hash_memory_usage(const struct value *v)
{
    if (is_listpack(v))
        return listpack_bytes(lp_of(v));
    const struct hash_table_form *h = table_of(v);
    return sizeof(*h) + (size_t)h->bytes + (size_t)table_bucket_bytes(&h->table);
}
