// RDB: the writer and the loader against each other (every type and
// encoding, TTLs, databases), against payloads redis-server 7.0.15 wrote,
// and against corrupt input (truncations, flipped bytes, unsupported types):
// errors, never a crash, and never a half-loaded keyspace.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <atomic>
#include <thread>
#include <mutex>
#include <condition_variable>
#include <cerrno>
#include <string>
#include <vector>

#include "store/keyspace.h"
#include "store/rdb.h"
#include "store/value.h"
#include "store_harness.h"

static std::string unhex(const std::string &h)
{
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back((char)std::stoi(h.substr(i, 2), nullptr, 16));
    return out;
}

// The bulk's bytes of a "$n\r\n...\r\n" reply.
static std::string bulk(const std::string &reply)
{
    size_t nl = reply.find("\r\n");
    if (reply[0] != '$' || nl == std::string::npos)
        return "";
    return reply.substr(nl + 2, reply.size() - nl - 4);
}

static std::string save(Store &s, bool compress = true, bool checksum = true)
{
    struct rdb_writer w;
    rdb_writer_init(&w, nullptr, nullptr, compress);
    struct rdb_save_options opt = {compress, checksum, false, 0, s.now_ms, nullptr, nullptr};
    EXPECT_EQ(rdb_save_keyspace(s.ks, &w, &opt), 0);
    std::string out((const char *)w.mem, w.used);
    rdb_writer_release(&w);
    return out;
}

static int load(Store &s, const std::string &file, std::string *err = nullptr)
{
    struct rdb_error e = {};
    int rc = rdb_load_buffer(s.ks, file.data(), file.size(), s.now_ms, nullptr, &e);
    if (err)
        *err = e.message;
    return rc;
}

