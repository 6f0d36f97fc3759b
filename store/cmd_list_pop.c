/*
 * LPOP, RPOP (with count), LMPOP, RPOPLPUSH, LMOVE: taking elements off a
 * list, and moving one to another list atomically across shards (both
 * shards locked together). The blocking forms (cmd_list_block.c) answer
 * through the same do_* steps when there is something to take at once.
 */
#include "store/cmd_list.h"
#include "store/commands.h"

#include <errno.h>
#include <limits.h>

/* LPOP / RPOP under the lock; the reply is written there (the elements
 * live in the list). */
static enum cmd_result do_pop(struct shard *s, const struct key *k, struct cmd_ctx *c,
                              enum quicklist_end end, bool has_count, long long count)
    REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    if (!e) {
        if (has_count)
            reply_null_array(c->reply);
        else
            reply_null(c->reply);
        return CMD_OK;
    }
    if (!has_count) {
        do_list_pop(s, k, e, end, 1, c->reply);
        return CMD_OK;
    }
    size_t len = quicklist_count(entry_list(e));
    long n = count < (long long)len ? (long)count : (long)len;
    reply_array(c->reply, (size_t)n);
    if (n > 0)
        do_list_pop(s, k, e, end, n, c->reply);
    return CMD_OK;
}

static void pop_generic(struct cmd_ctx *c, enum quicklist_end end)
{
    bool has_count = c->argc == 3;
    long long count = 1;
    if (c->argc > 3) {
        reply_errorf(c->reply, "ERR wrong number of arguments for '%s' command",
                     end == QUICKLIST_HEAD ? "lpop" : "rpop");
        return;
    }
    if (has_count &&
        !arg_ll_range(c, 2, 0, LONG_MAX, "ERR value is out of range, must be positive", &count))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_pop(k.shard, &k, c, end, has_count, count);
    reply_result_error(c, result);
}

void lpop_command(struct cmd_ctx *c)
{
    pop_generic(c, QUICKLIST_HEAD);
}

void rpop_command(struct cmd_ctx *c)
{
    pop_generic(c, QUICKLIST_TAIL);
}

int list_mpop_parse(struct cmd_ctx *c, int numkeys_i, struct list_mpop *out)
{
    long long numkeys;
    if (!arg_ll_range(c, numkeys_i, 1, LONG_MAX, "ERR numkeys should be greater than 0", &numkeys))
        return -1;
    long long where_i = numkeys < c->argc ? numkeys_i + numkeys + 1 : c->argc;
    if (where_i >= c->argc) {
        reply_error(c->reply, ERR_SYNTAX);
        return -1;
    }
    if (!arg_list_end(c, (int)where_i, &out->end))
        return -1;
    out->first_key = numkeys_i + 1;
    out->nkeys = (int)numkeys;
    out->count = -1;
    for (int j = (int)where_i + 1; j < c->argc; j++) {
        if (out->count == -1 && arg_is(&c->argv[j], "COUNT") && j + 1 < c->argc) {
            if (!arg_ll_range(c, ++j, 1, LONG_MAX, "ERR count should be greater than 0",
                              &out->count))
                return -1;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return -1;
        }
    }
    if (out->count == -1)
        out->count = 1;
    return 0;
}

enum cmd_result do_list_mpop(struct cmd_ctx *c, struct multi_keys *mk, const struct list_mpop *m,
                             bool *served)
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
        size_t len = quicklist_count(entry_list(e));
        long n = m->count < (long long)len ? (long)m->count : (long)len;
        reply_array(c->reply, 2);
        reply_bulk(c->reply, k->ptr, k->len);
        reply_array(c->reply, (size_t)n);
        do_list_pop(k->shard, k, e, m->end, n, c->reply);
        list_rewrite_pop(c, m->end, k, n);
        *served = true;
        return CMD_OK;
    }
    return CMD_OK;
}

void list_rewrite_pop(struct cmd_ctx *c, enum quicklist_end end, const struct key *k, long n)
{
    char count[STRCONV_LL_BUF];
    struct resp_arg av[] = {end == QUICKLIST_HEAD ? ARG_LITERAL("LPOP") : ARG_LITERAL("RPOP"),
                            {k->ptr, k->len, NULL},
                            arg_number(count, n)};
    cmd_rewrite(c, n > 1 ? 3 : 2, av);
}

