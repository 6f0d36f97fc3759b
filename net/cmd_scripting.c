/*
 * The scripting commands of a server without a scripting engine.
 *
 * Magpie has no Lua (nothing beyond libc and pthreads), but tools and client
 * libraries probe these commands (redis-cli, cluster managers, clients that
 * SCRIPT LOAD at connect time), so they answer truthfully rather than as
 * unknown commands: what only describes or clears the (empty) script cache
 * and function libraries answers as Redis 7.0 does with none loaded; whatever
 * would run or load code fails with one error that says why.
 */
#include "net/commands.h"

#include "core/compiler.h"

#include <stdint.h>
#include <string.h>

#define NO_SCRIPTING_ERROR "ERR scripting is not available in Magpie: it has no Lua engine"

/* EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, FCALL, FCALL_RO, FUNCTION LOAD, SCRIPT
 * LOAD, and whatever else would need the engine. */
static void no_scripting(struct cmd_ctx *c)
{
    reply_error(c->reply, NO_SCRIPTING_ERROR);
}

/* Redis's addReplySubcommandSyntaxError. */
static void subcommand_syntax_error(struct cmd_ctx *c, const char *container)
{
    char sub[129];
    arg_copy(c, 1, sub, sizeof(sub));
    reply_errorf(c->reply,
                 "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.", sub,
                 container);
}

/* FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: no libraries. The
 * arguments are checked as Redis checks them. */
static void function_list(struct cmd_ctx *c)
{
    bool with_code = false, library_name = false;
    for (int i = 2; i < c->argc; i++) {
        if (!with_code && arg_is(&c->argv[i], "withcode")) {
            with_code = true;
            continue;
        }
        if (!library_name && arg_is(&c->argv[i], "libraryname")) {
            if (i >= c->argc - 1) {
                reply_error(c->reply, "ERR library name argument was not given");
                return;
            }
            library_name = true;
            i++;
            continue;
        }
        char arg[256];
        arg_copy(c, i, arg, sizeof(arg));
        reply_errorf(c->reply, "ERR Unknown argument %s", arg);
        return;
    }
    reply_array(c->reply, 0);
}

/* FUNCTION STATS: nothing running, and no engine to list (Redis lists LUA
 * with zero libraries; Magpie has none to list). */
static void function_stats(struct cmd_ctx *c)
{
    reply_map(c->reply, 2);
    reply_bulk_cstr(c->reply, "running_script");
    reply_null(c->reply);
    reply_bulk_cstr(c->reply, "engines");
    reply_map(c->reply, 0);
}

/* Redis's CRC64 (Jones polynomial, reflected, as in its crc64.c), which
 * closes every DUMP payload. Bitwise: it only ever covers a few bytes here. */
static uint64_t crc64_jones(const unsigned char *p, size_t n)
{
    uint64_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
    }
    return crc;
}

/* A DUMP payload ends with the RDB version (2 bytes) and the CRC64 of
 * everything before the CRC (8 bytes), both little-endian. */
#define DUMP_FOOTER_LEN  10
#define DUMP_RDB_VERSION 10 /* Redis 7.0's */

static bool dump_payload_valid(const unsigned char *p, size_t len)
{
    if (len < DUMP_FOOTER_LEN)
        return false;
    const unsigned char *footer = p + len - DUMP_FOOTER_LEN;
    unsigned version = footer[0] | (unsigned)footer[1] << 8;
    if (version > DUMP_RDB_VERSION)
        return false;
    uint64_t crc = 0;
    for (int i = 7; i >= 0; i--)
        crc = crc << 8 | footer[2 + i];
    return crc == crc64_jones(p, len - 8);
}

/* FUNCTION DUMP: no function records, only the footer, byte for byte what
 * redis-server 7.0 dumps with no libraries. */
static void function_dump(struct cmd_ctx *c)
{
    unsigned char payload[DUMP_FOOTER_LEN] = {DUMP_RDB_VERSION & 0xff, DUMP_RDB_VERSION >> 8};
    uint64_t crc = crc64_jones(payload, 2);
    for (int i = 0; i < 8; i++)
        payload[2 + i] = (unsigned char)(crc >> (8 * i));
    reply_bulk(c->reply, payload, sizeof(payload));
}

/* FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: a payload with no
 * libraries in it restores (there is nothing to restore); one with libraries
 * would need the engine. */
