/*
 * GEOADD, GEODIST, GEOHASH and GEOPOS: positions kept as the geohash
 * scores of a sorted set (store/geohash.h), as Redis keeps them, so every
 * sorted-set command reads a GEO key. Searches are cmd_geo_search.c.
 */
#include "store/cmd_geo.h"

#include "core/alloc.h"
#include "proto/reply.h"
#include "store/cmd_zset.h"

#include <stdio.h>

bool geo_member_position(const struct value *zset, const char *member, size_t len, double xy[2])
{
    double score;
    if (!zset_score(zset, member, len, &score))
        return false;
    geo_score_decode(score, xy);
    return true;
}

void reply_geo_distance(struct reply *r, double dist)
{
    char buf[512]; /* "%.4f" of the largest distances stays far below */
    int n = snprintf(buf, sizeof(buf), "%.4f", dist);
    reply_bulk(r, buf, (size_t)n);
}

void reply_geo_coord(struct reply *r, double v)
{
    char buf[REPLY_LONG_DOUBLE_MAX_CHARS];
    int n = reply_format_long_double(buf, sizeof(buf), (long double)v);
    if (r->proto < 3) {
        reply_bulk(r, buf, (size_t)n);
        return;
    }
    outbuf_append(r->out, ",", 1);
    outbuf_append(r->out, buf, (size_t)n);
    outbuf_append(r->out, "\r\n", 2);
}

/* ---- GEOADD key [NX | XX] [CH] longitude latitude member ... ---- */

struct geoadd {
    int flags; /* ZADD_IN_NX / ZADD_IN_XX */
    bool ch;
    int first; /* argv index of the first longitude */
    int count;
    double *scores;
    long long added, updated;
};

/* Parses as Redis does before it hands the scores to ZADD: false after
 * replying the error. */
static bool parse_geoadd(struct cmd_ctx *c, struct geoadd *g)
{
    int i = 2;
    for (; i < c->argc; i++) {
        if (arg_is(&c->argv[i], "nx"))
            g->flags |= ZADD_IN_NX;
        else if (arg_is(&c->argv[i], "xx"))
            g->flags |= ZADD_IN_XX;
        else if (arg_is(&c->argv[i], "ch"))
            g->ch = true;
        else
            break;
    }
    g->first = i;
    g->count = (c->argc - i) / 3;
    /* No position left is ZADD's syntax error. */
    if ((c->argc - i) % 3 || ((g->flags & ZADD_IN_NX) && (g->flags & ZADD_IN_XX)) ||
        g->count == 0) {
        reply_error(c->reply, ERR_SYNTAX);
        return false;
    }
    g->scores = mem_alloc((size_t)g->count * sizeof(double));
    if (!g->scores) {
        reply_error(c->reply, ERR_OOM);
        return false;
    }
    for (int j = 0; j < g->count; j++) {
        double xy[2];
        struct geo_error err = {0};
        if (!geo_arg_position(c, g->first + 3 * j, xy, &err)) {
            reply_error(c->reply, err.msg);
            mem_free(g->scores);
            return false;
        }
        geo_score_encode(xy[0], xy[1], &g->scores[j]);
    }
    return true;
}

/* ZADD's write with the scores of the positions (announced as "zadd"). */
static enum cmd_result do_geoadd(struct cmd_ctx *c, const struct key *k, struct geoadd *g)
{
    struct shard *s = k->shard;
    shard_assume_held(s);
    enum cmd_result result;
    struct entry *e = do_zset_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK || (!e && (g->flags & ZADD_IN_XX)))
        return result;
    struct zset_limits lim;
    zset_limits_of(c->ks, &lim);
    struct value v;
    if (e)
        entry_value(e, &v);
    else if (zset_value_new(&lim, 1, c->argv[g->first + 2].len, &v) != 0)
        return CMD_ERR_OOM;
    for (int j = 0; j < g->count; j++) {
        const struct resp_arg *m = &c->argv[g->first + 3 * j + 2];
        int out;
        double score;
        if (zset_add(&v, &lim, g->scores[j], m->ptr, m->len, g->flags, &out, &score) != 0) {
            result = CMD_ERR_OOM;
            break;
        }
        g->added += (out & ZADD_OUT_ADDED) != 0;
        g->updated += (out & ZADD_OUT_UPDATED) != 0;
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
    if (g->added || g->updated)
        do_key_event(s, k, NOTIFY_ZSET, "zadd");
    return result;
}

void geoadd_command(struct cmd_ctx *c)
{
    struct geoadd g = {0};
    if (!parse_geoadd(c, &g))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_geoadd(c, &k, &g);
    mem_free(g.scores);
    if (!reply_result_error(c, result))
        reply_int(c->reply, g.ch ? g.added + g.updated : g.added);
}

/* ---- GEODIST key member1 member2 [unit] ---- */

void geodist_command(struct cmd_ctx *c)
{
    double to_meters = 1;
    if (c->argc == 5) {
        struct geo_error err = {0};
        if (!geo_arg_unit(&c->argv[4], &to_meters, &err)) {
            reply_error(c->reply, err.msg);
            return;
        }
    } else if (c->argc > 5) {
        reply_error(c->reply, ERR_SYNTAX);
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    bool found = false;
    double a[2], b[2];
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            found = geo_member_position(&v, c->argv[2].ptr, c->argv[2].len, a) &&
                    geo_member_position(&v, c->argv[3].ptr, c->argv[3].len, b);
        }
    }
    if (reply_result_error(c, result))
        return;
    if (!found)
        reply_null(c->reply);
    else
        reply_geo_distance(c->reply, geo_distance(a[0], a[1], b[0], b[1]) / to_meters);
}

/* ---- GEOHASH and GEOPOS key member ... ---- */

struct geo_found {
    bool found;
    double score;
};

/* The scores of argv[2..] in the sorted set at argv[1] (found false for a
 * missing key or member). False after replying an error. */
static bool read_scores(struct cmd_ctx *c, struct geo_found **out)
{
    int n = c->argc - 2;
    struct geo_found *f = mem_calloc((size_t)(n > 0 ? n : 1), sizeof(*f));
    if (!f) {
        reply_error(c->reply, ERR_OOM);
        return false;
    }
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            for (int j = 0; j < n; j++)
                f[j].found = zset_score(&v, c->argv[j + 2].ptr, c->argv[j + 2].len, &f[j].score);
        }
    }
    if (reply_result_error(c, result)) {
        mem_free(f);
        return false;
    }
    *out = f;
    return true;
}

void geohash_command(struct cmd_ctx *c)
{
    struct geo_found *f;
    if (!read_scores(c, &f))
        return;
    reply_array(c->reply, (size_t)(c->argc - 2));
    for (int j = 0; j < c->argc - 2; j++) {
        char hash[GEOHASH_STRING_LEN];
        if (f[j].found && geo_score_string(f[j].score, hash))
            reply_bulk(c->reply, hash, GEOHASH_STRING_LEN);
        else
            reply_null(c->reply);
    }
    mem_free(f);
}

void geopos_command(struct cmd_ctx *c)
{
    struct geo_found *f;
    if (!read_scores(c, &f))
        return;
    reply_array(c->reply, (size_t)(c->argc - 2));
    for (int j = 0; j < c->argc - 2; j++) {
        if (!f[j].found) {
            reply_null_array(c->reply);
            continue;
        }
        double xy[2];
        geo_score_decode(f[j].score, xy);
        reply_array(c->reply, 2);
        reply_geo_coord(c->reply, xy[0]);
        reply_geo_coord(c->reply, xy[1]);
    }
    mem_free(f);
}
