/*
 * The set algebra over several keys: SINTER, SINTERCARD, SINTERSTORE,
 * SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE (SMOVE is cmd_set_move.c). Each
 * locks every shard its keys live in, de-duplicated and in ascending order
 * (SHARD_SET_GUARD, store/multilock.h), for the whole command: no reader,
 * locked or lock-free, sees a stored result half built, or sources from
 * different moments. Results are computed into a new set before anything
 * changes, so a failed allocation changes nothing.
 */
#include "store/cmd_set.h"

#include "core/alloc.h"
#include "store/intset.h"

#include <limits.h>
#include <stdlib.h>

enum set_op { SET_OP_INTER, SET_OP_UNION, SET_OP_DIFF };

/* The source sets of one command, looked up under their locks. */
struct set_sources {
    int n;
    struct value *sets;     /* [n]; type 0 (unused) for a missing key */
    struct entry **entries; /* [n]; NULL for a missing key */
    bool any_missing;
};

static void sources_free(struct set_sources *src)
{
    mem_free(src->sets);
    mem_free(src->entries);
}

/*
 * Looks up the keys[0..n) as Redis does: in order, each checked for its
 * type (a missing key is an empty set; a wrong type after it still
 * answers WRONGTYPE).
 */
static enum cmd_result do_sources(struct cmd_ctx *c, struct key *keys, int n, unsigned flags,
                                  struct set_sources *src)
{
    src->n = n;
    src->any_missing = false;
    src->sets = mem_calloc((size_t)n, sizeof(*src->sets));
    src->entries = mem_calloc((size_t)n, sizeof(*src->entries));
    if (!src->sets || !src->entries)
        return CMD_ERR_OOM;
    for (int i = 0; i < n; i++) {
        struct key *k = &keys[i];
        shard_assume_held(k->shard);
        enum cmd_result result;
        struct entry *e = do_set_lookup(k->shard, k, c->now_ms, flags, &result);
        if (result != CMD_OK)
            return result;
        if (!e) {
            src->any_missing = true;
            continue;
        }
        src->entries[i] = e;
        entry_value(e, &src->sets[i]);
    }
    return CMD_OK;
}

/* A source's place in SINTER's walk: the smallest set is walked. */
struct sized {
    uint64_t size;
    int index;
};

static int by_size(const void *a, const void *b)
{
    const struct sized *x = a, *y = b;
    return x->size < y->size ? -1 : x->size > y->size ? 1 : x->index - y->index;
}

struct inter_walk {
    struct set_sources *src;
    int *order;
    /* What to do with each member in the intersection. */
    struct reply *reply;  /* reply it */
    struct value *result; /* or add it to this set */
    struct set_limits lim;
    uint64_t count, limit; /* or count it, up to limit (0: no limit) */
    bool oom;
};

static bool inter_visit(void *ctx, const struct set_member_ref *m)
{
    struct inter_walk *w = ctx;
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    struct entry *first = w->src->entries[w->order[0]];
    for (int j = 1; j < w->src->n; j++) {
        int i = w->order[j];
        if (w->src->entries[i] == first)
            continue; /* the same key again */
        if (!set_contains(&w->src->sets[i], bytes, len))
            return true;
    }
    if (w->reply) {
        reply_set_member(w->reply, m);
    } else if (w->result && set_add(w->result, &w->lim, bytes, len) < 0) {
        w->oom = true;
        return false;
    }
    w->count++;
    return w->limit == 0 || w->count < w->limit;
}

/* Walks the intersection of the sources (none missing). */
static int inter_walk_run(struct inter_walk *w)
{
    struct set_sources *src = w->src;
    struct sized *sizes = mem_alloc((size_t)src->n * sizeof(*sizes));
    w->order = mem_alloc((size_t)src->n * sizeof(int));
    if (!sizes || !w->order) {
        mem_free(sizes);
        mem_free(w->order);
        return -1;
    }
    for (int i = 0; i < src->n; i++)
        sizes[i] = (struct sized){set_size(&src->sets[i]), i};
    qsort(sizes, (size_t)src->n, sizeof(*sizes), by_size);
    for (int i = 0; i < src->n; i++)
        w->order[i] = sizes[i].index;
    mem_free(sizes);
    set_foreach(&src->sets[w->order[0]], inter_visit, w);
    mem_free(w->order);
    return w->oom ? -1 : 0;
}

/* An empty result set, as Redis starts one: an intset, converted by the
 * adds as they need. */
