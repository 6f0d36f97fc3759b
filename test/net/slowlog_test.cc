// The slow log (net/slowlog.h): Redis's truncation and trimming rules, and
// entries recorded from many threads at once (in the test process, and from
// every worker of a real server) with none lost, none torn, ids unique and
// each client's entries in its order. Under TSan (make tests SAN=thread) the
// concurrent tests check that recording needs no lock beyond the log's own.
#include "net/slowlog.h"

#include "test/common/outbuf_drain.h"
#include "test/net/server_fixture.h"

#include <atomic>
#include <map>
#include <thread>

namespace
{
struct Entry {
    long long id = 0, unix_seconds = 0, duration = 0;
    std::vector<std::string> argv;
    std::string peer, name;
};

// A minimal reader for SLOWLOG GET's RESP2 shape.
class Reader
{
  public:
    explicit Reader(std::string s) : s_(std::move(s)) {}
    std::string line(char type)
    {
        EXPECT_EQ(s_[pos_], type) << "at " << pos_;
        size_t end = s_.find("\r\n", pos_);
        std::string v = s_.substr(pos_ + 1, end - pos_ - 1);
        pos_ = end + 2;
        return v;
    }
    long long integer(char type = ':')
    {
        return std::stoll(line(type));
    }
    std::string bulk()
    {
        size_t n = (size_t)integer('$');
        std::string v = s_.substr(pos_, n);
        pos_ += n + 2;
        return v;
    }
    std::vector<Entry> entries()
    {
        std::vector<Entry> out((size_t)integer('*'));
        for (Entry &e : out) {
            EXPECT_EQ(integer('*'), 6);
            e.id = integer();
            e.unix_seconds = integer();
            e.duration = integer();
            e.argv.resize((size_t)integer('*'));
            for (std::string &a : e.argv)
                a = bulk();
            e.peer = bulk();
            e.name = bulk();
        }
        EXPECT_EQ(pos_, s_.size());
        return out;
    }

  private:
    std::string s_;
    size_t pos_ = 0;
};

std::vector<Entry> get(struct slowlog *log, long long count)
{
    struct outbuf out;
    outbuf_init(&out);
    struct reply r = {&out, 2};
    slowlog_reply(log, &r, count);
    std::string bytes = outbuf_drain(&out);
    outbuf_free(&out);
    return Reader(bytes).entries();
}

void push(struct slowlog *log, long long max_len, const std::vector<std::string> &args,
          const char *name = "")
{
    std::vector<struct resp_arg> argv(args.size());
    for (size_t i = 0; i < args.size(); i++)
        argv[i] = resp_arg{args[i].data(), args[i].size(), nullptr};
    struct slowlog_origin origin = {1700000000, 42, "127.0.0.1:5000", name};
    slowlog_push(log, max_len, (int)argv.size(), argv.data(), nullptr, &origin);
}

TEST(Slowlog, TruncatesLikeRedis)
{
    struct slowlog *log = slowlog_new();
    std::vector<std::string> args = {"DEL"};
    for (int i = 0; i < 40; i++)
        args.push_back(std::string(200, (char)('a' + i % 26)));
    push(log, 128, args, "me");
    push(log, 128, {"SET", std::string(128, 'x'), std::string(129, 'y')});
    auto got = get(log, -1);
    ASSERT_EQ(got.size(), 2u);
    const Entry &del = got[1];
    EXPECT_EQ(del.id, 0);
    EXPECT_EQ(del.unix_seconds, 1700000000);
    EXPECT_EQ(del.duration, 42);
    EXPECT_EQ(del.peer, "127.0.0.1:5000");
    EXPECT_EQ(del.name, "me");
    ASSERT_EQ(del.argv.size(), 32u);
    EXPECT_EQ(del.argv[0], "DEL");
    EXPECT_EQ(del.argv[1], std::string(128, 'a') + "... (72 more bytes)");
    EXPECT_EQ(del.argv[30], std::string(128, 'a' + 29 % 26) + "... (72 more bytes)");
    EXPECT_EQ(del.argv[31], "... (10 more arguments)");
    const Entry &set = got[0];
    EXPECT_EQ(set.id, 1);
    EXPECT_EQ(set.argv[1], std::string(128, 'x'));
    EXPECT_EQ(set.argv[2], std::string(128, 'y') + "... (1 more bytes)");
    EXPECT_EQ(set.name, "");
    slowlog_free(log);
}

TEST(Slowlog, KeepsTheNewestAndTrimsWhenTheLengthShrinks)
{
    struct slowlog *log = slowlog_new();
    for (int i = 0; i < 5; i++)
        push(log, 10, {"ECHO", std::to_string(i)});
    EXPECT_EQ(slowlog_len(log), 5u);
    slowlog_trim(log, 10);
    EXPECT_EQ(slowlog_len(log), 5u);
    slowlog_trim(log, 3);
    auto got = get(log, 10);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].argv[1], "4");
    EXPECT_EQ(got[2].argv[1], "2");
    EXPECT_EQ(get(log, 1).size(), 1u);
    push(log, 0, {"ECHO", "gone"}); // max 0: logged and dropped at once
    EXPECT_EQ(slowlog_len(log), 0u);
    slowlog_reset(log);
    push(log, 10, {"ECHO", "after"});
    got = get(log, -1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, 6); // ids keep counting through drops and resets
    slowlog_free(log);
}

