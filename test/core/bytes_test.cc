#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

extern "C" {
#include "core/alloc.h"
#include "core/bytes.h"
}

TEST(Bytes, NewCopiesContents)
{
    struct bytes *b = bytes_new("hello", 5);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->len, 5u);
    EXPECT_EQ(0, memcmp(b->data, "hello", 5));
    EXPECT_EQ(bytes_refcount(b), 1u);
    bytes_unref(b);
}

TEST(Bytes, BinarySafeAndEmpty)
{
    const char raw[] = {'a', '\0', '\r', '\n', 'b'};
    struct bytes *b = bytes_new(raw, sizeof(raw));
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(0, memcmp(b->data, raw, sizeof(raw)));
    bytes_unref(b);
    struct bytes *e = bytes_new(nullptr, 0);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->len, 0u);
    bytes_unref(e);
}

TEST(Bytes, RefAndUnrefCount)
{
    struct bytes *b = bytes_new("x", 1);
    EXPECT_EQ(bytes_ref(b), b);
    EXPECT_EQ(bytes_refcount(b), 2u);
    bytes_unref(b);
    EXPECT_EQ(bytes_refcount(b), 1u);
    bytes_unref(b);
    bytes_unref(nullptr);
}

TEST(Bytes, AllocationFailureReturnsNull)
{
    mem_fail_after(0);
    struct bytes *b = bytes_new("x", 1);
    mem_fail_reset();
    EXPECT_EQ(b, nullptr);
    EXPECT_EQ(mem_failures_injected(), 1);
}

TEST(Bytes, ConcurrentRefsFreeExactlyOnce)
{
    // Under ASan a double free or use after free fails this test; under TSan a
    // missing ordering between the last reader and the free does.
    for (int round = 0; round < 200; round++) {
        struct bytes *b = bytes_new("shared", 6);
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; i++) {
            bytes_ref(b);
            threads.emplace_back([b] {
                volatile char sum = 0;
                for (uint32_t j = 0; j < b->len; j++)
                    sum += b->data[j];
                (void)sum;
                bytes_unref(b);
            });
        }
        bytes_unref(b);
        for (auto &t : threads)
            t.join();
    }
}
