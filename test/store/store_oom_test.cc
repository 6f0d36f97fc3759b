// Allocation failure (mem_fail_after) at every allocation of a command: the
// reply is Redis's normal answer or our OOM error, and after an OOM error the
// data is exactly as before. Leaks show up under ASan (make SAN=address).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/alloc.h"
#include "store_harness.h"

namespace
{

const char *const kOom = "-OOM out of memory, command not executed\r\n";

// A snapshot of what the test cares about, compared before and after.
using Snapshot = std::function<std::string(Store &)>;

// Runs `line` with the n-th allocation failing, for n = 0, 1, ... until it
// succeeds without an injected failure; each time in a fresh store made by
// `setup`. Returns how many failure points were exercised.
int each_failure_point(const std::function<void(Store &)> &setup, const std::string &line,
                       const std::string &ok_reply, const Snapshot &snapshot)
{
    for (int n = 0; n < 200; n++) {
        Store s(16, 4);
        setup(s);
        // Warm the reply encoder's block cache so its first block is not the
        // allocation that fails (a failing reply closes the connection).
        s.run("PING_WARMUP");
        std::string before = snapshot(s);
        std::vector<std::string> argv = split_command(line); // allocates: not the command's
        mem_fail_after(n);
        std::string reply = s.run_argv(argv);
        long injected = mem_failures_injected();
        mem_fail_reset();
        if (injected == 0) {
            EXPECT_EQ(reply, ok_reply) << line;
            return n;
        }
        // LCS has Redis's own wording for a failed transient allocation.
        bool oom_error = reply == kOom || reply.find("-ERR Insufficient memory") == 0;
        if (oom_error) {
            EXPECT_EQ(snapshot(s), before) << line << " failing allocation " << n;
        } else if (!reply.empty()) {
            // The failure hit something optional (table growth): full success.
            EXPECT_EQ(reply, ok_reply) << line << " failing allocation " << n;
        }
    }
    ADD_FAILURE() << line << " never completed";
    return 0;
}

Snapshot keys_of(std::vector<std::string> keys, int db = 0)
{
    return [keys, db](Store &s) {
        int saved = s.db;
        s.db = db;
        std::string all;
        for (const auto &k : keys)
            all += s.run("GET " + k) + s.run("PTTL " + k) + "|";
        all += s.run("DBSIZE");
        s.db = saved;
        return all;
    };
}

void nothing(Store &) {}

} // namespace

TEST(StoreOom, SetNewAndExisting)
{
    EXPECT_GE(each_failure_point(nothing, "SET k value", "+OK\r\n", keys_of({"k"})), 1);
    auto with_k = [](Store &s) { s.run("SET k old"); };
    each_failure_point(with_k, "SET k value EX 100", "+OK\r\n", keys_of({"k"}));
    each_failure_point(with_k, "SET k value GET", "$3\r\nold\r\n", keys_of({"k"}));
    each_failure_point(nothing, "SET k 12345", "+OK\r\n", keys_of({"k"}));
    each_failure_point(nothing, "SETEX k 10 v", "+OK\r\n", keys_of({"k"}));
}

TEST(StoreOom, AppendAndSetrange)
{
    auto with_k = [](Store &s) {
        s.run("SET k " + std::string(100, 'x'));
        s.run("APPEND k y"); // now a growable buffer
    };
    each_failure_point(with_k, "APPEND k " + std::string(500, 'z'), ":601\r\n", keys_of({"k"}));
    each_failure_point(with_k, "SETRANGE k 1000 abc", ":1003\r\n", keys_of({"k"}));
    each_failure_point(nothing, "APPEND n 12", ":2\r\n", keys_of({"n"}));
    each_failure_point(nothing, "SETRANGE n 3 ab", ":5\r\n", keys_of({"n"}));
    auto with_int = [](Store &s) { s.run("SET i 123"); };
    each_failure_point(with_int, "APPEND i 4", ":4\r\n", keys_of({"i"}));
}

