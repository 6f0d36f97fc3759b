// Allocation failure at every allocation of SORT (with patterns and STORE)
// and of the GEO commands: the reply is Redis's answer or the OOM error,
// and after the OOM error every key is as before (a stored result is built
// whole before the destination changes). Leaks show under SAN=address.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/alloc.h"
#include "store_harness.h"

namespace
{

const char *const kOom = "-OOM out of memory, command not executed\r\n";

void setup(Store &s)
{
    s.run("RPUSH ids 3 1 2");
    s.run("SET w_1 30");
    s.run("SET w_2 10");
    s.run("SET w_3 20");
    s.run("HSET user_1 name ann");
    s.run("HSET user_3 name cid");
    s.run("SET dst old");
    s.run("GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania");
}

// Everything setup made, and what the commands below write.
std::string snapshot(Store &s)
{
    std::string all;
    for (const char *k : {"ids", "dst", "g", "d2"})
        all += s.run(std::string("TYPE ") + k);
    all += s.run("LRANGE ids 0 -1") + s.run("GET dst") + s.run("LRANGE dst 0 -1");
    all += s.run("ZRANGE g 0 -1 WITHSCORES") + s.run("ZRANGE d2 0 -1 WITHSCORES");
    return all + s.run("DBSIZE");
}

// Runs line with the n-th allocation failing, n = 0, 1, ... until it runs
// with none failing; returns how many failure points there were.
int each_failure_point(const std::string &line, const std::string &ok_reply)
{
    for (int n = 0; n < 400; n++) {
        Store s(16, 4);
        setup(s);
        s.run("PING_WARMUP"); // the reply encoder's first block is not what fails
        std::string before = snapshot(s);
        std::vector<std::string> argv = split_command(line);
        mem_fail_after(n);
        std::string reply = s.run_argv(argv);
        long injected = mem_failures_injected();
        mem_fail_reset();
        if (injected == 0) {
            EXPECT_EQ(reply, ok_reply) << line;
            return n;
        }
        if (reply == kOom) {
            EXPECT_EQ(snapshot(s), before) << line << " failing allocation " << n;
        } else if (!reply.empty()) {
            // The failure hit something optional (table growth): full success.
            EXPECT_EQ(reply, ok_reply) << line << " failing allocation " << n;
        }
    }
    ADD_FAILURE() << line << " never completed";
    return 0;
}

} // namespace

TEST(SortGeoOom, SortChangesNothingWhenItFails)
{
    EXPECT_GE(each_failure_point("SORT ids BY w_* GET # GET user_*->name STORE dst", ":6\r\n"), 3);
    EXPECT_GE(each_failure_point("SORT ids BY w_* GET user_*->name",
                                 "*3\r\n$-1\r\n$3\r\ncid\r\n$3\r\nann\r\n"),
              2);
    each_failure_point("SORT ids DESC STORE ids", ":3\r\n");
    each_failure_point("SORT_RO ids ALPHA LIMIT 1 1", "*1\r\n$1\r\n2\r\n");
}

TEST(SortGeoOom, GeoChangesNothingWhenItFails)
{
    EXPECT_GE(each_failure_point("GEOSEARCHSTORE d2 g FROMLONLAT 15 37 BYRADIUS 200 km", ":2\r\n"),
              2);
    each_failure_point("GEORADIUS g 15 37 200 km STOREDIST dst", ":2\r\n");
    each_failure_point("GEOADD g 13.5 37.6 agrigento", ":1\r\n");
    each_failure_point("GEOADD new 13.5 37.6 agrigento", ":1\r\n");
    each_failure_point("GEOSEARCH g FROMMEMBER Palermo BYBOX 400 400 km ASC WITHDIST",
                       "*2\r\n*2\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n"
                       "*2\r\n$7\r\nCatania\r\n$8\r\n166.2742\r\n");
}
