/*
 * BRPOPLPUSH and BLMOVE: LMOVE that waits for the source. Served by the
 * writer that pushes onto the source, inside its locked section: when the
 * destination lives on the same shard the whole move happens there; when
 * it lives on another, the writer takes the element (nobody else can have
 * it) and the blocked client's own task pushes it onto the destination
 * right after it wakes, under the destination's lock. Between the two, a
 * reader of both lists sees the element in neither; it is never lost or
 * duplicated. A destination of another type answers the waiter WRONGTYPE,
 * as in Redis 7.0: the element stays in the source (same shard), or goes
 * back to where it came from (found only at delivery).
 */
#include "store/blocking.h"
#include "store/cmd_list.h"
#include "store/commands.h"

#include "core/clock.h"

/* Where the move goes, from the blocked command's arguments. */
struct move_args {
    enum quicklist_end from, to;
    struct key dst;
};

static void move_args(const struct block *b, struct move_args *m)
{
    bool blmove = b->argc == 6;
    m->from = blmove && arg_is(&b->argv[3], "LEFT") ? QUICKLIST_HEAD : QUICKLIST_TAIL;
    m->to = !blmove || arg_is(&b->argv[4], "LEFT") ? QUICKLIST_HEAD : QUICKLIST_TAIL;
    key_locate(b->ctx->ks, b->ctx->db, b->argv[2].ptr, b->argv[2].len, &m->dst);
}

/* LMOVE src dst from to: the form a served move is logged in. */
static void rewrite_move(struct cmd_ctx *c, const struct block *b, const struct move_args *m)
{
    struct resp_arg av[] = {ARG_LITERAL("LMOVE"), b->argv[1], b->argv[2],
                            m->from == QUICKLIST_HEAD ? ARG_LITERAL("LEFT") : ARG_LITERAL("RIGHT"),
                            m->to == QUICKLIST_HEAD ? ARG_LITERAL("LEFT") : ARG_LITERAL("RIGHT")};
    cmd_rewrite(c, 5, av);
}

static enum block_serve serve_move(struct block *b, struct shard *s, const struct key *src,
                                   int k_index)
{
    (void)k_index;
    shard_assume_held(s);
    int64_t now = clock_unix_ms();
    struct entry *se = do_lookup(s, src, now, LOOKUP_WRITE, NULL);
    if (!se)
        return BLOCK_SERVE_EMPTY;
    if (entry_type(se) != VALUE_LIST)
        return BLOCK_SERVE_SKIP;
    struct move_args m;
    move_args(b, &m);
    if (m.dst.shard == s) {
        struct entry *de = do_lookup(s, &m.dst, now, LOOKUP_WRITE, NULL);
        if (!block_claim(b))
            return BLOCK_SERVE_SKIP;
        if (de && entry_type(de) != VALUE_LIST) {
            /* Redis 7.0 answers the waiter WRONGTYPE; the element stays. */
            reply_error(&b->reply, ERR_WRONGTYPE);
            return BLOCK_SERVE_DONE;
        }
        bool moved = false;
        if (do_list_move(b->ctx, src, &m.dst, m.from, m.to, &b->reply, &moved) != CMD_OK)
            reply_error(&b->reply, ERR_OOM);
        rewrite_move(b->ctx, b, &m);
        return BLOCK_SERVE_DONE;
    }
    /* Copied out before the claim, so that running out of memory leaves
     * the element, and the waiter, where they are. */
    struct list_element el;
    if (list_peek_end(entry_list(se), m.from, &el) != 0)
        return BLOCK_SERVE_EMPTY;
    struct bytes *value = bytes_new(el.data, el.len);
    list_element_release(&el);
    if (!value)
        return BLOCK_SERVE_EMPTY;
    if (!block_claim(b)) {
        bytes_unref(value);
        return BLOCK_SERVE_SKIP;
    }
    if (quicklist_pop(entry_list(se), m.from, NULL, NULL) != 0) {
        bytes_unref(value);
        reply_error(&b->reply, ERR_OOM);
        return BLOCK_SERVE_DONE;
    }
    b->carried = value;
    do_key_event(s, src, NOTIFY_LIST, m.from == QUICKLIST_HEAD ? "lpop" : "rpop");
    do_list_delete_if_empty(s, src, se);
    rewrite_move(b->ctx, b, &m);
    return BLOCK_SERVE_DONE;
}

/* Pushes what the writer took onto key k (creating the list): false when
 * k holds another type (nothing done). */
