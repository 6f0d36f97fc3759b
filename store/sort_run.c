/*
 * The steps of one SORT round (store/cmd_sort.h), run with every shard they
 * reach held: reading the source, scoring and sorting, and the GET output
 * or the stored list. Mirrors Redis 7.0's sortCommandGeneric step by step,
 * since the order elements are loaded in is what ties keep.
 */
#include "store/cmd_sort.h"

#include "core/alloc.h"
#include "store/cmd_set.h"
#include "store/list.h"
#include "store/sort_zset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

bool sort_add_item(struct sort_run *r, const void *data, size_t len)
{
    char *copy = sort_arena_copy(&r->arena, data, len);
    if (!copy)
        return false;
    r->items[r->n++] = (struct sort_item){.elem = copy, .len = len};
    return true;
}

static bool add_list_value(struct sort_run *r, const struct listpack_value *v)
{
    if (v->str)
        return sort_add_item(r, v->str, v->len);
    char digits[STRCONV_LL_BUF];
    return sort_add_item(r, digits, strconv_format_ll(digits, v->integer));
}

/* `count` elements of a list from index `from` on, forwards or backwards. */
static bool load_list(struct sort_run *r, const struct quicklist *ql, long from, long count,
                      enum quicklist_direction dir)
{
    struct quicklist_iter it;
    struct listpack_value v;
    quicklist_iter_init(&it, ql, from, dir);
    bool ok = true;
    while (ok && r->n < count) {
        int rc = quicklist_iter_next(&it, &v);
        if (rc <= 0) {
            ok = rc == 0;
            break;
        }
        ok = add_list_value(r, &v);
    }
    quicklist_iter_release(&it);
    return ok;
}

static bool set_visit(void *ctx, const struct set_member_ref *m)
{
    struct sort_run *r = ctx;
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    return sort_add_item(r, bytes, len);
}

/* Redis's LIMIT arithmetic, wrapping as its longs do. */
static void limit_range(struct sort_run *r, long vectorlen)
{
    const struct sort_opts *o = r->o;
    long start = o->limit_start < 0 ? 0 : o->limit_start;
    long end = o->limit_count < 0
                   ? vectorlen - 1
                   : (long)((unsigned long)start + (unsigned long)o->limit_count - 1);
    if (start >= vectorlen) {
        start = vectorlen - 1;
        end = vectorlen - 2;
    }
    if (end >= vectorlen)
        end = vectorlen - 1;
    r->start = start;
    r->end = end;
}

enum cmd_result do_sort_load(struct cmd_ctx *c, struct sort_run *r)
{
    const struct sort_opts *o = r->o;
    struct shard *s = r->src->shard;
    shard_assume_held(s);
    struct entry *e = do_lookup(s, r->src, c->now_ms, LOOKUP_READ, NULL);
    int type = e ? (int)entry_type(e) : VALUE_LIST; /* missing: an empty list */
    if (type != VALUE_LIST && type != VALUE_SET && type != VALUE_ZSET)
        return CMD_ERR_WRONGTYPE;
    r->dontsort = o->dontsort;
    r->alpha = o->alpha;
    r->sortby = o->has_by;
    /* A set has no order of its own: stored results are sorted anyway. */
    if (r->dontsort && type == VALUE_SET && o->store) {
        r->dontsort = false;
        r->alpha = true;
        r->sortby = false;
    }
    if (r->dontsort)
        r->sortby = false;
    if (e && type == VALUE_ZSET)
        do_sort_zset_convert(s, e);
    struct value v = {0};
    if (e)
        entry_value(e, &v);
    long size = 0;
    if (e && type == VALUE_LIST)
        size = (long)quicklist_count(entry_list(e));
    else if (e && type == VALUE_SET)
        size = (long)set_size(&v);
    else if (e)
        size = (long)sort_zset_size(&v);
    limit_range(r, size);
    long vectorlen = size;
    bool ranged = type != VALUE_SET && r->dontsort;
    if (ranged && (r->start != 0 || r->end != size - 1))
        vectorlen = r->end - r->start + 1;
    r->items = mem_alloc((size_t)(vectorlen > 0 ? vectorlen : 1) * sizeof(*r->items));
    if (!r->items)
        return CMD_ERR_OOM;
    if (!e || vectorlen <= 0)
        return CMD_OK;
    bool ok = true;
    if (type == VALUE_LIST && ranged) {
        if (r->end >= r->start) {
            long from = o->desc ? size - r->start - 1 : r->start;
            ok = load_list(r, entry_list(e), from, vectorlen,
                           o->desc ? QUICKLIST_BACKWARD : QUICKLIST_FORWARD);
        }
    } else if (type == VALUE_LIST) {
        ok = load_list(r, entry_list(e), 0, vectorlen, QUICKLIST_FORWARD);
    } else if (type == VALUE_SET) {
        set_foreach(&v, set_visit, r);
        ok = r->n == vectorlen;
    } else {
        ok = sort_zset_load(r, &v, ranged, vectorlen);
    }
    if (!ok)
        return CMD_ERR_OOM;
    if (ranged) {
        /* The range is loaded: the output takes all of it. */
        r->end -= r->start;
        r->start = 0;
    }
    return CMD_OK;
}

