// Allocation failure (mem_fail_after) at every allocation of a hash
// command: the reply is Redis's normal answer or our OOM error, and after an
// OOM error every hash holds exactly the fields and values it held before
// (HSET with many pairs included: all or nothing, on both encodings).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "core/alloc.h"
#include "store_harness.h"

namespace
{

const char *const kOom = "-OOM out of memory, command not executed\r\n";

// The bulk strings of a flat RESP2 array reply.
std::vector<std::string> bulks(const std::string &reply)
{
    std::vector<std::string> out;
    size_t at = reply.find("\r\n") + 2;
    while (at < reply.size() && reply[at] == '$') {
        size_t eol = reply.find("\r\n", at);
        size_t len = std::stoul(reply.substr(at + 1, eol - at - 1));
        out.push_back(reply.substr(eol + 2, len));
        at = eol + 2 + len + 2;
    }
    return out;
}

// Every key's fields and values, sorted (a table's order may move).
std::string snapshot(Store &s, const std::vector<std::string> &keys)
{
    std::string all;
    for (const auto &k : keys) {
        auto b = bulks(s.run("HGETALL " + k));
        std::vector<std::string> pairs;
        for (size_t i = 0; i + 1 < b.size(); i += 2)
            pairs.push_back(b[i] + "=" + b[i + 1]);
        std::sort(pairs.begin(), pairs.end());
        all += k + ":";
        for (const auto &p : pairs)
            all += p + ",";
        all += s.run("TYPE " + k) + ";";
    }
    return all;
}

int each_failure_point(const std::function<void(Store &)> &setup, const std::string &line,
                       const std::string &ok_reply, const std::vector<std::string> &keys)
{
    for (int n = 0; n < 500; n++) {
        Store s(16, 4);
        setup(s);
        s.run("PING_WARMUP"); // the reply encoder's first block
        std::string before = snapshot(s, keys);
        std::vector<std::string> argv = split_command(line);
        mem_fail_after(n);
        std::string reply = s.run_argv(argv);
        long injected = mem_failures_injected();
        mem_fail_reset();
        if (injected == 0) {
            EXPECT_EQ(reply, ok_reply) << line;
            return n;
        }
        if (reply == kOom) {
            EXPECT_EQ(snapshot(s, keys), before) << line << " failing allocation " << n;
        } else if (!reply.empty()) {
            EXPECT_EQ(reply, ok_reply) << line << " failing allocation " << n;
        }
    }
    ADD_FAILURE() << line << " never completed";
    return 0;
}

std::string many_fields(int n, const std::string &prefix)
{
    std::string line;
    for (int i = 0; i < n; i++)
        line += " " + prefix + std::to_string(i) + " v" + std::to_string(i);
    return line;
}

TEST(HashOom, EveryAllocationOfEveryWrite)
{
    // hash-max-listpack-entries 8 keeps the tables small (and the failure
    // points few).
    auto small = [](Store &s) {
        keyspace_set_hash_config(s.ks, 8, 64);
        s.run("HSET h a 1 b 2 n 10");
    };
    auto big = [](Store &s) {
        keyspace_set_hash_config(s.ks, 8, 64);
        s.run("HSET h" + many_fields(30, "f"));
    };
    struct {
        std::function<void(Store &)> setup;
        std::string line, reply;
    } cases[] = {
        {small, "HSET h c 3 a 11 d 4", ":2\r\n"},
        {small, "HSET fresh x 1 y 2", ":2\r\n"},
        {small, "HMSET h a x " + std::string(100, 'z') + " long", "+OK\r\n"},
        {small, "HSET h" + many_fields(30, "g"), ":30\r\n"},
        {big, "HSET h f1 changed-length new 1 f2 x f1 again", ":1\r\n"},
        {big, "HSET h" + many_fields(20, "g"), ":20\r\n"},
        {small, "HSETNX h c 3", ":1\r\n"},
        {big, "HSETNX h c 3", ":1\r\n"},
        {small, "HINCRBY h n 5", ":15\r\n"},
        {big, "HINCRBY h new 5", ":5\r\n"},
        {small, "HINCRBYFLOAT h n 0.5", "$4\r\n10.5\r\n"},
        {small, "HDEL h a b", ":2\r\n"},
        {big, "HDEL h f1 f2", ":2\r\n"},
        {big, "COPY h h2", ":1\r\n"},
        {small, "COPY h h2", ":1\r\n"},
    };
    int points = 0;
    for (auto &c : cases)
        points += each_failure_point(c.setup, c.line, c.reply, {"h", "h2", "fresh"});
    EXPECT_GT(points, 20); // the failures were really injected
}

} // namespace
