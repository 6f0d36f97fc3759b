/*
 * COMMAND: the introspection clients use (redis-cli asks COMMAND DOCS at
 * start for its hints; cluster clients use COMMAND / COMMAND GETKEYS). Read
 * straight from the frozen command table and the metadata linked to it
 * (store/command.h: entries encoded by command_reply_info / _docs, keys found
 * by command_get_keys), in Redis 7's reply shapes.
 */
#include "net/commands.h"
#include "core/alloc.h"
#include "core/glob.h"

#include <string.h>

/* A command by name, subcommands included as "container|sub", as COMMAND INFO
 * and COMMAND DOCS accept them. */
static const struct command *lookup_full(const struct resp_arg *a)
{
    const char *bar = memchr(a->ptr, '|', a->len);
    if (!bar)
        return command_lookup(a->ptr, a->len);
    const struct command *cmd = command_lookup(a->ptr, (size_t)(bar - a->ptr));
    size_t sub_len = a->len - (size_t)(bar + 1 - a->ptr);
    return cmd ? command_find_subcommand(cmd, bar + 1, sub_len) : NULL;
}

static bool is_top_level(const struct command *cmd)
{
    return strchr(cmd->name, '|') == NULL;
}

static size_t count_top_level(void)
{
    size_t n = 0;
    for (int i = 0; i < command_count(); i++)
        n += is_top_level(command_at(i));
    return n;
}

static void command_all(struct cmd_ctx *c)
{
    reply_array(c->reply, count_top_level());
    for (int i = 0; i < command_count(); i++)
        if (is_top_level(command_at(i)))
            command_reply_info(c->reply, command_at(i));
}

static void command_count_cmd(struct cmd_ctx *c)
{
    reply_int(c->reply, (long long)count_top_level());
}

static void command_info(struct cmd_ctx *c)
{
    if (c->argc == 2) {
        command_all(c);
        return;
    }
    reply_array(c->reply, (size_t)c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        const struct command *cmd = lookup_full(&c->argv[j]);
        if (cmd)
            command_reply_info(c->reply, cmd);
        else
            reply_null(c->reply);
    }
}

static void command_docs(struct cmd_ctx *c)
{
    if (c->argc == 2) {
        reply_map(c->reply, count_top_level());
        for (int i = 0; i < command_count(); i++) {
            const struct command *cmd = command_at(i);
            if (!is_top_level(cmd))
                continue;
            reply_bulk_cstr(c->reply, cmd->name);
            command_reply_docs(c->reply, cmd);
        }
        return;
    }
    size_t found = 0;
    for (int j = 2; j < c->argc; j++)
        found += lookup_full(&c->argv[j]) != NULL;
    reply_map(c->reply, found);
    for (int j = 2; j < c->argc; j++) {
        const struct command *cmd = lookup_full(&c->argv[j]);
        if (!cmd)
            continue;
        reply_bulk_cstr(c->reply, cmd->name);
        command_reply_docs(c->reply, cmd);
    }
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern] */
static bool list_filter(const struct cmd_ctx *c, const struct command *cmd, const char *name)
{
    if (c->argc == 2)
        return true;
    if (arg_is(&c->argv[3], "module"))
        return false; /* there are no modules */
    if (arg_is(&c->argv[3], "pattern"))
        return glob_match(c->argv[4].ptr, c->argv[4].len, name, strlen(name), true);
    uint32_t cats = command_acl_categories(cmd);
    for (const struct command_flag_name *f = acl_category_names; f->name; f++)
        if ((cats & f->bit) && arg_is(&c->argv[4], f->name + 1))
            return true;
    return false;
}

static void command_list(struct cmd_ctx *c)
{
    if (c->argc != 2 && !(c->argc == 5 && arg_is(&c->argv[2], "filterby") &&
                          (arg_is(&c->argv[3], "module") || arg_is(&c->argv[3], "aclcat") ||
                           arg_is(&c->argv[3], "pattern")))) {
        reply_error(c->reply, "ERR syntax error");
        return;
    }
    struct reply_deferred d = reply_defer(c->reply);
    size_t n = 0;
    for (int i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        if (list_filter(c, cmd, cmd->name)) {
            reply_bulk_cstr(c->reply, cmd->name);
            n++;
        }
    }
    reply_array_fill(c->reply, d, n);
}

/* The command a full command line names, as Redis's lookupCommand: a
 * container's subcommand when there is an argument after it. */
static const struct command *lookup_line(const struct resp_arg *argv, int argc)
{
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    if (!cmd || !cmd->subcommands || argc < 2)
        return cmd;
    return command_find_subcommand(cmd, argv[1].ptr, argv[1].len);
}

/* COMMAND GETKEYS / GETKEYSANDFLAGS <full command>: Redis's checks in
 * Redis's order, then the keys the key specs find. */
static void getkeys(struct cmd_ctx *c, bool with_flags)
{
    const struct resp_arg *argv = c->argv + 2;
    int argc = c->argc - 2; /* the command's own argc */
    const struct command *cmd = lookup_line(argv, argc);
    if (!cmd) {
        reply_error(c->reply, "ERR Invalid command specified");
        return;
    }
    if (!command_has_keys(cmd)) {
        reply_error(c->reply, "ERR The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        reply_error(c->reply, "ERR Invalid number of arguments specified for command");
        return;
    }
    struct command_key *keys;
    int n = command_get_keys(cmd, argv, argc, &keys);
    if (n < 0) {
        reply_error(c->reply, "ERR out of memory");
        return;
    }
    if (n == 0) {
        if (cmd->flags & CMD_NO_MANDATORY_KEYS)
            reply_array(c->reply, 0);
        else
            reply_error(c->reply, "ERR Invalid arguments specified for command");
        return;
    }
    reply_array(c->reply, (size_t)n);
    for (int i = 0; i < n; i++) {
        const struct resp_arg *key = &argv[keys[i].pos];
        if (with_flags)
            reply_array(c->reply, 2);
        reply_bulk(c->reply, key->ptr, key->len);
        if (with_flags)
            command_reply_flag_set(c->reply, keys[i].flags, key_flag_names);
    }
    mem_free(keys);
}

static void command_getkeys(struct cmd_ctx *c)
{
    getkeys(c, false);
}

static void command_getkeysandflags(struct cmd_ctx *c)
{
    getkeys(c, true);
}

static void command_help(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

static const struct command command_subcommands[] = {
    COMMAND("command|count", command_count_cmd),
    COMMAND("command|info", command_info),
    COMMAND("command|docs", command_docs),
    COMMAND("command|list", command_list),
    COMMAND("command|getkeys", command_getkeys),
    COMMAND("command|getkeysandflags", command_getkeysandflags),
    COMMAND("command|help", command_help),
    COMMAND_END,
};

static const struct command command_commands[] = {
    COMMAND_WITH_SUBCOMMANDS("command", command_all, command_subcommands),
};

int cmd_command_register(void)
{
    return command_table_register(command_commands, 1);
}
