// The append-only file's formats (store/aof_format.h): commands written as
// RESP multibulk and parsed back, every prefix of a command reported as
// truncated, format errors at their offset, and the manifest as Redis 7.0
// writes and checks it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/alloc.h"
#include "store/aof_format.h"

namespace
{

std::string encode(const std::vector<std::string> &args)
{
    std::vector<struct resp_arg> argv;
    for (const std::string &a : args)
        argv.push_back({a.data(), a.size(), nullptr});
    struct aof_buf b = {};
    aof_buf_command(&b, (int)argv.size(), argv.data());
    std::string out(b.data, b.len);
    aof_buf_free(&b);
    return out;
}

struct Parsed {
    enum aof_parse_status st;
    size_t consumed;
    std::vector<std::string> args;
};

Parsed parse(const std::string &in)
{
    Parsed p;
    int argc;
    struct resp_arg *argv;
    p.st = aof_parse_command(in.data(), in.size(), &p.consumed, &argc, &argv);
    for (int i = 0; i < argc; i++)
        p.args.emplace_back(argv[i].ptr, argv[i].len);
    mem_free(argv);
    return p;
}

} // namespace

TEST(AofFormat, CommandsAreRespMultibulk)
{
    EXPECT_EQ(encode({"SET", "k", "v"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    EXPECT_EQ(encode({"SET", "", std::string("a\0\r\n", 4)}),
              std::string("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\na\0\r\n\r\n", 29));
}

TEST(AofFormat, InPlaceEncodingMatchesTheBuffer)
{
    for (const std::vector<std::string> &cmd : {std::vector<std::string>{"PING"},
                                                {"SET", "", std::string(1000, 'x')},
                                                std::vector<std::string>(12, "ab")}) {
        std::vector<struct resp_arg> argv;
        for (const std::string &a : cmd)
            argv.push_back({a.data(), a.size(), nullptr});
        std::string bytes(aof_command_size((int)argv.size(), argv.data()), '?');
        aof_command_write(&bytes[0], (int)argv.size(), argv.data());
        EXPECT_EQ(bytes, encode(cmd));
    }
}

TEST(AofFormat, ParsesWhatItWrites)
{
    std::vector<std::string> cmd = {"HSET", "h", std::string("\0x\r\n", 4), "", "v"};
    std::string bytes = encode(cmd) + encode({"PING"});
    Parsed p = parse(bytes);
    ASSERT_EQ(p.st, AOF_PARSE_OK);
    EXPECT_EQ(p.args, cmd);
    EXPECT_EQ(parse(bytes.substr(p.consumed)).args, std::vector<std::string>{"PING"});
    EXPECT_EQ(parse("").st, AOF_PARSE_END);
}

TEST(AofFormat, EveryPrefixIsTruncated)
{
    std::string bytes = encode({"SET", "key", "value"});
    for (size_t n = 1; n < bytes.size(); n++)
        EXPECT_EQ(parse(bytes.substr(0, n)).st, AOF_PARSE_TRUNCATED) << n;
}

TEST(AofFormat, FormatErrorsAreRefused)
{
    EXPECT_EQ(parse("SET k v\r\n").st, AOF_PARSE_BAD);         // inline: not in an AOF
    EXPECT_EQ(parse("*0\r\n").st, AOF_PARSE_BAD);              // no command
    EXPECT_EQ(parse("*1\r\n+OK\r\n").st, AOF_PARSE_BAD);       // not a bulk
    EXPECT_EQ(parse("*1\r\n$2\r\nabc\r\n").st, AOF_PARSE_BAD); // wrong length
    EXPECT_EQ(parse("*1x\r\n").st, AOF_PARSE_BAD);
    EXPECT_EQ(parse("*99999999999\r\n").st, AOF_PARSE_BAD);
    // Lengths past LLONG_MAX are refused before they overflow (found by aof_fuzz).
    EXPECT_EQ(parse("*1\r\n$100000000000000000000000000000000\r\nk\r\n").st, AOF_PARSE_BAD);
    Parsed p = parse("*2\r\n$1\r\na\r\n#junk");
    EXPECT_EQ(p.st, AOF_PARSE_BAD);
    EXPECT_EQ(p.consumed, 11u); // where the second argument should start
}

namespace
{

std::string manifest_error(const std::string &text)
{
    struct aof_manifest m;
    char err[256] = "";
    int rc = aof_manifest_parse(text.data(), text.size(), &m, err, sizeof(err));
    if (rc == 0)
        aof_manifest_free(&m);
    return rc == 0 ? "" : err;
}

} // namespace

TEST(AofManifest, RoundTripsInRedisOrder)
{
    std::string text = "file appendonly.aof.2.base.aof seq 2 type b\n"
                       "file appendonly.aof.1.incr.aof seq 1 type h\n"
                       "file appendonly.aof.3.incr.aof seq 3 type i\n"
                       "file appendonly.aof.4.incr.aof seq 4 type i\n";
    struct aof_manifest m;
    char err[256];
    ASSERT_EQ(aof_manifest_parse(text.data(), text.size(), &m, err, sizeof(err)), 0) << err;
    ASSERT_EQ(m.count, 4);
    EXPECT_STREQ(aof_manifest_base(&m)->name, "appendonly.aof.2.base.aof");
    EXPECT_EQ(aof_manifest_max_seq(&m, AOF_FILE_INCR), 4);
    struct aof_buf out = {};
    aof_manifest_format(&m, &out);
    EXPECT_EQ(std::string(out.data, out.len), text);
    aof_buf_free(&out);
    aof_manifest_free(&m);
}

TEST(AofManifest, AcceptsCommentsQuotesAndAnyKeyOrder)
{
    EXPECT_EQ(manifest_error("# a comment\nseq 1 type b file \"a b.aof\"\n"), "");
}

TEST(AofManifest, RedisErrors)
{
    EXPECT_EQ(manifest_error(""), "Found an empty AOF manifest");
    EXPECT_EQ(manifest_error("file a seq 1\n"), "Invalid AOF manifest file format");
    EXPECT_EQ(manifest_error("file a seq 1 type b"), "Invalid AOF manifest file format");
    EXPECT_EQ(manifest_error("\n"), "Invalid AOF manifest file format");
    EXPECT_EQ(manifest_error("file a/b seq 1 type b\n"), "File can't be a path, just a filename");
    EXPECT_EQ(manifest_error("file a seq 1 type b\nfile b seq 2 type b\n"),
              "Found duplicate base file information");
    EXPECT_EQ(manifest_error("file a seq 2 type i\nfile b seq 2 type i\n"),
              "Found a non-monotonic sequence number");
    EXPECT_EQ(manifest_error("file a seq 1 type x\n"), "Unknown AOF file type");
    EXPECT_EQ(manifest_error("file " + std::string(1100, 'a') + " seq 1 type b\n"),
              "The AOF manifest file contains too long line");
}
