/*
 * HSET, HMSET, HSETNX, HGET, HMGET, HDEL, HLEN, HSTRLEN, HEXISTS: the hash
 * commands on single fields. A hash is changed and read only under its
 * shard lock, and replies that read fields are written while it is held
 * (they point into the hash). A hash emptied by HDEL is deleted, as in
 * Redis.
 */
#include "store/cmd_hash.h"
#include "store/commands.h"

#include "core/alloc.h"

#include <errno.h>

struct entry *do_hash_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                             enum cmd_result *result) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, flags, NULL);
    *result = CMD_OK;
    if (e && entry_type(e) != VALUE_HASH) {
        *result = CMD_ERR_WRONGTYPE;
        return NULL;
    }
    return e;
}

void hash_limits_of(const struct keyspace *ks, struct hash_limits *out)
{
    struct keyspace *m = (struct keyspace *)ks;
    out->max_entries = (size_t)atomic_load_explicit(&m->hash_max_entries, memory_order_relaxed);
    out->max_value = (size_t)atomic_load_explicit(&m->hash_max_value, memory_order_relaxed);
}

void do_hash_store(struct shard *s, struct entry *e, const struct value *v) REQUIRES(&s->lock)
{
    do_write_begin(s);
    entry_set_value(e, v, entry_lru(e));
}

void do_hash_delete_if_empty(struct shard *s, const struct key *k, struct entry *e)
    REQUIRES(&s->lock)
{
    struct value v;
    entry_value(e, &v);
    if (hash_length(&v) > 0)
        return;
    entry_retire(do_detach_key(s, k));
    do_key_event(s, k, NOTIFY_GENERIC, "del");
}

enum cmd_result do_hash_open(struct shard *s, const struct key *k, int64_t now_ms,
                             struct hash_target *t) REQUIRES(&s->lock)
{
    enum cmd_result result;
    t->e = do_hash_lookup(s, k, now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    if (t->e)
        entry_value(t->e, &t->v);
    else if (hash_value_new(&t->v) != 0)
        return CMD_ERR_OOM;
    return CMD_OK;
}

bool do_hash_commit(struct shard *s, const struct key *k, int64_t now_ms, struct hash_target *t,
                    enum cmd_result *result) REQUIRES(&s->lock)
{
    if (t->e) {
        do_hash_store(s, t->e, &t->v);
        return true;
    }
    if (hash_length(&t->v) > 0) {
        t->e = do_insert(s, k, &t->v, ENTRY_NO_TTL, now_ms);
        if (t->e)
            return true;
        *result = CMD_ERR_OOM;
    }
    value_release(t->v.type, t->v.encoding, t->v.p);
    return false;
}

/* The argv strings [first, argc) as hash_prepare_write wants them. */
static void arg_lengths(const struct cmd_ctx *c, int first, size_t *longest, size_t *total)
{
    *longest = *total = 0;
    for (int i = first; i < c->argc; i++) {
        if (c->argv[i].len > *longest)
            *longest = c->argv[i].len;
        *total += c->argv[i].len;
    }
}

/*
 * HSET / HMSET: the pairs from argv[2] on, all or nothing (a new hash is
 * inserted only once they are set).
 */
static enum cmd_result do_hset(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               long long *added) REQUIRES(&s->lock)
{
    struct hash_target t;
    enum cmd_result result = do_hash_open(s, k, c->now_ms, &t);
    if (result != CMD_OK)
        return result;
    struct hash_limits lim;
    hash_limits_of(c->ks, &lim);
    size_t longest, total;
    arg_lengths(c, 2, &longest, &total);
    if (hash_prepare_write(&t.v, longest, total, &lim) != 0)
        result = CMD_ERR_OOM;
    size_t n = (size_t)(c->argc - 2) / 2;
    struct hash_pair small[8];
    struct hash_pair *pairs = n <= 8 ? small : mem_alloc(n * sizeof(*pairs));
    if (!pairs)
        result = CMD_ERR_OOM;
    for (size_t i = 0; i < n && result == CMD_OK; i++) {
        const struct resp_arg *f = &c->argv[2 + 2 * i];
        pairs[i] = (struct hash_pair){f->ptr, f->len, f[1].ptr, f[1].len};
    }
    long rc = result == CMD_OK ? hash_set_pairs(&t.v, pairs, n, &lim) : -ENOMEM;
    if (rc < 0)
        result = CMD_ERR_OOM;
    else
        *added = rc;
    if (pairs != small)
        mem_free(pairs);
    if (do_hash_commit(s, k, c->now_ms, &t, &result) && rc >= 0)
        do_key_event(s, k, NOTIFY_HASH, "hset");
    return result;
}

static void hset_generic(struct cmd_ctx *c, bool reply_count)
{
    if (c->argc % 2 == 1) {
        reply_errorf(c->reply, "ERR wrong number of arguments for '%s' command",
                     reply_count ? "hset" : "hmset");
        return;
    }
    struct key k;
    cmd_key(c, 1, &k);
    long long added = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_hset(k.shard, &k, c, &added);
    if (reply_result_error(c, result))
        return;
    if (reply_count)
        reply_int(c->reply, added);
    else
        reply_ok(c->reply);
}

void hset_command(struct cmd_ctx *c)
{
    hset_generic(c, true);
}

void hmset_command(struct cmd_ctx *c)
{
    hset_generic(c, false);
}

/* As in Redis, an existing field is left alone before any conversion:
 * HSETNX of a long value on an existing field keeps a listpack. */
static enum cmd_result do_hsetnx(struct shard *s, const struct key *k, struct cmd_ctx *c, bool *set)
    REQUIRES(&s->lock)
{
    struct hash_target t;
    enum cmd_result result = do_hash_open(s, k, c->now_ms, &t);
    if (result != CMD_OK)
        return result;
    struct hash_limits lim;
    hash_limits_of(c->ks, &lim);
    size_t longest, total;
    arg_lengths(c, 2, &longest, &total);
    if (hash_exists(&t.v, c->argv[2].ptr, c->argv[2].len))
        ; /* nothing to do */
    else if (hash_prepare_write(&t.v, longest, total, &lim) != 0)
        result = CMD_ERR_OOM;
    else {
        int rc =
            hash_set(&t.v, c->argv[2].ptr, c->argv[2].len, c->argv[3].ptr, c->argv[3].len, &lim);
        if (rc < 0)
            result = CMD_ERR_OOM;
        *set = rc > 0;
    }
    if (do_hash_commit(s, k, c->now_ms, &t, &result) && *set)
        do_key_event(s, k, NOTIFY_HASH, "hset");
    return result;
}

void hsetnx_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    bool set = false;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_hsetnx(k.shard, &k, c, &set);
    if (!reply_result_error(c, result))
        reply_int(c->reply, set);
}

