/*
 * DEL, UNLINK, EXISTS, TOUCH, TYPE. The multi-key ones lock all their shards
 * together, so DEL a b is atomic and EXISTS a b counts a consistent state.
 * Deleted entries are unlinked under the locks and freed after they are
 * released (so UNLINK and DEL both keep big frees out of the critical
 * section; UNLINK does not need a background thread for that).
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
            e->next = gone;
            gone = e;
            deleted++;
        }
    }
    multi_keys_free(&mk);
    while (gone) {
        struct entry *next = gone->next;
        entry_free(gone);
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

/* EXISTS and TOUCH: count the live keys (a repeated key counts each time). */
static void count_generic(struct cmd_ctx *c, unsigned flags)
{
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 1, c->argc - 1, 1))
        return;
    long long found = 0;
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
    LOCK_GUARD (&k.shard->lock) {
        struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_READ | LOOKUP_NOTOUCH, NULL);
        if (e)
            name = value_type_name(e->type);
    }
    reply_simple(c->reply, name);
}
