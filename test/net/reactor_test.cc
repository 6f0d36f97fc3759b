// The reactor driven directly through reactor_poll, without the pool.
#include <gtest/gtest.h>

#include <atomic>
#include <fcntl.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "net/reactor.h"
#include "test/common/test_env.h"

namespace
{

struct Recorder {
    std::vector<uint32_t> events;
    int released = 0;
    struct reactor *r = nullptr;
    struct reactor_source *src = nullptr;
    Recorder *other = nullptr; // for the stale-event test
    bool closed = false;
};

void record(void *ctx, uint32_t events)
{
    static_cast<Recorder *>(ctx)->events.push_back(events);
}

void release(void *ctx)
{
    static_cast<Recorder *>(ctx)->released++;
}

bool fd_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

struct Reactor : ::testing::Test {
    struct reactor *r = nullptr;
    int pair[2] = {-1, -1};
    void SetUp() override
    {
        r = reactor_new();
        ASSERT_NE(r, nullptr);
        ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair));
    }
    void TearDown() override
    {
        reactor_free(r);
        for (int fd : pair)
            if (fd >= 0 && fd_open(fd))
                close(fd);
    }
};

TEST_F(Reactor, ReadableEventReachesTheCallback)
{
    Recorder rec;
    struct reactor_source *s;
    ASSERT_EQ(0, reactor_add(r, pair[0], REACTOR_READABLE, record, &rec, &s));
    reactor_poll(r, 0);
    EXPECT_TRUE(rec.events.empty());
    ASSERT_EQ(1, write(pair[1], "x", 1));
    reactor_poll(r, 5000);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_TRUE(rec.events[0] & REACTOR_READABLE);
    // Level-triggered: reported again while unread.
    reactor_poll(r, 5000);
    EXPECT_EQ(rec.events.size(), 2u);
    reactor_close(r, s, release);
    pair[0] = -1;
    // The release runs while rec lives: left to TearDown's reactor_free, it
    // wrote into a dead stack frame (found with the test built at -O0).
    reactor_poll(r, 0);
    EXPECT_EQ(rec.released, 1);
}

TEST_F(Reactor, EdgeTriggeredReportsOncePerArrival)
{
    Recorder rec;
    struct reactor_source *s;
    ASSERT_EQ(0, reactor_add(r, pair[0], REACTOR_READABLE | REACTOR_EDGE, record, &rec, &s));
    ASSERT_EQ(1, write(pair[1], "x", 1));
    reactor_poll(r, 5000);
    reactor_poll(r, 0);
    EXPECT_EQ(rec.events.size(), 1u);
    ASSERT_EQ(1, write(pair[1], "y", 1));
    reactor_poll(r, 5000);
    EXPECT_EQ(rec.events.size(), 2u);
    reactor_close(r, s, nullptr);
    pair[0] = -1;
}

TEST_F(Reactor, HangupIsReported)
{
    Recorder rec;
    struct reactor_source *s;
    ASSERT_EQ(0, reactor_add(r, pair[0], REACTOR_READABLE | REACTOR_EDGE, record, &rec, &s));
    close(pair[1]);
    pair[1] = -1;
    reactor_poll(r, 5000);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_TRUE(rec.events[0] & REACTOR_HANGUP);
    EXPECT_TRUE(rec.events[0] & REACTOR_READABLE);
    reactor_close(r, s, nullptr);
    pair[0] = -1;
}

TEST_F(Reactor, CloseIsDeferredUntilThePollEnds)
{
    Recorder rec;
    struct reactor_source *s;
    ASSERT_EQ(0, reactor_add(r, pair[0], REACTOR_READABLE, record, &rec, &s));
    int fd = pair[0];
    pair[0] = -1;
    reactor_close(r, s, release);
    EXPECT_TRUE(fd_open(fd)); // still open: a poll might hold an event for it
    EXPECT_EQ(rec.released, 0);
    ASSERT_EQ(1, write(pair[1], "x", 1));
    reactor_poll(r, 0);
    EXPECT_EQ(rec.released, 1);
    EXPECT_TRUE(rec.events.empty()); // deregistered before the data came
    struct reactor_stats st;
    reactor_get_stats(r, &st);
    EXPECT_EQ(st.closes, 1u);
    EXPECT_EQ(st.registered, 0u);
}

// Two fds become readable in the same poll; whichever callback runs first
// closes the other. The other's event, already fetched by epoll_wait, must be
// dropped as stale rather than delivered to a closed registration.
void close_other(void *ctx, uint32_t events)
{
    auto *rec = static_cast<Recorder *>(ctx);
    rec->events.push_back(events);
    if (!rec->other->closed) {
        rec->other->closed = true;
        reactor_close(rec->r, rec->other->src, release);
    }
}

