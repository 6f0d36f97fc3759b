#include "store/cmd_util.h"

#include "core/alloc.h"

#include <limits.h>

bool arg_ll(struct cmd_ctx *c, int i, long long *out)
{
    if (number_parse_ll(c->argv[i].ptr, c->argv[i].len, out))
        return true;
    reply_error(c->reply, ERR_NOT_INT);
    return false;
}

bool arg_ll_range(struct cmd_ctx *c, int i, long long min, long long max, const char *msg,
                  long long *out)
{
    if (!number_parse_ll(c->argv[i].ptr, c->argv[i].len, out)) {
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

void reply_invalid_expire(struct cmd_ctx *c, const char *name)
{
    reply_errorf(c->reply, "ERR invalid expire time in '%s' command", name);
}

void do_string_snapshot(struct shard *s, const struct entry *e, struct string_snapshot *out)
{
    (void)s;
    out->present = true;
    if (e->encoding == ENCODING_INT) {
        out->is_int = true;
        out->num = e->val.num;
        out->buf = NULL;
    } else if (e->val.str->len <= SNAPSHOT_INLINE) {
        out->is_int = false;
        out->buf = NULL;
        out->inline_len = e->val.str->len;
        memcpy(out->inline_data, e->val.str->data, e->val.str->len);
    } else {
        out->is_int = false;
        out->buf = bytes_ref(e->val.str);
    }
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

const char *snapshot_data(const struct string_snapshot *snap, char digits[NUMBER_LL_BUF],
                          size_t *len)
{
    if (snap->is_int) {
        *len = (size_t)number_format_ll(digits, snap->num);
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
