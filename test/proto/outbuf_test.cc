// The output chain: iovecs, partial writes across segment boundaries, byte
// references, block reuse, allocation failure.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "core/alloc.h"
#include "core/bytes.h"
#include "proto/reply.h"
}

namespace
{

// Writes everything out in pieces of at most `step` bytes through at most
// `max_iov` iovecs at a time, as a socket taking short writes would.
std::string drain_in_steps(struct outbuf *o, size_t step, int max_iov)
{
    std::string s;
    std::vector<struct iovec> iov(max_iov);
    int n;
    while ((n = outbuf_iov(o, iov.data(), max_iov)) > 0) {
        size_t want = step;
        size_t taken = 0;
        for (int i = 0; i < n && taken < want; i++) {
            size_t k = std::min(iov[i].iov_len, want - taken);
            s.append(static_cast<const char *>(iov[i].iov_base), k);
            taken += k;
        }
        outbuf_consume(o, taken);
    }
    return s;
}

// A mix of every segment kind: copied replies, two referenced values, a
// deferred length, a copy big enough to span blocks.
std::string write_mix(struct reply *r, struct bytes *b1, struct bytes *b2)
{
    std::string expect;
    reply_array(r, 4);
    expect += "*4\r\n";
    reply_bulk_bytes(r, b1);
    expect += "$" + std::to_string(b1->len) + "\r\n" + std::string(b1->data, b1->len) + "\r\n";
    struct reply_deferred d = reply_defer(r);
    for (int i = 0; i < 5; i++) {
        reply_bulk_ll(r, i);
    }
    reply_array_fill(r, d, 5);
    expect += "*5\r\n";
    for (int i = 0; i < 5; i++)
        expect += "$1\r\n" + std::to_string(i) + "\r\n";
    std::string copy(OUTBUF_BLOCK_SIZE + 100, 'c');
    reply_bulk(r, copy.data(), copy.size());
    expect += "$" + std::to_string(copy.size()) + "\r\n" + copy + "\r\n";
    reply_bulk_bytes(r, b2);
    expect += "$" + std::to_string(b2->len) + "\r\n" + std::string(b2->data, b2->len) + "\r\n";
    outbuf_append_bytes(r->out, b1, 10, 20); // a slice of a value, raw
    expect += std::string(b1->data + 10, 20);
    return expect;
}

struct bytes *make_value(size_t len, char seed)
{
    std::string v(len, '\0');
    for (size_t i = 0; i < len; i++)
        v[i] = static_cast<char>(seed + i % 23);
    return bytes_new(v.data(), v.size());
}

} // namespace

TEST(Outbuf, PartialWritesAcrossEverySegmentBoundary)
{
    struct bytes *b1 = make_value(5000, 'a');
    struct bytes *b2 = make_value(REPLY_REF_THRESHOLD, 'A');
    for (size_t step : {1, 2, 3, 7, 4096, 100000}) {
        for (int max_iov : {1, 2, 5, 64}) {
            struct outbuf o;
            outbuf_init(&o);
            struct reply r = {&o, 3};
            std::string expect = write_mix(&r, b1, b2);
            ASSERT_FALSE(o.oom);
            EXPECT_EQ(outbuf_pending(&o), expect.size());
            EXPECT_EQ(bytes_refcount(b1), 3u); // the bulk and the raw slice
            EXPECT_EQ(bytes_refcount(b2), 2u);
            EXPECT_EQ(drain_in_steps(&o, step, max_iov), expect) << step << " " << max_iov;
            EXPECT_EQ(outbuf_pending(&o), 0u);
            EXPECT_EQ(o.head, nullptr);
            EXPECT_EQ(bytes_refcount(b1), 1u);
            EXPECT_EQ(bytes_refcount(b2), 1u);
            outbuf_free(&o);
        }
    }
    bytes_unref(b1);
    bytes_unref(b2);
}

TEST(Outbuf, RandomInterleavingOfWritesAndPartialConsumes)
{
    std::mt19937 rng(42);
    struct bytes *big = make_value(10000, 'x');
    struct outbuf o;
    outbuf_init(&o);
    struct reply r = {&o, 2};
    std::string expect, got;
    for (int round = 0; round < 2000; round++) {
        switch (rng() % 4) {
        case 0:
            reply_int(&r, round);
            expect += ":" + std::to_string(round) + "\r\n";
            break;
        case 1: {
            std::string v(rng() % 3000, static_cast<char>('a' + round % 26));
            reply_bulk(&r, v.data(), v.size());
            expect += "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
            break;
        }
        case 2:
            reply_bulk_bytes(&r, big);
            expect += "$10000\r\n" + std::string(big->data, big->len) + "\r\n";
            break;
        default: {
            struct iovec iov[4];
            int n = outbuf_iov(&o, iov, 4);
            size_t avail = 0;
            for (int i = 0; i < n; i++)
                avail += iov[i].iov_len;
            size_t take = avail ? rng() % (avail + 1) : 0;
            size_t left = take;
            for (int i = 0; i < n && left; i++) {
                size_t k = std::min(left, iov[i].iov_len);
                got.append(static_cast<char *>(iov[i].iov_base), k);
                left -= k;
            }
            outbuf_consume(&o, take);
        }
        }
        ASSERT_EQ(outbuf_pending(&o), expect.size() - got.size());
    }
    got += drain_in_steps(&o, 1 << 20, 16);
    EXPECT_EQ(got, expect);
    EXPECT_EQ(bytes_refcount(big), 1u);
    outbuf_free(&o);
    bytes_unref(big);
}

