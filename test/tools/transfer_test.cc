// The transfer workload's pure parts: --transfer M:R, the roles, the moves,
// the commands of each transaction and what their replies mean.
#include "tools/stress/transfer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <vector>

namespace
{

transfer_spec spec(int movers, int readers, int accounts, transfer_read_mode read)
{
    transfer_spec s{};
    s.movers = movers;
    s.readers = readers;
    s.accounts = accounts;
    s.read = read;
    return s;
}

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

// The RESP encoding of commands, one per inner list.
std::string commands(const std::vector<std::vector<std::string>> &list)
{
    std::string out;
    for (const auto &cmd : list) {
        out += "*" + std::to_string(cmd.size()) + "\r\n";
        for (const auto &arg : cmd)
            out += bulk(arg);
    }
    return out;
}

struct Names {
    std::vector<char[TRANSFER_KEY_NAME_MAX]> names;
    explicit Names(int accounts) : names(accounts)
    {
        for (int i = 0; i < accounts; i++)
            transfer_account_name((uint32_t)i, names[i]);
    }
};

std::string text(const bytebuf &b)
{
    return std::string(b.data, b.len);
}

} // namespace

TEST(Transfer, SpecParse)
{
    int m = 0, r = 0;
    EXPECT_EQ(transfer_spec_parse("4:2", &m, &r), 0);
    EXPECT_EQ(m, 4);
    EXPECT_EQ(r, 2);
    EXPECT_EQ(transfer_spec_parse("3:0", &m, &r), 0); // no readers: the final check only
    EXPECT_EQ(r, 0);
    for (const char *bad : {"4", "0:1", ":1", "1:", "a:1", "10001:1", "1:10001", "1:-1"})
        EXPECT_LT(transfer_spec_parse(bad, &m, &r), 0) << bad;
    transfer_read_mode mode;
    EXPECT_EQ(transfer_read_mode_parse("mget", &mode), 0);
    EXPECT_EQ(mode, TRANSFER_READ_MGET);
    EXPECT_STREQ(transfer_read_mode_name(mode), "mget");
    EXPECT_EQ(transfer_read_mode_parse("get", &mode), 0);
    EXPECT_EQ(mode, TRANSFER_READ_GET);
    EXPECT_LT(transfer_read_mode_parse("scan", &mode), 0);
}

TEST(Transfer, Roles)
{
    for (int movers : {1, 3})
        for (int readers : {0, 1, 5}) {
            transfer_spec s = spec(movers, readers, 4, TRANSFER_READ_GET);
            std::set<uint32_t> mover_ids, reader_ids;
            for (uint32_t i = 0; i < (uint32_t)(movers + readers); i++) {
                uint32_t id;
                if (transfer_role_of(&s, i, &id) == TRANSFER_MOVER)
                    mover_ids.insert(id);
                else
                    reader_ids.insert(id);
            }
            EXPECT_EQ(mover_ids.size(), (size_t)movers);
            EXPECT_EQ(reader_ids.size(), (size_t)readers);
            EXPECT_EQ(*mover_ids.rbegin(), (uint32_t)movers - 1);
        }
}

TEST(Transfer, NamesAndTotal)
{
    char name[TRANSFER_KEY_NAME_MAX];
    EXPECT_EQ(std::string(name, transfer_account_name(42, name)), "account:42");
    transfer_spec s = spec(1, 1, 16, TRANSFER_READ_GET);
    EXPECT_EQ(transfer_total(&s), 16 * TRANSFER_INITIAL_BALANCE);
}

// Moves go between two different accounts, every pair possible, amounts in
// range, and survive packing into a request's tag.
TEST(Transfer, Moves)
{
    rng r;
    rng_seed(&r, 7);
    std::set<std::pair<uint32_t, uint32_t>> pairs;
    for (int i = 0; i < 5000; i++) {
        transfer_move m;
        transfer_pick(&r, 4, &m);
        ASSERT_LT(m.from, 4u);
        ASSERT_LT(m.to, 4u);
        ASSERT_NE(m.from, m.to);
        ASSERT_GE(m.amount, 1u);
        ASSERT_LE(m.amount, (uint32_t)TRANSFER_AMOUNT_MAX);
        pairs.insert({m.from, m.to});
        transfer_move back = transfer_move_unpack(transfer_move_pack(&m));
        EXPECT_EQ(back.from, m.from);
        EXPECT_EQ(back.to, m.to);
        EXPECT_EQ(back.amount, m.amount);
    }
    EXPECT_EQ(pairs.size(), 12u); // 4 x 3 ordered pairs
    transfer_move big = {TRANSFER_ACCOUNTS_MAX - 1, 0, TRANSFER_AMOUNT_MAX};
    transfer_move back = transfer_move_unpack(transfer_move_pack(&big));
    EXPECT_EQ(back.from, big.from);
    EXPECT_EQ(back.amount, big.amount);
}

