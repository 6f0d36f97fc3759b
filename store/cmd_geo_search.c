/*
 * GEORADIUS, GEORADIUSBYMEMBER (and their _RO forms), GEOSEARCH and
 * GEOSEARCHSTORE: the members of a sorted set within a radius or a box.
 *
 * A search scans the score ranges of up to nine geohash cells around the
 * centre (store/geohash.h), keeps the members inside the shape, sorts them
 * by distance when asked, and replies them or stores them as a new sorted
 * set. The source and the destination are locked together for the whole
 * command (SHARD_SET_GUARD, after a first pass over the arguments that only
 * finds STORE's key), so a stored result is the source at one instant. The
 * matches are copied out under the lock and replied after it is released.
 */
#include "store/cmd_geo.h"

#include "core/alloc.h"
#include "store/cmd_sort.h"
#include "store/cmd_zset.h"

#include <stdlib.h>

struct geo_point {
    double xy[2];
    double dist; /* metres; in the request's unit once sorted */
    double score;
    const char *member; /* in the arena */
    size_t len;
};

struct geo_search {
    struct geo_request q;
    struct geo_error err;
    struct geo_point *points;
    size_t n, cap;
    size_t returned; /* how many the reply or the store takes */
    struct sort_arena arena;
};

static bool add_point(struct geo_search *s, const struct zset_elem *el, const double xy[2],
                      double dist)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct geo_point *p = mem_realloc(s->points, cap * sizeof(*p));
        if (!p)
            return false;
        s->points = p;
        s->cap = cap;
    }
    const char *member = sort_arena_copy(&s->arena, el->ptr, el->len);
    if (!member)
        return false;
    s->points[s->n++] = (struct geo_point){{xy[0], xy[1]}, dist, el->score, member, el->len};
    return true;
}

/* The members of one cell (scores [min, max)) inside the shape, until
 * `limit` points are found (0: no limit). False when out of memory. */
static bool scan_cell(struct geo_search *s, const struct value *v, struct geohash cell,
                      size_t limit)
{
    struct zset_score_range range = {.minex = false, .maxex = true};
    geohash_cell_scores(cell, &range.min, &range.max);
    uint64_t first, end;
    zset_score_span(v, &range, &first, &end);
    struct zset_iter it;
    zset_iter_init(&it, v, first, false);
    struct zset_elem el;
    for (uint64_t i = first; i < end && zset_iter_next(&it, &el); i++) {
        double xy[2], dist;
        if (geo_shape_contains(&s->q.shape, el.score, xy, &dist) && !add_point(s, &el, xy, dist))
            return false;
        if (limit && s->n >= limit)
            break;
    }
    return true;
}

static bool scan_cells(struct geo_search *s, const struct value *v)
{
    struct geohash cells[GEO_SEARCH_CELLS];
    geo_search_cells(&s->q.shape, cells);
    size_t limit = s->q.any ? (size_t)s->q.count : 0;
    int last = -1;
    for (int i = 0; i < GEO_SEARCH_CELLS; i++) {
        if (geohash_is_zero(cells[i]))
            continue;
        /* Huge radii make neighbours the same cell: scan it once. */
        if (last >= 0 && cells[i].bits == cells[last].bits && cells[i].step == cells[last].step)
            continue;
        if (s->n && limit && s->n >= limit)
            break;
        if (!scan_cell(s, v, cells[i], limit))
            return false;
        last = i;
    }
    return true;
}

static int by_distance_asc(const void *a, const void *b)
{
    const struct geo_point *x = a, *y = b;
    return x->dist > y->dist ? 1 : x->dist == y->dist ? 0 : -1;
}

static int by_distance_desc(const void *a, const void *b)
{
    const struct geo_point *x = a, *y = b;
    return x->dist > y->dist ? -1 : x->dist == y->dist ? 0 : 1;
}

/* Replaces dst by the result (a new sorted set, announced as `event`), or
 * deletes it for an empty one. */
static enum cmd_result do_store(struct cmd_ctx *c, struct geo_search *s, const struct key *dst,
                                const char *event)
{
    struct shard *sh = dst->shard;
    shard_assume_held(sh);
    struct table_pos pos;
    struct value v;
    if (s->returned > 0) {
        struct zset_limits lim;
        zset_limits_of(c->ks, &lim);
        size_t longest = 0;
        for (size_t i = 0; i < s->returned; i++)
            longest = s->points[i].len > longest ? s->points[i].len : longest;
        if (zset_value_new(&lim, s->returned, longest, &v) != 0)
            return CMD_ERR_OOM;
        for (size_t i = 0; i < s->returned; i++) {
            const struct geo_point *p = &s->points[i];
            int out;
            double score = s->q.storedist ? p->dist : p->score;
            if (zset_add(&v, &lim, score, p->member, p->len, 0, &out, &score) != 0) {
                zset_value_free(&v);
                return CMD_ERR_OOM;
            }
        }
    }
    struct entry *e = do_lookup(sh, dst, c->now_ms, LOOKUP_WRITE, &pos);
    if (s->returned == 0) {
        if (e) {
            do_delete(sh, pos);
            do_key_event(sh, dst, NOTIFY_GENERIC, "del");
        }
        return CMD_OK;
    }
    if (!e) {
        if (!do_insert(sh, dst, &v, ENTRY_NO_TTL, c->now_ms)) {
            zset_value_free(&v);
            return CMD_ERR_OOM;
        }
    } else {
        do_set_expire(sh, pos, e, ENTRY_NO_TTL); /* removing a TTL cannot fail */
        do_replace_value(sh, e, &v, c->now_ms);
    }
    do_key_event(sh, dst, NOTIFY_ZSET, event);
    return CMD_OK;
}

