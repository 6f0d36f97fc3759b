// What the pool and task tests share: an owning pointer to a pool, and its
// statistics by value.
#ifndef MAGPIE_TEST_CORE_POOL_HELPERS_H
#define MAGPIE_TEST_CORE_POOL_HELPERS_H

#include <gtest/gtest.h>

#include <memory>

#include "core/pool.h"
#include "test/common/eventually.h"

struct PoolDeleter {
    void operator()(pool *p) const
    {
        pool_destroy(p);
    }
};
using PoolPtr = std::unique_ptr<pool, PoolDeleter>;

// A pool of `workers` without an I/O driver.
inline PoolPtr make_pool(int workers)
{
    pool_config config = {};
    config.workers = workers;
    config.driver = nullptr;
    pool *p = pool_create(&config);
    EXPECT_NE(p, nullptr);
    return PoolPtr(p);
}

inline struct pool_stats stats_of(pool *p)
{
    struct pool_stats s;
    pool_stats(p, &s);
    return s;
}

#endif
