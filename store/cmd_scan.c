/*
 * KEYS, SCAN, RANDOMKEY: commands over the whole database.
 *
 * KEYS walks the shards one at a time, each under its own lock for its whole
 * walk (so no key is reported twice); a key present for the whole command is
 * reported exactly once, one created or deleted meanwhile may or may not be.
 *
 * The SCAN cursor is (table cursor << shard_bits) | shard: the low bits name
 * the shard being scanned, the high bits are that shard's reverse-binary
 * table cursor (store/table.h), so every key present for the whole scan is
 * returned at least once however the tables grow, shrink or rehash between
 * calls. When a shard's table cursor wraps to 0 the scan moves to the next
 * shard; the cursor returned after the last shard is 0.
 */
#include "store/cmd_util.h"
#include "store/commands.h"
#include "store/keyspace_impl.h"
#include "store/table_sample.h"
#include "core/glob.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* Keys copied out from under a lock: a growable array of (len, bytes). */
struct key_list {
    char *data;
    size_t used, cap;
    size_t count;
    bool oom;
};

static void key_list_add(struct key_list *l, const char *key, uint32_t len)
{
    size_t need = l->used + sizeof(len) + len;
    if (need > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        while (cap < need)
            cap *= 2;
        char *grown = mem_realloc(l->data, cap);
        if (!grown) {
            l->oom = true;
            return;
        }
        l->data = grown;
        l->cap = cap;
    }
    memcpy(l->data + l->used, &len, sizeof(len));
    memcpy(l->data + l->used + sizeof(len), key, len);
    l->used = need;
    l->count++;
}

static void reply_key_list(struct reply *r, const struct key_list *l)
{
    reply_array(r, l->count);
    for (size_t at = 0; at < l->used;) {
        uint32_t len;
        memcpy(&len, l->data + at, sizeof(len));
        reply_bulk(r, l->data + at + sizeof(len), len);
        at += sizeof(len) + len;
    }
}

/* ---- KEYS ---- */

struct keys_walk {
    const struct resp_arg *pattern;
    bool all;
    int64_t now_ms;
    struct reply *reply;
    size_t count;
};

static void keys_visit(void *ctx, struct table_node *n)
{
    struct keys_walk *w = ctx;
    struct entry *e = entry_of(n);
    const char *key = entry_key(e);
    if (!w->all && !glob_match(w->pattern->ptr, w->pattern->len, key, e->key_len, false))
        return;
    if (expire_passed(entry_expire_at(e), w->now_ms))
        return; /* reported as missing, reclaimed by lookups or active expiry */
    reply_bulk(w->reply, key, e->key_len);
    w->count++;
}

void keys_command(struct cmd_ctx *c)
{
    const struct resp_arg *pattern = &c->argv[1];
    struct keys_walk w = {
        .pattern = pattern,
        .all = pattern->len == 1 && pattern->ptr[0] == '*',
        .now_ms = c->now_ms,
        .reply = c->reply,
    };
    struct reply_deferred len = reply_defer(c->reply);
    uint32_t first = keyspace_db_first_shard(c->ks, c->db);
    for (int i = 0; i < c->ks->shards_per_db; i++) {
        struct shard *s = keyspace_shard(c->ks, first + (uint32_t)i);
        /* Small replies are copied into the output under the lock; a shard
         * is walked in one hold so that no key is reported twice. */
        SHARD_GUARD (s) {
            table_foreach(&s->table, keys_visit, &w);
        }
    }
    reply_array_fill(c->reply, len, w.count);
}

/* ---- SCAN ---- */

#define SCAN_RECLAIM_MAX 64 /* expired keys deleted per SCAN call, at most */

struct scan_walk {
    const struct resp_arg *pattern; /* NULL: every key */
    const struct resp_arg *type;    /* NULL: every type */
    int64_t now_ms;
    long visited;
    struct key_list keys;
    struct entry *expired[SCAN_RECLAIM_MAX];
    int n_expired;
};

static void scan_visit(void *ctx, struct table_node *n)
{
    struct scan_walk *w = ctx;
    struct entry *e = entry_of(n);
    w->visited++;
    if (expire_passed(entry_expire_at(e), w->now_ms)) {
        if (w->n_expired < SCAN_RECLAIM_MAX)
            w->expired[w->n_expired++] = e;
        return;
    }
    if (w->type && !arg_is(w->type, value_type_name(entry_type(e))))
        return;
    const char *key = entry_key(e);
    if (w->pattern && !glob_match(w->pattern->ptr, w->pattern->len, key, e->key_len, false))
        return;
    key_list_add(&w->keys, key, e->key_len);
}

/* Deletes the expired entries a scan step met, as Redis's SCAN does. */
static void do_reclaim(struct shard *s, struct scan_walk *w) REQUIRES(&s->lock)
{
    if (keyspace_expiry_paused(s->ks))
        w->n_expired = 0; /* CLIENT PAUSE: they stay, unseen */
    for (int i = 0; i < w->n_expired; i++) {
        struct entry *e = w->expired[i];
        struct key k = {.ptr = entry_key(e), .len = e->key_len, .shard = s};
        k.hash = hash_key(k.ptr, k.len);
        /* Expired at now_ms: the lookup deletes it (e is invalid after). */
        do_lookup(s, &k, w->now_ms, LOOKUP_WRITE | LOOKUP_NOTOUCH, NULL);
    }
    w->n_expired = 0;
}

