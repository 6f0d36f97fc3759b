/*
 * HKEYS, HVALS, HGETALL and HSCAN: the hash commands that read many fields.
 * Replies are written under the shard lock (fields point into the hash),
 * except HSCAN's, which needs its cursor before its elements and so copies
 * them out first.
 */
#include "store/cmd_hash.h"
#include "store/commands.h"

#include "core/alloc.h"
#include "core/glob.h"

#include <stdio.h>
#include <stdlib.h>

enum hash_part { PART_FIELDS = 1, PART_VALUES = 2, PART_BOTH = 3 };

struct getall {
    struct reply *r;
    enum hash_part parts;
};

static void reply_field(void *ctx, const struct hash_bytes *f, const struct hash_bytes *v)
{
    struct getall *g = ctx;
    if (g->parts & PART_FIELDS)
        reply_hash_bytes(g->r, f);
    if (g->parts & PART_VALUES)
        reply_hash_bytes(g->r, v);
}

/* HGETALL answers a map (RESP3), HKEYS and HVALS an array. */
static void getall_generic(struct cmd_ctx *c, enum hash_part parts)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_hash_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        struct value v = {0};
        if (e)
            entry_value(e, &v);
        size_t n = e ? hash_length(&v) : 0;
        if (result == CMD_OK) {
            if (parts == PART_BOTH)
                reply_map(c->reply, n);
            else
                reply_array(c->reply, n);
        }
        struct getall g = {c->reply, parts};
        if (e)
            hash_foreach(&v, reply_field, &g);
    }
    reply_result_error(c, result);
}

void hkeys_command(struct cmd_ctx *c)
{
    getall_generic(c, PART_FIELDS);
}

void hvals_command(struct cmd_ctx *c)
{
    getall_generic(c, PART_VALUES);
}

void hgetall_command(struct cmd_ctx *c)
{
    getall_generic(c, PART_BOTH);
}

/* ---- HSCAN ---- */

/* Fields and values copied out from under the lock: (len, bytes) pairs. */
struct scan_buf {
    char *data;
    size_t used, cap;
    size_t count; /* strings */
    size_t visited;
    const struct resp_arg *pattern; /* NULL: every field */
    bool oom;
};

static void scan_buf_add(struct scan_buf *b, const void *p, size_t len)
{
    uint32_t len32 = (uint32_t)len;
    size_t need = b->used + sizeof(len32) + len;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < need)
            cap *= 2;
        char *grown = mem_realloc(b->data, cap);
        if (!grown) {
            b->oom = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->used, &len32, sizeof(len32));
    memcpy(b->data + b->used + sizeof(len32), p, len);
    b->used = need;
    b->count++;
}

/* Redis counts what it collected before filtering: two per field. */
static void scan_visit(void *ctx, const struct hash_bytes *f, const struct hash_bytes *v)
{
    struct scan_buf *b = ctx;
    b->visited += 2;
    if (b->oom || (b->pattern && !glob_match(b->pattern->ptr, b->pattern->len, (const char *)f->ptr,
                                             f->len, false)))
        return;
    scan_buf_add(b, f->ptr, f->len);
    scan_buf_add(b, v->ptr, v->len);
}

/* As Redis: the cursor is checked first, then the key, then the options
 * (a missing key answers an empty scan whatever they are). */
void hscan_command(struct cmd_ctx *c)
{
    uint64_t cursor;
    if (!arg_cursor(c, 2, &cursor))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    struct scan_buf b = {0};
    long long count = 10;
    bool missing = false, options_ok = true;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_hash_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        missing = !e;
        if (e)
            options_ok = arg_scan_options(c, 3, &count, &b.pattern, NULL);
        if (e && options_ok) {
            struct value v;
            entry_value(e, &v);
            long long budget = scan_budget(count);
            do {
                cursor = hash_scan(&v, cursor, scan_visit, &b);
            } while (cursor && budget-- > 0 && b.visited < (unsigned long long)count && !b.oom);
        }
    }
    if (reply_result_error(c, result) || !options_ok) {
        mem_free(b.data);
        return;
    }
    if (b.oom) {
        reply_error(c->reply, ERR_OOM);
        mem_free(b.data);
        return;
    }
    char digits[STRCONV_LL_BUF + 1];
    int n = snprintf(digits, sizeof(digits), "%llu", missing ? 0ULL : (unsigned long long)cursor);
    reply_array(c->reply, 2);
    reply_bulk(c->reply, digits, (size_t)n);
    reply_array(c->reply, b.count);
    for (size_t at = 0; at < b.used;) {
        uint32_t len;
        memcpy(&len, b.data + at, sizeof(len));
        reply_bulk(c->reply, b.data + at + sizeof(len), len);
        at += sizeof(len) + len;
    }
    mem_free(b.data);
}
