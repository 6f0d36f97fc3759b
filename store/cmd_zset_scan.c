/*
 * ZSCAN and ZRANDMEMBER. ZSCAN walks the member table with the table
 * engine's reverse-binary cursor (a listpack is returned whole with cursor
 * 0, as Redis does), copying what it found out from under the lock; scores
 * are written as Redis writes them into a scan (d2string's form).
 * ZRANDMEMBER picks uniformly by rank.
 */
#include "store/cmd_zset.h"

#include "core/alloc.h"
#include "core/glob.h"

#include <stdio.h>
#include <string.h>

/* ---- ZSCAN ---- */

struct scan_buf {
    char *data;
    size_t used, cap;
    size_t count;
    size_t visited;
    const struct resp_arg *pattern;
    bool oom;
    bool large; /* Redis formats a skiplist's scores with ld2string: -0 stays "-0" */
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

/* Redis counts what it collected before filtering: two per element. */
static void scan_visit(void *ctx, const struct zset_elem *e)
{
    struct scan_buf *b = ctx;
    b->visited += 2;
    if (b->oom ||
        (b->pattern && !glob_match(b->pattern->ptr, b->pattern->len, e->ptr, e->len, false)))
        return;
    char score[32];
    int n = b->large ? snprintf(score, sizeof(score), "%.17g", e->score)
                     : zset_format_score(score, e->score);
    scan_buf_add(b, e->ptr, e->len);
    scan_buf_add(b, score, (size_t)n);
}

/* As Redis: the cursor is checked first, then the key, then the options. */
void zscan_command(struct cmd_ctx *c)
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
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        missing = !e;
        if (e)
            options_ok = arg_scan_options(c, 3, &count, &b.pattern, NULL);
        if (e && options_ok) {
            struct value v;
            entry_value(e, &v);
            b.large = v.encoding != ENCODING_LISTPACK;
            long long budget = scan_budget(count);
            do {
                cursor = zset_scan(&v, cursor, scan_visit, &b);
            } while (cursor && budget-- > 0 && b.visited < (unsigned long long)count && !b.oom);
        }
    }
    if (reply_result_error(c, result) || !options_ok || b.oom) {
        if (b.oom)
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

/* ---- ZRANDMEMBER ---- */

static void reply_elem(struct reply *r, const struct zset_elem *e, bool withscores)
{
    if (withscores && r->proto >= 3)
        reply_array(r, 2);
    reply_bulk(r, e->ptr, e->len);
    if (withscores)
        reply_double(r, e->score);
}

/* Distinct random ranks by rejection against a small open-addressing set
 * (count well below size), or a partial shuffle of every rank. */
static bool reply_distinct(struct reply *r, const struct value *v, uint64_t count, bool withscores)
{
    uint64_t size = zset_card(v), *rng = zset_rng();
    struct zset_elem e;
    if (count * 3 > size) {
        uint64_t *ranks = mem_alloc(size * sizeof(*ranks));
        if (!ranks)
            return false;
        for (uint64_t i = 0; i < size; i++)
            ranks[i] = i;
        reply_array(r, withscores && r->proto < 3 ? 2 * count : count);
        for (uint64_t i = 0; i < count; i++) {
            uint64_t j = i + table_rng_next(rng) % (size - i), t = ranks[i];
            ranks[i] = ranks[j];
            ranks[j] = t;
            zset_at(v, ranks[i], &e);
            reply_elem(r, &e, withscores);
        }
        mem_free(ranks);
        return true;
    }
    uint64_t cap = 16;
    while (cap < 2 * count)
        cap *= 2;
    uint64_t *seen = mem_alloc(cap * sizeof(*seen)); /* rank + 1; 0: empty */
    if (!seen)
        return false;
    memset(seen, 0, cap * sizeof(*seen));
    reply_array(r, withscores && r->proto < 3 ? 2 * count : count);
    for (uint64_t picked = 0; picked < count;) {
        uint64_t rank = table_rng_next(rng) % size,
                 slot = (rank * 0x9E3779B97F4A7C15ULL) & (cap - 1);
        while (seen[slot] && seen[slot] != rank + 1)
            slot = (slot + 1) & (cap - 1);
        if (seen[slot])
            continue;
        seen[slot] = rank + 1;
        picked++;
        zset_at(v, rank, &e);
        reply_elem(r, &e, withscores);
    }
    mem_free(seen);
    return true;
}

static enum cmd_result do_zrandmember_count(struct cmd_ctx *c, const struct value *v, long long l,
                                            bool withscores)
{
    struct reply *r = c->reply;
    uint64_t size = zset_card(v), count = l >= 0 ? (uint64_t)l : (uint64_t)-l;
    struct zset_elem e;
    if (count == 0) {
        reply_array(r, 0);
    } else if (l < 0 || count == 1) {
        reply_array(r, withscores && r->proto < 3 ? 2 * count : count);
        for (uint64_t i = 0; i < count; i++) {
            zset_random(v, zset_rng(), &e);
            reply_elem(r, &e, withscores);
        }
    } else if (count >= size) {
        struct zset_iter it; /* the whole set, highest first, as Redis 7.0 */
        zset_iter_init(&it, v, size - 1, true);
        reply_zset_elems(r, &it, size, withscores);
    } else if (!reply_distinct(r, v, count, withscores)) {
        return CMD_ERR_OOM;
    }
    return CMD_OK;
}

/* ZRANDMEMBER key [count [WITHSCORES]] */
void zrandmember_command(struct cmd_ctx *c)
{
    long long l = 0;
    bool withscores = false;
    if (c->argc >= 3) {
        if (!arg_ll_range(c, 2, -LLONG_MAX, LLONG_MAX, NULL, &l))
            return;
        if (c->argc > 4 || (c->argc == 4 && !arg_is(&c->argv[3], "withscores"))) {
            reply_error(c->reply, ERR_SYNTAX);
            return;
        }
        withscores = c->argc == 4;
        if (withscores && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
            reply_error(c->reply, "ERR value is out of range");
            return;
        }
    }
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_zset_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        struct value v;
        if (e)
            entry_value(e, &v);
        if (result != CMD_OK) {
        } else if (c->argc >= 3) {
            if (e)
                result = do_zrandmember_count(c, &v, l, withscores);
            else
                reply_array(c->reply, 0);
        } else if (e) {
            struct zset_elem el;
            zset_random(&v, zset_rng(), &el);
            reply_bulk(c->reply, el.ptr, el.len);
        } else {
            reply_null(c->reply);
        }
    }
    reply_result_error(c, result);
}
