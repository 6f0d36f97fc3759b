/*
 * SSCAN key cursor [MATCH pattern] [COUNT count]. A set in a packed
 * encoding (intset, listpack) is returned whole with cursor 0, as Redis
 * does; a table is walked with its reverse-binary cursor (store/table.h),
 * so every member present for the whole scan is returned at least once
 * however the table grows, shrinks or rehashes between calls. As in Redis,
 * COUNT bounds the members gathered before MATCH filters them, and a call
 * visits at most 10 x COUNT buckets.
 */
#include "store/cmd_set.h"
#include "store/set_table.h"

#include "core/alloc.h"
#include "core/glob.h"

#include <stdio.h>
#include <stdlib.h>

struct sscan_walk {
    const struct resp_arg *pattern; /* NULL: every member */
    struct set_member_ref *found;
    size_t count, cap;
    bool oom;
};

static void walk_add(struct sscan_walk *w, const struct set_member_ref *m)
{
    if (w->count == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        struct set_member_ref *grown = mem_realloc(w->found, cap * sizeof(*grown));
        if (!grown) {
            w->oom = true;
            return;
        }
        w->found = grown;
        w->cap = cap;
    }
    w->found[w->count++] = *m;
}

static bool packed_visit(void *ctx, const struct set_member_ref *m)
{
    walk_add(ctx, m);
    return true;
}

static void table_visit(void *ctx, struct table_node *n)
{
    struct set_table_member *tm = set_table_member_of(n);
    walk_add(ctx, &(struct set_member_ref){tm->data, tm->len, 0});
}

static bool matches(const struct sscan_walk *w, const struct set_member_ref *m)
{
    if (!w->pattern)
        return true;
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    return glob_match(w->pattern->ptr, w->pattern->len, bytes, len, false);
}

/* Gathers a step of the scan of v from cursor and replies it (members
 * point into the set: under its lock). */
static void do_sscan_reply(struct cmd_ctx *c, const struct value *v, uint64_t cursor,
                           long long count, struct sscan_walk *w)
{
    uint64_t next = 0;
    if (v->encoding != ENCODING_HASHTABLE) {
        set_foreach(v, packed_visit, w);
    } else {
        struct table *t = &((struct set_table *)v->p.obj)->table;
        long long budget = scan_budget(count);
        next = cursor;
        do {
            next = table_scan(t, next, table_visit, w);
        } while (next && budget-- > 0 && (long long)w->count < count && !w->oom);
    }
    if (w->oom) {
        reply_error(c->reply, ERR_OOM);
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; i < w->count; i++)
        if (matches(w, &w->found[i]))
            w->found[kept++] = w->found[i];
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)next);
    reply_array(c->reply, 2);
    reply_bulk(c->reply, digits, (size_t)n);
    reply_array(c->reply, kept);
    for (size_t i = 0; i < kept; i++)
        reply_set_member(c->reply, &w->found[i]);
}

void sscan_command(struct cmd_ctx *c)
{
    uint64_t cursor;
    if (!arg_cursor(c, 2, &cursor))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    struct sscan_walk w = {0};
    SHARD_GUARD (k.shard) {
        struct entry *e = do_set_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (result == CMD_OK && !e) {
            reply_array(c->reply, 2);
            reply_bulk(c->reply, "0", 1);
            reply_array(c->reply, 0);
        } else if (e) {
            long long count = 10;
            bool ok = arg_scan_options(c, 3, &count, &w.pattern, NULL);
            struct value v;
            entry_value(e, &v);
            if (ok)
                do_sscan_reply(c, &v, cursor, count, &w);
        }
    }
    mem_free(w.found);
    reply_result_error(c, result);
}
