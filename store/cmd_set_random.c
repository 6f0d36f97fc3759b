/*
 * SPOP and SRANDMEMBER: members chosen uniformly at random
 * (set_random_member; a big set's table uses rejection sampling,
 * store/table_sample.h). SPOP is logged as the SREM of the members it took
 * (or DEL when it took them all), so a replay removes the same ones.
 */
#include "store/cmd_set.h"

#include "core/alloc.h"

#include <errno.h>
#include <limits.h>

#define ERR_NOT_POSITIVE "ERR value is out of range, must be positive"

/* Members copied out of a set, kept for a canonical form (SPOP's SREM). */
struct member_list {
    struct resp_arg *args; /* [0] and [1] left for the command and key */
    char *bytes;
    size_t count, cap, used, bytes_cap;
    bool oom;
};

static void member_list_free(struct member_list *l)
{
    mem_free(l->args);
    mem_free(l->bytes);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *grown = mem_realloc(*p, n * elem);
    if (!grown)
        return -ENOMEM;
    *p = grown;
    *cap = n;
    return 0;
}

static void member_list_add(struct member_list *l, const struct set_member_ref *m)
{
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    if (l->oom || grow((void **)&l->args, &l->cap, l->count + 3, sizeof(*l->args)) != 0 ||
        grow((void **)&l->bytes, &l->bytes_cap, l->used + len + 1, 1) != 0) {
        l->oom = true;
        return;
    }
    memcpy(l->bytes + l->used, bytes, len);
    /* Offsets for now: the buffer may still move. */
    l->args[2 + l->count] = (struct resp_arg){(const char *)(uintptr_t)l->used, len, NULL};
    l->used += len;
    l->count++;
}

/* Logs SPOP as SREM key members... (skipped when out of memory: the
 * command record then replays SPOP itself). */
static void rewrite_as_srem(struct cmd_ctx *c, struct member_list *l)
{
    if (l->oom || l->count == 0)
        return;
    l->args[0] = ARG_LITERAL("SREM");
    l->args[1] = c->argv[1];
    for (size_t i = 0; i < l->count; i++)
        l->args[2 + i].ptr = l->bytes + (uintptr_t)l->args[2 + i].ptr;
    cmd_rewrite(c, (int)l->count + 2, l->args);
}

/* Pops up to n random members of the set e at k, replying each. */
static void do_pop_members(struct shard *s, struct entry *e, uint64_t n,
                           struct reply *r, struct member_list *popped) REQUIRES(&s->lock)
{
    struct value v;
    entry_value(e, &v);
    for (uint64_t i = 0; i < n; i++) {
        struct set_member_ref m;
        set_random_member(&v, set_rng(), &m);
        reply_set_member(r, &m);
        member_list_add(popped, &m);
        char buf[24];
        size_t len;
        const char *bytes = set_member_bytes(&m, buf, &len);
        /* bytes may point into the set itself: every encoding finds the
         * member before it frees or moves anything. */
        set_remove(&v, bytes, len);
    }
    do_set_store(s, e, &v);
}

static enum cmd_result do_spop(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               bool with_count, uint64_t count) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_set_lookup(s, k, c->now_ms, LOOKUP_WRITE, &result);
    if (result != CMD_OK)
        return result;
    if (!e) {
        if (with_count)
            reply_set(c->reply, 0);
        else
            reply_null(c->reply);
        return CMD_OK;
    }
    if (with_count && count == 0) {
        reply_set(c->reply, 0);
        return CMD_OK;
    }
    struct value v;
    entry_value(e, &v);
    uint64_t size = set_size(&v);
    if (with_count && count >= size) {
        /* Everything: reply the set, delete the key, log DEL. */
        reply_set_members(c->reply, &v);
        do_key_event(s, k, NOTIFY_SET, "spop");
        entry_retire(do_detach_key(s, k));
        do_key_event(s, k, NOTIFY_GENERIC, "del");
        struct resp_arg av[] = {ARG_LITERAL("DEL"), c->argv[1]};
        cmd_rewrite(c, 2, av);
        return CMD_OK;
    }
    if (with_count)
        reply_set(c->reply, count);
    struct member_list popped = {0};
    do_pop_members(s, e, with_count ? count : 1, c->reply, &popped);
    do_key_event(s, k, NOTIFY_SET, "spop");
    do_set_delete_if_empty(s, k, e);
    rewrite_as_srem(c, &popped);
    member_list_free(&popped);
    return CMD_OK;
}

