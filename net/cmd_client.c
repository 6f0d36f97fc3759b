/*
 * CLIENT: ID, INFO, LIST, KILL (old and new forms), SETNAME, GETNAME,
 * SETINFO, NO-EVICT, NO-TOUCH, HELP; TRACKING, CACHING, GETREDIR and
 * TRACKINGINFO are in net/cmd_tracking.c. Other connections are reached only
 * through the registry, under its lock.
 */
#include "net/commands.h"
#include "net/conn.h"
#include "net/server.h"
#include "net/text.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool client_name_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '!' || s[i] > '~')
            return false;
    return true;
}

/* One CLIENT LIST line for session s, in Redis 7.0's fields and order
 * (CLIENT SETINFO is accepted, but 7.0 has no lib-name / lib-ver fields to
 * show it in). A session without a socket shows Redis's fake client's
 * fields (fd -1, no address). Caller holds the registry lock. */
static void describe(struct text *t, const struct session *s, const struct session *self,
                     const struct cmd_ctx *ctx)
{
    const struct conn *c = s->conn;
    uint64_t now = clock_mono_ms();
    uint64_t last = c ? atomic_load_explicit(&c->last_interaction_ms, memory_order_relaxed) : now;
    uint64_t created = c ? (uint64_t)c->created_ms : now;
    uint64_t qbuf = c ? atomic_load_explicit(&c->qbuf, memory_order_relaxed) : 0;
    uint64_t qcap = c ? atomic_load_explicit(&c->qbuf_cap, memory_order_relaxed) : 0;
    uint64_t obl = c ? atomic_load_explicit(&c->obl, memory_order_relaxed) : 0;
    const struct command *cmd = atomic_load_explicit(&s->last_cmd, memory_order_relaxed);
    const char *cmdname = cmd ? cmd->name : "NULL";
    char flags[16];
    int nf = 0;
    /* In Redis's order (getClientInfoString). */
    int multi = atomic_load_explicit(&s->multi.shown, memory_order_relaxed);
    if (session_monitoring(s))
        flags[nf++] = 'O';
    if (session_subscribed(s))
        flags[nf++] = 'P';
    if (multi >= 0)
        flags[nf++] = 'x';
    /* Blocked: by a blocking command, or held by CLIENT PAUSE. */
    if (block_pending(&s->block) ||
        (c && atomic_load_explicit(&c->postponed, memory_order_relaxed)))
        flags[nf++] = 'b';
    unsigned tracking = session_tracking_flags(&s->tracking);
    if (tracking & TRACKING_ON)
        flags[nf++] = 't';
    if (tracking & TRACKING_BROKEN_REDIR)
        flags[nf++] = 'R';
    if (tracking & TRACKING_BCAST)
        flags[nf++] = 'B';
    if (watch_list_dirty(&s->watch))
        flags[nf++] = 'd';
    if (s == self && s->close_requested)
        flags[nf++] = 'c';
    if (c && c->is_unix)
        flags[nf++] = 'U';
    if (s == self && s->no_evict)
        flags[nf++] = 'e';
    if (nf == 0)
        flags[nf++] = 'N';
    flags[nf] = '\0';
    uint64_t argv_mem = 0;
    if (s == self)
        for (int i = 0; i < ctx->argc; i++)
            argv_mem += ctx->argv[i].len;
    bool writing = c && atomic_load_explicit(&c->waiting_write, memory_order_relaxed);
    text_printf(t,
                "id=%llu addr=%s laddr=%s fd=%d name=%s age=%llu idle=%llu flags=%s db=%d sub=%u "
                "psub=%u ssub=%u multi=%d qbuf=%llu qbuf-free=%llu argv-mem=%llu multi-mem=%llu "
                "rbs=%d rbp=0 obl=%llu oll=0 omem=%llu tot-mem=%llu events=%s cmd=%s "
                "user=default redir=%lld resp=%d\n",
                (unsigned long long)s->id, c ? c->addr : "", c ? c->laddr : "", c ? c->fd : -1,
                s->name ? s->name : "", (unsigned long long)((now - created) / 1000),
                (unsigned long long)((now > last ? now - last : 0) / 1000), flags,
                atomic_load_explicit(&s->db, memory_order_relaxed),
                pubsub_count(&s->sub, PUBSUB_CHANNEL), pubsub_count(&s->sub, PUBSUB_PATTERN),
                pubsub_count(&s->sub, PUBSUB_SHARD), multi, (unsigned long long)qbuf,
                (unsigned long long)(qcap > qbuf ? qcap - qbuf : 0), (unsigned long long)argv_mem,
                (unsigned long long)atomic_load_explicit(&s->multi.mem, memory_order_relaxed),
                c ? OUTBUF_BLOCK_SIZE : 0, (unsigned long long)obl, (unsigned long long)obl,
                (unsigned long long)((c ? sizeof(*c) : sizeof(*s)) + qcap + obl),
                writing ? "rw" : "r", cmdname,
                (tracking & TRACKING_ON)
                    ? atomic_load_explicit(&s->tracking.redirect, memory_order_relaxed)
                    : -1LL,
                atomic_load_explicit(&s->resp, memory_order_relaxed));
}