static enum cmd_result do_push_carried(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                       enum quicklist_end end, const struct bytes *value)
    REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    struct quicklist *ql = e ? entry_list(e) : list_new(c->ks);
    if (!ql || quicklist_push(ql, end, value->data, value->len) != 0) {
        if (!e)
            quicklist_free(ql);
        return CMD_ERR_OOM;
    }
    if (!e) {
        struct value v;
        list_value(ql, &v);
        if (!do_insert(s, k, &v, ENTRY_NO_TTL, c->now_ms)) {
            quicklist_free(ql);
            return CMD_ERR_OOM;
        }
    }
    do_key_event(s, k, NOTIFY_LIST, end == QUICKLIST_HEAD ? "lpush" : "rpush");
    return CMD_OK;
}

/* On the blocked client's task: delivers the element to the destination. */
static void complete_move(struct block *b)
{
    struct cmd_ctx *c = b->ctx;
    struct move_args m;
    move_args(b, &m);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (m.dst.shard)
        result = do_push_carried(m.dst.shard, &m.dst, c, m.to, b->carried);
    if (result == CMD_OK) {
        reply_bulk_bytes(c->reply, b->carried);
        return;
    }
    /* Back where it came from, at the end it was taken from. */
    struct key src;
    key_locate(c->ks, c->db, b->argv[1].ptr, b->argv[1].len, &src);
    enum cmd_result back = CMD_ERR_OOM;
    SHARD_GUARD (src.shard)
        back = do_push_carried(src.shard, &src, c, m.from, b->carried);
    (void)back; /* WRONGTYPE there too, or no memory: nowhere left to put it */
    reply_result_error(c, result);
}

static void reply_timed_out(struct reply *r)
{
    reply_null_array(r);
}

static const struct block_kind bmove_kind = {
    .serve = serve_move,
    .timeout_reply = reply_timed_out,
    .complete = complete_move,
};

/* LMOVE under both locks when the source has something, else the wait
 * (registered under the source's lock, still held). */
static enum cmd_result do_bmove(struct cmd_ctx *c, const struct key *src, const struct key *dst,
                                enum quicklist_end from, enum quicklist_end to, bool can_block,
                                bool *done)
{
    shard_assume_held(src->shard);
    enum cmd_result result;
    struct entry *se = do_list_lookup(src->shard, src, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    if (se) {
        result = do_list_move(c, src, dst, from, to, c->reply, done);
        if (result == CMD_OK) {
            struct resp_arg av[] = {
                ARG_LITERAL("LMOVE"), c->argv[1], c->argv[2],
                from == QUICKLIST_HEAD ? ARG_LITERAL("LEFT") : ARG_LITERAL("RIGHT"),
                to == QUICKLIST_HEAD ? ARG_LITERAL("LEFT") : ARG_LITERAL("RIGHT")};
            cmd_rewrite(c, 5, av);
        }
        return result;
    }
    if (can_block && do_block_on(src->shard, src, c, 0, 1) != 0)
        return CMD_ERR_OOM;
    return CMD_OK;
}

static void bmove_generic(struct cmd_ctx *c, enum quicklist_end from, enum quicklist_end to,
                          int timeout_i)
{
    uint64_t timeout;
    if (!arg_block_timeout(c, timeout_i, &timeout))
        return;
    struct key src, dst;
    cmd_key(c, 1, &src);
    cmd_key(c, 2, &dst);
    bool can_block = cmd_can_block(c);
    if (can_block && block_prepare(c, &bmove_kind, timeout, 1) != 0) {
        reply_error(c->reply, ERR_OOM);
        return;
    }
    struct shard_set set;
    shard_set_init(&set, c->ks);
    shard_set_add(&set, src.shard_id); /* two ids fit inline: cannot fail */
    shard_set_add(&set, dst.shard_id);
    bool done = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&set)
        result = do_bmove(c, &src, &dst, from, to, can_block, &done);
    shard_set_free(&set);
    if (can_block && (done || result != CMD_OK))
        block_unprepare(c);
    if (reply_result_error(c, result) || done || can_block)
        return;
    reply_null(c->reply); /* may not wait: a nil string, unlike a timeout */
}

void brpoplpush_command(struct cmd_ctx *c)
{
    bmove_generic(c, QUICKLIST_TAIL, QUICKLIST_HEAD, 3);
}

void blmove_command(struct cmd_ctx *c)
{
    enum quicklist_end from, to;
    if (arg_list_end(c, 3, &from) && arg_list_end(c, 4, &to))
        bmove_generic(c, from, to, 5);
}
