/*
 * HINCRBY and HINCRBYFLOAT. The increment is parsed before the key is looked
 * up (its error wins over WRONGTYPE, as in Redis); the result is stored as
 * its decimal string. HINCRBYFLOAT is logged as the HSET of the value it
 * produced: float arithmetic elsewhere need not give the same digits.
 */
#include "store/cmd_hash.h"
#include "store/commands.h"

#include "proto/reply.h"

#include <math.h>

#define ERR_HASH_NOT_INT   "ERR hash value is not an integer"
#define ERR_HASH_NOT_FLOAT "ERR hash value is not a float"
#define FLOAT_BUF          (NUMBER_LD_MAX_CHARS + 64)

/* What a hash increment found wrong with the stored value. */
enum incr_outcome { INCR_DONE, INCR_BAD_VALUE, INCR_OVERFLOW };

/* Stores `digits` as the field's new value and announces `event`. */
static enum cmd_result do_store_number(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                       struct hash_target *t, const char *digits, size_t len,
                                       const char *event) REQUIRES(&s->lock)
{
    struct hash_limits lim;
    hash_limits_of(c->ks, &lim);
    enum cmd_result result = CMD_OK;
    if (hash_set(&t->v, c->argv[2].ptr, c->argv[2].len, digits, len, &lim) < 0)
        result = CMD_ERR_OOM;
    if (do_hash_commit(s, k, c->now_ms, t, &result) && result == CMD_OK)
        do_key_event(s, k, NOTIFY_HASH, event);
    return result;
}

static enum cmd_result do_hincrby(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                  long long incr, long long *value, enum incr_outcome *outcome)
    REQUIRES(&s->lock)
{
    struct hash_target t;
    enum cmd_result result = do_hash_open(s, k, c->now_ms, &t);
    if (result != CMD_OK)
        return result;
    long long old = 0;
    struct hash_bytes cur;
    *outcome = INCR_DONE;
    if (hash_get(&t.v, c->argv[2].ptr, c->argv[2].len, &cur) &&
        !strconv_parse_ll((const char *)cur.ptr, cur.len, &old))
        *outcome = INCR_BAD_VALUE;
    else if ((incr < 0 && old < 0 && incr < LLONG_MIN - old) ||
             (incr > 0 && old > 0 && incr > LLONG_MAX - old))
        *outcome = INCR_OVERFLOW;
    if (*outcome != INCR_DONE) {
        do_hash_commit(s, k, c->now_ms, &t, &result); /* drops a new empty hash */
        return result;
    }
    *value = old + incr;
    char digits[STRCONV_LL_BUF];
    size_t len = strconv_format_ll(digits, *value);
    return do_store_number(s, k, c, &t, digits, len, "hincrby");
}

void hincrby_command(struct cmd_ctx *c)
{
    long long incr;
    if (!arg_ll(c, 3, &incr))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    long long value = 0;
    enum incr_outcome outcome = INCR_DONE;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_hincrby(k.shard, &k, c, incr, &value, &outcome);
    if (reply_result_error(c, result))
        return;
    if (outcome == INCR_BAD_VALUE)
        reply_error(c->reply, ERR_HASH_NOT_INT);
    else if (outcome == INCR_OVERFLOW)
        reply_error(c->reply, ERR_OVERFLOW);
    else
        reply_int(c->reply, value);
}

static enum cmd_result do_hincrbyfloat(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                       long double incr, char *buf, int *len,
                                       enum incr_outcome *outcome) REQUIRES(&s->lock)
{
    struct hash_target t;
    enum cmd_result result = do_hash_open(s, k, c->now_ms, &t);
    if (result != CMD_OK)
        return result;
    long double value = 0;
    struct hash_bytes cur;
    *outcome = INCR_DONE;
    if (hash_get(&t.v, c->argv[2].ptr, c->argv[2].len, &cur) &&
        !number_parse_ld((const char *)cur.ptr, cur.len, &value))
        *outcome = INCR_BAD_VALUE;
    value += incr;
    if (*outcome == INCR_DONE && (isnan(value) || isinf(value)))
        *outcome = INCR_OVERFLOW;
    if (*outcome != INCR_DONE) {
        do_hash_commit(s, k, c->now_ms, &t, &result);
        return result;
    }
    *len = reply_format_long_double(buf, FLOAT_BUF, value);
    return do_store_number(s, k, c, &t, buf, (size_t)*len, "hincrbyfloat");
}

void hincrbyfloat_command(struct cmd_ctx *c)
{
    long double incr;
    if (!number_parse_ld(c->argv[3].ptr, c->argv[3].len, &incr)) {
        reply_error(c->reply, ERR_NOT_FLOAT);
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        reply_error(c->reply, "ERR value is NaN or Infinity");
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    char buf[FLOAT_BUF];
    int len = 0;
    enum incr_outcome outcome = INCR_DONE;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_hincrbyfloat(k.shard, &k, c, incr, buf, &len, &outcome);
    if (reply_result_error(c, result))
        return;
    if (outcome == INCR_BAD_VALUE) {
        reply_error(c->reply, ERR_HASH_NOT_FLOAT);
        return;
    }
    if (outcome == INCR_OVERFLOW) {
        reply_error(c->reply, ERR_NAN);
        return;
    }
    struct resp_arg value = {buf, (size_t)len, NULL};
    struct resp_arg av[] = {ARG_LITERAL("HSET"), c->argv[1], c->argv[2], value};
    cmd_rewrite(c, 4, av);
    reply_bulk(c->reply, buf, (size_t)len);
}