static int result_new(struct value *out)
{
    struct intset *is = intset_new();
    if (!is)
        return -1;
    set_value_wrap(ENCODING_INTSET, is, out);
    return 0;
}

struct add_walk {
    struct value *result;
    const struct set_limits *lim;
    bool oom;
};

static bool add_visit(void *ctx, const struct set_member_ref *m)
{
    struct add_walk *w = ctx;
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    if (set_add(w->result, w->lim, bytes, len) < 0) {
        w->oom = true;
        return false;
    }
    return true;
}

struct diff_walk {
    struct set_sources *src;
    struct value *result;
    const struct set_limits *lim;
    bool oom;
};

static bool diff_visit(void *ctx, const struct set_member_ref *m)
{
    struct diff_walk *w = ctx;
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    for (int j = 1; j < w->src->n; j++)
        if (w->src->entries[j] && set_contains(&w->src->sets[j], bytes, len))
            return true;
    if (set_add(w->result, w->lim, bytes, len) < 0) {
        w->oom = true;
        return false;
    }
    return true;
}

/* The union or difference of the sources into *out (a new set, possibly
 * empty). 0 or -1 when out of memory. */
static int build_union_diff(struct set_sources *src, enum set_op op, const struct set_limits *lim,
                            struct value *out)
{
    if (result_new(out) != 0)
        return -1;
    bool oom = false;
    if (op == SET_OP_UNION) {
        for (int i = 0; i < src->n && !oom; i++) {
            if (!src->entries[i])
                continue;
            struct add_walk w = {out, lim, false};
            set_foreach(&src->sets[i], add_visit, &w);
            oom = w.oom;
        }
    } else if (src->entries[0]) {
        /* A key that is also the first one empties the result. */
        bool same = false;
        for (int j = 1; j < src->n; j++)
            same |= src->entries[j] == src->entries[0];
        if (!same) {
            struct diff_walk w = {src, out, lim, false};
            set_foreach(&src->sets[0], diff_visit, &w);
            oom = w.oom;
        }
    }
    if (oom) {
        set_value_free(out);
        return -1;
    }
    return 0;
}

/*
 * Stores a result under dst, replacing whatever it held and its TTL, as
 * Redis's setKey does (announced as `event`); an empty result deletes dst
 * (announced as "del" when it existed). The result is the table's after.
 */
static enum cmd_result do_store_result(struct cmd_ctx *c, const struct key *dst, struct value *v,
                                       const char *event)
{
    struct shard *s = dst->shard;
    shard_assume_held(s);
    struct table_pos pos;
    struct entry *e = do_lookup(s, dst, c->now_ms, LOOKUP_WRITE, &pos);
    if (set_size(v) == 0) {
        set_value_free(v);
        if (e) {
            do_delete(s, pos);
            do_key_event(s, dst, NOTIFY_GENERIC, "del");
        }
        return CMD_OK;
    }
    if (!e) {
        if (!do_insert(s, dst, v, ENTRY_NO_TTL, c->now_ms)) {
            set_value_free(v);
            return CMD_ERR_OOM;
        }
    } else {
        do_set_expire(s, pos, e, ENTRY_NO_TTL); /* removing a TTL cannot fail */
        do_replace_value(s, e, v, c->now_ms);
    }
    do_key_event(s, dst, NOTIFY_SET, event);
    return CMD_OK;
}

/* ---- the commands ---- */

/*
 * One command of the algebra: the source keys are argv[first..last], the
 * destination (the STORE forms) argv[1], just before them. Replies the result (a set), its
 * size (STORE), or its size up to limit (SINTERCARD, cardinality).
 */
struct algebra {
    enum set_op op;
    int first, last;
    bool store;
    bool cardinality;
    uint64_t limit;
    const char *event;
};

