// The stress client's RESP reply parser: every reply type, malformed input,
// and pipelined streams split at every byte.
#include "tools/stress/reply_parser.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

namespace
{

// The parsed reply points into the bytes, so they live as long as it does.
struct Parsed {
    std::shared_ptr<std::string> bytes;
    long n;
    stress_reply r;
};

Parsed parse(const std::string &s)
{
    Parsed p{std::make_shared<std::string>(s), 0, {}};
    p.n = stress_reply_parse(p.bytes->data(), p.bytes->size(), &p.r);
    return p;
}

std::string text(const stress_reply &r)
{
    return std::string(r.str, r.len);
}

} // namespace

TEST(ReplyParser, SimpleTypes)
{
    Parsed p = parse("+OK\r\n");
    ASSERT_EQ(p.n, 5);
    EXPECT_EQ(p.r.type, SREPLY_STATUS);
    EXPECT_EQ(text(p.r), "OK");

    p = parse("-ERR wrong number of arguments for 'get' command\r\n");
    EXPECT_EQ(p.r.type, SREPLY_ERROR);
    EXPECT_EQ(text(p.r), "ERR wrong number of arguments for 'get' command");

    p = parse(":-9223372036854775808\r\n");
    EXPECT_EQ(p.r.type, SREPLY_INTEGER);
    EXPECT_EQ(p.r.integer, INT64_MIN);
    p = parse(":42\r\n");
    EXPECT_EQ(p.r.integer, 42);

    p = parse("$5\r\nhe\r\no\r\n"); // binary-safe: CRLF inside the value
    ASSERT_EQ(p.n, 11);
    EXPECT_EQ(p.r.type, SREPLY_BULK);
    EXPECT_EQ(text(p.r), "he\r\no");

    p = parse("$0\r\n\r\n");
    EXPECT_EQ(p.r.type, SREPLY_BULK);
    EXPECT_EQ(p.r.len, 0u);

    p = parse("$-1\r\n");
    EXPECT_EQ(p.r.type, SREPLY_NIL);
    p = parse("*-1\r\n");
    EXPECT_EQ(p.r.type, SREPLY_NIL);
}

TEST(ReplyParser, Aggregates)
{
    const std::string array = "*3\r\n$3\r\nfoo\r\n:1\r\n*2\r\n+a\r\n$-1\r\n";
    Parsed p = parse(array + "+next\r\n");
    ASSERT_EQ(p.n, (long)array.size());
    EXPECT_EQ(p.r.type, SREPLY_ARRAY);
    EXPECT_EQ(p.r.integer, 3);
    // The elements' bytes, which parse in turn (BRPOP's [key, value]).
    EXPECT_EQ(text(p.r), array.substr(4));
    stress_reply first;
    EXPECT_EQ(stress_reply_parse(p.r.str, p.r.len, &first), 9);
    EXPECT_EQ(first.type, SREPLY_BULK);
    EXPECT_EQ(text(first), "foo");
    p = parse("*0\r\n");
    EXPECT_EQ(p.r.type, SREPLY_ARRAY);
    EXPECT_EQ(p.r.integer, 0);
    EXPECT_EQ(p.r.len, 0u);
}