// A key's contents in a form that ignores member order.
static std::string canon(Store &s, const std::string &key)
{
    std::string type = s.run_argv({"TYPE", key});
    std::string out = type + s.run_argv({"PTTL", key}) + s.run_argv({"OBJECT", "ENCODING", key});
    if (type == "+string\r\n")
        return out + s.run_argv({"GET", key});
    if (type == "+list\r\n")
        return out + s.run_argv({"LRANGE", key, "0", "-1"});
    if (type == "+zset\r\n") // ordered: the order is part of the value
        return out + s.run_argv({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    std::string items =
        type == "+set\r\n" ? s.run_argv({"SMEMBERS", key}) : s.run_argv({"HGETALL", key});
    std::vector<std::string> lines;
    size_t pos = 0, nl;
    while ((nl = items.find("\r\n", pos)) != std::string::npos) {
        lines.push_back(items.substr(pos, nl - pos));
        pos = nl + 2;
    }
    if (type == "+hash\r\n") { // pair up field and value lines before sorting
        std::vector<std::string> pairs;
        for (size_t i = 1; i + 3 < lines.size(); i += 4)
            pairs.push_back(lines[i] + lines[i + 1] + "=" + lines[i + 2] + lines[i + 3]);
        lines = pairs;
    }
    std::sort(lines.begin(), lines.end());
    for (auto &l : lines)
        out += l + "\n";
    return out;
}

static void populate(Store &s)
{
    s.run("SET s1 bar");
    s.run("SET s2 12345");
    s.run("SET s3 -9000000000");
    s.run("SET s4 007");
    s.run_argv({"SET", "s5", std::string(300, 'x')});     // LZF
    s.run_argv({"SET", "s6", std::string(5000, '\x01')}); // LZF, long
    s.run_argv({"SET", "s7", ""});
    s.run("SET ttl v PX 100000");
    s.run("RPUSH l1 a 1 b -7 300000");
    for (int i = 0; i < 3000; i++)
        s.run_argv({"RPUSH", "l2", "element-" + std::to_string(i)});
    s.run("SADD st1 3 1 2 -70000");
    s.run("SADD st2 a b c");
    for (int i = 0; i < 700; i++)
        s.run_argv({"SADD", "st3", std::to_string(i)}); // past the intset limit
    for (int i = 0; i < 300; i++)
        s.run_argv({"SADD", "st4", "m" + std::to_string(i)});
    s.run("HSET h1 f v n 7");
    for (int i = 0; i < 600; i++)
        s.run_argv({"HSET", "h2", "f" + std::to_string(i), std::to_string(i)});
    s.run("HSET h3 big " + std::string(100, 'y'));
    s.run("ZADD z1 1.5 m 2 n -3 o inf p -inf q 0 zero");
    for (int i = 0; i < 300; i++) // past the listpack limit
        s.run_argv({"ZADD", "z2", std::to_string(i * 0.25 - 10), "m" + std::to_string(i)});
    s.run("ZADD z3 -0 negzero inf top -inf bottom 1e300 big 7 " + std::string(100, 'w'));
    s.run("SELECT 3");
    s.run("SET other db3");
    s.run("RPUSH l3 x EXPIRE l3 1000");
    s.run("PEXPIRE l3 5000");
    s.run("SELECT 0");
}

static const char *const kKeys[] = {"s1",  "s2", "s3", "s4",  "s5",  "s6",  "s7",
                                    "ttl", "l1", "l2", "st1", "st2", "st3", "st4",
                                    "h1",  "h2", "h3", "z1",  "z2",  "z3"};

TEST(Rdb, Crc64MatchesRedis)
{
    EXPECT_EQ(rdb_crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
    std::string big(10000, 'q');
    uint64_t whole = rdb_crc64(0, big.data(), big.size());
    uint64_t parts = rdb_crc64(rdb_crc64(0, big.data(), 3), big.data() + 3, big.size() - 3);
    EXPECT_EQ(whole, parts);
}

// Fails as soon as a value type is registered without an RDB encoding.
TEST(Rdb, EveryRegisteredTypeHasAnEncoding)
{
    Store s; // registers the types
    for (int t = 0; t < VALUE_TYPES; t++) {
        bool registered = t == VALUE_STRING || value_type_lookup(t) != nullptr;
        EXPECT_TRUE(!registered || rdb_type_supported(t))
            << value_type_name(t) << " has no RDB encoding";
    }
}

TEST(Rdb, RoundTripEveryTypeAndEncoding)
{
    for (bool compress : {true, false}) {
        Store a;
        keyspace_set_list_config(a.ks, -2, 1); // compressed interior nodes
        populate(a);
        std::string file = save(a, compress);
        ASSERT_EQ(file.substr(0, 9), "REDIS0010");
        Store b;
        keyspace_set_list_config(b.ks, -2, 1);
        ASSERT_EQ(load(b, file), 0);
        for (const char *k : kKeys)
            EXPECT_EQ(canon(b, k), canon(a, k)) << k;
        a.run("SELECT 3");
        b.run("SELECT 3");
        EXPECT_EQ(canon(b, "other"), canon(a, "other"));
        EXPECT_EQ(canon(b, "l3"), canon(a, "l3"));
        EXPECT_EQ(b.run("DBSIZE"), a.run("DBSIZE"));
        // Saving what was loaded gives the same bytes but for ctime.
        EXPECT_EQ(save(b, compress).size(), file.size());
    }
}

TEST(Rdb, ExpiredKeysAreNotSavedOrLoaded)
{
    Store a;
    a.run("SET gone v PX 10");
    a.run("SET kept v");
    std::string file = save(a);
    a.now_ms += 1000;
    std::string later = save(a);
    EXPECT_LT(later.size(), file.size());
    Store b;
    b.now_ms = a.now_ms;
    ASSERT_EQ(load(b, file), 0);
    EXPECT_EQ(b.run("EXISTS gone kept"), ":1\r\n");
}

TEST(Rdb, ChecksumIsVerifiedUnlessZero)
{
    Store a;
    populate(a);
    std::string file = save(a);
    std::string bad = file;
    bad[bad.size() - 1] ^= 1;
    Store b;
    std::string err;
    EXPECT_EQ(load(b, bad, &err), -EINVAL);
    EXPECT_NE(err.find("Wrong RDB checksum"), std::string::npos) << err;
    EXPECT_EQ(b.run("DBSIZE"), ":0\r\n");
    std::string unchecked = save(a, true, false);
    EXPECT_EQ(unchecked.substr(unchecked.size() - 8), std::string(8, '\0'));
    EXPECT_EQ(load(b, unchecked), 0);
}

TEST(Rdb, TruncatedFilesLoadNothing)
{
    Store a;
    populate(a);
    std::string file = save(a);
    for (size_t n = 0; n < file.size(); n += (n < 200 ? 1 : 97)) {
        Store b;
        b.run("SET keep me");
        EXPECT_NE(load(b, file.substr(0, n)), 0) << n;
        EXPECT_EQ(b.run("DBSIZE"), ":1\r\n") << n;
    }
}

TEST(Rdb, FlippedBytesNeverCrash)
{
    Store a;
    populate(a);
    std::string file = save(a, true, false); // no checksum: the parser sees the damage
    uint64_t rng = 12345;
    for (int i = 0; i < 2000; i++) {
        std::string bad = file;
        for (int j = 0; j < 3; j++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            bad[(rng >> 33) % bad.size()] ^= (char)(1 + (rng >> 20) % 255);
        }
        Store b;
        load(b, bad); // any outcome but a crash or a leak
    }
}

TEST(Rdb, UnsupportedTypeNamesTheKeyAndLoadsNothing)
{
    Store a;
    a.run("SET before v");
    std::string file = save(a);
    // Replace EOF + checksum with a stream key, then EOF and no checksum.
    file.resize(file.size() - 9);
    file +=
        std::string("\x0f\x07stream1", 9) + "\x00" + std::string("\xff", 1) + std::string(8, '\0');
    Store b;
    std::string err;
    EXPECT_EQ(load(b, file, &err), -EINVAL);
    EXPECT_NE(err.find("'stream1'"), std::string::npos) << err;
    EXPECT_NE(err.find("stream"), std::string::npos) << err;
    EXPECT_EQ(b.run("DBSIZE"), ":0\r\n");
}

// Payloads redis-server 7.0.15 produced for DUMP.
TEST(Rdb, RestoresRedisPayloads)
{
    Store s;
    const struct {
        const char *key, *hex, *check, *expect;
    } cases[] = {
        {"s", "00036261720a00e6be4960ee66fd17", "GET s", "$3\r\nbar\r\n"},
        {"i", "00c139300a009d94ea2793fc08b9", "GET i", "$5\r\n12345\r\n"},
        {"l", "1201020f0f00000003008161020101816202ff0a009043a34ceb8e1b1c", "LRANGE l 0 -1",
         "*3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n"},
        {"st", "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b", "SMEMBERS st",
         "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
        {"h", "1012120000000400816602817602816e020701ff0a00b82adea8407ffaa8", "HGET h n",
         "$1\r\n7\r\n"},
        {"ls", "00c3094064017878e057000178780a005db7f663bb08625f", "STRLEN ls", ":100\r\n"},
        {"ss", "0202016101620a00fe642125eb033d0d", "SCARD ss", ":2\r\n"},
    };
    for (auto &c : cases) {
        EXPECT_EQ(s.run_argv({"RESTORE", c.key, "0", unhex(c.hex)}), "+OK\r\n") << c.key;
        EXPECT_EQ(s.run(c.check), c.expect) << c.key;
    }
    // What Redis dumps for these, Magpie dumps byte for byte.
    EXPECT_EQ(bulk(s.run("DUMP s")), unhex(cases[0].hex));
    EXPECT_EQ(bulk(s.run("DUMP i")), unhex(cases[1].hex));
    EXPECT_EQ(bulk(s.run("DUMP l")), unhex(cases[2].hex));
    EXPECT_EQ(bulk(s.run("DUMP st")), unhex(cases[3].hex));
    EXPECT_EQ(bulk(s.run("DUMP h")), unhex(cases[4].hex));
    // (LZF output differs from Redis's compressor: same string, other bytes.)
}

// Sorted sets as redis-server 7.0.15 dumped them: listpacks (infinities,
// -0 stored as 0) byte for byte, and a skiplist (ZSET_2, highest score
// first, an LZF member) that loads back into the same order.
TEST(Rdb, RestoresRedisZsets)
{
    Store s;
    const char *lp = "112b2b0000000a00817102842d696e6605816f02dffd02816d0283312e3504816e0202018170"
                     "0283696e6604ff0a001bb9eece43e7b2a0";
    const char *zero = "111111000000040081610200018162020001ff0a004afb3ef8b1eb1c90";
    const char *large = "050301620000000000000440c3094041017878e03400017878000000000000f03f0163000"
                        "00000000000800a007ed752c34e55146f";
    ASSERT_EQ(s.run_argv({"RESTORE", "z", "0", unhex(lp)}), "+OK\r\n");
    EXPECT_EQ(s.run("ZRANGE z 0 -1 WITHSCORES"),
              "*10\r\n$1\r\nq\r\n$4\r\n-inf\r\n$1\r\no\r\n$2\r\n-3\r\n$1\r\nm\r\n$3\r\n1.5\r\n"
              "$1\r\nn\r\n$1\r\n2\r\n$1\r\np\r\n$3\r\ninf\r\n");
    EXPECT_EQ(s.run("OBJECT ENCODING z"), "$8\r\nlistpack\r\n");
    EXPECT_EQ(bulk(s.run("DUMP z")), unhex(lp));
    ASSERT_EQ(s.run_argv({"RESTORE", "zi", "0", unhex(zero)}), "+OK\r\n");
    EXPECT_EQ(bulk(s.run("DUMP zi")), unhex(zero));
    ASSERT_EQ(s.run_argv({"RESTORE", "zl", "0", unhex(large)}), "+OK\r\n");
    EXPECT_EQ(s.run("OBJECT ENCODING zl"), "$8\r\nskiplist\r\n");
    EXPECT_EQ(s.run("ZRANGE zl 0 -1 WITHSCORES"), "*6\r\n$1\r\nc\r\n$2\r\n-0\r\n$65\r\n" +
                                                      std::string(65, 'x') +
                                                      "\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
    // Dumped again: the same value (our LZF bytes may differ from Redis's).
    std::string again = bulk(s.run("DUMP zl"));
    EXPECT_EQ(s.run_argv({"RESTORE", "zl2", "0", again}), "+OK\r\n");
    EXPECT_EQ(s.run("ZRANGE zl2 0 -1 WITHSCORES"), s.run("ZRANGE zl 0 -1 WITHSCORES"));
    EXPECT_EQ(again.substr(0, 12), unhex(large).substr(0, 12)); // type, count, "b", 2.5
}

// A value's bytes with DUMP's footer (version 10, CRC64).
static std::string payload(const std::string &value)
{
    std::string p = value + std::string("\x0a\x00", 2);
    uint64_t crc = rdb_crc64(0, p.data(), p.size());
    for (int i = 0; i < 8; i++)
        p.push_back((char)(crc >> (8 * i)));
    return p;
}

// The older forms (ZSET's text scores, ZSET_ZIPLIST), the encoding chosen
// on load as Redis chooses it, and hostile input refused as Redis does.
TEST(Rdb, ZsetFormsAndLimits)
{
    Store s;
    // ZSET: "a" 1.5, "b" +inf, "c" -inf.
    std::string text = std::string("\x03\x03\x01"
                                   "a\x03"
                                   "1.5\x01"
                                   "b\xfe\x01"
                                   "c\xff",
                                   14);
    ASSERT_EQ(s.run_argv({"RESTORE", "t", "0", payload(text)}), "+OK\r\n");
    EXPECT_EQ(s.run("ZRANGE t 0 -1 WITHSCORES"),
              "*6\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$3\r\ninf\r\n");
    EXPECT_EQ(s.run("OBJECT ENCODING t"), "$8\r\nlistpack\r\n");
    // ZSET_ZIPLIST: "a" 2 (an immediate integer), "b" "1.5".
    std::string zl = unhex("0c18180000001200000004000001610"
                           "3f3020162030331"
                           "2e35ff");
    ASSERT_EQ(s.run_argv({"RESTORE", "zz", "0", payload(zl)}), "+OK\r\n");
    EXPECT_EQ(s.run("ZRANGE zz 0 -1 WITHSCORES"),
              "*4\r\n$1\r\nb\r\n$3\r\n1.5\r\n$1\r\na\r\n$1\r\n2\r\n");
    EXPECT_EQ(s.run("OBJECT ENCODING zz"), "$8\r\nlistpack\r\n");

    // A listpack stays one with a long member (only the count decides); a
    // counted form with one converts; both convert past the entry limit.
    s.run("ZADD long 1 abcdefgh 2 b");
    std::string p = bulk(s.run("DUMP long"));
    keyspace_set_zset_config(s.ks, 128, 4);
    EXPECT_EQ(s.run_argv({"RESTORE", "long2", "0", p}), "+OK\r\n");
    EXPECT_EQ(s.run("OBJECT ENCODING long2"), "$8\r\nlistpack\r\n");
    std::string counted = std::string("\x03\x02\x08"
                                      "abcdefgh\x01"
                                      "1\x01"
                                      "b\x01"
                                      "2",
                                      17);
    EXPECT_EQ(s.run_argv({"RESTORE", "long3", "0", payload(counted)}), "+OK\r\n");
    EXPECT_EQ(s.run("OBJECT ENCODING long3"), "$8\r\nskiplist\r\n");
    keyspace_set_zset_config(s.ks, 1, 64);
    EXPECT_EQ(s.run_argv({"RESTORE", "long4", "0", p}), "+OK\r\n");
    EXPECT_EQ(s.run("OBJECT ENCODING long4"), "$8\r\nskiplist\r\n");
    keyspace_set_zset_config(s.ks, 128, 64);

    // The well-formed twins of the refused listpacks below load.
    EXPECT_EQ(s.run_argv({"RESTORE", "twin1", "0",
                          payload(unhex("111111000000040081610200018162020001ff"))}),
              "+OK\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "twin2", "0",
                          payload(unhex("111111000000040081610201018162020201ff"))}),
              "+OK\r\n");
    EXPECT_EQ(s.run("ZRANGE twin2 0 -1 WITHSCORES"),
              "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");

    // Refused: duplicates (counted and packed), NaN, an odd listpack, an
    // empty set, a score that is no number, a short double.
    const std::string bad[] = {
        std::string("\x03\x02\x01"
                    "a\x01"
                    "1\x01"
                    "a\x01"
                    "2",
                    11),
        std::string("\x03\x01\x01"
                    "a\xfd",
                    5),
        std::string("\x05\x01\x01"
                    "a",
                    4) +
            std::string("\x00\x00\x00\x00\x00\x00\xf8\x7f", 8),
        std::string("\x05\x01\x01"
                    "a\x00\x00",
                    6),
        std::string("\x03\x00", 2),
        std::string("\x03\x01\x01"
                    "a\x02"
                    "zz",
                    7),
        unhex("110f0f00000003008161020101816202ff"), // a 1 b: odd
        unhex("11111100000004008161020001816102"
              "0001ff"), // a 0 a 0
        unhex("110a0a0000000100816102ff"),
        unhex("0c0e0e0000000a0000000100000161ff"),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        EXPECT_EQ(s.run_argv({"RESTORE", "bad", "0", payload(bad[i])}), "-ERR Bad data format\r\n")
            << i;
        EXPECT_EQ(s.run("EXISTS bad"), ":0\r\n") << i;
    }
}

TEST(Rdb, RestoreOptionsAndErrors)
{
    Store s;
    s.run("SET k v");
    std::string p = bulk(s.run("DUMP k"));
    EXPECT_EQ(s.run("DUMP missing"), "$-1\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "k", "0", p}), "-BUSYKEY Target key name already exists.\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "k", "-1", p}),
              "-BUSYKEY Target key name already exists.\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "n", "-1", p}), "-ERR Invalid TTL value, must be >= 0\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "n", "x", p}), kNotInteger);
    EXPECT_EQ(s.run_argv({"RESTORE", "n", "0", p, "BOGUS"}), "-ERR syntax error\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "n", "0", p, "IDLETIME", "-1"}),
              "-ERR Invalid IDLETIME value, must be >= 0\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "n", "0", p, "FREQ", "256"}),
              "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "n", "0", p, "FREQ", "1", "IDLETIME", "1"}),
              "-ERR syntax error\r\n");
    std::string bad = p;
    bad[0] ^= 1;
    EXPECT_EQ(s.run_argv({"RESTORE", "n", "0", bad}),
              "-ERR DUMP payload version or checksum are wrong\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "n", "0", "short"}),
              "-ERR DUMP payload version or checksum are wrong\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "k", "0", p, "REPLACE"}), "+OK\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "t", "5000", p}), "+OK\r\n");
    EXPECT_EQ(s.run("PTTL t"), ":5000\r\n");
    std::string at = std::to_string(s.now_ms + 7000);
    EXPECT_EQ(s.run_argv({"RESTORE", "a", at, p, "ABSTTL"}), "+OK\r\n");
    EXPECT_EQ(s.run("PTTL a"), ":7000\r\n");
    // Already expired: REPLACE deletes the old key, nothing is created.
    std::string past = std::to_string(s.now_ms - 1);
    EXPECT_EQ(s.run_argv({"RESTORE", "a", past, p, "ABSTTL", "REPLACE"}), "+OK\r\n");
    EXPECT_EQ(s.run("EXISTS a"), ":0\r\n");
    EXPECT_EQ(s.run_argv({"RESTORE", "i", "0", p, "IDLETIME", "1000"}), "+OK\r\n");
    EXPECT_EQ(s.run("OBJECT IDLETIME i"), ":1000\r\n");
}

