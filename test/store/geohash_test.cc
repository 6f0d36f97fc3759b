// Redis's geohash: scores, positions, GEOHASH strings and distances equal
// what redis-server 7.0.15 answered for the same GEOADDs (GEOADD, then
// ZSCORE / GEOPOS / GEOHASH / GEODIST), the edges of the coordinate range,
// scores that are no geohash, and the cells a search scans.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "proto/reply.h"
#include "store/geohash.h"

namespace
{

struct Known {
    const char *name;
    double lon, lat;
    double score;    // ZSCORE
    const char *pos; // GEOPOS, both coordinates as Redis prints them
    const char *hash;
};

// GEOADD k 13.361389 38.115556 Palermo ... on redis-server 7.0.15.
const Known kKnown[] = {
    {"Palermo", 13.361389, 38.115556, 3479099956230698, "13.36138933897018433 38.11555639549629859",
     "sqc8b49rny0"},
    {"Catania", 15.087269, 37.502669, 3479447370796909, "15.08726745843887329 37.50266842333162032",
     "sqdtr74hyu0"},
    {"ne", 180, 85.05112878, 13510798882111488, "180 85.0511287799999991", "bp05b5048p0"},
    {"sw", -180, -85.05112878, 0, "-179.99999731779098511 -85.05112751263942528", "00bh0hbj200"},
    {"origin", 0, 0, 3377699720527872, "0.00000268220901489 0.00000126736058093", "s0000000000"},
    {"sf", -122.4194, 37.7749, 1367859919124626, "-122.41940170526504517 37.77490001056577995",
     "9q8yyk8ytp0"},
    {"paris", 2.3522, 48.8566, 3663832779122514, "2.35219806432723999 48.8565995303492997",
     "u09tvw0f640"},
    {"tokyo", 139.6917, 35.6895, 4171231230197045, "139.69170123338699341 35.68950126697937009",
     "xn774c06kt0"},
    {"far", 179.9999, -85, 3002400025540839, "179.99990075826644897 -84.99999965213439168",
     "pbzurypzje0"},
};

std::string Coord(double v)
{
    char buf[REPLY_LONG_DOUBLE_MAX_CHARS];
    int n = reply_format_long_double(buf, sizeof(buf), v);
    return std::string(buf, static_cast<size_t>(n));
}

std::string Pos(double score)
{
    double xy[2];
    geo_score_decode(score, xy);
    return Coord(xy[0]) + " " + Coord(xy[1]);
}

std::string Hash(double score)
{
    char out[GEOHASH_STRING_LEN];
    if (!geo_score_string(score, out))
        return "(none)";
    return std::string(out, GEOHASH_STRING_LEN);
}

const Known &Find(const char *name)
{
    for (const Known &k : kKnown)
        if (std::string(k.name) == name)
            return k;
    abort();
}

// GEODIST's text: Redis 7.0 prints %.4f.
std::string Dist(const char *a, const char *b, double unit)
{
    double xa[2], xb[2];
    geo_score_decode(Find(a).score, xa);
    geo_score_decode(Find(b).score, xb);
    char buf[64];
    snprintf(buf, sizeof(buf), "%.4f", geo_distance(xa[0], xa[1], xb[0], xb[1]) / unit);
    return buf;
}

TEST(Geohash, ScoresPositionsAndHashesAreRedis)
{
    for (const Known &k : kKnown) {
        SCOPED_TRACE(k.name);
        double score = -1;
        ASSERT_TRUE(geo_score_encode(k.lon, k.lat, &score));
        EXPECT_EQ(score, k.score);
        EXPECT_EQ(Pos(score), k.pos);
        EXPECT_EQ(Hash(score), k.hash);
    }
}

TEST(Geohash, DistancesInEveryUnitAreRedis)
{
    double m = geo_unit_meters("m", 1), km = geo_unit_meters("KM", 2);
    double mi = geo_unit_meters("Mi", 2), ft = geo_unit_meters("ft", 2);
    EXPECT_EQ(Dist("Palermo", "Catania", m), "166274.1516");
    EXPECT_EQ(Dist("sf", "tokyo", m), "8273047.4024");
    EXPECT_EQ(Dist("ne", "sw", m), "18919844.5891");
    EXPECT_EQ(Dist("origin", "paris", m), "5438828.5024");
    EXPECT_EQ(Dist("Palermo", "Catania", km), "166.2742");
    EXPECT_EQ(Dist("sf", "tokyo", km), "8273.0474");
    EXPECT_EQ(Dist("ne", "sw", km), "18919.8446");
    EXPECT_EQ(Dist("origin", "paris", km), "5438.8285");
    EXPECT_EQ(Dist("Palermo", "Catania", mi), "103.3182");
    EXPECT_EQ(Dist("sf", "tokyo", mi), "5140.6461");
    EXPECT_EQ(Dist("ne", "sw", mi), "11756.2756");
    EXPECT_EQ(Dist("origin", "paris", mi), "3379.5398");
    EXPECT_EQ(Dist("Palermo", "Catania", ft), "545518.8700");
    EXPECT_EQ(Dist("sf", "tokyo", ft), "27142543.9712");
    EXPECT_EQ(Dist("ne", "sw", ft), "62072980.9353");
    EXPECT_EQ(Dist("origin", "paris", ft), "17843925.5327");
}

TEST(Geohash, UnitsAreExactlyTheFour)
{
    EXPECT_EQ(geo_unit_meters("M", 1), 1);
    EXPECT_EQ(geo_unit_meters("kM", 2), 1000);
    EXPECT_EQ(geo_unit_meters("FT", 2), 0.3048);
    EXPECT_EQ(geo_unit_meters("MI", 2), 1609.34);
    EXPECT_EQ(geo_unit_meters("mm", 2), -1);
    EXPECT_EQ(geo_unit_meters("kms", 3), -1);
    EXPECT_EQ(geo_unit_meters("", 0), -1);
}

TEST(Geohash, BoundsAreInclusive)
{
    double score;
    EXPECT_TRUE(geo_position_valid(180, 85.05112878));
    EXPECT_TRUE(geo_position_valid(-180, -85.05112878));
    EXPECT_FALSE(geo_position_valid(180.0000001, 0));
    EXPECT_FALSE(geo_position_valid(0, 85.051129));
    EXPECT_FALSE(geo_position_valid(0, -85.051129));
    EXPECT_FALSE(geo_score_encode(200, 100, &score));
}

// Scores ZADD put into a sorted set decode as Redis decodes them (ZADD
// then GEOPOS / GEOHASH on redis-server 7.0.15).
TEST(Geohash, ScoresThatAreNoGeohashDecodeAsInRedis)
{
    EXPECT_EQ(Pos(-5), "180 85.0511287799999991");
    EXPECT_EQ(Hash(-5), "bp05b5048p0");
    EXPECT_EQ(Pos(1e20), "-179.99999731779098511 -85.05112751263942528");
    EXPECT_EQ(Hash(1e20), "00bh0hbj200");
    EXPECT_EQ(Pos(4503599627370496.0), "-179.99999731779098511 85.0511287799999991");
    EXPECT_EQ(Hash(4503599627370496.0), "bp05b5048p0");
    EXPECT_EQ(Pos(0.5), "-179.99999731779098511 -85.05112751263942528");
}

TEST(Geohash, SearchCellsCoverTheRadius)
{
    struct geo_shape shape = {};
    shape.type = GEO_SHAPE_CIRCLE;
    shape.xy[0] = 15;
    shape.xy[1] = 37;
    shape.conversion = 1000;
    shape.radius = 200;
    struct geohash cells[GEO_SEARCH_CELLS];
    geo_search_cells(&shape, cells);
    // Palermo and Catania are within 200 km of (15, 37): each falls in a
    // scanned cell, and the cells are of one step.
    for (const char *name : {"Palermo", "Catania"}) {
        double score = Find(name).score, xy[2], dist;
        ASSERT_TRUE(geo_shape_contains(&shape, score, xy, &dist));
        bool covered = false;
        for (const struct geohash &c : cells) {
            if (geohash_is_zero(c))
                continue;
            EXPECT_EQ(c.step, cells[0].step);
            double lo, hi;
            geohash_cell_scores(c, &lo, &hi);
            covered |= score >= lo && score < hi;
        }
        EXPECT_TRUE(covered) << name;
    }
    // Redis answers 190.4424 km and 56.4413 km (GEORADIUS ... WITHDIST).
    double xy[2], dist;
    ASSERT_TRUE(geo_shape_contains(&shape, Find("Palermo").score, xy, &dist));
    char buf[32];
    snprintf(buf, sizeof(buf), "%.4f", dist / 1000);
    EXPECT_STREQ(buf, "190.4424");
    ASSERT_TRUE(geo_shape_contains(&shape, Find("Catania").score, xy, &dist));
    snprintf(buf, sizeof(buf), "%.4f", dist / 1000);
    EXPECT_STREQ(buf, "56.4413");
    shape.radius = 100;
    EXPECT_FALSE(geo_shape_contains(&shape, Find("Palermo").score, xy, &dist));
}

TEST(Geohash, BoxTestsLatitudeThenLongitude)
{
    struct geo_shape box = {};
    box.type = GEO_SHAPE_BOX;
    box.xy[0] = 15;
    box.xy[1] = 37;
    box.conversion = 1000;
    box.width = 400;
    box.height = 400;
    double xy[2], dist;
    EXPECT_TRUE(geo_shape_contains(&box, Find("Palermo").score, xy, &dist));
    box.width = 200; // Palermo is ~146 km west
    EXPECT_FALSE(geo_shape_contains(&box, Find("Palermo").score, xy, &dist));
    EXPECT_TRUE(geo_shape_contains(&box, Find("Catania").score, xy, &dist));
    box.height = 100; // Catania is ~56 km north
    EXPECT_FALSE(geo_shape_contains(&box, Find("Catania").score, xy, &dist));
}

TEST(Geohash, HugeRadiusGivesCoarsestCells)
{
    struct geo_shape shape = {};
    shape.type = GEO_SHAPE_CIRCLE;
    shape.conversion = 1000;
    shape.radius = 20000;
    struct geohash cells[GEO_SEARCH_CELLS];
    geo_search_cells(&shape, cells);
    EXPECT_EQ(cells[0].step, 1);
    double lo, hi;
    geohash_cell_scores(cells[0], &lo, &hi);
    EXPECT_EQ(hi - lo, std::ldexp(1.0, 50));
}

} // namespace
