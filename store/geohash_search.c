/*
 * The cells a radius or box search scans (store/geohash.h): Redis picks a
 * step from the radius so that the centre's cell and its eight neighbours
 * cover the search's bounding box, one step coarser when a neighbour falls
 * short of the box, and leaves out the neighbours the box does not reach.
 * The results depend on these choices only through the order in which
 * matches are found (an unsorted search replies in that order), so they
 * follow Redis's exactly.
 */
#include "store/geohash.h"

#include <math.h>

#define DEG_TO_RAD (M_PI / 180.0)

/* The coarsest step whose cells are still about the radius's size. */
static uint8_t steps_for_radius(double radius_m, double lat)
{
    if (radius_m == 0)
        return GEO_STEP_MAX;
    int step = 1;
    while (radius_m < GEO_MERCATOR_MAX) {
        radius_m *= 2;
        step++;
    }
    step -= 2; /* so that the range is inside in most cases */
    /* Meridians converge towards the poles: wider cells there. */
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80)
            step--;
    }
    if (step < 1)
        step = 1;
    if (step > GEO_STEP_MAX)
        step = GEO_STEP_MAX;
    return (uint8_t)step;
}

/* The shape's bounding box: min longitude, min latitude, max longitude,
 * max latitude. */
static void bounding_box(const struct geo_shape *shape, double bounds[4])
{
    double lon = shape->xy[0], lat = shape->xy[1];
    bool circle = shape->type == GEO_SHAPE_CIRCLE;
    double height = shape->conversion * (circle ? shape->radius : shape->height / 2);
    double width = shape->conversion * (circle ? shape->radius : shape->width / 2);
    double lat_delta = (height / GEO_EARTH_RADIUS_M) / DEG_TO_RAD;
    double lon_delta_top =
        (width / GEO_EARTH_RADIUS_M / cos((lat + lat_delta) * DEG_TO_RAD)) / DEG_TO_RAD;
    double lon_delta_bottom =
        (width / GEO_EARTH_RADIUS_M / cos((lat - lat_delta) * DEG_TO_RAD)) / DEG_TO_RAD;
    /* The wider edge is the one nearer the equator. */
    bool south = lat < 0;
    bounds[0] = south ? lon - lon_delta_bottom : lon - lon_delta_top;
    bounds[2] = south ? lon + lon_delta_bottom : lon + lon_delta_top;
    bounds[1] = lat - lat_delta;
    bounds[3] = lat + lat_delta;
}

/* Moves a cell one step east (d > 0) or west along the longitude bits
 * (the odd ones), wrapping around. */
static void move_lon(struct geohash *h, int d)
{
    uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL;
    uint64_t y = h->bits & 0x5555555555555555ULL;
    uint64_t low = 0x5555555555555555ULL >> (64 - h->step * 2);
    if (d > 0) {
        x = x + (low + 1);
    } else {
        x = x | low;
        x = x - (low + 1);
    }
    x &= 0xaaaaaaaaaaaaaaaaULL >> (64 - h->step * 2);
    h->bits = x | y;
}

/* The same north (d > 0) or south along the latitude bits (the even ones). */
static void move_lat(struct geohash *h, int d)
{
    uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL;
    uint64_t y = h->bits & 0x5555555555555555ULL;
    uint64_t low = 0xaaaaaaaaaaaaaaaaULL >> (64 - h->step * 2);
    if (d > 0) {
        y = y + (low + 1);
    } else {
        y = y | low;
        y = y - (low + 1);
    }
    y &= 0x5555555555555555ULL >> (64 - h->step * 2);
    h->bits = x | y;
}

enum { CENTER, NORTH, SOUTH, EAST, WEST, NORTH_EAST, NORTH_WEST, SOUTH_EAST, SOUTH_WEST };

static struct geohash moved(struct geohash h, int dlon, int dlat)
{
    if (dlon)
        move_lon(&h, dlon);
    if (dlat)
        move_lat(&h, dlat);
    return h;
}

static void neighbours(struct geohash h, struct geohash cells[GEO_SEARCH_CELLS])
{
    cells[CENTER] = h;
    cells[NORTH] = moved(h, 0, 1);
    cells[SOUTH] = moved(h, 0, -1);
    cells[EAST] = moved(h, 1, 0);
    cells[WEST] = moved(h, -1, 0);
    cells[NORTH_EAST] = moved(h, 1, 1);
    cells[NORTH_WEST] = moved(h, -1, 1);
    cells[SOUTH_EAST] = moved(h, 1, -1);
    cells[SOUTH_WEST] = moved(h, -1, -1);
}

static void exclude(struct geohash cells[GEO_SEARCH_CELLS], int a, int b, int c)
{
    cells[a] = cells[b] = cells[c] = (struct geohash){0, 0};
}

void geo_search_cells(const struct geo_shape *shape, struct geohash cells[GEO_SEARCH_CELLS])
{
    double bounds[4];
    bounding_box(shape, bounds);
    double min_lon = bounds[0], min_lat = bounds[1], max_lon = bounds[2], max_lat = bounds[3];
    double lon = shape->xy[0], lat = shape->xy[1];
    double radius = shape->type == GEO_SHAPE_CIRCLE
                        ? shape->radius
                        : sqrt((shape->width / 2) * (shape->width / 2) +
                               (shape->height / 2) * (shape->height / 2));
    radius *= shape->conversion;
    uint8_t steps = steps_for_radius(radius, lat);

    struct geohash h = {0, 0};
    struct geo_area area, n, s, e, w;
    geohash_encode_wgs84(lon, lat, steps, &h);
    neighbours(h, cells);
    geohash_decode_wgs84(cells[NORTH], &n);
    geohash_decode_wgs84(cells[SOUTH], &s);
    geohash_decode_wgs84(cells[EAST], &e);
    geohash_decode_wgs84(cells[WEST], &w);
    /* Near an edge of its cell the box may reach past a neighbour: then
     * one step coarser. */
    bool coarser =
        n.lat.max < max_lat || s.lat.min > min_lat || e.lon.max < max_lon || w.lon.min > min_lon;
    if (steps > 1 && coarser) {
        steps--;
        geohash_encode_wgs84(lon, lat, steps, &h);
        neighbours(h, cells);
    }
    geohash_decode_wgs84(h, &area);
    /* Leave out the neighbours on a side the box does not reach past the
     * centre's cell. */
    if (steps >= 2) {
        if (area.lat.min < min_lat)
            exclude(cells, SOUTH, SOUTH_WEST, SOUTH_EAST);
        if (area.lat.max > max_lat)
            exclude(cells, NORTH, NORTH_EAST, NORTH_WEST);
        if (area.lon.min < min_lon)
            exclude(cells, WEST, SOUTH_WEST, NORTH_WEST);
        if (area.lon.max > max_lon)
            exclude(cells, EAST, SOUTH_EAST, NORTH_EAST);
    }
}

void geohash_cell_scores(struct geohash h, double *min, double *max)
{
    *min = (double)geohash_align52(h);
    h.bits++;
    *max = (double)geohash_align52(h);
}