void hget_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_hash_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        struct value v;
        struct hash_bytes val;
        if (e)
            entry_value(e, &v);
        if (e && hash_get(&v, c->argv[2].ptr, c->argv[2].len, &val))
            reply_hash_bytes(c->reply, &val);
        else if (result == CMD_OK)
            reply_null(c->reply);
    }
    reply_result_error(c, result);
}

void hmget_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_hash_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        struct value v;
        if (e)
            entry_value(e, &v);
        if (result == CMD_OK) {
            reply_array(c->reply, (size_t)(c->argc - 2));
            for (int i = 2; i < c->argc; i++) {
                struct hash_bytes val;
                if (e && hash_get(&v, c->argv[i].ptr, c->argv[i].len, &val))
                    reply_hash_bytes(c->reply, &val);
                else
                    reply_null(c->reply);
            }
        }
    }
    reply_result_error(c, result);
}

static enum cmd_result do_hdel(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               long long *deleted) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_hash_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (!e)
        return result;
    struct value v;
    entry_value(e, &v);
    for (int i = 2; i < c->argc && hash_length(&v) > 0; i++)
        *deleted += hash_delete(&v, c->argv[i].ptr, c->argv[i].len);
    if (*deleted == 0)
        return CMD_OK;
    do_hash_store(s, e, &v);
    do_key_event(s, k, NOTIFY_HASH, "hdel");
    do_hash_delete_if_empty(s, k, e);
    return CMD_OK;
}

void hdel_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    long long deleted = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_hdel(k.shard, &k, c, &deleted);
    if (!reply_result_error(c, result))
        reply_int(c->reply, deleted);
}

/* HLEN, HSTRLEN, HEXISTS: an integer about the hash, 0 for a missing key. */
enum hash_count { COUNT_FIELDS, COUNT_VALUE_LEN, COUNT_EXISTS };

static void hash_count_generic(struct cmd_ctx *c, enum hash_count what)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    long long n = 0;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_hash_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            struct hash_bytes val;
            if (what == COUNT_FIELDS)
                n = (long long)hash_length(&v);
            else if (what == COUNT_EXISTS)
                n = hash_exists(&v, c->argv[2].ptr, c->argv[2].len);
            else if (hash_get(&v, c->argv[2].ptr, c->argv[2].len, &val))
                n = (long long)val.len;
        }
    }
    if (!reply_result_error(c, result))
        reply_int(c->reply, n);
}

void hlen_command(struct cmd_ctx *c)
{
    hash_count_generic(c, COUNT_FIELDS);
}

void hstrlen_command(struct cmd_ctx *c)
{
    hash_count_generic(c, COUNT_VALUE_LEN);
}

void hexists_command(struct cmd_ctx *c)
{
    hash_count_generic(c, COUNT_EXISTS);
}
