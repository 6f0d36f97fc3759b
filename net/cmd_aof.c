/*
 * BGREWRITEAOF: a new base for the append-only file, written by a thread of
 * its own while new writes go to a new incremental file (net/aof.h).
 * While a BGSAVE runs it is scheduled, as Redis schedules it behind a
 * child.
 */
#include "net/aof.h"
#include "net/commands.h"
#include "net/persist.h"
#include "net/session.h"

#include <errno.h>

static void bgrewriteaof_command(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    /* Beside a BGSAVE, or inside EXEC (Redis forks no child there): the
     * cron starts it later. */
    bool in_exec = session_of(c)->multi.active;
    if (!aof_rewrite_running(s) && (persist_bgsave_running(s) || in_exec)) {
        aof_rewrite_schedule(s);
        reply_simple(c->reply, "Background append only file rewriting scheduled");
        return;
    }
    int rc = aof_rewrite_start(s);
    if (rc == -EBUSY)
        reply_error(c->reply, "ERR Background append only file rewriting already in progress");
    else if (rc != 0)
        reply_error(c->reply, "ERR Can't execute an AOF background rewriting. Please check the "
                              "server logs for more information.");
    else
        reply_simple(c->reply, "Background append only file rewriting started");
}

static const struct command aof_commands[] = {
    COMMAND("bgrewriteaof", bgrewriteaof_command),
};

int cmd_aof_register(void)
{
    return command_table_register(aof_commands, (int)ARRAY_SIZE(aof_commands));
}