static void function_restore(struct cmd_ctx *c)
{
    if (c->argc > 4) {
        subcommand_syntax_error(c, "FUNCTION");
        return;
    }
    if (c->argc == 4 && !arg_is(&c->argv[3], "flush") && !arg_is(&c->argv[3], "append") &&
        !arg_is(&c->argv[3], "replace")) {
        reply_error(c->reply, "ERR Wrong restore policy given, value should be either FLUSH, "
                              "APPEND or REPLACE.");
        return;
    }
    const struct resp_arg *payload = &c->argv[2];
    if (!dump_payload_valid((const unsigned char *)payload->ptr, payload->len))
        reply_error(c->reply, "ERR DUMP payload version or checksum are wrong");
    else if (payload->len == DUMP_FOOTER_LEN)
        reply_ok(c->reply);
    else
        no_scripting(c);
}

/* FUNCTION FLUSH [ASYNC|SYNC]: nothing to flush. */
static void function_flush(struct cmd_ctx *c)
{
    if (c->argc > 3) {
        subcommand_syntax_error(c, "FUNCTION");
        return;
    }
    if (c->argc == 3 && !arg_is(&c->argv[2], "sync") && !arg_is(&c->argv[2], "async")) {
        reply_error(c->reply, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    reply_ok(c->reply);
}

static void function_delete(struct cmd_ctx *c)
{
    reply_error(c->reply, "ERR Library not found");
}

/* FUNCTION KILL and SCRIPT KILL: nothing ever runs. */
static void nothing_running(struct cmd_ctx *c)
{
    reply_error(c->reply, "NOTBUSY No scripts in execution right now.");
}

static void function_help(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        ("    It also possible to get only function that matches a pattern using LIBRARYNAME "
         "argument."),
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        ("    Return a serialized payload representing the current libraries, can be restored "
         "using FUNCTION RESTORE command"),
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        ("    Restore the libraries represented by the given payload, it is possible to give a "
         "restore policy to"),
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        ("    * APPEND: appends the restored libraries to the existing libraries. On collision, "
         "abort."),
        ("    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
         "replace the old"),
        ("      libraries with the new libraries (notice that even on this option there is a "
         "chance of failure"),
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

/* SCRIPT EXISTS sha1 [sha1 ...]: the cache is always empty. */
static void script_exists(struct cmd_ctx *c)
{
    reply_array(c->reply, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++)
        reply_int(c->reply, 0);
}

/* SCRIPT FLUSH [ASYNC|SYNC]: nothing to flush. */
static void script_flush(struct cmd_ctx *c)
{
    bool valid = c->argc == 2 ||
                 (c->argc == 3 && (arg_is(&c->argv[2], "sync") || arg_is(&c->argv[2], "async")));
    if (!valid) {
        reply_error(c->reply, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    reply_ok(c->reply);
}

/* SCRIPT DEBUG YES|SYNC|NO: NO is what is in force; the others would
 * debug scripts, which cannot run. */
static void script_debug(struct cmd_ctx *c)
{
    if (arg_is(&c->argv[2], "no"))
        reply_ok(c->reply);
    else if (arg_is(&c->argv[2], "yes") || arg_is(&c->argv[2], "sync"))
        no_scripting(c);
    else
        reply_error(c->reply, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

static void script_help(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

static const struct command function_subcommands[] = {
    COMMAND("function|delete", function_delete), COMMAND("function|dump", function_dump),
    COMMAND("function|flush", function_flush),   COMMAND("function|help", function_help),
    COMMAND("function|kill", nothing_running),   COMMAND("function|list", function_list),
    COMMAND("function|load", no_scripting),      COMMAND("function|restore", function_restore),
    COMMAND("function|stats", function_stats),   COMMAND_END,
};

static const struct command script_subcommands[] = {
    COMMAND("script|debug", script_debug),
    COMMAND("script|exists", script_exists),
    COMMAND("script|flush", script_flush),
    COMMAND("script|help", script_help),
    COMMAND("script|kill", nothing_running),
    COMMAND("script|load", no_scripting),
    COMMAND_END,
};

static const struct command scripting_commands[] = {
    COMMAND("eval", no_scripting),
    COMMAND("evalsha", no_scripting),
    COMMAND("eval_ro", no_scripting),
    COMMAND("evalsha_ro", no_scripting),
    COMMAND("fcall", no_scripting),
    COMMAND("fcall_ro", no_scripting),
    COMMAND_WITH_SUBCOMMANDS("function", command_run_subcommand, function_subcommands),
    COMMAND_WITH_SUBCOMMANDS("script", command_run_subcommand, script_subcommands),
};

int cmd_scripting_register(void)
{
    return command_table_register(scripting_commands, (int)ARRAY_SIZE(scripting_commands));
}
