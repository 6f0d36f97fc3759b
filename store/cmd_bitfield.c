/*
 * BITFIELD key [GET type offset] [SET type offset value] [INCRBY type
 * offset increment] [OVERFLOW WRAP|SAT|FAIL] ..., and BITFIELD_RO (GETs
 * only): integers of 1 to 64 bits (u63 at most unsigned) at any bit offset
 * of a string, run in order as one command.
 *
 * Every argument is parsed before the key is looked up, as in Redis. A
 * BITFIELD of GETs only reads a snapshot. One that writes runs under the
 * shard lock; the string is padded up front to the farthest bit a write
 * reaches (as Redis pads it, even when every write then fails), and
 * otherwise made writable (a copy when it is shared: store/strbuf.h) only by
 * the first operation that changes a bit, so one that changes nothing
 * touches no buffer and announces nothing.
 */
#include "store/bitmap.h"
#include "store/cmd_bit.h"
#include "store/commands.h"

#include "core/alloc.h"

enum bitfield_opcode { BF_GET, BF_SET, BF_INCRBY };

struct bitfield_op {
    uint64_t offset;
    int64_t arg; /* SET's value or INCRBY's increment */
    uint8_t opcode;
    uint8_t overflow; /* enum bitfield_overflow in force */
    uint8_t bits;
    bool is_signed;
};

/* One reply element: a value, or nil for a write that OVERFLOW FAIL refused. */
struct bitfield_result {
    int64_t value;
    bool is_null;
};

#define ERR_BITFIELD_TYPE                                                                          \
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "    \
    "i64 is."

/* Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63. */
static bool arg_bitfield_type(struct cmd_ctx *c, int i, bool *is_signed, int *bits)
{
    const struct resp_arg *a = &c->argv[i];
    long long n;
    bool ok = a->len > 0 && (a->ptr[0] == 'i' || a->ptr[0] == 'u');
    /* Redis reads the digits as a C string: they end at a NUL byte. */
    size_t digits = ok ? strnlen(a->ptr + 1, a->len - 1) : 0;
    ok = ok && strconv_parse_ll(a->ptr + 1, digits, &n) && n >= 1;
    if (ok) {
        *is_signed = a->ptr[0] == 'i';
        ok = n <= (*is_signed ? 64 : 63);
    }
    if (!ok) {
        reply_error(c->reply, ERR_BITFIELD_TYPE);
        return false;
    }
    *bits = (int)n;
    return true;
}

/*
 * Parses every operation into ops (c->argc entries are enough); false after
 * replying the error. *n ops, *writes whether any is SET or INCRBY,
 * *highest the last bit a write reaches.
 */
static bool parse_ops(struct cmd_ctx *c, struct bitfield_op *ops, int *n, bool *writes,
                      uint64_t *highest)
{
    enum bitfield_overflow overflow = BITFIELD_WRAP;
    *n = 0;
    *writes = false;
    *highest = 0;
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const struct resp_arg *sub = &c->argv[j];
        struct bitfield_op op = {0};
        if (arg_is(sub, "GET") && left >= 2) {
            op.opcode = BF_GET;
        } else if (arg_is(sub, "SET") && left >= 3) {
            op.opcode = BF_SET;
        } else if (arg_is(sub, "INCRBY") && left >= 3) {
            op.opcode = BF_INCRBY;
        } else if (arg_is(sub, "OVERFLOW") && left >= 1) {
            const struct resp_arg *mode = &c->argv[++j];
            if (arg_is(mode, "WRAP"))
                overflow = BITFIELD_WRAP;
            else if (arg_is(mode, "SAT"))
                overflow = BITFIELD_SAT;
            else if (arg_is(mode, "FAIL"))
                overflow = BITFIELD_FAIL;
            else {
                reply_error(c->reply, "ERR Invalid OVERFLOW type specified");
                return false;
            }
            continue;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
        int bits;
        long long arg = 0;
        if (!arg_bitfield_type(c, j + 1, &op.is_signed, &bits) ||
            !arg_bit_offset(c, j + 2, true, bits, &op.offset))
            return false;
        op.bits = (uint8_t)bits;
        if (op.opcode != BF_GET) {
            *writes = true;
            if (*highest < op.offset + (uint64_t)bits - 1)
                *highest = op.offset + (uint64_t)bits - 1;
            if (!arg_ll(c, j + 3, &arg))
                return false;
        }
        op.arg = arg;
        op.overflow = (uint8_t)overflow;
        ops[(*n)++] = op;
        j += op.opcode == BF_GET ? 2 : 3;
    }
    return true;
}

