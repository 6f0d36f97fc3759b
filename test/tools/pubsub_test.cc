// The pub/sub workload's pure parts: --pubsub P:S, how the connections split
// into publishers and subscribers (and which subscribe by pattern), the
// channels and patterns, the messages, and the frames a subscriber reads.
#include "core/glob.h"
#include "tools/stress/pubsub.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace
{

pubsub_spec spec(int publishers, int subscribers, int channels, int patterns)
{
    pubsub_spec s{};
    s.publishers = publishers;
    s.subscribers = subscribers;
    s.channels = channels;
    s.pattern_subscribers = patterns;
    return s;
}

// A parsed reply; it points into its bytes, which are kept for the test.
stress_reply reply(const std::string &text)
{
    static std::deque<std::string> kept;
    const std::string &bytes = kept.emplace_back(text);
    stress_reply r;
    EXPECT_EQ(stress_reply_parse(bytes.data(), bytes.size(), &r), (long)bytes.size()) << bytes;
    return r;
}

std::string bulk(const std::string &s)
{
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

} // namespace

TEST(Pubsub, SpecParse)
{
    int p = 0, s = 0;
    EXPECT_EQ(pubsub_spec_parse("4:16", &p, &s), 0);
    EXPECT_EQ(p, 4);
    EXPECT_EQ(s, 16);
    EXPECT_EQ(pubsub_spec_parse("10000:1", &p, &s), 0);
    for (const char *bad : {"4", "0:1", "1:0", "1:", ":1", "a:1", "1:1x", "10001:1", "-1:2", ""})
        EXPECT_LT(pubsub_spec_parse(bad, &p, &s), 0) << bad;
}

// Every index has one role, the ids are dense, and each thread (a run of
// consecutive indexes) gets publishers and subscribers in proportion.
TEST(Pubsub, RolesAreDenseAndSpread)
{
    for (int publishers : {1, 2, 3, 7})
        for (int subscribers : {1, 4, 9}) {
            pubsub_spec s = spec(publishers, subscribers, 4, 0);
            std::vector<int> pub_seen(publishers), sub_seen(subscribers);
            for (uint32_t i = 0; i < (uint32_t)(publishers + subscribers); i++) {
                uint32_t id;
                if (pubsub_role_of(&s, i, &id) == PUBSUB_PUBLISHER) {
                    ASSERT_LT(id, (uint32_t)publishers);
                    pub_seen[id]++;
                } else {
                    ASSERT_LT(id, (uint32_t)subscribers);
                    sub_seen[id]++;
                }
            }
            for (int n : pub_seen)
                EXPECT_EQ(n, 1);
            for (int n : sub_seen)
                EXPECT_EQ(n, 1);
        }
    pubsub_spec s = spec(2, 6, 4, 0); // two threads of four: one publisher each
    int first_half = 0;
    for (uint32_t i = 0; i < 4; i++) {
        uint32_t id;
        first_half += pubsub_role_of(&s, i, &id) == PUBSUB_PUBLISHER;
    }
    EXPECT_EQ(first_half, 1);
}

TEST(Pubsub, PatternSubscribers)
{
    for (int patterns = 0; patterns <= 6; patterns++) {
        pubsub_spec s = spec(1, 6, 4, patterns);
        int by_pattern = 0;
        for (uint32_t id = 0; id < 6; id++)
            by_pattern += pubsub_by_pattern(&s, id);
        EXPECT_EQ(by_pattern, patterns);
    }
}

TEST(Pubsub, ChannelNames)
{
    char name[PUBSUB_NAME_MAX];
    EXPECT_EQ(std::string(name, pubsub_channel_name(17, name)), "pubsub:17");
    uint32_t n;
    EXPECT_EQ(pubsub_channel_index("pubsub:17", 9, 20, &n), 0);
    EXPECT_EQ(n, 17u);
    EXPECT_EQ(pubsub_channel_index("pubsub:0", 8, 1, &n), 0);
    EXPECT_EQ(n, 0u);
    for (const char *bad : {"pubsub:20", "pubsub:", "pubsub:07", "pubsub:1x", "pubsu:1", "queue:1",
                            "pubsub:99999999999"})
        EXPECT_LT(pubsub_channel_index(bad, strlen(bad), 20, &n), 0) << bad;
}

// The two patterns match every channel, each exactly once, and
// pubsub_pattern_of names the one that does (checked with the glob
// matcher Magpie's PSUBSCRIBE uses).
TEST(Pubsub, PatternsCoverEveryChannelOnce)
{
    for (uint32_t channel = 0; channel < PUBSUB_CHANNELS_MAX; channel++) {
        char name[PUBSUB_NAME_MAX];
        size_t len = pubsub_channel_name(channel, name);
        int matches = 0;
        for (int i = 0; i < PUBSUB_PATTERN_COUNT; i++) {
            const char *p = pubsub_pattern(i);
            if (glob_match(p, strlen(p), name, len, false)) {
                matches++;
                EXPECT_EQ(i, pubsub_pattern_of(channel)) << name;
            }
        }
        EXPECT_EQ(matches, 1) << name;
    }
}

TEST(Pubsub, EveryPublisherWritesEveryChannel)
{
    for (uint32_t publisher = 0; publisher < 3; publisher++) {
        std::vector<int> hits(5);
        for (uint64_t seq = 1; seq <= 10; seq++)
            hits[pubsub_channel_of(5, publisher, seq)]++;
        for (int h : hits)
            EXPECT_EQ(h, 2);
    }
    EXPECT_NE(pubsub_channel_of(5, 0, 1), pubsub_channel_of(5, 1, 1)); // own offsets
}

TEST(Pubsub, SubscribeArguments)
{
    pubsub_spec s = spec(1, 2, 3, 1);
    char names[3][PUBSUB_NAME_MAX];
    for (uint32_t i = 0; i < 3; i++)
        pubsub_channel_name(i, names[i]);
    const char *argv[4];
    size_t lens[4];
    int argc = pubsub_subscribe_args(&s, false, names, argv, lens);
    ASSERT_EQ(argc, 4);
    std::vector<std::string> got;
    for (int i = 0; i < argc; i++)
        got.emplace_back(argv[i], lens[i]);
    EXPECT_EQ(got, (std::vector<std::string>{"SUBSCRIBE", "pubsub:0", "pubsub:1", "pubsub:2"}));
    argc = pubsub_subscribe_args(&s, true, names, argv, lens);
    ASSERT_EQ(argc, 1 + PUBSUB_PATTERN_COUNT);
    EXPECT_EQ(std::string(argv[0], lens[0]), "PSUBSCRIBE");
    EXPECT_EQ(std::string(argv[1], lens[1]), pubsub_pattern(0));
    EXPECT_EQ(std::string(argv[2], lens[2]), pubsub_pattern(1));
}

TEST(Pubsub, MessagesRoundTrip)
{
    char buf[256];
    pubsub_message m = {9999, 123456789012ull, 1023, 18446744073709551615ull};
    for (size_t size : {0u, 10u, 56u, 200u}) {
        size_t len = pubsub_message_encode(buf, sizeof(buf), &m, size);
        EXPECT_LE(len, std::max<size_t>(size, PUBSUB_MESSAGE_HEADER_MAX));
        if (size > 60) {
            EXPECT_EQ(len, size);
        }
        pubsub_message back{};
        ASSERT_EQ(pubsub_message_decode(buf, len, &back), 0) << std::string(buf, len);
        EXPECT_EQ(back.publisher, m.publisher);
        EXPECT_EQ(back.seq, m.seq);
        EXPECT_EQ(back.channel, m.channel);
        EXPECT_EQ(back.send_ns, m.send_ns);
    }
    pubsub_message out;
    for (const char *bad :
         {"", "ps:", "ps:1:2:3:4", "ps:1:0:3:4;", "ps:1:2:3:4;x", "ps:01:2:3:4;", "qs:1:2:3:4;",
          "ps:1:2:3:99999999999999999999999;", "ps:4294967296:1:0:0;", "mv:1:2:3;"})
        EXPECT_LT(pubsub_message_decode(bad, strlen(bad), &out), 0) << bad;
}

TEST(Pubsub, Frames)
{
    pubsub_frame f;
    stress_reply r = reply("*3\r\n" + bulk("message") + bulk("pubsub:1") + bulk("hello"));
    ASSERT_EQ(pubsub_frame_parse(&r, &f), 0);
    EXPECT_EQ(f.kind, PUBSUB_FRAME_MESSAGE);
    EXPECT_EQ(std::string(f.channel, f.channel_len), "pubsub:1");
    EXPECT_EQ(std::string(f.payload, f.payload_len), "hello");

    r = reply("*4\r\n" + bulk("pmessage") + bulk("pubsub:*[13579]") + bulk("pubsub:3") +
              bulk("hi"));
    ASSERT_EQ(pubsub_frame_parse(&r, &f), 0);
    EXPECT_EQ(f.kind, PUBSUB_FRAME_PMESSAGE);
    EXPECT_EQ(std::string(f.pattern, f.pattern_len), "pubsub:*[13579]");
    EXPECT_EQ(std::string(f.channel, f.channel_len), "pubsub:3");
    EXPECT_EQ(std::string(f.payload, f.payload_len), "hi");

    for (const char *verb : {"subscribe", "unsubscribe", "psubscribe", "punsubscribe"}) {
        r = reply("*3\r\n" + bulk(verb) + bulk("pubsub:0") + ":2\r\n");
        ASSERT_EQ(pubsub_frame_parse(&r, &f), 0) << verb;
        EXPECT_EQ(f.kind, PUBSUB_FRAME_SUBSCRIBE);
        EXPECT_EQ(std::string(f.verb, f.verb_len), verb);
        EXPECT_EQ(f.count, 2);
    }

    // RESP3 delivers the same as push frames.
    r = reply(">3\r\n" + bulk("message") + bulk("pubsub:2") + bulk("x"));
    ASSERT_EQ(pubsub_frame_parse(&r, &f), 0);
    EXPECT_EQ(f.kind, PUBSUB_FRAME_MESSAGE);

    for (const std::string &bad :
         {std::string("+OK\r\n"), std::string(":3\r\n"), std::string("-ERR no\r\n"),
          "*2\r\n" + bulk("message") + bulk("pubsub:1"),
          "*3\r\n" + bulk("pmessage") + bulk("p") + bulk("x"),
          "*4\r\n" + bulk("message") + bulk("a") + bulk("b") + bulk("c"),
          "*3\r\n" + bulk("subscribe") + bulk("pubsub:1") + bulk("1"),
          "*3\r\n" + bulk("message") + bulk("pubsub:1") + ":1\r\n",
          "*3\r\n" + bulk("pong") + bulk("pubsub:1") + bulk("x")}) {
        r = reply(bad);
        EXPECT_LT(pubsub_frame_parse(&r, &f), 0) << bad;
    }
}
