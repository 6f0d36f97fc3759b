// A keyspace notification tells a client of a change as surely as a reply
// does, so it too must wait for the change's record (net/aof.h). It can
// only wait for a ticket that was given out before it was published: the
// log observes the write hook ahead of the notifications
// (keyspace_observe_keys_first). These tests catch a notification in the
// act of being published, on the writer's thread, and look at what the log
// has given out by then.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <string>
#include <vector>

#include "aof_test_util.h"
#include "inprocess_server.h"
#include "net/aof.h"
#include "net/server.h"
#include "net/session.h"

extern "C" {
#include "store/pubsub.h"
}

namespace
{

using aof_test::AofDir;
using aof_test::wait_until;

// Subscribed to every keyspace event; notes, at each delivery, the ticket
// a reply would wait for then (0: none).
struct Catcher {
    struct pubsub_subscriber sub; // first: deliver casts back
    struct server *server;
    std::vector<std::string> channels;
    std::vector<uint64_t> waited_for;

    static void deliver(struct pubsub_subscriber *sub, struct pubsub_message *m)
    {
        auto *c = reinterpret_cast<Catcher *>(sub);
        c->channels.emplace_back(m->channel->data, m->channel->len);
        c->waited_for.push_back(aof_visible_ticket(c->server));
    }
};

class AofNotify : public ::testing::Test
{
  protected:
    AofDir dir;
    InProcessServer local;
    struct session *s = nullptr;
    Catcher catcher = {};

    void SetUp() override
    {
        // Rounds held: a record submitted now is not written (and the mark
        // does not pass it) while the notification is delivered.
        setenv("MAGPIE_AOF_HOLD_MS", "100", 1);
        std::vector<std::string> flags = dir.args("always");
        flags.insert(flags.end(),
                     {"--notify-keyspace-events", "KEA", "--enable-debug-command", "yes"});
        std::string err = local.start(flags);
        unsetenv("MAGPIE_AOF_HOLD_MS");
        ASSERT_EQ(err, "");
        s = session_new(local.server);
        ASSERT_NE(s, nullptr);
        catcher.server = local.server;
        pubsub_subscriber_init(&catcher.sub, Catcher::deliver);
        ASSERT_EQ(pubsub_subscribe(local.server->pubsub, &catcher.sub, PUBSUB_PATTERN, "*", 1), 1);
    }

    void TearDown() override
    {
        if (local.server)
            pubsub_subscriber_destroy(local.server->pubsub, &catcher.sub);
        if (s)
            session_free(s);
    }

    // Everything given out so far is written: a reply would wait for nothing.
    void settle()
    {
        ASSERT_TRUE(wait_until([&] { return aof_visible_ticket(local.server) == 0; }));
        catcher.channels.clear();
        catcher.waited_for.clear();
    }
};

} // namespace

TEST_F(AofNotify, ANotificationOfACommandsChangeFindsItsTicketGivenOut)
{
    // Replaced, not new: a new key's first event is "new", which nobody is
    // told of, and which would claim the ticket first either way.
    ASSERT_EQ(socketless_call(s, {"SET", "k", "v"}), "+OK\r\n");
    settle();
    ASSERT_EQ(socketless_call(s, {"SET", "k", "w"}), "+OK\r\n");
    ASSERT_EQ(catcher.channels.size(), 2u); // "set", as keyspace and keyevent
    for (size_t i = 0; i < catcher.channels.size(); i++)
        EXPECT_NE(catcher.waited_for[i], 0u) << catcher.channels[i];
}

TEST_F(AofNotify, AnExpiredNotificationFindsTheDelsTicketGivenOut)
{
    // Only GET may expire it, on this thread.
    ASSERT_EQ(socketless_call(s, {"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), "+OK\r\n");
    ASSERT_EQ(socketless_call(s, {"SET", "k", "v", "PX", "1"}), "+OK\r\n");
    usleep(5000);
    settle();
    ASSERT_EQ(socketless_call(s, {"GET", "k"}), "$-1\r\n"); // expires it: "expired", logged as DEL
    ASSERT_EQ(catcher.channels.size(), 2u);
    for (size_t i = 0; i < catcher.channels.size(); i++)
        EXPECT_NE(catcher.waited_for[i], 0u) << catcher.channels[i];
}