TEST_F(Reactor, StaleEventsForClosedSourcesAreDropped)
{
    int pair2[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair2));
    Recorder a, b;
    a.r = b.r = r;
    a.other = &b;
    b.other = &a;
    ASSERT_EQ(0, reactor_add(r, pair[0], REACTOR_READABLE, close_other, &a, &a.src));
    ASSERT_EQ(0, reactor_add(r, pair2[0], REACTOR_READABLE, close_other, &b, &b.src));
    ASSERT_EQ(1, write(pair[1], "x", 1));
    ASSERT_EQ(1, write(pair2[1], "x", 1));
    usleep(1000);
    reactor_poll(r, 5000);
    EXPECT_EQ(a.events.size() + b.events.size(), 1u);
    struct reactor_stats st;
    reactor_get_stats(r, &st);
    EXPECT_EQ(st.stale_events, 1u);
    EXPECT_EQ(a.released + b.released, 1);
    Recorder *open = a.closed ? &b : &a;
    reactor_close(r, open->src, release);
    reactor_poll(r, 0);
    EXPECT_EQ(a.released + b.released, 2);
    pair[0] = -1;
    close(pair2[1]);
}

TEST_F(Reactor, SlotReuseDoesNotResurrectOldEvents)
{
    Recorder first, second;
    struct reactor_source *s1, *s2;
    ASSERT_EQ(0, reactor_add(r, pair[0], REACTOR_READABLE, record, &first, &s1));
    reactor_close(r, s1, release);
    reactor_poll(r, 0); // completes the close, frees the slot
    int fds[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds));
    ASSERT_EQ(0, reactor_add(r, fds[0], REACTOR_READABLE, record, &second, &s2));
    EXPECT_EQ(s1, s2); // the slot was reused
    ASSERT_EQ(1, write(fds[1], "x", 1));
    reactor_poll(r, 5000);
    EXPECT_TRUE(first.events.empty());
    EXPECT_EQ(second.events.size(), 1u);
    reactor_close(r, s2, nullptr);
    close(fds[1]);
    pair[0] = -1;
}

TEST_F(Reactor, UnparkWakesABlockedPollAndCoalesces)
{
    std::atomic<bool> returned{false};
    std::thread poller([&] {
        reactor_poll(r, -1);
        returned = true;
    });
    // Keep unparking until the poller returns: the first unpark may land
    // before it blocks, which must also make it return.
    while (!returned) {
        reactor_unpark(r);
        std::this_thread::yield();
    }
    poller.join();
    // A burst with no poll in between costs a single eventfd write.
    struct reactor_stats before, after;
    reactor_poll(r, 0); // drain
    reactor_get_stats(r, &before);
    for (int i = 0; i < 1000; i++)
        reactor_unpark(r);
    reactor_get_stats(r, &after);
    EXPECT_EQ(after.wakeups - before.wakeups, 1u);
    reactor_poll(r, -1); // returns at once: the unpark is pending
    for (int i = 0; i < 10; i++)
        reactor_unpark(r);
    reactor_get_stats(r, &before);
    EXPECT_EQ(before.wakeups - after.wakeups, 1u);
    reactor_poll(r, 0);
}

struct CountingTimer {
    struct reactor_timer timer;
    std::vector<int> *order;
    int id;
};

void timer_fired(struct reactor_timer *t)
{
    auto *ct = reinterpret_cast<CountingTimer *>(t);
    ct->order->push_back(ct->id);
}

TEST_F(Reactor, TimersFireInDueOrderAndStopWorks)
{
    std::vector<int> order;
    std::vector<CountingTimer> timers(50);
    for (int i = 0; i < 50; i++) {
        timers[i].order = &order;
        timers[i].id = i;
        reactor_timer_init(&timers[i].timer, timer_fired);
        // Due in reverse id order (give or take a clock tick), within ~50ms.
        ASSERT_EQ(0, reactor_timer_start(r, &timers[i].timer, (uint64_t)(50 - i)));
    }
    reactor_timer_stop(r, &timers[7].timer);
    EXPECT_FALSE(reactor_timer_armed(r, &timers[7].timer));
    EXPECT_TRUE(reactor_timer_armed(r, &timers[8].timer));
    // Re-arming moves a timer: 3 now fires last.
    ASSERT_EQ(0, reactor_timer_start(r, &timers[3].timer, 200));
    while (order.size() < 49)
        reactor_poll(r, -1); // the poll's wait is bounded by the next timer
    ASSERT_EQ(order.size(), 49u);
    EXPECT_EQ(order.back(), 3);
    // Due order, not id order: on a loaded machine the clock can tick between
    // two starts and give neighbours the same due time (the CI flake).
    for (size_t i = 1; i < order.size(); i++)
        EXPECT_LE(timers[order[i - 1]].timer.due_ms, timers[order[i]].timer.due_ms);
    EXPECT_LT(timers[40].timer.due_ms, timers[10].timer.due_ms);
    EXPECT_EQ(std::count(order.begin(), order.end(), 7), 0);
}

