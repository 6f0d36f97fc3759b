/*
 * What the GEO commands (store/cmd_geo*.c, store/geo_args.c) share: the
 * positions of a sorted set's members (GEO stores them as geohash scores,
 * store/geohash.h), Redis's argument readers and replies, and the search
 * request of GEORADIUS, GEORADIUSBYMEMBER, GEOSEARCH and GEOSEARCHSTORE.
 * Private to store/.
 */
#ifndef MAGPIE_STORE_CMD_GEO_H
#define MAGPIE_STORE_CMD_GEO_H

#include "store/cmd_util.h"
#include "store/geohash.h"
#include "store/zset_value.h"

/*
 * An error found under a lock, replied once it is released: Redis's text
 * (some carry a formatted number, and "%f" of 1e308 has 309 digits).
 */
struct geo_error {
    bool set;
    char msg[1024];
};
void geo_error_set(struct geo_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A longitude and latitude at argv[i], argv[i + 1] (extractLongLatOrReply):
 * floats within the bounds. False with the error set. */
bool geo_arg_position(const struct cmd_ctx *c, int i, double xy[2], struct geo_error *err);
/* A radius and unit at argv[i], argv[i + 1] (extractDistanceOrReply): a
 * float, not negative, and a known unit. False with the error set. */
bool geo_arg_distance(const struct cmd_ctx *c, int i, double *dist, double *to_meters,
                      struct geo_error *err);
/* A unit argument: metres per unit, or false with the error set. */
bool geo_arg_unit(const struct resp_arg *a, double *to_meters, struct geo_error *err);

/* GEODIST's and WITHDIST's number: a bulk string of "%.4f". */
void reply_geo_distance(struct reply *r, double dist);
/* GEOPOS's and WITHCOORD's coordinate: Redis's human long double, a bulk
 * string in RESP2 and a double in RESP3. */
void reply_geo_coord(struct reply *r, double v);

/* The member's position in the sorted set: false when it is absent. */
bool geo_member_position(const struct value *zset, const char *member, size_t len, double xy[2]);

/* ---- searches ---- */

enum geo_search_kind {
    GEO_RADIUS,           /* GEORADIUS[_RO] key lon lat radius unit ... */
    GEO_RADIUS_BY_MEMBER, /* GEORADIUSBYMEMBER[_RO] key member radius unit ... */
    GEO_SEARCH,           /* GEOSEARCH key ... */
    GEO_SEARCH_STORE,     /* GEOSEARCHSTORE dst src ... */
};
enum geo_sort { GEO_SORT_NONE, GEO_SORT_ASC, GEO_SORT_DESC };

struct geo_request {
    enum geo_search_kind kind;
    bool readonly; /* the _RO forms: no STORE */
    int src;       /* argv index of the source key */
    int store;     /* argv index of the destination, or 0 */
    bool storedist;
    bool withdist, withhash, withcoord, any;
    enum geo_sort sort;
    long long count; /* 0: all */
    struct geo_shape shape;
};

/*
 * Reads a search's arguments in Redis's order (georadiusGeneric), with the
 * source sorted set `zset` (NULL: missing) for FROMMEMBER and the BYMEMBER
 * forms. With `dry`, reads only where STORE's key is (to lock it first):
 * no value is checked then. False with the error set. A missing source
 * still has its options read (Redis then replies empty, or 0 after
 * deleting the destination).
 */
bool geo_parse_request(const struct cmd_ctx *c, struct geo_request *q, const struct value *zset,
                       bool dry, struct geo_error *err);

void geoadd_command(struct cmd_ctx *c);
void geodist_command(struct cmd_ctx *c);
void geohash_command(struct cmd_ctx *c);
void geopos_command(struct cmd_ctx *c);
void georadius_command(struct cmd_ctx *c);
void georadius_ro_command(struct cmd_ctx *c);
void georadiusbymember_command(struct cmd_ctx *c);
void georadiusbymember_ro_command(struct cmd_ctx *c);
void geosearch_command(struct cmd_ctx *c);
void geosearchstore_command(struct cmd_ctx *c);

#endif
