/*
 * Lock plans (store/command.h): the shards a list of commands may touch,
 * locked together before any of them runs, for EXEC.
 */
#include "store/command.h"

#include "core/alloc.h"
#include "store/keyspace_impl.h"
#include "store/multilock.h"
#include "core/strconv.h"

#include <errno.h>
#include <string.h>

struct lock_plan {
    struct shard_set set;
};

/* Commands whose reach is not (only) their key arguments. */
enum reach {
    REACH_KEYS,   /* the key specs say it all */
    REACH_DB,     /* every shard of the current database */
    REACH_ALL,    /* every database */
    REACH_SWAPDB, /* the two databases named */
    REACH_SELECT, /* nothing now; the commands after it run in another db */
    REACH_MOVE,   /* the key, here and in the database named */
    REACH_COPY,   /* the keys, the destination maybe in DB n */
};

static const struct {
    const char *name;
    enum reach reach;
} reaches[] = {
    {"flushdb", REACH_DB},
    {"dbsize", REACH_DB},
    {"keys", REACH_DB},
    {"scan", REACH_DB},
    {"randomkey", REACH_DB},
    /* BY and GET patterns name keys only known once the source is read. */
    {"sort", REACH_DB},
    {"sort_ro", REACH_DB},
    {"flushall", REACH_ALL},
    {"swapdb", REACH_SWAPDB},
    {"select", REACH_SELECT},
    {"move", REACH_MOVE},
    {"copy", REACH_COPY},
    {"info", REACH_ALL},
    {"debug", REACH_ALL},
    /* They count the keys of every database. */
    {"memory|stats", REACH_ALL},
    {"memory|doctor", REACH_ALL},
};

static enum reach reach_of(const struct command *cmd)
{
    for (size_t i = 0; i < ARRAY_SIZE(reaches); i++)
        if (strcmp(cmd->name, reaches[i].name) == 0)
            return reaches[i].reach;
    return REACH_KEYS;
}

struct lock_plan *lock_plan_new(struct keyspace *ks)
{
    struct lock_plan *plan = mem_alloc(sizeof(*plan));
    if (!plan)
        return NULL;
    shard_set_init(&plan->set, ks);
    return plan;
}

void lock_plan_free(struct lock_plan *plan)
{
    if (!plan)
        return;
    shard_set_free(&plan->set);
    mem_free(plan);
}

/* A database number argument, as the command will read it: -1 if invalid
 * (the command then fails without touching anything). */
static int db_arg(const struct keyspace *ks, const struct resp_arg *a)
{
    long long db;
    if (!strconv_parse_ll(a->ptr, a->len, &db) || !keyspace_db_valid(ks, db))
        return -1;
    return (int)db;
}

int lock_plan_add_key(struct lock_plan *plan, int db, const char *key, size_t len)
{
    struct key k;
    key_locate(plan->set.ks, db, key, len, &k);
    return shard_set_add(&plan->set, k.shard_id);
}

static int add_key(struct lock_plan *plan, int db, const struct resp_arg *key)
{
    return lock_plan_add_key(plan, db, key->ptr, key->len);
}

static int add_db(struct lock_plan *plan, int db)
{
    return db < 0 ? 0 : shard_set_add_db(&plan->set, db);
}

static int add_spec_keys(struct lock_plan *plan, int db, const struct command *cmd,
                         const struct resp_arg *argv, int argc)
{
    struct command_key *keys;
    int n = command_get_keys(cmd, argv, argc, &keys);
    if (n < 0)
        return n;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = add_key(plan, db, &argv[keys[i].pos]);
    mem_free(keys);
    return rc;
}

/* COPY source destination [DB n] [REPLACE]: where the destination lives. */
static int copy_destination_db(const struct keyspace *ks, int db, const struct resp_arg *argv,
                               int argc)
{
    for (int i = 3; i + 1 < argc; i++)
        if (arg_is(&argv[i], "db"))
            return db_arg(ks, &argv[i + 1]);
    return db;
}

int lock_plan_add(struct lock_plan *plan, int *db, const struct command *cmd,
                  const struct resp_arg *argv, int argc)
{
    struct keyspace *ks = plan->set.ks;
    switch (reach_of(cmd)) {
    case REACH_DB:
        return add_db(plan, *db);
    case REACH_ALL:
        for (int i = 0; i < ks->databases; i++)
            if (add_db(plan, i) != 0)
                return -ENOMEM;
        return 0;
    case REACH_SWAPDB:
        if (add_db(plan, db_arg(ks, &argv[1])) != 0)
            return -ENOMEM;
        return add_db(plan, db_arg(ks, &argv[2]));
    case REACH_SELECT: {
        int to = db_arg(ks, &argv[1]);
        if (to >= 0)
            *db = to;
        return 0;
    }
    case REACH_MOVE: {
        int to = db_arg(ks, &argv[2]);
        if (to >= 0 && add_key(plan, to, &argv[1]) != 0)
            return -ENOMEM;
        return add_key(plan, *db, &argv[1]);
    }
    case REACH_COPY: {
        int to = copy_destination_db(ks, *db, argv, argc);
        if (to >= 0 && add_key(plan, to, &argv[2]) != 0)
            return -ENOMEM;
        return add_key(plan, *db, &argv[1]);
    }
    case REACH_KEYS:
        break;
    }
    return add_spec_keys(plan, *db, cmd, argv, argc);
}

void lock_plan_acquire(struct lock_plan *plan)
{
    shard_set_lock(&plan->set);
    current_lock_plan = &plan->set;
}

void lock_plan_release(struct lock_plan *plan)
{
    current_lock_plan = NULL;
    shard_set_unlock(&plan->set);
}
