/*
 * ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX and BZMPOP
 * (store/block.h): Redis 7.0's genericZpopCommand reply shapes (flat in
 * RESP2, [member, score] pairs in RESP3 when a count was given, the key in
 * front for the multi-key forms). A blocked client is served by the writer
 * that adds to one of its keys, inside the writer's locked section, oldest
 * waiter first. Pops are logged as ZPOPMIN / ZPOPMAX key count.
 */
#include "store/blocking.h"
#include "store/cmd_zset.h"
#include "store/list.h"

#include "core/clock.h"

/* Pops n (<= card) elements of the sorted set e from its low or high end,
 * writing each to r (nested: as a [member, score] pair), and announces it;
 * an emptied key is deleted. */
static void do_zset_pop(struct shard *s, const struct key *k, struct entry *e, bool max, uint64_t n,
                        bool nested, struct reply *r) REQUIRES(&s->lock)
{
    struct value v;
    entry_value(e, &v);
    uint64_t card = zset_card(&v);
    struct zset_iter it;
    zset_iter_init(&it, &v, max ? card - 1 : 0, max);
    struct zset_elem el;
    for (uint64_t i = 0; i < n && zset_iter_next(&it, &el); i++) {
        if (nested)
            reply_array(r, 2);
        reply_bulk(r, el.ptr, el.len);
        reply_double(r, el.score);
    }
    if (max)
        zset_delete_ranks(&v, card - n, card);
    else
        zset_delete_ranks(&v, 0, n);
    do_zset_store(s, e, &v);
    do_key_event(s, k, NOTIFY_ZSET, max ? "zpopmax" : "zpopmin");
    do_zset_delete_if_empty(s, k, e);
}

static void zpop_rewrite(struct cmd_ctx *c, bool max, const struct key *k, uint64_t n)
{
    char count[STRCONV_LL_BUF];
    struct resp_arg av[] = {max ? ARG_LITERAL("ZPOPMAX") : ARG_LITERAL("ZPOPMIN"),
                            {k->ptr, k->len, NULL},
                            arg_number(count, (long long)n)};
    cmd_rewrite(c, 3, av);
}

/* How a pop answers (genericZpopCommand's arguments). */
struct zpop {
    bool max;
    bool emit_key; /* BZPOP*, ZMPOP, BZMPOP */
    bool nested;   /* [member, score] pairs */
    bool multi;    /* ZMPOP / BZMPOP: [key, [pairs]] */
    long long count;
};

/* Pops from k's sorted set e (not empty) into r, in the shape z asks. */
static void do_zpop_reply(struct cmd_ctx *c, struct shard *s, const struct key *k, struct entry *e,
                          const struct zpop *z, struct reply *r) REQUIRES(&s->lock)
{
    struct value v;
    entry_value(e, &v);
    uint64_t card = zset_card(&v);
    uint64_t n = (uint64_t)z->count < card ? (uint64_t)z->count : card;
    if (z->multi) {
        reply_array(r, 2);
        reply_bulk(r, k->ptr, k->len);
        reply_array(r, n);
    } else if (z->emit_key) {
        reply_array(r, 2 * n + 1);
        reply_bulk(r, k->ptr, k->len);
    } else {
        reply_array(r, z->nested ? n : 2 * n);
    }
    do_zset_pop(s, k, e, z->max, n, z->nested, r);
    zpop_rewrite(c, z->max, k, n);
}

/* The first key holding a sorted set answers; a key of another type is an
 * error, missing keys are skipped. *done when one answered. */
static enum cmd_result do_zpop_first(struct cmd_ctx *c, struct multi_keys *mk, const struct zpop *z,
                                     bool *done)
{
    for (int i = 0; i < mk->n; i++) {
        struct key *k = &mk->keys[i];
        shard_assume_held(k->shard);
        enum cmd_result result;
        struct entry *e = do_zset_lookup(k->shard, k, c->now_ms, LOOKUP_WRITE, &result);
        if (result != CMD_OK)
            return result;
        if (!e)
            continue;
        *done = true;
        if (z->count == 0) {
            reply_array(c->reply, 0); /* ZPOPMIN key 0 */
            return CMD_OK;
        }
        do_zpop_reply(c, k->shard, k, e, z, c->reply);
        return CMD_OK;
    }
    return CMD_OK;
}

/* ZPOPMIN / ZPOPMAX key [count] */
static void zpop_generic(struct cmd_ctx *c, bool max)
{
    if (c->argc > 3) {
        reply_error(c->reply, ERR_SYNTAX);
        return;
    }
    struct zpop z = {.max = max, .count = 1};
    if (c->argc == 3) {
        if (!arg_ll_range(c, 2, 0, LONG_MAX, "ERR value is out of range, must be positive",
                          &z.count))
            return;
        z.nested = c->reply->proto >= 3;
    }
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 1, 1, 1))
        return;
    bool done = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set)
        result = do_zpop_first(c, &mk, &z, &done);
    multi_keys_free(&mk);
    if (!reply_result_error(c, result) && !done)
        reply_array(c->reply, 0);
}

void zpopmin_command(struct cmd_ctx *c)
{
    zpop_generic(c, false);
}

void zpopmax_command(struct cmd_ctx *c)
{
    zpop_generic(c, true);
}

/* ZMPOP / BZMPOP's numkeys, MIN|MAX and COUNT from argv[numkeys_i]; false
 * after replying the error. */
