// The write hook (store/events.h): every command that changes a key
// announces it, with the right db and key, and nothing else does; the
// canonical forms commands log; the debug check on unannounced changes.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/events.h"
#include "command_samples.h"
#include "store_harness.h"

extern "C" int store_test_change_silently(struct keyspace *ks, const char *key, size_t len);

namespace
{

struct Seen {
    int db;
    std::string key; // "" for a whole-shard event
    bool whole_shard;
    std::string name;
};

struct Recorder {
    std::vector<Seen> events;
    std::vector<std::vector<std::string>> records;

    static void on_key(void *ctx, const struct key_event *ev)
    {
        auto *r = static_cast<Recorder *>(ctx);
        r->events.push_back(
            {ev->db, ev->key ? std::string(ev->key, ev->key_len) : "", !ev->key, ev->name});
    }
    static void on_command(void *ctx, const struct command_record *rec)
    {
        auto *r = static_cast<Recorder *>(ctx);
        std::vector<std::string> argv;
        for (int i = 0; i < rec->argc; i++)
            argv.emplace_back(rec->argv[i].ptr, rec->argv[i].len);
        r->records.push_back(argv);
    }
    void watch(struct keyspace *ks)
    {
        ASSERT_EQ(keyspace_observe_keys(ks, on_key, this), 0);
        ASSERT_EQ(keyspace_observe_commands(ks, on_command, this), 0);
    }
    void clear()
    {
        events.clear();
        records.clear();
    }
};

const int kDb = 3;

class WriteHook : public ::testing::Test
{
  protected:
    Store s;
    Recorder rec;

    void SetUp() override
    {
        s.db = kDb;
        rec.watch(s.ks);
    }

    void setup_keys()
    {
        for (const char *line : kSetup)
            ASSERT_NE(s.run(line).substr(0, 1), "-") << line;
        rec.clear();
    }
};

} // namespace

TEST_F(WriteHook, EveryStoreCommandHasASample)
{
    // A command added without a sample here fails this test: write one, and
    // the tests below check its hook.
    for (int i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        EXPECT_TRUE(kSamples.count(cmd->name)) << "no write-hook sample for '" << cmd->name << "'";
    }
}

TEST_F(WriteHook, EveryWriteCommandAnnouncesItsKeyInItsDatabase)
{
    for (int i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        auto it = kSamples.find(cmd->name);
        if (it == kSamples.end() || !(cmd->flags & CMD_WRITE))
            continue;
        SCOPED_TRACE(cmd->name);
        ASSERT_EQ(s.run("FLUSHALL"), "+OK\r\n");
        s.db = kDb;
        setup_keys();
        std::string reply = s.run(it->second.line);
        EXPECT_NE(reply[0], '-') << reply;
        std::string key = it->second.key;
        bool found = false;
        for (const Seen &ev : rec.events) {
            if (ev.name == "new")
                continue; // a creation: the command must announce its own event too
            if (key == "*")
                found |= ev.whole_shard && ev.db == kDb;
            else
                found |= !ev.whole_shard && ev.key == key && ev.db == kDb;
        }
        EXPECT_TRUE(found) << it->second.line << " announced no change of '" << key << "' in db "
                           << kDb;
        EXPECT_FALSE(rec.records.empty()) << "no command record";
    }
}

TEST_F(WriteHook, CommandsThatChangeNothingAnnounceNothing)
{
    for (int i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        auto it = kSamples.find(cmd->name);
        if (it == kSamples.end() || (cmd->flags & CMD_WRITE))
            continue;
        SCOPED_TRACE(cmd->name);
        setup_keys();
        s.run(it->second.line);
        s.db = kDb;
        EXPECT_TRUE(rec.events.empty()) << it->second.line << " announced " << rec.events[0].name;
        EXPECT_TRUE(rec.records.empty());
    }
}

TEST_F(WriteHook, WritesThatChangeNothingAreNotLogged)
{
    setup_keys();
    for (const char *line :
         {"SETNX k v", "SET k v XX NX", "SET nothere v XX", "DEL nothere", "EXPIRE nothere 10",
          "PERSIST k", "GETEX k", "RENAMENX k k2", "MSETNX k 1 fresh 2", "INCR k"}) {
        s.run(line);
        EXPECT_TRUE(rec.events.empty()) << line;
        EXPECT_TRUE(rec.records.empty()) << line;
    }
}

TEST_F(WriteHook, EventNamesAreRedis)
{
    setup_keys();
    s.run("SET fresh v EX 10");
    s.run("RENAME fresh other");
    s.run("MOVE other 5");
    std::vector<std::string> names;
    for (const Seen &ev : rec.events)
        names.push_back(ev.name);
    EXPECT_EQ(names, (std::vector<std::string>{"new", "set", "expire", "new", "rename_from",
                                               "rename_to", "new", "move_from", "move_to"}));
    EXPECT_EQ(rec.events.back().db, 5);
}

TEST_F(WriteHook, ExpiryIsAnnouncedOnceAsExpiredAndBelongsToNoCommand)
{
    setup_keys();
    s.now_ms += 200000; // t has expired
    EXPECT_EQ(s.run("GET t"), "$-1\r\n");
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].name, "expired");
    EXPECT_EQ(rec.events[0].key, "t");
    EXPECT_TRUE(rec.records.empty()); // GET itself changed nothing
    rec.clear();
    EXPECT_EQ(s.run("SET t w"), "+OK\r\n");
    EXPECT_EQ(rec.records.size(), 1u);
}

