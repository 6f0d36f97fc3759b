/*
 * Sorted sets by rank, score and lex (store/zset_value.h): spans of ranks
 * for a range, walking by rank, deleting ranks, random picks.
 */
#include "store/zset_large.h"
#include "store/zset_listpack.h"
#include "store/zset_value.h"

#include <string.h>

static int lex_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

bool zset_score_in_range(const struct zset_score_range *r, double s)
{
    if (r->minex ? s <= r->min : s < r->min)
        return false;
    return r->maxex ? s < r->max : s <= r->max;
}

/* An element is before the range's start / not after its end. */
static bool score_before_min(double s, const struct zset_score_range *r)
{
    return r->minex ? s <= r->min : s < r->min;
}

static bool score_upto_max(double s, const struct zset_score_range *r)
{
    return r->maxex ? s < r->max : s <= r->max;
}

static bool lex_before_min(const void *m, size_t len, const struct zset_lex_range *r)
{
    if (r->mininf)
        return r->mininf > 0;
    int c = lex_cmp(m, len, r->min, r->minlen);
    return r->minex ? c <= 0 : c < 0;
}

static bool lex_upto_max(const void *m, size_t len, const struct zset_lex_range *r)
{
    if (r->maxinf)
        return r->maxinf > 0;
    int c = lex_cmp(m, len, r->max, r->maxlen);
    return r->maxex ? c < 0 : c <= 0;
}

bool zset_lex_in_range(const struct zset_lex_range *r, const void *m, size_t len)
{
    return !lex_before_min(m, len, r) && lex_upto_max(m, len, r);
}

static bool lp_score_below(const struct zset_elem *e, const void *r)
{
    return score_before_min(e->score, r);
}
static bool lp_score_upto(const struct zset_elem *e, const void *r)
{
    return score_upto_max(e->score, r);
}
static bool lp_lex_below(const struct zset_elem *e, const void *r)
{
    return lex_before_min(e->ptr, e->len, r);
}
static bool lp_lex_upto(const struct zset_elem *e, const void *r)
{
    return lex_upto_max(e->ptr, e->len, r);
}
static bool zt_score_below(const struct zset_node *x, const void *r)
{
    return score_before_min(x->score, r);
}
static bool zt_score_upto(const struct zset_node *x, const void *r)
{
    return score_upto_max(x->score, r);
}
static bool zt_lex_below(const struct zset_node *x, const void *r)
{
    return lex_before_min(x->data, x->len, r);
}
static bool zt_lex_upto(const struct zset_node *x, const void *r)
{
    return lex_upto_max(x->data, x->len, r);
}

static void span(const struct value *v, zlp_pred lp_lo, zlp_pred lp_hi, zt_pred zt_lo,
                 zt_pred zt_hi, const void *r, uint64_t *first, uint64_t *end)
{
    if (v->encoding == ENCODING_LISTPACK) {
        *first = zlp_count_prefix(v->p.obj, lp_lo, r);
        *end = zlp_count_prefix(v->p.obj, lp_hi, r);
    } else {
        const struct zset_large *z = v->p.obj;
        *first = zt_count_prefix(&z->tree, zt_lo, r);
        *end = zt_count_prefix(&z->tree, zt_hi, r);
    }
    if (*end < *first)
        *end = *first;
}

void zset_score_span(const struct value *v, const struct zset_score_range *r, uint64_t *first,
                     uint64_t *end)
{
    span(v, lp_score_below, lp_score_upto, zt_score_below, zt_score_upto, r, first, end);
}

void zset_lex_span(const struct value *v, const struct zset_lex_range *r, uint64_t *first,
                   uint64_t *end)
{
    span(v, lp_lex_below, lp_lex_upto, zt_lex_below, zt_lex_upto, r, first, end);
}

void zset_iter_init(struct zset_iter *it, const struct value *v, uint64_t rank, bool reverse)
{
    uint64_t card = zset_card(v);
    it->v = v;
    it->reverse = reverse;
    it->left = rank < card ? (reverse ? rank + 1 : card - rank) : 0;
    it->pos = 0;
    it->leaf = NULL;
    it->idx = 0;
    if (!it->left)
        return;
    if (v->encoding == ENCODING_LISTPACK) {
        it->pos = listpack_seek(v->p.obj, (long)(2 * rank));
    } else {
        struct zt_node *leaf;
        zt_at(&((const struct zset_large *)v->p.obj)->tree, rank, &leaf, &it->idx);
        it->leaf = leaf;
    }
}

static void elem_of_node(const struct zset_node *x, struct zset_elem *out)
{
    out->ptr = x->data;
    out->len = x->len;
    out->score = x->score;
}

bool zset_iter_next(struct zset_iter *it, struct zset_elem *out)
{
    if (!it->left)
        return false;
    it->left--;
    if (it->v->encoding == ENCODING_LISTPACK) {
        const struct listpack *lp = it->v->p.obj;
        zlp_elem(lp, it->pos, out);
        if (it->left)
            it->pos = it->reverse ? listpack_prev(lp, listpack_prev(lp, it->pos))
                                  : listpack_next(lp, listpack_next(lp, it->pos));
        return true;
    }
    struct zt_node *leaf = it->leaf;
    elem_of_node(leaf->u.item[it->idx], out);
    if (!it->left)
        return true;
    if (it->reverse) {
        if (it->idx > 0) {
            it->idx--;
        } else {
            it->leaf = leaf->prev;
            it->idx = leaf->prev->n - 1u;
        }
    } else if (++it->idx == leaf->n) {
        it->leaf = leaf->next;
        it->idx = 0;
    }
    return true;
}

void zset_at(const struct value *v, uint64_t rank, struct zset_elem *out)
{
    struct zset_iter it;
    zset_iter_init(&it, v, rank, false);
    zset_iter_next(&it, out);
}

void zset_delete_ranks(struct value *v, uint64_t first, uint64_t end)
{
    if (end <= first)
        return;
    if (v->encoding == ENCODING_LISTPACK) {
        listpack_delete_range((struct listpack **)&v->p.obj, (long)(2 * first),
                              (size_t)(2 * (end - first)));
        return;
    }
    struct zset_large *z = v->p.obj;
    for (uint64_t n = end - first; n > 0; n--) {
        struct zt_node *leaf;
        unsigned idx;
        zset_large_remove(z, zt_at(&z->tree, first, &leaf, &idx));
    }
}

void zset_random(const struct value *v, uint64_t *rng, struct zset_elem *out)
{
    zset_at(v, table_rng_next(rng) % zset_card(v), out);
}

struct scan_visit {
    zset_scan_fn fn;
    void *ctx;
};

static void scan_node(void *ctx, struct table_node *n)
{
    struct scan_visit *sv = ctx;
    struct zset_elem e;
    elem_of_node(zset_node_of(n), &e);
    sv->fn(sv->ctx, &e);
}

uint64_t zset_scan(const struct value *v, uint64_t cursor, zset_scan_fn fn, void *ctx)
{
    if (v->encoding == ENCODING_LISTPACK) {
        struct zset_iter it;
        zset_iter_init(&it, v, 0, false);
        struct zset_elem e;
        while (zset_iter_next(&it, &e))
            fn(ctx, &e);
        return 0;
    }
    struct scan_visit sv = {fn, ctx};
    struct zset_large *z = v->p.obj;
    return table_scan(&z->members, cursor, scan_node, &sv);
}
