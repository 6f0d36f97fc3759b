// RDB: the writer and the loader against each other (every type and
// encoding, TTLs, databases), against payloads redis-server 7.0.15 wrote,
// and against corrupt input (truncations, flipped bytes, unsupported types):
// errors, never a crash, and never a half-loaded keyspace.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "rdb_test_util.h"
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

// The progress function hears how far the parse is, and stops the load by
// answering false (a shutdown while loading): nothing is linked in then.
TEST(Rdb, ProgressIsToldAndCanStopTheLoad)
{
    Store a;
    for (int i = 0; i < 10000; i++)
        a.run("SET key:" + std::to_string(i) + " value");
    std::string file = save(a);
    struct Seen {
        std::vector<uint64_t> parsed;
        size_t stop_after; // answers false from this call on
        static bool fn(void *ctx, uint64_t bytes)
        {
            auto *seen = static_cast<Seen *>(ctx);
            seen->parsed.push_back(bytes);
            return seen->parsed.size() < seen->stop_after;
        }
    };
    struct rdb_error e = {};
    Seen all{{}, 100};
    struct rdb_progress progress = {Seen::fn, &all};
    Store b;
    ASSERT_EQ(rdb_load_buffer(b.ks, file.data(), file.size(), b.now_ms, nullptr, &e, &progress), 0);
    EXPECT_EQ(b.run("DBSIZE"), ":10000\r\n");
    ASSERT_EQ(all.parsed.size(), 2u); // every 4096 keys
    EXPECT_LT(all.parsed[0], all.parsed[1]);
    EXPECT_LT(all.parsed[1], file.size());

    Seen first{{}, 1};
    progress.ctx = &first;
    Store c;
    c.run("SET keep me");
    EXPECT_EQ(rdb_load_buffer(c.ks, file.data(), file.size(), c.now_ms, nullptr, &e, &progress),
              -EINVAL);
    EXPECT_STREQ(e.message, "Loading interrupted");
    EXPECT_EQ(first.parsed.size(), 1u);
    EXPECT_EQ(c.run("DBSIZE"), ":1\r\n");
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
