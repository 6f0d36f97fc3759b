/*
 * MONITOR: the client becomes a monitor (net/monitor.h) and from then on
 * receives a line for every command any client runs. As in Redis it may
 * still send commands, except those that touch the keyspace.
 */
#include "net/commands.h"
#include "net/monitor.h"
#include "net/session.h"

static void monitor_command(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    /* A client that must get one reply per command (inside EXEC, or
     * without a socket) cannot take a stream of lines. */
    if (!s->conn || !c->block || (c->mode & CMD_MODE_NO_BLOCK)) {
        reply_error(c->reply, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    /* As Redis: a second MONITOR is ignored, with no reply at all. */
    if (session_monitoring(s))
        return;
    monitor_start(s);
    reply_ok(c->reply);
}

static const struct command monitor_commands[] = {
    COMMAND("monitor", monitor_command),
};

int cmd_monitor_register(void)
{
    return command_table_register(monitor_commands, (int)ARRAY_SIZE(monitor_commands));
}
