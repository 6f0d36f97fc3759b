/*
 * BLPOP, BRPOP, BLMPOP, BRPOPLPUSH, BLMOVE: the list pops that wait
 * (store/block.h). With something to take they answer at once, as their
 * non-blocking forms; otherwise the client waits on its keys, and a writer
 * that pushes onto one serves it inside its own locked section, oldest
 * waiter first, through the serve functions here. Inside MULTI or from a
 * socketless session they never wait. Served pops are logged as the
 * non-blocking command they amounted to (LPOP, RPOP, LMOVE).
 */
#include "store/blocking.h"
#include "store/cmd_list.h"
#include "store/commands.h"

#include "core/clock.h"

/* Every list wait that times out answers a nil array, BRPOPLPUSH and BLMOVE
 * included (Redis 7.0's replyToBlockedClientTimedOut). */
static void reply_timed_out(struct reply *r)
{
    reply_null_array(r);
}

/* The list a writer may serve a waiter from, or why not. */
static enum block_serve servable(struct shard *s, const struct key *k, struct entry **e)
    REQUIRES(&s->lock)
{
    *e = do_lookup(s, k, clock_unix_ms(), LOOKUP_WRITE, NULL);
    if (!*e)
        return BLOCK_SERVE_EMPTY;
    if (entry_type(*e) != VALUE_LIST)
        return BLOCK_SERVE_SKIP; /* waiters of another type's pops may take it */
    return BLOCK_SERVE_DONE;
}

static enum block_serve serve_pop(struct block *b, struct shard *s, const struct key *k,
                                  enum quicklist_end end) REQUIRES(&s->lock)
{
    struct entry *e;
    enum block_serve ok = servable(s, k, &e);
    if (ok != BLOCK_SERVE_DONE)
        return ok;
    if (!block_claim(b))
        return BLOCK_SERVE_SKIP;
    reply_array(&b->reply, 2);
    reply_bulk(&b->reply, k->ptr, k->len);
    do_list_pop(s, k, e, end, 1, &b->reply);
    list_rewrite_pop(b->ctx, end, k, 1);
    return BLOCK_SERVE_DONE;
}

static enum block_serve serve_blpop(struct block *b, struct shard *s, const struct key *k,
                                    int k_index)
{
    (void)k_index;
    shard_assume_held(s);
    return serve_pop(b, s, k, QUICKLIST_HEAD);
}

static enum block_serve serve_brpop(struct block *b, struct shard *s, const struct key *k,
                                    int k_index)
{
    (void)k_index;
    shard_assume_held(s);
    return serve_pop(b, s, k, QUICKLIST_TAIL);
}

static const struct block_kind blpop_kind = {.serve = serve_blpop,
                                             .timeout_reply = reply_timed_out};
static const struct block_kind brpop_kind = {.serve = serve_brpop,
                                             .timeout_reply = reply_timed_out};

/* Registers the waiters of a multi-key blocking command (all locks held);
 * false when out of memory (nothing registered then). */
static bool do_block_on_keys(struct cmd_ctx *c, struct multi_keys *mk, int first_arg)
{
    for (int i = 0; i < mk->n; i++) {
        struct key *k = &mk->keys[i];
        shard_assume_held(k->shard);
        if (do_block_on(k->shard, k, c, i, first_arg + i) != 0) {
            do_block_abort(c);
            return false;
        }
    }
    return true;
}

/* BLPOP / BRPOP under every key's lock: the first non-empty list in
 * argument order answers at once; else the client waits (*blocked). */
static enum cmd_result do_bpop(struct cmd_ctx *c, struct multi_keys *mk, enum quicklist_end end,
                               bool can_block, bool *done)
{
    for (int i = 0; i < mk->n; i++) {
        struct key *k = &mk->keys[i];
        shard_assume_held(k->shard);
        enum cmd_result result;
        struct entry *e = do_list_lookup(k->shard, k, c->now_ms, LOOKUP_WRITE, &result);
        if (result != CMD_OK)
            return result;
        if (!e)
            continue;
        reply_array(c->reply, 2);
        reply_bulk(c->reply, k->ptr, k->len);
        do_list_pop(k->shard, k, e, end, 1, c->reply);
        list_rewrite_pop(c, end, k, 1);
        *done = true;
        return CMD_OK;
    }
    if (can_block && !do_block_on_keys(c, mk, 1))
        return CMD_ERR_OOM;
    return CMD_OK;
}

