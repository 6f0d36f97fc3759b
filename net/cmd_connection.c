/*
 * Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH. Replies are
 * Redis 7.0's byte for byte (HELLO's map included, reporting the Redis
 * version Magpie behaves like).
 */
#include "net/commands.h"
#include "net/monitor.h"
#include "net/session.h"
#include "net/server.h"
#include "net/version.h"

#include <string.h>

static void ping_command(struct cmd_ctx *c)
{
    if (c->argc > 2) {
        reply_error(c->reply, "ERR wrong number of arguments for 'ping' command");
        return;
    }
    /* A subscribed RESP2 client gets the pub/sub shape, as in Redis. */
    if (c->reply->proto == 2 && session_subscribed(session_of(c))) {
        reply_array(c->reply, 2);
        reply_bulk_cstr(c->reply, "pong");
        if (c->argc == 2)
            reply_bulk(c->reply, c->argv[1].ptr, c->argv[1].len);
        else
            reply_bulk(c->reply, "", 0);
        return;
    }
    if (c->argc == 2)
        reply_bulk(c->reply, c->argv[1].ptr, c->argv[1].len);
    else
        reply_simple(c->reply, "PONG");
}

static void echo_command(struct cmd_ctx *c)
{
    reply_bulk(c->reply, c->argv[1].ptr, c->argv[1].len);
}

static void quit_command(struct cmd_ctx *c)
{
    reply_ok(c->reply);
    session_of(c)->close_requested = true;
}

static void reset_command(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    c->db = 0;
    session_end_transaction(s);
    session_unsubscribe_all(s);
    monitor_stop(s);
    tracking_disable(s);
    session_set_protocol(s, 2);
    session_set_name_field(s, &s->name, NULL, 0);
    s->no_evict = s->no_touch = false;
    /* Back to the default user, which must authenticate again if it has a
     * password. */
    session_set_authenticated(s, !server_auth_required(s->server));
    reply_simple(c->reply, "RESET");
}

/* Checks a username/password pair against the only user there is, "default"
 * (password: requirepass; any password when requirepass is empty). */
static bool authenticate(struct session *s, const struct resp_arg *user,
                         const struct resp_arg *pass)
{
    if (user->len != 7 || memcmp(user->ptr, "default", 7) != 0)
        return false;
    if (!server_auth_required(s->server))
        return true;
    return config_password_matches(s->server->config, pass->ptr, pass->len);
}

static void auth_command(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    if (c->argc > 3) {
        reply_error(c->reply, "ERR syntax error");
        return;
    }
    static const struct resp_arg default_user = {"default", 7, NULL};
    const struct resp_arg *user = &default_user, *pass = &c->argv[1];
    if (c->argc == 2) {
        if (!server_auth_required(s->server)) {
            reply_error(c->reply, "ERR AUTH <password> called without any password configured for "
                                  "the default user. Are you sure your configuration is correct?");
            return;
        }
    } else {
        user = &c->argv[1];
        pass = &c->argv[2];
    }
    if (authenticate(s, user, pass)) {
        session_set_authenticated(s, true);
        reply_ok(c->reply);
    } else {
        reply_error(c->reply, "WRONGPASS invalid username-password pair or user is disabled.");
    }
}

static void hello_command(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    long long version = 0;
    int next = 1;
    if (c->argc >= 2) {
        if (!arg_to_ll(c, next++, &version)) {
            reply_error(c->reply, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (version < 2 || version > 3) {
            reply_error(c->reply, "NOPROTO unsupported protocol version");
            return;
        }
    }
    const struct resp_arg *user = NULL, *pass = NULL, *name = NULL;
    for (int j = next; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (arg_is(&c->argv[j], "AUTH") && more >= 2) {
            user = &c->argv[j + 1];
            pass = &c->argv[j + 2];
            j += 2;
        } else if (arg_is(&c->argv[j], "SETNAME") && more >= 1) {
            name = &c->argv[j + 1];
            j++;
        } else {
            char opt[128];
            arg_copy(c, j, opt, sizeof(opt));
            reply_errorf(c->reply, "ERR Syntax error in HELLO option '%s'", opt);
            return;
        }
    }
    if (user) {
        if (!authenticate(s, user, pass)) {
            reply_error(c->reply, "WRONGPASS invalid username-password pair or user is disabled.");
            return;
        }
        session_set_authenticated(s, true);
    }
    if (!s->authenticated && server_auth_required(s->server)) {
        reply_error(c->reply,
                    "NOAUTH HELLO must be called with the client already authenticated, otherwise "
                    "the HELLO AUTH <user> <pass> option can be used to authenticate the client "
                    "and select the RESP protocol version at the same time");
        return;
    }
    if (name) {
        if (!client_name_valid(name->ptr, name->len)) {
            reply_error(c->reply,
                        "ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        session_set_name_field(s, &s->name, name->ptr, name->len);
    }
    if (version)
        session_set_protocol(s, (int)version);
    reply_map(c->reply, 7);
    reply_bulk_cstr(c->reply, "server");
    reply_bulk_cstr(c->reply, "redis");
    reply_bulk_cstr(c->reply, "version");
    reply_bulk_cstr(c->reply, MAGPIE_REDIS_VERSION);
    reply_bulk_cstr(c->reply, "proto");
    reply_int(c->reply, c->reply->proto);
    reply_bulk_cstr(c->reply, "id");
    reply_int(c->reply, (long long)s->id);
    reply_bulk_cstr(c->reply, "mode");
    reply_bulk_cstr(c->reply, "standalone");
    reply_bulk_cstr(c->reply, "role");
    reply_bulk_cstr(c->reply, "master");
    reply_bulk_cstr(c->reply, "modules");
    reply_array(c->reply, 0);
}

static const struct command connection_commands[] = {
    COMMAND("ping", ping_command),   COMMAND("echo", echo_command),   COMMAND("quit", quit_command),
    COMMAND("reset", reset_command), COMMAND("hello", hello_command), COMMAND("auth", auth_command),
};

int cmd_connection_register(void)
{
    return command_table_register(connection_commands, (int)ARRAY_SIZE(connection_commands));
}