// Many threads push while others read, trim and reset: no entry is torn,
// the length bound holds, and in a final round without resets every entry
// is there once, each thread's in its order.
TEST(Slowlog, ManyThreadsRecordAtOnce)
{
    struct slowlog *log = slowlog_new();
    const int threads = 6, per_thread = 1500;
    std::atomic<bool> stop{false};
    std::thread reader([&] {
        while (!stop.load()) {
            for (const Entry &e : get(log, 50))
                ASSERT_EQ(e.argv.size(), 3u);
            slowlog_trim(log, 100);
            EXPECT_LE(slowlog_len(log), 201u + threads);
            slowlog_reset(log);
        }
    });
    auto writers = [&](long long max_len) {
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; t++)
            ts.emplace_back([&, t] {
                for (int i = 0; i < per_thread; i++)
                    push(log, max_len, {"SET", "t" + std::to_string(t), std::to_string(i)});
            });
        for (auto &th : ts)
            th.join();
    };
    writers(200);
    stop = true;
    reader.join();
    slowlog_reset(log);
    writers(1000000);
    auto got = get(log, -1);
    ASSERT_EQ(got.size(), (size_t)threads * per_thread);
    std::map<std::string, int> next; // per thread: the next i expected, oldest first
    long long last_id = -1;
    for (auto it = got.rbegin(); it != got.rend(); ++it) {
        EXPECT_GT(it->id, last_id);
        last_id = it->id;
        EXPECT_EQ(it->argv[2], std::to_string(next[it->argv[1]]++));
    }
    for (const auto &kv : next)
        EXPECT_EQ(kv.second, per_thread) << kv.first;
    slowlog_free(log);
}

// A real server: clients served by different workers, every command logged.
class SlowlogServer : public ServerTest
{
    std::vector<std::string> server_args() override
    {
        return {"--threads", "4", "--slowlog-log-slower-than", "0", "--slowlog-max-len", "1000000"};
    }
};

TEST_F(SlowlogServer, EveryWorkerRecordsEachClientsCommandsInOrder)
{
    const int clients = 8, per_client = 150;
    std::vector<std::string> addrs(clients);
    std::vector<std::thread> ts;
    for (int t = 0; t < clients; t++)
        ts.emplace_back([&, t] {
            auto c = client();
            EXPECT_EQ(c->call({"CLIENT", "SETNAME", "c" + std::to_string(t)}), "+OK\r\n");
            std::string info = c->call({"CLIENT", "INFO"});
            size_t at = info.find("addr=") + 5;
            addrs[t] = info.substr(at, info.find(' ', at) - at);
            for (int i = 0; i < per_client; i++)
                EXPECT_EQ(c->call({"SET", "k" + std::to_string(t), std::to_string(i)}), "+OK\r\n");
        });
    for (auto &th : ts)
        th.join();
    auto c = client();
    std::string reply = c->call({"SLOWLOG", "GET", "-1"}, 30000);
    auto got = Reader(reply.substr(0)).entries();
    std::map<std::string, int> next;
    int sets = 0;
    for (auto it = got.rbegin(); it != got.rend(); ++it) {
        if (it->argv[0] != "SET")
            continue;
        sets++;
        int t = std::stoi(it->argv[1].substr(1));
        EXPECT_EQ(it->argv[2], std::to_string(next[it->argv[1]]++));
        EXPECT_EQ(it->name, "c" + std::to_string(t));
        EXPECT_EQ(it->peer, addrs[t]);
    }
    EXPECT_EQ(sets, clients * per_client);
    EXPECT_EQ(c->call({"SLOWLOG", "LEN"}), ":" + std::to_string(got.size() + 1) + "\r\n");
}
} // namespace