// Point in time: a writer keeps setting every key to the same number with
// one MSET across all shards (and databases 0 and 1 with a MULTI-free pair
// of commands ordered 0 then 1); every snapshot taken meanwhile must hold
// one number for all MSET keys, and db 1's counter never ahead of db 0's.
TEST(Rdb, SnapshotIsOnePointInTimeUnderWrites)
{
    Store s(4, 8);
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < 64; i++) {
        mset.push_back("k" + std::to_string(i));
        mset.push_back("0");
    }
    s.run_argv(mset);
    // Filler, so that walking the shards takes long enough for the writer
    // to run in between.
    std::vector<std::string> filler = {"MSET"};
    for (int i = 0; i < 40000; i++) {
        filler.push_back("filler:" + std::to_string(i));
        filler.push_back(std::string(40, 'f'));
    }
    s.run_argv(filler);
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        int db = 0;
        std::vector<std::string> argv = mset;
        for (long n = 1; !stop.load(); n++) {
            for (size_t i = 2; i < argv.size(); i += 2)
                argv[i] = std::to_string(n);
            run_on(s.ks, &db, s.now_ms, argv);
            run_on(s.ks, &db, s.now_ms, {"SET", "first", std::to_string(n)});
            run_on(s.ks, &db, s.now_ms, {"SELECT", "1"});
            run_on(s.ks, &db, s.now_ms, {"SET", "second", std::to_string(n)});
            run_on(s.ks, &db, s.now_ms, {"SELECT", "0"});
        }
    });
    for (int round = 0; round < 10; round++) {
        std::string file = save(s);
        Store b(4, 8);
        ASSERT_EQ(load(b, file), 0);
        std::string first = b.run("GET k0");
        for (int i = 1; i < 64; i++)
            ASSERT_EQ(b.run_argv({"GET", "k" + std::to_string(i)}), first) << "round " << round;
        std::string f = bulk(b.run("GET first"));
        b.run("SELECT 1");
        std::string sec = bulk(b.run("GET second"));
        if (!sec.empty()) {
            ASSERT_LE(std::stol(sec), std::stol(f)) << "round " << round;
        }
    }
    stop = true;
    writer.join();
}