/* The field an op addresses, read from p[0, len) as if zero padded. */
static uint64_t read_field(const uint8_t *p, size_t len, const struct bitfield_op *op)
{
    /* At most 9 bytes hold 64 bits at any offset: copy them, padded. */
    uint8_t buf[9] = {0};
    uint64_t byte = op->offset >> 3;
    for (uint64_t i = 0; i < 9 && byte + i < len; i++)
        buf[i] = p[byte + i];
    uint64_t shift = op->offset - byte * 8;
    if (op->is_signed)
        return (uint64_t)bitfield_get_signed(buf, shift, op->bits);
    return bitfield_get_unsigned(buf, shift, op->bits);
}

/*
 * What a SET or INCRBY does to a field holding `old`: false when OVERFLOW
 * FAIL refuses it; else *stored (the new bits) and *reply (SET: the old
 * value, INCRBY: the new one).
 */
static bool apply_write(const struct bitfield_op *op, uint64_t old, uint64_t *stored,
                        int64_t *reply)
{
    int outcome;
    enum bitfield_overflow mode = (enum bitfield_overflow)op->overflow;
    if (op->is_signed) {
        int64_t result;
        if (op->opcode == BF_INCRBY)
            outcome = bitfield_add_signed((int64_t)old, op->arg, op->bits, mode, &result);
        else
            outcome = bitfield_add_signed(op->arg, 0, op->bits, mode, &result);
        *stored = (uint64_t)result;
        *reply = op->opcode == BF_INCRBY ? result : (int64_t)old;
    } else {
        uint64_t result;
        if (op->opcode == BF_INCRBY)
            outcome = bitfield_add_unsigned(old, op->arg, op->bits, mode, &result);
        else
            outcome = bitfield_add_unsigned((uint64_t)op->arg, 0, op->bits, mode, &result);
        *stored = result;
        *reply = op->opcode == BF_INCRBY ? (int64_t)result : (int64_t)old;
    }
    return !(outcome != 0 && mode == BITFIELD_FAIL);
}

/* The string's current bytes (digits for an integer), under the lock. */
static void entry_bytes(struct entry *e, char digits[STRCONV_LL_BUF], const uint8_t **p,
                        size_t *len)
{
    union value_payload v = entry_payload(e);
    if (entry_encoding(e) == ENCODING_INT) {
        *len = strconv_format_ll(digits, v.num);
        *p = (const uint8_t *)digits;
    } else {
        *len = v.str->len;
        *p = (const uint8_t *)v.str->data;
    }
}