static void reply_text(struct cmd_ctx *c, struct text *t)
{
    if (t->oom)
        reply_error(c->reply, "ERR out of memory");
    else
        reply_verbatim(c->reply, "txt", t->buf ? t->buf : "", t->len);
    text_free(t);
}

static void client_id(struct cmd_ctx *c)
{
    reply_int(c->reply, (long long)session_of(c)->id);
}

static void client_info(struct cmd_ctx *c)
{
    struct session *self = session_of(c);
    struct text t = {0};
    LOCK_GUARD (&self->server->clients.lock) {
        describe(&t, self, self, c);
    }
    reply_text(c, &t);
}

static void client_list(struct cmd_ctx *c)
{
    struct session *self = session_of(c);
    bool none = false;
    long long *ids = NULL;
    int nids = 0;
    if (c->argc == 4 && arg_is(&c->argv[2], "TYPE")) {
        if (arg_is(&c->argv[3], "master") || arg_is(&c->argv[3], "replica") ||
            arg_is(&c->argv[3], "slave") || arg_is(&c->argv[3], "pubsub")) {
            none = true; /* no such clients here (yet) */
        } else if (!arg_is(&c->argv[3], "normal")) {
            char type[64];
            arg_copy(c, 3, type, sizeof(type));
            reply_errorf(c->reply, "ERR Unknown client type '%s'", type);
            return;
        }
    } else if (c->argc > 3 && arg_is(&c->argv[2], "ID")) {
        ids = mem_calloc((size_t)c->argc, sizeof(*ids));
        if (!ids) {
            reply_error(c->reply, "ERR out of memory");
            return;
        }
        for (int j = 3; j < c->argc; j++) {
            if (!arg_to_ll(c, j, &ids[nids])) {
                mem_free(ids);
                reply_error(c->reply, "ERR Invalid client ID");
                return;
            }
            nids++;
        }
    } else if (c->argc != 2) {
        reply_error(c->reply, "ERR syntax error");
        return;
    }
    struct text t = {0};
    LOCK_GUARD (&self->server->clients.lock) {
        for (struct conn *o = self->server->clients.head; o && !none; o = o->next) {
            bool wanted = nids == 0;
            for (int k = 0; k < nids && !wanted; k++)
                wanted = (uint64_t)ids[k] == o->session.id;
            if (wanted)
                describe(&t, &o->session, self, c);
        }
    }
    mem_free(ids);
    reply_text(c, &t);
}

struct kill_filter {
    long long id;
    char addr[CONN_ADDR_MAX];
    char laddr[CONN_ADDR_MAX];
    bool has_addr, has_laddr, skipme, none_type;
};

/* Parses CLIENT KILL's new form; false after replying an error. */
static bool parse_kill_filter(struct cmd_ctx *c, struct kill_filter *f)
{
    for (int i = 2; i < c->argc; i += 2) {
        bool more = c->argc > i + 1;
        if (arg_is(&c->argv[i], "id") && more) {
            if (!arg_to_ll(c, i + 1, &f->id) || f->id < 1) {
                reply_error(c->reply, "ERR client-id should be greater than 0");
                return false;
            }
        } else if (arg_is(&c->argv[i], "type") && more) {
            if (arg_is(&c->argv[i + 1], "master") || arg_is(&c->argv[i + 1], "replica") ||
                arg_is(&c->argv[i + 1], "slave") || arg_is(&c->argv[i + 1], "pubsub")) {
                f->none_type = true;
            } else if (!arg_is(&c->argv[i + 1], "normal")) {
                char type[64];
                arg_copy(c, i + 1, type, sizeof(type));
                reply_errorf(c->reply, "ERR Unknown client type '%s'", type);
                return false;
            }
        } else if (arg_is(&c->argv[i], "addr") && more) {
            arg_copy(c, i + 1, f->addr, sizeof(f->addr));
            f->has_addr = true;
        } else if (arg_is(&c->argv[i], "laddr") && more) {
            arg_copy(c, i + 1, f->laddr, sizeof(f->laddr));
            f->has_laddr = true;
        } else if (arg_is(&c->argv[i], "user") && more) {
            if (!arg_is(&c->argv[i + 1], "default")) {
                char user[128];
                arg_copy(c, i + 1, user, sizeof(user));
                reply_errorf(c->reply, "ERR No such user '%s'", user);
                return false;
            }
        } else if (arg_is(&c->argv[i], "skipme") && more) {
            if (arg_is(&c->argv[i + 1], "yes"))
                f->skipme = true;
            else if (arg_is(&c->argv[i + 1], "no"))
                f->skipme = false;
            else {
                reply_error(c->reply, "ERR syntax error");
                return false;
            }
        } else {
            reply_error(c->reply, "ERR syntax error");
            return false;
        }
    }
    return true;
}

