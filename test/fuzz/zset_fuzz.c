/*
 * libFuzzer target for the sorted-set value (store/zset_value.h): both
 * encodings, the B+tree of the large form (store/zset_tree.h) and the
 * conversions, checked against a reference model (an array of (member,
 * score) pairs, sorted by Redis's order when compared).
 *
 * The first bytes choose the thresholds (kept small so conversions happen);
 * the rest is a stream of adds (with ZADD's flags, some under an injected
 * allocation failure), deletes, score and rank lookups, score and lex spans,
 * rank deletions, walks in both directions, copies and shrinks. After every
 * op the set holds exactly the model's elements in the model's order, and
 * the tree's invariants hold (counts, separators, leaf links).
 */
#include "store/zset_large.h"
#include "store/zset_value.h"

#include "core/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

enum { MAX_MEMBERS = 600, MAX_LEN = 12 };

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

struct elem {
    double score;
    size_t len;
    char bytes[MAX_LEN];
};

struct model {
    int n;
    struct elem e[MAX_MEMBERS];
};

static int cmp_elem(const void *a, const void *b)
{
    const struct elem *x = a, *y = b;
    return zset_compare(x->score, x->bytes, x->len, y->score, y->bytes, y->len);
}

static int model_find(const struct model *md, const char *p, size_t len)
{
    for (int i = 0; i < md->n; i++)
        if (md->e[i].len == len && memcmp(md->e[i].bytes, p, len) == 0)
            return i;
    return -1;
}

/* Few distinct members and scores, so updates and ties are common. */
static void make_member(struct input *in, struct elem *out)
{
    uint8_t b = take(in);
    out->len = (size_t)(b % MAX_LEN);
    for (size_t i = 0; i < out->len; i++)
        out->bytes[i] = (char)('a' + (take(in) % 4));
}

static double make_score(struct input *in)
{
    uint8_t b = take(in);
    if (b == 255)
        return INFINITY;
    if (b == 254)
        return -INFINITY;
    if (b >= 200)
        return (double)(b - 220) / 8.0;
    return (double)(b % 16);
}

/* The set holds the model's elements, in order, both directions. */
static void check(const struct value *v, struct model *md, const struct zset_limits *lim)
{
    qsort(md->e, (size_t)md->n, sizeof(md->e[0]), cmp_elem);
    CHECK(zset_card(v) == (uint64_t)md->n);
    if (v->encoding == ENCODING_SKIPLIST)
        CHECK(zt_check(&((const struct zset_large *)v->p.obj)->tree));
    else
        CHECK(zset_card(v) <= lim->max_listpack_entries);
    struct zset_iter it;
    struct zset_elem e;
    zset_iter_init(&it, v, 0, false);
    for (int i = 0; i < md->n; i++) {
        CHECK(zset_iter_next(&it, &e));
        CHECK(e.len == md->e[i].len && memcmp(e.ptr, md->e[i].bytes, e.len) == 0);
        CHECK(e.score == md->e[i].score);
    }
    CHECK(!zset_iter_next(&it, &e));
    if (md->n == 0)
        return;
    zset_iter_init(&it, v, (uint64_t)md->n - 1, true);
    for (int i = md->n - 1; i >= 0; i--) {
        CHECK(zset_iter_next(&it, &e));
        CHECK(e.len == md->e[i].len && memcmp(e.ptr, md->e[i].bytes, e.len) == 0);
    }
}

static void op_add(struct input *in, struct value *v, struct model *md,
                   const struct zset_limits *lim)
{
    struct elem x;
    make_member(in, &x);
    double score = make_score(in);
    uint8_t f = take(in);
    int flags = (f & 1 ? ZADD_IN_NX : 0) | (f & 2 ? ZADD_IN_XX : 0) | (f & 4 ? ZADD_IN_INCR : 0);
    if (!(flags & ZADD_IN_NX))
        flags |= (f & 8 ? ZADD_IN_GT : 0) | (f & 16 ? ZADD_IN_LT : 0);
    if ((flags & ZADD_IN_GT) && (flags & ZADD_IN_LT))
        flags &= ~ZADD_IN_LT;
    int at = model_find(md, x.bytes, x.len);
    if (at < 0 && md->n == MAX_MEMBERS)
        return;
    bool fail = (f & 0xE0) == 0xE0;
    if (fail)
        mem_fail_after(take(in) % 3);
    int out;
    double ns;
    int rc = zset_add(v, lim, score, x.bytes, x.len, flags, &out, &ns);
    mem_fail_reset();
    if (rc != 0) {
        CHECK(fail && rc == -ENOMEM);
        return; /* unchanged: check() proves it */
    }
    if (out & (ZADD_OUT_NOP | ZADD_OUT_NAN))
        return;
    if (at < 0) {
        CHECK(out & ZADD_OUT_ADDED);
        x.score = ns;
        md->e[md->n++] = x;
    } else {
        md->e[at].score = ns;
    }
}

