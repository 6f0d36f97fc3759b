// The reply encoder: exact bytes of every type under RESP2 and RESP3, double
// formatting as Redis 7.0 prints it, deferred lengths, dropped attributes.
// (outbuf_test.cc covers the chain itself.)
#include <gtest/gtest.h>

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "core/alloc.h"
#include "core/bytes.h"
#include "proto/reply.h"
}
#include "test/common/outbuf_drain.h"

namespace
{

struct Encoder {
    struct outbuf out;
    struct reply r;
    explicit Encoder(int proto)
    {
        outbuf_init(&out);
        r.out = &out;
        r.proto = proto;
    }
    ~Encoder()
    {
        outbuf_free(&out);
    }
    std::string take()
    {
        EXPECT_FALSE(reply_oom(&r));
        std::string s = outbuf_drain(&out);
        EXPECT_EQ(outbuf_pending(&out), 0u);
        return s;
    }
};

// Runs `write` under both protocols and checks the bytes of each.
template <typename F> void expect_both(F write, const std::string &resp2, const std::string &resp3)
{
    Encoder e2(2), e3(3);
    write(&e2.r);
    write(&e3.r);
    EXPECT_EQ(e2.take(), resp2);
    EXPECT_EQ(e3.take(), resp3);
}

std::string fmt_double(double v)
{
    char buf[REPLY_DOUBLE_MAX_CHARS];
    int n = reply_format_double(buf, sizeof(buf), v);
    return std::string(buf, n);
}

std::string fmt_long_double(long double v)
{
    char buf[REPLY_LONG_DOUBLE_MAX_CHARS];
    int n = reply_format_long_double(buf, sizeof(buf), v);
    EXPECT_EQ(static_cast<size_t>(n), strlen(buf));
    return std::string(buf, n);
}

// INCRBYFLOAT computes strtold(current) + strtold(increment).
std::string incrbyfloat(const char *current, const char *incr)
{
    return fmt_long_double(strtold(current, nullptr) + strtold(incr, nullptr));
}

} // namespace

TEST(Reply, ScalarsAreTheSameInBothProtocols)
{
    expect_both([](struct reply *r) { reply_ok(r); }, "+OK\r\n", "+OK\r\n");
    expect_both([](struct reply *r) { reply_simple(r, "PONG"); }, "+PONG\r\n", "+PONG\r\n");
    expect_both([](struct reply *r) { reply_simple(r, "a\r\nb"); }, "+a  b\r\n", "+a  b\r\n");
    expect_both([](struct reply *r) { reply_int(r, 0); }, ":0\r\n", ":0\r\n");
    expect_both([](struct reply *r) { reply_int(r, -42); }, ":-42\r\n", ":-42\r\n");
    expect_both([](struct reply *r) { reply_int(r, LLONG_MIN); }, ":-9223372036854775808\r\n",
                ":-9223372036854775808\r\n");
    expect_both([](struct reply *r) { reply_int(r, LLONG_MAX); }, ":9223372036854775807\r\n",
                ":9223372036854775807\r\n");
    expect_both([](struct reply *r) { reply_bulk(r, "foo", 3); }, "$3\r\nfoo\r\n", "$3\r\nfoo\r\n");
    expect_both([](struct reply *r) { reply_bulk(r, "", 0); }, "$0\r\n\r\n", "$0\r\n\r\n");
    expect_both([](struct reply *r) { reply_bulk(r, "a\0\r\nb", 5); },
                std::string("$5\r\na\0\r\nb\r\n", 11), std::string("$5\r\na\0\r\nb\r\n", 11));
    expect_both([](struct reply *r) { reply_bulk_cstr(r, "hello"); }, "$5\r\nhello\r\n",
                "$5\r\nhello\r\n");
    expect_both([](struct reply *r) { reply_bulk_ll(r, -1234567890123LL); },
                "$14\r\n-1234567890123\r\n", "$14\r\n-1234567890123\r\n");
    expect_both([](struct reply *r) { reply_array(r, 3); }, "*3\r\n", "*3\r\n");
    expect_both([](struct reply *r) { reply_array(r, 0); }, "*0\r\n", "*0\r\n");
}

