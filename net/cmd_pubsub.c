/*
 * SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE,
 * PUBLISH, SPUBLISH and PUBSUB: the commands on the pub/sub registry
 * (store/pubsub.h). Messages reach other clients through their inboxes
 * (net/inbox.h); (un)subscription confirmations are pushes (RESP3) or
 * arrays (RESP2), one per channel, as Redis sends them.
 */
#include "net/commands.h"
#include "net/server.h"
#include "net/session.h"

#include "core/alloc.h"

#include <string.h>

static const char *const confirmations[3][2] = {
    [PUBSUB_CHANNEL] = {"subscribe", "unsubscribe"},
    [PUBSUB_PATTERN] = {"psubscribe", "punsubscribe"},
    [PUBSUB_SHARD] = {"ssubscribe", "sunsubscribe"},
};

/* The count a confirmation carries: channels and patterns together, or the
 * shard channels alone. */
static long subscriptions(const struct session *s, enum pubsub_kind kind)
{
    if (kind == PUBSUB_SHARD)
        return pubsub_count(&s->sub, PUBSUB_SHARD);
    return (long)pubsub_count(&s->sub, PUBSUB_CHANNEL) + pubsub_count(&s->sub, PUBSUB_PATTERN);
}

static void confirm(struct cmd_ctx *c, enum pubsub_kind kind, bool subscribe, const char *name,
                    size_t len)
{
    reply_push(c->reply, 3);
    reply_bulk_cstr(c->reply, confirmations[kind][subscribe ? 0 : 1]);
    if (name)
        reply_bulk(c->reply, name, len);
    else
        reply_null(c->reply);
    reply_int(c->reply, subscriptions(session_of(c), kind));
}

static void subscribe_generic(struct cmd_ctx *c, enum pubsub_kind kind)
{
    static const char *const names[3] = {[PUBSUB_CHANNEL] = "SUBSCRIBE",
                                         [PUBSUB_PATTERN] = "PSUBSCRIBE",
                                         [PUBSUB_SHARD] = "SSUBSCRIBE"};
    struct session *s = session_of(c);
    /* A client that cannot wait expects one reply per command (inside EXEC,
     * a socketless session); Redis still lets EXEC subscribe to channels
     * and patterns, for compatibility. */
    if ((c->mode & CMD_MODE_NO_BLOCK) && (kind == PUBSUB_SHARD || !s->multi.active)) {
        reply_errorf(c->reply, "ERR %s isn't allowed for a DENY BLOCKING client", names[kind]);
        return;
    }
    for (int i = 1; i < c->argc; i++) {
        if (pubsub_subscribe(s->server->pubsub, &s->sub, kind, c->argv[i].ptr, c->argv[i].len) <
            0) {
            reply_error(c->reply, "OOM out of memory, command not executed");
            return;
        }
        confirm(c, kind, true, c->argv[i].ptr, c->argv[i].len);
    }
}

/* One name a session listens on: copied, since unsubscribing changes the
 * set being walked. */
struct name_copy {
    char *ptr;
    size_t len;
};

struct name_copies {
    struct name_copy *names;
    size_t n, cap;
};

static void copy_name(void *ctx, const char *name, size_t len)
{
    struct name_copies *all = ctx;
    if (all->n == all->cap)
        return;
    char *copy = mem_alloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, name, len);
    all->names[all->n++] = (struct name_copy){copy, len};
}

static void unsubscribe_generic(struct cmd_ctx *c, enum pubsub_kind kind)
{
    struct session *s = session_of(c);
    struct pubsub *ps = s->server->pubsub;
    if (c->argc > 1) {
        for (int i = 1; i < c->argc; i++) {
            pubsub_unsubscribe(ps, &s->sub, kind, c->argv[i].ptr, c->argv[i].len);
            confirm(c, kind, false, c->argv[i].ptr, c->argv[i].len);
        }
        return;
    }
    uint32_t n = pubsub_count(&s->sub, kind);
    if (n == 0) {
        confirm(c, kind, false, NULL, 0);
        return;
    }
    struct name_copies all = {mem_alloc(n * sizeof(struct name_copy)), 0, n};
    if (all.names)
        pubsub_each_name(&s->sub, kind, copy_name, &all);
    for (size_t i = 0; i < all.n; i++) {
        pubsub_unsubscribe(ps, &s->sub, kind, all.names[i].ptr, all.names[i].len);
        confirm(c, kind, false, all.names[i].ptr, all.names[i].len);
        mem_free(all.names[i].ptr);
    }
    mem_free(all.names);
    if (all.n < n) { /* out of memory for the copies: still leave them all */
        pubsub_unsubscribe_all(ps, &s->sub, kind);
        reply_error(c->reply, "OOM out of memory, command not executed");
    }
}

static void subscribe_command(struct cmd_ctx *c)
{
    subscribe_generic(c, PUBSUB_CHANNEL);
}

