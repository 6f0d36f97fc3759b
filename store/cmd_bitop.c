/*
 * BITOP AND|OR|XOR|NOT destkey key [key ...]: the bitwise combination of
 * strings (shorter ones zero padded to the longest) stored in destkey.
 *
 * Atomic across shards: every shard of the destination and the sources is
 * locked at once (store/multilock.h), the sources are read and the result
 * stored inside that one section, so no writer can slip between the read
 * and the store, and a log replays BITOP after exactly the writes it saw.
 * The combination runs under the locks, as it runs inside Redis's one
 * thread; it is a linear pass over the bytes.
 */
#include "store/cmd_util.h"
#include "store/commands.h"
#include "store/multilock.h"
#include "store/strbuf.h"

#include "core/alloc.h"

enum bitop { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

/* One source's bytes, read under the locks. */
struct bitop_source {
    const uint8_t *p;
    size_t len;
    char digits[STRCONV_LL_BUF]; /* an integer's text */
};

static bool parse_bitop(const struct resp_arg *a, enum bitop *op)
{
    if (arg_is(a, "AND"))
        *op = BITOP_AND;
    else if (arg_is(a, "OR"))
        *op = BITOP_OR;
    else if (arg_is(a, "XOR"))
        *op = BITOP_XOR;
    else if (arg_is(a, "NOT"))
        *op = BITOP_NOT;
    else
        return false;
    return true;
}

/* Combines src into res (both `len` bytes long, src zero padded). */
static void combine(uint8_t *res, const struct bitop_source *src, size_t len, enum bitop op)
{
    size_t n = src->len < len ? src->len : len;
    size_t i = 0;
    switch (op) {
    case BITOP_AND:
        for (; i < n; i++)
            res[i] &= src->p[i];
        memset(res + n, 0, len - n);
        break;
    case BITOP_OR:
        for (; i < n; i++)
            res[i] |= src->p[i];
        break;
    case BITOP_XOR:
        for (; i < n; i++)
            res[i] ^= src->p[i];
        break;
    case BITOP_NOT:
        break;
    }
}

/* The result of op over the sources, in a new growable buffer of the
 * longest source's length (NULL: out of memory). */
static struct bytes *compute(const struct bitop_source *src, int n, size_t maxlen, enum bitop op)
{
    struct bytes *b;
    if (strbuf_writable(NULL, maxlen, &b) != 0)
        return NULL;
    uint8_t *res = (uint8_t *)b->data; /* zero filled */
    memcpy(res, src[0].p, src[0].len);
    if (op == BITOP_NOT) {
        for (size_t i = 0; i < maxlen; i++)
            res[i] = (uint8_t)~res[i];
        return b;
    }
    for (int i = 1; i < n; i++)
        combine(res, &src[i], maxlen, op);
    return b;
}

/*
 * Reads the sources mk->keys[1..] and stores the result in mk->keys[0];
 * every shard is locked (the set guard). *maxlen is the reply.
 */
static enum cmd_result do_bitop(struct multi_keys *mk, struct bitop_source *src, enum bitop op,
                                int64_t now_ms, size_t *maxlen)
{
    int n = mk->n - 1;
    *maxlen = 0;
    for (int i = 0; i < n; i++) {
        const struct key *k = &mk->keys[i + 1];
        shard_assume_held(k->shard);
        struct entry *e = do_lookup(k->shard, k, now_ms, LOOKUP_READ, NULL);
        src[i].p = NULL;
        src[i].len = 0;
        if (!e)
            continue; /* an empty string */
        if (entry_type(e) != VALUE_STRING)
            return CMD_ERR_WRONGTYPE;
        union value_payload v = entry_payload(e);
        if (entry_encoding(e) == ENCODING_INT) {
            src[i].len = strconv_format_ll(src[i].digits, v.num);
            src[i].p = (const uint8_t *)src[i].digits;
        } else {
            src[i].len = v.str->len;
            src[i].p = (const uint8_t *)v.str->data;
        }
        if (src[i].len > *maxlen)
            *maxlen = src[i].len;
    }
    const struct key *dst = &mk->keys[0];
    struct shard *s = dst->shard;
    shard_assume_held(s);
    if (*maxlen == 0) {
        /* Nothing to store: the destination goes, as in Redis. */
        struct table_pos pos;
        if (do_lookup(s, dst, now_ms, LOOKUP_WRITE, &pos)) {
            do_delete(s, pos);
            do_key_event(s, dst, NOTIFY_GENERIC, "del");
        }
        return CMD_OK;
    }
    struct bytes *b = compute(src, n, *maxlen, op);
    if (!b)
        return CMD_ERR_OOM;
    struct value v;
    value_string_growable(b, &v);
    if (!do_put(s, dst, &v, now_ms)) {
        value_release(v.type, v.encoding, v.p);
        return CMD_ERR_OOM;
    }
    return CMD_OK;
}

void bitop_command(struct cmd_ctx *c)
{
    enum bitop op;
    if (!parse_bitop(&c->argv[1], &op)) {
        reply_error(c->reply, ERR_SYNTAX);
        return;
    }
    if (op == BITOP_NOT && c->argc != 4) {
        reply_error(c->reply, "ERR BITOP NOT must be called with a single source key.");
        return;
    }
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 2, c->argc - 1, 1))
        return;
    struct bitop_source *src = mem_alloc((size_t)(mk.n - 1) * sizeof(*src));
    if (!src) {
        multi_keys_free(&mk);
        reply_error(c->reply, ERR_OOM);
        return;
    }
    size_t maxlen = 0;
    enum cmd_result r = CMD_ERR_OOM; /* set under the locks */
    SHARD_SET_GUARD (&mk.set)
        r = do_bitop(&mk, src, op, c->now_ms, &maxlen);
    mem_free(src);
    multi_keys_free(&mk);
    if (!reply_result_error(c, r))
        reply_int(c->reply, (long long)maxlen);
}