TEST_F(WriteHook, CommandsLogTheirCanonicalForm)
{
    setup_keys();
    const long long now = s.now_ms;
    const std::string in10s = std::to_string(now + 10000);
    struct Case {
        const char *line;
        std::vector<std::string> logged;
    } cases[] = {
        {"SET a v EX 10", {"SET", "a", "v", "PXAT", in10s}},
        {"SET a v PX 10000 GET", {"SET", "a", "v", "PXAT", in10s}},
        {"SETEX a 10 v", {"SET", "a", "v", "PXAT", in10s}},
        {"PSETEX a 10000 v", {"SET", "a", "v", "PXAT", in10s}},
        {"SET a v", {"SET", "a", "v"}},
        {"EXPIRE a 10", {"PEXPIREAT", "a", in10s}},
        {"PEXPIRE a 20000 GT", {"PEXPIREAT", "a", std::to_string(now + 20000)}},
        {"GETEX a PX 10000", {"PEXPIREAT", "a", in10s}},
        {"GETEX a PERSIST", {"PERSIST", "a"}},
        {"EXPIRE a -1", {"DEL", "a"}},
        {"INCRBYFLOAT n 0.5", {"SET", "n", "10.5", "KEEPTTL"}},
        {"GETDEL k", {"DEL", "k"}},
        {"INCR x", {"INCR", "x"}},
        // SPOP takes random members: logged as the SREM (or DEL) it amounts to
        {"SADD p 5", {"SADD", "p", "5"}},
        {"SPOP p", {"SREM", "p", "5"}},
        {"SADD p 5 6", {"SADD", "p", "5", "6"}},
        {"SPOP p 9", {"DEL", "p"}},
    };
    for (const Case &c : cases) {
        rec.clear();
        s.run(c.line);
        ASSERT_EQ(rec.records.size(), 1u) << c.line;
        EXPECT_EQ(rec.records[0], c.logged) << c.line;
    }
    rec.clear();
    s.run("SADD q 1 2 3");
    std::string popped = s.run("SPOP q 2");
    ASSERT_EQ(rec.records.size(), 2u);
    ASSERT_EQ(rec.records[1].size(), 4u);
    EXPECT_EQ(rec.records[1][0], "SREM");
    EXPECT_EQ(rec.records[1][1], "q");
    for (int i = 2; i < 4; i++) // the members the reply gave
        EXPECT_NE(popped.find("\r\n" + rec.records[1][i] + "\r\n"), std::string::npos);
}

TEST_F(WriteHook, DirtyCountsAnnouncedChanges)
{
    uint64_t before = keyspace_dirty(s.ks);
    s.run("SET a 1");      // new + set: one change
    s.run("MSET a 2 b 3"); // two
    s.run("SET a 1 NX");   // none
    EXPECT_EQ(keyspace_dirty(s.ks) - before, 3u);
}

TEST(WriteHookDeathTest, AChangeWithoutAnnouncementAborts)
{
    Store s;
    EXPECT_DEATH(store_test_change_silently(s.ks, "k", 1), "without do_key_event");
}

// A write log past WRITE_LOG_INDEX_FROM ranges finds a shard's range through
// its index: consecutive numbers still extend that shard's range, wherever it
// is, and a gap starts a new one (FLUSHALL over a million shards needs this
// to be constant time per shard; it was a scan of every range).
TEST(WriteLog, ManyShardsKeepOneRangeEach)
{
    struct write_log log = {};
    const uint32_t shards = 5000;
    for (uint32_t s = 0; s < shards; s++)
        write_log_note(&log, s, 10, false);
    for (uint32_t s = 0; s < shards; s += 7)
        write_log_note(&log, s, 11, false); // extends
    ASSERT_EQ(log.n, shards);
    for (uint32_t s = 0; s < shards; s++) {
        EXPECT_EQ(log.ranges[s].shard, s);
        EXPECT_EQ(log.ranges[s].first, 10u);
        EXPECT_EQ(log.ranges[s].last, s % 7 == 0 ? 11u : 10u) << s;
    }
    write_log_note(&log, 3, 20, true); // a gap: a new range, and the latest
    write_log_note(&log, 3, 21, false);
    ASSERT_EQ(log.n, shards + 1);
    EXPECT_EQ(log.ranges[shards].shard, 3u);
    EXPECT_EQ(log.ranges[shards].first, 20u);
    EXPECT_EQ(log.ranges[shards].last, 21u);
    EXPECT_EQ(log.changes, shards + (shards + 6) / 7 + 1);
    write_log_clear(&log);
    EXPECT_EQ(log.n, 0u);
    write_log_note(&log, 3, 30, false);
    EXPECT_EQ(log.n, 1u);
    write_log_free(&log);
}

// An observer registered with keyspace_observe_keys_first hears each change
// before those registered earlier (the log takes its place before a
// notification can tell anyone: net/aof.c).
TEST_F(WriteHook, AFirstObserverHearsEachChangeBeforeTheOthers)
{
    struct First {
        const Recorder *others;
        std::vector<size_t> others_had; // what the others had heard by then
        static void on_key(void *ctx, const struct key_event *)
        {
            auto *f = static_cast<First *>(ctx);
            f->others_had.push_back(f->others->events.size());
        }
    } first{&rec, {}};
    ASSERT_EQ(keyspace_observe_keys_first(s.ks, First::on_key, &first), 0);
    ASSERT_EQ(s.run("MSET a 1 b 2"), "+OK\r\n");
    ASSERT_EQ(rec.events.size(), 4u); // "new" and "set" for each
    EXPECT_EQ(first.others_had, (std::vector<size_t>{0, 1, 2, 3}));
}