TEST(StoreOom, MultiKeyCommandsAreAllOrNothing)
{
    std::vector<std::string> keys;
    std::string mset = "MSET";
    for (int i = 0; i < 20; i++) {
        keys.push_back("m" + std::to_string(i));
        mset += " m" + std::to_string(i) + " v" + std::to_string(i);
    }
    auto half = [](Store &s) { s.run("MSET m1 old m3 old m5 old"); };
    each_failure_point(half, mset, "+OK\r\n", keys_of(keys));
    each_failure_point(nothing, "MSETNX" + mset.substr(4), ":1\r\n", keys_of(keys));
    each_failure_point(half, "MGET m1 m2 m3", "*3\r\n$3\r\nold\r\n$-1\r\n$3\r\nold\r\n",
                       keys_of(keys));
    each_failure_point(half, "DEL m1 m2 m3 m5 m7 m9 m11 m13 m15 m17", ":3\r\n", keys_of(keys));
}

TEST(StoreOom, RenameCopyMoveExpire)
{
    auto setup = [](Store &s) {
        s.run("SET a va");
        s.run("SET b vb");
        s.run("SET t vt EX 100");
    };
    auto snap = keys_of({"a", "b", "c", "t", "t2"});
    each_failure_point(setup, "RENAME a b", "+OK\r\n", snap);
    each_failure_point(setup, "RENAME t t2", "+OK\r\n", snap);
    each_failure_point(setup, "RENAMENX a c", ":1\r\n", snap);
    each_failure_point(setup, "COPY t c", ":1\r\n", snap);
    each_failure_point(setup, "COPY a b REPLACE", ":1\r\n", snap);
    each_failure_point(setup, "MOVE t 1", ":1\r\n", snap);
    each_failure_point(setup, "COPY t t DB 2", ":1\r\n", keys_of({"t"}, 2));
    each_failure_point(setup, "EXPIRE a 100", ":1\r\n", snap);
    each_failure_point(setup, "GETEX a EX 100", "$2\r\nva\r\n", snap);
    each_failure_point(setup, "INCRBYFLOAT f 1.5", "$3\r\n1.5\r\n", keys_of({"f"}));
    each_failure_point(setup, "INCR n", ":1\r\n", keys_of({"n"}));
}

TEST(StoreOom, WholeDatabaseCommands)
{
    auto setup = [](Store &s) {
        for (int i = 0; i < 30; i++)
            s.run("SET k" + std::to_string(i) + " v");
        s.run("SELECT 1");
        s.run("SET other v");
        s.run("SELECT 0");
    };
    auto snap = [](Store &s) {
        std::string r = s.run("DBSIZE");
        s.db = 1;
        r += s.run("DBSIZE");
        s.db = 0;
        return r;
    };
    each_failure_point(setup, "FLUSHDB", "+OK\r\n", snap);
    each_failure_point(setup, "FLUSHALL", "+OK\r\n", snap);
    each_failure_point(setup, "SWAPDB 0 1", "+OK\r\n", snap);
    each_failure_point(setup, "LCS k1 k2", "$1\r\nv\r\n", snap);
    each_failure_point(setup, "SCAN 0 MATCH other COUNT 1000", "*2\r\n$1\r\n0\r\n*0\r\n", snap);
}

// Growing the table is optional: when it fails, inserts go on at a higher
// load factor and every key stays reachable.
TEST(StoreOom, TableGrowthFailureLosesNothing)
{
    Store s(1, 1);
    s.run("PING_WARMUP");
    s.run("SET first 1"); // the table's first buckets
    const int n = 5000;
    for (int i = 0; i < n; i++) {
        // Integer values need no buffer: the entry is allocation 0, a growth
        // of the bucket array would be allocation 1, which fails.
        std::vector<std::string> argv = {"SET", "key:" + std::to_string(i), std::to_string(i)};
        mem_fail_after(1);
        std::string r = s.run_argv(argv);
        mem_fail_reset();
        ASSERT_EQ(r, "+OK\r\n") << i;
    }
    for (int i = 0; i < n; i++)
        ASSERT_EQ(s.run("GET key:" + std::to_string(i)),
                  "$" + std::to_string(std::to_string(i).size()) + "\r\n" + std::to_string(i) +
                      "\r\n");
    EXPECT_EQ(s.run("DBSIZE"), ":5001\r\n");
    // Once memory is back, the table grows and rehashes as usual.
    for (int i = n; i < 2 * n; i++)
        s.run("SET key:" + std::to_string(i) + " v");
    EXPECT_EQ(s.run("DBSIZE"), ":10001\r\n");
}