namespace
{

// Holds a snapshot's walk right after its point in time until released, so
// that a test can change entries the walk has not reached.
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool taken = false, go = false;

    static void at_point(void *ctx)
    {
        auto *g = static_cast<Gate *>(ctx);
        std::unique_lock<std::mutex> l(g->m);
        g->taken = true;
        g->cv.notify_all();
        g->cv.wait(l, [g] { return g->go; });
    }
    void wait_taken()
    {
        std::unique_lock<std::mutex> l(m);
        cv.wait(l, [this] { return taken; });
    }
    void release()
    {
        std::lock_guard<std::mutex> l(m);
        go = true;
        cv.notify_all();
    }
};

// A whole file saved on another thread while `change` runs on this one,
// after the point in time and before the walk locks any shard; *peak gets
// the most bytes writers saved ahead of the walk.
template <typename F> std::string save_around(Store &s, F change, size_t *peak = nullptr)
{
    Gate gate;
    struct rdb_snapshot_hooks hooks = {};
    hooks.ctx = &gate;
    hooks.point_taken = Gate::at_point;
    std::string file;
    size_t queued = 0;
    std::thread saver([&] {
        struct rdb_writer w;
        rdb_writer_init(&w, nullptr, nullptr, true);
        if (peak) { // the keys alone, to learn the peak
            EXPECT_EQ(rdb_snapshot_write(s.ks, &w, s.now_ms, &queued, &hooks), 0);
        } else {
            struct rdb_save_options opt = {true, true, false, 0, s.now_ms, &hooks, nullptr};
            EXPECT_EQ(rdb_save_keyspace(s.ks, &w, &opt), 0);
        }
        file.assign((const char *)w.mem, w.used);
        rdb_writer_release(&w);
    });
    gate.wait_taken();
    change();
    gate.release();
    saver.join();
    if (peak)
        *peak = queued;
    return file;
}