/* strtod as Redis applies it to a sort weight: the whole (NUL-terminated)
 * text must be consumed, no overflow, no NaN. */
static bool parse_weight(const char *text, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    return !(end[0] != '\0' || errno == ERANGE || isnan(*out));
}

static int compare_binary(const char *a, size_t alen, const char *b, size_t blen)
{
    int cmp = memcmp(a, b, alen < blen ? alen : blen);
    if (cmp != 0)
        return cmp;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* strcoll in the C locale (Redis's collation for SORT ALPHA without
 * STORE): strcmp, which ends at a NUL byte. */
static int compare_collate(const char *a, const char *b)
{
    return strcmp(a, b);
}

struct sort_order {
    bool desc, alpha, bypattern, store;
};

static int compare_items(const void *x, const void *y, void *arg)
{
    const struct sort_item *a = x, *b = y;
    const struct sort_order *ord = arg;
    int cmp;
    if (!ord->alpha) {
        if (a->score > b->score)
            cmp = 1;
        else if (a->score < b->score)
            cmp = -1;
        else /* ties: the elements themselves, so the result is deterministic */
            cmp = compare_binary(a->elem, a->len, b->elem, b->len);
    } else if (ord->bypattern) {
        if (!a->cmp || !b->cmp)
            cmp = a->cmp == b->cmp ? 0 : !a->cmp ? -1 : 1;
        else if (ord->store)
            cmp = compare_binary(a->cmp, a->cmp_len, b->cmp, b->cmp_len);
        else
            cmp = compare_collate(a->cmp, b->cmp);
    } else if (ord->store) {
        cmp = compare_binary(a->elem, a->len, b->elem, b->len);
    } else {
        cmp = compare_collate(a->elem, b->elem);
    }
    return ord->desc ? -cmp : cmp;
}

/* The weight of one item: its BY value, or itself. */
static enum cmd_result do_score_item(struct cmd_ctx *c, struct sort_run *r, struct sort_item *it)
{
    const char *text = it->elem;
    size_t len = it->len;
    struct sort_value val;
    if (r->sortby) {
        if (!do_sort_lookup(c, &r->o->by, it->elem, it->len, &r->scratch, &val))
            return CMD_ERR_OOM;
        if (!val.found)
            return CMD_OK;
        text = sort_arena_copy(&r->arena, val.ptr, val.len);
        len = val.len;
        sort_value_release(&val);
        if (!text)
            return CMD_ERR_OOM;
    }
    if (r->alpha) {
        if (r->sortby) {
            it->cmp = text;
            it->cmp_len = len;
        }
    } else if (!parse_weight(text, &it->score)) {
        r->conversion_error = true;
    }
    return CMD_OK;
}

enum cmd_result do_sort_items(struct cmd_ctx *c, struct sort_run *r)
{
    if (r->dontsort)
        return CMD_OK;
    for (long i = 0; i < r->n; i++) {
        enum cmd_result result = do_score_item(c, r, &r->items[i]);
        if (result != CMD_OK)
            return result;
    }
    struct sort_order ord = {r->o->desc, r->alpha, r->sortby, r->o->store != 0};
    qsort_r(r->items, (size_t)r->n, sizeof(*r->items), compare_items, &ord);
    return CMD_OK;
}

/* The output of the range, one value at a time: each item itself, or the
 * values of its GET patterns in order (NULL ptr: nil). */
typedef bool (*emit_fn)(void *ctx, const char *ptr, size_t len);

static enum cmd_result do_emit_range(struct cmd_ctx *c, struct sort_run *r, emit_fn emit, void *ctx)
{
    const struct sort_opts *o = r->o;
    for (long j = r->start; j <= r->end; j++) {
        const struct sort_item *it = &r->items[j];
        if (o->ngets == 0 && !emit(ctx, it->elem, it->len))
            return CMD_ERR_OOM;
        for (int g = 0; g < o->ngets; g++) {
            struct sort_value val;
            if (!do_sort_lookup(c, &o->gets[g], it->elem, it->len, &r->scratch, &val))
                return CMD_ERR_OOM;
            bool ok = emit(ctx, val.found ? val.ptr : NULL, val.found ? val.len : 0);
            sort_value_release(&val);
            if (!ok)
                return CMD_ERR_OOM;
        }
    }
    return CMD_OK;
}

static long long output_length(const struct sort_run *r)
{
    long long range = r->end - r->start + 1;
    return r->o->ngets ? r->o->ngets * range : range;
}

static bool emit_reply(void *ctx, const char *ptr, size_t len)
{
    struct sort_run *r = ctx;
    struct sort_out *o = &r->out[r->nout++];
    *o = (struct sort_out){NULL, 0};
    if (!ptr)
        return true;
    o->ptr = sort_arena_copy(&r->arena, ptr, len);
    o->len = len;
    return o->ptr != NULL;
}

enum cmd_result do_sort_output(struct cmd_ctx *c, struct sort_run *r)
{
    r->outputlen = output_length(r);
    if (r->outputlen <= 0)
        return CMD_OK;
    r->out = mem_alloc((size_t)r->outputlen * sizeof(*r->out));
    if (!r->out)
        return CMD_ERR_OOM;
    return do_emit_range(c, r, emit_reply, r);
}

/* STORE: a nil GET value is stored as an empty string. */
static bool emit_push(void *ctx, const char *ptr, size_t len)
{
    return quicklist_push(ctx, QUICKLIST_TAIL, ptr ? ptr : "", len) == 0;
}

/* Replaces whatever dst holds (and its TTL) by the list, as Redis's setKey. */
static enum cmd_result do_put_list(struct cmd_ctx *c, const struct key *dst, struct quicklist *ql)
{
    struct shard *s = dst->shard;
    shard_assume_held(s);
    struct value v;
    list_value(ql, &v);
    struct table_pos pos;
    struct entry *e = do_lookup(s, dst, c->now_ms, LOOKUP_WRITE, &pos);
    if (!e) {
        if (!do_insert(s, dst, &v, ENTRY_NO_TTL, c->now_ms)) {
            quicklist_free(ql);
            return CMD_ERR_OOM;
        }
    } else {
        do_set_expire(s, pos, e, ENTRY_NO_TTL); /* removing a TTL cannot fail */
        do_replace_value(s, e, &v, c->now_ms);
    }
    do_key_event(s, dst, NOTIFY_LIST, "sortstore");
    return CMD_OK;
}

enum cmd_result do_sort_store(struct cmd_ctx *c, struct sort_run *r)
{
    r->outputlen = output_length(r);
    if (r->outputlen <= 0) {
        /* Nothing to store: the destination goes. */
        struct shard *s = r->dst->shard;
        shard_assume_held(s);
        struct table_pos pos;
        if (do_lookup(s, r->dst, c->now_ms, LOOKUP_WRITE, &pos)) {
            do_delete(s, pos);
            do_key_event(s, r->dst, NOTIFY_GENERIC, "del");
        }
        return CMD_OK;
    }
    struct quicklist *ql = list_new(c->ks);
    if (!ql)
        return CMD_ERR_OOM;
    enum cmd_result result = do_emit_range(c, r, emit_push, ql);
    if (result != CMD_OK) {
        quicklist_free(ql);
        return result;
    }
    return do_put_list(c, r->dst, ql);
}