void lmpop_command(struct cmd_ctx *c)
{
    struct list_mpop m;
    if (list_mpop_parse(c, 1, &m) != 0)
        return;
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, m.first_key, m.first_key + m.nkeys - 1, 1))
        return;
    bool served = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set)
        result = do_list_mpop(c, &mk, &m, &served);
    multi_keys_free(&mk);
    if (!reply_result_error(c, result) && !served)
        reply_null_array(c->reply);
}

/* After a move pushed onto dst: links the new list when dst was missing
 * (its entry prepared, `fresh`), and announces the push. */
static void do_link_moved(struct shard *s, const struct key *dst, struct entry *de,
                          struct entry **fresh, struct quicklist *fresh_list, enum quicklist_end to,
                          int64_t now_ms) REQUIRES(&s->lock)
{
    if (!de) {
        struct value v;
        list_value(fresh_list, &v);
        entry_set_value(*fresh, &v, entry_lru_clock(now_ms));
        do_link_entry(s, dst, *fresh);
        *fresh = NULL;
    }
    do_key_event(s, dst, NOTIFY_LIST, to == QUICKLIST_HEAD ? "lpush" : "rpush");
}

enum cmd_result do_list_move(struct cmd_ctx *c, const struct key *src, const struct key *dst,
                             enum quicklist_end from, enum quicklist_end to, struct reply *r,
                             bool *moved)
{
    shard_assume_held(src->shard);
    shard_assume_held(dst->shard);
    enum cmd_result result;
    struct entry *se = do_list_lookup(src->shard, src, c->now_ms, LOOKUP_WRITE, &result);
    if (!se)
        return result;
    struct entry *de = do_list_lookup(dst->shard, dst, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    /* Whatever can fail is allocated first. */
    struct entry *fresh = NULL;
    struct quicklist *fresh_list = NULL;
    if (!de) {
        fresh = entry_new(dst->ptr, dst->len, false);
        fresh_list = list_new(c->ks);
        if (!fresh || !fresh_list || do_reserve_link(dst->shard, false) != 0) {
            if (fresh)
                entry_free_shell(fresh);
            quicklist_free(fresh_list);
            return CMD_ERR_OOM;
        }
    }
    /* Copy, push, then pop: a failure at any step leaves both lists as
     * they were (undoing the push pops from a node just written, which
     * needs no memory). On one list the pop takes the original, which is
     * equal to the copy. */
    struct list_element el;
    result = CMD_ERR_OOM;
    if (list_peek_end(entry_list(se), from, &el) == 0) {
        struct quicklist *dq = de ? entry_list(de) : fresh_list;
        if (quicklist_push(dq, to, el.data, el.len) == 0) {
            if (quicklist_pop(entry_list(se), from, NULL, NULL) == 0) {
                do_link_moved(dst->shard, dst, de, &fresh, fresh_list, to, c->now_ms);
                do_key_event(src->shard, src, NOTIFY_LIST,
                             from == QUICKLIST_HEAD ? "lpop" : "rpop");
                do_list_delete_if_empty(src->shard, src, se);
                fresh_list = NULL;
                *moved = true;
                result = CMD_OK;
                if (r)
                    reply_bulk(r, el.data, el.len);
            } else {
                quicklist_pop(dq, to, NULL, NULL);
            }
        }
        list_element_release(&el);
    }
    if (fresh) {
        entry_free_shell(fresh);
        quicklist_free(fresh_list);
    }
    return result;
}

void list_move_generic(struct cmd_ctx *c, enum quicklist_end from, enum quicklist_end to)
{
    struct key src, dst;
    cmd_key(c, 1, &src);
    cmd_key(c, 2, &dst);
    struct shard_set set;
    shard_set_init(&set, c->ks);
    shard_set_add(&set, src.shard_id); /* two ids fit inline: cannot fail */
    shard_set_add(&set, dst.shard_id);
    bool moved = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&set)
        result = do_list_move(c, &src, &dst, from, to, c->reply, &moved);
    shard_set_free(&set);
    if (!reply_result_error(c, result) && !moved)
        reply_null(c->reply);
}

void rpoplpush_command(struct cmd_ctx *c)
{
    list_move_generic(c, QUICKLIST_TAIL, QUICKLIST_HEAD);
}

void lmove_command(struct cmd_ctx *c)
{
    enum quicklist_end from, to;
    if (arg_list_end(c, 3, &from) && arg_list_end(c, 4, &to))
        list_move_generic(c, from, to);
}
