/*
 * LPUSH, RPUSH, LPUSHX, RPUSHX, LLEN, LINDEX, LSET, LINSERT, LRANGE, LTRIM,
 * LREM: the list commands on one key. A list is changed and read only under
 * its shard lock, and replies that read elements are written while it is
 * held (elements point into the list). A list emptied by a command is
 * deleted, as in Redis.
 */
#include "core/strconv.h"
#include "store/cmd_util.h"
#include "store/commands.h"
#include "store/list.h"

#include <errno.h>

#define ERR_NO_SUCH_KEY "ERR no such key"
#define ERR_INDEX_RANGE "ERR index out of range"

/* Deletes a list key whose last element a command removed ("del"). */
void do_list_delete_if_empty(struct shard *s, const struct key *k, struct entry *e)
    REQUIRES(&s->lock)
{
    if (quicklist_count(entry_list(e)) > 0)
        return;
    entry_retire(do_detach_key(s, k));
    do_key_event(s, k, NOTIFY_GENERIC, "del");
}

/* The list at k for a write: NULL when missing; *result is WRONGTYPE when
 * the key holds something else. */
struct entry *do_list_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                             enum cmd_result *result) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, flags, NULL);
    *result = CMD_OK;
    if (e && entry_type(e) != VALUE_LIST) {
        *result = CMD_ERR_WRONGTYPE;
        return NULL;
    }
    return e;
}

/* Pushes argv[first..] at one end, creating the list unless only_existing;
 * *len gets the length after. All or nothing: on failure what was pushed is
 * popped again. */
static enum cmd_result do_push(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               enum quicklist_end end, bool only_existing, long long *len)
    REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK || (!e && only_existing))
        return result;
    struct quicklist *ql = e ? entry_list(e) : list_new(c->ks);
    if (!ql)
        return CMD_ERR_OOM;
    size_t before = quicklist_count(ql);
    for (int i = 2; i < c->argc; i++) {
        if (quicklist_push(ql, end, c->argv[i].ptr, c->argv[i].len) != 0) {
            while (quicklist_count(ql) > before)
                quicklist_pop(ql, end, NULL, NULL);
            if (!e)
                quicklist_free(ql);
            return CMD_ERR_OOM;
        }
    }
    *len = (long long)quicklist_count(ql);
    if (!e) {
        struct value v;
        list_value(ql, &v);
        if (!do_insert(s, k, &v, ENTRY_NO_TTL, c->now_ms)) {
            quicklist_free(ql);
            return CMD_ERR_OOM;
        }
    }
    do_key_event(s, k, NOTIFY_LIST, end == QUICKLIST_HEAD ? "lpush" : "rpush");
    return CMD_OK;
}

static void push_generic(struct cmd_ctx *c, enum quicklist_end end, bool only_existing)
{
    struct key k;
    cmd_key(c, 1, &k);
    long long len = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_push(k.shard, &k, c, end, only_existing, &len);
    if (!reply_result_error(c, result))
        reply_int(c->reply, len);
}

void lpush_command(struct cmd_ctx *c)
{
    push_generic(c, QUICKLIST_HEAD, false);
}

void rpush_command(struct cmd_ctx *c)
{
    push_generic(c, QUICKLIST_TAIL, false);
}

void lpushx_command(struct cmd_ctx *c)
{
    push_generic(c, QUICKLIST_HEAD, true);
}

void rpushx_command(struct cmd_ctx *c)
{
    push_generic(c, QUICKLIST_TAIL, true);
}

void llen_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_OK;
    long long len = 0;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_list_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e)
            len = (long long)quicklist_count(entry_list(e));
    }
    if (!reply_result_error(c, result))
        reply_int(c->reply, len);
}

/* LINDEX's reply, written under the lock (the element lives in the list).
 * As in Redis the key is looked up before the index is read: a missing key
 * answers nil, another type WRONGTYPE, whatever the index (index_ok false:
 * not an integer). */
static enum cmd_result do_lindex(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                 bool index_ok, long long index) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_READ, &result);
    if (result != CMD_OK)
        return result;
    if (e && !index_ok)
        return CMD_ERR_NOT_INT;
    struct listpack_value v;
    int found = 0;
    if (e) {
        struct quicklist_iter it;
        quicklist_iter_init(&it, entry_list(e), (long)index, QUICKLIST_FORWARD);
        found = quicklist_iter_next(&it, &v);
        if (found == 1)
            reply_list_value(c->reply, &v);
        quicklist_iter_release(&it);
    }
    if (found < 0)
        return CMD_ERR_OOM;
    if (found == 0)
        reply_null(c->reply);
    return CMD_OK;
}

void lindex_command(struct cmd_ctx *c)
{
    long long index = 0;
    bool index_ok = strconv_parse_ll(c->argv[2].ptr, c->argv[2].len, &index);
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_lindex(k.shard, &k, c, index_ok, index);
    reply_result_error(c, result);
}

/* LSET under the lock; like LINDEX, the key comes before the index. */
static enum cmd_result do_lset(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               bool index_ok, long long index, bool *no_key, bool *out_of_range)
    REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    if (!e) {
        *no_key = true;
        return CMD_OK;
    }
    if (!index_ok)
        return CMD_ERR_NOT_INT;
    int rc = quicklist_set(entry_list(e), (long)index, c->argv[3].ptr, c->argv[3].len);
    if (rc == -ERANGE) {
        *out_of_range = true;
        return CMD_OK;
    }
    if (rc != 0)
        return CMD_ERR_OOM;
    do_key_event(s, k, NOTIFY_LIST, "lset");
    return CMD_OK;
}