/* The ops of a BITFIELD that writes, under the lock; results[i] per op. */
static enum cmd_result do_bitfield(struct shard *s, const struct key *k,
                                   const struct bitfield_op *ops, int n, uint64_t highest,
                                   int64_t now_ms, struct bitfield_result *results)
    REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    if (e && entry_type(e) != VALUE_STRING)
        return CMD_ERR_WRONGTYPE;
    char digits[STRCONV_LL_BUF];
    const uint8_t *p = NULL;
    size_t len = 0;
    if (e)
        entry_bytes(e, digits, &p, &len);
    struct bytes *b = NULL; /* the writable buffer, once there is one */
    bool grown = false;
    bool eager = !e || (highest >> 3) >= len || bit_write_converts(entry_encoding(e));
    if (eager) {
        enum cmd_result r = do_bit_writable(s, k, highest >> 3, now_ms, &b, &grown);
        if (r != CMD_OK)
            return r;
    }
    int changes = 0;
    for (int i = 0; i < n; i++) {
        const struct bitfield_op *op = &ops[i];
        if (b) {
            p = (const uint8_t *)b->data;
            len = b->len;
        }
        uint64_t old = read_field(p, len, op);
        results[i] = (struct bitfield_result){(int64_t)old, false};
        if (op->opcode == BF_GET)
            continue;
        uint64_t stored;
        if (!apply_write(op, old, &stored, &results[i].value)) {
            results[i].is_null = true;
            continue;
        }
        uint64_t mask = op->bits == 64 ? UINT64_MAX : (UINT64_C(1) << op->bits) - 1;
        if (!grown && ((stored ^ old) & mask) == 0)
            continue; /* the same bits: no change (Redis's oldval != newval) */
        if (!b) {
            enum cmd_result r = do_bit_writable(s, k, highest >> 3, now_ms, &b, &grown);
            if (r != CMD_OK) /* nothing written yet: the error stands alone */
                return r;
        }
        bitfield_set((uint8_t *)b->data, op->offset, op->bits, stored);
        changes++;
    }
    if (changes)
        do_key_event(s, k, NOTIFY_STRING, "setbit");
    else if (eager)
        /* Padded or converted, but no write changed a bit (every one failed,
         * or wrote what was there): Redis keeps the padding and notifies
         * nobody. Announced with no notification class, as
         * bit_write_converts explains. */
        do_key_event(s, k, 0, "setbit");
    return CMD_OK;
}

/* The GETs of a BITFIELD that only reads, on a snapshot. */
static bool read_only_bitfield(struct cmd_ctx *c, const struct bitfield_op *ops, int n,
                               struct bitfield_result *results)
{
    struct key k;
    cmd_key(c, 1, &k);
    struct string_snapshot snap = {0};
    if (!read_string(&k, c->now_ms, &snap))
        return false;
    char digits[STRCONV_LL_BUF];
    const uint8_t *p = NULL;
    size_t len = 0;
    if (snap.present)
        p = (const uint8_t *)snapshot_data(&snap, digits, &len);
    for (int i = 0; i < n; i++)
        results[i] = (struct bitfield_result){(int64_t)read_field(p, len, &ops[i]), false};
    snapshot_release(&snap);
    return true;
}

static void bitfield_generic(struct cmd_ctx *c, bool read_only)
{
    struct bitfield_op *ops = mem_alloc((size_t)c->argc * sizeof(*ops));
    struct bitfield_result *results = mem_alloc((size_t)c->argc * sizeof(*results));
    int n;
    bool writes;
    uint64_t highest;
    enum cmd_result r = CMD_OK;
    if (!ops || !results) {
        reply_error(c->reply, ERR_OOM);
        goto out;
    }
    if (!parse_ops(c, ops, &n, &writes, &highest))
        goto out;
    if (!writes) {
        if (!read_only_bitfield(c, ops, n, results))
            r = CMD_ERR_WRONGTYPE;
    } else if (read_only) {
        reply_error(c->reply, "ERR BITFIELD_RO only supports the GET subcommand");
        goto out;
    } else {
        struct key k;
        cmd_key(c, 1, &k);
        r = CMD_ERR_OOM; /* set under the lock */
        SHARD_GUARD (k.shard)
            r = do_bitfield(k.shard, &k, ops, n, highest, c->now_ms, results);
    }
    if (reply_result_error(c, r))
        goto out;
    reply_array(c->reply, (size_t)n);
    for (int i = 0; i < n; i++) {
        if (results[i].is_null)
            reply_null(c->reply);
        else
            reply_int(c->reply, results[i].value);
    }
out:
    mem_free(results);
    mem_free(ops);
}

void bitfield_command(struct cmd_ctx *c)
{
    bitfield_generic(c, false);
}

void bitfield_ro_command(struct cmd_ctx *c)
{
    bitfield_generic(c, true);
}
