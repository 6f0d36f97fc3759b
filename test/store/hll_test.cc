// store/hll.h: the encodings' invariants. (Byte-for-byte agreement with
// redis-server is checked against the real one by test/net/run-bits.sh.)
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "store/hll.h"
}
#include "store_harness.h"

namespace
{

struct Buf {
    hll_buf h{};
    Buf()
    {
        EXPECT_EQ(hll_buf_init(&h, nullptr, 0), 0);
    }
    ~Buf()
    {
        hll_buf_free(&h);
    }
    uint64_t count() const
    {
        uint64_t c = 0;
        EXPECT_TRUE(hll_count(h.data, h.len, &c));
        return c;
    }
};

std::vector<uint8_t> registers(const hll_buf &h)
{
    std::vector<uint8_t> r(HLL_REGISTERS, 0);
    EXPECT_TRUE(hll_merge(r.data(), h.data, h.len));
    return r;
}

} // namespace

TEST(Hll, EmptyIsRedisEmpty)
{
    Buf b;
    const uint8_t want[] = {'H', 'Y', 'L', 'L', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff};
    ASSERT_EQ(b.h.len, sizeof(want));
    EXPECT_EQ(memcmp(b.h.data, want, sizeof(want)), 0);
    EXPECT_TRUE(hll_header_valid(b.h.data, b.h.len));
    EXPECT_EQ(b.count(), 0u);
    uint64_t cached = 1;
    EXPECT_TRUE(hll_cache_get(b.h.data, &cached));
    EXPECT_EQ(cached, 0u);
}

TEST(Hll, DenseRegistersKeepTheirNeighbours)
{
    std::vector<uint8_t> regs(HLL_DENSE_SIZE - HLL_HDR_SIZE, 0), want(HLL_REGISTERS);
    std::mt19937 rng(5);
    for (int round = 0; round < 20; round++) {
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            want[i] = rng() & HLL_REGISTER_MAX;
            hll_dense_set(regs.data(), i, want[i]);
        }
        for (uint32_t i = 0; i < HLL_REGISTERS; i++)
            ASSERT_EQ(hll_dense_get(regs.data(), i), want[i]) << i;
    }
}

TEST(Hll, SparseAndDenseAgreeAndEstimateWell)
{
    Buf sparse, dense;
    ASSERT_EQ(hll_to_dense(&dense.h), 0);
    ASSERT_EQ(dense.h.len, (size_t)HLL_DENSE_SIZE);
    uint64_t checkpoint = 1;
    for (uint64_t n = 1; n <= 200000; n++) {
        std::string e = "element:" + std::to_string(n);
        int a = hll_add(&sparse.h, e.data(), e.size(), HLL_SPARSE_MAX_BYTES_DEFAULT);
        int b = hll_add(&dense.h, e.data(), e.size(), HLL_SPARSE_MAX_BYTES_DEFAULT);
        ASSERT_TRUE(a == 0 || a == 1);
        ASSERT_EQ(a, b) << n; // the same register grows in both
        if (n == checkpoint) {
            EXPECT_EQ(sparse.count(), dense.count()) << n;
            EXPECT_EQ(registers(sparse.h), registers(dense.h)) << n;
            double err = (double)dense.count() / (double)n - 1;
            EXPECT_LT(err < 0 ? -err : err, n < 100 ? 0.05 : 0.03) << n;
            checkpoint *= 10;
        }
    }
    EXPECT_EQ(sparse.h.data[4], HLL_DENSE); // promoted on the way
}

TEST(Hll, SparseStaysWithinItsLimit)
{
    for (size_t limit : {0u, 20u, 100u, 3000u}) {
        Buf b;
        for (int n = 0; n < 2000; n++) {
            std::string e = std::to_string(n);
            ASSERT_GE(hll_add(&b.h, e.data(), e.size(), limit), 0);
            if (b.h.data[4] == HLL_SPARSE) {
                ASSERT_LE(b.h.len, std::max<size_t>(limit, HLL_EMPTY_SIZE)) << limit;
            }
        }
    }
}

TEST(Hll, RejectsWhatRedisRejects)
{
    Buf b;
    std::vector<uint8_t> v(b.h.data, b.h.data + b.h.len);
    EXPECT_FALSE(hll_header_valid(v.data(), 15));
    v[3] = 'X';
    EXPECT_FALSE(hll_header_valid(v.data(), v.size()));
    v[3] = 'L';
    v[4] = 2;
    EXPECT_FALSE(hll_header_valid(v.data(), v.size()));
    v[4] = HLL_DENSE; // a dense value must have the dense size
    EXPECT_FALSE(hll_header_valid(v.data(), v.size()));
    v[4] = HLL_SPARSE;
    uint64_t c;
    v.push_back(0x80); // one register too many
    EXPECT_TRUE(hll_header_valid(v.data(), v.size()));
    EXPECT_FALSE(hll_count(v.data(), v.size(), &c));
    std::vector<uint8_t> max(HLL_REGISTERS, 0);
    EXPECT_FALSE(hll_merge(max.data(), v.data(), v.size()));
    v.resize(v.size() - 2); // the XZERO cut short: registers missing
    EXPECT_FALSE(hll_count(v.data(), v.size(), &c));
}

TEST(Hll, SelftestPasses)
{
    Store s;
    EXPECT_EQ(s.run("PFSELFTEST"), "+OK\r\n");
}