TEST_F(Reactor, TimerStartedWhilePollBlocksWakesIt)
{
    std::vector<int> order;
    CountingTimer t{};
    t.order = &order;
    t.id = 1;
    reactor_timer_init(&t.timer, timer_fired);
    std::thread poller([&] {
        while (order.empty())
            reactor_poll(r, -1);
    });
    usleep(20000);
    ASSERT_EQ(0, reactor_timer_start(r, &t.timer, 1));
    poller.join();
    EXPECT_EQ(order.size(), 1u);
}

// Many threads register and close while one thread polls: every release runs
// exactly once, after which nothing refers to the source.
struct Churn {
    std::atomic<int> released{0};
};

void churn_event(void *, uint32_t) {}

void churn_release(void *ctx)
{
    static_cast<Churn *>(ctx)->released++;
}

TEST_F(Reactor, ConcurrentRegistrationAndCloseWhilePolling)
{
    Churn churn;
    std::atomic<bool> stop{false};
    std::thread poller([&] {
        while (!stop)
            reactor_poll(r, 1);
    });
    const int per_thread = (int)test_scaled(2000, 100);
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; t++) {
        threads.emplace_back([&] {
            for (int i = 0; i < per_thread; i++) {
                int fds[2];
                ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds));
                struct reactor_source *s;
                ASSERT_EQ(0, reactor_add(r, fds[0], REACTOR_READABLE | REACTOR_EDGE, churn_event,
                                         &churn, &s));
                ASSERT_EQ(1, write(fds[1], "x", 1));
                reactor_close(r, s, churn_release);
                close(fds[1]);
            }
        });
    }
    for (auto &t : threads)
        t.join();
    stop = true;
    poller.join();
    reactor_poll(r, 0);
    EXPECT_EQ(churn.released.load(), 3 * per_thread);
    struct reactor_stats st;
    reactor_get_stats(r, &st);
    EXPECT_EQ(st.registered, 0u);
}

// The listener's callback reads its own source through the slot reactor_add
// filled. A poller on another thread can dispatch the first event before
// reactor_add returns, so the slot must be written before the fd is armed
// (TSan reported this as a race in the server; without TSan the callback
// could see a null source).
struct SlotReader {
    struct reactor_source *slot = nullptr;
    int fd = -1;
    std::atomic<int> seen_null{0};
    std::atomic<int> seen_wrong_fd{0};
    std::atomic<int> calls{0};
    std::atomic<bool> released{false};
};

void read_own_slot(void *ctx, uint32_t)
{
    auto *sr = static_cast<SlotReader *>(ctx);
    struct reactor_source *s = sr->slot;
    if (!s)
        sr->seen_null++;
    else if (reactor_source_fd(s) != sr->fd)
        sr->seen_wrong_fd++;
    sr->calls++;
}

void slot_reader_release(void *ctx)
{
    static_cast<SlotReader *>(ctx)->released = true;
}

TEST_F(Reactor, CallbackMayReadTheSourceSlotFromItsFirstEvent)
{
    std::atomic<bool> stop{false};
    std::thread poller([&] {
        while (!stop)
            reactor_poll(r, 1);
    });
    const int rounds = (int)test_scaled(300, 30);
    for (int i = 0; i < rounds; i++) {
        int fds[2];
        ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds));
        ASSERT_EQ(1, write(fds[1], "x", 1)); // readable the moment it is added
        SlotReader sr;
        sr.fd = fds[0];
        ASSERT_EQ(0, reactor_add(r, fds[0], REACTOR_READABLE | REACTOR_EDGE, read_own_slot, &sr,
                                 &sr.slot));
        while (sr.calls.load() == 0)
            std::this_thread::yield();
        reactor_close(r, sr.slot, slot_reader_release); // closes fds[0] later
        while (!sr.released.load())                     // sr must outlive any dispatch
            std::this_thread::yield();
        EXPECT_EQ(sr.seen_null.load(), 0);
        EXPECT_EQ(sr.seen_wrong_fd.load(), 0);
        close(fds[1]);
    }
    stop = true;
    poller.join();
}

} // namespace
