/*
 * PFDEBUG GETREG|DECODE|ENCODING|TODENSE key: Redis's window into an HLL's
 * encoding, used by its own tests: the 16384 registers (making a sparse HLL
 * dense on the way, as Redis does), the sparse opcodes as text
 * ("Z:16383 v:2,1"), the encoding's name, and an explicit conversion to
 * dense. The conversions are changes announced without notification.
 */
#include "store/cmd_hll.h"
#include "store/commands.h"

#include "core/alloc.h"

#include <stdio.h>

enum pfdebug_op { PFDEBUG_GETREG, PFDEBUG_DECODE, PFDEBUG_ENCODING, PFDEBUG_TODENSE };

/* What a PFDEBUG found under the lock, replied after it. */
struct pfdebug_answer {
    enum hll_result result;
    const char *error;  /* an error of PFDEBUG's own, or NULL */
    uint8_t *registers; /* GETREG */
    char *text;         /* DECODE */
    size_t text_len;
    int encoding;   /* ENCODING */
    bool converted; /* TODENSE */
};

/* The sparse opcodes as Redis's DECODE prints them. NULL when out of memory. */
static char *decode_sparse(const uint8_t *p, size_t len, size_t *out_len)
{
    const uint8_t *end = p + len;
    size_t cap = len * 12 + 1, n = 0; /* "v:32,4 " is the longest per byte */
    char *text = mem_alloc(cap);
    if (!text)
        return NULL;
    while (p < end) {
        if ((*p & 0xc0) == 0) {
            n += (size_t)snprintf(text + n, cap - n, "z:%d ", (*p & 0x3f) + 1);
            p++;
        } else if ((*p & 0xc0) == 0x40) {
            int low = p + 1 < end ? p[1] : 0; /* cut short: Redis reads a 0 */
            n += (size_t)snprintf(text + n, cap - n, "Z:%d ", ((*p & 0x3f) << 8 | low) + 1);
            p += 2;
        } else {
            n += (size_t)snprintf(text + n, cap - n, "v:%d,%d ", ((*p >> 2) & 0x1f) + 1,
                                  (*p & 3) + 1);
            p++;
        }
    }
    *out_len = n > 0 ? n - 1 : 0; /* without the last space */
    return text;
}

/* Makes the HLL under k dense if it is sparse, storing and announcing it;
 * *converted when it was sparse. */
static enum hll_result do_make_dense(struct shard *s, const struct key *k, struct entry *e,
                                     const uint8_t *p, size_t len, int64_t now_ms, bool *converted)
    REQUIRES(&s->lock)
{
    *converted = p[4] == HLL_SPARSE;
    if (!*converted)
        return HLL_OK;
    struct hll_buf h;
    if (hll_buf_init(&h, p, len) != 0)
        return HLL_ERR_OOM;
    int r = hll_to_dense(&h);
    enum hll_result result = HLL_OK;
    if (r != 0)
        result = r == HLL_INVALID ? HLL_ERR_INVALID : HLL_ERR_OOM;
    else if (!do_hll_store(s, k, e, &h, now_ms))
        result = HLL_ERR_OOM;
    else
        do_key_event(s, k, 0, "pfdebug");
    hll_buf_free(&h);
    return result;
}

static void do_pfdebug(struct shard *s, const struct key *k, enum pfdebug_op op, int64_t now_ms,
                       struct pfdebug_answer *a) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    if (!e) {
        a->error = "ERR The specified key does not exist";
        return;
    }
    const uint8_t *p;
    size_t len;
    if ((a->result = hll_of(e, &p, &len)) != HLL_OK)
        return;
    if (hll_write_converts(e)) { /* Redis unshares the value first: raw */
        struct hll_buf h;
        if (hll_buf_init(&h, p, len) != 0 || !do_hll_store(s, k, e, &h, now_ms)) {
            hll_buf_free(&h);
            a->result = HLL_ERR_OOM;
            return;
        }
        hll_buf_free(&h);
        do_key_event(s, k, 0, "pfdebug");
        e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
        hll_of(e, &p, &len);
    }
    a->encoding = p[4];
    switch (op) {
    case PFDEBUG_GETREG: /* the registers are read from the dense form */
        if ((a->registers = mem_alloc(HLL_REGISTERS)) == NULL) {
            a->result = HLL_ERR_OOM;
            return;
        }
        /* fall through */
    case PFDEBUG_TODENSE:
        a->result = do_make_dense(s, k, e, p, len, now_ms, &a->converted);
        if (a->result == HLL_OK && a->registers) {
            e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
            hll_of(e, &p, &len);
            for (uint32_t i = 0; i < HLL_REGISTERS; i++)
                a->registers[i] = hll_dense_get(p + HLL_HDR_SIZE, i);
        }
        return;
    case PFDEBUG_DECODE:
        if (p[4] != HLL_SPARSE)
            a->error = "ERR HLL encoding is not sparse";
        else if (!(a->text = decode_sparse(p + HLL_HDR_SIZE, len - HLL_HDR_SIZE, &a->text_len)))
            a->result = HLL_ERR_OOM;
        return;
    case PFDEBUG_ENCODING:
        return;
    }
}

void pfdebug_command(struct cmd_ctx *c)
{
    static const char *const names[] = {"GETREG", "DECODE", "ENCODING", "TODENSE"};
    int op = -1;
    for (int i = 0; i < 4; i++)
        if (arg_is(&c->argv[1], names[i]))
            op = i;
    struct key k;
    cmd_key(c, 2, &k);
    struct pfdebug_answer a = {.result = HLL_ERR_OOM};
    SHARD_GUARD (k.shard) {
        a.result = HLL_OK;
        /* Redis checks the key before the subcommand's name. */
        do_pfdebug(k.shard, &k, op < 0 ? PFDEBUG_ENCODING : (enum pfdebug_op)op, c->now_ms, &a);
    }
    if (a.error) {
        reply_error(c->reply, a.error);
    } else if (a.result != HLL_OK) {
        reply_hll_error(c, a.result);
    } else if (op < 0) {
        reply_errorf(c->reply, "ERR Unknown PFDEBUG subcommand '%.*s'", (int)c->argv[1].len,
                     c->argv[1].ptr);
    } else if (op == PFDEBUG_GETREG) {
        reply_array(c->reply, HLL_REGISTERS);
        for (uint32_t i = 0; i < HLL_REGISTERS; i++)
            reply_int(c->reply, a.registers[i]);
    } else if (op == PFDEBUG_DECODE) {
        reply_bulk(c->reply, a.text, a.text_len);
    } else if (op == PFDEBUG_ENCODING) {
        reply_simple(c->reply, a.encoding == HLL_DENSE ? "dense" : "sparse");
    } else {
        reply_int(c->reply, a.converted);
    }
    mem_free(a.registers);
    mem_free(a.text);
}
