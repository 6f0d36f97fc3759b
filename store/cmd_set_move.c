/*
 * SMOVE source destination member: the member leaves one set and joins the
 * other under both shards' locks, taken together in ascending order
 * (SHARD_SET_GUARD), so no reader, locked or lock-free, ever sees it in
 * neither set or in both. The destination's half (which may allocate)
 * is prepared first; the removal from the source cannot fail.
 */
#include "store/cmd_set.h"

/* The destination's half, done before the source changes because it is
 * what can fail: the member added to the existing set `de`; or, when dst is
 * missing, a new set in an entry with its table slot reserved (*fresh),
 * which the caller links after the source's srem, so that the events come
 * in Redis's order: srem (and del), then new and sadd. */
static enum cmd_result do_smove_add(struct shard *s, struct entry *de, struct cmd_ctx *c,
                                    struct entry **fresh, bool *added) REQUIRES(&s->lock)
{
    const struct resp_arg *m = &c->argv[3];
    struct set_limits lim;
    set_limits_of(c->ks, &lim);
    struct value v;
    if (de) {
        entry_value(de, &v);
        int rc = set_add(&v, &lim, m->ptr, m->len);
        do_set_store(s, de, &v);
        if (rc < 0)
            return CMD_ERR_OOM;
        *added = rc == 1;
        return CMD_OK;
    }
    const struct resp_arg *dst = &c->argv[2];
    if (set_value_new(&lim, m->ptr, m->len, 1, &v) != 0)
        return CMD_ERR_OOM;
    struct entry *e = entry_new(dst->ptr, dst->len, false);
    if (!e || set_add(&v, &lim, m->ptr, m->len) < 0 || do_reserve_link(s, false) != 0) {
        if (e)
            entry_free_shell(e);
        set_value_free(&v);
        return CMD_ERR_OOM;
    }
    entry_set_value(e, &v, entry_lru_clock(c->now_ms));
    *fresh = e;
    *added = true;
    return CMD_OK;
}

static enum cmd_result do_smove(struct cmd_ctx *c, const struct key *src, const struct key *dst,
                                bool *moved)
{
    shard_assume_held(src->shard);
    shard_assume_held(dst->shard);
    const struct resp_arg *m = &c->argv[3];
    enum cmd_result result;
    struct entry *se = do_set_lookup(src->shard, src, c->now_ms, LOOKUP_WRITE, &result);
    if (!se)
        return result; /* a missing source answers 0, whatever dst holds */
    struct entry *de = do_set_lookup(dst->shard, dst, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    struct value sv;
    entry_value(se, &sv);
    if (se == de) {
        *moved = set_contains(&sv, m->ptr, m->len);
        return CMD_OK;
    }
    if (!set_contains(&sv, m->ptr, m->len))
        return CMD_OK;
    bool added = false;
    struct entry *fresh = NULL;
    result = do_smove_add(dst->shard, de, c, &fresh, &added);
    if (result != CMD_OK)
        return result;
    set_remove(&sv, m->ptr, m->len);
    do_set_store(src->shard, se, &sv);
    /* Announced in Redis's order: the source's srem (and del), then the
     * destination's new (when created) and sadd. */
    do_key_event(src->shard, src, NOTIFY_SET, "srem");
    do_set_delete_if_empty(src->shard, src, se);
    if (fresh)
        do_link_entry(dst->shard, dst, fresh);
    if (added)
        do_key_event(dst->shard, dst, NOTIFY_SET, "sadd");
    *moved = true;
    return CMD_OK;
}

void smove_command(struct cmd_ctx *c)
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
        result = do_smove(c, &src, &dst, &moved);
    shard_set_free(&set);
    if (!reply_result_error(c, result))
        reply_int(c->reply, moved);
}
