// The latency histogram: bucket arithmetic, percentiles against a sorted
// reference, merging, interval differences, and a concurrent reader.
#include "tools/stress/histogram.h"
#include "tools/stress/rng.h"

#include "test/common/test_env.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

namespace
{

struct HistDeleter {
    void operator()(hist *h) const
    {
        hist_free(h);
    }
};
using Hist = std::unique_ptr<hist, HistDeleter>;

Hist make_hist()
{
    Hist h(hist_new());
    EXPECT_NE(h, nullptr);
    return h;
}

// Nearest-rank percentile of a sorted vector, the rule hist_percentile uses.
uint64_t reference_percentile(const std::vector<uint64_t> &sorted, double q)
{
    double exact = q / 100.0 * (double)sorted.size();
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact - 1e-9)
        rank++;
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

std::vector<uint64_t> random_values(uint64_t seed, size_t n, int shape)
{
    rng r;
    rng_seed(&r, seed);
    std::vector<uint64_t> v(n);
    for (auto &x : v) {
        switch (shape) {
        case 0: // uniform microseconds
            x = rng_below(&r, 1000000);
            break;
        case 1: // long tail: exponential around 200 us plus rare 50 ms stalls
            x = (uint64_t)(-std::log(1.0 - rng_unit(&r)) * 200000.0);
            if (rng_below(&r, 1000) == 0)
                x += 50000000;
            break;
        default: // small values, where buckets are exact
            x = rng_below(&r, 300);
        }
    }
    return v;
}

} // namespace

TEST(Histogram, BucketsCoverEveryValueWithBoundedWidth)
{
    rng r;
    rng_seed(&r, 1);
    for (int i = 0; i < 200000; i++) {
        uint64_t v = rng_next(&r) >> rng_below(&r, 64);
        if (v > HIST_MAX_VALUE)
            v = HIST_MAX_VALUE;
        unsigned b = hist_bucket_of(v);
        ASSERT_LT(b, (unsigned)HIST_BUCKETS);
        ASSERT_LE(hist_bucket_low(b), v);
        ASSERT_GE(hist_bucket_high(b), v);
        uint64_t width = hist_bucket_high(b) - hist_bucket_low(b) + 1;
        ASSERT_LE(width, std::max<uint64_t>(1, v / HIST_SUB_BUCKETS)) << v;
    }
    // Buckets tile the range without gaps.
    for (unsigned b = 0; b + 1 < HIST_BUCKETS; b++)
        ASSERT_EQ(hist_bucket_high(b) + 1, hist_bucket_low(b + 1)) << b;
    EXPECT_EQ(hist_bucket_of(HIST_MAX_VALUE), (unsigned)HIST_BUCKETS - 1);
    EXPECT_EQ(hist_bucket_of(UINT64_MAX), (unsigned)HIST_BUCKETS - 1);
}

