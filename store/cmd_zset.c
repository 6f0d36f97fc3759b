/*
 * ZADD, ZINCRBY, ZSCORE, ZMSCORE, ZCARD: the sorted-set commands on one
 * key's members, and the helpers every sorted-set command shares
 * (store/cmd_zset.h). A sorted set is changed and read only under its shard
 * lock; replies that read members are written while it is held. A sorted
 * set emptied by a command is deleted, as in Redis.
 */
#include "store/cmd_zset.h"

#include "core/alloc.h"

#include <math.h>
#include <time.h>

struct entry *do_zset_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                             enum cmd_result *result) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, flags, NULL);
    *result = CMD_OK;
    if (e && entry_type(e) != VALUE_ZSET) {
        *result = CMD_ERR_WRONGTYPE;
        return NULL;
    }
    return e;
}

void do_zset_store(struct shard *s, struct entry *e, const struct value *v) REQUIRES(&s->lock)
{
    if (entry_payload(e).obj == v->p.obj && entry_encoding(e) == v->encoding)
        return;
    do_write_begin(s);
    entry_set_value(e, v, entry_lru(e));
}

void do_zset_delete_if_empty(struct shard *s, const struct key *k, struct entry *e)
    REQUIRES(&s->lock)
{
    struct value v;
    entry_value(e, &v);
    if (zset_card(&v) > 0)
        return;
    entry_retire(do_detach_key(s, k));
    do_key_event(s, k, NOTIFY_GENERIC, "del");
}

uint64_t *zset_rng(void)
{
    static _Thread_local uint64_t state;
    if (state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)&state ^ (uint64_t)ts.tv_sec;
        if (state == 0)
            state = 0x9E3779B97F4A7C15ULL;
    }
    return &state;
}

void reply_zset_elems(struct reply *r, struct zset_iter *it, uint64_t count, bool withscores)
{
    bool pairs = withscores && r->proto >= 3;
    reply_array(r, withscores && !pairs ? 2 * count : count);
    struct zset_elem e;
    for (uint64_t i = 0; i < count && zset_iter_next(it, &e); i++) {
        if (pairs)
            reply_array(r, 2);
        reply_bulk(r, e.ptr, e.len);
        if (withscores)
            reply_double(r, e.score);
    }
}

/* ---- ZADD, ZINCRBY ---- */

struct zadd_args {
    int flags;
    bool ch;
    int first; /* argv index of the first score */
    long long pairs;
    double *scores;
    double inline_scores[128]; /* most calls: no allocation */
    bool *fresh;               /* per pair: added by this command */
    bool inline_fresh[128];
};

static void zadd_args_free(struct zadd_args *a)
{
    if (a->scores != a->inline_scores)
        mem_free(a->scores);
    if (a->fresh != a->inline_fresh)
        mem_free(a->fresh);
}

/* ZADD's options and scores, checked in Redis's order; false after
 * replying the error. */
