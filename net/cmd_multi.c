/*
 * MULTI, EXEC, DISCARD, WATCH and UNWATCH.
 *
 * EXEC locks every shard its queued commands may touch, and the shards of
 * the WATCHed keys, once and in ascending order (a lock plan, store/
 * command.h); under those locks it checks the watched keys, then runs the
 * queue. No other client, lock-free readers included, sees part of it: the
 * plan keeps every shard's write section open until it is released. A
 * blocking command inside runs as its non-blocking form.
 */
#include "net/aof.h"
#include "net/commands.h"
#include "net/server.h"
#include "net/session.h"

#include "store/cmd_util.h"

static void multi_command(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    if (s->multi.active) {
        reply_error(c->reply, "ERR MULTI calls can not be nested");
        return;
    }
    multi_begin(&s->multi);
    reply_ok(c->reply);
}

static void discard_command(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    if (!s->multi.active) {
        reply_error(c->reply, "ERR DISCARD without MULTI");
        return;
    }
    session_end_transaction(s);
    reply_ok(c->reply);
}

/* The plan of the whole transaction: the queue's reach, from the database
 * selected now, and the watched keys. NULL when out of memory. */
static struct lock_plan *plan_transaction(struct session *s)
{
    struct lock_plan *plan = lock_plan_new(s->ctx.ks);
    if (!plan)
        return NULL;
    int db = s->ctx.db;
    int rc = lock_plan_add_watched(plan, &s->watch);
    for (int i = 0; i < s->multi.count && rc == 0; i++) {
        const struct multi_cmd *q = &s->multi.cmds[i];
        rc = lock_plan_add(plan, &db, q->cmd, q->argv, q->argc);
    }
    if (rc != 0) {
        lock_plan_free(plan);
        return NULL;
    }
    return plan;
}

static void run_queue(struct session *s)
{
    struct cmd_ctx *c = &s->ctx;
    int argc = c->argc;
    struct resp_arg *argv = c->argv;
    unsigned mode = c->mode;
    c->mode |= CMD_MODE_NO_BLOCK;
    reply_array(c->reply, (size_t)s->multi.count);
    aof_transaction_begin(); /* the queue's records go to the log as one */
    for (int i = 0; i < s->multi.count; i++)
        session_run_queued(s, &s->multi.cmds[i]);
    aof_transaction_end(s->server);
    c->mode = mode;
    c->argc = argc;
    c->argv = argv;
}

static void exec_command(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    if (!s->multi.active) {
        reply_error(c->reply, "ERR EXEC without MULTI");
        return;
    }
    if (s->multi.aborted) {
        reply_error(c->reply, "EXECABORT Transaction discarded because of previous errors.");
        session_end_transaction(s);
        return;
    }
    struct lock_plan *plan = plan_transaction(s);
    if (!plan) {
        reply_error(c->reply, ERR_OOM);
        session_end_transaction(s);
        return;
    }
    LOCK_PLAN_GUARD (plan) {
        if (watch_list_broken(&s->watch, c->now_ms))
            reply_null_array(c->reply);
        else
            run_queue(s);
    }
    lock_plan_free(plan);
    session_end_transaction(s);
}

static void watch_command(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    if (s->multi.active) {
        reply_error(c->reply, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (int i = 1; i < c->argc; i++) {
        if (keyspace_watch(c->ks, &s->watch, c->db, c->argv[i].ptr, c->argv[i].len, c->now_ms)) {
            reply_error(c->reply, ERR_OOM);
            return;
        }
    }
    reply_ok(c->reply);
}

static void unwatch_command(struct cmd_ctx *c)
{
    keyspace_unwatch_all(&session_of(c)->watch);
    reply_ok(c->reply);
}

static const struct command multi_commands[] = {
    COMMAND("multi", multi_command),     COMMAND("exec", exec_command),
    COMMAND("discard", discard_command), COMMAND("watch", watch_command),
    COMMAND("unwatch", unwatch_command),
};

int cmd_multi_register(void)
{
    return command_table_register(multi_commands, (int)ARRAY_SIZE(multi_commands));
}