void scan_command(struct cmd_ctx *c)
{
    uint64_t cursor;
    if (!arg_cursor(c, 1, &cursor))
        return;
    long long count = 10;
    struct scan_walk w = {.now_ms = c->now_ms};
    if (!arg_scan_options(c, 2, &count, &w.pattern, &w.type))
        return;
    struct keyspace *ks = c->ks;
    int bits = ks->shard_bits;
    uint32_t local = (uint32_t)(cursor & ((uint64_t)ks->shards_per_db - 1));
    uint64_t table_cursor = bits ? cursor >> bits : cursor;
    long long budget = scan_budget(count);
    uint64_t next = 0;
    for (;;) {
        struct shard *s = keyspace_shard(ks, keyspace_db_first_shard(ks, c->db) + local);
        SHARD_GUARD (s) {
            do {
                table_cursor = table_scan(&s->table, table_cursor, scan_visit, &w);
            } while (table_cursor && budget-- > 0 && w.visited < count && !w.keys.oom);
            do_reclaim(s, &w);
        }
        if (w.keys.oom)
            break;
        if (table_cursor != 0) { /* this shard is not finished */
            next = (table_cursor << bits) | local;
            break;
        }
        if (++local == (uint32_t)ks->shards_per_db) { /* all shards done */
            next = 0;
            break;
        }
        if (budget <= 0 || w.visited >= count) { /* start the next shard next time */
            next = local;
            break;
        }
    }
    if (w.keys.oom) {
        reply_error(c->reply, ERR_OOM);
    } else {
        char digits[STRCONV_LL_BUF + 1];
        int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)next);
        reply_array(c->reply, 2);
        reply_bulk(c->reply, digits, (size_t)n);
        reply_key_list(c->reply, &w.keys);
    }
    mem_free(w.keys.data);
}

/* ---- RANDOMKEY ---- */

static _Thread_local uint64_t random_state;

static uint64_t random_below(uint64_t n)
{
    if (random_state == 0)
        random_state = clock_mono_ns() ^ (uint64_t)(uintptr_t)&random_state;
    /* The high half of a 128-bit product: xorshift's low bits are weak. */
    return (uint64_t)(((unsigned __int128)table_rng_next(&random_state) * n) >> 64);
}

static uint64_t db_key_count(struct keyspace *ks, uint32_t first)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < (uint32_t)ks->shards_per_db; i++) {
        struct shard *s = keyspace_shard(ks, first + i);
        SHARD_GUARD (s) {
            total += do_key_count(s);
        }
    }
    return total;
}

enum random_pick { PICK_NONE, PICK_FOUND, PICK_EXPIRED };

/* A key of the shard chosen uniformly; an expired one is reclaimed (unless
 * CLIENT PAUSE holds expiry) and reported as such. */
static enum random_pick do_random_key(struct shard *s, int64_t now_ms, struct key_list *out)
    REQUIRES(&s->lock)
{
    struct entry *e = entry_of(table_random_fair(&s->table, &random_state, &s->random_bound));
    if (!expire_passed(entry_expire_at(e), now_ms)) {
        key_list_add(out, entry_key(e), e->key_len);
        return PICK_FOUND;
    }
    if (!keyspace_expiry_paused(s->ks)) {
        struct key k = {.ptr = entry_key(e), .len = e->key_len, .shard = s};
        k.hash = hash_key(k.ptr, k.len);
        do_lookup(s, &k, now_ms, LOOKUP_WRITE | LOOKUP_NOTOUCH, NULL); /* reclaims it */
    }
    return PICK_EXPIRED;
}

/* Key number `pick` of the database, counting shard by shard: the shard it
 * falls in, then a uniform key there. PICK_NONE when the shards shrank
 * since they were counted. */
static enum random_pick pick_key(struct keyspace *ks, uint32_t first, uint64_t pick, int64_t now_ms,
                                 struct key_list *out)
{
    enum random_pick r = PICK_NONE;
    for (uint32_t i = 0; i < (uint32_t)ks->shards_per_db && r == PICK_NONE; i++) {
        struct shard *s = keyspace_shard(ks, first + i);
        SHARD_GUARD (s) {
            uint64_t n = do_key_count(s);
            if (pick < n)
                r = do_random_key(s, now_ms, out);
            else
                pick -= n;
        }
    }
    return r;
}

/* Every live key of the database equally likely: a shard weighted by its
 * key count (one pass counts, a second finds the shard of the pick), then a
 * uniform key in its table (table_random_fair). An expired pick is reclaimed
 * and another drawn, which keeps the live keys equally likely. Concurrent
 * writers move the counts between the passes; the pick is then as fair as
 * the counts were. Costs two passes over the database's shard locks. */
void randomkey_command(struct cmd_ctx *c)
{
    struct keyspace *ks = c->ks;
    struct key_list key = {0};
    uint32_t first = keyspace_db_first_shard(ks, c->db);
    enum random_pick r = PICK_NONE;
    for (int tries = 0; tries < 100 && r != PICK_FOUND && !key.oom; tries++) {
        uint64_t total = db_key_count(ks, first);
        if (total == 0)
            break;
        r = pick_key(ks, first, random_below(total), c->now_ms, &key);
    }
    if (key.oom)
        reply_error(c->reply, ERR_OOM);
    else if (r != PICK_FOUND)
        reply_null(c->reply);
    else
        reply_bulk(c->reply, key.data + sizeof(uint32_t), key.used - sizeof(uint32_t));
    mem_free(key.data);
}
