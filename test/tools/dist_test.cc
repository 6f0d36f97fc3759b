// Key distributions: parsing, and sampled frequencies against the exact
// probabilities (within a few standard deviations; seeds are fixed, so the
// test is deterministic).
#include "tools/stress/dist.h"

#include "test/common/test_env.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace
{

std::vector<uint64_t> sample_counts(const keydist &d, uint64_t n, uint64_t seed)
{
    rng r;
    rng_seed(&r, seed);
    std::vector<uint64_t> counts(d.keys);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = keydist_next(&d, &r);
        EXPECT_LT(k, d.keys);
        if (k < d.keys)
            counts[k]++;
    }
    return counts;
}

// |observed - expected| within 6 standard deviations of a binomial count.
void expect_frequency(uint64_t count, uint64_t n, double p, const char *what, uint64_t key)
{
    double sd = std::sqrt((double)n * p * (1 - p));
    EXPECT_NEAR((double)count, p * (double)n, 6 * sd + 1) << what << " key " << key;
}

keydist make(const char *spec, uint64_t keys)
{
    keydist_spec s;
    EXPECT_EQ(keydist_parse(spec, &s), 0) << spec;
    keydist d;
    EXPECT_EQ(keydist_init(&d, &s, keys), 0);
    return d;
}

} // namespace

TEST(KeyDist, Parse)
{
    keydist_spec s;
    ASSERT_EQ(keydist_parse("uniform", &s), 0);
    EXPECT_EQ(s.kind, KEYDIST_UNIFORM);
    ASSERT_EQ(keydist_parse("zipf:0.99", &s), 0);
    EXPECT_EQ(s.kind, KEYDIST_ZIPF);
    EXPECT_DOUBLE_EQ(s.param, 0.99);
    ASSERT_EQ(keydist_parse("hot:0.9", &s), 0);
    EXPECT_EQ(s.kind, KEYDIST_HOT);
    EXPECT_DOUBLE_EQ(s.param, 0.9);
    ASSERT_EQ(keydist_parse("hot", &s), 0);
    EXPECT_DOUBLE_EQ(s.param, 0.9);
    char buf[32];
    EXPECT_STREQ(keydist_format(&s, buf, sizeof(buf)), "hot:0.9");
    for (const char *bad : {"", "zipf", "zipf:", "zipf:0", "zipf:-1", "zipf:abc", "zipf:1x",
                            "hot:1.5", "hot:-0.1", "normal", "Uniform", "zipf:nan"})
        EXPECT_EQ(keydist_parse(bad, &s), -EINVAL) << bad;
}

TEST(KeyDist, UniformIsFlat)
{
    keydist d = make("uniform", 16);
    uint64_t n = (uint64_t)test_scaled(1600000, 160000);
    auto counts = sample_counts(d, n, 1);
    for (uint64_t k = 0; k < d.keys; k++)
        expect_frequency(counts[k], n, 1.0 / 16, "uniform", k);
}

TEST(KeyDist, HotKeyTakesItsShare)
{
    keydist d = make("hot:0.9", 100);
    uint64_t n = (uint64_t)test_scaled(1000000, 100000);
    auto counts = sample_counts(d, n, 2);
    expect_frequency(counts[0], n, 0.9, "hot", 0);
    for (uint64_t k = 1; k < d.keys; k++)
        expect_frequency(counts[k], n, 0.1 / 99, "cold", k);
    EXPECT_DOUBLE_EQ(keydist_probability(&d, 0), 0.9);

    keydist all = make("hot:1", 50), single = make("hot:0.3", 1);
    auto hot_only = sample_counts(all, 10000, 3);
    EXPECT_EQ(hot_only[0], 10000u);
    auto one_key = sample_counts(single, 1000, 4);
    EXPECT_EQ(one_key[0], 1000u);
}

TEST(KeyDist, ZipfMatchesExactProbabilities)
{
    struct Case {
        const char *spec;
        uint64_t keys;
    } cases[] = {{"zipf:0.99", 1000}, {"zipf:1", 1000}, {"zipf:0.5", 200},
                 {"zipf:2", 10000},   {"zipf:1.2", 3},  {"zipf:0.99", 1}};
    uint64_t n = (uint64_t)test_scaled(1000000, 100000);
    for (const Case &c : cases) {
        keydist d = make(c.spec, c.keys);
        auto counts = sample_counts(d, n, 5);
        // The head, key by key.
        double p_head = 0;
        uint64_t head = 0, head_keys = std::min<uint64_t>(c.keys, 20);
        for (uint64_t k = 0; k < head_keys; k++) {
            double p = keydist_probability(&d, k);
            expect_frequency(counts[k], n, p, c.spec, k);
            p_head += p;
            head += counts[k];
        }
        // The tail, as a whole: everything beyond the first 20 keys.
        if (c.keys > head_keys)
            expect_frequency(n - head, n, 1 - p_head, c.spec, head_keys);
        // Popularity falls with the rank.
        if (c.keys >= 10) {
            EXPECT_GT(counts[0], counts[9]) << c.spec;
        }
    }
}

TEST(KeyDist, ZipfStaysInRangeForHugeKeySpaces)
{
    keydist d = make("zipf:0.99", UINT64_C(1) << 40);
    rng r;
    rng_seed(&r, 9);
    uint64_t zeros = 0, n = 100000;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = keydist_next(&d, &r);
        ASSERT_LT(k, d.keys);
        zeros += k == 0;
    }
    EXPECT_GT(zeros, 0u);
}
