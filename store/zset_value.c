/*
 * The sorted-set type (store/zset_value.h): each operation on either form,
 * and the conversions between them.
 */
#include "store/zset_large.h"
#include "store/zset_listpack.h"
#include "store/zset_value.h"

#include "core/alloc.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static struct listpack *lp_of(const struct value *v)
{
    return v->p.obj;
}

static struct zset_large *large_of(const struct value *v)
{
    return v->p.obj;
}

static bool is_listpack(const struct value *v)
{
    return v->encoding == ENCODING_LISTPACK;
}

int zset_value_new(const struct zset_limits *lim, size_t size_hint, size_t len_hint,
                   struct value *out)
{
    out->type = VALUE_ZSET;
    if (lim->max_listpack_entries == 0 || size_hint > lim->max_listpack_entries ||
        len_hint > lim->max_listpack_value) {
        out->encoding = ENCODING_SKIPLIST;
        out->p.obj = zset_large_new();
    } else {
        out->encoding = ENCODING_LISTPACK;
        out->p.obj = listpack_new();
    }
    return out->p.obj ? 0 : -ENOMEM;
}

void zset_value_free(struct value *v)
{
    if (is_listpack(v))
        listpack_free(lp_of(v));
    else
        zset_large_free(large_of(v));
    v->p.obj = NULL;
}

int zset_value_duplicate(const struct value *src, struct value *out)
{
    void *copy;
    if (is_listpack(src)) {
        size_t bytes = listpack_bytes(lp_of(src));
        void *blob = mem_alloc(bytes);
        if (!blob)
            return -ENOMEM;
        memcpy(blob, src->p.obj, bytes);
        copy = listpack_from_blob(blob, bytes);
        if (!copy)
            mem_free(blob);
    } else {
        copy = zset_large_dup(large_of(src));
    }
    if (!copy)
        return -ENOMEM;
    *out = (struct value){.p.obj = copy, .type = VALUE_ZSET, .encoding = src->encoding};
    return 0;
}

uint64_t zset_card(const struct value *v)
{
    if (is_listpack(v))
        return listpack_count(lp_of(v)) / 2;
    return zset_large_count(large_of(v));
}

size_t zset_memory_usage(const struct value *v)
{
    if (is_listpack(v))
        return listpack_bytes(lp_of(v));
    return zset_large_bytes(large_of(v));
}

int zset_to_large(struct value *v)
{
    if (!is_listpack(v))
        return 0;
    struct zset_large *z = zset_large_new();
    if (!z)
        return -ENOMEM;
    const struct listpack *lp = lp_of(v);
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, listpack_next(lp, pos))) {
        struct zset_elem e;
        zlp_elem(lp, pos, &e);
        if (zset_large_insert(z, e.score, e.ptr, e.len) != 0) {
            zset_large_free(z);
            return -ENOMEM;
        }
    }
    listpack_free(v->p.obj);
    v->p.obj = z;
    v->encoding = ENCODING_SKIPLIST;
    return 0;
}

void zset_shrink_if_fits(struct value *v, const struct zset_limits *lim)
{
    if (is_listpack(v) || zset_card(v) > lim->max_listpack_entries)
        return;
    struct zset_large *z = large_of(v);
    for (const struct zt_node *leaf = z->tree.first; leaf; leaf = leaf->next)
        for (unsigned i = 0; i < leaf->n; i++)
            if (leaf->u.item[i]->len > lim->max_listpack_value)
                return;
    struct listpack *lp = listpack_new();
    for (const struct zt_node *leaf = z->tree.first; lp && leaf; leaf = leaf->next)
        for (unsigned i = 0; lp && i < leaf->n; i++) {
            const struct zset_node *x = leaf->u.item[i];
            char buf[32];
            int slen = zset_format_score(buf, x->score);
            if (listpack_append(&lp, x->data, x->len) != 0 ||
                listpack_append(&lp, buf, (size_t)slen) != 0) {
                listpack_free(lp);
                lp = NULL;
            }
        }
    if (!lp)
        return; /* stays large: still correct */
    zset_large_free(z);
    v->p.obj = lp;
    v->encoding = ENCODING_LISTPACK;
}

/* Whether a new member still fits the listpack form. */
static bool listpack_takes(const struct value *v, const struct zset_limits *lim, size_t len)
{
    return zset_card(v) + 1 <= lim->max_listpack_entries && len <= lim->max_listpack_value &&
           listpack_safe_to_add(lp_of(v), len + 32);
}

/* The NX/XX/GT/LT/INCR decision on an existing member (Redis's zsetAdd):
 * false when nothing is to be done; *score becomes the new score. */
