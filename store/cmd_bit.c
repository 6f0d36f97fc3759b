/*
 * SETBIT, GETBIT, BITCOUNT, BITPOS: single bits and counts over a string.
 *
 * The readers work on a snapshot (store/cmd_util.h: a reference to an
 * immutable buffer, taken without the lock when it can be) and count after
 * the lock is released. SETBIT writes through store/strbuf.h: in place when
 * the entry's growable buffer is its only reference, else into a copy that
 * replaces it, so a reader holding the old buffer keeps a consistent value.
 */
#include "store/bitmap.h"
#include "store/cmd_bit.h"
#include "store/commands.h"
#include "store/strbuf.h"

#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"

bool arg_bit_offset(struct cmd_ctx *c, int i, bool hash, int bits, uint64_t *out)
{
    const struct resp_arg *a = &c->argv[i];
    bool use_hash = hash && bits > 0 && a->len > 0 && a->ptr[0] == '#';
    long long v;
    bool ok = strconv_parse_ll(a->ptr + use_hash, a->len - use_hash, &v);
    if (ok && use_hash)
        ok = !__builtin_mul_overflow(v, (long long)bits, &v);
    if (!ok || v < 0 || (uint64_t)(v >> 3) >= string_max_len(c)) {
        reply_error(c->reply, ERR_BIT_OFFSET);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

enum cmd_result do_bit_writable(struct shard *s, const struct key *k, uint64_t last_byte,
                                int64_t now_ms, struct bytes **out, bool *grown)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    if (e && entry_type(e) != VALUE_STRING)
        return CMD_ERR_WRONGTYPE;
    size_t need = (size_t)last_byte + 1;
    if (!e) {
        struct value v;
        if (strbuf_writable(NULL, need, out) != 0)
            return CMD_ERR_OOM;
        value_string_growable(*out, &v);
        if (!do_insert(s, k, &v, ENTRY_NO_TTL, now_ms)) {
            value_release(v.type, v.encoding, v.p);
            return CMD_ERR_OOM;
        }
        *grown = true;
        return CMD_OK;
    }
    struct value cur;
    entry_value(e, &cur);
    size_t len = value_string_len(cur.encoding, cur.p);
    if (strbuf_writable(&cur, need > len ? need : len, out) != 0)
        return CMD_ERR_OOM;
    do_changed(s);
    if (cur.encoding == ENCODING_INT || *out != cur.p.str) {
        struct value v;
        value_string_growable(*out, &v);
        do_replace_value(s, e, &v, now_ms);
    }
    *grown = need > len;
    return CMD_OK;
}

/* SETBIT's change under the lock: *old gets the bit's previous value. */
static enum cmd_result do_setbit(struct shard *s, const struct key *k, uint64_t offset, int on,
                                 int64_t now_ms, int *old) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    if (e && entry_type(e) != VALUE_STRING)
        return CMD_ERR_WRONGTYPE;
    *old = 0;
    if (e) {
        /* A bit that already holds the value, inside the string, changes
         * nothing: no copy, no event (Redis's "dirty" test). */
        struct value cur;
        entry_value(e, &cur);
        char digits[STRCONV_LL_BUF];
        size_t len;
        const uint8_t *p;
        if (cur.encoding == ENCODING_INT) {
            len = strconv_format_ll(digits, cur.p.num);
            p = (const uint8_t *)digits;
        } else {
            len = cur.p.str->len;
            p = (const uint8_t *)cur.p.str->data;
        }
        if ((offset >> 3) < len) {
            *old = bitmap_get_bit(p, offset);
            if (*old == on && !bit_write_converts(cur.encoding))
                return CMD_OK;
        }
    }
    struct bytes *b;
    bool grown;
    enum cmd_result r = do_bit_writable(s, k, offset >> 3, now_ms, &b, &grown);
    if (r != CMD_OK)
        return r;
    if (*old == on && !grown) {
        do_key_event(s, k, 0, "setbit"); /* converted only: see bit_write_converts */
        return CMD_OK;
    }
    bitmap_set_bit((uint8_t *)b->data, offset, on);
    do_key_event(s, k, NOTIFY_STRING, "setbit");
    return CMD_OK;
}