static void bpop_generic(struct cmd_ctx *c, enum quicklist_end end)
{
    uint64_t timeout;
    if (!arg_block_timeout(c, c->argc - 1, &timeout))
        return;
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 1, c->argc - 2, 1))
        return;
    bool can_block = cmd_can_block(c);
    const struct block_kind *kind = end == QUICKLIST_HEAD ? &blpop_kind : &brpop_kind;
    if (can_block && block_prepare(c, kind, timeout, mk.n) != 0) {
        multi_keys_free(&mk);
        reply_error(c->reply, ERR_OOM);
        return;
    }
    bool done = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set)
        result = do_bpop(c, &mk, end, can_block, &done);
    multi_keys_free(&mk);
    if (can_block && (done || result != CMD_OK))
        block_unprepare(c);
    if (reply_result_error(c, result) || done || can_block)
        return; /* answered, or waiting */
    reply_null_array(c->reply);
}

void blpop_command(struct cmd_ctx *c)
{
    bpop_generic(c, QUICKLIST_HEAD);
}

void brpop_command(struct cmd_ctx *c)
{
    bpop_generic(c, QUICKLIST_TAIL);
}

/* BLMPOP's end and count, from its checked arguments. */
static void blmpop_args(const struct block *b, enum quicklist_end *end, long long *count)
{
    long long numkeys = 0;
    strconv_parse_ll(b->argv[2].ptr, b->argv[2].len, &numkeys);
    int where = 3 + (int)numkeys;
    *end = arg_is(&b->argv[where], "LEFT") ? QUICKLIST_HEAD : QUICKLIST_TAIL;
    *count = 1;
    if (where + 2 < b->argc)
        strconv_parse_ll(b->argv[where + 2].ptr, b->argv[where + 2].len, count);
}

static enum block_serve serve_blmpop(struct block *b, struct shard *s, const struct key *k,
                                     int k_index)
{
    (void)k_index;
    shard_assume_held(s);
    struct entry *e;
    enum block_serve ok = servable(s, k, &e);
    if (ok != BLOCK_SERVE_DONE)
        return ok;
    if (!block_claim(b))
        return BLOCK_SERVE_SKIP;
    enum quicklist_end end;
    long long count;
    blmpop_args(b, &end, &count);
    size_t len = quicklist_count(entry_list(e));
    long n = count < (long long)len ? (long)count : (long)len;
    reply_array(&b->reply, 2);
    reply_bulk(&b->reply, k->ptr, k->len);
    reply_array(&b->reply, (size_t)n);
    do_list_pop(s, k, e, end, n, &b->reply);
    list_rewrite_pop(b->ctx, end, k, n);
    return BLOCK_SERVE_DONE;
}

static const struct block_kind blmpop_kind = {.serve = serve_blmpop,
                                              .timeout_reply = reply_timed_out};

void blmpop_command(struct cmd_ctx *c)
{
    uint64_t timeout;
    struct list_mpop m;
    /* The timeout is checked last, as in Redis. */
    if (list_mpop_parse(c, 2, &m) != 0 || !arg_block_timeout(c, 1, &timeout))
        return;
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, m.first_key, m.first_key + m.nkeys - 1, 1))
        return;
    bool can_block = cmd_can_block(c);
    if (can_block && block_prepare(c, &blmpop_kind, timeout, mk.n) != 0) {
        multi_keys_free(&mk);
        reply_error(c->reply, ERR_OOM);
        return;
    }
    bool done = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set) {
        result = do_list_mpop(c, &mk, &m, &done);
        if (result == CMD_OK && !done && can_block && !do_block_on_keys(c, &mk, m.first_key))
            result = CMD_ERR_OOM;
    }
    multi_keys_free(&mk);
    if (can_block && (done || result != CMD_OK))
        block_unprepare(c);
    if (reply_result_error(c, result) || done || can_block)
        return;
    reply_null_array(c->reply);
}
