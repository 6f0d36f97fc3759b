/*
 * ZRANGESTORE, and storing a computed sorted set under a key as Redis's
 * setKey does (shared with the algebra's STORE forms). Source and
 * destination are locked together (SHARD_SET_GUARD), so no reader sees half
 * a stored result; the result is built before anything changes.
 */
#include "store/cmd_zset_range.h"

enum cmd_result do_zset_store_result(struct cmd_ctx *c, const struct key *dst, struct value *v,
                                     const char *event)
{
    struct shard *s = dst->shard;
    shard_assume_held(s);
    struct table_pos pos;
    struct entry *e = do_lookup(s, dst, c->now_ms, LOOKUP_WRITE, &pos);
    if (zset_card(v) == 0) {
        zset_value_free(v);
        if (e) {
            do_delete(s, pos);
            do_key_event(s, dst, NOTIFY_GENERIC, "del");
        }
        return CMD_OK;
    }
    if (!e) {
        if (!do_insert(s, dst, v, ENTRY_NO_TTL, c->now_ms)) {
            zset_value_free(v);
            return CMD_ERR_OOM;
        }
    } else {
        do_set_expire(s, pos, e, ENTRY_NO_TTL); /* removing a TTL cannot fail */
        do_replace_value(s, e, v, c->now_ms);
    }
    do_key_event(s, dst, NOTIFY_ZSET, event);
    return CMD_OK;
}

/* Copies the selected elements of src into a new sorted set (*out). */
static enum cmd_result copy_range(struct cmd_ctx *c, const struct value *src,
                                  const struct zrange_req *q, struct value *out)
{
    struct zset_limits lim;
    zset_limits_of(c->ks, &lim);
    uint64_t rank = 0, count = 0;
    if (src)
        zrange_select(src, q, &rank, &count);
    if (zset_value_new(&lim, 0, 0, out) != 0)
        return CMD_ERR_OOM;
    struct zset_iter it;
    if (src)
        zset_iter_init(&it, src, rank, q->rev);
    struct zset_elem e;
    for (uint64_t i = 0; src && i < count && zset_iter_next(&it, &e); i++) {
        int flags;
        if (zset_add(out, &lim, e.score, e.ptr, e.len, 0, &flags, NULL) != 0) {
            zset_value_free(out);
            return CMD_ERR_OOM;
        }
    }
    return CMD_OK;
}

static enum cmd_result do_zrangestore(struct cmd_ctx *c, struct multi_keys *mk,
                                      const struct zrange_req *q, uint64_t *stored)
{
    struct key *dst = &mk->keys[0], *srck = &mk->keys[1];
    shard_assume_held(srck->shard);
    enum cmd_result result;
    struct entry *e = do_zset_lookup(srck->shard, srck, c->now_ms, LOOKUP_READ, &result);
    if (result != CMD_OK)
        return result;
    struct value src, out;
    if (e)
        entry_value(e, &src);
    result = copy_range(c, e ? &src : NULL, q, &out);
    if (result != CMD_OK)
        return result;
    *stored = zset_card(&out);
    return do_zset_store_result(c, dst, &out, "zrangestore");
}

/* ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count] */
void zrangestore_command(struct cmd_ctx *c)
{
    struct zrange_req q;
    if (!zrange_parse(c, 2, true, ZRANGE_AUTO, false, &q))
        return;
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 1, 2, 1))
        return;
    uint64_t stored = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set)
        result = do_zrangestore(c, &mk, &q, &stored);
    multi_keys_free(&mk);
    if (!reply_result_error(c, result))
        reply_int(c->reply, (long long)stored);
}