// Every key of databases 0..databases-1, as canon() shows it, by database.
std::map<std::string, std::string> contents(Store &s, int databases)
{
    std::map<std::string, std::string> out;
    for (int db = 0; db < databases; db++) {
        s.run("SELECT " + std::to_string(db));
        std::string keys = s.run("KEYS *");
        size_t pos = 0;
        while ((pos = keys.find("\r\n$", pos)) != std::string::npos) {
            size_t start = keys.find("\r\n", pos + 3) + 2;
            size_t end = keys.find("\r\n", start);
            std::string key = keys.substr(start, end - start);
            out[std::to_string(db) + "/" + key] = canon(s, key);
            pos = end;
        }
    }
    s.run("SELECT 0");
    return out;
}

} // namespace

// Copy-before-write per entry: with the walk held right after the point in
// time, commands of every type change values in place, replace, expire,
// rename, move, delete and flush keys (and swap databases); the file still
// holds the keyspace exactly as it was at the point in time. Debug builds
// also abort at the first change made to a key not saved first.
TEST(Rdb, SnapshotHoldsEveryEntryAsItWasAtThePointInTime)
{
    Store s(8, 8);
    populate(s);
    s.run("PFADD hll a b c");
    s.run("PFADD hll2 x y"); // PFCOUNT caches its count in the value
    s.run("SET soon v PX 50");
    s.run("SET big:int 10");
    s.run("SELECT 2");
    s.run("SET gone1 a");
    s.run("RPUSH gone2 a b");
    s.run("SELECT 0");
    for (int i = 0; i < 2000; i++)
        s.run_argv({"SET", "filler:" + std::to_string(i), std::to_string(i)});
    Store ref(8, 8);
    ASSERT_EQ(load(ref, save(s)), 0);
    std::map<std::string, std::string> expected = contents(ref, 8);
    std::string file = save_around(s, [&] {
        const char *battery[] = {
            "SET s1 new",
            "APPEND s4 x",
            "SETRANGE s5 0 zz",
            "INCR s2",
            "INCRBYFLOAT s3 1.5",
            "GETDEL s7",
            "GETEX s6 PX 5000",
            "SET s1 other GET",
            "SETBIT s1 3 1",
            "PERSIST ttl",
            "LPUSH l1 q",
            "RPOP l2",
            "LSET l1 1 z",
            "LTRIM l2 0 10",
            "LINSERT l1 BEFORE z y",
            "LREM l1 0 a",
            "LMOVE l1 l2 LEFT RIGHT",
            "SADD st1 99",
            "SREM st2 a",
            "SPOP st3",
            "SMOVE st4 st2 m1",
            "SUNIONSTORE st1 st2 st4",
            "HSET h1 f zz",
            "HDEL h2 f1",
            "HINCRBY h1 n 5",
            "HINCRBYFLOAT h2 f2 0.5",
            "ZADD z1 9 m",
            "ZINCRBY z2 1 m1",
            "ZREM z3 top",
            "ZPOPMIN z2",
            "ZUNIONSTORE z1 2 z1 z3",
            "PFADD hll d e",
            "PFCOUNT hll",
            "PFCOUNT hll2",
            "EXPIRE h3 100",
            "RENAME l1 l1renamed",
            "MOVE st2 5",
            "COPY h2 h2copy",
            "COPY h1 h3 REPLACE",
            "SORT l2 ALPHA STORE z2",
            "BITOP OR s4 s1 s4",
            "MSET filler:1 x filler:2 y filler:3 z",
            "DEL filler:4 filler:5",
            "EXPIRE filler:6 1000",
            "INCRBY big:int 5",
            "SELECT 2",
            "FLUSHDB",
            "SET new1 v",
            "SELECT 3",
            "SET other changed",
            "SWAPDB 3 4",
            "SET fresh v",
            "SELECT 0",
        };
        for (const char *cmd : battery)
            ASSERT_NE(s.run(cmd)[0], '-') << cmd;
        std::string payload = bulk(s.run("DUMP s6"));
        ASSERT_EQ(s.run_argv({"RESTORE", "s1", "0", payload, "REPLACE"}), "+OK\r\n");
        // Lazily expired after the point in time: live in the snapshot.
        int db = 0;
        EXPECT_EQ(run_on(s.ks, &db, s.now_ms + 100, {"GET", "soon"}), "$-1\r\n");
        EXPECT_EQ(run_on(s.ks, &db, s.now_ms + 100, {"SET", "soon", "again"}), "+OK\r\n");
    });
    Store b(8, 8);
    ASSERT_EQ(load(b, file), 0);
    std::map<std::string, std::string> got = contents(b, 8);
    for (auto &[key, value] : expected)
        EXPECT_EQ(got[key], value) << key;
    EXPECT_EQ(got.size(), expected.size());
    EXPECT_NE(contents(s, 8), expected); // the battery did change things
}

