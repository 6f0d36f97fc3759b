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
    if (!number_parse_ll(c->argv[i].ptr, c->argv[i].len, &v))
        return EXPIRE_NOT_INT;
    bool seconds = unit & (OPT_EX | OPT_EXAT);
    if (v <= 0 || (seconds && v > INT64_MAX / 1000))
        return EXPIRE_INVALID;
    if (seconds)
        v *= 1000;
    if (unit & (OPT_EX | OPT_PX)) {
        if (v > INT64_MAX - c->now_ms)
            return EXPIRE_INVALID;
        v += c->now_ms;
    }
    *when = v;
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

enum set_outcome { SET_DONE, SET_ABORTED, SET_WRONGTYPE, SET_OOM };

/*
 * The core of SET, SETNX, SETEX, PSETEX and GETSET under the key's lock:
 * optional GET of the old value, NX/XX, then replace or insert, with the
 * TTL removed, kept (KEEPTTL) or set to `when`.
 */
static enum set_outcome do_set(struct shard *s, const struct key *k, unsigned flags,
                               const struct value *v, int64_t when, int64_t now_ms,
                               struct string_snapshot *old) REQUIRES(&s->lock)
{
    struct table_pos pos;
    struct entry *e;
    if (flags & OPT_GET) {
        e = do_lookup(s, k, now_ms, LOOKUP_READ, &pos);
        if (e && entry_type(e) != VALUE_STRING)
            return SET_WRONGTYPE;
        if (e)
            do_string_snapshot(s, e, old);
    } else {
        e = do_lookup(s, k, now_ms, LOOKUP_WRITE, &pos);
    }
    if (((flags & OPT_NX) && e) || ((flags & OPT_XX) && !e))
        return SET_ABORTED;
    if (!e)
        return do_insert(s, k, v, when, now_ms) ? SET_DONE : SET_OOM;
    if (when != ENTRY_NO_TTL || !(flags & OPT_KEEPTTL)) {
        /* First, so that running out of memory changes nothing. */
        e = do_set_expire(s, pos, e, when);
        if (!e)
            return SET_OOM;
    }
    do_replace_value(s, e, v, now_ms);
    return SET_DONE;
}

static void set_generic(struct cmd_ctx *c, unsigned flags, int val_i, int64_t when,
                        enum set_reply replies)
{
    struct value v;
    const struct resp_arg *val = &c->argv[val_i];
    if (val->len > STRING_MAX_LEN || value_string_from_arg(val->ptr, val->len, val->owner, &v)) {
        reply_error(c->reply, ERR_OOM);
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    struct string_snapshot old = {0};
    enum set_outcome outcome = SET_OOM; /* set under the lock */
    SHARD_GUARD (k.shard) {
        outcome = do_set(k.shard, &k, flags, &v, when, c->now_ms, &old);
    }
    if (outcome != SET_DONE)
        value_release(v.type, v.encoding, v.p);
    if (outcome == SET_WRONGTYPE) {
        reply_error(c->reply, ERR_WRONGTYPE);
    } else if (outcome == SET_OOM) {
        snapshot_release(&old);
        reply_error(c->reply, ERR_OOM);
    } else if (flags & OPT_GET) {
        reply_snapshot(c->reply, &old);
    } else if (replies == SET_REPLY_ONE_ZERO) {
        reply_int(c->reply, outcome == SET_DONE);
    } else if (outcome == SET_DONE) {
        reply_ok(c->reply);
    } else {
        reply_null(c->reply);
    }
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

void getdel_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    struct string_snapshot snap = {0};
    struct entry *gone = NULL;
    bool wrongtype = false;
    SHARD_GUARD (k.shard) {
        struct table_pos pos;
        struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &pos);
        if (e && entry_type(e) != VALUE_STRING) {
            wrongtype = true;
        } else if (e) {
            do_string_snapshot(k.shard, e, &snap);
            gone = do_detach(k.shard, pos);
        }
    }
    entry_retire(gone);
    if (wrongtype)
        reply_error(c->reply, ERR_WRONGTYPE);
    else
        reply_snapshot(c->reply, &snap);
}

/*
 * GETEX checks in Redis's order: options, then the key (missing: nil; another
 * type: WRONGTYPE), and only then the time argument.
 */
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
    bool wrongtype = false, oom = false, time_error = false;
    SHARD_GUARD (k.shard) {
        struct table_pos pos;
        struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &pos);
        if (!e)
            break;
        if (entry_type(e) != VALUE_STRING) {
            wrongtype = true;
            break;
        }
        if (bad_time != EXPIRE_OK) {
            time_error = true;
            break;
        }
        do_string_snapshot(k.shard, e, &snap);
        /* An absolute time already past deletes the key (relative ones are
         * always in the future: they were checked positive). */
        if ((flags & (OPT_EXAT | OPT_PXAT)) && when <= c->now_ms)
            gone = do_detach(k.shard, pos);
        else if (expire_arg)
            oom = !do_set_expire(k.shard, pos, e, when);
        else if (flags & OPT_PERSIST)
            do_set_expire(k.shard, pos, e, ENTRY_NO_TTL);
    }
    entry_retire(gone);
    if (wrongtype) {
        reply_error(c->reply, ERR_WRONGTYPE);
    } else if (oom) {
        snapshot_release(&snap);
        reply_error(c->reply, ERR_OOM);
    } else if (time_error) {
        reply_expire_error(c, bad_time, "getex");
    } else {
        reply_snapshot(c->reply, &snap);
    }
}
