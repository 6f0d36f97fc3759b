// The queue workload's pure parts: --queue P:C, how the connections split
// into producers and consumers, the queue keys, the pop requests and what
// their replies mean.
#include "tools/stress/queue.h"
#include "tools/stress/workload.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <vector>

namespace
{

queue_spec spec(int producers, int consumers, int keys, queue_pop_mode pop)
{
    queue_spec s{};
    s.producers = producers;
    s.consumers = consumers;
    s.keys = keys;
    s.pop = pop;
    return s;
}

// The arguments of a consumer's pop on turn `turn`, as strings.
std::vector<std::string> pop_args(const queue_spec &s, uint64_t turn, uint32_t *queue)
{
    std::vector<char[QUEUE_KEY_NAME_MAX]> names(s.keys);
    for (int q = 0; q < s.keys; q++)
        queue_key_name((uint32_t)q, names[q]);
    std::vector<const char *> argv(s.keys + 2);
    std::vector<size_t> lens(s.keys + 2);
    int argc = queue_pop_args(&s, turn, names.data(), argv.data(), lens.data(), queue);
    std::vector<std::string> out;
    for (int i = 0; i < argc; i++)
        out.emplace_back(argv[i], lens[i]);
    return out;
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

} // namespace

TEST(Queue, Spec)
{
    int p, c;
    ASSERT_EQ(queue_spec_parse("4:2", &p, &c), 0);
    EXPECT_EQ(p, 4);
    EXPECT_EQ(c, 2);
    ASSERT_EQ(queue_spec_parse("1:10000", &p, &c), 0);
    EXPECT_EQ(c, 10000);
    for (const char *bad :
         {"", "4", "4:", ":2", "0:1", "1:0", "a:b", "1:2:3", "-1:2", "1:10001", "4 :2", "1:2x"})
        EXPECT_LT(queue_spec_parse(bad, &p, &c), 0) << bad;
    queue_pop_mode mode;
    ASSERT_EQ(queue_pop_mode_parse("rpop", &mode), 0);
    EXPECT_EQ(mode, QUEUE_POP_RPOP);
    ASSERT_EQ(queue_pop_mode_parse("brpop", &mode), 0);
    EXPECT_EQ(mode, QUEUE_POP_BRPOP);
    EXPECT_LT(queue_pop_mode_parse("BLPOP", &mode), 0);
    EXPECT_STREQ(queue_pop_mode_name(QUEUE_POP_RPOP), "rpop");
}

// Every connection gets one role; producer and consumer ids are dense, and
// any run of consecutive connections (one thread's) gets its share of both.
TEST(Queue, RolesSpreadEvenly)
{
    for (int p = 1; p <= 9; p++) {
        for (int c = 1; c <= 9; c++) {
            queue_spec s = spec(p, c, 4, QUEUE_POP_BRPOP);
            std::set<uint32_t> producers, consumers;
            for (uint32_t i = 0; i < (uint32_t)(p + c); i++) {
                uint32_t id = 99;
                queue_role role = queue_role_of(&s, i, &id);
                ASSERT_NE(role, QUEUE_ROLE_NONE);
                EXPECT_TRUE(
                    (role == QUEUE_ROLE_PRODUCER ? producers : consumers).insert(id).second);
            }
            EXPECT_EQ(producers.size(), (size_t)p);
            EXPECT_EQ(consumers.size(), (size_t)c);
            EXPECT_EQ(*producers.rbegin(), (uint32_t)p - 1);
            EXPECT_EQ(*consumers.rbegin(), (uint32_t)c - 1);
            uint32_t id;
            EXPECT_EQ(queue_role_of(&s, (uint32_t)(p + c), &id), QUEUE_ROLE_NONE);
        }
    }
    // 2 producers, 6 consumers, 2 threads of 4 connections: one producer each.
    queue_spec s = spec(2, 6, 4, QUEUE_POP_BRPOP);
    uint32_t id;
    int first_half = 0;
    for (uint32_t i = 0; i < 4; i++)
        first_half += queue_role_of(&s, i, &id) == QUEUE_ROLE_PRODUCER;
    EXPECT_EQ(first_half, 1);
}

TEST(Queue, Keys)
{
    char name[QUEUE_KEY_NAME_MAX];
    EXPECT_EQ(std::string(name, queue_key_name(12, name)), "queue:12");
    uint32_t q;
    ASSERT_EQ(queue_key_index("queue:3", 7, 4, &q), 0);
    EXPECT_EQ(q, 3u);
    ASSERT_EQ(queue_key_index("queue:0", 7, 1, &q), 0);
    EXPECT_EQ(q, 0u);
    for (const char *bad :
         {"queue:4", "queue:", "queue:01", "queue:x", "list:1", "queue:1 ", "queue:99999999999"})
        EXPECT_LT(queue_key_index(bad, strlen(bad), 4, &q), 0) << bad;
    // Each producer writes every queue, in turn.
    queue_spec s = spec(3, 1, 4, QUEUE_POP_BRPOP);
    for (uint32_t p = 0; p < 3; p++) {
        std::set<uint32_t> queues;
        for (uint64_t seq = 1; seq <= 4; seq++)
            queues.insert(queue_of_push(&s, p, seq));
        EXPECT_EQ(queues.size(), 4u);
    }
}

TEST(Queue, PopRequests)
{
    using v = std::vector<std::string>;
    uint32_t queue = 99;
    queue_spec b = spec(1, 1, 3, QUEUE_POP_BRPOP);
    EXPECT_EQ(pop_args(b, 0, &queue),
              (v{"BRPOP", "queue:0", "queue:1", "queue:2", STRESS_BRPOP_TIMEOUT}));
    EXPECT_EQ(pop_args(b, 4, &queue),
              (v{"BRPOP", "queue:1", "queue:2", "queue:0", STRESS_BRPOP_TIMEOUT}));
    queue_spec r = spec(1, 1, 3, QUEUE_POP_RPOP);
    EXPECT_EQ(pop_args(r, 5, &queue), (v{"RPOP", "queue:2"}));
    EXPECT_EQ(queue, 2u);
    EXPECT_EQ(pop_args(r, 6, &queue), (v{"RPOP", "queue:0"}));
    EXPECT_EQ(queue, 0u);
}

TEST(Queue, PopReplies)
{
    queue_spec b = spec(1, 1, 4, QUEUE_POP_BRPOP);
    uint32_t queue = 99;
    const char *item = nullptr;
    size_t len = 0;
    stress_reply r = reply("*2\r\n$7\r\nqueue:3\r\n$5\r\nhello\r\n");
    ASSERT_EQ(queue_pop_reply(&b, &r, 0, &queue, &item, &len), QUEUE_POPPED);
    EXPECT_EQ(queue, 3u);
    EXPECT_EQ(std::string(item, len), "hello");
    r = reply("*-1\r\n");
    EXPECT_EQ(queue_pop_reply(&b, &r, 0, &queue, &item, &len), QUEUE_EMPTY);
    r = reply("_\r\n"); // RESP3 null
    EXPECT_EQ(queue_pop_reply(&b, &r, 0, &queue, &item, &len), QUEUE_EMPTY);
    for (const char *bad : {"*2\r\n$7\r\nqueue:9\r\n$1\r\nx\r\n", // a key it never asked for
                            "*2\r\n$6\r\nlist:1\r\n$1\r\nx\r\n", "*1\r\n$7\r\nqueue:1\r\n",
                            "*2\r\n:1\r\n$1\r\nx\r\n", "$5\r\nhello\r\n", ":1\r\n"})
        EXPECT_EQ(queue_pop_reply(&b, (r = reply(bad), &r), 0, &queue, &item, &len), QUEUE_BAD)
            << bad;

    queue_spec p = spec(1, 1, 4, QUEUE_POP_RPOP);
    r = reply("$5\r\nhello\r\n");
    ASSERT_EQ(queue_pop_reply(&p, &r, 2, &queue, &item, &len), QUEUE_POPPED);
    EXPECT_EQ(queue, 2u);
    EXPECT_EQ(std::string(item, len), "hello");
    r = reply("$-1\r\n");
    EXPECT_EQ(queue_pop_reply(&p, &r, 2, &queue, &item, &len), QUEUE_EMPTY);
    r = reply("*2\r\n$7\r\nqueue:3\r\n$5\r\nhello\r\n");
    EXPECT_EQ(queue_pop_reply(&p, &r, 2, &queue, &item, &len), QUEUE_BAD);
}
