/*
 * GET, SET (with its options), SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX.
 *
 * Every command builds its new value before taking the shard lock (the
 * allocation stays out of the critical section), reads the old value as a
 * snapshot (a reference) under the lock, and writes the reply after the lock
 * is released.
 */
#include "store/cmd_util.h"
#include "store/commands.h"

/* Options of SET and GETEX (Redis's parseExtendedStringArgumentsOrReply). */
enum {
    OPT_NX = 1u << 0,
    OPT_XX = 1u << 1,
    OPT_GET = 1u << 2,
    OPT_KEEPTTL = 1u << 3,
    OPT_PERSIST = 1u << 4,
    OPT_EX = 1u << 5,
    OPT_PX = 1u << 6,
    OPT_EXAT = 1u << 7,
    OPT_PXAT = 1u << 8,
};
#define OPT_ANY_EXPIRE (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

/* OPT_EX / OPT_PX / OPT_EXAT / OPT_PXAT for a time option's name, else 0. */
static unsigned expire_option(const struct resp_arg *opt)
{
    if (arg_is(opt, "EX"))
        return OPT_EX;
    if (arg_is(opt, "PX"))
        return OPT_PX;
    if (arg_is(opt, "EXAT"))
        return OPT_EXAT;
    if (arg_is(opt, "PXAT"))
        return OPT_PXAT;
    return 0;
}

/*
 * Parses options from argv[first]; `for_set` selects SET's options, otherwise
 * GETEX's. *expire_arg gets the index of the time argument (0: none). The
 * exclusions are Redis's: conflicting options are a syntax error, a repeated
 * one is not ("EX 1 EX 2" keeps the last).
 */
