#include "store/cmd_util.h"

#include "core/alloc.h"
#include "core/ebr.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

bool arg_ll(struct cmd_ctx *c, int i, long long *out)
{
    if (strconv_parse_ll(c->argv[i].ptr, c->argv[i].len, out))
        return true;
    reply_error(c->reply, ERR_NOT_INT);
    return false;
}

bool arg_cursor(struct cmd_ctx *c, int i, uint64_t *out)
{
    const struct resp_arg *a = &c->argv[i];
    char buf[64];
    char *end;
    unsigned long long v = 0;
    bool ok = a->len < sizeof(buf);
    if (ok) {
        memcpy(buf, a->ptr, a->len);
        buf[a->len] = '\0';
        errno = 0;
        v = strtoull(buf, &end, 10);
        ok = !isspace((unsigned char)buf[0]) && *end == '\0' && errno != ERANGE;
    }
    if (!ok) {
        reply_error(c->reply, "ERR invalid cursor");
        return false;
    }
    *out = v;
    return true;
}

bool arg_scan_options(struct cmd_ctx *c, int first, long long *count,
                      const struct resp_arg **pattern, const struct resp_arg **type)
{
    for (int i = first; i < c->argc; i += 2) {
        const struct resp_arg *opt = &c->argv[i];
        bool has_value = i + 1 < c->argc;
        if (arg_is(opt, "COUNT") && has_value) {
            if (!arg_ll(c, i + 1, count))
                return false;
            if (*count < 1) {
                reply_error(c->reply, ERR_SYNTAX);
                return false;
            }
        } else if (arg_is(opt, "MATCH") && has_value) {
            const struct resp_arg *p = &c->argv[i + 1];
            *pattern = (p->len == 1 && p->ptr[0] == '*') ? NULL : p;
        } else if (type && arg_is(opt, "TYPE") && has_value) {
            *type = &c->argv[i + 1];
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

bool arg_ll_range(struct cmd_ctx *c, int i, long long min, long long max, const char *msg,
                  long long *out)
{
    if (!strconv_parse_ll(c->argv[i].ptr, c->argv[i].len, out)) {
        reply_error(c->reply, msg ? msg : ERR_NOT_INT);
        return false;
    }
    if (*out < min || *out > max) {
        if (msg)
            reply_error(c->reply, msg);
        else
            reply_errorf(c->reply, "ERR value is out of range, value must between %lld and %lld",
                         min, max);
        return false;
    }
    return true;
}

bool arg_int(struct cmd_ctx *c, int i, const char *msg, int *out)
{
    long long v;
    if (!arg_ll_range(c, i, INT_MIN, INT_MAX, msg, &v))
        return false;
    *out = (int)v;
    return true;
}

bool reply_result_error(struct cmd_ctx *c, enum cmd_result r)
{
    static const char *const messages[] = {
        [CMD_ERR_WRONGTYPE] = ERR_WRONGTYPE, [CMD_ERR_OOM] = ERR_OOM,
        [CMD_ERR_NOT_INT] = ERR_NOT_INT,     [CMD_ERR_NOT_FLOAT] = ERR_NOT_FLOAT,
        [CMD_ERR_OVERFLOW] = ERR_OVERFLOW,   [CMD_ERR_NAN] = ERR_NAN,
        [CMD_ERR_TOO_BIG] = ERR_TOO_BIG,     [CMD_ERR_NO_KEY] = ERR_NO_KEY,
    };
    if (r == CMD_OK)
        return false;
    assert((size_t)r < ARRAY_SIZE(messages) && messages[r]);
    reply_error(c->reply, messages[r]);
    return true;
}

void reply_invalid_expire(struct cmd_ctx *c, const char *name)
{
    reply_errorf(c->reply, "ERR invalid expire time in '%s' command", name);
}

bool expire_time_ms(long long v, bool seconds, int64_t base, int64_t *when)
{
    assert(base >= 0);
    if (seconds) {
        if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
            return false;
        v *= 1000;
    }
    if (v > INT64_MAX - base)
        return false;
    *when = v + base;
    return true;
}

/* The snapshot of a string value (encoding, payload) whose buffer stays
 * valid and unchanged while this runs. */
static void string_snapshot(int encoding, union value_payload val, struct string_snapshot *out)
{
    out->present = true;
    if (encoding == ENCODING_INT) {
        out->is_int = true;
        out->num = val.num;
        out->buf = NULL;
    } else if (val.str->len <= SNAPSHOT_INLINE) {
        out->is_int = false;
        out->buf = NULL;
        out->inline_len = val.str->len;
        memcpy(out->inline_data, val.str->data, val.str->len);
    } else {
        out->is_int = false;
        out->buf = bytes_ref(val.str);
    }
}

void do_string_snapshot(struct shard *s, const struct entry *e, struct string_snapshot *out)
{
    (void)s;
    string_snapshot(entry_encoding(e), entry_payload(e), out);
}

bool view_string_snapshot(const struct entry_view *v, struct string_snapshot *out)
{
    int encoding = (int)ENTRY_META_ENCODING(v->meta);
    if (encoding == ENCODING_RAW_GROWABLE)
        return false;
    /* Any other buffer is immutable, and allocated while the section lasts
     * (the table's reference is dropped through core/ebr). */
    string_snapshot(encoding, v->val, out);
    return true;
}

enum peek_result peek_string_snapshot(const struct key *k, int64_t now_ms,
                                      struct string_snapshot *out, bool *wrongtype)
{
    struct entry_view v;
    ebr_enter();
    enum peek_result r = shard_peek(k->shard, k, now_ms, LOOKUP_READ, &v);
    if (r == PEEK_HIT) {
        if (ENTRY_META_TYPE(v.meta) != VALUE_STRING)
            *wrongtype = true;
        else if (!view_string_snapshot(&v, out))
            r = PEEK_LOCK;
    }
    ebr_exit();
    shard_count_peek(k->shard, k, r);
    return r;
}

bool do_read_string(struct shard *s, const struct key *k, int64_t now_ms,
                    struct string_snapshot *out)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_READ, NULL);
    if (e && entry_type(e) != VALUE_STRING)
        return false;
    if (e)
        do_string_snapshot(s, e, out);
    return true;
}

bool read_string(const struct key *k, int64_t now_ms, struct string_snapshot *out)
{
    bool wrongtype = false;
    if (peek_string_snapshot(k, now_ms, out, &wrongtype) != PEEK_LOCK)
        return !wrongtype;
    bool ok = false;
    SHARD_GUARD (k->shard)
        ok = do_read_string(k->shard, k, now_ms, out);
    return ok;
}

enum peek_result peek_fields(const struct key *k, int64_t now_ms, unsigned flags,
                             struct entry_view *view)
{
    ebr_enter();
    enum peek_result r = shard_peek(k->shard, k, now_ms, flags, view);
    ebr_exit();
    shard_count_peek(k->shard, k, r);
    return r;
}

bool peek_many(const struct key *keys, int n, int64_t now_ms, unsigned flags, peek_visit_fn visit,
               void *ctx)
{
    assert(n > 0 && !(flags & (LOOKUP_WRITE | LOOKUP_NOSTATS)));
    if (n > PEEK_MANY_MAX)
        return false; /* not counted: these never try */
    uint64_t seqs[PEEK_MANY_MAX];
    uint64_t hits = 0;
    _Static_assert(PEEK_MANY_MAX <= 32, "one bit per key below");
    uint32_t missed = 0; /* bit i: keys[i] is missing */
    bool ok = true;
    ebr_enter();
    for (int i = 0; i < n && ok; i++) {
        struct entry_view v;
        enum peek_result r = shard_peek(keys[i].shard, &keys[i], now_ms, flags, &v);
        ok = r != PEEK_LOCK;
        if (ok) {
            seqs[i] = v.seq;
            hits += r == PEEK_HIT;
            if (r == PEEK_MISS)
                missed |= 1u << i;
            ok = visit(ctx, i, &v);
        }
    }
    /* Each snapshot held when it was taken; if no shard changed since, they
     * all held at this moment, together. */
    for (int i = 0; i < n && ok; i++)
        ok = shard_peek_valid(keys[i].shard, seqs[i]);
    ebr_exit();
    if (ok) {
        shard_count_peeks(keys[0].shard, hits, (uint64_t)n - hits);
        for (int i = 0; i < n; i++)
            if (missed & (1u << i))
                shard_key_missed(keys[i].shard, &keys[i]);
    } else
        shard_count_peek(keys[0].shard, &keys[0], PEEK_LOCK);
    return ok;
}

void snapshot_release(struct string_snapshot *snap)
{
    if (snap->present && snap->buf)
        bytes_unref(snap->buf);
    snap->present = false;
}

void reply_snapshot(struct reply *r, struct string_snapshot *snap)
{
    if (!snap->present)
        reply_null(r);
    else if (snap->is_int)
        reply_bulk_ll(r, snap->num);
    else if (!snap->buf)
        reply_bulk(r, snap->inline_data, snap->inline_len);
    else
        reply_bulk_bytes(r, snap->buf);
    snapshot_release(snap);
}

const char *snapshot_data(const struct string_snapshot *snap, char digits[STRCONV_LL_BUF],
                          size_t *len)
{
    if (snap->is_int) {
        *len = strconv_format_ll(digits, snap->num);
        return digits;
    }
    if (!snap->buf) {
        *len = snap->inline_len;
        return snap->inline_data;
    }
    *len = snap->buf->len;
    return snap->buf->data;
}

bool multi_keys_init(struct multi_keys *mk, struct cmd_ctx *c, int first, int last, int step)
{
    mk->n = (last - first) / step + 1;
    mk->keys = mk->inline_keys;
    shard_set_init(&mk->set, c->ks);
    if (mk->n > MULTI_KEYS_INLINE) {
        mk->keys = mem_alloc((size_t)mk->n * sizeof(*mk->keys));
        if (!mk->keys)
            goto oom;
    }
    for (int i = 0; i < mk->n; i++) {
        cmd_key(c, first + i * step, &mk->keys[i]);
        if (shard_set_add(&mk->set, mk->keys[i].shard_id) != 0)
            goto oom;
    }
    return true;
oom:
    multi_keys_free(mk);
    reply_error(c->reply, ERR_OOM);
    return false;
}

void multi_keys_free(struct multi_keys *mk)
{
    if (mk->keys != mk->inline_keys)
        mem_free(mk->keys);
    mk->keys = mk->inline_keys;
    shard_set_free(&mk->set);
}
