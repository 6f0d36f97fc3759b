/*
 * Redis's geohash (store/geohash.h): encoding, decoding, distances and the
 * cells of a search.
 */
#include "store/geohash.h"

#include <math.h>
#include <strings.h>

/* Degrees to radians, with Redis's constant. */
#define DEG_TO_RAD (M_PI / 180.0)

static double deg_rad(double deg)
{
    return deg * DEG_TO_RAD;
}

static const struct geo_range lon_wgs84 = {GEO_LONG_MIN, GEO_LONG_MAX};
static const struct geo_range lat_wgs84 = {GEO_LAT_MIN, GEO_LAT_MAX};

/* The 32 bits of v spread into the even bits of the result. */
static uint64_t spread_bits(uint32_t v)
{
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

/* The even bits of v gathered into 32 bits (spread_bits reversed). */
static uint32_t gather_bits(uint64_t v)
{
    uint64_t x = v & 0x5555555555555555ULL;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

bool geo_position_valid(double lon, double lat)
{
    return !(lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN);
}

bool geohash_encode(const struct geo_range *lon_range, const struct geo_range *lat_range,
                    double lon, double lat, uint8_t step, struct geohash *out)
{
    if (step == 0 || step > 32 || lat_range->max == lat_range->min ||
        lon_range->max == lon_range->min)
        return false;
    if (!geo_position_valid(lon, lat))
        return false;
    if (lat < lat_range->min || lat > lat_range->max || lon < lon_range->min ||
        lon > lon_range->max)
        return false;
    double lat_offset = (lat - lat_range->min) / (lat_range->max - lat_range->min);
    double lon_offset = (lon - lon_range->min) / (lon_range->max - lon_range->min);
    lat_offset *= (double)(1ULL << step);
    lon_offset *= (double)(1ULL << step);
    /* Redis converts the offsets to 32-bit integers: an edge of the range
     * gives 2^step, one bit above the cell's, as in Redis. */
    out->bits = spread_bits((uint32_t)lat_offset) | (spread_bits((uint32_t)lon_offset) << 1);
    out->step = step;
    return true;
}

bool geohash_encode_wgs84(double lon, double lat, uint8_t step, struct geohash *out)
{
    return geohash_encode(&lon_wgs84, &lat_wgs84, lon, lat, step, out);
}

void geohash_decode(const struct geo_range *lon_range, const struct geo_range *lat_range,
                    struct geohash h, struct geo_area *out)
{
    uint32_t ilat = gather_bits(h.bits);
    uint32_t ilon = gather_bits(h.bits >> 1);
    double lat_scale = lat_range->max - lat_range->min;
    double lon_scale = lon_range->max - lon_range->min;
    double cells = (double)(1ULL << h.step);
    out->lat.min = lat_range->min + (ilat * 1.0 / cells) * lat_scale;
    out->lat.max = lat_range->min + ((uint32_t)(ilat + 1) * 1.0 / cells) * lat_scale;
    out->lon.min = lon_range->min + (ilon * 1.0 / cells) * lon_scale;
    out->lon.max = lon_range->min + ((uint32_t)(ilon + 1) * 1.0 / cells) * lon_scale;
}

void geohash_decode_wgs84(struct geohash h, struct geo_area *out)
{
    geohash_decode(&lon_wgs84, &lat_wgs84, h, out);
}

uint64_t geohash_align52(struct geohash h)
{
    return h.bits << (52 - h.step * 2);
}

bool geo_score_encode(double lon, double lat, double *score)
{
    struct geohash h;
    if (!geohash_encode_wgs84(lon, lat, GEO_STEP_MAX, &h))
        return false;
    *score = (double)geohash_align52(h);
    return true;
}

/* Redis casts the score to an unsigned integer; C leaves that undefined
 * outside [0, 2^64), so it is spelt out as x86-64 code computes it (Redis's
 * build): below 2^63 a signed conversion (the "integer indefinite" 2^63 for
 * what it cannot hold), else the conversion of score - 2^63 with the top
 * bit flipped (so 2^64 and above give 0). */
static uint64_t score_bits(double score)
{
    const double two63 = 9223372036854775808.0;
    if (score >= two63) {
        double rest = score - two63;
        return rest < two63 ? (uint64_t)(int64_t)rest ^ (1ULL << 63) : 0;
    }
    if (score >= -two63)
        return (uint64_t)(int64_t)score;
    return 1ULL << 63;
}

static void area_center(const struct geo_area *a, double xy[2])
{
    xy[0] = (a->lon.min + a->lon.max) / 2;
    if (xy[0] > GEO_LONG_MAX)
        xy[0] = GEO_LONG_MAX;
    if (xy[0] < GEO_LONG_MIN)
        xy[0] = GEO_LONG_MIN;
    xy[1] = (a->lat.min + a->lat.max) / 2;
    if (xy[1] > GEO_LAT_MAX)
        xy[1] = GEO_LAT_MAX;
    if (xy[1] < GEO_LAT_MIN)
        xy[1] = GEO_LAT_MIN;
}

void geo_score_decode(double score, double xy[2])
{
    struct geo_area area;
    geohash_decode_wgs84((struct geohash){score_bits(score), GEO_STEP_MAX}, &area);
    area_center(&area, xy);
}

bool geo_score_string(double score, char out[GEOHASH_STRING_LEN])
{
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    static const struct geo_range lat_standard = {-90, 90};
    double xy[2];
    geo_score_decode(score, xy);
    struct geohash h;
    if (!geohash_encode(&lon_wgs84, &lat_standard, xy[0], xy[1], GEO_STEP_MAX, &h))
        return false;
    /* 52 bits make ten characters; the eleventh is always '0'. */
    for (int i = 0; i < GEOHASH_STRING_LEN - 1; i++)
        out[i] = alphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
    out[GEOHASH_STRING_LEN - 1] = '0';
    return true;
}

double geo_lat_distance(double lat1, double lat2)
{
    return GEO_EARTH_RADIUS_M * fabs(deg_rad(lat2) - deg_rad(lat1));
}

double geo_distance(double lon1, double lat1, double lon2, double lat2)
{
    double lon1r = deg_rad(lon1), lon2r = deg_rad(lon2);
    double v = sin((lon2r - lon1r) / 2);
    /* The same meridian: the distance along it is cheaper (and is what
     * Redis answers then). */
    if (v == 0.0)
        return geo_lat_distance(lat1, lat2);
    double lat1r = deg_rad(lat1), lat2r = deg_rad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(a));
}

double geo_unit_meters(const char *unit, size_t len)
{
    if (len == 1 && (unit[0] == 'm' || unit[0] == 'M'))
        return 1;
    if (len == 2 && strncasecmp(unit, "km", 2) == 0)
        return 1000;
    if (len == 2 && strncasecmp(unit, "ft", 2) == 0)
        return 0.3048;
    if (len == 2 && strncasecmp(unit, "mi", 2) == 0)
        return 1609.34;
    return -1;
}

bool geo_shape_contains(const struct geo_shape *shape, double score, double xy[2], double *dist)
{
    geo_score_decode(score, xy);
    if (shape->type == GEO_SHAPE_CIRCLE) {
        *dist = geo_distance(shape->xy[0], shape->xy[1], xy[0], xy[1]);
        return *dist <= shape->radius * shape->conversion;
    }
    /* The box: latitude first, the cheaper test. */
    double width = shape->width * shape->conversion;
    double height = shape->height * shape->conversion;
    if (geo_lat_distance(xy[1], shape->xy[1]) > height / 2)
        return false;
    if (geo_distance(xy[0], xy[1], shape->xy[0], xy[1]) > width / 2)
        return false;
    *dist = geo_distance(shape->xy[0], shape->xy[1], xy[0], xy[1]);
    return true;
}
