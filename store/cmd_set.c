/*
 * SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD: the set commands on
 * one key, and the helpers every set command shares (store/cmd_set.h). A
 * set is changed and read only under its shard lock, and replies that read
 * members are written while it is held (members point into the set). A set
 * emptied by a command is deleted, as in Redis.
 */
#include "store/cmd_set.h"

#include "core/alloc.h"

#include <time.h>

struct entry *do_set_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                            enum cmd_result *result) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, flags, NULL);
    *result = CMD_OK;
    if (e && entry_type(e) != VALUE_SET) {
        *result = CMD_ERR_WRONGTYPE;
        return NULL;
    }
    return e;
}

void do_set_store(struct shard *s, struct entry *e, const struct value *v) REQUIRES(&s->lock)
{
    if (entry_payload(e).obj == v->p.obj && entry_encoding(e) == v->encoding)
        return;
    do_write_begin(s);
    entry_set_value(e, v, entry_lru(e));
}

void do_set_delete_if_empty(struct shard *s, const struct key *k, struct entry *e)
    REQUIRES(&s->lock)
{
    struct value v;
    entry_value(e, &v);
    if (set_size(&v) > 0)
        return;
    entry_retire(do_detach_key(s, k));
    do_key_event(s, k, NOTIFY_GENERIC, "del");
}

void reply_set_member(struct reply *r, const struct set_member_ref *m)
{
    if (m->ptr)
        reply_bulk(r, m->ptr, m->len);
    else
        reply_bulk_ll(r, m->num);
}

static bool reply_visit(void *ctx, const struct set_member_ref *m)
{
    reply_set_member(ctx, m);
    return true;
}

void reply_set_members(struct reply *r, const struct value *v)
{
    reply_set(r, set_size(v));
    set_foreach(v, reply_visit, r);
}

uint64_t *set_rng(void)
{
    static _Thread_local uint64_t state;
    if (state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)&state ^ (uint64_t)ts.tv_sec;
        if (state == 0)
            state = 0x9E3779B97F4A7C15ULL;
    }
    return &state;
}

/* ---- SADD ---- */

/* Adds argv[2..] to the set at k, creating it. All or nothing: when an add
 * fails for memory, the members this command added are removed again (a
 * conversion it made stays: sets never convert back). */
static enum cmd_result do_sadd(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               long long *added) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_set_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    struct set_limits lim;
    set_limits_of(c->ks, &lim);
    bool *fresh = mem_calloc((size_t)c->argc, sizeof(bool));
    if (!fresh)
        return CMD_ERR_OOM;
    struct value v;
    if (e)
        entry_value(e, &v);
    else if (set_value_new(&lim, c->argv[2].ptr, c->argv[2].len, (size_t)c->argc - 2, &v) != 0) {
        mem_free(fresh);
        return CMD_ERR_OOM;
    }
    long long n = 0;
    result = CMD_OK;
    for (int i = 2; i < c->argc && result == CMD_OK; i++) {
        int rc = set_add(&v, &lim, c->argv[i].ptr, c->argv[i].len);
        if (rc < 0) {
            for (int j = 2; j < i; j++)
                if (fresh[j])
                    set_remove(&v, c->argv[j].ptr, c->argv[j].len);
            result = CMD_ERR_OOM;
        } else {
            fresh[i] = rc == 1;
            n += rc;
        }
    }
    mem_free(fresh);
    if (!e) {
        if (result != CMD_OK || !do_insert(s, k, &v, ENTRY_NO_TTL, c->now_ms)) {
            set_value_free(&v);
            return CMD_ERR_OOM;
        }
    } else {
        do_set_store(s, e, &v);
    }
    if (result == CMD_OK && n > 0)
        do_key_event(s, k, NOTIFY_SET, "sadd");
    *added = n;
    return result;
}

void sadd_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    long long added = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_sadd(k.shard, &k, c, &added);
    if (!reply_result_error(c, result))
        reply_int(c->reply, added);
}

/* ---- SREM ---- */

static enum cmd_result do_srem(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               long long *removed) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_set_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (!e)
        return result;
    struct value v;
    entry_value(e, &v);
    long long n = 0;
    for (int i = 2; i < c->argc && set_size(&v) > 0; i++)
        n += set_remove(&v, c->argv[i].ptr, c->argv[i].len);
    do_set_store(s, e, &v);
    if (n > 0) {
        do_key_event(s, k, NOTIFY_SET, "srem");
        do_set_delete_if_empty(s, k, e);
    }
    *removed = n;
    return CMD_OK;
}

void srem_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    long long removed = 0;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_srem(k.shard, &k, c, &removed);
    if (!reply_result_error(c, result))
        reply_int(c->reply, removed);
}

/* ---- reads ---- */

void smembers_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_set_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            reply_set_members(c->reply, &v);
        } else if (result == CMD_OK) {
            reply_set(c->reply, 0);
        }
    }
    reply_result_error(c, result);
}

void sismember_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    bool found = false;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_set_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            found = set_contains(&v, c->argv[2].ptr, c->argv[2].len);
        }
    }
    if (!reply_result_error(c, result))
        reply_int(c->reply, found);
}

void smismember_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_set_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (result == CMD_OK) {
            struct value v;
            if (e)
                entry_value(e, &v);
            reply_array(c->reply, (size_t)c->argc - 2);
            for (int i = 2; i < c->argc; i++)
                reply_int(c->reply, e && set_contains(&v, c->argv[i].ptr, c->argv[i].len));
        }
    }
    reply_result_error(c, result);
}

void scard_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    long long n = 0;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_set_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, &result);
        if (e) {
            struct value v;
            entry_value(e, &v);
            n = (long long)set_size(&v);
        }
    }
    if (!reply_result_error(c, result))
        reply_int(c->reply, n);
}
