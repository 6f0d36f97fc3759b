/*
 * HRANDFIELD: random fields of a hash, uniformly chosen on both encodings
 * (hash_random_item). With a negative count fields may repeat; with a
 * positive one they are distinct, picked as Redis picks them: the whole hash
 * when the count covers it, a partial shuffle of every field when the count
 * is more than a third of them, otherwise random picks with the repeats
 * thrown away (a small set of the items already picked).
 */
#include "store/cmd_hash.h"
#include "store/commands.h"

#include "core/alloc.h"

#include <limits.h>

static _Thread_local uint64_t random_state;

static uint64_t *rng(int64_t now_ms)
{
    if (random_state == 0)
        random_state =
            (uint64_t)now_ms ^ (uint64_t)(uintptr_t)&random_state ^ 0x9E3779B97F4A7C15ULL;
    return &random_state;
}

static void reply_item(struct reply *r, const struct value *v, hash_item it, bool withvalues)
{
    struct hash_bytes f, val;
    hash_item_read(v, it, &f, withvalues ? &val : NULL);
    if (withvalues && r->proto > 2)
        reply_array(r, 2);
    reply_hash_bytes(r, &f);
    if (withvalues)
        reply_hash_bytes(r, &val);
}

static void reply_header(struct reply *r, size_t n, bool withvalues)
{
    reply_array(r, withvalues && r->proto == 2 ? n * 2 : n);
}

/* With repeats: count independent picks. */
static enum cmd_result do_random_repeat(struct cmd_ctx *c, const struct value *v, size_t count,
                                        bool withvalues)
{
    uint64_t *state = rng(c->now_ms);
    hash_item *items = NULL;
    size_t n = hash_length(v);
    if (v->encoding == ENCODING_LISTPACK) { /* one walk, then picks by index */
        items = mem_alloc(n * sizeof(*items));
        if (!items)
            return CMD_ERR_OOM;
        hash_items(v, items);
    }
    reply_header(c->reply, count, withvalues);
    for (size_t i = 0; i < count && !reply_oom(c->reply); i++) {
        hash_item it = items ? items[hash_random_next(state) % n] : hash_random_item(v, state);
        reply_item(c->reply, v, it, withvalues);
    }
    mem_free(items);
    return CMD_OK;
}

/* Distinct picks by a partial Fisher-Yates shuffle of every item. */
static enum cmd_result do_random_shuffle(struct cmd_ctx *c, const struct value *v, size_t count,
                                         bool withvalues)
{
    size_t n = hash_length(v);
    hash_item *items = mem_alloc(n * sizeof(*items));
    if (!items)
        return CMD_ERR_OOM;
    hash_items(v, items);
    uint64_t *state = rng(c->now_ms);
    reply_header(c->reply, count, withvalues);
    for (size_t i = 0; i < count; i++) {
        size_t j = i + (size_t)(hash_random_next(state) % (n - i));
        hash_item t = items[i];
        items[i] = items[j];
        items[j] = t;
        reply_item(c->reply, v, items[i], withvalues);
    }
    mem_free(items);
    return CMD_OK;
}

/* Distinct picks by rejection of repeats (count at most a third of the
 * hash, so a pick is new with probability at least 2/3). */
static enum cmd_result do_random_distinct(struct cmd_ctx *c, const struct value *v, size_t count,
                                          bool withvalues)
{
    size_t slots = 4;
    while (slots < count * 2)
        slots *= 2;
    hash_item *seen = mem_calloc(slots, sizeof(*seen));
    hash_item *picked = mem_alloc(count * sizeof(*picked));
    if (!seen || !picked) {
        mem_free(seen);
        mem_free(picked);
        return CMD_ERR_OOM;
    }
    uint64_t *state = rng(c->now_ms);
    for (size_t got = 0; got < count;) {
        hash_item it = hash_random_item(v, state);
        size_t at = (size_t)((it * 0x9E3779B97F4A7C15ULL) >> 17) & (slots - 1);
        while (seen[at] && seen[at] != it)
            at = (at + 1) & (slots - 1);
        if (seen[at])
            continue;
        seen[at] = it;
        picked[got++] = it;
    }
    reply_header(c->reply, count, withvalues);
    for (size_t i = 0; i < count; i++)
        reply_item(c->reply, v, picked[i], withvalues);
    mem_free(seen);
    mem_free(picked);
    return CMD_OK;
}

struct reply_all {
    struct reply *r;
    bool withvalues;
};

static void reply_all_visit(void *ctx, const struct hash_bytes *f, const struct hash_bytes *val)
{
    struct reply_all *a = ctx;
    if (a->withvalues && a->r->proto > 2)
        reply_array(a->r, 2);
    reply_hash_bytes(a->r, f);
    if (a->withvalues)
        reply_hash_bytes(a->r, val);
}

/* HRANDFIELD key count [WITHVALUES], under the lock; l in
 * [-LONG_MAX, LONG_MAX]. */
static enum cmd_result do_hrandfield_count(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                           long long l, bool withvalues) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_hash_lookup(s, k, c->now_ms, LOOKUP_READ, &result);
    if (result != CMD_OK)
        return result;
    if (!e || l == 0) {
        reply_array(c->reply, 0);
        return CMD_OK;
    }
    struct value v;
    entry_value(e, &v);
    size_t size = hash_length(&v);
    size_t count = (size_t)(l < 0 ? -l : l);
    if (l < 0 || count == 1)
        return do_random_repeat(c, &v, count, withvalues);
    if (count >= size) {
        reply_header(c->reply, size, withvalues);
        struct reply_all a = {c->reply, withvalues};
        hash_foreach(&v, reply_all_visit, &a);
        return CMD_OK;
    }
    if (v.encoding == ENCODING_LISTPACK || count * 3 > size)
        return do_random_shuffle(c, &v, count, withvalues);
    return do_random_distinct(c, &v, count, withvalues);
}

static enum cmd_result do_hrandfield_one(struct shard *s, const struct key *k, struct cmd_ctx *c)
    REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_hash_lookup(s, k, c->now_ms, LOOKUP_READ, &result);
    if (result != CMD_OK)
        return result;
    if (!e) {
        reply_null(c->reply);
        return CMD_OK;
    }
    struct value v;
    entry_value(e, &v);
    reply_item(c->reply, &v, hash_random_item(&v, rng(c->now_ms)), false);
    return CMD_OK;
}

/* The count and WITHVALUES are checked before the key, as in Redis. */
void hrandfield_command(struct cmd_ctx *c)
{
    long long l = 0;
    bool withvalues = false;
    if (c->argc >= 3) {
        if (!arg_ll_range(c, 2, -LONG_MAX, LONG_MAX, NULL, &l))
            return;
        if (c->argc > 4 || (c->argc == 4 && !arg_is(&c->argv[3], "WITHVALUES"))) {
            reply_error(c->reply, ERR_SYNTAX);
            return;
        }
        withvalues = c->argc == 4;
        if (withvalues && (l < -LONG_MAX / 2 || l > LONG_MAX / 2)) {
            reply_error(c->reply, "ERR value is out of range");
            return;
        }
    }
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        if (c->argc >= 3)
            result = do_hrandfield_count(k.shard, &k, c, l, withvalues);
        else
            result = do_hrandfield_one(k.shard, &k, c);
    }
    reply_result_error(c, result);
}
