// Allocation failure anywhere in the request reader: it reports -ENOMEM or an
// out-of-memory error, never crashes, never leaks (ASan checks the leaks),
// and the commands it returned before the failure are intact.
#include "test/proto/resp_test_util.h"

#include <cerrno>

extern "C" {
#include "core/alloc.h"
}

namespace
{

// Every allocation site: the buffer and its growth, the arena, the partial
// argument array and its growth (many arguments), a big argument, inline.
std::vector<Argv> sample_commands()
{
    Argv many = {"RPUSH", "l"};
    for (int i = 0; i < 3000; i++)
        many.push_back(std::to_string(i));
    return {
        {"GET", "k"},
        many,
        {"SET", "big", std::string(RESP_BIG_ARG * 3, 'b')},
        {"SET", "k", std::string(40000, 'v')},
        {"PING"},
    };
}

} // namespace

TEST(RespAlloc, FailureAtEveryAllocation)
{
    std::vector<Argv> commands = sample_commands();
    std::string wire;
    for (const Argv &c : commands)
        wire += multibulk(c);
    wire += "ECHO \"inline\\x21\"\r\n";
    commands.push_back({"ECHO", "inline!"});

    bool completed = false;
    long k = 0;
    for (; k < 500 && !completed; k++) {
        mem_fail_after(k);
        struct resp_reader *r = resp_reader_new(nullptr);
        if (!r) {
            mem_fail_reset();
            EXPECT_EQ(k, 0);
            continue;
        }
        Parsed got;
        size_t at = 0;
        bool failed = false;
        while (at < wire.size() && !failed) {
            char *p;
            size_t room;
            int rc = resp_reader_space(r, &p, &room);
            if (rc < 0) {
                EXPECT_EQ(rc, -ENOMEM);
                failed = true;
                break;
            }
            size_t n = std::min({room, (size_t)9000, wire.size() - at});
            memcpy(p, wire.data() + at, n);
            resp_reader_commit(r, n);
            at += n;
            drain(r, &got);
            if (got.last == RESP_ERROR) {
                EXPECT_TRUE(got.oom);
                EXPECT_EQ(got.error, "ERR Protocol error: out of memory");
                failed = true;
            }
        }
        mem_fail_reset();
        // Whatever came out before the failure is a correct prefix.
        ASSERT_LE(got.commands.size(), commands.size());
        for (size_t i = 0; i < got.commands.size(); i++)
            EXPECT_EQ(got.commands[i], commands[i]) << "k=" << k << " command " << i;
        if (!failed) {
            completed = true;
            EXPECT_EQ(got.commands, commands);
        } else {
            EXPECT_GT(mem_failures_injected(), 0);
        }
        resp_reader_free(r);
    }
    EXPECT_TRUE(completed);
    // The sample reaches several allocation sites before it completes.
    EXPECT_GE(k, 8) << "completed after " << k << " allocations";
}

TEST(RespAlloc, FeedReportsFailure)
{
    struct resp_reader *r = resp_reader_new(nullptr);
    ASSERT_NE(r, nullptr);
    mem_fail_after(0);
    EXPECT_EQ(resp_reader_feed(r, "PING\r\n", 6), -ENOMEM);
    mem_fail_reset();
    EXPECT_EQ(resp_reader_feed(r, "PING\r\n", 6), 0);
    struct resp_command c;
    EXPECT_EQ(resp_reader_next(r, &c), RESP_COMMAND);
    resp_reader_free(r);
}