TEST(Reply, IntegersOfEveryLength)
{
    long long v = 1;
    for (int digits = 1; digits <= 19; digits++) {
        if (digits > 1)
            v *= 10;
        for (long long x : {v, v - 1, -v, v + 7}) {
            Encoder e(2);
            reply_int(&e.r, x);
            EXPECT_EQ(e.take(), ":" + std::to_string(x) + "\r\n");
        }
    }
}

TEST(Reply, ErrorsReplaceLineBreaks)
{
    expect_both([](struct reply *r) { reply_error(r, "ERR syntax error"); },
                "-ERR syntax error\r\n", "-ERR syntax error\r\n");
    expect_both([](struct reply *r) { reply_error(r, "ERR a\r\nb\nc"); }, "-ERR a  b c\r\n",
                "-ERR a  b c\r\n");
    // A leading '-' given by the caller is not doubled.
    expect_both([](struct reply *r) { reply_error(r, "-WRONGTYPE x"); }, "-WRONGTYPE x\r\n",
                "-WRONGTYPE x\r\n");
    // errorf trims line breaks at both ends first, as addReplyErrorFormat.
    expect_both([](struct reply *r) { reply_errorf(r, "\r\nERR unknown '%s'\r\n", "a\nb"); },
                "-ERR unknown 'a b'\r\n", "-ERR unknown 'a b'\r\n");
    std::string longarg(1000, 'x');
    Encoder e(2);
    reply_errorf(&e.r, "ERR %s", longarg.c_str());
    EXPECT_EQ(e.take(), "-ERR " + longarg + "\r\n");
    // Counted, so the caller can tell a command failed without reading back.
    EXPECT_EQ(e.out.errors, 1u);
    reply_ok(&e.r);
    reply_error(&e.r, "ERR x");
    EXPECT_EQ(e.out.errors, 2u);
    e.take();
}

