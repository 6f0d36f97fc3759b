/*
 * COMMAND: the introspection clients use (redis-cli asks COMMAND DOCS at
 * start for its hints; cluster clients use COMMAND / COMMAND GETKEYS). Read
 * straight from the frozen command table, in Redis 7's reply shapes.
 */
#include "net/commands.h"
#include "core/glob.h"

#include <string.h>
#include <strings.h>

static const struct {
    uint32_t flag;
    const char *name;
} flag_names[] = {
    {CMD_WRITE, "write"},
    {CMD_READONLY, "readonly"},
    {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},
    {CMD_PUBSUB, "pubsub"},
    {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"},
    {CMD_LOADING, "loading"},
    {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"},
    {CMD_FAST, "fast"},
    {CMD_NO_AUTH, "no_auth"},
    {CMD_MAY_REPLICATE, "may_replicate"},
    {CMD_NO_MULTI, "no_multi"},
    {CMD_ALLOW_BUSY, "allow_busy"},
};

/* ACL categories, in the order Redis lists them (its category table). */
static const char *const category_names[] = {
    "@keyspace",   "@read",        "@write",     "@set",         "@sortedset", "@list",
    "@hash",       "@string",      "@bitmap",    "@hyperloglog", "@geo",       "@stream",
    "@pubsub",     "@admin",       "@fast",      "@slow",        "@blocking",  "@dangerous",
    "@connection", "@transaction", "@scripting",
};
enum {
    CAT_KEYSPACE,
    CAT_READ,
    CAT_WRITE,
    CAT_SET,
    CAT_SORTEDSET,
    CAT_LIST,
    CAT_HASH,
    CAT_STRING,
    CAT_PUBSUB = 12,
    CAT_ADMIN,
    CAT_FAST,
    CAT_SLOW,
    CAT_BLOCKING,
    CAT_DANGEROUS,
    CAT_CONNECTION,
    CAT_TRANSACTION
};

/* ACL categories derived from the flags and the group, as Redis derives most. */
static size_t categories(const struct command *cmd, const char *out[8])
{
    if (cmd->subcommands) { /* a container: its subcommands carry the rest */
        out[0] = "@slow";
        return 1;
    }
    bool in[ARRAY_SIZE(category_names)] = {false};
    in[CAT_WRITE] = cmd->flags & CMD_WRITE;
    in[CAT_READ] = cmd->flags & CMD_READONLY;
    in[CAT_ADMIN] = in[CAT_DANGEROUS] = cmd->flags & CMD_ADMIN;
    in[CAT_PUBSUB] = cmd->flags & CMD_PUBSUB;
    in[CAT_BLOCKING] = cmd->flags & CMD_BLOCKING;
    in[CAT_FAST] = cmd->flags & CMD_FAST;
    in[CAT_SLOW] = !(cmd->flags & CMD_FAST);
    static const struct {
        const char *group;
        int category;
    } groups[] = {
        {"string", CAT_STRING},
        {"list", CAT_LIST},
        {"hash", CAT_HASH},
        {"set", CAT_SET},
        {"sorted-set", CAT_SORTEDSET},
        {"generic", CAT_KEYSPACE},
        {"connection", CAT_CONNECTION},
        {"pubsub", CAT_PUBSUB},
        {"transactions", CAT_TRANSACTION},
    };
    for (size_t i = 0; cmd->group && i < ARRAY_SIZE(groups); i++)
        if (strcmp(cmd->group, groups[i].group) == 0)
            in[groups[i].category] = true;
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(category_names) && n < 8; i++)
        if (in[i])
            out[n++] = category_names[i];
    return n;
}

/* A command by name, subcommands included as "container|sub", as COMMAND INFO
 * and COMMAND DOCS accept them. */
static const struct command *lookup_full(const struct resp_arg *a)
{
    const char *bar = memchr(a->ptr, '|', a->len);
    if (!bar)
        return command_lookup(a->ptr, a->len);
    const struct command *cmd = command_lookup(a->ptr, (size_t)(bar - a->ptr));
    for (const struct command *sub = cmd ? cmd->subcommands : NULL; sub && sub->name; sub++)
        if (strlen(sub->name) == a->len && strncasecmp(sub->name, a->ptr, a->len) == 0)
            return sub;
    return NULL;
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

static void reply_info_entry(struct cmd_ctx *c, const struct command *cmd)
{
    reply_array(c->reply, 10);
    reply_bulk_cstr(c->reply, cmd->name);
    reply_int(c->reply, cmd->arity);
    size_t nflags = 0;
    for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
        nflags += (cmd->flags & flag_names[i].flag) != 0;
    reply_set(c->reply, nflags);
    for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
        if (cmd->flags & flag_names[i].flag)
            reply_simple(c->reply, flag_names[i].name);
    reply_int(c->reply, cmd->first_key);
    reply_int(c->reply, cmd->first_key ? cmd->last_key : 0);
    reply_int(c->reply, cmd->first_key ? cmd->key_step : 0);
    const char *cats[8];
    size_t ncats = categories(cmd, cats);
    reply_set(c->reply, ncats);
    for (size_t i = 0; i < ncats; i++)
        reply_simple(c->reply, cats[i]);
    reply_set(c->reply, 0); /* tips */
    reply_set(c->reply, 0); /* key specifications (a set under RESP3, as Redis) */
    size_t nsubs = 0;
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        nsubs++;
    /* Redis 7.0 sends an empty set when there are none, else an array. */
    if (nsubs)
        reply_array(c->reply, nsubs);
    else
        reply_set(c->reply, 0);
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        reply_info_entry(c, sub);
}

static void command_all(struct cmd_ctx *c)
{
    reply_array(c->reply, count_top_level());
    for (int i = 0; i < command_count(); i++)
        if (is_top_level(command_at(i)))
            reply_info_entry(c, command_at(i));
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
            reply_info_entry(c, cmd);
        else
            reply_null(c->reply);
    }
}

static void reply_docs_entry(struct cmd_ctx *c, const struct command *cmd)
{
    size_t nsubs = 0;
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        nsubs++;
    reply_map(c->reply, 3 + (nsubs > 0));
    reply_bulk_cstr(c->reply, "summary");
    reply_bulk_cstr(c->reply, cmd->summary ? cmd->summary : "");
    reply_bulk_cstr(c->reply, "since");
    reply_bulk_cstr(c->reply, cmd->since ? cmd->since : "1.0.0");
    reply_bulk_cstr(c->reply, "group");
    reply_bulk_cstr(c->reply, cmd->group ? cmd->group : "generic");
    if (nsubs) {
        reply_bulk_cstr(c->reply, "subcommands");
        reply_map(c->reply, nsubs);
        for (const struct command *sub = cmd->subcommands; sub->name; sub++) {
            reply_bulk_cstr(c->reply, sub->name);
            reply_docs_entry(c, sub);
        }
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
            reply_docs_entry(c, cmd);
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
        reply_docs_entry(c, cmd);
    }
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern] */
static bool list_filter(const struct cmd_ctx *c, const struct command *cmd, const char *name)
{
    if (c->argc == 2)
        return true;
    if (arg_is(c, 3, "module"))
        return false; /* there are no modules */
    if (arg_is(c, 3, "pattern"))
        return glob_match(c->argv[4].ptr, c->argv[4].len, name, strlen(name), true);
    const char *cats[8];
    size_t n = categories(cmd, cats);
    for (size_t i = 0; i < n; i++)
        if (strlen(cats[i] + 1) == c->argv[4].len &&
            strncasecmp(cats[i] + 1, c->argv[4].ptr, c->argv[4].len) == 0)
            return true;
    return false;
}

static void command_list(struct cmd_ctx *c)
{
    if (c->argc != 2 &&
        !(c->argc == 5 && arg_is(c, 2, "filterby") &&
          (arg_is(c, 3, "module") || arg_is(c, 3, "aclcat") || arg_is(c, 3, "pattern")))) {
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

static void command_getkeys(struct cmd_ctx *c)
{
    const struct command *cmd = command_lookup(c->argv[2].ptr, c->argv[2].len);
    int argc = c->argc - 2; /* the command's own argc */
    if (cmd && cmd->subcommands && argc >= 2) {
        const struct command *sub = cmd->subcommands;
        for (; sub->name; sub++) {
            const char *short_name = strchr(sub->name, '|') + 1;
            if (strlen(short_name) == c->argv[3].len &&
                strncasecmp(short_name, c->argv[3].ptr, c->argv[3].len) == 0)
                break;
        }
        cmd = sub->name ? sub : NULL;
    }
    if (!cmd) {
        reply_error(c->reply, "ERR Invalid command specified");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        reply_error(c->reply, "ERR Invalid number of arguments specified for command");
        return;
    }
    if (cmd->first_key == 0) {
        reply_error(c->reply, "ERR The command has no key arguments");
        return;
    }
    int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    int step = cmd->key_step > 0 ? cmd->key_step : 1;
    size_t n = 0;
    for (int j = cmd->first_key; j <= last && j < argc; j += step)
        n++;
    reply_array(c->reply, n);
    for (int j = cmd->first_key; j <= last && j < argc; j += step)
        reply_bulk(c->reply, c->argv[j + 2].ptr, c->argv[j + 2].len);
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
        "HELP",
        "    Prints this help.",
    };
    reply_array(c->reply, ARRAY_SIZE(lines));
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
        reply_simple(c->reply, lines[i]);
}

#define INTROSPECTION (CMD_LOADING | CMD_STALE | CMD_SENTINEL)

static const struct command command_subcommands[] = {
    {"command|count", command_count_cmd, 2, INTROSPECTION, 0, 0, 0, "server",
     "Get total number of Redis commands", "2.8.13", NULL},
    {"command|info", command_info, -2, INTROSPECTION, 0, 0, 0, "server",
     "Get array of specific Redis command details, or all when no argument is given.", "2.8.13",
     NULL},
    {"command|docs", command_docs, -2, INTROSPECTION, 0, 0, 0, "server",
     "Get array of specific Redis command documentation", "7.0.0", NULL},
    {"command|list", command_list, -2, INTROSPECTION, 0, 0, 0, "server",
     "Get an array of Redis command names", "7.0.0", NULL},
    {"command|getkeys", command_getkeys, -4, INTROSPECTION, 0, 0, 0, "server",
     "Extract keys given a full Redis command", "2.8.13", NULL},
    {"command|help", command_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server",
     "Show helpful text about the different subcommands", "5.0.0", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const struct command command_commands[] = {
    {"command", command_all, -1, INTROSPECTION, 0, 0, 0, "server",
     "Get array of Redis command details", "2.8.13", command_subcommands},
};

int cmd_command_register(void)
{
    return command_table_register(command_commands, 1);
}