void setbit_command(struct cmd_ctx *c)
{
    uint64_t offset;
    long long on;
    if (!arg_bit_offset(c, 2, false, 0, &offset))
        return;
    if (!strconv_parse_ll(c->argv[3].ptr, c->argv[3].len, &on) || (on & ~1LL)) {
        reply_error(c->reply, "ERR bit is not an integer or out of range");
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    int old = 0;
    enum cmd_result r = CMD_ERR_OOM; /* set under the lock */
    SHARD_GUARD (k.shard)
        r = do_setbit(k.shard, &k, offset, (int)on, c->now_ms, &old);
    if (!reply_result_error(c, r))
        reply_int(c->reply, old);
}

/*
 * The snapshot of key argv[1] for a reader: false after replying WRONGTYPE.
 * *data and *len are its bytes (NULL, 0 for a missing key).
 */
static bool read_bits(struct cmd_ctx *c, struct string_snapshot *snap, char digits[STRCONV_LL_BUF],
                      const uint8_t **data, size_t *len)
{
    struct key k;
    cmd_key(c, 1, &k);
    *snap = (struct string_snapshot){0};
    if (!read_string(&k, c->now_ms, snap)) {
        reply_error(c->reply, ERR_WRONGTYPE);
        return false;
    }
    *data = NULL;
    *len = 0;
    if (snap->present)
        *data = (const uint8_t *)snapshot_data(snap, digits, len);
    return true;
}

void getbit_command(struct cmd_ctx *c)
{
    uint64_t offset;
    if (!arg_bit_offset(c, 2, false, 0, &offset))
        return;
    struct string_snapshot snap;
    char digits[STRCONV_LL_BUF];
    const uint8_t *p;
    size_t len;
    if (!read_bits(c, &snap, digits, &p, &len))
        return;
    reply_int(c->reply, (offset >> 3) < len ? bitmap_get_bit(p, offset) : 0);
    snapshot_release(&snap);
}

/* BITCOUNT's and BITPOS's BYTE|BIT argument: false after the syntax error. */
static bool arg_bit_unit(struct cmd_ctx *c, int i, bool *in_bits)
{
    if (arg_is(&c->argv[i], "BIT"))
        *in_bits = true;
    else if (arg_is(&c->argv[i], "BYTE"))
        *in_bits = false;
    else {
        reply_error(c->reply, ERR_SYNTAX);
        return false;
    }
    return true;
}

static uint64_t count_range(const uint8_t *p, const struct bit_range *r)
{
    uint64_t count = bitmap_popcount(p + r->first, (size_t)(r->last - r->first + 1));
    count -= (uint64_t)__builtin_popcount(p[r->first] & r->first_outside);
    count -= (uint64_t)__builtin_popcount(p[r->last] & r->last_outside);
    return count;
}

/* BITCOUNT key [start end [BYTE|BIT]]: as in Redis, the key comes first (a
 * missing key answers 0 whatever the arguments, another type WRONGTYPE),
 * then the arguments. */
void bitcount_command(struct cmd_ctx *c)
{
    struct string_snapshot snap;
    char digits[STRCONV_LL_BUF];
    const uint8_t *p;
    size_t len;
    if (!read_bits(c, &snap, digits, &p, &len))
        return;
    if (!snap.present) {
        reply_int(c->reply, 0);
        return;
    }
    struct bit_range r;
    if (c->argc == 2) {
        bit_range_resolve(0, -1, false, len, &r);
    } else if (c->argc == 4 || c->argc == 5) {
        long long start, end;
        bool in_bits = false;
        if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &end))
            goto out;
        if (start < 0 && end < 0 && start > end) {
            reply_int(c->reply, 0);
            goto out;
        }
        if (c->argc == 5 && !arg_bit_unit(c, 4, &in_bits))
            goto out;
        bit_range_resolve(start, end, in_bits, len, &r);
    } else {
        reply_error(c->reply, ERR_SYNTAX);
        goto out;
    }
    reply_int(c->reply, r.empty ? 0 : (long long)count_range(p, &r));
out:
    snapshot_release(&snap);
}

/* Redis's walk over a BITPOS range: the partial first byte, the whole bytes,
 * the partial last byte; the answer relative to the string's start. */
static int64_t bitpos_range(const uint8_t *p, const struct bit_range *r, int bit, bool end_given)
{
    int64_t start = r->first, bytes = r->last - r->first + 1, pos;
    uint8_t one;
    if (r->first_outside) {
        one = bit ? p[start] & (uint8_t)~r->first_outside : p[start] | r->first_outside;
        if (r->last_outside && bytes == 1)
            one = bit ? one & (uint8_t)~r->last_outside : one | r->last_outside;
        pos = bitmap_bitpos(&one, 1, bit);
        if (bytes == 1 || (pos != -1 && pos != 8))
            goto result;
        start++;
        bytes--;
    }
    int64_t whole = bytes - (r->last_outside ? 1 : 0);
    if (whole > 0) {
        pos = bitmap_bitpos(p + start, (size_t)whole, bit);
        if (bytes == whole || (pos != -1 && pos != whole * 8))
            goto result;
        start += whole;
        bytes -= whole;
    }
    one = bit ? p[r->last] & (uint8_t)~r->last_outside : p[r->last] | r->last_outside;
    pos = bitmap_bitpos(&one, 1, bit);
result:
    /* Looking for a zero in an explicit range: the padding beyond it does
     * not count. */
    if (end_given && bit == 0 && pos == bytes * 8)
        return -1;
    return pos == -1 ? -1 : pos + start * 8;
}

/* BITPOS key bit [start [end [BYTE|BIT]]] */
void bitpos_command(struct cmd_ctx *c)
{
    long long bit;
    if (!arg_ll(c, 2, &bit))
        return;
    if (bit != 0 && bit != 1) {
        reply_error(c->reply, "ERR The bit argument must be 1 or 0.");
        return;
    }
    struct string_snapshot snap;
    char digits[STRCONV_LL_BUF];
    const uint8_t *p;
    size_t len;
    if (!read_bits(c, &snap, digits, &p, &len))
        return;
    if (!snap.present) { /* an endless run of zeros */
        reply_int(c->reply, bit ? -1 : 0);
        return;
    }
    struct bit_range r;
    bool end_given = false;
    if (c->argc == 3) {
        bit_range_resolve(0, -1, false, len, &r);
    } else if (c->argc <= 6) {
        long long start, end;
        bool in_bits = false;
        if (!arg_ll(c, 3, &start))
            goto out;
        if (c->argc == 6 && !arg_bit_unit(c, 5, &in_bits))
            goto out;
        if (c->argc >= 5) {
            if (!arg_ll(c, 4, &end))
                goto out;
            end_given = true;
        } else {
            end = in_bits ? (long long)len * 8 + 7 : (long long)len - 1;
        }
        bit_range_resolve(start, end, in_bits, len, &r);
    } else {
        reply_error(c->reply, ERR_SYNTAX);
        goto out;
    }
    reply_int(c->reply, r.empty ? -1 : bitpos_range(p, &r, (int)bit, end_given));
out:
    snapshot_release(&snap);
}
