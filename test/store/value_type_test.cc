// Value types plug in through value_type_ops (store/value.h): the tests'
// own "probe" type works with every generic key command without any change
// to the table or the entry, and lock-free readers never dereference it.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/ebr.h"
#include "probe_type.h"
#include "store_harness.h"

namespace
{

class ProbeType : public ::testing::Test
{
  protected:
    Store s;

    static void SetUpTestSuite()
    {
        probe_type_register();
    }

    void put(const std::string &key, const std::string &data)
    {
        ASSERT_EQ(probe_put(s.ks, s.db, key.data(), key.size(), data.data(), data.size(), s.now_ms),
                  0);
    }
    std::string read(const std::string &key, int db = -1)
    {
        char buf[256];
        int n = probe_read(s.ks, db < 0 ? s.db : db, key.data(), key.size(), s.now_ms, buf,
                           sizeof(buf));
        return n < 0 ? "error " + std::to_string(n) : std::string(buf, (size_t)n);
    }
};

} // namespace

TEST_F(ProbeType, GenericKeyCommandsHandleIt)
{
    put("p", "payload");
    EXPECT_EQ(s.run("TYPE p"), "+probe\r\n");
    EXPECT_EQ(s.run("GET p"), kWrongType);
    EXPECT_EQ(s.run("MGET p"), "*1\r\n$-1\r\n");
    EXPECT_EQ(s.run("EXISTS p"), ":1\r\n");

    EXPECT_EQ(s.run("COPY p q"), ":1\r\n");
    EXPECT_EQ(read("q"), "payload");
    EXPECT_EQ(s.run("RENAME q r"), "+OK\r\n");
    EXPECT_EQ(read("r"), "payload");
    EXPECT_EQ(read("q"), "error -2");
    EXPECT_EQ(s.run("MOVE r 4"), ":1\r\n");
    EXPECT_EQ(read("r", 4), "payload");

    put("other", "x");
    EXPECT_EQ(s.run("SET str v"), "+OK\r\n");
    std::string probes = s.run("SCAN 0 TYPE probe COUNT 100"); // in hash order
    EXPECT_TRUE(probes == "*2\r\n$1\r\n0\r\n*2\r\n$5\r\nother\r\n$1\r\np\r\n" ||
                probes == "*2\r\n$1\r\n0\r\n*2\r\n$1\r\np\r\n$5\r\nother\r\n")
        << probes;
    EXPECT_EQ(s.run("SCAN 0 TYPE string COUNT 100"), "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nstr\r\n");

    EXPECT_EQ(s.run("DEL p"), ":1\r\n");
    EXPECT_EQ(s.run("EXISTS p"), ":0\r\n");
    EXPECT_EQ(s.run("SET other v"), "+OK\r\n"); // overwritten by a string: the probe goes
    ebr_drain();
    EXPECT_EQ(probe_live_count(), 1); // r in db 4
    EXPECT_EQ(s.run("FLUSHALL"), "+OK\r\n");
    ebr_drain();
    EXPECT_EQ(probe_live_count(), 0);
}

TEST_F(ProbeType, ExpiresLikeAnyValue)
{
    put("p", "payload");
    EXPECT_EQ(s.run("PEXPIRE p 100"), ":1\r\n");
    EXPECT_EQ(s.run("PTTL p"), ":100\r\n");
    s.now_ms += 101;
    EXPECT_EQ(s.run("TYPE p"), "+none\r\n");
    put("q", "x");
    EXPECT_EQ(s.run("PEXPIRE q 100"), ":1\r\n");
    s.now_ms += 101;
    EXPECT_EQ(keyspace_expire_cycle(s.ks, s.now_ms, 1000000000ull), 1u); // active expiry
    ebr_drain();
    EXPECT_EQ(probe_live_count(), 0);
}

// Aggregates are freed as soon as they leave the table, with no EBR grace
// period (value.h): correct only if no lock-free reader ever dereferences
// one. Readers hammer the lock-free paths (GET, MGET, TYPE, EXISTS, TTL)
// while writers replace and delete probes; the probe's free poisons and
// frees, so a reader that touched one would be caught (ASan: use after
// free; otherwise the magic check aborts).
TEST_F(ProbeType, LockFreeReadersNeverDereferenceIt)
{
    std::atomic<bool> stop{false};
    std::atomic<long> reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; r++)
        readers.emplace_back([&] {
            int db = 0;
            const std::vector<std::vector<std::string>> cmds = {{"GET", "p"},
                                                                {"MGET", "p", "q"},
                                                                {"TYPE", "p"},
                                                                {"EXISTS", "p", "q"},
                                                                {"TTL", "q"}};
            while (!stop)
                for (const auto &cmd : cmds) {
                    run_on(s.ks, &db, s.now_ms, cmd);
                    reads++;
                }
        });
    for (int i = 0; i < 20000 || reads < 20000; i++) {
        put(i % 2 ? "p" : "q", std::to_string(i));
        if (i % 7 == 0)
            s.run("DEL p");
        if (i % 11 == 0)
            s.run("SET q string");
    }
    stop = true;
    for (auto &t : readers)
        t.join();
    EXPECT_GT(reads.load(), 0);
    s.run("FLUSHALL");
    ebr_drain();
    EXPECT_EQ(probe_live_count(), 0);
}