/* The whole search, the source (and destination) locked. */
static enum cmd_result do_search(struct cmd_ctx *c, struct geo_search *s, const struct key *src,
                                 const struct key *dst)
{
    shard_assume_held(src->shard);
    enum cmd_result result;
    struct entry *e = do_zset_lookup(src->shard, src, c->now_ms, LOOKUP_READ, &result);
    if (result != CMD_OK)
        return result;
    struct value v;
    if (e)
        entry_value(e, &v);
    struct geo_request *q = &s->q;
    if (!geo_parse_request(c, q, e ? &v : NULL, false, &s->err))
        return CMD_OK;
    if (e) {
        /* COUNT keeps the nearest: sorted, unless ANY took the first found. */
        if (q->count && q->sort == GEO_SORT_NONE && !q->any)
            q->sort = GEO_SORT_ASC;
        if (!scan_cells(s, &v))
            return CMD_ERR_OOM;
        /* n == 0 leaves points NULL, which qsort may not be given. */
        if (q->sort != GEO_SORT_NONE && s->n > 1)
            qsort(s->points, s->n, sizeof(*s->points),
                  q->sort == GEO_SORT_ASC ? by_distance_asc : by_distance_desc);
        s->returned = q->count && (size_t)q->count < s->n ? (size_t)q->count : s->n;
        for (size_t i = 0; i < s->returned; i++)
            s->points[i].dist /= q->shape.conversion;
    }
    if (!dst)
        return CMD_OK;
    bool search = q->kind == GEO_SEARCH_STORE;
    return do_store(c, s, dst, search ? "geosearchstore" : "georadiusstore");
}

static void reply_points(struct cmd_ctx *c, const struct geo_search *s)
{
    const struct geo_request *q = &s->q;
    if (q->store) {
        reply_int(c->reply, (long long)s->returned);
        return;
    }
    size_t options = (size_t)q->withdist + (size_t)q->withhash + (size_t)q->withcoord;
    reply_array(c->reply, s->returned);
    for (size_t i = 0; i < s->returned; i++) {
        const struct geo_point *p = &s->points[i];
        if (options)
            reply_array(c->reply, options + 1);
        reply_bulk(c->reply, p->member, p->len);
        if (q->withdist)
            reply_geo_distance(c->reply, p->dist);
        if (q->withhash)
            reply_int(c->reply, (long long)p->score);
        if (q->withcoord) {
            reply_array(c->reply, 2);
            reply_geo_coord(c->reply, p->xy[0]);
            reply_geo_coord(c->reply, p->xy[1]);
        }
    }
}

static void geo_search_run(struct cmd_ctx *c, enum geo_search_kind kind, bool readonly)
{
    struct geo_search s = {.q = {.kind = kind, .readonly = readonly}};
    s.q.src = kind == GEO_SEARCH_STORE ? 2 : 1;
    /* First only where STORE's key is, so that it is locked with the source. */
    struct geo_request where = s.q;
    geo_parse_request(c, &where, NULL, true, &s.err);
    s.err.set = false;
    struct key src, dst = {0};
    cmd_key(c, s.q.src, &src);
    if (where.store)
        cmd_key(c, where.store, &dst);
    struct shard_set set;
    shard_set_init(&set, c->ks);
    enum cmd_result result = CMD_ERR_OOM;
    if (shard_set_add(&set, src.shard_id) == 0 &&
        (!where.store || shard_set_add(&set, dst.shard_id) == 0)) {
        SHARD_SET_GUARD (&set)
            result = do_search(c, &s, &src, where.store ? &dst : NULL);
    }
    shard_set_free(&set);
    if (!reply_result_error(c, result)) {
        if (s.err.set)
            reply_error(c->reply, s.err.msg);
        else
            reply_points(c, &s);
    }
    mem_free(s.points);
    sort_arena_free(&s.arena);
}

void georadius_command(struct cmd_ctx *c)
{
    geo_search_run(c, GEO_RADIUS, false);
}

void georadius_ro_command(struct cmd_ctx *c)
{
    geo_search_run(c, GEO_RADIUS, true);
}

void georadiusbymember_command(struct cmd_ctx *c)
{
    geo_search_run(c, GEO_RADIUS_BY_MEMBER, false);
}

void georadiusbymember_ro_command(struct cmd_ctx *c)
{
    geo_search_run(c, GEO_RADIUS_BY_MEMBER, true);
}

void geosearch_command(struct cmd_ctx *c)
{
    geo_search_run(c, GEO_SEARCH, false);
}

void geosearchstore_command(struct cmd_ctx *c)
{
    geo_search_run(c, GEO_SEARCH_STORE, false);
}
