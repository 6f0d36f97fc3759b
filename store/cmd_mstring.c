/*
 * MGET, MSET, MSETNX: several keys, possibly on several shards, read or
 * written atomically. All shards involved are locked together (ascending,
 * de-duplicated: store/multilock.h), so no reader sees half of an MSET and an
 * MGET is a consistent snapshot. A short MGET reads without the locks when
 * no writer interferes, re-checking every shard to keep that guarantee.
 *
 * MSET must not fail halfway: entries and values are allocated before the
 * locks are taken and every shard's table is reserved before the first key
 * changes, so once the writes start they cannot run out of memory.
 */
#include "store/cmd_util.h"
#include "store/commands.h"
#include "store/multilock.h"

#include "core/alloc.h"

/* MGET's visit: the string's snapshot (nil for a missing key or another type). */
static bool mget_visit(void *ctx, int i, const struct entry_view *v)
{
    struct string_snapshot *snaps = ctx;
    if (!v->e || ENTRY_META_TYPE(v->meta) != VALUE_STRING)
        return true;
    return view_string_snapshot(v, &snaps[i]);
}

/* Without the locks when it can (peek_many: still one consistent snapshot). */
void mget_command(struct cmd_ctx *c)
{
    int n = c->argc - 1;
    struct key *keys = mem_alloc((size_t)n * sizeof(*keys));
    struct string_snapshot *snaps = mem_calloc((size_t)n, sizeof(*snaps));
    struct shard_set set;
    shard_set_init(&set, c->ks);
    bool oom = !keys || !snaps;
    for (int i = 0; i < n && !oom; i++) {
        cmd_key(c, i + 1, &keys[i]);
        oom = shard_set_add(&set, keys[i].shard_id) != 0;
    }
    if (oom) {
        reply_error(c->reply, ERR_OOM);
        goto out;
    }
    if (!peek_many(keys, n, c->now_ms, LOOKUP_READ, mget_visit, snaps)) {
        for (int i = 0; i < n; i++)
            snapshot_release(&snaps[i]); /* whatever the attempt took */
        SHARD_SET_GUARD (&set) {
            for (int i = 0; i < n; i++) {
                shard_assume_held(keys[i].shard);
                struct entry *e = do_lookup(keys[i].shard, &keys[i], c->now_ms, LOOKUP_READ, NULL);
                /* MGET answers nil for a key of another type, not WRONGTYPE. */
                if (e && entry_type(e) == VALUE_STRING)
                    do_string_snapshot(keys[i].shard, e, &snaps[i]);
            }
        }
    }
    reply_array(c->reply, (size_t)n);
    for (int i = 0; i < n; i++)
        reply_snapshot(c->reply, &snaps[i]);
out:
    shard_set_free(&set);
    mem_free(snaps);
    mem_free(keys);
}

/* One key=value pair of an MSET, prepared before locking. */
struct mset_item {
    struct key key;
    struct value value;
    struct entry *spare; /* used if the key is new */
};

static void free_items(struct mset_item *items, int n)
{
    for (int i = 0; i < n; i++) {
        if (items[i].spare)
            entry_free_shell(items[i].spare);
        value_release(items[i].value.type, items[i].value.encoding, items[i].value.p);
    }
    mem_free(items);
}

/* Allocates everything MSET(NX) needs; NULL after replying an error. */
static struct mset_item *prepare_items(struct cmd_ctx *c, int n, struct shard_set *set)
{
    struct mset_item *items = mem_calloc((size_t)n, sizeof(*items));
    if (!items) {
        reply_error(c->reply, ERR_OOM);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        const struct resp_arg *key = &c->argv[1 + 2 * i], *val = &c->argv[2 + 2 * i];
        cmd_key(c, 1 + 2 * i, &items[i].key);
        items[i].spare = entry_new(key->ptr, key->len, false);
        if (!items[i].spare ||
            value_string_from_arg(val->ptr, val->len, val->owner, &items[i].value) != 0 ||
            shard_set_add(set, items[i].key.shard_id) != 0) {
            free_items(items, i + 1);
            reply_error(c->reply, ERR_OOM);
            return NULL;
        }
    }
    return items;
}

/* Sets every pair in order (a repeated key ends with its last value). Its
 * values move into the table; spares that were used are cleared. The caller
 * holds every item's shard lock (the set guard). */
static void do_mset_apply(struct mset_item *items, int n, int64_t now_ms)
{
    for (int i = 0; i < n; i++) {
        struct mset_item *it = &items[i];
        struct shard *s = it->key.shard;
        shard_assume_held(s);
        struct table_pos pos;
        struct entry *e = do_lookup(s, &it->key, now_ms, LOOKUP_WRITE, &pos);
        if (e) {
            do_set_expire(s, pos, e, ENTRY_NO_TTL); /* cannot fail: removes */
            do_replace_value(s, e, &it->value, now_ms);
        } else {
            entry_set_value(it->spare, &it->value, entry_lru_clock(now_ms));
            do_link_entry(s, &it->key, it->spare);
            it->spare = NULL;
        }
        do_key_event(s, &it->key, NOTIFY_STRING, "set");
        it->value = (struct value){.type = VALUE_STRING, .encoding = ENCODING_INT};
    }
}

/* Reserves table space in every shard of the set (whose locks the caller
 * holds): false when out of memory. */
static bool do_reserve_all(struct mset_item *items, int n)
{
    for (int i = 0; i < n; i++) {
        struct shard *s = items[i].key.shard;
        shard_assume_held(s);
        if (do_reserve_link(s, false) != 0)
            return false;
    }
    return true;
}

/* MSET(NX) under the locks of every item's shard: *exists when NX found a
 * key (nothing set then). */
static enum cmd_result do_mset(struct mset_item *items, int n, bool nx, int64_t now_ms,
                               bool *exists)
{
    for (int i = 0; nx && i < n; i++) {
        shard_assume_held(items[i].key.shard);
        if (do_lookup(items[i].key.shard, &items[i].key, now_ms, LOOKUP_WRITE, NULL)) {
            *exists = true;
            return CMD_OK;
        }
    }
    if (!do_reserve_all(items, n))
        return CMD_ERR_OOM;
    do_mset_apply(items, n, now_ms);
    return CMD_OK;
}

static void mset_generic(struct cmd_ctx *c, bool nx)
{
    if (c->argc % 2 == 0) {
        reply_errorf(c->reply, "ERR wrong number of arguments for '%s' command",
                     nx ? "msetnx" : "mset");
        return;
    }
    int n = (c->argc - 1) / 2;
    struct shard_set set;
    shard_set_init(&set, c->ks);
    struct mset_item *items = prepare_items(c, n, &set);
    if (!items) {
        shard_set_free(&set);
        return;
    }
    bool exists = false;
    enum cmd_result result = CMD_ERR_OOM; /* set under the locks */
    SHARD_SET_GUARD (&set)
        result = do_mset(items, n, nx, c->now_ms, &exists);
    shard_set_free(&set);
    free_items(items, n);
    if (reply_result_error(c, result))
        return;
    if (nx)
        reply_int(c->reply, !exists);
    else
        reply_ok(c->reply);
}

void mset_command(struct cmd_ctx *c)
{
    mset_generic(c, false);
}

void msetnx_command(struct cmd_ctx *c)
{
    mset_generic(c, true);
}