void lset_command(struct cmd_ctx *c)
{
    long long index = 0;
    bool index_ok = strconv_parse_ll(c->argv[2].ptr, c->argv[2].len, &index);
    struct key k;
    cmd_key(c, 1, &k);
    bool no_key = false, out_of_range = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_lset(k.shard, &k, c, index_ok, index, &no_key, &out_of_range);
    if (reply_result_error(c, result))
        return;
    if (no_key)
        reply_error(c->reply, ERR_NO_SUCH_KEY);
    else if (out_of_range)
        reply_error(c->reply, ERR_INDEX_RANGE);
    else
        reply_ok(c->reply);
}

/* LINSERT under the lock: *len is the new length, -1 without the pivot, 0
 * without the key. */
static enum cmd_result do_linsert(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                  enum listpack_where where, long long *len) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (!e)
        return result;
    struct quicklist *ql = entry_list(e);
    const struct resp_arg *pivot = &c->argv[3], *value = &c->argv[4];
    int rc = quicklist_insert_at_pivot(ql, where, pivot->ptr, pivot->len, value->ptr, value->len);
    if (rc < 0)
        return CMD_ERR_OOM;
    if (rc == 0) {
        *len = -1;
        return CMD_OK;
    }
    do_key_event(s, k, NOTIFY_LIST, "linsert");
    *len = (long long)quicklist_count(ql);
    return CMD_OK;
}

void linsert_command(struct cmd_ctx *c)
{
    enum listpack_where where;
    if (arg_is(&c->argv[2], "BEFORE")) {
        where = LISTPACK_BEFORE;
    } else if (arg_is(&c->argv[2], "AFTER")) {
        where = LISTPACK_AFTER;
    } else {
        reply_error(c->reply, ERR_SYNTAX);
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    long long len = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_linsert(k.shard, &k, c, where, &len);
    if (!reply_result_error(c, result))
        reply_int(c->reply, len);
}

/* Redis's range arithmetic (LRANGE): [*start, *end] inside a list of len
 * elements, or false when the range is empty. */
static bool list_range(long long len, long long *start, long long *end)
{
    if (*start < 0)
        *start += len;
    if (*end < 0)
        *end += len;
    if (*start < 0)
        *start = 0;
    if (*start > *end || *start >= len)
        return false;
    if (*end >= len)
        *end = len - 1;
    return true;
}

/* LRANGE's reply, written under the lock. */
static enum cmd_result do_lrange(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                 long long start, long long end) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_READ, &result);
    if (result != CMD_OK)
        return result;
    if (!e || !list_range((long long)quicklist_count(entry_list(e)), &start, &end)) {
        reply_array(c->reply, 0);
        return CMD_OK;
    }
    long long n = end - start + 1;
    struct quicklist_iter it;
    quicklist_iter_init(&it, entry_list(e), (long)start, QUICKLIST_FORWARD);
    struct reply_deferred d = reply_defer(c->reply);
    long long written = 0;
    struct listpack_value v;
    int rc = 1;
    while (written < n && (rc = quicklist_iter_next(&it, &v)) == 1) {
        reply_list_value(c->reply, &v);
        written++;
    }
    quicklist_iter_release(&it);
    reply_array_fill(c->reply, d, (size_t)written);
    return rc < 0 ? CMD_ERR_OOM : CMD_OK;
}

void lrange_command(struct cmd_ctx *c)
{
    long long start, end;
    if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &end))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_lrange(k.shard, &k, c, start, end);
    if (result == CMD_ERR_OOM) /* a partial array went out: the client must go */
        c->reply->out->oom = true;
    else
        reply_result_error(c, result);
}

static enum cmd_result do_ltrim(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                long long start, long long end) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (!e)
        return result;
    struct quicklist *ql = entry_list(e);
    long long len = (long long)quicklist_count(ql);
    long long left, right;
    if (list_range(len, &start, &end)) {
        left = start;
        right = len - end - 1;
    } else {
        left = len;
        right = 0;
    }
    if (quicklist_delete_range(ql, 0, (size_t)left) != 0 ||
        quicklist_delete_range(ql, -(long)right, (size_t)right) != 0)
        return CMD_ERR_OOM;
    do_key_event(s, k, NOTIFY_LIST, "ltrim");
    do_list_delete_if_empty(s, k, e);
    return CMD_OK;
}

void ltrim_command(struct cmd_ctx *c)
{
    long long start, end;
    if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &end))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_ltrim(k.shard, &k, c, start, end);
    if (!reply_result_error(c, result))
        reply_ok(c->reply);
}

static enum cmd_result do_lrem(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               long long count, size_t *removed) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (!e)
        return result;
    const struct resp_arg *value = &c->argv[3];
    int rc = quicklist_remove(entry_list(e), value->ptr, value->len, (long)count, removed);
    if (*removed > 0) {
        do_key_event(s, k, NOTIFY_LIST, "lrem");
        do_list_delete_if_empty(s, k, e);
    }
    return rc == 0 ? CMD_OK : CMD_ERR_OOM;
}

void lrem_command(struct cmd_ctx *c)
{
    long long count;
    if (!arg_ll(c, 2, &count))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    size_t removed = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_lrem(k.shard, &k, c, count, &removed);
    if (!reply_result_error(c, result))
        reply_int(c->reply, (long long)removed);
}
