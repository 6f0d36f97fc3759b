/*
 * DBSIZE, FLUSHDB, FLUSHALL, SELECT, SWAPDB: commands on whole databases.
 *
 * Atomicity: each of them takes the locks of every shard it touches, in
 * ascending order, for its whole change. A concurrent command therefore runs
 * entirely before or entirely after a FLUSHDB / FLUSHALL / SWAPDB (it needs at
 * least one of those locks), and DBSIZE counts a state no MSET is halfway
 * through. SWAPDB swaps the tables of shard i of both databases for every i
 * under all of those locks: a command that located its key's shard before the
 * swap simply finds the other database's data there afterwards, which is
 * what "db 0" means from then on.
 *
 * FLUSHDB / FLUSHALL take the tables out under the locks and free them after
 * releasing them, on the calling worker, so the keyspace is usable again at
 * once; ASYNC and SYNC are accepted and behave the same way.
 */
#include "store/cmd_util.h"
#include "store/commands.h"

#include "core/alloc.h"

void dbsize_command(struct cmd_ctx *c)
{
    struct shard_set set;
    shard_set_init(&set, c->ks);
    if (shard_set_add_db(&set, c->db) != 0) {
        shard_set_free(&set);
        reply_error(c->reply, ERR_OOM);
        return;
    }
    uint64_t keys = 0;
    SHARD_SET_GUARD (&set) {
        uint32_t first = keyspace_db_first_shard(c->ks, c->db);
        for (int i = 0; i < c->ks->shards_per_db; i++) {
            struct shard *s = keyspace_shard(c->ks, first + (uint32_t)i);
            shard_assume_held(s);
            keys += do_key_count(s);
        }
    }
    shard_set_free(&set);
    reply_int(c->reply, (long long)keys);
}

/* FLUSHDB / FLUSHALL take no argument, or ASYNC / SYNC. */
static bool parse_flush_mode(struct cmd_ctx *c)
{
    if (c->argc == 1 ||
        (c->argc == 2 && (arg_is(&c->argv[1], "ASYNC") || arg_is(&c->argv[1], "SYNC"))))
        return true;
    reply_error(c->reply, ERR_SYNTAX);
    return false;
}

/* Empties databases [first_db, first_db + n_dbs) atomically. */
static void flush_dbs(struct cmd_ctx *c, int first_db, int n_dbs)
{
    struct keyspace *ks = c->ks;
    uint32_t n = (uint32_t)n_dbs * (uint32_t)ks->shards_per_db;
    uint32_t first = keyspace_db_first_shard(ks, first_db);
    struct shard_set set;
    shard_set_init(&set, ks);
    struct shard_contents *taken = mem_alloc(n * sizeof(*taken));
    bool oom = !taken;
    for (int db = first_db; db < first_db + n_dbs && !oom; db++)
        oom = shard_set_add_db(&set, db) != 0;
    if (oom) {
        shard_set_free(&set);
        mem_free(taken);
        reply_error(c->reply, ERR_OOM);
        return;
    }
    SHARD_SET_GUARD (&set) {
        for (uint32_t i = 0; i < n; i++) {
            struct shard *s = keyspace_shard(ks, first + i);
            shard_assume_held(s);
            do_take_contents(s, &taken[i]);
            do_shard_event(s, "flush", &taken[i].table);
        }
    }
    shard_set_free(&set);
    for (uint32_t i = 0; i < n; i++)
        shard_contents_free(&taken[i]);
    mem_free(taken);
    reply_ok(c->reply);
}

void flushdb_command(struct cmd_ctx *c)
{
    if (parse_flush_mode(c))
        flush_dbs(c, c->db, 1);
}

void flushall_command(struct cmd_ctx *c)
{
    if (parse_flush_mode(c))
        flush_dbs(c, 0, c->ks->databases);
}

void select_command(struct cmd_ctx *c)
{
    int db;
    if (!arg_int(c, 1, NULL, &db))
        return;
    if (!keyspace_db_valid(c->ks, db)) {
        reply_error(c->reply, ERR_DB_RANGE);
        return;
    }
    c->db = db;
    reply_ok(c->reply);
}

void swapdb_command(struct cmd_ctx *c)
{
    int a, b;
    if (!arg_int(c, 1, "ERR invalid first DB index", &a) ||
        !arg_int(c, 2, "ERR invalid second DB index", &b))
        return;
    struct keyspace *ks = c->ks;
    if (!keyspace_db_valid(ks, a) || !keyspace_db_valid(ks, b)) {
        reply_error(c->reply, ERR_DB_RANGE);
        return;
    }
    if (a == b) {
        reply_ok(c->reply);
        return;
    }
    struct shard_set set;
    shard_set_init(&set, ks);
    if (shard_set_add_db(&set, a) != 0 || shard_set_add_db(&set, b) != 0) {
        shard_set_free(&set);
        reply_error(c->reply, ERR_OOM);
        return;
    }
    SHARD_SET_GUARD (&set) {
        uint32_t first_a = keyspace_db_first_shard(ks, a);
        uint32_t first_b = keyspace_db_first_shard(ks, b);
        for (int i = 0; i < ks->shards_per_db; i++) {
            struct shard *x = keyspace_shard(ks, first_a + (uint32_t)i);
            struct shard *y = keyspace_shard(ks, first_b + (uint32_t)i);
            shard_assume_held(x);
            shard_assume_held(y);
            do_swap_contents(x, y);
            do_shard_event(x, "swapdb", &y->table);
            do_shard_event(y, "swapdb", &x->table);
        }
    }
    shard_set_free(&set);
    reply_ok(c->reply);
}