static void client_kill(struct cmd_ctx *c)
{
    struct session *self = session_of(c);
    struct kill_filter f = {.skipme = true};
    bool old_form = c->argc == 3;
    if (old_form) {
        arg_copy(c, 2, f.addr, sizeof(f.addr));
        f.has_addr = true;
        f.skipme = false;
    } else if (!parse_kill_filter(c, &f)) {
        return;
    }
    long long killed = 0;
    LOCK_GUARD (&self->server->clients.lock) {
        for (struct conn *o = self->server->clients.head; o && !f.none_type; o = o->next) {
            if ((f.has_addr && strcmp(o->addr, f.addr) != 0) ||
                (f.has_laddr && strcmp(o->laddr, f.laddr) != 0) ||
                (f.id && o->session.id != (uint64_t)f.id) || (&o->session == self && f.skipme))
                continue;
            if (&o->session == self)
                self->close_requested = true; /* after this reply */
            else
                conn_request_kill(o, CONN_KILL_CLIENT);
            killed++;
        }
    }
    if (!old_form)
        reply_int(c->reply, killed);
    else if (killed == 0)
        reply_error(c->reply, "ERR No such client");
    else
        reply_ok(c->reply);
}

static void client_setname(struct cmd_ctx *c)
{
    if (!client_name_valid(c->argv[2].ptr, c->argv[2].len)) {
        reply_error(c->reply, "ERR Client names cannot contain spaces, newlines or special "
                              "characters.");
        return;
    }
    struct session *self = session_of(c);
    if (!session_set_name_field(self, &self->name, c->argv[2].ptr, c->argv[2].len))
        reply_error(c->reply, "ERR out of memory");
    else
        reply_ok(c->reply);
}

static void client_getname(struct cmd_ctx *c)
{
    struct session *self = session_of(c);
    if (self->name) /* only this session writes it */
        reply_bulk_cstr(c->reply, self->name);
    else
        reply_null(c->reply);
}

static void client_setinfo(struct cmd_ctx *c)
{
    struct session *self = session_of(c);
    char **field;
    char attr[64];
    arg_copy(c, 2, attr, sizeof(attr));
    if (arg_is(&c->argv[2], "lib-name"))
        field = &self->lib_name;
    else if (arg_is(&c->argv[2], "lib-ver"))
        field = &self->lib_ver;
    else {
        reply_errorf(c->reply, "ERR Unrecognized option '%s'", attr);
        return;
    }
    if (!client_name_valid(c->argv[3].ptr, c->argv[3].len)) {
        reply_errorf(c->reply, "ERR %s cannot contain spaces, newlines or special characters.",
                     attr);
        return;
    }
    if (!session_set_name_field(self, field, c->argv[3].ptr, c->argv[3].len))
        reply_error(c->reply, "ERR out of memory");
    else
        reply_ok(c->reply);
}

static void set_switch(struct cmd_ctx *c, bool *flag)
{
    if (arg_is(&c->argv[2], "on"))
        *flag = true;
    else if (arg_is(&c->argv[2], "off"))
        *flag = false;
    else {
        reply_error(c->reply, "ERR syntax error");
        return;
    }
    reply_ok(c->reply);
}

static void client_no_evict(struct cmd_ctx *c)
{
    set_switch(c, &session_of(c)->no_evict);
}