static enum cmd_result do_algebra(struct cmd_ctx *c, struct multi_keys *mk, const struct algebra *a)
{
    int n = a->last - a->first + 1;
    struct key *keys = a->store ? mk->keys + 1 : mk->keys;
    struct set_sources src = {0};
    struct set_limits lim;
    set_limits_of(c->ks, &lim);
    enum cmd_result result = do_sources(c, keys, n, a->store ? LOOKUP_WRITE : LOOKUP_READ, &src);
    if (result != CMD_OK) {
        sources_free(&src);
        return result;
    }
    const struct key *dst = a->store ? &mk->keys[0] : NULL;
    struct value out;
    if (a->op == SET_OP_INTER && src.any_missing) {
        /* Empty: answered at once, as Redis does. */
        if (dst && result_new(&out) == 0)
            result = do_store_result(c, dst, &out, a->event);
        else if (dst)
            result = CMD_ERR_OOM;
        if (result == CMD_OK) {
            if (dst || a->cardinality)
                reply_int(c->reply, 0);
            else
                reply_set(c->reply, 0);
        }
        sources_free(&src);
        return result;
    }
    if (a->op == SET_OP_INTER && !dst) {
        struct inter_walk w = {.src = &src, .lim = lim, .limit = a->limit};
        struct reply_deferred len = {0};
        if (!a->cardinality) {
            len = reply_defer(c->reply);
            w.reply = c->reply;
        }
        int rc = inter_walk_run(&w);
        if (!a->cardinality)
            reply_set_fill(c->reply, len, w.count);
        else if (rc == 0)
            reply_int(c->reply, (long long)w.count);
        sources_free(&src);
        if (rc != 0 && !a->cardinality)
            c->reply->out->oom = true;
        return rc == 0 || !a->cardinality ? CMD_OK : CMD_ERR_OOM;
    }
    int rc;
    if (a->op == SET_OP_INTER) {
        struct inter_walk w = {.src = &src, .lim = lim};
        rc = result_new(&out);
        w.result = &out;
        if (rc == 0 && inter_walk_run(&w) != 0) {
            set_value_free(&out);
            rc = -1;
        }
    } else {
        rc = build_union_diff(&src, a->op, &lim, &out);
    }
    sources_free(&src);
    if (rc != 0)
        return CMD_ERR_OOM;
    if (!dst) {
        reply_set_members(c->reply, &out);
        set_value_free(&out);
        return CMD_OK;
    }
    long long size = (long long)set_size(&out);
    result = do_store_result(c, dst, &out, a->event);
    if (result == CMD_OK)
        reply_int(c->reply, size);
    return result;
}

static void algebra_run(struct cmd_ctx *c, const struct algebra *a)
{
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, a->store ? 1 : a->first, a->last, 1))
        return;
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_SET_GUARD (&mk.set)
        result = do_algebra(c, &mk, a);
    multi_keys_free(&mk);
    reply_result_error(c, result);
}

void sinter_command(struct cmd_ctx *c)
{
    algebra_run(c, &(struct algebra){.op = SET_OP_INTER, .first = 1, .last = c->argc - 1});
}

void sunion_command(struct cmd_ctx *c)
{
    algebra_run(c, &(struct algebra){.op = SET_OP_UNION, .first = 1, .last = c->argc - 1});
}

void sdiff_command(struct cmd_ctx *c)
{
    algebra_run(c, &(struct algebra){.op = SET_OP_DIFF, .first = 1, .last = c->argc - 1});
}

void sinterstore_command(struct cmd_ctx *c)
{
    algebra_run(c, &(struct algebra){.op = SET_OP_INTER,
                                     .first = 2,
                                     .last = c->argc - 1,
                                     .store = true,
                                     .event = "sinterstore"});
}

void sunionstore_command(struct cmd_ctx *c)
{
    algebra_run(c, &(struct algebra){.op = SET_OP_UNION,
                                     .first = 2,
                                     .last = c->argc - 1,
                                     .store = true,
                                     .event = "sunionstore"});
}

void sdiffstore_command(struct cmd_ctx *c)
{
    algebra_run(c, &(struct algebra){.op = SET_OP_DIFF,
                                     .first = 2,
                                     .last = c->argc - 1,
                                     .store = true,
                                     .event = "sdiffstore"});
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
void sintercard_command(struct cmd_ctx *c)
{
    long long numkeys, limit = 0;
    if (!arg_ll_range(c, 1, 1, LONG_MAX, "ERR numkeys should be greater than 0", &numkeys))
        return;
    if (numkeys > c->argc - 2) {
        reply_error(c->reply, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int i = 2 + (int)numkeys; i < c->argc; i += 2) {
        if (arg_is(&c->argv[i], "LIMIT") && i + 1 < c->argc) {
            if (!arg_ll_range(c, i + 1, 0, LONG_MAX, "ERR LIMIT can't be negative", &limit))
                return;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return;
        }
    }
    algebra_run(c, &(struct algebra){.op = SET_OP_INTER,
                                     .first = 2,
                                     .last = 1 + (int)numkeys,
                                     .cardinality = true,
                                     .limit = (uint64_t)limit});
}
