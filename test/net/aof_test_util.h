// Helpers of the append-only file's tests (aof_test.cc, aof_rewrite_test.cc):
// a temporary directory for the log, a server with a client, INFO fields,
// and a writer that counts the increments acknowledged.
#ifndef MAGPIE_TEST_NET_AOF_TEST_UTIL_H
#define MAGPIE_TEST_NET_AOF_TEST_UTIL_H

#include "test/net/server_fixture.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>
#include <unistd.h>

namespace aof_test
{

using testing_server::RespClient;
using testing_server::ServerProcess;

inline bool have_server()
{
    return !testing_server::server_binary().empty() &&
           access(testing_server::server_binary().c_str(), X_OK) == 0;
}

struct AofDir {
    std::string path;
    AofDir()
    {
        char tmpl[] = "/tmp/magpie-aof-test-XXXXXX";
        path = mkdtemp(tmpl) ? tmpl : "";
    }
    ~AofDir()
    {
        if (!path.empty())
            (void)system(("rm -rf " + path).c_str());
    }
    std::string dir() const
    {
        return path + "/appendonlydir";
    }
    std::string read(const std::string &name) const
    {
        std::ifstream in(dir() + "/" + name, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    void write(const std::string &name, const std::string &bytes) const
    {
        std::ofstream(dir() + "/" + name, std::ios::binary) << bytes;
    }
    std::vector<std::string> args(const std::string &fsync = "always") const
    {
        return {"--threads",     "2",   "--appendonly",    "yes",
                "--appendfsync", fsync, "--appenddirname", dir()};
    }
};

inline constexpr char kIncr[] = "appendonly.aof.1.incr.aof";

inline std::string info_field(RespClient &c, const std::string &field)
{
    std::string info = c.call({"INFO", "persistence"});
    size_t at = info.find(field + ":");
    if (at == std::string::npos)
        return "";
    at += field.size() + 1;
    return info.substr(at, info.find("\r\n", at) - at);
}

inline bool wait_until(const std::function<bool()> &pred, int ms = 10000)
{
    for (int i = 0; i < ms / 10; i++) {
        if (pred())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

// A server and a client connected to it.
struct Connected {
    ServerProcess server;
    RespClient client;
    bool start(const std::vector<std::string> &args)
    {
        return server.start(args) && client.connect(server.port);
    }
};

// key:<batch>:<i>, 100K of them: enough that a save is still running when
// the next command of the same pipeline comes.
inline void fill_100k_keys(RespClient &c)
{
    for (int batch = 0; batch < 10; batch++) {
        std::vector<std::string> mset = {"MSET"};
        for (int i = 0; i < 10000; i++) {
            mset.push_back("key:" + std::to_string(batch) + ":" + std::to_string(i));
            mset.push_back("value");
        }
        ASSERT_EQ(c.call(mset), "+OK\r\n");
    }
}

// INCR on counters spread over the shards, from a thread of its own, until
// finish(); counts the increments acknowledged per counter.
class IncrWriter
{
  public:
    static constexpr int kCounters = 16;
    explicit IncrWriter(int port) : thread_([this, port] { run(port); }) {}
    ~IncrWriter()
    {
        finish();
    }
    void finish()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    long total() const
    {
        long sum = 0;
        for (long n : acked_)
            sum += n;
        return sum;
    }
    // Each counter on the server at `port` equals its acknowledged count.
    void expect_counters(int port) const
    {
        RespClient r;
        ASSERT_TRUE(r.connect(port));
        for (int i = 0; i < kCounters; i++) {
            std::string want = acked_[i] ? std::to_string(acked_[i]) : "";
            std::string reply = r.call({"GET", key(i)});
            EXPECT_EQ(reply, acked_[i] ? "$" + std::to_string(want.size()) + "\r\n" + want + "\r\n"
                                       : "$-1\r\n")
                << key(i);
        }
    }

  private:
    static std::string key(int i)
    {
        return "counter:" + std::to_string(i);
    }
    void run(int port)
    {
        RespClient w;
        if (!w.connect(port))
            return;
        for (long n = 0; !stop_.load(); n++) {
            int i = (int)(n % kCounters);
            if (w.call({"INCR", key(i)})[0] == ':')
                acked_[i]++;
        }
    }
    std::atomic<bool> stop_{false};
    long acked_[kCounters] = {};
    std::thread thread_;
};

inline std::string read_file(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace aof_test

#endif
