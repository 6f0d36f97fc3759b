/*
 * ZREM, ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX, ZCOUNT,
 * ZLEXCOUNT, ZRANK and ZREVRANK: removing and counting by member, rank,
 * score and lex, with Redis 7.0's argument errors and events.
 */
#include "store/cmd_zset.h"

/* ---- ZREM ---- */

static enum cmd_result do_zrem(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               long long *removed) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_zset_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (!e)
        return result;
    struct value v;
    entry_value(e, &v);
    long long n = 0;
    for (int i = 2; i < c->argc && zset_card(&v) > 0; i++)
        n += zset_delete(&v, c->argv[i].ptr, c->argv[i].len);
    do_zset_store(s, e, &v);
    if (n > 0) {
        do_key_event(s, k, NOTIFY_ZSET, "zrem");
        do_zset_delete_if_empty(s, k, e);
    }
    *removed = n;
    return CMD_OK;
}

void zrem_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    long long removed = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_zrem(k.shard, &k, c, &removed);
    if (!reply_result_error(c, result))
        reply_int(c->reply, removed);
}

/* ---- ZREMRANGEBY* ---- */

enum zrem_kind { ZREM_RANK, ZREM_SCORE, ZREM_LEX };

struct zrem_range {
    enum zrem_kind kind;
    long long start, end;
    struct zset_score_range score;
    struct zset_lex_range lex;
};

/* The ranks [first, end) the range covers in v. */
static void zrem_span(const struct value *v, const struct zrem_range *r, uint64_t *first,
                      uint64_t *end)
{
    if (r->kind == ZREM_SCORE) {
        zset_score_span(v, &r->score, first, end);
        return;
    }
    if (r->kind == ZREM_LEX) {
        zset_lex_span(v, &r->lex, first, end);
        return;
    }
    long long llen = (long long)zset_card(v), start = r->start, stop = r->end;
    if (start < 0)
        start += llen;
    if (stop < 0)
        stop += llen;
    if (start < 0)
        start = 0;
    *first = *end = 0;
    if (start > stop || start >= llen)
        return;
    if (stop >= llen)
        stop = llen - 1;
    *first = (uint64_t)start;
    *end = (uint64_t)stop + 1;
}

static enum cmd_result do_zremrange(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                    const struct zrem_range *r, long long *removed)
    REQUIRES(&s->lock)
{
    static const char *const events[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
    enum cmd_result result;
    struct entry *e = do_zset_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (!e)
        return result;
    struct value v;
    entry_value(e, &v);
    uint64_t first, end;
    zrem_span(&v, r, &first, &end);
    zset_delete_ranks(&v, first, end);
    do_zset_store(s, e, &v);
    if (end > first) {
        do_key_event(s, k, NOTIFY_ZSET, events[r->kind]);
        do_zset_delete_if_empty(s, k, e);
    }
    *removed = (long long)(end - first);
    return CMD_OK;
}

static void zremrange_generic(struct cmd_ctx *c, enum zrem_kind kind)
{
    struct zrem_range r = {.kind = kind};
    if (kind == ZREM_RANK) {
        if (!arg_ll(c, 2, &r.start) || !arg_ll(c, 3, &r.end))
            return;
    } else if (kind == ZREM_SCORE) {
        if (!zset_parse_score_range(&c->argv[2], &c->argv[3], &r.score)) {
            reply_error(c->reply, ERR_ZSET_MINMAX);
            return;
        }
    } else if (!zset_parse_lex_range(&c->argv[2], &c->argv[3], &r.lex)) {
        reply_error(c->reply, ERR_ZSET_LEX_RANGE);
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    long long removed = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_zremrange(k.shard, &k, c, &r, &removed);
    if (!reply_result_error(c, result))
        reply_int(c->reply, removed);
}

void zremrangebyrank_command(struct cmd_ctx *c)
{
    zremrange_generic(c, ZREM_RANK);
}

void zremrangebyscore_command(struct cmd_ctx *c)
{
    zremrange_generic(c, ZREM_SCORE);
}

void zremrangebylex_command(struct cmd_ctx *c)
{
    zremrange_generic(c, ZREM_LEX);
}

/* ---- ZCOUNT, ZLEXCOUNT ---- */

static void count_generic(struct cmd_ctx *c, bool lex)
{
    struct zset_score_range sr;
    struct zset_lex_range lr;
    if (!lex && !zset_parse_score_range(&c->argv[2], &c->argv[3], &sr)) {
        reply_error(c->reply, ERR_ZSET_MINMAX);
        return;
    }
    if (lex && !zset_parse_lex_range(&c->argv[2], &c->argv[3], &lr)) {
        reply_error(c->reply, ERR_ZSET_LEX_RANGE);
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    uint64_t first = 0, end = 0;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            if (lex)
                zset_lex_span(&v, &lr, &first, &end);
            else
                zset_score_span(&v, &sr, &first, &end);
        }
    }
    if (!reply_result_error(c, result))
        reply_int(c->reply, (long long)(end - first));
}

void zcount_command(struct cmd_ctx *c)
{
    count_generic(c, false);
}

void zlexcount_command(struct cmd_ctx *c)
{
    count_generic(c, true);
}

/* ---- ZRANK, ZREVRANK ---- */

static void rank_generic(struct cmd_ctx *c, bool reverse)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    long long rank = -1;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            double score;
            entry_value(e, &v);
            rank = zset_rank(&v, c->argv[2].ptr, c->argv[2].len, reverse, &score);
        }
    }
    if (reply_result_error(c, result))
        return;
    rank >= 0 ? reply_int(c->reply, rank) : reply_null(c->reply);
}

void zrank_command(struct cmd_ctx *c)
{
    rank_generic(c, false);
}

void zrevrank_command(struct cmd_ctx *c)
{
    rank_generic(c, true);
}
