// The in-process sweep on the real store: every combination runs, does
// work, and its lock statistics are consistent with the work done.
#include "tools/stress/inprocess.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

TEST(Inprocess, SweepRunsEveryCombination)
{
    std::vector<std::string> args = {"magpie-stress", "--inprocess",
                                     "--threads",     "1,2",
                                     "--shards",      "1,8",
                                     "--dist",        "uniform,hot",
                                     "--duration",    "50ms",
                                     "--keys",        "500",
                                     "--mix",         "get:2,set:1,incr:1,del:1",
                                     "--quiet"};
    std::vector<char *> argv;
    for (auto &a : args)
        argv.push_back(a.data());
    stress_options o;
    char err[256];
    ASSERT_EQ(stress_args_parse((int)argv.size(), argv.data(), &o, err, sizeof(err)),
              STRESS_ARGS_RUN)
        << err;
    sweep_result r;
    ASSERT_EQ(inprocess_run(&o, &r, err, sizeof(err)), 0) << err;
    ASSERT_EQ(r.count, 8u);
    for (size_t i = 0; i < r.count; i++) {
        const sweep_point &p = r.points[i];
        SCOPED_TRACE("point " + std::to_string(i));
        EXPECT_EQ(p.threads, o.threads[i % 2]);
        EXPECT_EQ(p.shards, o.shards[(i / 2) % 2]);
        EXPECT_EQ(p.dist.kind, i < 4 ? KEYDIST_UNIFORM : KEYDIST_HOT);
        EXPECT_GT(p.ops, 0u);
        EXPECT_EQ(p.errors, 0u);
        EXPECT_GT(p.elapsed_s, 0.0);
        // Writes (set, incr, del: 3 of every 5 operations, drawn at random)
        // take their shard's lock; GETs read lock-free and lock only when
        // they fall back. So at least about 3/5 of the operations locked.
        EXPECT_GE(p.locks.acquisitions, p.ops / 2);
        EXPECT_LE(p.locks.contended, p.locks.acquisitions);
        if (p.threads == 1) {
            EXPECT_EQ(p.locks.contended, 0u); // nobody to contend with
        }
    }
    sweep_result_free(&r);
}
