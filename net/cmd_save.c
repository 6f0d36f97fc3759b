/*
 * SAVE and BGSAVE (net/persist.h does the work). LASTSAVE is in
 * cmd_server.c, DEBUG RELOAD in cmd_debug.c.
 */
#include "net/aof.h"
#include "net/commands.h"
#include "net/persist.h"
#include "net/server.h"
#include "net/session.h"

#include "core/compiler.h"
#include "proto/reply.h"
#include "store/cmd_util.h"

#include <errno.h>

static void save_command(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    int rc = persist_save(s);
    if (rc == -EBUSY)
        reply_error(c->reply, "ERR Background save already in progress");
    else if (rc)
        reply_error(c->reply, "ERR");
    else
        reply_ok(c->reply);
}

static void bgsave_command(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    bool schedule = false;
    if (c->argc > 1) {
        if (c->argc == 2 && arg_is(&c->argv[1], "schedule")) {
            schedule = true;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return;
        }
    }
    /* Beside an AOF rewrite, as beside Redis's rewriting child: refused, or
     * with SCHEDULE started by the cron once the rewrite ends. Inside EXEC
     * always scheduled, as Redis forks no child there. */
    bool in_exec = session_of(c)->multi.active;
    if (!persist_bgsave_running(s) && (aof_rewrite_running(s) || in_exec)) {
        if (schedule || in_exec) {
            persist_schedule(s);
            reply_simple(c->reply, "Background saving scheduled");
        } else {
            reply_error(c->reply, "ERR Another child process is active (AOF?): can't BGSAVE right "
                                  "now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever "
                                  "possible.");
        }
        return;
    }
    int rc = persist_bgsave(s);
    if (rc == -EBUSY)
        reply_error(c->reply, "ERR Background save already in progress");
    else if (rc)
        reply_error(c->reply, "ERR");
    else
        reply_simple(c->reply, "Background saving started");
}

static const struct command save_commands[] = {
    COMMAND("save", save_command),
    COMMAND("bgsave", bgsave_command),
};

int cmd_save_register(void)
{
    return command_table_register(save_commands, (int)ARRAY_SIZE(save_commands));
}
