// What the RDB tests share (rdb_test.cc, rdb_snapshot_test.cc): saving a
// Store to a whole file and loading one, a key's contents in a form that
// ignores member order, and a keyspace with every type and encoding.
#ifndef MAGPIE_TEST_STORE_RDB_TEST_UTIL_H
#define MAGPIE_TEST_STORE_RDB_TEST_UTIL_H

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/rdb.h"
#include "store_harness.h"

// The bulk's bytes of a "$n\r\n...\r\n" reply.
inline std::string bulk(const std::string &reply)
{
    size_t nl = reply.find("\r\n");
    if (reply[0] != '$' || nl == std::string::npos)
        return "";
    return reply.substr(nl + 2, reply.size() - nl - 4);
}

inline std::string save(Store &s, bool compress = true, bool checksum = true)
{
    struct rdb_writer w;
    rdb_writer_init(&w, nullptr, nullptr, compress);
    struct rdb_save_options opt = {compress, checksum, false, 0, s.now_ms, nullptr, nullptr};
    EXPECT_EQ(rdb_save_keyspace(s.ks, &w, &opt), 0);
    std::string out((const char *)w.mem, w.used);
    rdb_writer_release(&w);
    return out;
}

inline int load(Store &s, const std::string &file, std::string *err = nullptr)
{
    struct rdb_error e = {};
    int rc = rdb_load_buffer(s.ks, file.data(), file.size(), s.now_ms, nullptr, &e, nullptr);
    if (err)
        *err = e.message;
    return rc;
}

// A key's contents in a form that ignores member order.
inline std::string canon(Store &s, const std::string &key)
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

inline void populate(Store &s)
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

#endif