static void client_no_touch(struct cmd_ctx *c)
{
    set_switch(c, &session_of(c)->no_touch);
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's wait, as if it
 * timed out, or with an error; 1 when that client was waiting. */
static void client_unblock(struct cmd_ctx *c)
{
    if (c->argc > 4) { /* Redis's generic answer for a subcommand it cannot parse */
        reply_errorf(c->reply,
                     "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                     "CLIENT HELP.",
                     (int)c->argv[1].len, c->argv[1].ptr);
        return;
    }
    long long id;
    if (!arg_to_ll(c, 2, &id)) {
        reply_error(c->reply, "ERR value is not an integer or out of range");
        return;
    }
    enum block_state how = BLOCK_UNBLOCKED;
    if (c->argc == 4 && arg_is(&c->argv[3], "ERROR")) {
        how = BLOCK_UNBLOCKED_ERROR;
    } else if (c->argc == 4 && !arg_is(&c->argv[3], "TIMEOUT")) {
        reply_error(c->reply, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
    }
    struct server *s = session_of(c)->server;
    bool unblocked = false;
    /* Under the registry lock, which keeps the target allocated. */
    LOCK_GUARD (&s->clients.lock) {
        for (struct conn *o = s->clients.head; o && !unblocked; o = o->next)
            if (o->session.id == (uint64_t)id)
                unblocked = block_interrupt(&o->session.block, how);
    }
    reply_int(c->reply, unblocked);
}

static void client_help(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

/* SETINFO and NO-TOUCH are Redis 7.2's, so they have no 7.0 metadata. */
#define CONN_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

/* CLIENT REPLY ON|OFF|SKIP: OFF and SKIP answer nothing (net/session.c
 * drops the replies); ON answers +OK even when it ends a silence. */
static void client_reply(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    if (arg_is(&c->argv[2], "on")) {
        s->reply_off = s->reply_skip = false;
        struct reply visible = {s->reply_out ? s->reply_out : c->reply->out, c->reply->proto};
        reply_ok(&visible);
    } else if (arg_is(&c->argv[2], "off")) {
        s->reply_off = true;
    } else if (arg_is(&c->argv[2], "skip")) {
        if (!s->reply_off)
            s->reply_skip_next = true;
    } else {
        reply_error(c->reply, "ERR syntax error");
    }
}

/* CLIENT PAUSE timeout [WRITE|ALL] (milliseconds; ALL by default). */
static void client_pause(struct cmd_ctx *c)
{
    long long ms;
    if (!arg_to_ll(c, 2, &ms)) {
        reply_error(c->reply, "ERR timeout is not an integer or out of range");
        return;
    }
    if (ms < 0) {
        reply_error(c->reply, "ERR timeout is negative");
        return;
    }
    enum pause_type type = PAUSE_ALL;
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "write")) {
            type = PAUSE_WRITE;
        } else if (!arg_is(&c->argv[3], "all")) {
            reply_error(c->reply, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    } else if (c->argc > 4) {
        reply_error(c->reply, "ERR unknown subcommand or wrong number of arguments for 'PAUSE'. "
                              "Try CLIENT HELP.");
        return;
    }
    uint64_t now = clock_mono_ms();
    uint64_t end = (uint64_t)ms > UINT64_MAX - now ? UINT64_MAX : now + (uint64_t)ms;
    pause_clients(session_of(c)->server, type, end);
    reply_ok(c->reply);
}

static void client_unpause(struct cmd_ctx *c)
{
    unpause_clients(session_of(c)->server);
    reply_ok(c->reply);
}

static const struct command client_subcommands[] = {
    COMMAND("client|id", client_id),
    COMMAND("client|info", client_info),
    COMMAND("client|list", client_list),
    COMMAND("client|kill", client_kill),
    COMMAND("client|setname", client_setname),
    COMMAND("client|getname", client_getname),
    COMMAND_NO_META("client|setinfo", client_setinfo, 4, CONN_FLAGS, 0, 0, 0, "connection",
                    "Set client or connection specific info", "7.2.0"),
    COMMAND("client|no-evict", client_no_evict),
    COMMAND("client|reply", client_reply),
    COMMAND("client|pause", client_pause),
    COMMAND("client|unpause", client_unpause),
    COMMAND("client|unblock", client_unblock),
    COMMAND_NO_META(
        "client|no-touch", client_no_touch, 3, CONN_FLAGS, 0, 0, 0, "connection",
        "Controls whether commands sent by the client will alter the LRU/LFU of the keys they "
        "access.",
        "7.2.0"),
    COMMAND("client|tracking", client_tracking),
    COMMAND("client|caching", client_caching),
    COMMAND("client|getredir", client_getredir),
    COMMAND("client|trackinginfo", client_trackinginfo),
    COMMAND("client|help", client_help),
    COMMAND_END,
};

static const struct command client_commands[] = {
    COMMAND_WITH_SUBCOMMANDS("client", command_run_subcommand, client_subcommands),
};

int cmd_client_register(void)
{
    return command_table_register(client_commands, 1);
}
