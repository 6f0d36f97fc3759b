/*
 * ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD: Redis 7.0's
 * zunionInterDiffGenericCommand, with sets as inputs (every member scoring
 * 1), WEIGHTS and AGGREGATE SUM|MIN|MAX (a NaN from inf - inf counts as 0).
 * Every key involved is locked for the whole command (SHARD_SET_GUARD,
 * ascending shard order), and the result is built before the destination
 * changes, so no reader sees half a result and a failure changes nothing.
 */
#include "store/cmd_set.h"
#include "store/cmd_zset.h"

#include "core/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

enum zop { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum zaggr { ZAGGR_SUM, ZAGGR_MIN, ZAGGR_MAX };

struct zsrc {
    struct value v;
    bool present;
    double weight;
};

struct zalgebra {
    enum zop op;
    bool store, card_only, withscores;
    enum zaggr aggr;
    long long limit;
    const char *name, *event;
    int numkeys_i;
    long long n;
    struct zsrc *src;
};

static uint64_t src_card(const struct zsrc *s)
{
    if (!s->present)
        return 0;
    return s->v.type == VALUE_SET ? set_size(&s->v) : zset_card(&s->v);
}

/* The member's score in a source (1 for a set member); false if absent. */
static bool src_find(const struct zsrc *s, const void *m, size_t len, double *score)
{
    if (!s->present)
        return false;
    if (s->v.type == VALUE_SET) {
        *score = 1.0;
        return set_contains(&s->v, m, len);
    }
    return zset_score(&s->v, m, len, score);
}

static void aggregate(enum zaggr a, double *target, double val)
{
    if (a == ZAGGR_SUM) {
        *target += val;
        if (isnan(*target))
            *target = 0.0;
    } else if (a == ZAGGR_MIN) {
        *target = val < *target ? val : *target;
    } else {
        *target = val > *target ? val : *target;
    }
}

/* Walking a source: a sorted set's elements or a set's members. */
typedef int (*zsrc_fn)(void *ctx, const char *m, size_t len, double score);

struct set_walk {
    zsrc_fn fn;
    void *ctx;
    int rc;
};

static bool set_walk_visit(void *ctx, const struct set_member_ref *m)
{
    struct set_walk *w = ctx;
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    w->rc = w->fn(w->ctx, bytes, len, 1.0);
    return w->rc == 0;
}

static int src_walk(const struct zsrc *s, zsrc_fn fn, void *ctx)
{
    if (!s->present)
        return 0;
    if (s->v.type == VALUE_SET) {
        struct set_walk w = {fn, ctx, 0};
        set_foreach(&s->v, set_walk_visit, &w);
        return w.rc;
    }
    struct zset_iter it;
    zset_iter_init(&it, &s->v, 0, false);
    struct zset_elem e;
    while (zset_iter_next(&it, &e)) {
        int rc = fn(ctx, e.ptr, e.len, e.score);
        if (rc != 0)
            return rc;
    }
    return 0;
}

struct build {
    const struct zalgebra *a;
    const struct zsrc *cur; /* the source being walked */
    struct value *out;
    struct zset_limits lim;
    uint64_t card; /* ZINTERCARD */
};

/* -1: out of memory, 1: LIMIT reached, 0: go on. */
static int union_visit(void *ctx, const char *m, size_t len, double score)
{
    struct build *b = ctx;
    double v = b->cur->weight * score, cur;
    if (isnan(v))
        v = 0;
    if (zset_score(b->out, m, len, &cur)) {
        aggregate(b->a->aggr, &cur, v);
        v = cur;
    }
    int flags;
    return zset_add(b->out, &b->lim, v, m, len, 0, &flags, NULL) == 0 ? 0 : -1;
}

static int inter_visit(void *ctx, const char *m, size_t len, double score)
{
    struct build *b = ctx;
    const struct zalgebra *a = b->a;
    double v = a->src[0].weight * score;
    if (isnan(v))
        v = 0;
    for (long long j = 1; j < a->n; j++) {
        double other;
        if (!src_find(&a->src[j], m, len, &other))
            return 0;
        aggregate(a->aggr, &v, other * a->src[j].weight);
    }
    if (a->card_only) {
        b->card++;
        return a->limit && b->card >= (uint64_t)a->limit ? 1 : 0;
    }
    int flags;
    return zset_add(b->out, &b->lim, v, m, len, 0, &flags, NULL) == 0 ? 0 : -1;
}

static int diff_visit(void *ctx, const char *m, size_t len, double score)
{
    struct build *b = ctx;
    double other;
    for (long long j = 1; j < b->a->n; j++)
        if (src_find(&b->a->src[j], m, len, &other))
            return 0;
    int flags;
    return zset_add(b->out, &b->lim, score, m, len, 0, &flags, NULL) == 0 ? 0 : -1;
}

static int by_card(const void *x, const void *y)
{
    uint64_t a = src_card(x), b = src_card(y);
    return a < b ? -1 : a > b;
}

/* Builds the result into *out (the large form, shrunk to a listpack when
 * it fits, as zsetConvertToListpackIfNeeded). 0 or -ENOMEM. */
static int build_result(struct cmd_ctx *c, struct zalgebra *a, struct build *b)
{
    zset_limits_of(c->ks, &b->lim);
    struct zset_limits big = {0, 0}; /* build in the large form */
    if (zset_value_new(&big, 1, 0, b->out) != 0)
        return -ENOMEM;
    int rc = 0;
    if (a->op != ZOP_DIFF)
        qsort(a->src, (size_t)a->n, sizeof(a->src[0]), by_card);
    if (a->op == ZOP_UNION) {
        for (long long i = 0; i < a->n && rc == 0; i++) {
            b->cur = &a->src[i];
            rc = src_walk(&a->src[i], union_visit, b);
        }
    } else if (src_card(&a->src[0]) > 0) {
        b->cur = &a->src[0];
        rc = src_walk(&a->src[0], a->op == ZOP_INTER ? inter_visit : diff_visit, b);
    }
    if (rc < 0) {
        zset_value_free(b->out);
        return -ENOMEM;
    }
    zset_shrink_if_fits(b->out, &b->lim);
    return 0;
}

static enum cmd_result do_zalgebra(struct cmd_ctx *c, struct multi_keys *mk, struct zalgebra *a)
{
    for (long long i = 0; i < a->n; i++) {
        struct key *k = &mk->keys[i];
        shard_assume_held(k->shard);
        struct entry *e =
            do_lookup(k->shard, k, c->now_ms, a->store ? LOOKUP_WRITE : LOOKUP_READ, NULL);
        a->src[i].present = e != NULL;
        if (e && entry_type(e) != VALUE_ZSET && entry_type(e) != VALUE_SET)
            return CMD_ERR_WRONGTYPE;
        if (e)
            entry_value(e, &a->src[i].v);
    }
    return CMD_OK;
}

/* Parses the options after the keys (Redis checks the keys' types first:
 * the caller does that under the locks, then calls this). */
static bool parse_options(struct cmd_ctx *c, struct zalgebra *a)
{
    int j = a->numkeys_i + 1 + (int)a->n;
    while (j < c->argc) {
        int remaining = c->argc - j;
        const struct resp_arg *o = &c->argv[j];
        bool weighted = a->op != ZOP_DIFF && !a->card_only;
        if (weighted && remaining >= a->n + 1 && arg_is(o, "weights")) {
            j++;
            for (long long i = 0; i < a->n; i++, j++)
                if (!zset_parse_score(c->argv[j].ptr, c->argv[j].len, &a->src[i].weight)) {
                    reply_error(c->reply, "ERR weight value is not a float");
                    return false;
                }
        } else if (weighted && remaining >= 2 && arg_is(o, "aggregate")) {
            const struct resp_arg *v = &c->argv[j + 1];
            if (arg_is(v, "sum"))
                a->aggr = ZAGGR_SUM;
            else if (arg_is(v, "min"))
                a->aggr = ZAGGR_MIN;
            else if (arg_is(v, "max"))
                a->aggr = ZAGGR_MAX;
            else
                goto syntax;
            j += 2;
        } else if (!a->store && !a->card_only && arg_is(o, "withscores")) {
            a->withscores = true;
            j++;
        } else if (a->card_only && remaining >= 2 && arg_is(o, "limit")) {
            if (!arg_ll_range(c, j + 1, 0, LONG_MAX, "ERR LIMIT can't be negative", &a->limit))
                return false;
            j += 2;
        } else {
            goto syntax;
        }
    }
    return true;
syntax:
    reply_error(c->reply, ERR_SYNTAX);
    return false;
}

static void reply_result(struct cmd_ctx *c, const struct zalgebra *a, struct value *out)
{
    struct zset_iter it;
    zset_iter_init(&it, out, 0, false);
    reply_zset_elems(c->reply, &it, zset_card(out), a->withscores);
}

/* Runs the command once the keys are locked; *answered when it replied. */
static enum cmd_result do_zalgebra_run(struct cmd_ctx *c, struct multi_keys *mk,
                                       const struct key *dst, struct zalgebra *a, bool *answered)
{
    enum cmd_result result = do_zalgebra(c, mk, a);
    if (result != CMD_OK || !parse_options(c, a)) {
        *answered = result == CMD_OK;
        return result;
    }
    struct value out;
    struct build b = {.a = a, .out = &out};
    if (build_result(c, a, &b) != 0)
        return CMD_ERR_OOM;
    *answered = true;
    if (a->card_only) {
        zset_value_free(&out);
        reply_int(c->reply, (long long)b.card);
        return CMD_OK;
    }
    if (!a->store) {
        reply_result(c, a, &out);
        zset_value_free(&out);
        return CMD_OK;
    }
    uint64_t n = zset_card(&out);
    shard_assume_held(dst->shard);
    result = do_zset_store_result(c, dst, &out, a->event);
    if (result == CMD_OK)
        reply_int(c->reply, (long long)n);
    return result;
}

static void zalgebra_generic(struct cmd_ctx *c, struct zalgebra *a)
{
    long long n;
    if (!arg_ll(c, a->numkeys_i, &n))
        return;
    if (n < 1) {
        reply_errorf(c->reply, "ERR at least 1 input key is needed for '%s' command", a->name);
        return;
    }
    if (n > c->argc - (a->numkeys_i + 1)) {
        reply_error(c->reply, ERR_SYNTAX);
        return;
    }
    a->n = n;
    a->src = mem_calloc((size_t)n, sizeof(*a->src));
    struct multi_keys mk;
    if (!a->src) {
        reply_error(c->reply, ERR_OOM);
        return;
    }
    for (long long i = 0; i < n; i++)
        a->src[i].weight = 1.0;
    if (!multi_keys_init(&mk, c, a->numkeys_i + 1, a->numkeys_i + (int)n, 1)) {
        mem_free(a->src);
        return;
    }
    struct key dst;
    if (a->store) {
        cmd_key(c, 1, &dst);
        if (shard_set_add(&mk.set, dst.shard_id) != 0) {
            multi_keys_free(&mk);
            mem_free(a->src);
            reply_error(c->reply, ERR_OOM);
            return;
        }
    }
    bool answered = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set)
        result = do_zalgebra_run(c, &mk, a->store ? &dst : NULL, a, &answered);
    multi_keys_free(&mk);
    mem_free(a->src);
    reply_result_error(c, result);
}

