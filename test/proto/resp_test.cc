// The request reader against Redis 7.0.15: every protocol error byte for
// byte, the requests that yield no command, inline quoting, limits. The
// expected results were recorded from a real redis-server 7.0.15 fed the same
// bytes over a socket.
#include "test/proto/resp_test_util.h"

using namespace std::string_literals;

namespace
{

struct ErrorCase {
    std::string input;
    std::string error;
};

std::string raw(const char *s, size_t n)
{
    return std::string(s, n);
}

void expect_error(const std::string &input, const std::string &error, bool auth = false)
{
    // The same answer whatever the split: whole, and one byte at a time.
    for (size_t chunk : {SIZE_MAX, size_t(1), size_t(7)}) {
        Parsed p = parse(input, chunk, nullptr, auth);
        EXPECT_EQ(p.last, RESP_ERROR) << testing::PrintToString(input) << " chunk " << chunk;
        EXPECT_EQ(p.error, error) << testing::PrintToString(input) << " chunk " << chunk;
        EXPECT_FALSE(p.oom);
    }
}

void expect_waiting(const std::string &input, bool auth = false)
{
    for (size_t chunk : {SIZE_MAX, size_t(1)}) {
        Parsed p = parse(input, chunk, nullptr, auth);
        EXPECT_EQ(p.last, RESP_NEED_MORE) << testing::PrintToString(input);
        EXPECT_TRUE(p.commands.empty());
    }
}

void expect_commands(const std::string &input, const std::vector<Argv> &commands)
{
    for (size_t chunk : {SIZE_MAX, size_t(1), size_t(3)}) {
        Parsed p = parse(input, chunk);
        EXPECT_EQ(p.last, RESP_NEED_MORE) << testing::PrintToString(input) << " " << p.error;
        EXPECT_EQ(p.commands, commands) << testing::PrintToString(input) << " chunk " << chunk;
    }
}

const char *kInvalidMultibulk = "ERR Protocol error: invalid multibulk length";
const char *kInvalidBulk = "ERR Protocol error: invalid bulk length";

} // namespace

TEST(RespReader, ParsesMultibulkAndInline)
{
    expect_commands("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", {{"GET", "k"}});
    expect_commands("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\na\0\r\nb\r\n"
                    "PING\r\n*1\r\n$4\r\nPING\r\n"s,
                    {{"SET", "", raw("a\0\r\nb", 5)}, {"PING"}, {"PING"}});
    Parsed p = parse("GET k\r\n*1\r\n$4\r\nPING\r\n");
    ASSERT_EQ(p.commands.size(), 2u);
    EXPECT_TRUE(p.inline_form[0]);
    EXPECT_FALSE(p.inline_form[1]);
}

TEST(RespReader, RequestsWithoutACommand)
{
    expect_commands("*-5\r\nPING\r\n", {{"PING"}});
    expect_commands("*0\r\nPING\r\n", {{"PING"}});
    expect_commands("*-1\r\n*0\r\n*1\r\n$1\r\nx\r\n", {{"x"}});
    expect_commands("*-9223372036854775808\r\nPING\r\n", {{"PING"}});
    expect_commands("\r\n\n   \r\nPING\r\n", {{"PING"}});
    expect_commands("\rPING\r\n", {{"PING"}});
    expect_commands("\r\n", {});
}

TEST(RespReader, SkipsTheBytesAfterCrUncheckedAsRedis)
{
    // Redis does not check the byte after '\r' nor the two after bulk data.
    expect_commands("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", {{"PING"}, {"PING"}});
    expect_commands("*1\rx$4\rxPING\r\n", {{"PING"}});
    expect_commands("*1\r\n$0\r\n\r\n", {{""}});
}

TEST(RespReader, MultibulkCountErrors)
{
    expect_error("*abc\r\n", kInvalidMultibulk);
    expect_error("*-0\r\n", kInvalidMultibulk);
    expect_error("*01\r\n$4\r\nPING\r\n", kInvalidMultibulk);
    expect_error("*+1\r\n", kInvalidMultibulk);
    expect_error("*\r\n", kInvalidMultibulk);
    expect_error("*1 \r\n", kInvalidMultibulk);
    expect_error("*2147483648\r\n", kInvalidMultibulk);
    expect_error("*9223372036854775808\r\n", kInvalidMultibulk);
    expect_error("*" + std::string(100, '1') + "\r\n", kInvalidMultibulk);
    // Redis 7.0 accepts any count up to INT_MAX (6.x stopped at 1M).
    expect_waiting("*1048577\r\n");
    expect_waiting("*2147483647\r\n");
    // Commands before the error are returned first.
    Parsed p = parse("*1\r\n$4\r\nPING\r\n*x\r\n");
    EXPECT_EQ(p.commands, std::vector<Argv>{{"PING"}});
    EXPECT_EQ(p.error, kInvalidMultibulk);
}

