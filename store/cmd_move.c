/*
 * RENAME, RENAMENX, COPY, MOVE: commands that take a value from one key to
 * another, possibly across shards and databases. Both shards are locked
 * together (ascending order), everything that can fail (allocation) is done
 * before the first change, and then the move happens with no reader able to
 * see the key in both places or in neither.
 */
#include "store/cmd_util.h"
#include "store/commands.h"

#include "core/alloc.h"

#include <string.h>

/* Locks the shards of two keys together. */
static void pair_set(struct cmd_ctx *c, const struct key *a, const struct key *b,
                     struct shard_set *set)
{
    shard_set_init(set, c->ks);
    shard_set_add(set, a->shard_id); /* two ids fit inline: cannot fail */
    shard_set_add(set, b->shard_id);
}

static bool same_key(const struct resp_arg *a, const struct resp_arg *b)
{
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

enum move_outcome { MOVE_DONE, MOVE_NO_SOURCE, MOVE_TARGET_EXISTS, MOVE_OOM };

/*
 * Moves src's value (and TTL, and LRU) to a new entry for dst, replacing dst
 * unless `nx`. *garbage collects what to retire after unlocking.
 */
static enum move_outcome do_rename(const struct key *src, const struct key *dst, bool nx,
                                   int64_t now_ms, struct entry **garbage)
{
    shard_assume_held(src->shard);
    shard_assume_held(dst->shard);
    struct entry *e = do_lookup(src->shard, src, now_ms, LOOKUP_WRITE, NULL);
    if (!e)
        return MOVE_NO_SOURCE;
    bool dst_exists = do_lookup(dst->shard, dst, now_ms, LOOKUP_WRITE, NULL) != NULL;
    if (dst_exists && nx)
        return MOVE_TARGET_EXISTS;
    /* e stays valid: the lookup of dst can only reclaim an expired dst. */
    int64_t when = entry_expire_at(e);
    struct entry *ne = entry_new(dst->ptr, dst->len, when != ENTRY_NO_TTL);
    if (!ne)
        return MOVE_OOM;
    if (do_reserve_link(dst->shard, when != ENTRY_NO_TTL) != 0) {
        entry_free_shell(ne);
        return MOVE_OOM;
    }
    if (dst_exists) {
        struct entry *old = do_detach_key(dst->shard, dst);
        entry_set_next(old, *garbage);
        *garbage = old;
    }
    struct entry *shell = do_detach_key(src->shard, src);
    do_write_begin_sync(src->shard); /* ne takes shell's LRU clock */
    struct value v;
    entry_value(shell, &v);
    entry_set_value(ne, &v, entry_lru(shell));
    if (when != ENTRY_NO_TTL)
        entry_set_expire_at(ne, when);
    do_link_entry(dst->shard, dst, ne);
    entry_retire_shell(shell); /* lock-free readers may still hold it */
    do_key_event(src->shard, src, NOTIFY_GENERIC, "rename_from");
    do_key_event(dst->shard, dst, NOTIFY_GENERIC, "rename_to");
    return MOVE_DONE;
}

static void rename_generic(struct cmd_ctx *c, bool nx)
{
    struct key src, dst;
    cmd_key(c, 1, &src);
    cmd_key(c, 2, &dst);
    enum move_outcome outcome = MOVE_OOM; /* set under the lock(s) */
    struct entry *garbage = NULL;
    if (same_key(&c->argv[1], &c->argv[2])) {
        /* Nothing moves, but a missing key is still an error. */
        SHARD_GUARD (src.shard) {
            bool found = do_lookup(src.shard, &src, c->now_ms, LOOKUP_WRITE, NULL);
            outcome = found ? (nx ? MOVE_TARGET_EXISTS : MOVE_DONE) : MOVE_NO_SOURCE;
        }
    } else {
        struct shard_set set;
        pair_set(c, &src, &dst, &set);
        SHARD_SET_GUARD (&set) {
            outcome = do_rename(&src, &dst, nx, c->now_ms, &garbage);
        }
        shard_set_free(&set);
    }
    entry_retire(garbage);
    if (outcome == MOVE_NO_SOURCE)
        reply_error(c->reply, ERR_NO_KEY);
    else if (outcome == MOVE_OOM)
        reply_error(c->reply, ERR_OOM);
    else if (nx)
        reply_int(c->reply, outcome == MOVE_DONE);
    else
        reply_ok(c->reply);
}

void rename_command(struct cmd_ctx *c)
{
    rename_generic(c, false);
}

void renamenx_command(struct cmd_ctx *c)
{
    rename_generic(c, true);
}

/* A database number argument: false after Redis's reply. */
static bool parse_db(struct cmd_ctx *c, int i, int *db)
{
    if (!arg_int(c, i, NULL, db))
        return false;
    if (!keyspace_db_valid(c->ks, *db)) {
        reply_error(c->reply, ERR_DB_RANGE);
        return false;
    }
    return true;
}

/* MOVE under both keys' locks: the entry itself moves, value, TTL and all
 * (the key bytes are the same). */
static enum move_outcome do_move(const struct key *src, const struct key *dst, int64_t now_ms)
{
    shard_assume_held(src->shard);
    shard_assume_held(dst->shard);
    struct entry *e = do_lookup(src->shard, src, now_ms, LOOKUP_WRITE, NULL);
    if (!e)
        return MOVE_NO_SOURCE;
    if (do_lookup(dst->shard, dst, now_ms, LOOKUP_WRITE, NULL))
        return MOVE_TARGET_EXISTS;
    if (do_reserve_link(dst->shard, entry_expire_at(e) != ENTRY_NO_TTL) != 0)
        return MOVE_OOM;
    do_link_entry(dst->shard, dst, do_detach_key(src->shard, src));
    do_key_event(src->shard, src, NOTIFY_GENERIC, "move_from");
    do_key_event(dst->shard, dst, NOTIFY_GENERIC, "move_to");
    return MOVE_DONE;
}

void move_command(struct cmd_ctx *c)
{
    int db;
    if (!parse_db(c, 2, &db))
        return;
    if (db == c->db) {
        reply_error(c->reply, ERR_SAME_OBJECT);
        return;
    }
    struct key src, dst;
    cmd_key(c, 1, &src);
    key_in_db(c->ks, db, &src, &dst);
    struct shard_set set;
    pair_set(c, &src, &dst, &set);
    enum move_outcome outcome = MOVE_OOM; /* set under the locks */
    SHARD_SET_GUARD (&set)
        outcome = do_move(&src, &dst, c->now_ms);
    shard_set_free(&set);
    if (outcome == MOVE_OOM)
        reply_error(c->reply, ERR_OOM);
    else
        reply_int(c->reply, outcome == MOVE_DONE);
}

static enum move_outcome do_copy(const struct key *src, const struct key *dst, bool replace,
                                 int64_t now_ms, struct entry **garbage)
{
    shard_assume_held(src->shard);
    shard_assume_held(dst->shard);
    struct entry *e = do_lookup(src->shard, src, now_ms, LOOKUP_READ, NULL);
    if (!e)
        return MOVE_NO_SOURCE;
    bool dst_exists = do_lookup(dst->shard, dst, now_ms, LOOKUP_WRITE, NULL) != NULL;
    if (dst_exists && !replace)
        return MOVE_TARGET_EXISTS;
    int64_t when = entry_expire_at(e);
    struct value v, copy;
    entry_value(e, &v);
    struct entry *ne = entry_new(dst->ptr, dst->len, when != ENTRY_NO_TTL);
    if (!ne)
        return MOVE_OOM;
    if (do_reserve_link(dst->shard, when != ENTRY_NO_TTL) != 0 || value_duplicate(&v, &copy)) {
        entry_free_shell(ne);
        return MOVE_OOM;
    }
    if (dst_exists) {
        struct entry *old = do_detach_key(dst->shard, dst);
        entry_set_next(old, *garbage);
        *garbage = old;
    }
    entry_set_value(ne, &copy, entry_lru_clock(now_ms));
    if (when != ENTRY_NO_TTL)
        entry_set_expire_at(ne, when);
    do_link_entry(dst->shard, dst, ne);
    do_key_event(dst->shard, dst, NOTIFY_GENERIC, "copy_to");
    return MOVE_DONE;
}

void copy_command(struct cmd_ctx *c)
{
    int db = c->db;
    bool replace = false;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "REPLACE")) {
            replace = true;
        } else if (arg_is(&c->argv[j], "DB") && j + 1 < c->argc) {
            if (!parse_db(c, ++j, &db))
                return;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return;
        }
    }
    if (db == c->db && same_key(&c->argv[1], &c->argv[2])) {
        reply_error(c->reply, ERR_SAME_OBJECT);
        return;
    }
    struct key src, dst;
    cmd_key(c, 1, &src);
    key_locate(c->ks, db, c->argv[2].ptr, c->argv[2].len, &dst);
    struct shard_set set;
    pair_set(c, &src, &dst, &set);
    struct entry *garbage = NULL;
    enum move_outcome outcome = MOVE_OOM; /* set under the lock(s) */
    SHARD_SET_GUARD (&set) {
        outcome = do_copy(&src, &dst, replace, c->now_ms, &garbage);
    }
    shard_set_free(&set);
    entry_retire(garbage);
    if (outcome == MOVE_OOM)
        reply_error(c->reply, ERR_OOM);
    else
        reply_int(c->reply, outcome == MOVE_DONE);
}