static void op_delete(struct input *in, struct value *v, struct model *md)
{
    struct elem x;
    make_member(in, &x);
    int at = model_find(md, x.bytes, x.len);
    CHECK(zset_delete(v, x.bytes, x.len) == (at >= 0));
    if (at >= 0)
        md->e[at] = md->e[--md->n];
}

static void op_lookup(struct input *in, const struct value *v, struct model *md)
{
    struct elem x;
    make_member(in, &x);
    qsort(md->e, (size_t)md->n, sizeof(md->e[0]), cmp_elem);
    int at = model_find(md, x.bytes, x.len);
    double score = 0;
    CHECK(zset_score(v, x.bytes, x.len, &score) == (at >= 0));
    long long rank = zset_rank(v, x.bytes, x.len, take(in) & 1, &score);
    if (at < 0) {
        CHECK(rank == -1);
        return;
    }
    CHECK(score == md->e[at].score);
    CHECK(rank == at || rank == md->n - 1 - at);
}

static void op_spans(struct input *in, const struct value *v, struct model *md)
{
    qsort(md->e, (size_t)md->n, sizeof(md->e[0]), cmp_elem);
    struct zset_score_range r = {make_score(in), make_score(in), take(in) & 1, take(in) & 1};
    uint64_t first, end, want_first = 0, want_end = 0;
    zset_score_span(v, &r, &first, &end);
    for (int i = 0; i < md->n; i++) {
        double s = md->e[i].score;
        if (r.minex ? s <= r.min : s < r.min)
            want_first++;
        if (r.maxex ? s < r.max : s <= r.max)
            want_end++;
    }
    if (want_end < want_first)
        want_end = want_first;
    CHECK(first == want_first && end == want_end);
    /* Lex spans are defined when every score is equal: check them then. */
    bool same = true;
    for (int i = 1; i < md->n; i++)
        same = same && md->e[i].score == md->e[0].score;
    if (!same)
        return;
    struct elem lo, hi;
    make_member(in, &lo);
    make_member(in, &hi);
    uint8_t b = take(in);
    struct zset_lex_range lr = {lo.bytes,
                                hi.bytes,
                                lo.len,
                                hi.len,
                                (int8_t)(b % 5 == 0 ? -1 : 0),
                                (int8_t)(b % 7 == 0 ? 1 : 0),
                                b & 1,
                                b & 2};
    zset_lex_span(v, &lr, &first, &end);
    uint64_t in_range = 0;
    for (int i = 0; i < md->n; i++)
        in_range += zset_lex_in_range(&lr, md->e[i].bytes, md->e[i].len);
    CHECK(end - first == in_range);
    for (uint64_t k = first; k < end; k++)
        CHECK(zset_lex_in_range(&lr, md->e[k].bytes, md->e[k].len));
}

static void op_delete_ranks(struct input *in, struct value *v, struct model *md)
{
    if (md->n == 0)
        return;
    qsort(md->e, (size_t)md->n, sizeof(md->e[0]), cmp_elem);
    uint64_t first = take(in) % (unsigned)md->n, n = take(in) % 8;
    uint64_t end = first + n > (uint64_t)md->n ? (uint64_t)md->n : first + n;
    zset_delete_ranks(v, first, end);
    memmove(md->e + first, md->e + end, (size_t)((uint64_t)md->n - end) * sizeof(md->e[0]));
    md->n -= (int)(end - first);
}

static void op_copy(struct input *in, struct value *v, const struct zset_limits *lim)
{
    uint8_t b = take(in);
    if (b & 1) {
        zset_shrink_if_fits(v, lim);
        return;
    }
    struct value copy;
    if (zset_value_duplicate(v, &copy) != 0)
        return;
    zset_value_free(v);
    *v = copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    struct zset_limits lim = {take(&in) % 12, 2 + take(&in) % 10};
    struct value v;
    if (zset_value_new(&lim, 1, 0, &v) != 0)
        return 0;
    static struct model md;
    md.n = 0;
    while (in.size > 0) {
        switch (take(&in) % 7) {
        case 0:
        case 1:
            op_add(&in, &v, &md, &lim);
            break;
        case 2:
            op_delete(&in, &v, &md);
            break;
        case 3:
            op_lookup(&in, &v, &md);
            break;
        case 4:
            op_spans(&in, &v, &md);
            break;
        case 5:
            op_delete_ranks(&in, &v, &md);
            break;
        default:
            op_copy(&in, &v, &lim);
        }
        check(&v, &md, &lim);
    }
    zset_value_free(&v);
    return 0;
}
