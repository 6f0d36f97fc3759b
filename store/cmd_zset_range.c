/*
 * ZRANGE in all its forms (BYSCORE, BYLEX, REV, LIMIT, WITHSCORES) and the
 * older ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX and
 * ZREVRANGEBYLEX, parsed as Redis 7.0's zrangeGenericCommand parses them;
 * Redis's range arguments (store/cmd_zset.h). ZRANGESTORE shares the
 * parsing (store/cmd_zset_store.c).
 */
#include "store/cmd_zset_range.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One end of a score range: "(" makes it exclusive; strtod must consume
 * the rest up to its first NUL, as in zslParseRange. */
static bool parse_score_end(const struct resp_arg *a, double *out, bool *ex)
{
    char buf[256];
    const char *p = a->ptr;
    size_t len = a->len;
    *ex = len > 0 && p[0] == '(';
    if (*ex) {
        p++;
        len--;
    }
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0' && !isnan(*out);
}

bool zset_parse_score_range(const struct resp_arg *min, const struct resp_arg *max,
                            struct zset_score_range *out)
{
    return parse_score_end(min, &out->min, &out->minex) &&
           parse_score_end(max, &out->max, &out->maxex);
}

static bool parse_lex_end(const struct resp_arg *a, const char **s, size_t *len, int8_t *inf,
                          bool *ex)
{
    if (a->len == 0)
        return false;
    *inf = 0;
    *s = a->ptr + 1;
    *len = a->len - 1;
    switch (a->ptr[0]) {
    case '+':
    case '-':
        if (a->len != 1)
            return false;
        *inf = a->ptr[0] == '+' ? 1 : -1;
        *ex = true;
        return true;
    case '(':
        *ex = true;
        return true;
    case '[':
        *ex = false;
        return true;
    default:
        return false;
    }
}

bool zset_parse_lex_range(const struct resp_arg *min, const struct resp_arg *max,
                          struct zset_lex_range *out)
{
    return parse_lex_end(min, &out->min, &out->minlen, &out->mininf, &out->minex) &&
           parse_lex_end(max, &out->max, &out->maxlen, &out->maxinf, &out->maxex);
}

bool zrange_parse(struct cmd_ctx *c, int first, bool store, enum zrange_type type, bool rev,
                  struct zrange_req *q)
{
    bool dir_fixed = rev;
    *q = (struct zrange_req){.type = type, .rev = rev, .offset = 0, .limit = -1};
    if (type != ZRANGE_AUTO)
        dir_fixed = true;
    for (int j = first + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const struct resp_arg *o = &c->argv[j];
        if (!store && arg_is(o, "withscores")) {
            q->withscores = true;
        } else if (arg_is(o, "limit") && left >= 2) {
            if (!arg_ll(c, j + 1, &q->offset) || !arg_ll(c, j + 2, &q->limit))
                return false;
            j += 2;
        } else if (!dir_fixed && !q->rev && arg_is(o, "rev")) {
            q->rev = true;
        } else if (q->type == ZRANGE_AUTO && arg_is(o, "bylex")) {
            q->type = ZRANGE_LEX;
        } else if (q->type == ZRANGE_AUTO && arg_is(o, "byscore")) {
            q->type = ZRANGE_SCORE;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
    }
    if (q->type == ZRANGE_AUTO)
        q->type = ZRANGE_RANK;
    if (q->limit != -1 && q->type == ZRANGE_RANK) {
        reply_error(c->reply, "ERR syntax error, LIMIT is only supported in combination with "
                              "either BYSCORE or BYLEX");
        return false;
    }
    if (q->withscores && q->type == ZRANGE_LEX) {
        reply_error(c->reply,
                    "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return false;
    }
    int minidx = first + 1, maxidx = first + 2;
    if (q->rev && q->type != ZRANGE_RANK) {
        minidx = first + 2; /* given as max, min */
        maxidx = first + 1;
    }
    switch (q->type) {
    case ZRANGE_SCORE:
        if (!zset_parse_score_range(&c->argv[minidx], &c->argv[maxidx], &q->score)) {
            reply_error(c->reply, ERR_ZSET_MINMAX);
            return false;
        }
        return true;
    case ZRANGE_LEX:
        if (!zset_parse_lex_range(&c->argv[minidx], &c->argv[maxidx], &q->lex)) {
            reply_error(c->reply, ERR_ZSET_LEX_RANGE);
            return false;
        }
        return true;
    default:
        return arg_ll(c, minidx, &q->start) && arg_ll(c, maxidx, &q->end);
    }
}

void zrange_select(const struct value *v, const struct zrange_req *q, uint64_t *rank,
                   uint64_t *count)
{
    uint64_t card = zset_card(v);
    *rank = 0;
    *count = 0;
    if (q->type == ZRANGE_RANK) {
        long long llen = (long long)card, start = q->start, end = q->end;
        if (start < 0)
            start += llen;
        if (end < 0)
            end += llen;
        if (start < 0)
            start = 0;
        if (start > end || start >= llen)
            return;
        if (end >= llen)
            end = llen - 1;
        *rank = (uint64_t)(q->rev ? llen - 1 - start : start);
        *count = (uint64_t)(end - start + 1);
        return;
    }
    uint64_t first, end;
    if (q->type == ZRANGE_SCORE)
        zset_score_span(v, &q->score, &first, &end);
    else
        zset_lex_span(v, &q->lex, &first, &end);
    if (q->offset < 0 || (uint64_t)q->offset >= end - first)
        return;
    *count = end - first - (uint64_t)q->offset;
    *rank = q->rev ? end - 1 - (uint64_t)q->offset : first + (uint64_t)q->offset;
    if (q->limit >= 0 && (uint64_t)q->limit < *count)
        *count = (uint64_t)q->limit;
}

static void zrange_generic(struct cmd_ctx *c, enum zrange_type type, bool rev)
{
    struct zrange_req q;
    if (!zrange_parse(c, 1, false, type, rev, &q))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            uint64_t rank, count;
            zrange_select(&v, &q, &rank, &count);
            struct zset_iter it;
            zset_iter_init(&it, &v, rank, q.rev);
            reply_zset_elems(c->reply, &it, count, q.withscores);
        } else if (result == CMD_OK) {
            reply_array(c->reply, 0);
        }
    }
    reply_result_error(c, result);
}

void zrange_command(struct cmd_ctx *c)
{
    zrange_generic(c, ZRANGE_AUTO, false);
}

void zrevrange_command(struct cmd_ctx *c)
{
    zrange_generic(c, ZRANGE_RANK, true);
}

void zrangebyscore_command(struct cmd_ctx *c)
{
    zrange_generic(c, ZRANGE_SCORE, false);
}

void zrevrangebyscore_command(struct cmd_ctx *c)
{
    zrange_generic(c, ZRANGE_SCORE, true);
}

void zrangebylex_command(struct cmd_ctx *c)
{
    zrange_generic(c, ZRANGE_LEX, false);
}

void zrevrangebylex_command(struct cmd_ctx *c)
{
    zrange_generic(c, ZRANGE_LEX, true);
}
