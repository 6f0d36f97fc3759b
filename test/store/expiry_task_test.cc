// The active-expiry task on the real pool: ticks make it reclaim keys
// without any access, it yields between slices, and stop ends it.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/pool.h"
#include "store_harness.h"

TEST(ExpiryTask, ReclaimsOnTicksAndStops)
{
    store_commands_init();
    struct keyspace_config cfg = {4, 8, 2};
    struct keyspace *ks = keyspace_new(&cfg);
    ASSERT_NE(ks, nullptr);
    for (int i = 0; i < 3000; i++) {
        int db = i % 4;
        std::vector<std::string> argv = {"SET", "k" + std::to_string(i), "v"};
        if (i < 2000) {
            argv.push_back("PX");
            argv.push_back("30");
        }
        ASSERT_EQ(run_on(ks, &db, clock_unix_ms(), argv), "+OK\r\n");
    }
    struct pool_config pc = {2, nullptr};
    struct pool *pool = pool_create(&pc);
    ASSERT_NE(pool, nullptr);
    struct task *t = keyspace_expiry_task(ks);
    keyspace_expiry_set_hz(ks, 100);
    pool_spawn(pool, t);

    auto live_keys = [&] {
        uint64_t n = 0;
        for (int db = 0; db < 4; db++) {
            struct keyspace_db_stats st;
            keyspace_db_stats(ks, db, &st);
            n += st.keys;
        }
        return n;
    };
    int64_t deadline = clock_unix_ms() + 20000;
    while (live_keys() > 1000 && clock_unix_ms() < deadline) {
        keyspace_expiry_tick(ks);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(live_keys(), 1000u);
    struct keyspace_stats st;
    keyspace_stats(ks, &st);
    EXPECT_EQ(st.expired_keys, 2000u); // reclaimed without a single lookup
    EXPECT_EQ(st.keyspace_hits + st.keyspace_misses, 0u);

    keyspace_expiry_stop(ks);
    for (int i = 0; i < 5000 && !task_is_done(t); i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(task_is_done(t));
    // Ticks after the stop are harmless.
    keyspace_expiry_tick(ks);
    pool_destroy(pool);
    keyspace_free(ks);
}
