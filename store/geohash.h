/*
 * Redis's geohash, so that GEO scores, positions, hashes and distances
 * equal redis-server's to the last bit: a position is a 52-bit integer
 * (26 steps of longitude and latitude bits interleaved, longitude in the
 * odd bits) over the Web Mercator square (longitude [-180, 180], latitude
 * [-85.05112878, 85.05112878]), stored as a sorted-set score. Decoding
 * gives the centre of the cell. Radius and box searches scan the cell of
 * the centre and its eight neighbours at a step chosen from the radius,
 * each cell one score range [min, max) of the sorted set.
 *
 * Every floating-point expression here is written in the order Redis
 * evaluates it: a different but equivalent order can move a result by one
 * ulp, which shows in GEOPOS's 17 digits. Pure functions, no allocation.
 * Private to store/.
 */
#ifndef MAGPIE_STORE_GEOHASH_H
#define MAGPIE_STORE_GEOHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEO_STEP_MAX       26
#define GEO_LONG_MIN       (-180.0)
#define GEO_LONG_MAX       180.0
#define GEO_LAT_MIN        (-85.05112878)
#define GEO_LAT_MAX        85.05112878
/* The Earth's radius as Redis's distances use it, in metres. */
#define GEO_EARTH_RADIUS_M 6372797.560856
/* Half the Mercator square's side, in metres (the step estimate). */
#define GEO_MERCATOR_MAX   20037726.37
/* GEOHASH's string: 11 base-32 characters. */
#define GEOHASH_STRING_LEN 11

/* A cell: its interleaved bits and its step (bits per coordinate). A
 * neighbour excluded from a search is {0, 0}. */
struct geohash {
    uint64_t bits;
    uint8_t step;
};

struct geo_range {
    double min, max;
};

/* What a cell covers. */
struct geo_area {
    struct geo_range lon, lat;
};

/* Whether GEOADD accepts the position (Redis's bounds, inclusive). */
bool geo_position_valid(double lon, double lat);

/* Encodes a position into a cell of `step` steps over the given ranges;
 * false (nothing written) for a position outside Redis's bounds or the
 * ranges, or a step outside 1..32. */
bool geohash_encode(const struct geo_range *lon_range, const struct geo_range *lat_range,
                    double lon, double lat, uint8_t step, struct geohash *out);
/* The same over the Mercator square. */
bool geohash_encode_wgs84(double lon, double lat, uint8_t step, struct geohash *out);
/* The area of a cell over the given ranges / the Mercator square. */
void geohash_decode(const struct geo_range *lon_range, const struct geo_range *lat_range,
                    struct geohash h, struct geo_area *out);
void geohash_decode_wgs84(struct geohash h, struct geo_area *out);
/* A cell's bits scaled to 52 bits: the smallest score inside it. */
uint64_t geohash_align52(struct geohash h);

/* A GEO score of a position (its 26-step cell as a double), or false for a
 * position outside the bounds. */
bool geo_score_encode(double lon, double lat, double *score);
/* The centre of the 26-step cell a score names (clamped to the bounds):
 * xy[0] longitude, xy[1] latitude. A score that is no geohash (a plain
 * sorted set's) decodes as its integer part's bits do in Redis. */
void geo_score_decode(double score, double xy[2]);
/* GEOHASH's string of a score: the position re-encoded over the standard
 * latitude range [-90, 90]; false when it cannot be. */
bool geo_score_string(double score, char out[GEOHASH_STRING_LEN]);

/* Great-circle distance in metres (haversine on GEO_EARTH_RADIUS_M). */
double geo_distance(double lon1, double lat1, double lon2, double lat2);
/* The distance between two latitudes along a meridian, in metres. */
double geo_lat_distance(double lat1, double lat2);

/* Metres per unit of "m", "km", "ft" or "mi" (any case); -1 for others. */
double geo_unit_meters(const char *unit, size_t len);

/* A search: a circle of `radius` or a box of width x height (in units of
 * `conversion` metres) around xy (longitude, latitude). */
enum geo_shape_type { GEO_SHAPE_CIRCLE, GEO_SHAPE_BOX };
struct geo_shape {
    enum geo_shape_type type;
    double xy[2];
    double conversion;
    double radius;
    double width, height;
};

/* Whether the position of a score lies in the shape: then *dist is its
 * distance from the centre in metres and xy its position. */
bool geo_shape_contains(const struct geo_shape *shape, double score, double xy[2], double *dist);

/*
 * The cells a search scans, in Redis's order: the centre's, then north,
 * south, east, west, north-east, north-west, south-east, south-west. An
 * excluded cell is {0, 0}. Scan cell i as the scores [min, max) of
 * geohash_cell_scores, skipping an excluded cell and one equal to the last
 * cell scanned (huge radii make neighbours coincide).
 */
#define GEO_SEARCH_CELLS 9
void geo_search_cells(const struct geo_shape *shape, struct geohash cells[GEO_SEARCH_CELLS]);
void geohash_cell_scores(struct geohash h, double *min, double *max);
static inline bool geohash_is_zero(struct geohash h)
{
    return h.bits == 0 && h.step == 0;
}

#ifdef __cplusplus
}
#endif
#endif
