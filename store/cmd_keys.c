/*
 * DEL, UNLINK, EXISTS, TOUCH, TYPE. The multi-key ones lock all their shards
 * together, so DEL a b is atomic and EXISTS a b counts a consistent state
 * (the readers also try without the locks first: store/cmd_util.h).
 * Deleted entries are unlinked under the locks and retired after they are
 * released (core/ebr frees them once no lock-free reader can hold them, in
 * batches; UNLINK does not need a background thread for that).
 */
#include "store/cmd_util.h"
#include "store/commands.h"

static void del_generic(struct cmd_ctx *c)
{
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 1, c->argc - 1, 1))
        return;
    struct entry *gone = NULL; /* detached entries, chained through next */
    long long deleted = 0;
    SHARD_SET_GUARD (&mk.set) {
        for (int i = 0; i < mk.n; i++) {
            struct key *k = &mk.keys[i];
            shard_assume_held(k->shard);
            struct table_pos pos;
            if (!do_lookup(k->shard, k, c->now_ms, LOOKUP_WRITE | LOOKUP_NOTOUCH, &pos))
                continue;
            struct entry *e = do_detach(k->shard, pos);
            do_key_event(k->shard, k, NOTIFY_GENERIC, "del");
            entry_set_next(e, gone);
            gone = e;
            deleted++;
        }
    }
    multi_keys_free(&mk);
    while (gone) {
        struct entry *next = entry_next(gone);
        entry_retire(gone);
        gone = next;
    }
    reply_int(c->reply, deleted);
}

void del_command(struct cmd_ctx *c)
{
    del_generic(c);
}

void unlink_command(struct cmd_ctx *c)
{
    del_generic(c);
}

static bool count_visit(void *ctx, int i, const struct entry_view *v)
{
    (void)i;
    *(long long *)ctx += v->e != NULL;
    return true;
}

/* EXISTS and TOUCH: count the live keys (a repeated key counts each time),
 * without the locks when no writer interferes. */
static void count_generic(struct cmd_ctx *c, unsigned flags)
{
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 1, c->argc - 1, 1))
        return;
    long long found = 0;
    if (peek_many(mk.keys, mk.n, c->now_ms, flags, count_visit, &found)) {
        multi_keys_free(&mk);
        reply_int(c->reply, found);
        return;
    }
    found = 0;
    SHARD_SET_GUARD (&mk.set) {
        for (int i = 0; i < mk.n; i++) {
            struct key *k = &mk.keys[i];
            shard_assume_held(k->shard);
            if (do_lookup(k->shard, k, c->now_ms, flags, NULL))
                found++;
        }
    }
    multi_keys_free(&mk);
    reply_int(c->reply, found);
}

void exists_command(struct cmd_ctx *c)
{
    count_generic(c, LOOKUP_READ | LOOKUP_NOTOUCH);
}

void touch_command(struct cmd_ctx *c)
{
    count_generic(c, LOOKUP_READ);
}

void type_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    const char *name = "none";
    struct entry_view v;
    enum peek_result r = peek_fields(&k, c->now_ms, LOOKUP_READ | LOOKUP_NOTOUCH, &v);
    if (r == PEEK_HIT) {
        name = value_type_name((int)ENTRY_META_TYPE(v.meta));
    } else if (r == PEEK_LOCK) {
        SHARD_GUARD (k.shard) {
            struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_READ | LOOKUP_NOTOUCH, NULL);
            if (e)
                name = value_type_name(entry_type(e));
        }
    }
    reply_simple(c->reply, name);
}
