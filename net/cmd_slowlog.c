/*
 * SLOWLOG (GET, LEN, RESET, HELP), and what decides, after every command a
 * session runs, whether the slow log (net/slowlog.h) gets an entry.
 */
#include "net/commands.h"
#include "net/conn.h"
#include "net/redact.h"
#include "net/server.h"
#include "net/slowlog.h"

#include "core/clock.h"

#include <string.h>

void slowlog_record_command(struct session *s, const struct command *cmd, long long duration_us)
{
    struct config *config = s->server->config;
    long long slower_than = config_number(config, CONFIG_SLOWLOG_LOG_SLOWER_THAN);
    if (slower_than < 0)
        return;
    long long max_len = config_number(config, CONFIG_SLOWLOG_MAX_LEN);
    if (!slowlog_wanted(slower_than, duration_us) || (cmd->flags & CMD_SKIP_SLOWLOG)) {
        slowlog_trim(s->server->slowlog, max_len);
        return;
    }
    int argc = s->ctx.argc;
    const struct resp_arg *argv = s->ctx.argv;
    bool redacted[SLOWLOG_ENTRY_MAX_ARGC] = {false};
    int checked = argc < SLOWLOG_ENTRY_MAX_ARGC ? argc : SLOWLOG_ENTRY_MAX_ARGC;
    bool any = command_redact(cmd, checked, argv, redacted);
    /* The name is written only by this session's thread (under the
     * registry lock, for the readers elsewhere), so it reads it freely. */
    struct slowlog_origin origin = {
        .unix_seconds = clock_unix_ms() / 1000,
        .duration_us = duration_us,
        .peer = s->conn ? s->conn->addr : "",
        .name = s->name ? s->name : "",
    };
    slowlog_push(s->server->slowlog, max_len, argc, argv, any ? redacted : NULL, &origin);
}

/* SLOWLOG GET [count]: 10 by default, -1 for all. */
static void slowlog_get(struct cmd_ctx *c)
{
    long long count = 10;
    if (c->argc == 3 && (!arg_to_ll(c, 2, &count) || count < -1)) {
        reply_error(c->reply, "ERR count should be greater than or equal to -1");
        return;
    }
    if (c->argc > 3) {
        char sub[129];
        arg_copy(c, 1, sub, sizeof(sub));
        reply_errorf(c->reply,
                     "ERR unknown subcommand or wrong number of arguments for '%s'. Try SLOWLOG "
                     "HELP.",
                     sub);
        return;
    }
    slowlog_reply(session_of(c)->server->slowlog, c->reply, count);
}

static void slowlog_len_command(struct cmd_ctx *c)
{
    reply_int(c->reply, (long long)slowlog_len(session_of(c)->server->slowlog));
}

static void slowlog_reset_command(struct cmd_ctx *c)
{
    slowlog_reset(session_of(c)->server->slowlog);
    reply_ok(c->reply);
}

static void slowlog_help(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

static const struct command slowlog_subcommands[] = {
    COMMAND("slowlog|get", slowlog_get),
    COMMAND("slowlog|len", slowlog_len_command),
    COMMAND("slowlog|reset", slowlog_reset_command),
    COMMAND("slowlog|help", slowlog_help),
    COMMAND_END,
};

static const struct command slowlog_commands[] = {
    COMMAND_WITH_SUBCOMMANDS("slowlog", command_run_subcommand, slowlog_subcommands),
};

int cmd_slowlog_register(void)
{
    return command_table_register(slowlog_commands, (int)ARRAY_SIZE(slowlog_commands));
}