static void psubscribe_command(struct cmd_ctx *c)
{
    subscribe_generic(c, PUBSUB_PATTERN);
}

static void ssubscribe_command(struct cmd_ctx *c)
{
    subscribe_generic(c, PUBSUB_SHARD);
}

static void unsubscribe_command(struct cmd_ctx *c)
{
    unsubscribe_generic(c, PUBSUB_CHANNEL);
}

static void punsubscribe_command(struct cmd_ctx *c)
{
    unsubscribe_generic(c, PUBSUB_PATTERN);
}

static void sunsubscribe_command(struct cmd_ctx *c)
{
    unsubscribe_generic(c, PUBSUB_SHARD);
}

static void publish_generic(struct cmd_ctx *c, enum pubsub_kind kind)
{
    long receivers = pubsub_publish(session_of(c)->server->pubsub, kind, c->argv[1].ptr,
                                    c->argv[1].len, c->argv[2].ptr, c->argv[2].len);
    if (receivers < 0)
        reply_error(c->reply, "OOM out of memory, command not executed");
    else
        reply_int(c->reply, receivers);
}

static void publish_command(struct cmd_ctx *c)
{
    publish_generic(c, PUBSUB_CHANNEL);
}

static void spublish_command(struct cmd_ctx *c)
{
    publish_generic(c, PUBSUB_SHARD);
}

struct channel_list {
    struct reply *r;
    size_t n;
};

static void list_channel(void *ctx, const char *name, size_t len)
{
    struct channel_list *l = ctx;
    reply_bulk(l->r, name, len);
    l->n++;
}

static void channels_generic(struct cmd_ctx *c, enum pubsub_kind kind)
{
    /* At most one pattern; Redis names the subcommand as it was typed. */
    if (c->argc > 3) {
        reply_errorf(c->reply,
                     "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try PUBSUB "
                     "HELP.",
                     (int)c->argv[1].len, c->argv[1].ptr);
        return;
    }
    struct channel_list l = {c->reply, 0};
    struct reply_deferred d = reply_defer(c->reply);
    const char *pattern = c->argc > 2 ? c->argv[2].ptr : NULL;
    size_t pattern_len = c->argc > 2 ? c->argv[2].len : 0;
    pubsub_channels(session_of(c)->server->pubsub, kind, pattern, pattern_len, list_channel, &l);
    reply_array_fill(c->reply, d, l.n);
}

static void numsub_generic(struct cmd_ctx *c, enum pubsub_kind kind)
{
    struct pubsub *ps = session_of(c)->server->pubsub;
    reply_array(c->reply, (size_t)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        reply_bulk(c->reply, c->argv[i].ptr, c->argv[i].len);
        reply_int(c->reply, pubsub_numsub(ps, kind, c->argv[i].ptr, c->argv[i].len));
    }
}

static void pubsub_channels_command(struct cmd_ctx *c)
{
    channels_generic(c, PUBSUB_CHANNEL);
}

static void pubsub_shardchannels_command(struct cmd_ctx *c)
{
    channels_generic(c, PUBSUB_SHARD);
}

static void pubsub_numsub_command(struct cmd_ctx *c)
{
    numsub_generic(c, PUBSUB_CHANNEL);
}

static void pubsub_shardnumsub_command(struct cmd_ctx *c)
{
    numsub_generic(c, PUBSUB_SHARD);
}

static void pubsub_numpat_command(struct cmd_ctx *c)
{
    reply_int(c->reply, pubsub_numpat(session_of(c)->server->pubsub));
}

static void pubsub_help_command(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        // clang-format off
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        // clang-format on
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

static const struct command pubsub_subcommands[] = {
    COMMAND("pubsub|channels", pubsub_channels_command),
    COMMAND("pubsub|numpat", pubsub_numpat_command),
    COMMAND("pubsub|numsub", pubsub_numsub_command),
    COMMAND("pubsub|shardchannels", pubsub_shardchannels_command),
    COMMAND("pubsub|shardnumsub", pubsub_shardnumsub_command),
    COMMAND("pubsub|help", pubsub_help_command),
    COMMAND_END,
};

static const struct command pubsub_commands[] = {
    COMMAND("subscribe", subscribe_command),
    COMMAND("unsubscribe", unsubscribe_command),
    COMMAND("psubscribe", psubscribe_command),
    COMMAND("punsubscribe", punsubscribe_command),
    COMMAND("ssubscribe", ssubscribe_command),
    COMMAND("sunsubscribe", sunsubscribe_command),
    COMMAND("publish", publish_command),
    COMMAND("spublish", spublish_command),
    COMMAND_WITH_SUBCOMMANDS("pubsub", command_run_subcommand, pubsub_subcommands),
};

int cmd_pubsub_register(void)
{
    return command_table_register(pubsub_commands, (int)ARRAY_SIZE(pubsub_commands));
}