TEST(Transfer, Commands)
{
    Names n(3);
    transfer_move m = {2, 0, 17};
    bytebuf b{};
    ASSERT_EQ(transfer_append_move(&b, n.names.data(), &m), 0);
    EXPECT_EQ(
        text(b),
        commands(
            {{"MULTI"}, {"DECRBY", "account:2", "17"}, {"INCRBY", "account:0", "17"}, {"EXEC"}}));
    b.len = 0;
    ASSERT_EQ(transfer_append_watch(&b, n.names.data(), &m), 0);
    EXPECT_EQ(text(b), commands({{"WATCH", "account:2", "account:0"},
                                 {"GET", "account:2"},
                                 {"GET", "account:0"}}));
    b.len = 0;
    ASSERT_EQ(transfer_append_commit(&b, n.names.data(), &m, 10, -5), 0);
    EXPECT_EQ(
        text(b),
        commands({{"MULTI"}, {"SET", "account:2", "-7"}, {"SET", "account:0", "12"}, {"EXEC"}}));
    b.len = 0;
    transfer_spec get = spec(1, 1, 3, TRANSFER_READ_GET), mget = spec(1, 1, 3, TRANSFER_READ_MGET);
    ASSERT_EQ(transfer_append_sum(&b, &get, n.names.data()), 0);
    EXPECT_EQ(text(b), commands({{"MULTI"},
                                 {"GET", "account:0"},
                                 {"GET", "account:1"},
                                 {"GET", "account:2"},
                                 {"EXEC"}}));
    b.len = 0;
    ASSERT_EQ(transfer_append_sum(&b, &mget, n.names.data()), 0);
    EXPECT_EQ(text(b),
              commands({{"MULTI"}, {"MGET", "account:0", "account:1", "account:2"}, {"EXEC"}}));
    bytebuf_free(&b);
    // One reply per command: what a connection must have room for.
    EXPECT_EQ(transfer_commands(&get, TRANSFER_MOVER), 4);
    EXPECT_EQ(transfer_commands(&get, TRANSFER_READER), 5);
    EXPECT_EQ(transfer_commands(&mget, TRANSFER_READER), 3);
}

TEST(Transfer, Balances)
{
    long long v = 0;
    stress_reply r = reply(bulk("1234"));
    EXPECT_EQ(transfer_balance_parse(&r, &v), 0);
    EXPECT_EQ(v, 1234);
    r = reply(bulk("-56"));
    EXPECT_EQ(transfer_balance_parse(&r, &v), 0);
    EXPECT_EQ(v, -56);
    r = reply("$-1\r\n");
    EXPECT_EQ(transfer_balance_parse(&r, &v), -ENOENT);
    for (const std::string &bad : {bulk(""), bulk("12a"), bulk(" 1"), bulk("+1"), bulk("-"),
                                   bulk("1234567890123456789"), std::string(":5\r\n")}) {
        r = reply(bad);
        EXPECT_EQ(transfer_balance_parse(&r, &v), -EPROTO) << bad;
    }
}

TEST(Transfer, MoveExec)
{
    stress_reply r = reply("*2\r\n:983\r\n:1017\r\n");
    EXPECT_EQ(transfer_exec_move(&r, false), TRANSFER_COMMITTED);
    EXPECT_EQ(transfer_exec_move(&r, true), TRANSFER_BAD); // a WATCH move SETs
    r = reply("*2\r\n+OK\r\n+OK\r\n");
    EXPECT_EQ(transfer_exec_move(&r, true), TRANSFER_COMMITTED);
    EXPECT_EQ(transfer_exec_move(&r, false), TRANSFER_BAD);
    r = reply("*-1\r\n");
    EXPECT_EQ(transfer_exec_move(&r, true), TRANSFER_ABORTED);
    EXPECT_EQ(transfer_exec_move(&r, false), TRANSFER_BAD); // nothing was watched
    r = reply("_\r\n");                                     // RESP3's nil
    EXPECT_EQ(transfer_exec_move(&r, true), TRANSFER_ABORTED);
    for (const char *bad : {"*1\r\n:1\r\n", "*2\r\n:1\r\n-ERR x\r\n", "+OK\r\n", "*0\r\n"}) {
        r = reply(bad);
        EXPECT_EQ(transfer_exec_move(&r, false), TRANSFER_BAD) << bad;
    }
}

TEST(Transfer, SumExec)
{
    transfer_spec get = spec(1, 1, 3, TRANSFER_READ_GET), mget = spec(1, 1, 3, TRANSFER_READ_MGET);
    long long sum = 0;
    stress_reply r = reply("*3\r\n" + bulk("1000") + bulk("-20") + bulk("1020"));
    ASSERT_EQ(transfer_exec_sum(&get, &r, &sum), 0);
    EXPECT_EQ(sum, 2000);
    EXPECT_LT(transfer_exec_sum(&mget, &r, &sum), 0);           // MGET's is one array inside
    r = reply("*3\r\n" + bulk("1000") + "$-1\r\n" + bulk("7")); // a missing account counts 0
    ASSERT_EQ(transfer_exec_sum(&get, &r, &sum), 0);
    EXPECT_EQ(sum, 1007);
    r = reply("*1\r\n*3\r\n" + bulk("1") + bulk("2") + bulk("3"));
    ASSERT_EQ(transfer_exec_sum(&mget, &r, &sum), 0);
    EXPECT_EQ(sum, 6);
    for (const std::string &bad : {std::string("*2\r\n") + bulk("1") + bulk("2"),
                                   std::string("*3\r\n") + bulk("1") + bulk("x") + bulk("2"),
                                   std::string("*3\r\n") + bulk("1") + ":2\r\n" + bulk("2"),
                                   std::string("*-1\r\n"), std::string("-EXECABORT\r\n")}) {
        r = reply(bad);
        EXPECT_LT(transfer_exec_sum(&get, &r, &sum), 0) << bad;
    }
}