// Extra memory is what writers change ahead of the walk, not the shards
// they touch: a few writes spread over every shard save a few entries.
TEST(Rdb, SnapshotSavesOnlyTheEntriesWritersChange)
{
    Store s(1, 8);
    std::vector<std::string> filler = {"MSET"};
    uint64_t rng = 42;
    for (int i = 0; i < 20000; i++) {
        filler.push_back("key:" + std::to_string(i));
        std::string v(40, ' ');
        for (char &ch : v) { // incompressible, so bytes count entries
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            ch = (char)('!' + (rng >> 33) % 90);
        }
        filler.push_back(v);
    }
    s.run_argv(filler);
    size_t peak = 0;
    std::string keys = save_around(
        s,
        [&] {
            for (int i = 0; i < 64; i++)
                s.run_argv({"SET", "key:" + std::to_string(i * 300), "changed"});
        },
        &peak);
    EXPECT_GT(peak, 64u * 40);         // each changed entry was saved first...
    EXPECT_LT(peak, keys.size() / 50); // ...and nothing else
}

// A snapshot whose file fails halfway still marks every entry as its walk
// goes (writing nothing more), so the next snapshot, whose mark is the
// other parity, finds every entry unsaved and writes all of them.
TEST(Rdb, AFailedSnapshotLeavesTheNextOneWhole)
{
    Store s(2, 4);
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < 20000; i++) {
        mset.push_back("key:" + std::to_string(i));
        mset.push_back("value-" + std::to_string(i));
    }
    s.run_argv(mset);
    s.run("SELECT 1");
    s.run("SET other v");
    s.run("SELECT 0");
    for (int attempt = 0; attempt < 2; attempt++) { // a failure at either parity
        size_t budget = 100000;
        auto failing = [](void *ctx, const void *, size_t len) -> int {
            size_t *left = static_cast<size_t *>(ctx);
            if (len > *left)
                return -EIO;
            *left -= len;
            return 0;
        };
        struct rdb_writer w;
        rdb_writer_init(&w, failing, &budget, false);
        EXPECT_EQ(rdb_snapshot_write(s.ks, &w, s.now_ms, nullptr, nullptr), -EIO);
        rdb_writer_release(&w);
        Store b(2, 4);
        ASSERT_EQ(load(b, save(s)), 0);
        EXPECT_EQ(b.run("DBSIZE"), ":20000\r\n") << "attempt " << attempt;
        EXPECT_EQ(b.run("GET key:12345"), "$11\r\nvalue-12345\r\n");
        b.run("SELECT 1");
        EXPECT_EQ(b.run("GET other"), "$1\r\nv\r\n");
    }
}