TEST(Histogram, PercentilesMatchSortedReference)
{
    const double qs[] = {1, 10, 50, 90, 99, 99.9, 99.99, 100};
    for (int shape = 0; shape < 3; shape++) {
        for (size_t n : {1ul, 7ul, 1000ul, (size_t)test_scaled(300000, 20000)}) {
            auto values = random_values(100 + (uint64_t)shape, n, shape);
            Hist h = make_hist();
            for (uint64_t v : values)
                hist_record(h.get(), v);
            std::sort(values.begin(), values.end());
            ASSERT_EQ(hist_count(h.get()), n);
            EXPECT_EQ(hist_min(h.get()), values.front());
            EXPECT_EQ(hist_max(h.get()), values.back());
            for (double q : qs) {
                uint64_t want = reference_percentile(values, q);
                uint64_t got = hist_percentile(h.get(), q);
                // Reported as the middle of the bucket: within half a bucket.
                double tolerance = (double)want / (2.0 * HIST_SUB_BUCKETS) + 1;
                EXPECT_NEAR((double)got, (double)want, tolerance)
                    << "shape " << shape << " n " << n << " q " << q;
            }
            double sum = 0;
            for (uint64_t v : values)
                sum += (double)v;
            EXPECT_NEAR(hist_mean(h.get()), sum / (double)n, 1e-6 * sum / (double)n + 1e-9);
        }
    }
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne)
{
    auto values = random_values(7, (size_t)test_scaled(200000, 20000), 1);
    Hist whole = make_hist(), merged = make_hist();
    std::vector<Hist> parts;
    for (int i = 0; i < 4; i++)
        parts.push_back(make_hist());
    for (size_t i = 0; i < values.size(); i++) {
        hist_record(whole.get(), values[i]);
        hist_record(parts[i % 4].get(), values[i]);
    }
    for (auto &p : parts)
        hist_merge(merged.get(), p.get());
    EXPECT_EQ(hist_count(merged.get()), hist_count(whole.get()));
    EXPECT_EQ(hist_min(merged.get()), hist_min(whole.get()));
    EXPECT_EQ(hist_max(merged.get()), hist_max(whole.get()));
    EXPECT_DOUBLE_EQ(hist_mean(merged.get()), hist_mean(whole.get()));
    for (double q : {50.0, 90.0, 99.0, 99.9, 99.99})
        EXPECT_EQ(hist_percentile(merged.get(), q), hist_percentile(whole.get(), q)) << q;
}

TEST(Histogram, DiffGivesTheInterval)
{
    auto first = random_values(11, 50000, 0), second = random_values(12, 50000, 1);
    Hist live = make_hist(), snapshot = make_hist(), interval = make_hist(),
         only_second = make_hist();
    for (uint64_t v : first)
        hist_record(live.get(), v);
    hist_copy(snapshot.get(), live.get());
    for (uint64_t v : second) {
        hist_record(live.get(), v);
        hist_record(only_second.get(), v);
    }
    hist_diff(interval.get(), live.get(), snapshot.get());
    EXPECT_EQ(hist_count(interval.get()), second.size());
    for (double q : {50.0, 99.0, 99.9}) {
        // Same buckets; only the clamping to min/max may differ slightly.
        uint64_t want = hist_percentile(only_second.get(), q);
        EXPECT_NEAR((double)hist_percentile(interval.get(), q), (double)want,
                    (double)want / HIST_SUB_BUCKETS + 1)
            << q;
    }
    EXPECT_GE(hist_max(interval.get()), hist_max(only_second.get()));
}

TEST(Histogram, EmptyAndClamped)
{
    Hist h = make_hist();
    EXPECT_EQ(hist_percentile(h.get(), 99), 0u);
    EXPECT_EQ(hist_max(h.get()), 0u);
    EXPECT_EQ(hist_min(h.get()), 0u);
    EXPECT_EQ(hist_mean(h.get()), 0.0);
    hist_record(h.get(), UINT64_MAX);
    EXPECT_EQ(hist_max(h.get()), HIST_MAX_VALUE);
    hist_record_n(h.get(), 5, 3);
    EXPECT_EQ(hist_count(h.get()), 4u);
    EXPECT_EQ(hist_percentile(h.get(), 75), 5u);
    hist_reset(h.get());
    EXPECT_EQ(hist_count(h.get()), 0u);
}

// The progress sampler reads a histogram while its thread records into it:
// every read must be a valid histogram, and the final one exact.
TEST(Histogram, ConcurrentReaderSeesConsistentCounts)
{
    Hist live = make_hist(), copy = make_hist();
    const uint64_t n = (uint64_t)test_scaled(2000000, 100000);
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (uint64_t i = 0; i < n; i++)
            hist_record(live.get(), i % 5000);
        done.store(true);
    });
    uint64_t last = 0;
    while (!done.load()) {
        hist_copy(copy.get(), live.get());
        uint64_t c = hist_count(copy.get());
        EXPECT_LE(c, n);
        EXPECT_GE(c, last);
        last = c;
        EXPECT_LE(hist_percentile(copy.get(), 99), 5000u);
    }
    writer.join();
    hist_copy(copy.get(), live.get());
    EXPECT_EQ(hist_count(copy.get()), n);
}