void zunion_command(struct cmd_ctx *c)
{
    zalgebra_generic(c, &(struct zalgebra){.name = "zunion", .op = ZOP_UNION, .numkeys_i = 1});
}

void zinter_command(struct cmd_ctx *c)
{
    zalgebra_generic(c, &(struct zalgebra){.name = "zinter", .op = ZOP_INTER, .numkeys_i = 1});
}

void zdiff_command(struct cmd_ctx *c)
{
    zalgebra_generic(c, &(struct zalgebra){.name = "zdiff", .op = ZOP_DIFF, .numkeys_i = 1});
}

void zintercard_command(struct cmd_ctx *c)
{
    zalgebra_generic(c,
                     &(struct zalgebra){
                         .name = "zintercard", .op = ZOP_INTER, .numkeys_i = 1, .card_only = true});
}

void zunionstore_command(struct cmd_ctx *c)
{
    zalgebra_generic(c, &(struct zalgebra){.name = "zunionstore",
                                           .op = ZOP_UNION,
                                           .numkeys_i = 2,
                                           .store = true,
                                           .event = "zunionstore"});
}

void zinterstore_command(struct cmd_ctx *c)
{
    zalgebra_generic(c, &(struct zalgebra){.name = "zinterstore",
                                           .op = ZOP_INTER,
                                           .numkeys_i = 2,
                                           .store = true,
                                           .event = "zinterstore"});
}

void zdiffstore_command(struct cmd_ctx *c)
{
    zalgebra_generic(c, &(struct zalgebra){.name = "zdiffstore",
                                           .op = ZOP_DIFF,
                                           .numkeys_i = 2,
                                           .store = true,
                                           .event = "zdiffstore"});
}