static bool parse_string_options(struct cmd_ctx *c, int first, bool for_set, unsigned *flags,
                                 int *expire_arg)
{
    *flags = 0;
    *expire_arg = 0;
    for (int j = first; j < c->argc; j++) {
        const struct resp_arg *opt = &c->argv[j];
        bool has_next = j + 1 < c->argc;
        unsigned f = *flags;
        unsigned unit = expire_option(opt);
        if (arg_is(opt, "NX") && for_set && !(f & OPT_XX)) {
            *flags |= OPT_NX;
        } else if (arg_is(opt, "XX") && for_set && !(f & OPT_NX)) {
            *flags |= OPT_XX;
        } else if (arg_is(opt, "GET") && for_set) {
            *flags |= OPT_GET;
        } else if (arg_is(opt, "KEEPTTL") && for_set && !(f & (OPT_PERSIST | OPT_ANY_EXPIRE))) {
            *flags |= OPT_KEEPTTL;
        } else if (arg_is(opt, "PERSIST") && !for_set && !(f & (OPT_ANY_EXPIRE | OPT_KEEPTTL))) {
            *flags |= OPT_PERSIST;
        } else if (unit) {
            if ((f & (OPT_KEEPTTL | OPT_PERSIST | (OPT_ANY_EXPIRE & ~unit))) || !has_next) {
                reply_error(c->reply, ERR_SYNTAX);
                return false;
            }
            *flags |= unit;
            *expire_arg = ++j;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

enum expire_parse { EXPIRE_OK, EXPIRE_NOT_INT, EXPIRE_INVALID };

/*
 * The absolute expiry in ms from argv[i] (Redis's getExpireMillisecondsOrReply
 * without the reply): it must be positive, and stay positive after unit
 * conversion and adding now.
 */
static enum expire_parse expire_from_arg(struct cmd_ctx *c, int i, unsigned unit, int64_t *when)
{
    long long v;
    if (!strconv_parse_ll(c->argv[i].ptr, c->argv[i].len, &v))
        return EXPIRE_NOT_INT;
    int64_t base = unit & (OPT_EX | OPT_PX) ? c->now_ms : 0;
    if (v <= 0 || !expire_time_ms(v, unit & (OPT_EX | OPT_EXAT), base, when))
        return EXPIRE_INVALID;
    return EXPIRE_OK;
}

static void reply_expire_error(struct cmd_ctx *c, enum expire_parse err, const char *name)
{
    if (err == EXPIRE_NOT_INT)
        reply_error(c->reply, ERR_NOT_INT);
    else
        reply_invalid_expire(c, name);
}

/* expire_from_arg, replying the error: false after an error. */
static bool parse_expire(struct cmd_ctx *c, int i, unsigned unit, const char *name, int64_t *when)
{
    enum expire_parse err = expire_from_arg(c, i, unit, when);
    if (err != EXPIRE_OK)
        reply_expire_error(c, err, name);
    return err == EXPIRE_OK;
}

/* What SET-like commands answer when they set (ok) or skip (abort). */
enum set_reply { SET_REPLY_OK_NULL, SET_REPLY_ONE_ZERO };

/*
 * The core of SET, SETNX, SETEX, PSETEX and GETSET under the key's lock:
 * optional GET of the old value, NX/XX (*done false: skipped), then replace
 * or insert, with the TTL removed, kept (KEEPTTL) or set to `when`.
 */
static enum cmd_result do_set(struct shard *s, const struct key *k, unsigned flags,
                              const struct value *v, int64_t when, int64_t now_ms,
                              struct string_snapshot *old, bool *done) REQUIRES(&s->lock)
{
    struct table_pos pos;
    struct entry *e;
    *done = false;
    if (flags & OPT_GET) {
        e = do_lookup(s, k, now_ms, LOOKUP_READ, &pos);
        if (e && entry_type(e) != VALUE_STRING)
            return CMD_ERR_WRONGTYPE;
        if (e)
            do_string_snapshot(s, e, old);
    } else {
        e = do_lookup(s, k, now_ms, LOOKUP_WRITE, &pos);
    }
    if (((flags & OPT_NX) && e) || ((flags & OPT_XX) && !e))
        return CMD_OK;
    if (!e) {
        if (!do_insert(s, k, v, when, now_ms))
            return CMD_ERR_OOM;
    } else {
        /* The expiry first, so that running out of memory changes nothing. */
        if (when != ENTRY_NO_TTL || !(flags & OPT_KEEPTTL)) {
            e = do_set_expire(s, pos, e, when);
            if (!e)
                return CMD_ERR_OOM;
        }
        do_replace_value(s, e, v, now_ms);
    }
    do_key_event(s, k, NOTIFY_STRING, "set");
    if (when != ENTRY_NO_TTL)
        do_key_event(s, k, NOTIFY_GENERIC, "expire");
    *done = true;
    return CMD_OK;
}

/* A TTL is logged as its absolute time (SET ... PXAT), as Redis 7 does, so
 * that replaying the log later does not extend it. */
static void rewrite_set(struct cmd_ctx *c, int val_i, int64_t when)
{
    char ms[STRCONV_LL_BUF];
    struct resp_arg av[] = {ARG_LITERAL("SET"), c->argv[1], c->argv[val_i], ARG_LITERAL("PXAT"),
                            arg_number(ms, when)};
    cmd_rewrite(c, 5, av);
}

static void set_generic(struct cmd_ctx *c, unsigned flags, int val_i, int64_t when,
                        enum set_reply replies)
{
    struct value v;
    const struct resp_arg *val = &c->argv[val_i];
    if (val->len > BYTES_MAX_LEN || value_string_from_arg(val->ptr, val->len, val->owner, &v)) {
        reply_error(c->reply, ERR_OOM);
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    struct string_snapshot old = {0};
    enum cmd_result result = CMD_ERR_OOM; /* set under the lock */
    bool done = false;
    SHARD_GUARD (k.shard)
        result = do_set(k.shard, &k, flags, &v, when, c->now_ms, &old, &done);
    if (!done)
        value_release(v.type, v.encoding, v.p);
    else if (when != ENTRY_NO_TTL)
        rewrite_set(c, val_i, when);
    if (result == CMD_ERR_OOM)
        snapshot_release(&old);
    if (reply_result_error(c, result))
        return;
    if (flags & OPT_GET)
        reply_snapshot(c->reply, &old);
    else if (replies == SET_REPLY_ONE_ZERO)
        reply_int(c->reply, done);
    else if (done)
        reply_ok(c->reply);
    else
        reply_null(c->reply);
}

/* Without the lock when it can (cmd_util.h), else as every other command. */
void get_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    struct string_snapshot snap = {0};
    if (!read_string(&k, c->now_ms, &snap))
        reply_error(c->reply, ERR_WRONGTYPE);
    else
        reply_snapshot(c->reply, &snap);
}

void set_command(struct cmd_ctx *c)
{
    unsigned flags;
    int expire_arg;
    int64_t when = ENTRY_NO_TTL;
    if (!parse_string_options(c, 3, true, &flags, &expire_arg))
        return;
    if (expire_arg && !parse_expire(c, expire_arg, flags & OPT_ANY_EXPIRE, "set", &when))
        return;
    set_generic(c, flags, 2, when, SET_REPLY_OK_NULL);
}

void setnx_command(struct cmd_ctx *c)
{
    set_generic(c, OPT_NX, 2, ENTRY_NO_TTL, SET_REPLY_ONE_ZERO);
}

static void setex_generic(struct cmd_ctx *c, unsigned unit, const char *name)
{
    int64_t when;
    if (parse_expire(c, 2, unit, name, &when))
        set_generic(c, 0, 3, when, SET_REPLY_OK_NULL);
}

void setex_command(struct cmd_ctx *c)
{
    setex_generic(c, OPT_EX, "setex");
}

void psetex_command(struct cmd_ctx *c)
{
    setex_generic(c, OPT_PX, "psetex");
}

void getset_command(struct cmd_ctx *c)
{
    set_generic(c, OPT_GET, 2, ENTRY_NO_TTL, SET_REPLY_OK_NULL);
}

/* Deletes a live key found by do_lookup at pos, announcing it; the entry
 * is the caller's to retire after unlocking. */
static struct entry *do_delete_key(struct shard *s, const struct key *k, struct table_pos pos)
    REQUIRES(&s->lock)
{
    struct entry *gone = do_detach(s, pos);
    do_key_event(s, k, NOTIFY_GENERIC, "del");
    return gone;
}

static enum cmd_result do_getdel(struct shard *s, const struct key *k, int64_t now_ms,
                                 struct string_snapshot *snap, struct entry **gone)
    REQUIRES(&s->lock)
{
    struct table_pos pos;
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_READ, &pos);
    if (e && entry_type(e) != VALUE_STRING)
        return CMD_ERR_WRONGTYPE;
    if (e) {
        do_string_snapshot(s, e, snap);
        *gone = do_delete_key(s, k, pos);
    }
    return CMD_OK;
}

void getdel_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    struct string_snapshot snap = {0};
    struct entry *gone = NULL;
    enum cmd_result result = CMD_OK;
    SHARD_GUARD (k.shard)
        result = do_getdel(k.shard, &k, c->now_ms, &snap, &gone);
    if (gone) {
        entry_retire(gone);
        struct resp_arg av[] = {ARG_LITERAL("DEL"), c->argv[1]};
        cmd_rewrite(c, 2, av);
    }
    if (!reply_result_error(c, result))
        reply_snapshot(c->reply, &snap);
}

/* What GETEX did to the key's expiry, for its log record. */
enum getex_change { GETEX_NOTHING, GETEX_DELETED, GETEX_EXPIRE, GETEX_PERSISTED };

/*
 * GETEX under the lock, checking in Redis's order: the key (missing: nil;
 * another type: WRONGTYPE), and only then the time argument (*time_error:
 * the key is there, so the bad time is the answer).
 */
static enum cmd_result do_getex(struct shard *s, const struct key *k, unsigned flags, bool bad_time,
                                int64_t when, int64_t now_ms, struct string_snapshot *snap,
                                struct entry **gone, enum getex_change *change, bool *time_error)
    REQUIRES(&s->lock)
{
    struct table_pos pos;
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_READ, &pos);
    if (!e)
        return CMD_OK;
    if (entry_type(e) != VALUE_STRING)
        return CMD_ERR_WRONGTYPE;
    if (bad_time) {
        *time_error = true;
        return CMD_OK;
    }
    do_string_snapshot(s, e, snap);
    /* An absolute time already past deletes the key (relative ones are
     * always in the future: they were checked positive). */
    if ((flags & (OPT_EXAT | OPT_PXAT)) && when <= now_ms) {
        *gone = do_delete_key(s, k, pos);
        *change = GETEX_DELETED;
    } else if (when != ENTRY_NO_TTL) {
        if (!do_set_expire(s, pos, e, when))
            return CMD_ERR_OOM;
        do_key_event(s, k, NOTIFY_GENERIC, "expire");
        *change = GETEX_EXPIRE;
    } else if ((flags & OPT_PERSIST) && entry_expire_at(e) != ENTRY_NO_TTL) {
        do_set_expire(s, pos, e, ENTRY_NO_TTL);
        do_key_event(s, k, NOTIFY_GENERIC, "persist");
        *change = GETEX_PERSISTED;
    }
    return CMD_OK;
}