TEST(ReplyParser, Resp3Types)
{
    const std::string map = "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n";
    Parsed p = parse(map + ":0\r\n");
    EXPECT_EQ(p.r.type, SREPLY_MAP);
    EXPECT_EQ(p.r.integer, 2);
    EXPECT_EQ(p.n, (long)map.size());
    EXPECT_EQ(parse("~1\r\n+x\r\n").r.type, SREPLY_SET);
    EXPECT_EQ(parse(">2\r\n+message\r\n+x\r\n").r.type, SREPLY_PUSH);
    EXPECT_EQ(parse("_\r\n").r.type, SREPLY_NIL);
    p = parse("#t\r\n");
    EXPECT_EQ(p.r.type, SREPLY_BOOL);
    EXPECT_EQ(p.r.integer, 1);
    p = parse(",3.14\r\n");
    EXPECT_EQ(p.r.type, SREPLY_DOUBLE);
    EXPECT_EQ(text(p.r), "3.14");
    EXPECT_EQ(parse("(12345678901234567890\r\n").r.type, SREPLY_BIGNUM);
    p = parse("=8\r\ntxt:abcd\r\n");
    EXPECT_EQ(p.r.type, SREPLY_VERBATIM);
    EXPECT_EQ(text(p.r), "abcd");
    p = parse("!5\r\nERR x\r\n");
    EXPECT_EQ(p.r.type, SREPLY_ERROR);
    EXPECT_EQ(text(p.r), "ERR x");
    // An attribute is skipped; the reply it annotates is returned.
    const std::string annotated = "|1\r\n+key\r\n+value\r\n:7\r\n";
    p = parse(annotated + "+next\r\n");
    EXPECT_EQ(p.r.type, SREPLY_INTEGER);
    EXPECT_EQ(p.r.integer, 7);
    EXPECT_EQ(p.n, (long)annotated.size());
}

TEST(ReplyParser, Malformed)
{
    for (const char *bad : {"?\r\n", ":12a\r\n", ":\r\n", ":99999999999999999999\r\n", "$abc\r\n",
                            "$-2\r\n", "$3\r\nfooXY", "*-2\r\n", "%-1\r\n", "_x\r\n", "#x\r\n",
                            "+OK\rX", "=3\r\nabc\r\n", ",\r\n", "*1\r\n?\r\n"})
        EXPECT_EQ(parse(bad).n, -EPROTO) << bad;
    std::string deep;
    for (int i = 0; i <= STRESS_REPLY_MAX_DEPTH + 1; i++)
        deep += "*1\r\n";
    deep += ":1\r\n";
    EXPECT_EQ(parse(deep).n, -EPROTO);
}

TEST(ReplyParser, IncompleteNeedsMore)
{
    for (const char *partial : {"", "+", "+OK", "+OK\r", ":1", "$3\r\nfo", "$3\r\nfoo\r",
                                "*2\r\n:1\r\n", "*2\r\n:1\r\n$1\r\n", "|1\r\n+a\r\n+b\r\n"})
        EXPECT_EQ(parse(partial).n, 0) << partial;
}

// A pipelined stream of replies, cut at every position and fed as a growing
// prefix: a parser that is correct returns the same replies in the same
// order whatever the cut, and never claims a partial reply.
TEST(ReplyParser, PipelinedStreamSplitAnywhere)
{
    const std::vector<std::string> replies = {
        "+OK\r\n",    ":1000\r\n",   "$12\r\nhello\r\nworld\r\n",
        "$-1\r\n",    "-ERR no\r\n", "*2\r\n$1\r\na\r\n*1\r\n:5\r\n",
        "$0\r\n\r\n", ":-3\r\n"};
    std::string stream;
    for (const auto &r : replies)
        stream += r;
    for (size_t cut = 0; cut <= stream.size(); cut++) {
        // First part: whatever is complete.
        std::string buf = stream.substr(0, cut);
        size_t consumed = 0, index = 0;
        auto drain = [&] {
            for (;;) {
                stress_reply r;
                long n = stress_reply_parse(buf.data() + consumed, buf.size() - consumed, &r);
                ASSERT_GE(n, 0) << "cut " << cut;
                if (n == 0)
                    break;
                ASSERT_LT(index, replies.size());
                EXPECT_EQ((size_t)n, replies[index].size()) << "cut " << cut;
                index++;
                consumed += (size_t)n;
            }
        };
        drain();
        // Then the rest, one byte at a time.
        for (size_t i = cut; i < stream.size(); i++) {
            buf.push_back(stream[i]);
            drain();
        }
        EXPECT_EQ(index, replies.size()) << "cut " << cut;
        EXPECT_EQ(consumed, stream.size());
    }
}