static bool zmpop_parse(struct cmd_ctx *c, int numkeys_i, struct zpop *z, int *nkeys)
{
    long long numkeys;
    if (!arg_ll_range(c, numkeys_i, 1, LONG_MAX, "ERR numkeys should be greater than 0", &numkeys))
        return false;
    long long where_i = numkeys < c->argc ? numkeys_i + numkeys + 1 : c->argc;
    if (where_i >= c->argc) {
        reply_error(c->reply, ERR_SYNTAX);
        return false;
    }
    if (arg_is(&c->argv[where_i], "MIN") || arg_is(&c->argv[where_i], "MAX")) {
        z->max = arg_is(&c->argv[where_i], "MAX");
    } else {
        reply_error(c->reply, ERR_SYNTAX);
        return false;
    }
    *z = (struct zpop){.max = z->max, .emit_key = true, .nested = true, .multi = true, .count = -1};
    for (int j = (int)where_i + 1; j < c->argc; j++) {
        if (z->count == -1 && arg_is(&c->argv[j], "COUNT") && j + 1 < c->argc) {
            if (!arg_ll_range(c, ++j, 1, LONG_MAX, "ERR count should be greater than 0", &z->count))
                return false;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
    }
    if (z->count == -1)
        z->count = 1;
    *nkeys = (int)numkeys;
    return true;
}

void zmpop_command(struct cmd_ctx *c)
{
    struct zpop z = {0};
    int nkeys;
    if (!zmpop_parse(c, 1, &z, &nkeys))
        return;
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 2, 1 + nkeys, 1))
        return;
    bool done = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set)
        result = do_zpop_first(c, &mk, &z, &done);
    multi_keys_free(&mk);
    if (!reply_result_error(c, result) && !done)
        reply_null_array(c->reply);
}

/* ---- blocking ---- */

static void reply_timed_out(struct reply *r)
{
    reply_null_array(r);
}

/* What a blocked command waits for, from its copied arguments. */
static void blocked_args(const struct block *b, struct zpop *z)
{
    bool multi = arg_is(&b->argv[0], "bzmpop");
    *z = (struct zpop){.max = arg_is(&b->argv[0], "bzpopmax"), .emit_key = true, .count = 1};
    if (!multi)
        return;
    long long numkeys = 0;
    strconv_parse_ll(b->argv[2].ptr, b->argv[2].len, &numkeys);
    int where = 3 + (int)numkeys;
    z->max = arg_is(&b->argv[where], "MAX");
    z->nested = z->multi = true;
    if (where + 2 < b->argc)
        strconv_parse_ll(b->argv[where + 2].ptr, b->argv[where + 2].len, &z->count);
}

static enum block_serve serve_zpop(struct block *b, struct shard *s, const struct key *k,
                                   int k_index)
{
    (void)k_index;
    shard_assume_held(s);
    struct entry *e = do_lookup(s, k, clock_unix_ms(), LOOKUP_WRITE, NULL);
    if (!e)
        return BLOCK_SERVE_EMPTY;
    if (entry_type(e) != VALUE_ZSET)
        return BLOCK_SERVE_SKIP; /* waiters of another type's pops may take it */
    if (!block_claim(b))
        return BLOCK_SERVE_SKIP;
    struct zpop z;
    blocked_args(b, &z);
    do_zpop_reply(b->ctx, s, k, e, &z, &b->reply);
    return BLOCK_SERVE_DONE;
}

static const struct block_kind zpop_kind = {.serve = serve_zpop, .timeout_reply = reply_timed_out};

static void bzpop_generic(struct cmd_ctx *c, const struct zpop *z, int first, int nkeys,
                          int timeout_i)
{
    uint64_t timeout;
    if (!arg_block_timeout(c, timeout_i, &timeout))
        return;
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, first, first + nkeys - 1, 1))
        return;
    bool can_block = cmd_can_block(c);
    if (can_block && block_prepare(c, &zpop_kind, timeout, mk.n) != 0) {
        multi_keys_free(&mk);
        reply_error(c->reply, ERR_OOM);
        return;
    }
    bool done = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set) {
        result = do_zpop_first(c, &mk, z, &done);
        for (int i = 0; result == CMD_OK && !done && can_block && i < mk.n; i++) {
            struct key *k = &mk.keys[i];
            shard_assume_held(k->shard);
            if (do_block_on(k->shard, k, c, i, first + i) != 0) {
                do_block_abort(c);
                result = CMD_ERR_OOM;
            }
        }
    }
    multi_keys_free(&mk);
    if (can_block && (done || result != CMD_OK))
        block_unprepare(c);
    if (reply_result_error(c, result) || done || can_block)
        return; /* answered, or waiting */
    reply_null_array(c->reply);
}

void bzpopmin_command(struct cmd_ctx *c)
{
    struct zpop z = {.max = false, .emit_key = true, .count = 1};
    bzpop_generic(c, &z, 1, c->argc - 2, c->argc - 1);
}

void bzpopmax_command(struct cmd_ctx *c)
{
    struct zpop z = {.max = true, .emit_key = true, .count = 1};
    bzpop_generic(c, &z, 1, c->argc - 2, c->argc - 1);
}

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
void bzmpop_command(struct cmd_ctx *c)
{
    struct zpop z = {0};
    int nkeys;
    if (!zmpop_parse(c, 2, &z, &nkeys))
        return;
    bzpop_generic(c, &z, 3, nkeys, 1);
}
