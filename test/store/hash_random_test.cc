// HRANDFIELD picks uniformly: a chi-squared test of how often each field is
// returned, on both encodings, for negative counts (independent picks), for
// small positive counts (distinct picks by rejection of repeats) and for
// counts over a third of the hash (a partial shuffle). The bound is the
// mean plus 7 standard deviations of the statistic, so a correct
// implementation fails about once in 10^11 runs, while the bias of picking
// a random bucket and then a random node of its chain (which favours the
// fields of short chains) is caught every time.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "store/hash_value.h"
#include "store_harness.h"

namespace
{

// The bulk strings of a flat RESP2 array reply.
std::vector<std::string> bulks(const std::string &reply)
{
    std::vector<std::string> out;
    size_t at = reply.find("\r\n") + 2;
    while (at < reply.size()) {
        EXPECT_EQ(reply[at], '$');
        size_t eol = reply.find("\r\n", at);
        size_t len = std::stoul(reply.substr(at + 1, eol - at - 1));
        out.push_back(reply.substr(eol + 2, len));
        at = eol + 2 + len + 2;
    }
    return out;
}

double chi_squared(const std::map<std::string, long> &counts, int fields, double expected)
{
    double chi = 0;
    EXPECT_EQ((int)counts.size(), fields) << "some field was never picked";
    for (const auto &kv : counts)
        chi += (kv.second - expected) * (kv.second - expected) / expected;
    chi += (fields - (int)counts.size()) * expected; // fields never seen
    return chi;
}

double bound(int fields)
{
    double df = fields - 1;
    return df + 7 * std::sqrt(2 * df);
}

void fill(Store &s, int fields)
{
    std::string line = "HSET h";
    for (int i = 0; i < fields; i++)
        line += " f" + std::to_string(i) + " v";
    s.run(line);
}

struct Case {
    int fields;
    const char *encoding;
};

TEST(HashRandom, NegativeCountIsUniform)
{
    for (Case c : {Case{100, "listpack"}, Case{2000, "hashtable"}}) {
        Store s;
        fill(s, c.fields);
        ASSERT_EQ(s.run("OBJECT ENCODING h"),
                  "$" + std::to_string(strlen(c.encoding)) + "\r\n" + c.encoding + "\r\n");
        std::map<std::string, long> counts;
        const int per_field = 200, batch = 10000;
        for (long done = 0; done < (long)c.fields * per_field; done += batch)
            for (const auto &f : bulks(s.run("HRANDFIELD h -" + std::to_string(batch))))
                counts[f]++;
        EXPECT_LT(chi_squared(counts, c.fields, per_field), bound(c.fields)) << c.encoding;
    }
}

// Distinct picks: every field has probability count/fields per call.
TEST(HashRandom, PositiveCountIsUniformAndDistinct)
{
    struct {
        int fields, count;
    } cases[] = {{100, 7}, {100, 60}, {1000, 20}, {1000, 600}};
    for (auto c : cases) {
        Store s;
        fill(s, c.fields);
        std::map<std::string, long> counts;
        const int per_field = 200;
        long calls = (long)c.fields * per_field / c.count;
        for (long i = 0; i < calls; i++) {
            auto picked = bulks(s.run("HRANDFIELD h " + std::to_string(c.count)));
            ASSERT_EQ((int)picked.size(), c.count);
            std::map<std::string, int> once;
            for (const auto &f : picked) {
                ASSERT_EQ(once[f]++, 0) << "repeated " << f;
                counts[f]++;
            }
        }
        double expected = (double)calls * c.count / c.fields;
        // Picks without replacement vary less than independent ones: the
        // plain statistic is conservative.
        EXPECT_LT(chi_squared(counts, c.fields, expected), bound(c.fields))
            << c.fields << " fields, count " << c.count;
    }
}

// The table's own sampler, where the chains are: many fields, low load.
TEST(HashRandom, TableSamplerIsUniform)
{
    hash_type_register();
    struct value v;
    ASSERT_EQ(hash_value_new(&v), 0);
    struct hash_limits lim = {512, 64}; // converted on the way, as HSET does
    const int fields = 2000;            // 2048 buckets: where a weak generator showed
    for (int i = 0; i < fields; i++) {
        std::string f = "field:" + std::to_string(i);
        ASSERT_EQ(hash_set(&v, f.data(), f.size(), "v", 1, &lim), 1);
    }
    uint64_t rng = 12345;
    std::map<std::string, long> counts;
    const int per_field = 100;
    for (long i = 0; i < (long)fields * per_field; i++) {
        struct hash_bytes f;
        hash_item_read(&v, hash_random_item(&v, &rng), &f, nullptr);
        counts[std::string(reinterpret_cast<const char *>(f.ptr), f.len)]++;
    }
    EXPECT_LT(chi_squared(counts, fields, per_field), bound(fields));
    value_release(v.type, v.encoding, v.p);
}

} // namespace
