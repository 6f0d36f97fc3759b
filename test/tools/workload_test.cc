// The operations of a stress run: the mix parser with the list operations,
// the key each operation touches, and the arguments of each request.
#include "tools/stress/workload.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace
{

// The request for op on key index 7 with value "v", as strings.
std::vector<std::string> request(stress_op op)
{
    char name[KEY_NAME_MAX];
    size_t len = key_name(op, 7, name);
    const char *argv[OP_ARGS_MAX];
    size_t lens[OP_ARGS_MAX];
    int argc = op_request_args(op, name, len, "v", 1, argv, lens);
    std::vector<std::string> out;
    for (int i = 0; i < argc; i++)
        out.emplace_back(argv[i], lens[i]);
    return out;
}

} // namespace

TEST(Workload, MixWithListOperations)
{
    op_mix mix;
    char err[160];
    ASSERT_EQ(op_mix_parse("lpush:3,RPUSH:1,lpop:1,rpop:2,brpop:4", &mix, err, sizeof(err)), 0)
        << err;
    EXPECT_EQ(mix.weight[OP_LPUSH], 3u);
    EXPECT_EQ(mix.weight[OP_RPUSH], 1u);
    EXPECT_EQ(mix.weight[OP_BRPOP], 4u);
    EXPECT_EQ(mix.total, 11u);
    EXPECT_TRUE(op_mix_has_list(&mix));
    char text[96];
    EXPECT_STREQ(op_mix_format(&mix, text, sizeof(text)), "lpush:3,rpush:1,lpop:1,rpop:2,brpop:4");

    ASSERT_EQ(op_mix_parse("get:1,set:1,incr:1,del:1", &mix, err, sizeof(err)), 0) << err;
    EXPECT_FALSE(op_mix_has_list(&mix));
    EXPECT_FALSE(op_mix_has_aggregate(&mix));
    ASSERT_EQ(op_mix_parse("get:1,hset:2,hget:3", &mix, err, sizeof(err)), 0) << err;
    EXPECT_FALSE(op_mix_has_list(&mix));
    EXPECT_TRUE(op_mix_has_aggregate(&mix));
    EXPECT_STREQ(op_mix_format(&mix, text, sizeof(text)), "get:1,hset:2,hget:3");
    EXPECT_LT(op_mix_parse("blpop:1", &mix, err, sizeof(err)), 0);
    EXPECT_NE(
        std::string(err).find(
            "known: get, set, incr, del, lpush, rpush, lpop, rpop, brpop, hset, hget, sadd, srem, "
            "zadd, zincrby, zrange"),
        std::string::npos)
        << err;
}

// Every operation picks from its own key family, so no mix gives WRONGTYPE.
TEST(Workload, KeyFamilies)
{
    char name[KEY_NAME_MAX];
    for (int op = 0; op < OP_COUNT; op++) {
        size_t len = key_name((stress_op)op, 42, name);
        std::string key(name, len);
        if (op == OP_INCR)
            EXPECT_EQ(key, "counter:42");
        else if (op_is_list((stress_op)op))
            EXPECT_EQ(key, "list:42") << op_name((stress_op)op);
        else if (op_is_set((stress_op)op))
            EXPECT_EQ(key, "set:42") << op_name((stress_op)op);
        else if (op_is_hash((stress_op)op))
            EXPECT_EQ(key, "hash:42") << op_name((stress_op)op);
        else if (op_is_zset((stress_op)op))
            EXPECT_EQ(key, "zset:42") << op_name((stress_op)op);
        else
            EXPECT_EQ(key, "key:42") << op_name((stress_op)op);
    }
    EXPECT_FALSE(op_is_list(OP_GET));
    EXPECT_FALSE(op_is_list(OP_DEL));
    EXPECT_TRUE(op_is_list(OP_LPUSH));
    EXPECT_TRUE(op_is_list(OP_BRPOP));
    EXPECT_TRUE(op_is_hash(OP_HSET));
    EXPECT_FALSE(op_is_list(OP_HGET));
    EXPECT_TRUE(op_is_zset(OP_ZINCRBY));
    EXPECT_FALSE(op_is_set(OP_ZADD));
}

// ZADD / ZINCRBY send a score and the member; ZRANGE asks for the top ten.
TEST(Workload, SortedSetRequests)
{
    const char *argv[OP_ARGS_MAX];
    size_t lens[OP_ARGS_MAX];
    ASSERT_EQ(op_request_args(OP_ZINCRBY, "zset:1", 6, "m3", 2, argv, lens), 4);
    EXPECT_EQ(std::string(argv[0], lens[0]) + " " + std::string(argv[2], lens[2]) + " " +
                  std::string(argv[3], lens[3]),
              "ZINCRBY 1 m3");
    ASSERT_EQ(op_request_args(OP_ZRANGE, "zset:1", 6, "", 0, argv, lens), 5);
    EXPECT_EQ(std::string(argv[4], lens[4]), "WITHSCORES");
    char err[128];
    struct op_mix mix;
    ASSERT_EQ(op_mix_parse("zincrby:9,zrange:1", &mix, err, sizeof(err)), 0) << err;
    EXPECT_TRUE(op_mix_has_aggregate(&mix));
}

TEST(Workload, MixWithSetOperations)
{
    op_mix mix;
    char err[160];
    ASSERT_EQ(op_mix_parse("sadd:3,SREM:1,get:1", &mix, err, sizeof(err)), 0) << err;
    EXPECT_EQ(mix.weight[OP_SADD], 3u);
    EXPECT_EQ(mix.weight[OP_SREM], 1u);
    EXPECT_TRUE(op_mix_has_set(&mix));
    EXPECT_FALSE(op_mix_has_list(&mix));
    char text[96];
    EXPECT_STREQ(op_mix_format(&mix, text, sizeof(text)), "get:1,sadd:3,srem:1");
    EXPECT_TRUE(op_is_set(OP_SADD));
    EXPECT_FALSE(op_is_set(OP_LPUSH));
}

TEST(Workload, RequestArguments)
{
    using v = std::vector<std::string>;
    EXPECT_EQ(request(OP_GET), (v{"GET", "key:7"}));
    EXPECT_EQ(request(OP_SET), (v{"SET", "key:7", "v"}));
    EXPECT_EQ(request(OP_INCR), (v{"INCR", "counter:7"}));
    EXPECT_EQ(request(OP_DEL), (v{"DEL", "key:7"}));
    EXPECT_EQ(request(OP_LPUSH), (v{"LPUSH", "list:7", "v"}));
    EXPECT_EQ(request(OP_RPUSH), (v{"RPUSH", "list:7", "v"}));
    EXPECT_EQ(request(OP_LPOP), (v{"LPOP", "list:7"}));
    EXPECT_EQ(request(OP_RPOP), (v{"RPOP", "list:7"}));
    EXPECT_EQ(request(OP_BRPOP), (v{"BRPOP", "list:7", STRESS_BRPOP_TIMEOUT}));
    EXPECT_EQ(request(OP_HSET), (v{"HSET", "hash:7", STRESS_HASH_FIELD, "v"}));
    EXPECT_EQ(request(OP_HGET), (v{"HGET", "hash:7", STRESS_HASH_FIELD}));
    EXPECT_EQ(request(OP_SADD), (v{"SADD", "set:7", "v"}));
    EXPECT_EQ(request(OP_SREM), (v{"SREM", "set:7", "v"}));
    for (int op = 0; op < OP_COUNT; op++)
        EXPECT_EQ(std::string(op_verb((stress_op)op)).size(),
                  std::string(op_name((stress_op)op)).size());
}
