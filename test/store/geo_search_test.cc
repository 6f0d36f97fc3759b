// GEOSEARCH and GEORADIUS on the store, without a socket: the corners the
// differential suite reaches only through a server (see run-diff.sh).
#include <gtest/gtest.h>

#include <string>

#include "store_harness.h"

// A sorted search that finds nothing has no points to sort: it once passed
// qsort a NULL array, which UBSan (SAN=address) stops on.
TEST(GeoSearch, ASortedSearchThatFindsNothingAnswersAnEmptyArray)
{
    Store s(16, 4);
    s.run("GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania");
    EXPECT_EQ(s.run("GEOSEARCH g FROMLONLAT 0 0 BYRADIUS 1 km ASC"), "*0\r\n");
    EXPECT_EQ(s.run("GEOSEARCH g FROMLONLAT 0 0 BYBOX 1 1 km DESC WITHDIST"), "*0\r\n");
    EXPECT_EQ(s.run("GEORADIUS g 0 0 1 km COUNT 3"), "*0\r\n");
    EXPECT_EQ(s.run("GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km ASC"), ":0\r\n");
    EXPECT_EQ(s.run("EXISTS d"), ":0\r\n");
    // And one that finds a single point sorts nothing either.
    EXPECT_EQ(s.run("GEOSEARCH g FROMMEMBER Palermo BYRADIUS 1 km ASC"), "*1\r\n$7\r\nPalermo\r\n");
}