static bool parse_zadd(struct cmd_ctx *c, struct zadd_args *a)
{
    int i = 2;
    for (; i < c->argc; i++) {
        const struct resp_arg *o = &c->argv[i];
        if (arg_is(o, "nx"))
            a->flags |= ZADD_IN_NX;
        else if (arg_is(o, "xx"))
            a->flags |= ZADD_IN_XX;
        else if (arg_is(o, "gt"))
            a->flags |= ZADD_IN_GT;
        else if (arg_is(o, "lt"))
            a->flags |= ZADD_IN_LT;
        else if (arg_is(o, "ch"))
            a->ch = true;
        else if (arg_is(o, "incr"))
            a->flags |= ZADD_IN_INCR;
        else
            break;
    }
    int f = a->flags, elements = c->argc - i;
    a->first = i;
    if (elements == 0 || elements % 2) {
        reply_error(c->reply, ERR_SYNTAX);
        return false;
    }
    a->pairs = elements / 2;
    if ((f & ZADD_IN_NX) && (f & ZADD_IN_XX)) {
        reply_error(c->reply, "ERR XX and NX options at the same time are not compatible");
        return false;
    }
    if (((f & ZADD_IN_GT) && (f & ZADD_IN_NX)) || ((f & ZADD_IN_LT) && (f & ZADD_IN_NX)) ||
        ((f & ZADD_IN_GT) && (f & ZADD_IN_LT))) {
        reply_error(c->reply, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return false;
    }
    if ((f & ZADD_IN_INCR) && a->pairs > 1) {
        reply_error(c->reply, "ERR INCR option supports a single increment-element pair");
        return false;
    }
    a->scores = a->pairs <= 128 ? a->inline_scores : mem_alloc((size_t)a->pairs * sizeof(double));
    a->fresh = a->pairs <= 128 ? a->inline_fresh : mem_calloc((size_t)a->pairs, sizeof(bool));
    if (!a->scores || !a->fresh) {
        zadd_args_free(a);
        reply_error(c->reply, ERR_OOM);
        return false;
    }
    for (long long j = 0; j < a->pairs; j++) {
        const struct resp_arg *s = &c->argv[a->first + 2 * j];
        if (!zset_parse_score(s->ptr, s->len, &a->scores[j])) {
            reply_error(c->reply, ERR_NOT_FLOAT);
            zadd_args_free(a);
            return false;
        }
    }
    return true;
}

struct zadd_result {
    long long added, updated, processed;
    double score;
    bool nan;
};

/* After a failed allocation at pair `failed`: the members this command
 * added are removed again (removal never fails). A score it changed stays
 * changed (putting it back may need memory too) and is announced. */
static void undo_added(struct value *v, struct cmd_ctx *c, const struct zadd_args *a,
                       long long failed, struct zadd_result *out)
{
    for (long long j = 0; j < failed && out->added > 0; j++) {
        if (!a->fresh[j])
            continue;
        const struct resp_arg *m = &c->argv[a->first + 2 * j + 1];
        zset_delete(v, m->ptr, m->len);
        out->added--;
    }
}

static enum cmd_result do_zadd(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               struct zadd_args *a, struct zadd_result *out) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_zset_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    if (!e && (a->flags & ZADD_IN_XX))
        return CMD_OK;
    struct zset_limits lim;
    zset_limits_of(c->ks, &lim);
    struct value v;
    if (e)
        entry_value(e, &v);
    else if (zset_value_new(&lim, 1, c->argv[a->first + 1].len, &v) != 0)
        return CMD_ERR_OOM;
    result = CMD_OK;
    for (long long j = 0; j < a->pairs; j++) {
        const struct resp_arg *m = &c->argv[a->first + 2 * j + 1];
        int flags;
        double score;
        if (zset_add(&v, &lim, a->scores[j], m->ptr, m->len, a->flags, &flags, &score) != 0) {
            undo_added(&v, c, a, j, out);
            result = CMD_ERR_OOM;
            break;
        }
        if (flags & ZADD_OUT_NAN) {
            out->nan = true;
            break;
        }
        a->fresh[j] = (flags & ZADD_OUT_ADDED) != 0;
        out->added += a->fresh[j];
        out->updated += (flags & ZADD_OUT_UPDATED) != 0;
        if (!(flags & ZADD_OUT_NOP)) {
            out->processed++;
            out->score = score;
        }
    }
    if (!e) {
        bool empty = zset_card(&v) == 0;
        if (empty || !do_insert(s, k, &v, ENTRY_NO_TTL, c->now_ms)) {
            zset_value_free(&v);
            return empty ? result : CMD_ERR_OOM;
        }
    } else {
        do_zset_store(s, e, &v);
    }
    if (out->added || out->updated)
        do_key_event(s, k, NOTIFY_ZSET, (a->flags & ZADD_IN_INCR) ? "zincr" : "zadd");
    return result;
}

static void zadd_generic(struct cmd_ctx *c, int flags)
{
    struct zadd_args a = {.flags = flags};
    if (!parse_zadd(c, &a))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    struct zadd_result out = {0};
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_zadd(k.shard, &k, c, &a, &out);
    zadd_args_free(&a);
    if (reply_result_error(c, result))
        return;
    if (out.nan)
        reply_error(c->reply, ERR_ZSET_NAN);
    else if (a.flags & ZADD_IN_INCR)
        out.processed ? reply_double(c->reply, out.score) : reply_null(c->reply);
    else
        reply_int(c->reply, a.ch ? out.added + out.updated : out.added);
}

void zadd_command(struct cmd_ctx *c)
{
    zadd_generic(c, 0);
}

void zincrby_command(struct cmd_ctx *c)
{
    zadd_generic(c, ZADD_IN_INCR);
}

/* ---- reads ---- */

void zscore_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    bool found = false;
    double score = 0;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            found = zset_score(&v, c->argv[2].ptr, c->argv[2].len, &score);
        }
    }
    if (reply_result_error(c, result))
        return;
    found ? reply_double(c->reply, score) : reply_null(c->reply);
}

void zmscore_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (result == CMD_OK) {
            struct value v;
            if (e)
                entry_value(e, &v);
            reply_array(c->reply, (size_t)c->argc - 2);
            for (int i = 2; i < c->argc; i++) {
                double score;
                if (e && zset_score(&v, c->argv[i].ptr, c->argv[i].len, &score))
                    reply_double(c->reply, score);
                else
                    reply_null(c->reply);
            }
        }
    }
    reply_result_error(c, result);
}

void zcard_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    uint64_t card = 0;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            card = zset_card(&v);
        }
    }
    if (!reply_result_error(c, result))
        reply_int(c->reply, (long long)card);
}