static void rewrite_getex(struct cmd_ctx *c, enum getex_change change, int64_t when)
{
    char ms[STRCONV_LL_BUF];
    struct resp_arg expire[] = {ARG_LITERAL("PEXPIREAT"), c->argv[1], arg_number(ms, when)};
    struct resp_arg del[] = {ARG_LITERAL("DEL"), c->argv[1]};
    struct resp_arg persist[] = {ARG_LITERAL("PERSIST"), c->argv[1]};
    if (change == GETEX_EXPIRE)
        cmd_rewrite(c, 3, expire);
    else if (change == GETEX_DELETED)
        cmd_rewrite(c, 2, del);
    else if (change == GETEX_PERSISTED)
        cmd_rewrite(c, 2, persist);
}

void getex_command(struct cmd_ctx *c)
{
    unsigned flags;
    int expire_arg;
    int64_t when = ENTRY_NO_TTL;
    if (!parse_string_options(c, 2, false, &flags, &expire_arg))
        return;
    enum expire_parse bad_time =
        expire_arg ? expire_from_arg(c, expire_arg, flags & OPT_ANY_EXPIRE, &when) : EXPIRE_OK;
    struct key k;
    cmd_key(c, 1, &k);
    struct string_snapshot snap = {0};
    struct entry *gone = NULL;
    enum getex_change change = GETEX_NOTHING;
    bool time_error = false;
    enum cmd_result result = CMD_ERR_OOM; /* set under the lock */
    SHARD_GUARD (k.shard)
        result = do_getex(k.shard, &k, flags, bad_time != EXPIRE_OK, when, c->now_ms, &snap, &gone,
                          &change, &time_error);
    entry_retire(gone);
    rewrite_getex(c, change, when);
    if (result != CMD_OK)
        snapshot_release(&snap);
    if (reply_result_error(c, result))
        return;
    if (time_error)
        reply_expire_error(c, bad_time, "getex");
    else
        reply_snapshot(c->reply, &snap);
}