static bool update_allowed(int in, double cur, double *score, int *out)
{
    if (in & ZADD_IN_NX) {
        *out |= ZADD_OUT_NOP;
        return false;
    }
    if (in & ZADD_IN_INCR) {
        *score += cur;
        if (isnan(*score)) {
            *out |= ZADD_OUT_NAN;
            return false;
        }
    }
    if (((in & ZADD_IN_LT) && *score >= cur) || ((in & ZADD_IN_GT) && *score <= cur)) {
        *out |= ZADD_OUT_NOP;
        return false;
    }
    return true;
}

static int add_listpack(struct value *v, double score, const void *m, size_t len, int in, int *out,
                        double *new_score)
{
    double cur;
    zlp_find(lp_of(v), m, len, &cur);
    if (!update_allowed(in, cur, &score, out))
        return 0;
    if (new_score)
        *new_score = score;
    if (score == cur)
        return 0;
    /* The new pair goes in first, so a failed allocation changes nothing;
     * then the old one (the only pair of this member with the old score). */
    struct listpack **lp = (struct listpack **)&v->p.obj;
    if (zlp_insert(lp, score, m, len) != 0)
        return -ENOMEM;
    for (size_t p = listpack_first(*lp); p; p = listpack_next(*lp, listpack_next(*lp, p))) {
        struct zset_elem e;
        zlp_elem(*lp, p, &e);
        if (e.score == cur && e.len == len && memcmp(e.ptr, m, len) == 0) {
            listpack_delete(lp, p, 2);
            break;
        }
    }
    *out |= ZADD_OUT_UPDATED;
    return 0;
}

static int add_large(struct value *v, double score, const void *m, size_t len, int in, int *out,
                     double *new_score)
{
    struct zset_large *z = large_of(v);
    struct zset_node *x = zset_large_find(z, m, len);
    if (x) {
        if (!update_allowed(in, x->score, &score, out))
            return 0;
        if (new_score)
            *new_score = score;
        if (score == x->score)
            return 0;
        if (zset_large_rescore(z, x, score) != 0)
            return -ENOMEM;
        *out |= ZADD_OUT_UPDATED;
        return 0;
    }
    if (in & ZADD_IN_XX) {
        *out |= ZADD_OUT_NOP;
        return 0;
    }
    if (zset_large_insert(z, score, m, len) != 0)
        return -ENOMEM;
    if (new_score)
        *new_score = score;
    *out |= ZADD_OUT_ADDED;
    return 0;
}

int zset_add(struct value *v, const struct zset_limits *lim, double score, const void *member,
             size_t len, int in_flags, int *out_flags, double *new_score)
{
    *out_flags = 0;
    if (isnan(score)) {
        *out_flags = ZADD_OUT_NAN;
        return 0;
    }
    if (is_listpack(v)) {
        if (zlp_find(lp_of(v), member, len, NULL))
            return add_listpack(v, score, member, len, in_flags, out_flags, new_score);
        if (in_flags & ZADD_IN_XX) {
            *out_flags = ZADD_OUT_NOP;
            return 0;
        }
        if (listpack_takes(v, lim, len)) {
            int rc = zlp_insert((struct listpack **)&v->p.obj, score, member, len);
            if (rc != 0)
                return -ENOMEM;
            if (new_score)
                *new_score = score;
            *out_flags = ZADD_OUT_ADDED;
            return 0;
        }
        if (zset_to_large(v) != 0)
            return -ENOMEM;
    }
    return add_large(v, score, member, len, in_flags, out_flags, new_score);
}

bool zset_delete(struct value *v, const void *member, size_t len)
{
    if (is_listpack(v)) {
        size_t pos = zlp_find(lp_of(v), member, len, NULL);
        if (!pos)
            return false;
        listpack_delete((struct listpack **)&v->p.obj, pos, 2);
        return true;
    }
    struct zset_node *x = zset_large_find(large_of(v), member, len);
    if (!x)
        return false;
    zset_large_remove(large_of(v), x);
    return true;
}

bool zset_score(const struct value *v, const void *member, size_t len, double *score)
{
    if (is_listpack(v))
        return zlp_find(lp_of(v), member, len, score) != 0;
    struct zset_node *x = zset_large_find(large_of(v), member, len);
    if (x)
        *score = x->score;
    return x != NULL;
}

long long zset_rank(const struct value *v, const void *member, size_t len, bool reverse,
                    double *score)
{
    uint64_t card = zset_card(v), rank = 0;
    if (is_listpack(v)) {
        const struct listpack *lp = lp_of(v);
        size_t pos = zlp_find(lp, member, len, score);
        if (!pos)
            return -1;
        for (size_t p = listpack_first(lp); p != pos; p = listpack_next(lp, listpack_next(lp, p)))
            rank++;
    } else {
        struct zset_node *x = zset_large_find(large_of(v), member, len);
        if (!x)
            return -1;
        *score = x->score;
        rank = zt_rank(&large_of(v)->tree, x);
    }
    return (long long)(reverse ? card - 1 - rank : rank);
}