TEST(Reply, Resp3TypesAndTheirResp2Fallbacks)
{
    expect_both([](struct reply *r) { reply_null(r); }, "$-1\r\n", "_\r\n");
    expect_both([](struct reply *r) { reply_null_array(r); }, "*-1\r\n", "_\r\n");
    expect_both([](struct reply *r) { reply_map(r, 2); }, "*4\r\n", "%2\r\n");
    expect_both([](struct reply *r) { reply_set(r, 2); }, "*2\r\n", "~2\r\n");
    expect_both([](struct reply *r) { reply_push(r, 3); }, "*3\r\n", ">3\r\n");
    expect_both([](struct reply *r) { reply_bool(r, true); }, ":1\r\n", "#t\r\n");
    expect_both([](struct reply *r) { reply_bool(r, false); }, ":0\r\n", "#f\r\n");
    expect_both([](struct reply *r) { reply_double(r, 1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n");
    expect_both([](struct reply *r) { reply_double(r, 0.1); }, "$19\r\n0.10000000000000001\r\n",
                ",0.10000000000000001\r\n");
    expect_both([](struct reply *r) { reply_double(r, INFINITY); }, "$3\r\ninf\r\n", ",inf\r\n");
    expect_both([](struct reply *r) { reply_double(r, -INFINITY); }, "$4\r\n-inf\r\n", ",-inf\r\n");
    expect_both([](struct reply *r) { reply_double(r, NAN); }, "$3\r\nnan\r\n", ",nan\r\n");
    expect_both([](struct reply *r) { reply_verbatim(r, "txt", "hi", 2); }, "$2\r\nhi\r\n",
                "=6\r\ntxt:hi\r\n");
    expect_both([](struct reply *r) { reply_bignum(r, "123", 3); }, "$3\r\n123\r\n", "(123\r\n");
}

TEST(Reply, MapMatchesRedisHelloShape)
{
    // The shape of Lua's {map={a=1}} reply from redis-server 7.0.15.
    expect_both(
        [](struct reply *r) {
            reply_map(r, 1);
            reply_bulk_cstr(r, "a");
            reply_int(r, 1);
        },
        "*2\r\n$1\r\na\r\n:1\r\n", "%1\r\n$1\r\na\r\n:1\r\n");
}

TEST(Reply, AttributesAreDroppedUnderResp2)
{
    // DEBUG PROTOCOL attrib's reply, written without checking the protocol.
    auto write = [](struct reply *r) {
        reply_attribute(r, 1);
        reply_bulk_cstr(r, "key-popularity");
        reply_array(r, 2);
        reply_bulk_cstr(r, "key:123");
        reply_int(r, 90);
        reply_bulk_cstr(r, "real");
    };
    expect_both(write, "$4\r\nreal\r\n",
                "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$4\r\nreal\r\n");
}

TEST(Reply, NestedDroppedAttributeAndEmptyAggregates)
{
    auto write = [](struct reply *r) {
        reply_array(r, 2);
        reply_attribute(r, 2);
        reply_map(r, 1);       // key 1: a map with one pair
        reply_null(r);         //   pair key
        reply_attribute(r, 1); //   an attribute inside the attribute
        reply_int(r, 1);
        reply_int(r, 2);
        reply_set(r, 2); //   pair value
        reply_bool(r, true);
        reply_double(r, 2.5);
        reply_array(r, 0); // value 1
        reply_bulk_cstr(r, "k2");
        reply_push(r, 1); // value 2
        reply_error(r, "ERR x");
        reply_ok(r);     // first real element
        reply_int(r, 7); // second
    };
    Encoder e2(2);
    write(&e2.r);
    EXPECT_EQ(e2.take(), "*2\r\n+OK\r\n:7\r\n");
    EXPECT_EQ(e2.out.skip, 0u);
}

TEST(Reply, DeferredLengths)
{
    for (int proto : {2, 3}) {
        Encoder e(proto);
        reply_array(&e.r, 2);
        struct reply_deferred a = reply_defer(&e.r);
        for (int i = 0; i < 12; i++)
            reply_int(&e.r, i);
        struct reply_deferred m = reply_defer(&e.r);
        reply_bulk_cstr(&e.r, "k");
        reply_bulk_cstr(&e.r, "v");
        struct reply_deferred s = reply_defer(&e.r);
        // Nothing after an unfilled length may be written.
        struct iovec iov[16];
        int n = outbuf_iov(&e.out, iov, 16);
        ASSERT_EQ(n, 1);
        EXPECT_EQ(std::string(static_cast<char *>(iov[0].iov_base), iov[0].iov_len), "*2\r\n");
        reply_array_fill(&e.r, a, 12);
        reply_map_fill(&e.r, m, 1);
        reply_set_fill(&e.r, s, 0);
        std::string ints;
        for (int i = 0; i < 12; i++)
            ints += ":" + std::to_string(i) + "\r\n";
        std::string expect = "*2\r\n*12\r\n" + ints + (proto == 3 ? "%1" : "*2") +
                             "\r\n$1\r\nk\r\n$1\r\nv\r\n" + (proto == 3 ? "~0" : "*0") + "\r\n";
        EXPECT_EQ(e.take(), expect);
    }
}

TEST(Reply, BulkBytesReferencedWhenLong)
{
    std::string big(REPLY_REF_THRESHOLD, 'v');
    struct bytes *b = bytes_new(big.data(), big.size());
    struct bytes *small = bytes_new("abc", 3);
    {
        Encoder e(2);
        reply_bulk_bytes(&e.r, b);
        reply_bulk_bytes(&e.r, small);
        EXPECT_EQ(bytes_refcount(b), 2u); // the chain holds the value, no copy
        EXPECT_EQ(bytes_refcount(small), 1u);
        EXPECT_EQ(e.take(), "$4096\r\n" + big + "\r\n$3\r\nabc\r\n");
        EXPECT_EQ(bytes_refcount(b), 1u);
        // Dropped without being written: outbuf_free returns the reference.
        reply_bulk_bytes(&e.r, b);
        EXPECT_EQ(bytes_refcount(b), 2u);
    }
    EXPECT_EQ(bytes_refcount(b), 1u);
    bytes_unref(b);
    bytes_unref(small);
}

TEST(Reply, LargeCopiedBulkSpansBlocks)
{
    std::string big(3 * OUTBUF_BLOCK_SIZE + 17, '\0');
    for (size_t i = 0; i < big.size(); i++)
        big[i] = static_cast<char>(i * 7);
    Encoder e(3);
    reply_bulk(&e.r, big.data(), big.size());
    reply_bulk(&e.r, "z", 1);
    EXPECT_EQ(e.take(), "$" + std::to_string(big.size()) + "\r\n" + big + "\r\n$1\r\nz\r\n");
}

TEST(ReplyFormat, DoublesAsRedis70)
{
    // Expected strings recorded from redis-server 7.0.15 (ZSCORE / RESP3 doubles).
    EXPECT_EQ(fmt_double(1.5), "1.5");
    EXPECT_EQ(fmt_double(0.1), "0.10000000000000001");
    EXPECT_EQ(fmt_double(3), "3");
    EXPECT_EQ(fmt_double(100), "100");
    EXPECT_EQ(fmt_double(1e300), "1.0000000000000001e+300");
    EXPECT_EQ(fmt_double(1e-5), "1.0000000000000001e-05");
    EXPECT_EQ(fmt_double(12345678.9), "12345678.9");
    EXPECT_EQ(fmt_double(INFINITY), "inf");
    EXPECT_EQ(fmt_double(-INFINITY), "-inf");
    EXPECT_EQ(fmt_double(NAN), "nan");
    EXPECT_EQ(fmt_double(-NAN), "-nan");
    EXPECT_EQ(fmt_double(0.0), "0");
    EXPECT_EQ(fmt_double(-0.0), "-0");
    char tiny[4];
    EXPECT_EQ(reply_format_double(tiny, sizeof(tiny), 0.1), 3);
    EXPECT_STREQ(tiny, "0.1");
}

TEST(ReplyFormat, LongDoublesAsIncrbyfloat)
{
    // Expected strings recorded from INCRBYFLOAT on redis-server 7.0.15.
    EXPECT_EQ(incrbyfloat("10.5", "0.1"), "10.6");
    EXPECT_EQ(incrbyfloat("0", "3.0e3"), "3000");
    EXPECT_EQ(incrbyfloat("0", "5.0e-3"), "0.005");
    EXPECT_EQ(incrbyfloat("0", "-0"), "0");
    EXPECT_EQ(incrbyfloat("0", "1.5"), "1.5");
    EXPECT_EQ(incrbyfloat("0", "0.1"), "0.1");
    EXPECT_EQ(incrbyfloat("0", "-1.0e-20"), "0");
    EXPECT_EQ(incrbyfloat("0", "123456789012345678"), "123456789012345678");
    EXPECT_EQ(incrbyfloat("0", "1e17"), "100000000000000000");
    EXPECT_EQ(incrbyfloat("0", "3.14159265358979323846"), "3.14159265358979324");
    EXPECT_EQ(incrbyfloat("-1", "1"), "0");
    EXPECT_EQ(incrbyfloat("0", "1e-17"), "0.00000000000000001");
    EXPECT_EQ(incrbyfloat("0", "1e-18"), "0");
    EXPECT_EQ(incrbyfloat("0", "1e300"),
              "10000000000000000000089973240795591938705239442732907479382600823212656465961809"
              "35755849152083750497190350372508614274835903592556184672983913096260520748646287"
              "32713564184365329408425510760601678972665293237003055138294762099454029477278188"
              "9620606179267611627097410650567187386105690089424915104006144");
    EXPECT_EQ(incrbyfloat("0", "1.7976931348623157e308"),
              "17976931348623156999592104677410443404838644694432917848531442076517662852312439"
              "63547018686083870855644287934194255206893087083634511360553578972780264776170734"
              "98977686288394835618163294045594434929537447290627480669417384648879122776218333"
              "598953852832103282504751611691208117720159985926376802466863339536384");
    EXPECT_EQ(fmt_long_double(INFINITY), "inf");
    EXPECT_EQ(fmt_long_double(-INFINITY), "-inf");
    char small[4];
    EXPECT_EQ(reply_format_long_double(small, sizeof(small), 12345.0L), 0);
    // The largest long double still fits the documented buffer size.
    char buf[REPLY_LONG_DOUBLE_MAX_CHARS];
    EXPECT_GT(reply_format_long_double(buf, sizeof(buf), -LDBL_MAX), 4900);
}
