/*
 * INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT. Integers are stored as the number
 * itself (ENCODING_INT), so the common INCR is a lookup, an overflow check
 * and a store, with no allocation; the key keeps its TTL.
 */
#include "store/cmd_util.h"
#include "store/commands.h"

#include "proto/reply.h"

#include <math.h>

/* The entry's string as an integer, with Redis's rules (INT or a canonical
 * decimal string). */
static bool entry_as_ll(const struct entry *e, long long *out)
{
    union value_payload val = entry_payload(e);
    if (entry_encoding(e) == ENCODING_INT) {
        *out = val.num;
        return true;
    }
    return strconv_parse_ll(val.str->data, val.str->len, out);
}

static enum cmd_result do_incr(struct shard *s, const struct key *k, long long incr, int64_t now_ms,
                               long long *result) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    long long value = 0;
    if (e && entry_type(e) != VALUE_STRING)
        return CMD_ERR_WRONGTYPE;
    if (e && !entry_as_ll(e, &value))
        return CMD_ERR_NOT_INT;
    if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
        (incr > 0 && value > 0 && incr > INT64_MAX - value))
        return CMD_ERR_OVERFLOW;
    struct value v;
    value_string_int(value + incr, &v);
    if (e)
        do_replace_value(s, e, &v, now_ms);
    else if (!do_insert(s, k, &v, ENTRY_NO_TTL, now_ms))
        return CMD_ERR_OOM;
    do_key_event(s, k, NOTIFY_STRING, "incrby");
    *result = value + incr;
    return CMD_OK;
}

static void incr_generic(struct cmd_ctx *c, long long incr)
{
    struct key k;
    cmd_key(c, 1, &k);
    long long value = 0;
    enum cmd_result result = CMD_ERR_OOM; /* set under the lock */
    SHARD_GUARD (k.shard)
        result = do_incr(k.shard, &k, incr, c->now_ms, &value);
    if (!reply_result_error(c, result))
        reply_int(c->reply, value);
}

void incr_command(struct cmd_ctx *c)
{
    incr_generic(c, 1);
}

void decr_command(struct cmd_ctx *c)
{
    incr_generic(c, -1);
}

void incrby_command(struct cmd_ctx *c)
{
    long long incr;
    if (arg_ll(c, 2, &incr))
        incr_generic(c, incr);
}

void decrby_command(struct cmd_ctx *c)
{
    long long decr;
    if (!arg_ll(c, 2, &decr))
        return;
    if (decr == INT64_MIN) {
        reply_error(c->reply, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -decr);
}

/* Big enough for any finite long double printed with %.17Lf. */
#define FLOAT_BUF (NUMBER_LD_MAX_CHARS + 64)

static bool entry_as_ld(const struct entry *e, long double *out)
{
    union value_payload val = entry_payload(e);
    if (entry_encoding(e) == ENCODING_INT) {
        *out = (long double)val.num;
        return true;
    }
    return number_parse_ld(val.str->data, val.str->len, out);
}

/*
 * The key is checked first (WRONGTYPE wins over a bad increment, as in
 * Redis); the result is stored as the string INCRBYFLOAT replies.
 */
static enum cmd_result do_incrbyfloat(struct shard *s, const struct key *k, bool incr_ok,
                                      long double incr, int64_t now_ms, char *buf, int *len)
    REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    long double value = 0;
    if (e && entry_type(e) != VALUE_STRING)
        return CMD_ERR_WRONGTYPE;
    if ((e && !entry_as_ld(e, &value)) || !incr_ok)
        return CMD_ERR_NOT_FLOAT;
    value += incr;
    if (isnan(value) || isinf(value))
        return CMD_ERR_NAN;
    *len = reply_format_long_double(buf, FLOAT_BUF, value);
    struct value v;
    if (value_string_copy(buf, (size_t)*len, &v) != 0)
        return CMD_ERR_OOM;
    if (e) {
        do_replace_value(s, e, &v, now_ms);
    } else if (!do_insert(s, k, &v, ENTRY_NO_TTL, now_ms)) {
        value_release(v.type, v.encoding, v.p);
        return CMD_ERR_OOM;
    }
    do_key_event(s, k, NOTIFY_STRING, "incrbyfloat");
    return CMD_OK;
}

/* Logged as the value it produced (SET ... KEEPTTL), as Redis does: float
 * arithmetic on another machine need not give the same digits. */
void incrbyfloat_command(struct cmd_ctx *c)
{
    long double incr = 0;
    bool incr_ok = number_parse_ld(c->argv[2].ptr, c->argv[2].len, &incr);
    struct key k;
    cmd_key(c, 1, &k);
    char buf[FLOAT_BUF];
    int len = 0;
    enum cmd_result result = CMD_ERR_OOM; /* set under the lock */
    SHARD_GUARD (k.shard)
        result = do_incrbyfloat(k.shard, &k, incr_ok, incr, c->now_ms, buf, &len);
    if (reply_result_error(c, result))
        return;
    struct resp_arg value = {buf, (size_t)len, NULL};
    struct resp_arg av[] = {ARG_LITERAL("SET"), c->argv[1], value, ARG_LITERAL("KEEPTTL")};
    cmd_rewrite(c, 4, av);
    reply_bulk(c->reply, buf, (size_t)len);
}
