/*
 * Server commands: CONFIG (GET with glob patterns, SET, RESETSTAT, HELP),
 * TIME, LASTSAVE, SHUTDOWN, DEBUG (OBJECT, SLEEP, HELP). DBSIZE and SELECT are
 * store/'s.
 */
#include "net/commands.h"
#include "net/conn.h"
#include "core/glob.h"
#include "net/persist.h"
#include "net/server.h"
#include "net/latency_histogram.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/keyspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

static bool has_glob(const struct resp_arg *a)
{
    for (size_t i = 0; i < a->len; i++)
        if (strchr("*?[\\", a->ptr[i]))
            return true;
    return false;
}

/* CONFIG GET pattern [pattern ...]: each name once (an alias is a name of
 * its own, as in Redis); a pattern without glob characters is a lookup,
 * and Redis replies with the name as asked. */
static void config_get(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    const struct resp_arg *asked[CONFIG_NAMES_MAX] = {NULL};
    bool matched[CONFIG_NAMES_MAX] = {false};
    size_t n = 0;
    enum config_id id;
    const char *name;
    for (int j = 2; j < c->argc; j++) {
        const struct resp_arg *a = &c->argv[j];
        for (int i = 0; i < CONFIG_NAMES_MAX && (name = config_name_at(i, &id)) != NULL; i++) {
            bool hit = has_glob(a)
                           ? glob_match(a->ptr, a->len, name, strlen(name), true)
                           : strlen(name) == a->len && strncasecmp(name, a->ptr, a->len) == 0;
            if (hit && !matched[i]) {
                matched[i] = true;
                asked[i] = has_glob(a) ? NULL : a;
                n++;
            }
        }
    }
    reply_map(c->reply, n);
    char value[CONFIG_STRING_MAX];
    for (int i = 0; i < CONFIG_NAMES_MAX && (name = config_name_at(i, &id)) != NULL; i++) {
        if (!matched[i])
            continue;
        if (asked[i])
            reply_bulk(c->reply, asked[i]->ptr, asked[i]->len);
        else
            reply_bulk_cstr(c->reply, name);
        size_t len = config_format(s->config, id, value, sizeof(value));
        reply_bulk(c->reply, value, len);
    }
}

/* The values in force of the parameters a CONFIG SET names, as CONFIG GET
 * formats them: the undo of a call whose port cannot be opened, as Redis
 * restores every value of such a call. */
struct config_undo {
    const char **args;
    size_t *lens;
    int n;
};

static void config_undo_free(struct config_undo *u)
{
    for (int i = 0; u->args && i < u->n; i++)
        mem_free((void *)u->args[i]);
    mem_free(u->args);
    mem_free(u->lens);
}

static bool config_undo_take(struct config *cfg, const char *const *args, int n,
                             struct config_undo *u)
{
    u->n = n;
    u->args = mem_calloc((size_t)n, sizeof(*u->args));
    u->lens = mem_calloc((size_t)n, sizeof(*u->lens));
    if (!u->args || !u->lens)
        return false;
    char *value = mem_alloc(CONFIG_STRING_MAX);
    bool ok = value != NULL;
    for (int i = 0; ok && i < n; i += 2) {
        int id = config_lookup(args[i], strlen(args[i]));
        if (id < 0) { /* CONFIG SET refuses the call: nothing to undo */
            u->n = i;
            break;
        }
        size_t len = config_format(cfg, (enum config_id)id, value, CONFIG_STRING_MAX);
        u->args[i] = mem_strdup(args[i]);
        u->args[i + 1] = mem_strndup(value, len);
        u->lens[i] = strlen(args[i]);
        u->lens[i + 1] = len;
        ok = u->args[i] && u->args[i + 1];
    }
    mem_free(value);
    return ok;
}

static bool names_port(const char *const *args, int n)
{
    for (int i = 0; i < n; i += 2)
        if (config_lookup(args[i], strlen(args[i])) == CONFIG_PORT)
            return true;
    return false;
}

/* What this client may not set now (net/config.h). */
static unsigned refused_now(struct session *s)
{
    unsigned refuse = 0;
    if (!session_allowed_by(s, CONFIG_ENABLE_PROTECTED_CONFIGS))
        refuse |= CONFIG_REFUSE_PROTECTED;
    if (loading_active(&s->server->loading))
        refuse |= CONFIG_REFUSE_LOADING;
    return refuse;
}

/* Two CONFIG SET port at once: each sets the value, then moves the
 * listener to the value it reads back; serialized, so the listener ends on
 * the value CONFIG GET shows. A plain mutex: held by one command at a time
 * around the config's own lock and the listener's, never by anything else. */
static pthread_mutex_t port_change = PTHREAD_MUTEX_INITIALIZER;

