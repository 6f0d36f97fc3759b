// The --transfer --verify checker as a pure module: sums that change, a
// final total that changed, balances a committed move does not explain,
// moves in doubt, and logs that cannot be trusted.
#include "tools/stress/transfer.h"
#include "tools/stress/verify_transfer.h"

#include <gtest/gtest.h>

#include <vector>

namespace
{

constexpr uint32_t ACCOUNTS = 4;
constexpr long long TOTAL = ACCOUNTS * TRANSFER_INITIAL_BALANCE;

class Logs
{
  public:
    explicit Logs(size_t count) : logs_(count)
    {
        for (size_t i = 0; i < count; i++)
            EXPECT_EQ(transfer_log_init(&logs_[i], (uint32_t)i, ACCOUNTS, TOTAL), 0);
        for (auto &b : balances_)
            b = TRANSFER_INITIAL_BALANCE;
    }
    ~Logs()
    {
        for (auto &l : logs_)
            transfer_log_free(&l);
    }
    Logs(const Logs &) = delete;
    Logs &operator=(const Logs &) = delete;

    // A committed move by connection `log`, applied to the "server".
    void move(size_t log, uint32_t from, uint32_t to, uint32_t amount)
    {
        transfer_log_committed(&logs_[log], from, to, amount);
        balances_[from] -= amount;
        balances_[to] += amount;
    }
    transfer_log &log(size_t i)
    {
        return logs_[i];
    }
    long long &balance(uint32_t account)
    {
        return balances_[account];
    }
    long long sum() const
    {
        long long s = 0;
        for (long long b : balances_)
            s += b;
        return s;
    }
    transfer_verify_result check(int expect_rc = 0)
    {
        transfer_verify_result r;
        EXPECT_EQ(transfer_verify_check(logs_.data(), logs_.size(), ACCOUNTS, TOTAL, balances_, &r),
                  expect_rc);
        return r;
    }

  private:
    std::vector<transfer_log> logs_;
    long long balances_[ACCOUNTS];
};

} // namespace

TEST(VerifyTransfer, MovesThatAddUpAreClean)
{
    Logs l(3); // two movers and a reader
    l.move(0, 0, 1, 30);
    l.move(1, 1, 2, 50);
    transfer_log_sum(&l.log(2), l.sum());
    l.move(0, 3, 0, 7);
    transfer_log_watch_retry(&l.log(1));
    transfer_log_sum(&l.log(2), l.sum());
    transfer_verify_result r = l.check();
    EXPECT_EQ(r.violations, 0u);
    EXPECT_EQ(r.balances_wrong, 0u);
    EXPECT_TRUE(r.balances_checked);
    EXPECT_EQ(r.committed, 3u);
    EXPECT_EQ(r.sums, 2u);
    EXPECT_EQ(r.watch_retries, 1u);
    EXPECT_EQ(r.final_total, TOTAL);
}

// A reader that saw half a move (DECRBY done, INCRBY not yet) read a sum
// that is not the total: every such sum is a violation.
TEST(VerifyTransfer, TornSumsAreViolations)
{
    Logs l(2);
    l.move(0, 0, 1, 30);
    transfer_log_sum(&l.log(1), TOTAL - 30);
    transfer_log_sum(&l.log(1), TOTAL);
    transfer_log_sum(&l.log(1), TOTAL + 5);
    transfer_verify_result r = l.check();
    EXPECT_EQ(r.violations, 2u);
    EXPECT_EQ(r.first_bad_sum, TOTAL - 30);
    EXPECT_EQ(r.balances_wrong, 0u);
}

// Money that left outside any move (the sabotage's DECRBY): the final
// total is a violation, and the account it left is wrong.
TEST(VerifyTransfer, MoneyLeftOutsideAMove)
{
    Logs l(1);
    l.move(0, 0, 1, 30);
    l.balance(2) -= 37;
    transfer_verify_result r = l.check();
    EXPECT_EQ(r.violations, 1u);
    EXPECT_EQ(r.final_total, TOTAL - 37);
    EXPECT_EQ(r.first_bad_sum, TOTAL - 37);
    EXPECT_EQ(r.balances_wrong, 1u);
}

// A committed move the server lost entirely keeps the total, but not the
// balances; so does one it ran twice.
TEST(VerifyTransfer, LostOrRepeatedMovesAreWrongBalances)
{
    Logs l(1);
    l.move(0, 0, 1, 30);
    l.balance(0) += 30; // lost
    l.balance(1) -= 30;
    transfer_verify_result r = l.check();
    EXPECT_EQ(r.violations, 0u);
    EXPECT_EQ(r.balances_wrong, 2u);

    Logs twice(1);
    twice.move(0, 2, 3, 10);
    twice.balance(2) -= 10; // run again
    twice.balance(3) += 10;
    EXPECT_EQ(twice.check().balances_wrong, 2u);
}

// A move whose EXEC never answered may or may not have run: the balances
// cannot be checked, the invariant still can.
TEST(VerifyTransfer, MovesInDoubtSkipTheBalances)
{
    Logs l(1);
    l.move(0, 0, 1, 30);
    transfer_log_in_doubt(&l.log(0));
    l.balance(2) -= 5; // it ran: 5 from 2 to 3
    l.balance(3) += 5;
    transfer_verify_result r = l.check();
    EXPECT_FALSE(r.balances_checked);
    EXPECT_EQ(r.balances_wrong, 0u);
    EXPECT_EQ(r.violations, 0u);
    EXPECT_EQ(r.in_doubt, 1u);
}

TEST(VerifyTransfer, ProtocolErrorsAreCounted)
{
    Logs l(2);
    transfer_log_protocol_error(&l.log(0));
    transfer_log_protocol_error(&l.log(1));
    transfer_log_committed(&l.log(0), ACCOUNTS, 0, 1); // an account out of range
    EXPECT_EQ(l.check().protocol_errors, 3u);
}

TEST(VerifyTransfer, BrokenLogsAreRefused)
{
    {
        Logs l(2);
        l.log(1).oom = true;
        l.check(-EINVAL);
    }
    {
        Logs l(2);
        l.log(1).id = 0;
        l.check(-EINVAL);
    }
    {
        Logs l(1);
        l.log(0).total = TOTAL + 1; // made for another run
        l.check(-EINVAL);
    }
}