TEST(Outbuf, DrainedBlockIsReusedWithoutAllocating)
{
    struct outbuf o;
    outbuf_init(&o);
    struct reply r = {&o, 2};
    reply_ok(&r);
    drain_in_steps(&o, 1 << 20, 8);
    // A connection answering one command at a time keeps writing into the
    // same block: no allocation per reply.
    mem_fail_after(0);
    for (int i = 0; i < 100; i++) {
        reply_bulk(&r, "value", 5);
        EXPECT_EQ(drain_in_steps(&o, 1 << 20, 8), "$5\r\nvalue\r\n");
    }
    mem_fail_reset();
    EXPECT_FALSE(o.oom);
    EXPECT_EQ(mem_failures_injected(), 0);
    outbuf_free(&o);
}

TEST(Outbuf, AllocationFailureAtEveryStepNeverLeaks)
{
    struct bytes *b1 = make_value(5000, 'a');
    struct bytes *b2 = make_value(REPLY_REF_THRESHOLD, 'A');
    bool completed = false;
    for (long k = 0; k < 200 && !completed; k++) {
        outbuf_cache_drain(); // so every block comes from mem_alloc
        struct outbuf o;
        outbuf_init(&o);
        struct reply r = {&o, 2};
        mem_fail_after(k);
        std::string expect = write_mix(&r, b1, b2);
        mem_fail_reset();
        if (!reply_oom(&r)) {
            completed = true;
            EXPECT_EQ(drain_in_steps(&o, 1000, 3), expect);
        } else {
            EXPECT_GT(mem_failures_injected(), 0);
            // Once out of memory nothing more is appended.
            size_t before = outbuf_pending(&o);
            reply_ok(&r);
            EXPECT_EQ(outbuf_pending(&o), before);
            // Whatever was written before the failure can still be drained.
            drain_in_steps(&o, 7, 2);
        }
        outbuf_free(&o);
        EXPECT_FALSE(o.oom); // outbuf_free leaves a usable outbuf
        EXPECT_EQ(bytes_refcount(b1), 1u) << k;
        EXPECT_EQ(bytes_refcount(b2), 1u) << k;
    }
    EXPECT_TRUE(completed);
    bytes_unref(b1);
    bytes_unref(b2);
}

TEST(Outbuf, ErrorfAllocationFailure)
{
    struct outbuf o;
    outbuf_init(&o);
    struct reply r = {&o, 2};
    reply_ok(&r); // the block is there already
    std::string longarg(1000, 'x');
    mem_fail_after(0);
    reply_errorf(&r, "ERR %s", longarg.c_str());
    mem_fail_reset();
    EXPECT_TRUE(reply_oom(&r));
    outbuf_free(&o);
}

TEST(Outbuf, FilledOnOneThreadWrittenOnAnother)
{
    // Connections migrate between workers: blocks allocated from one
    // thread's cache are returned to another's.
    struct bytes *b = make_value(8000, 'q');
    for (int round = 0; round < 20; round++) {
        struct outbuf o;
        outbuf_init(&o);
        struct reply r = {&o, 3};
        std::string expect;
        std::thread writer([&] {
            for (int i = 0; i < 200; i++) {
                reply_bulk_ll(&r, i);
                expect += "$" + std::to_string(std::to_string(i).size()) + "\r\n" +
                          std::to_string(i) + "\r\n";
                if (i % 50 == 0) {
                    reply_bulk_bytes(&r, b);
                    expect += "$8000\r\n" + std::string(b->data, 8000) + "\r\n";
                }
            }
        });
        writer.join();
        std::string got;
        std::thread reader([&] { got = drain_in_steps(&o, 3000, 4); });
        reader.join();
        EXPECT_EQ(got, expect);
        outbuf_free(&o);
    }
    EXPECT_EQ(bytes_refcount(b), 1u);
    bytes_unref(b);
}

TEST(Outbuf, MoveJoinsAnotherChainAfterWhatIsThere)
{
    // A blocked client's reply is written into its own chain by the thread
    // that served it, then moved behind the connection's pending output.
    struct bytes *b1 = make_value(6000, 'a'), *b2 = make_value(5000, 'x');
    struct outbuf conn, served;
    outbuf_init(&conn);
    outbuf_init(&served);
    struct reply to_conn = {&conn, 2}, to_served = {&served, 2};
    reply_simple(&to_conn, "first");
    std::string expect = "+first\r\n";
    std::thread server([&] { expect += write_mix(&to_served, b1, b2); });
    server.join();
    size_t moved = outbuf_pending(&served);
    outbuf_move(&conn, &served);
    EXPECT_EQ(outbuf_pending(&served), 0u);
    EXPECT_EQ(outbuf_pending(&conn), moved + 8);
    reply_simple(&to_conn, "after"); // the connection keeps writing its own chain
    expect += "+after\r\n";
    reply_simple(&to_served, "again"); // and the moved-from chain is reusable
    EXPECT_EQ(drain_in_steps(&served, 7, 3), "+again\r\n");
    EXPECT_EQ(drain_in_steps(&conn, 1000, 5), expect);
    outbuf_move(&conn, &served); // moving an empty chain changes nothing
    EXPECT_EQ(outbuf_pending(&conn), 0u);
    outbuf_free(&conn);
    outbuf_free(&served);
    EXPECT_EQ(bytes_refcount(b1), 1u);
    bytes_unref(b1);
    bytes_unref(b2);
}