TEST(RespReader, BulkLengthErrors)
{
    expect_error("*1\r\n$-1\r\n", kInvalidBulk);
    expect_error("*1\r\n$-0\r\n", kInvalidBulk);
    expect_error("*1\r\n$+4\r\nPING\r\n", kInvalidBulk);
    expect_error("*1\r\n$04\r\nPING\r\n", kInvalidBulk);
    expect_error("*1\r\n$4 \r\nPING\r\n", kInvalidBulk);
    expect_error("*1\r\n$\r\n", kInvalidBulk);
    expect_error("*1\r\n$99999999999999999999\r\n", kInvalidBulk);
    expect_error("*1\r\n$000000000000000000001\r\n", kInvalidBulk);
    expect_error("*1\r\n$536870913\r\n", kInvalidBulk); // > proto-max-bulk-len
    expect_waiting("*1\r\n$536870912\r\n");
    expect_error("*2\r\n$3\r\nGET\r\n$-1\r\n", kInvalidBulk);
}

TEST(RespReader, ExpectedDollarQuotesTheByteAsRedis)
{
    expect_error("*1\r\nX4\r\n", "ERR Protocol error: expected '$', got 'X'");
    expect_error("*1\r\n%4\r\n", "ERR Protocol error: expected '$', got '%'");
    expect_error("*1\r\n \r\n", "ERR Protocol error: expected '$', got ' '");
    // CR and LF become spaces (addReplyErrorFormat); other bytes are raw.
    expect_error("*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '");
    expect_error("*1\r\n\n\r\n", "ERR Protocol error: expected '$', got ' '");
    expect_error("*1\r\n\x01\r\n", "ERR Protocol error: expected '$', got '\x01'");
    expect_error("*1\r\n\xff\r\n", "ERR Protocol error: expected '$', got '\xff'");
    expect_error("*2\r\n$1\r\na\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'");
}

TEST(RespReader, TooLongLines)
{
    const size_t max = RESP_INLINE_MAX;
    expect_error("*" + std::string(max, '1'), "ERR Protocol error: too big mbulk count string");
    expect_waiting("*" + std::string(max - 1, '1'));
    expect_error("*1\r\n$" + std::string(max, '1'),
                 "ERR Protocol error: too big bulk count string");
    expect_waiting("*1\r\n$" + std::string(max - 1, '1'));
    expect_error(std::string(max + 1, 'x'), "ERR Protocol error: too big inline request");
    expect_waiting(std::string(max, 'x'));
}

TEST(RespReader, NulBytesHideTheLineEndAsRedisStrchr)
{
    // Redis looks for the line end with strchr: a NUL first hides it for
    // good, and the request only ends with the too-big error.
    expect_waiting(raw("*1\0\r\n$4\r\nPING\r\n", 15));
    expect_error(raw("*1\0\r\n", 5) + std::string(70000, 'x'),
                 "ERR Protocol error: too big mbulk count string");
    expect_waiting(raw("*1\r\n$4\0\r\nPING\r\n", 15));
    expect_error(raw("*1\r\n$4\0\r\nPING\r\n", 15) + std::string(70000, 'x'),
                 "ERR Protocol error: too big bulk count string");
    expect_waiting(raw("PING\0\r\n", 7));
    expect_error(raw("PING\0\r\n", 7) + std::string(70000, 'x'),
                 "ERR Protocol error: too big inline request");
    // NUL inside bulk data is just data.
    expect_commands(raw("*1\r\n$3\r\n\0\0\0\r\n", 13), {{raw("\0\0\0", 3)}});
}

