/*
 * Running one command: the write log around it, and the command record it
 * leaves for the observers (store/events.h) when it changed anything.
 */
#include "store/command.h"

#include "core/alloc.h"
#include "store/blocking.h"
#include "store/keyspace_impl.h"

#include <string.h>

void cmd_ctx_init(struct cmd_ctx *c)
{
    write_log_init(&c->log);
    c->rewrite_argc = 0;
    c->rewrite_argv = NULL;
    c->rewrite_failed = false;
}

void cmd_ctx_free(struct cmd_ctx *c)
{
    write_log_free(&c->log);
    mem_free(c->rewrite_argv);
    c->rewrite_argv = NULL;
    c->rewrite_argc = 0;
}

void cmd_rewrite(struct cmd_ctx *c, int argc, const struct resp_arg *argv)
{
    mem_free(c->rewrite_argv);
    c->rewrite_argv = resp_args_copy(argv, argc);
    c->rewrite_argc = c->rewrite_argv ? argc : 0;
    if (!c->rewrite_argv)
        c->rewrite_failed = true;
}

static void emit_record(struct cmd_ctx *c, int db)
{
    struct keyspace *ks = c->ks;
    bool rewritten = c->rewrite_argc > 0;
    struct command_record rec = {
        .db = db,
        .argc = rewritten ? c->rewrite_argc : c->argc,
        .argv = rewritten ? c->rewrite_argv : c->argv,
        .nranges = c->log.n,
        .ranges = c->log.ranges,
        .incomplete = c->log.incomplete || c->rewrite_failed,
        .claim = c->log.claim,
    };
    for (int i = 0; i < ks->command_observer_count; i++)
        ks->command_observers[i].fn(ks->command_observers[i].ctx, &rec);
}

void command_call(struct cmd_ctx *c, const struct command *cmd)
{
    int db = c->db;
    struct write_log *outer = current_write_log;
    current_write_log = &c->log;
    cmd->fn(c);
    current_write_log = outer;
    /* A command that blocked belongs to its wait: a writer may be serving
     * it on another thread right now, writing its log. block_finish ends it. */
    if (c->block && block_state(c->block) != BLOCK_IDLE)
        return;
    command_finish(c, db);
}

void command_finish(struct cmd_ctx *c, int db)
{
    if (c->log.changes > 0)
        emit_record(c, db);
    write_log_clear(&c->log);
    if (c->rewrite_argv) {
        mem_free(c->rewrite_argv);
        c->rewrite_argv = NULL;
        c->rewrite_argc = 0;
    }
    c->rewrite_failed = false;
}