/* Sets the values, then applies what needs more than a value: the port
 * (net/listener.h). A port that cannot be opened undoes the whole call. */
static void config_set_apply(struct cmd_ctx *c, const char *const *args, const size_t *lens, int n)
{
    struct server *s = session_of(c)->server;
    char err[CONFIG_ERROR_MAX + 128];
    struct config_undo undo = {0};
    bool port = names_port(args, n);
    if (port)
        pthread_mutex_lock(&port_change);
    if (port && !config_undo_take(s->config, args, n, &undo)) {
        reply_error(c->reply, "ERR out of memory");
    } else if (config_set_many(s->config, n, args, lens, refused_now(session_of(c)), err) != 0) {
        reply_error(c->reply, err);
    } else if (port && server_set_port(s, (int)config_number(s->config, CONFIG_PORT)) != 0) {
        config_set_many(s->config, n, undo.args, undo.lens, 0, err);
        reply_error(c->reply, "ERR CONFIG SET failed (possibly related to argument 'port') - "
                              "Unable to listen on this port. Check server logs.");
    } else {
        server_config_changed(s);
        reply_ok(c->reply);
    }
    if (port)
        pthread_mutex_unlock(&port_change);
    config_undo_free(&undo);
}

static void config_set_cmd(struct cmd_ctx *c)
{
    if (c->argc % 2) {
        reply_error(c->reply, "ERR syntax error");
        return;
    }
    int n = c->argc - 2;
    const char **args = mem_calloc((size_t)n, sizeof(*args));
    size_t *lens = mem_calloc((size_t)n, sizeof(*lens));
    bool ok = args && lens;
    /* Values are binary: requirepass keeps a NUL byte, the rest refuse one. */
    for (int i = 0; ok && i < n; i++) {
        args[i] = mem_strndup(c->argv[i + 2].ptr, c->argv[i + 2].len);
        lens[i] = c->argv[i + 2].len;
        ok = args[i] != NULL;
    }
    if (!ok)
        reply_error(c->reply, "ERR out of memory");
    else
        config_set_apply(c, args, lens, n);
    for (int i = 0; args && i < n; i++)
        mem_free((void *)args[i]);
    mem_free(args);
    mem_free(lens);
}

static void config_resetstat(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    stats_reset(s->stats);
    struct server_counters *k = &s->counters;
    ATOMIC(uint64_t) * all[] = {&k->connections_received, &k->rejected_connections,
                                &k->error_replies, &k->client_query_limit_closes,
                                &k->client_output_limit_closes};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        atomic_store_explicit(all[i], 0, memory_order_relaxed);
    keyspace_lock_stats_reset(s->ks);
    latency_histograms_reset(s->histograms);
    reply_ok(c->reply);
}

static void config_rewrite_cmd(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    if (!s->config_file[0]) {
        reply_error(c->reply, "ERR The server is running without a config file");
        return;
    }
    int rc = config_rewrite(s->config, s->config_file);
    if (rc) {
        log_warning("CONFIG REWRITE failed: %s", strerror(-rc));
        reply_errorf(c->reply, "ERR Rewriting config file: %s", strerror(-rc));
        return;
    }
    log_notice("CONFIG REWRITE executed with success.");
    reply_ok(c->reply);
}