void spop_command(struct cmd_ctx *c)
{
    long long count = 1;
    if (c->argc > 3) {
        reply_error(c->reply, ERR_SYNTAX);
        return;
    }
    if (c->argc == 3 && !arg_ll_range(c, 2, 0, LONG_MAX, ERR_NOT_POSITIVE, &count))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_spop(k.shard, &k, c, c->argc == 3, (uint64_t)count);
    reply_result_error(c, result);
}

/* ---- SRANDMEMBER ---- */

struct ref_array {
    struct set_member_ref *refs;
    size_t n;
};

static bool collect_visit(void *ctx, const struct set_member_ref *m)
{
    struct ref_array *a = ctx;
    a->refs[a->n++] = *m;
    return true;
}

/* `count` distinct members, uniformly: a partial Fisher-Yates shuffle of
 * every member (the set is small, or count is a good part of it). */
static int reply_distinct_by_shuffle(struct reply *r, const struct value *v, uint64_t count)
{
    uint64_t size = set_size(v);
    struct ref_array a = {mem_alloc(size * sizeof(*a.refs)), 0};
    if (!a.refs)
        return -ENOMEM;
    set_foreach(v, collect_visit, &a);
    reply_array(r, count);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t j = i + table_rng_next(set_rng()) % (size - i);
        struct set_member_ref t = a.refs[i];
        a.refs[i] = a.refs[j];
        a.refs[j] = t;
        reply_set_member(r, &a.refs[i]);
    }
    mem_free(a.refs);
    return 0;
}

/* Pointers already picked (open addressing), for distinct picks from a
 * table much larger than the count. */
struct picked {
    const void **slots;
    size_t mask;
};

static bool picked_add(struct picked *p, const void *ptr)
{
    size_t i = (size_t)(((uintptr_t)ptr >> 4) * 0x9E3779B97F4A7C15ULL) & p->mask;
    for (; p->slots[i]; i = (i + 1) & p->mask)
        if (p->slots[i] == ptr)
            return false;
    p->slots[i] = ptr;
    return true;
}

/* `count` distinct members of a big table, count * 3 <= size: random picks,
 * dropping repeats (a uniform random subset, in random order). */
static int reply_distinct_by_picks(struct reply *r, const struct value *v, uint64_t count)
{
    size_t slots = 16;
    while (slots < count * 2)
        slots *= 2;
    struct picked p = {mem_calloc(slots, sizeof(void *)), slots - 1};
    if (!p.slots)
        return -ENOMEM;
    reply_array(r, count);
    for (uint64_t got = 0; got < count;) {
        struct set_member_ref m;
        set_random_member(v, set_rng(), &m);
        if (picked_add(&p, m.ptr)) {
            reply_set_member(r, &m);
            got++;
        }
    }
    mem_free(p.slots);
    return 0;
}

static bool reply_member_visit(void *ctx, const struct set_member_ref *m)
{
    reply_set_member(ctx, m);
    return true;
}

static enum cmd_result do_srandmember(struct shard *s, const struct key *k, struct cmd_ctx *c,
                                      bool with_count, long long count) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_set_lookup(s, k, c->now_ms, LOOKUP_READ, &result);
    if (result != CMD_OK)
        return result;
    struct reply *r = c->reply;
    if (!e || (with_count && count == 0)) {
        if (with_count)
            reply_array(r, 0);
        else
            reply_null(r);
        return CMD_OK;
    }
    struct value v;
    entry_value(e, &v);
    struct set_member_ref m;
    if (!with_count || count < 0) {
        uint64_t n = with_count ? (uint64_t)-count : 1;
        if (with_count)
            reply_array(r, n);
        for (uint64_t i = 0; i < n; i++) {
            set_random_member(&v, set_rng(), &m);
            reply_set_member(r, &m);
        }
        return CMD_OK;
    }
    uint64_t size = set_size(&v);
    if ((uint64_t)count >= size) {
        reply_array(r, size);
        set_foreach(&v, reply_member_visit, r);
        return CMD_OK;
    }
    int rc = v.encoding != ENCODING_HASHTABLE || (uint64_t)count * 3 > size
                 ? reply_distinct_by_shuffle(r, &v, (uint64_t)count)
                 : reply_distinct_by_picks(r, &v, (uint64_t)count);
    return rc == 0 ? CMD_OK : CMD_ERR_OOM;
}

void srandmember_command(struct cmd_ctx *c)
{
    long long count = 0;
    if (c->argc > 3) {
        reply_error(c->reply, ERR_SYNTAX);
        return;
    }
    if (c->argc == 3 && !arg_ll_range(c, 2, -LONG_MAX, LONG_MAX, NULL, &count))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_srandmember(k.shard, &k, c, c->argc == 3, count);
    reply_result_error(c, result);
}