namespace
{

struct HookLog {
    int started = 0;
    int saved_before_start = 0;
    std::vector<std::pair<uint32_t, uint64_t>> saved; // (shard, seq) in order
};

std::map<uint32_t, uint64_t> snapshot_cuts(Store &s, HookLog &log)
{
    struct rdb_snapshot_hooks hooks = {[](void *ctx) { static_cast<HookLog *>(ctx)->started++; },
                                       [](void *ctx, uint32_t shard, uint64_t seq) {
                                           auto *l = static_cast<HookLog *>(ctx);
                                           l->saved_before_start += l->started == 0;
                                           l->saved.emplace_back(shard, seq);
                                       },
                                       &log, nullptr};
    struct rdb_writer w;
    rdb_writer_init(&w, nullptr, nullptr, false);
    EXPECT_EQ(rdb_snapshot_write(s.ks, &w, s.now_ms, nullptr, &hooks), 0);
    rdb_writer_release(&w);
    std::map<uint32_t, uint64_t> cuts;
    for (auto &[shard, seq] : log.saved)
        EXPECT_TRUE(cuts.emplace(shard, seq).second) << "shard " << shard << " saved twice";
    return cuts;
}

} // namespace

// The hooks an AOF rewrite cuts its log with: started once, before any shard
// is saved; every shard saved once, with its write sequence number then. One
// write between two snapshots moves exactly one shard's number.
TEST(Rdb, SnapshotHooksReportEachShardsCut)
{
    Store s(4, 8);
    s.run("SET a 1");
    HookLog first, second;
    std::map<uint32_t, uint64_t> before = snapshot_cuts(s, first);
    EXPECT_EQ(first.started, 1);
    EXPECT_EQ(first.saved_before_start, 0);
    EXPECT_GE(before.size(), 8u);
    s.run("SET a 2");
    std::map<uint32_t, uint64_t> after = snapshot_cuts(s, second);
    ASSERT_EQ(after.size(), before.size());
    int moved = 0;
    for (auto &[shard, seq] : after) {
        ASSERT_TRUE(before.count(shard));
        EXPECT_GE(seq, before[shard]);
        moved += seq != before[shard];
    }
    EXPECT_EQ(moved, 1);
}

// One snapshot at a time: a second, started while the first runs, waits for
// it instead of failing (a BGSAVE during an AOF rewrite), and both are whole.
TEST(Rdb, ConcurrentSnapshotsTakeTurns)
{
    Store s(4, 8);
    std::vector<std::string> filler = {"MSET"};
    for (int i = 0; i < 20000; i++) {
        filler.push_back("key:" + std::to_string(i));
        filler.push_back(std::string(20, 'v'));
    }
    s.run_argv(filler);
    std::string files[2];
    std::thread other([&] { files[1] = save(s); });
    files[0] = save(s);
    other.join();
    for (auto &file : files) {
        Store b(4, 8);
        ASSERT_EQ(load(b, file), 0);
        EXPECT_EQ(b.run("DBSIZE"), ":20000\r\n");
    }
}
