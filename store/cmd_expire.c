/*
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX / XX / GT / LT), TTL, PTTL,
 * EXPIRETIME, PEXPIRETIME, PERSIST. Expiry times are absolute Unix
 * milliseconds; "now" is the command's c->now_ms, so a command sees one
 * consistent instant. A time at or before now deletes the key at once.
 */
#include "store/cmd_util.h"
#include "store/commands.h"

enum {
    EXPIRE_NX = 1u << 0,
    EXPIRE_XX = 1u << 1,
    EXPIRE_GT = 1u << 2,
    EXPIRE_LT = 1u << 3,
};

static bool parse_expire_flags(struct cmd_ctx *c, unsigned *flags)
{
    *flags = 0;
    for (int j = 3; j < c->argc; j++) {
        const struct resp_arg *opt = &c->argv[j];
        if (arg_is(opt, "NX")) {
            *flags |= EXPIRE_NX;
        } else if (arg_is(opt, "XX")) {
            *flags |= EXPIRE_XX;
        } else if (arg_is(opt, "GT")) {
            *flags |= EXPIRE_GT;
        } else if (arg_is(opt, "LT")) {
            *flags |= EXPIRE_LT;
        } else {
            /* Redis prints the option as a C string: up to a NUL byte. */
            reply_errorf(c->reply, "ERR Unsupported option %.*s", (int)strnlen(opt->ptr, opt->len),
                         opt->ptr);
            return false;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        reply_error(c->reply,
                    "ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        reply_error(c->reply, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

/* Whether the NX / XX / GT / LT condition lets `when` replace `current`
 * (ENTRY_NO_TTL: no expiry, which GT treats as infinite). */
static bool expire_condition_holds(unsigned flags, int64_t current, int64_t when)
{
    if ((flags & EXPIRE_NX) && current != ENTRY_NO_TTL)
        return false;
    if ((flags & EXPIRE_XX) && current == ENTRY_NO_TTL)
        return false;
    if ((flags & EXPIRE_GT) && (current == ENTRY_NO_TTL || when <= current))
        return false;
    if ((flags & EXPIRE_LT) && current != ENTRY_NO_TTL && when >= current)
        return false;
    return true;
}

/* EXPIRE's change under the lock: *gone when a time already past deleted
 * the key, *changed when anything changed. */
static enum cmd_result do_expire(struct shard *s, const struct key *k, unsigned flags, int64_t when,
                                 int64_t now_ms, struct entry **gone, bool *changed)
    REQUIRES(&s->lock)
{
    struct table_pos pos;
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, &pos);
    if (!e || !expire_condition_holds(flags, entry_expire_at(e), when))
        return CMD_OK;
    if (when <= now_ms) {
        *gone = do_detach(s, pos);
        do_key_event(s, k, NOTIFY_GENERIC, "del");
    } else {
        if (!do_set_expire(s, pos, e, when))
            return CMD_ERR_OOM;
        do_key_event(s, k, NOTIFY_GENERIC, "expire");
    }
    *changed = true;
    return CMD_OK;
}

/* Logged as an absolute time (PEXPIREAT), or as the DEL it amounted to. */
static void rewrite_expire(struct cmd_ctx *c, int64_t when, bool deleted)
{
    char ms[STRCONV_LL_BUF];
    struct resp_arg av[] = {ARG_LITERAL("PEXPIREAT"), c->argv[1], arg_number(ms, when)};
    struct resp_arg del[] = {ARG_LITERAL("DEL"), c->argv[1]};
    if (deleted)
        cmd_rewrite(c, 2, del);
    else
        cmd_rewrite(c, 3, av);
}

static void expire_generic(struct cmd_ctx *c, int64_t base, bool seconds, const char *name)
{
    unsigned flags;
    if (!parse_expire_flags(c, &flags))
        return;
    long long arg;
    if (!arg_ll(c, 2, &arg))
        return;
    /* Negative times are allowed (they delete), overflow is not. */
    int64_t when;
    if (!expire_time_ms(arg, seconds, base, &when)) {
        reply_invalid_expire(c, name);
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM; /* set under the lock */
    struct entry *gone = NULL;
    bool changed = false;
    SHARD_GUARD (k.shard)
        result = do_expire(k.shard, &k, flags, when, c->now_ms, &gone, &changed);
    entry_retire(gone);
    if (changed)
        rewrite_expire(c, when, gone != NULL);
    if (!reply_result_error(c, result))
        reply_int(c->reply, changed);
}

void expire_command(struct cmd_ctx *c)
{
    expire_generic(c, c->now_ms, true, "expire");
}

void pexpire_command(struct cmd_ctx *c)
{
    expire_generic(c, c->now_ms, false, "pexpire");
}

void expireat_command(struct cmd_ctx *c)
{
    expire_generic(c, 0, true, "expireat");
}

void pexpireat_command(struct cmd_ctx *c)
{
    expire_generic(c, 0, false, "pexpireat");
}

/* TTL and friends: -2 missing, -1 no expiry, else the time (never negative). */
static void ttl_generic(struct cmd_ctx *c, bool ms, bool absolute)
{
    struct key k;
    cmd_key(c, 1, &k);
    int64_t when = ENTRY_NO_TTL;
    struct entry_view v;
    enum peek_result peek = peek_fields(&k, c->now_ms, LOOKUP_READ | LOOKUP_NOTOUCH, &v);
    bool found = peek == PEEK_HIT;
    if (found)
        when = v.expire_at;
    if (peek == PEEK_LOCK) {
        SHARD_GUARD (k.shard) {
            struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_READ | LOOKUP_NOTOUCH, NULL);
            if (e) {
                found = true;
                when = entry_expire_at(e);
            }
        }
    }
    if (!found) {
        reply_int(c->reply, -2);
        return;
    }
    if (when == ENTRY_NO_TTL) {
        reply_int(c->reply, -1);
        return;
    }
    long long t = absolute ? when : when - c->now_ms;
    if (t < 0)
        t = 0;
    /* Rounded to seconds in unsigned arithmetic: t + 500 may pass INT64_MAX
     * (PEXPIREAT k 9223372036854775807), where Redis answers 9223372036854776. */
    reply_int(c->reply, ms ? t : (long long)(((unsigned long long)t + 500) / 1000));
}

void ttl_command(struct cmd_ctx *c)
{
    ttl_generic(c, false, false);
}

void pttl_command(struct cmd_ctx *c)
{
    ttl_generic(c, true, false);
}

void expiretime_command(struct cmd_ctx *c)
{
    ttl_generic(c, false, true);
}

void pexpiretime_command(struct cmd_ctx *c)
{
    ttl_generic(c, true, true);
}

void persist_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    bool removed = false;
    SHARD_GUARD (k.shard) {
        struct table_pos pos;
        struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_WRITE, &pos);
        if (e && entry_expire_at(e) != ENTRY_NO_TTL) {
            do_set_expire(k.shard, pos, e, ENTRY_NO_TTL);
            do_key_event(k.shard, &k, NOTIFY_GENERIC, "persist");
            removed = true;
        }
    }
    reply_int(c->reply, removed);
}