static void config_help(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

static void time_command(struct cmd_ctx *c)
{
    int64_t us = clock_unix_us();
    reply_array(c->reply, 2);
    reply_bulk_ll(c->reply, us / 1000000);
    reply_bulk_ll(c->reply, us % 1000000);
}

static void lastsave_command(struct cmd_ctx *c)
{
    reply_int(c->reply,
              atomic_load_explicit(&session_of(c)->server->lastsave_unix, memory_order_relaxed));
}

static void shutdown_command(struct cmd_ctx *c)
{
    bool save = false, nosave = false;
    for (int j = 1; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "nosave"))
            nosave = true;
        else if (arg_is(&c->argv[j], "save"))
            save = true;
        else if (arg_is(&c->argv[j], "now") || arg_is(&c->argv[j], "force"))
            continue;
        else if (arg_is(&c->argv[j], "abort") && c->argc == 2) {
            reply_error(c->reply, "ERR No shutdown in progress.");
            return;
        } else {
            reply_error(c->reply, "ERR syntax error");
            return;
        }
    }
    if (save && nosave) {
        reply_error(c->reply, "ERR syntax error");
        return;
    }
    struct server *s = session_of(c)->server;
    /* As Redis: a keyspace still loading is not saved (it would replace
     * the file with part of itself). */
    if (loading_active(&s->loading))
        nosave = true;
    if (!nosave && (save || persist_rules_set(s)) && persist_save_final(s) != 0) {
        reply_error(c->reply, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    /* As Redis: no reply; the connection ends with the process. */
    server_request_shutdown(session_of(c)->server);
    session_of(c)->close_requested = true;
}

bool session_debug_allowed(const struct session *s)
{
    return session_allowed_by(s, CONFIG_ENABLE_DEBUG_COMMAND);
}

/* no (Redis's default), yes, or local (loopback and unix socket clients
 * only). A session without a socket counts as local (it runs on the
 * server). */
bool session_allowed_by(const struct session *s, enum config_id setting)
{
    long long mode = config_number(s->server->config, setting);
    if (mode == CONFIG_DEBUG_YES)
        return true;
    if (mode != CONFIG_DEBUG_LOCAL)
        return false;
    const struct conn *conn = s->conn;
    return !conn || conn->is_unix || strncmp(conn->addr, "127.0.0.1:", 10) == 0 ||
           strncmp(conn->addr, "[::1]:", 6) == 0;
}

/* DEBUG OBJECT key: Redis's status line; serializedlength as
 * keyspace_object_info() documents it. */
static void debug_object(struct cmd_ctx *c)
{
    struct keyspace_object_info info;
    if (keyspace_object_info(c->ks, c->db, c->argv[2].ptr, c->argv[2].len, c->now_ms, &info)) {
        reply_error(c->reply, "ERR no such key");
        return;
    }
    char line[512];
    snprintf(line, sizeof(line),
             "Value at:%p refcount:%lld encoding:%s serializedlength:%llu lru:%u "
             "lru_seconds_idle:%llu%s",
             (void *)info.address, info.refcount, info.encoding,
             (unsigned long long)info.serialized_length, (unsigned)info.lru,
             (unsigned long long)info.idle_seconds, info.type_fields);
    reply_simple(c->reply, line);
}

static void debug_command(struct cmd_ctx *c)
{
    if (!session_debug_allowed(session_of(c))) { /* inside EXEC: checked again */
        reply_error(c->reply, DEBUG_NOT_ALLOWED);
        return;
    }
    if (arg_is(&c->argv[1], "sleep") && c->argc == 3) {
        char buf[64];
        arg_copy(c, 2, buf, sizeof(buf));
        char *end;
        double seconds = strtod(buf, &end);
        if (*end || seconds < 0) {
            reply_error(c->reply, "ERR value is not a valid float");
            return;
        }
        /* Blocks this worker only, like Redis blocks its one thread. */
        struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
        nanosleep(&ts, NULL);
        reply_ok(c->reply);
    } else if (arg_is(&c->argv[1], "object") && c->argc == 3) {
        debug_object(c);
    } else if (debug_extra_command(c)) {
        return;
    } else if (arg_is(&c->argv[1], "help") && c->argc == 2) {
        static const char *const lines[] = {
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANGE-REPL-ID",
            "    Change the replication IDs of the instance.",
            "    Dangerous: should be used only for testing the replication subsystem.",
            "DIGEST",
            "    Reply a hex digest of every database's keys and values; equal data gives",
            "    the same digest here as in Redis.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    Reply the digest of each key's value (zeros when the key is missing).",
            "OBJECT <key>",
            "    Show low level info about `key` and associated value.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "STRINGMATCH-TEST",
            "    Run a fuzz tester against the stringmatchlen() function.",
            "LISTPACK <key>",
            "    Show low level info about the listpack encoding of <key>.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys <prefix>:<n> ('key' when no prefix is given)",
            "    holding value:<n>, or <size> bytes of it; keys that exist are kept.",
            "PROTOCOL <type>",
            "    Reply a sample of a RESP type: string, integer, double, bignum, null,",
            "    array, set, map, attrib, push, verbatim, true or false.",
            "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
            "    Save the RDB file and load it back. NOSAVE loads the file as it is;",
            "    NOFLUSH loads it into the current data, its keys replacing the same names.",
            "HELP",
            "    Prints this help.",
        };
        reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
    } else {
        char sub[128];
        arg_copy(c, 1, sub, sizeof(sub));
        reply_errorf(
            c->reply,
            "ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP.", sub);
    }
}

static const struct command config_subcommands[] = {
    COMMAND("config|get", config_get),
    COMMAND("config|set", config_set_cmd),
    COMMAND("config|resetstat", config_resetstat),
    COMMAND("config|rewrite", config_rewrite_cmd),
    COMMAND("config|help", config_help),
    COMMAND_END,
};

static const struct command server_commands[] = {
    COMMAND_WITH_SUBCOMMANDS("config", command_run_subcommand, config_subcommands),
    COMMAND("time", time_command),
    COMMAND("lastsave", lastsave_command),
    COMMAND("shutdown", shutdown_command),
    COMMAND("debug", debug_command),
};

int cmd_server_register(void)
{
    return command_table_register(server_commands, (int)ARRAY_SIZE(server_commands));
}
