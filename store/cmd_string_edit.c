/*
 * APPEND, STRLEN, GETRANGE / SUBSTR, SETRANGE: commands on parts of a string.
 * The writers go through store/strbuf.h, which decides between writing in
 * place (a buffer nobody else can see) and building a new one.
 */
#include "store/cmd_util.h"
#include "store/commands.h"
#include "store/strbuf.h"

/* Writes `data` at `offset` of the entry's string (growing it), under the lock. */
static enum cmd_result do_write_at(struct shard *s, struct entry *e, size_t offset,
                                   const char *data, size_t len, int64_t now_ms, size_t *result)
    REQUIRES(&s->lock)
{
    struct value cur;
    entry_value(e, &cur);
    size_t cur_len = value_string_len(cur.encoding, cur.p);
    size_t new_len = offset + len > cur_len ? offset + len : cur_len;
    struct bytes *b;
    if (strbuf_writable(&cur, new_len, &b) != 0)
        return CMD_ERR_OOM;
    do_changed(s); /* in place (lock-free readers never read such a buffer), or anew below */
    memcpy(b->data + offset, data, len);
    if (cur.encoding == ENCODING_INT || b != cur.p.str) {
        struct value v;
        value_string_growable(b, &v);
        do_replace_value(s, e, &v, now_ms);
    }
    *result = new_len;
    return CMD_OK;
}

/* A new key holding what APPEND or SETRANGE wrote into a fresh buffer. */
static enum cmd_result do_insert_string(struct shard *s, const struct key *k, struct value *v,
                                        int64_t now_ms) REQUIRES(&s->lock)
{
    if (do_insert(s, k, v, ENTRY_NO_TTL, now_ms))
        return CMD_OK;
    value_release(v->type, v->encoding, v->p);
    return CMD_ERR_OOM;
}

static enum cmd_result do_append(struct shard *s, const struct key *k, const struct resp_arg *arg,
                                 uint64_t max_len, int64_t now_ms, size_t *total) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    enum cmd_result result;
    if (!e) {
        /* A new key holds the argument as SET would store it. */
        struct value fresh;
        if (value_string_from_arg(arg->ptr, arg->len, arg->owner, &fresh) != 0)
            return CMD_ERR_OOM;
        result = do_insert_string(s, k, &fresh, now_ms);
        *total = arg->len;
    } else if (entry_type(e) != VALUE_STRING) {
        return CMD_ERR_WRONGTYPE;
    } else {
        size_t len = value_string_len(entry_encoding(e), entry_payload(e));
        if ((uint64_t)len + arg->len > max_len)
            return CMD_ERR_TOO_BIG;
        result = do_write_at(s, e, len, arg->ptr, arg->len, now_ms, total);
    }
    if (result == CMD_OK)
        do_key_event(s, k, NOTIFY_STRING, "append");
    return result;
}

/* APPEND's and SETRANGE's reply: the string's new length, or the error. */
static void reply_edit(struct cmd_ctx *c, enum cmd_result result, size_t total)
{
    if (!reply_result_error(c, result))
        reply_int(c->reply, (long long)total);
}

void append_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    size_t total = 0;
    enum cmd_result result = CMD_ERR_OOM; /* set under the lock */
    SHARD_GUARD (k.shard)
        result = do_append(k.shard, &k, &c->argv[2], string_max_len(c), c->now_ms, &total);
    reply_edit(c, result, total);
}

struct strlen_answer {
    long long len;
    bool wrongtype;
};

static bool strlen_visit(void *ctx, int i, const struct entry_view *v)
{
    (void)i;
    struct strlen_answer *a = ctx;
    if (!v->e)
        return true;
    int encoding = (int)ENTRY_META_ENCODING(v->meta);
    if (ENTRY_META_TYPE(v->meta) != VALUE_STRING) {
        a->wrongtype = true;
        return true;
    }
    if (encoding == ENCODING_RAW_GROWABLE)
        return false; /* its length changes in place: under the lock */
    a->len = (long long)value_string_len(encoding, v->val);
    return true;
}

void strlen_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    struct strlen_answer a = {0, false};
    if (peek_many(&k, 1, c->now_ms, LOOKUP_READ, strlen_visit, &a)) {
        if (a.wrongtype)
            reply_error(c->reply, ERR_WRONGTYPE);
        else
            reply_int(c->reply, a.len);
        return;
    }
    long long len = 0;
    bool wrongtype = false;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, NULL);
        if (e && entry_type(e) != VALUE_STRING)
            wrongtype = true;
        else if (e)
            len = (long long)value_string_len(entry_encoding(e), entry_payload(e));
    }
    if (wrongtype)
        reply_error(c->reply, ERR_WRONGTYPE);
    else
        reply_int(c->reply, len);
}

void getrange_command(struct cmd_ctx *c)
{
    long long start, end;
    if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &end))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    struct string_snapshot snap = {0};
    bool ok = false;
    SHARD_GUARD (k.shard)
        ok = do_read_string(k.shard, &k, c->now_ms, &snap);
    if (!ok) {
        reply_error(c->reply, ERR_WRONGTYPE);
        return;
    }
    if (!snap.present) {
        reply_bulk(c->reply, "", 0);
        return;
    }
    char digits[STRCONV_LL_BUF];
    size_t len;
    const char *data = snapshot_data(&snap, digits, &len);
    long long n = (long long)len;
    /* Redis's arithmetic, including "both negative and reversed: empty". */
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c->reply, "", 0);
    } else {
        if (start < 0)
            start += n;
        if (end < 0)
            end += n;
        if (start < 0)
            start = 0;
        if (end < 0)
            end = 0;
        if (end >= n)
            end = n - 1;
        if (start > end || n == 0)
            reply_bulk(c->reply, "", 0);
        else
            reply_bulk(c->reply, data + start, (size_t)(end - start + 1));
    }
    snapshot_release(&snap);
}

static enum cmd_result do_setrange(struct shard *s, const struct key *k, size_t offset,
                                   const struct resp_arg *arg, uint64_t max_len, int64_t now_ms,
                                   size_t *total) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    if (e && entry_type(e) != VALUE_STRING)
        return CMD_ERR_WRONGTYPE;
    if (arg->len == 0) { /* nothing to write: the current length */
        *total = e ? value_string_len(entry_encoding(e), entry_payload(e)) : 0;
        return CMD_OK;
    }
    if ((uint64_t)offset + arg->len > max_len)
        return CMD_ERR_TOO_BIG;
    enum cmd_result result;
    if (!e) {
        struct bytes *b;
        struct value v;
        if (strbuf_writable(NULL, offset + arg->len, &b) != 0)
            return CMD_ERR_OOM;
        memcpy(b->data + offset, arg->ptr, arg->len);
        value_string_growable(b, &v);
        result = do_insert_string(s, k, &v, now_ms);
        *total = offset + arg->len;
    } else {
        result = do_write_at(s, e, offset, arg->ptr, arg->len, now_ms, total);
    }
    if (result == CMD_OK)
        do_key_event(s, k, NOTIFY_STRING, "setrange");
    return result;
}

void setrange_command(struct cmd_ctx *c)
{
    long long offset;
    if (!arg_ll(c, 2, &offset))
        return;
    if (offset < 0) {
        reply_error(c->reply, "ERR offset is out of range");
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    size_t total = 0;
    enum cmd_result result = CMD_ERR_OOM; /* set under the lock */
    SHARD_GUARD (k.shard)
        result = do_setrange(k.shard, &k, (size_t)offset, &c->argv[3], string_max_len(c), c->now_ms,
                             &total);
    reply_edit(c, result, total);
}