TEST(RespReader, UnauthenticatedLimits)
{
    expect_error("*11\r\n", "ERR Protocol error: unauthenticated multibulk length", true);
    expect_waiting("*10\r\n", true);
    expect_error("*1\r\n$16385\r\n", "ERR Protocol error: unauthenticated bulk length", true);
    expect_waiting("*1\r\n$16384\r\n", true);
    expect_error("*1\r\n$99999999999\r\n", kInvalidBulk, true);
    expect_error("*99999999999\r\n", kInvalidMultibulk, true);
    // Within the limits, commands parse as usual (fast path included).
    Parsed p = parse(multibulk({"AUTH", std::string(16384, 'p')}), SIZE_MAX, nullptr, true);
    ASSERT_EQ(p.commands.size(), 1u);
    EXPECT_EQ(p.commands[0][1].size(), 16384u);
}

TEST(RespReader, ConfigurableLimits)
{
    struct resp_limits limits = {10, 100};
    Parsed p = parse("*1\r\n$10\r\n0123456789\r\n*1\r\n$11\r\n", SIZE_MAX, &limits);
    EXPECT_EQ(p.commands, std::vector<Argv>{{"0123456789"}});
    EXPECT_EQ(p.error, kInvalidBulk);
    p = parse(std::string(101, 'x'), SIZE_MAX, &limits);
    EXPECT_EQ(p.error, "ERR Protocol error: too big inline request");
    p = parse(std::string(100, 'x'), SIZE_MAX, &limits);
    EXPECT_EQ(p.last, RESP_NEED_MORE);
    p = parse("*1\r\n$" + std::string(100, '1'), SIZE_MAX, &limits);
    EXPECT_EQ(p.error, "ERR Protocol error: too big bulk count string");
}

TEST(RespReader, ErrorIsSticky)
{
    struct resp_reader *r = resp_reader_new(nullptr);
    ASSERT_EQ(resp_reader_feed(r, "*x\r\n*1\r\n$4\r\nPING\r\n", 18), 0);
    struct resp_command c;
    EXPECT_EQ(resp_reader_next(r, &c), RESP_ERROR);
    EXPECT_EQ(resp_reader_next(r, &c), RESP_ERROR);
    EXPECT_STREQ(resp_reader_error(r), kInvalidMultibulk);
    EXPECT_FALSE(resp_reader_oom(r));
    resp_reader_free(r);
}

TEST(RespInline, QuotingAsSdssplitargs)
{
    // Each line's result as ECHO (or the command) received it on Redis 7.0.15.
    struct {
        std::string line;
        Argv args;
    } cases[] = {
        {"ECHO \"a\\x41b\"", {"ECHO", "aAb"}},
        {"ECHO \"\\n\\r\\t\\b\\a\\\\\\\"\\q\"", {"ECHO", "\n\r\t\b\a\\\"q"}},
        {"ECHO 'it\\'s \\n'", {"ECHO", "it's \\n"}},
        {"ECHO foo\"bar baz\"", {"ECHO", "foobar baz"}},
        {"ECHO \"\"", {"ECHO", ""}},
        {"ECHO ''", {"ECHO", ""}},
        {"ECHO \"\\x4\"", {"ECHO", "x4"}},
        {"ECHO \"\\xZZ\"", {"ECHO", "xZZ"}},
        {"ECHO \"\\x4a\\x4A\"", {"ECHO", "JJ"}},
        {"ECHO a\vb", {"ECHO", "a\vb"}},
        {"\vECHO\v x", {"ECHO\v", "x"}},
        {"ECHO \"x\"\v", {"ECHO", "x"}},
        {"ECHO\tx", {"ECHO", "x"}},
        {"ECHO x\ry", {"ECHO", "x", "y"}},
        {"ECHO \"a\fb\"", {"ECHO", "a\fb"}},
        {"ECHO 'a\"b'", {"ECHO", "a\"b"}},
        {"ECHO \"a'b\"", {"ECHO", "a'b"}},
        {"ECHO \xff", {"ECHO", "\xff"}},
        {"  SET   k  v  ", {"SET", "k", "v"}},
        {"ECHO x\r", {"ECHO", "x"}}, // "ECHO x\r\r\n"
        {"ECHO \"a\"\r", {"ECHO", "a"}},
    };
    for (const auto &c : cases) {
        expect_commands(c.line + "\r\n", {c.args});
        expect_commands(c.line + "\n", {c.args});
    }
}

TEST(RespInline, UnbalancedQuotes)
{
    for (const char *line : {"ECHO \"abc\"def", "ECHO 'abc'def", "ECHO \"abc", "ECHO 'abc",
                             "ECHO \"ab\\\"", "ECHO \"\\", "\"", "'"}) {
        expect_error(std::string(line) + "\r\n",
                     "ERR Protocol error: unbalanced quotes in request");
    }
}
