/*
 * The GEO commands' arguments as Redis 7.0 reads them (store/cmd_geo.h):
 * positions, distances and units, and the options of the searches, read
 * in georadiusGeneric's order so that the first error Redis reports is
 * the one reported here.
 */
#include "store/cmd_geo.h"

#include <stdarg.h>
#include <stdio.h>

void geo_error_set(struct geo_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    e->set = true;
}

static bool arg_double(const struct resp_arg *a, double *out)
{
    return zset_parse_score(a->ptr, a->len, out);
}

bool geo_arg_position(const struct cmd_ctx *c, int i, double xy[2], struct geo_error *err)
{
    if (!arg_double(&c->argv[i], &xy[0]) || !arg_double(&c->argv[i + 1], &xy[1])) {
        geo_error_set(err, ERR_NOT_FLOAT);
        return false;
    }
    if (!geo_position_valid(xy[0], xy[1])) {
        geo_error_set(err, "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
        return false;
    }
    return true;
}

bool geo_arg_unit(const struct resp_arg *a, double *to_meters, struct geo_error *err)
{
    *to_meters = geo_unit_meters(a->ptr, a->len);
    if (*to_meters < 0) {
        geo_error_set(err, "ERR unsupported unit provided. please use M, KM, FT, MI");
        return false;
    }
    return true;
}

bool geo_arg_distance(const struct cmd_ctx *c, int i, double *dist, double *to_meters,
                      struct geo_error *err)
{
    if (!arg_double(&c->argv[i], dist)) {
        geo_error_set(err, "ERR need numeric radius");
        return false;
    }
    if (*dist < 0) {
        geo_error_set(err, "ERR radius cannot be negative");
        return false;
    }
    return geo_arg_unit(&c->argv[i + 1], to_meters, err);
}

/* BYBOX width height unit (extractBoxOrReply). */
static bool arg_box(const struct cmd_ctx *c, int i, struct geo_shape *shape, struct geo_error *err)
{
    if (!arg_double(&c->argv[i], &shape->width)) {
        geo_error_set(err, "ERR need numeric width");
        return false;
    }
    if (!arg_double(&c->argv[i + 1], &shape->height)) {
        geo_error_set(err, "ERR need numeric height");
        return false;
    }
    if (shape->height < 0 || shape->width < 0) {
        geo_error_set(err, "ERR height or width cannot be negative");
        return false;
    }
    return geo_arg_unit(&c->argv[i + 2], &shape->conversion, err);
}

/* What the options named so far (GEOSEARCH's FROM and BY are exclusive). */
struct seen {
    bool frommember, fromloc, byradius, bybox;
};

/* The option at argv[i], with `remaining` arguments from it on: false with
 * the error set; *i advanced past its values. */
static bool parse_option(const struct cmd_ctx *c, struct geo_request *q, const struct value *zset,
                         bool dry, int *i, int remaining, struct seen *seen, struct geo_error *err)
{
    const struct resp_arg *a = &c->argv[*i];
    bool search = q->kind == GEO_SEARCH || q->kind == GEO_SEARCH_STORE;
    bool radius = !search && !q->readonly;
    if (arg_is(a, "withdist")) {
        q->withdist = true;
    } else if (arg_is(a, "withhash")) {
        q->withhash = true;
    } else if (arg_is(a, "withcoord")) {
        q->withcoord = true;
    } else if (arg_is(a, "any")) {
        q->any = true;
    } else if (arg_is(a, "asc")) {
        q->sort = GEO_SORT_ASC;
    } else if (arg_is(a, "desc")) {
        q->sort = GEO_SORT_DESC;
    } else if (arg_is(a, "count") && remaining > 1) {
        if (!dry && !strconv_parse_ll(c->argv[*i + 1].ptr, c->argv[*i + 1].len, &q->count)) {
            geo_error_set(err, ERR_NOT_INT);
            return false;
        }
        if (!dry && q->count <= 0) {
            geo_error_set(err, "ERR COUNT must be > 0");
            return false;
        }
        (*i)++;
    } else if ((arg_is(a, "store") || arg_is(a, "storedist")) && remaining > 1 && radius) {
        q->store = *i + 1;
        q->storedist = arg_is(a, "storedist");
        (*i)++;
    } else if (arg_is(a, "storedist") && q->kind == GEO_SEARCH_STORE) {
        q->storedist = true;
    } else if (arg_is(a, "frommember") && remaining > 1 && search && !seen->fromloc) {
        /* A missing source: read on, the reply is empty anyway. */
        if (!dry && zset &&
            !geo_member_position(zset, c->argv[*i + 1].ptr, c->argv[*i + 1].len, q->shape.xy)) {
            geo_error_set(err, "ERR could not decode requested zset member");
            return false;
        }
        seen->frommember = true;
        (*i)++;
    } else if (arg_is(a, "fromlonlat") && remaining > 2 && search && !seen->frommember) {
        if (!dry && !geo_arg_position(c, *i + 1, q->shape.xy, err))
            return false;
        seen->fromloc = true;
        *i += 2;
    } else if (arg_is(a, "byradius") && remaining > 2 && search && !seen->bybox) {
        if (!dry && !geo_arg_distance(c, *i + 1, &q->shape.radius, &q->shape.conversion, err))
            return false;
        q->shape.type = GEO_SHAPE_CIRCLE;
        seen->byradius = true;
        *i += 2;
    } else if (arg_is(a, "bybox") && remaining > 3 && search && !seen->byradius) {
        if (!dry && !arg_box(c, *i + 1, &q->shape, err))
            return false;
        q->shape.type = GEO_SHAPE_BOX;
        seen->bybox = true;
        *i += 3;
    } else {
        geo_error_set(err, ERR_SYNTAX);
        return false;
    }
    return true;
}

/* The arguments before the options: where they end. */
static bool parse_fixed(const struct cmd_ctx *c, struct geo_request *q, const struct value *zset,
                        bool dry, int *base, struct geo_error *err)
{
    switch (q->kind) {
    case GEO_RADIUS:
        *base = 6;
        q->shape.type = GEO_SHAPE_CIRCLE;
        return dry || (geo_arg_position(c, 2, q->shape.xy, err) &&
                       geo_arg_distance(c, 4, &q->shape.radius, &q->shape.conversion, err));
    case GEO_RADIUS_BY_MEMBER:
        *base = 5;
        q->shape.type = GEO_SHAPE_CIRCLE;
        if (dry || !zset)
            return true; /* no source: the options are read, the reply is empty */
        if (!geo_member_position(zset, c->argv[2].ptr, c->argv[2].len, q->shape.xy)) {
            geo_error_set(err, "ERR could not decode requested zset member");
            return false;
        }
        return geo_arg_distance(c, 3, &q->shape.radius, &q->shape.conversion, err);
    case GEO_SEARCH:
        *base = 2;
        return true;
    case GEO_SEARCH_STORE:
        *base = 3;
        q->store = 1;
        return true;
    }
    return true;
}

bool geo_parse_request(const struct cmd_ctx *c, struct geo_request *q, const struct value *zset,
                       bool dry, struct geo_error *err)
{
    int base = 2;
    if (!parse_fixed(c, q, zset, dry, &base, err))
        return false;
    struct seen seen = {0};
    for (int i = base; i < c->argc; i++)
        if (!parse_option(c, q, zset, dry, &i, c->argc - i, &seen, err))
            return false;
    if (dry)
        return true;
    if (q->store && (q->withdist || q->withhash || q->withcoord)) {
        geo_error_set(err, "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                      q->kind == GEO_SEARCH_STORE ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return false;
    }
    bool search = q->kind == GEO_SEARCH || q->kind == GEO_SEARCH_STORE;
    const struct resp_arg *name = &c->argv[0];
    if (search && !(seen.frommember || seen.fromloc)) {
        geo_error_set(err, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s",
                      (int)name->len, name->ptr);
        return false;
    }
    if (search && !(seen.byradius || seen.bybox)) {
        geo_error_set(err, "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s",
                      (int)name->len, name->ptr);
        return false;
    }
    if (q->any && !q->count) {
        geo_error_set(err, "ERR the ANY argument requires COUNT argument");
        return false;
    }
    return true;
}