namespace
{

// A list's contents (and its neighbours'), for snapshots of list commands.
Snapshot lists_of(std::vector<std::string> keys)
{
    return [keys](Store &s) {
        std::string all;
        for (const auto &k : keys)
            all += s.run("TYPE " + k) + s.run("LRANGE " + k + " 0 -1") + "|";
        return all + s.run("DBSIZE");
    };
}

} // namespace

TEST(StoreOom, ListCommandsChangeNothingWhenTheyFail)
{
    auto with_lists = [](Store &s) {
        s.run("CONFIG_NOOP");
        s.run("RPUSH l a b c 1 2 3");
        s.run("RPUSH m x");
    };
    auto lists = lists_of({"l", "m", "n"});
    EXPECT_GE(each_failure_point(nothing, "RPUSH n a b c", ":3\r\n", lists), 1);
    each_failure_point(with_lists, "LPUSH l x y z", ":9\r\n", lists);
    each_failure_point(with_lists, "LSET l 1 replaced", "+OK\r\n", lists);
    each_failure_point(with_lists, "LINSERT l BEFORE c new", ":7\r\n", lists);
    each_failure_point(with_lists, "LMOVE l n LEFT RIGHT", "$1\r\na\r\n", lists);
    each_failure_point(with_lists, "RPOPLPUSH l l", "$1\r\n3\r\n", lists);
    each_failure_point(with_lists, "LMOVE l m RIGHT LEFT", "$1\r\n3\r\n", lists);
    each_failure_point(with_lists, "COPY l n", ":1\r\n", lists);
}

TEST(StoreOom, BitmapsAndHyperLogLog)
{
    auto setup = [](Store &s) {
        s.run("SET k foobar");
        s.run("SETBIT b 100 1"); // a growable buffer
        s.run("PFADD h a b c");
        s.run("PFADD h2 x y");
    };
    auto snap = keys_of({"k", "b", "new", "dest", "h", "h2", "fresh", "m"});
    each_failure_point(setup, "SETBIT k 3 1", ":0\r\n", snap);
    each_failure_point(setup, "SETBIT new 1000 1", ":0\r\n", snap);
    each_failure_point(setup, "SETBIT b 2000 1", ":0\r\n", snap);
    each_failure_point(setup, "BITOP OR dest k b", ":13\r\n", snap);
    each_failure_point(setup, "BITOP AND k missing", ":0\r\n", snap);
    each_failure_point(setup, "BITFIELD k INCRBY u8 0 1 SET u4 #3 2", "*2\r\n:103\r\n:15\r\n",
                       snap);
    each_failure_point(setup, "BITFIELD b SET u8 200 7", "*1\r\n:0\r\n", snap);
    each_failure_point(setup, "PFADD h d e f", ":1\r\n", snap);
    each_failure_point(setup, "PFADD fresh a", ":1\r\n", snap);
    each_failure_point(setup, "PFMERGE m h h2", "+OK\r\n", snap);
    each_failure_point(setup, "PFCOUNT h", ":3\r\n", snap);
    each_failure_point(setup, "PFCOUNT h h2", ":5\r\n", snap);
    auto dense = [](Store &s) {
        std::string add = "PFADD hd";
        for (int i = 0; i < 3000; i++)
            add += " e" + std::to_string(i);
        s.run(add); // dense, in a growable buffer: later adds edit it in place
    };
    each_failure_point(dense, "PFADD hd x y z", ":1\r\n", keys_of({"hd"}));
}
