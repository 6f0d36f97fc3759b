/*
 * The publishers and subscribers of --pubsub. How a run ends is made
 * deterministic, as with --queue:
 *  1. publishers stop at --duration or --requests, and are counted out
 *     once every PUBLISH they sent was answered (or their connection was
 *     lost, or they gave up waiting), each adding its answered PUBLISHes to
 *     messages_published; the last one out publishes producers_done_ns;
 *  2. an answered PUBLISH had delivered its message to every subscriber, so
 *     a subscriber then knows exactly how many messages it must receive. It
 *     stops once it received that many distinct messages, or
 *     PUBSUB_DRAIN_NS after the publishers finished (what is missing then is
 *     lost).
 * --pubsub-sabotage is subscriber 0 leaving one channel (a pattern
 * subscriber: one pattern) halfway through the run and coming back
 * PUBSUB_SABOTAGE_AWAY_NS later: the messages published meanwhile never
 * reach it, and the PUBLISHes to that channel answer one receiver short.
 */
#include "tools/stress/client_pubsub.h"

#include "core/clock.h"
#include "tools/stress/pubsub.h"
#include "tools/stress/verify_pubsub.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A subscriber stops waiting this long after the publishers finished. */
#define PUBSUB_DRAIN_NS          (10 * 1000000000ull)
/* How long the server may take to confirm a subscription. */
#define PUBSUB_SUBSCRIBE_WAIT_NS (10 * 1000000000ull)
/* --pubsub-sabotage: how long subscriber 0 stays away, and how long it
 * waits at the end (it knows it cannot receive everything). */
#define PUBSUB_SABOTAGE_AWAY_NS  (200 * 1000000ull)
#define PUBSUB_SABOTAGE_WAIT_NS  (1000000000ull)

enum sabotage_state { SABOTAGE_NONE, SABOTAGE_PENDING, SABOTAGE_AWAY, SABOTAGE_BACK };

struct pubsub_conn {
    enum pubsub_role role;
    uint32_t id; /* publisher or subscriber id */
    bool by_pattern;
    bool finished;     /* publisher: counted out; subscriber: stopped waiting */
    uint64_t acked;    /* publisher: PUBLISHes answered */
    uint64_t received; /* subscriber: messages, all of them */
    struct pubsub_pub_log *plog;
    struct pubsub_sub_log *slog;
    enum sabotage_state sabotage;
    uint64_t sabotage_at_ns; /* when to leave */
};

static const struct pubsub_spec *spec_of(const struct client_thread *t)
{
    return &t->run->opts->pubsub;
}

/* Waits (poll) until the subscription's argc - 1 confirmations came. */
static int await_confirmations(struct stress_conn *c, int expected, const char *verb, char *err,
                               size_t err_size)
{
    uint64_t deadline = clock_mono_ns() + PUBSUB_SUBSCRIBE_WAIT_NS;
    int confirmed = 0;
    while (confirmed < expected) {
        int flushed = conn_flush(c);
        uint64_t now = clock_mono_ns();
        if (flushed < 0 || now >= deadline) {
            snprintf(err, err_size, "%s: %s", verb,
                     flushed < 0 ? strerror(-flushed) : "no confirmation within 10 s");
            return flushed < 0 ? flushed : -ETIMEDOUT;
        }
        struct pollfd pfd = {c->fd, (short)(POLLIN | (flushed == 1 ? POLLOUT : 0)), 0};
        poll(&pfd, 1, (int)((deadline - now) / 1000000 + 1));
        long n = conn_read(c);
        struct stress_reply r;
        int got;
        while (confirmed < expected && (got = conn_next_reply(c, &r)) > 0) {
            struct pubsub_frame f;
            if (r.type == SREPLY_ERROR) {
                snprintf(err, err_size, "%s: %.*s", verb, (int)(r.len < 160 ? r.len : 160), r.str);
                return -EPROTO;
            }
            if (pubsub_frame_parse(&r, &f) < 0 || f.kind != PUBSUB_FRAME_SUBSCRIBE ||
                f.count != ++confirmed) {
                snprintf(err, err_size, "%s: unexpected %s reply", verb,
                         stress_reply_type_name(r.type));
                return -EPROTO;
            }
        }
        if (confirmed < expected && (got < 0 || n < 0)) {
            snprintf(err, err_size, "%s: %s", verb,
                     got < 0 ? "the reply is not RESP" : "the server closed the connection");
            return -EPROTO;
        }
    }
    return 0;
}

static int subscribe(struct client_thread *t, struct stress_conn *c, char *err, size_t err_size)
{
    const char *argv[PUBSUB_CHANNELS_MAX + 1];
    size_t lens[PUBSUB_CHANNELS_MAX + 1];
    int argc =
        pubsub_subscribe_args(spec_of(t), c->pubsub->by_pattern, t->channel_names, argv, lens);
    if (request_append(&c->out, argc, argv, lens) < 0) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    return await_confirmations(c, argc - 1, argv[0], err, err_size);
}

int client_pubsub_setup(struct client_thread *t, struct stress_conn *c, uint32_t index, char *err,
                        size_t err_size)
{
    const struct client_run *run = t->run;
    const struct pubsub_spec *spec = spec_of(t);
    struct pubsub_conn *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    c->pubsub = p;
    p->role = pubsub_role_of(spec, index, &p->id);
    if (p->role == PUBSUB_PUBLISHER) {
        p->plog = run->publisher_logs ? &run->publisher_logs[p->id] : NULL;
        return 0;
    }
    p->slog = run->subscriber_logs ? &run->subscriber_logs[p->id] : NULL;
    p->by_pattern = pubsub_by_pattern(spec, p->id);
    if (spec->sabotage && p->id == 0)
        p->sabotage = SABOTAGE_PENDING;
    return subscribe(t, c, err, err_size);
}

void client_pubsub_free(struct stress_conn *c)
{
    free(c->pubsub);
    c->pubsub = NULL;
}

bool client_pubsub_is_publisher(const struct stress_conn *c)
{
    return c->pubsub && c->pubsub->role == PUBSUB_PUBLISHER;
}

bool client_pubsub_may_send(struct client_thread *t, struct stress_conn *c)
{
    return c->pubsub->role == PUBSUB_PUBLISHER && t->sending && client_thread_has_quota(t);
}

void client_pubsub_send(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    const struct stress_options *o = t->run->opts;
    struct pubsub_conn *p = c->pubsub;
    uint64_t seq = ++c->turn;
    if (p->plog)
        pubsub_pub_log_sent(p->plog); /* returns seq (or the check refuses) */
    struct pubsub_message m = {p->id, seq,
                               pubsub_channel_of((uint32_t)o->pubsub.channels, p->id, seq), now};
    size_t len = pubsub_message_encode(t->value, t->value_cap, &m, o->value_size);
    const char *channel = t->channel_names[m.channel];
    const char *argv[3] = {"PUBLISH", channel, t->value};
    size_t lens[3] = {7, strlen(channel), len};
    *conn_push(c) = (struct inflight){m.channel, now, now, seq, OP_PUBLISH, false};
    if (request_append(&c->out, 3, argv, lens) < 0) {
        fprintf(stderr, "magpie-stress: out of memory\n");
        abort();
    }
    if (t->limited)
        t->quota--;
}

/* --pubsub-sabotage: leave halfway (at once with --requests, after the
 * first message), come back PUBSUB_SABOTAGE_AWAY_NS later unless the
 * publishers are done by then. */
static void sabotage_step(struct client_thread *t, struct stress_conn *c, uint64_t now,
                          bool publishers_done)
{
    struct pubsub_conn *p = c->pubsub;
    const struct stress_options *o = t->run->opts;
    bool leave = p->sabotage == SABOTAGE_PENDING && !publishers_done &&
                 (o->requests ? p->received > 0 : now >= t->run->start_ns + o->duration_ns / 2);
    bool back = p->sabotage == SABOTAGE_AWAY && !publishers_done &&
                now >= t->sabotage_left_ns + PUBSUB_SABOTAGE_AWAY_NS;
    if (!leave && !back)
        return;
    int pattern = pubsub_pattern_of(0);
    const char *name = p->by_pattern ? pubsub_pattern(pattern) : t->channel_names[0];
    const char *verb = p->by_pattern ? (leave ? "PUNSUBSCRIBE" : "PSUBSCRIBE")
                                     : (leave ? "UNSUBSCRIBE" : "SUBSCRIBE");
    const char *argv[2] = {verb, name};
    size_t lens[2] = {strlen(verb), strlen(name)};
    /* No ring entry: the confirmation is a frame like the messages. */
    if (request_append(&c->out, 2, argv, lens) < 0) {
        fprintf(stderr, "magpie-stress: out of memory\n");
        abort();
    }
    p->sabotage = leave ? SABOTAGE_AWAY : SABOTAGE_BACK;
    if (leave)
        t->sabotage_left_ns = now;
    else
        t->sabotage_back_ns = now;
}

bool client_pubsub_waiting(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    struct pubsub_conn *p = c->pubsub;
    if (p->role != PUBSUB_SUBSCRIBER || p->finished)
        return false;
    /* Acquire, pairing with the last publisher's release: every publisher's
     * messages_published addition happened before it. */
    uint64_t done = atomic_load_explicit(&t->run->producers_done_ns, memory_order_acquire);
    if (p->sabotage != SABOTAGE_NONE)
        sabotage_step(t, c, now, done != 0);
    if (atomic_load_explicit(&t->run->stop, memory_order_relaxed)) {
        p->finished = true;
    } else if (done) {
        uint64_t expected = atomic_load_explicit(&t->run->messages_published, memory_order_relaxed);
        uint64_t got = p->slog ? p->slog->distinct : p->received;
        bool away = p->sabotage == SABOTAGE_AWAY || p->sabotage == SABOTAGE_BACK;
        if (got >= expected || now >= done + (away ? PUBSUB_SABOTAGE_WAIT_NS : PUBSUB_DRAIN_NS))
            p->finished = true;
    }
    return !p->finished;
}

static bool on_publish_reply(struct client_thread *t, struct stress_conn *c,
                             const struct stress_reply *r, uint64_t now)
{
    struct pubsub_conn *p = c->pubsub;
    struct inflight req;
    if (!conn_pop(c, &req)) {
        t->protocol_errors++; /* a reply nobody asked for */
        if (p->plog)
            pubsub_pub_log_protocol_error(p->plog);
        return false;
    }
    client_count_op(t, OP_PUBLISH, now > req.intended_ns ? now - req.intended_ns : 0);
    if (r->type == SREPLY_ERROR || r->type != SREPLY_INTEGER) {
        if (r->type == SREPLY_ERROR)
            client_count_error(t, "publish", r);
        else
            t->protocol_errors++;
        if (p->plog)
            pubsub_pub_log_protocol_error(p->plog);
        /* Its log entry stays unacknowledged, "in doubt", like a PUBLISH
         * whose reply never came (lost connection): it may or may not have
         * been delivered. */
        return true;
    }
    p->acked++;
    long long expected = spec_of(t)->subscribers;
    if (r->integer != expected && t->receiver_mismatches++ == 0)
        t->first_bad_receivers = r->integer;
    if (p->plog)
        pubsub_pub_log_acked(p->plog, req.tag, r->integer);
    return true;
}

/* The channel a message frame came on, if the frame is one this subscriber
 * can get: MESSAGE on one of the channels (by name), PMESSAGE on one of
 * them through the pattern that matches it (by pattern). */
static uint32_t frame_channel(const struct client_thread *t, const struct pubsub_conn *p,
                              const struct pubsub_frame *f)
{
    uint32_t channel;
    if (pubsub_channel_index(f->channel, f->channel_len, (uint32_t)spec_of(t)->channels, &channel) <
            0 ||
        (f->kind == PUBSUB_FRAME_PMESSAGE) != p->by_pattern)
        return PUBSUB_NO_CHANNEL;
    if (f->kind == PUBSUB_FRAME_PMESSAGE) {
        const char *want = pubsub_pattern(pubsub_pattern_of(channel));
        if (f->pattern_len != strlen(want) || memcmp(f->pattern, want, f->pattern_len) != 0)
            return PUBSUB_NO_CHANNEL;
    }
    return channel;
}

static void on_frame(struct client_thread *t, struct stress_conn *c, const struct stress_reply *r,
                     uint64_t now)
{
    struct pubsub_conn *p = c->pubsub;
    struct pubsub_frame f;
    if (r->type == SREPLY_ERROR) {
        client_count_error(t, "subscriber", r);
    } else if (pubsub_frame_parse(r, &f) < 0 ||
               (f.kind == PUBSUB_FRAME_SUBSCRIBE && p->sabotage < SABOTAGE_AWAY)) {
        t->protocol_errors++; /* only the sabotage changes the subscriptions */
    } else if (f.kind == PUBSUB_FRAME_SUBSCRIBE) {
        return; /* the sabotage's (un)subscription confirmed */
    } else {
        struct pubsub_message m;
        p->received++;
        t->messages_received++;
        t->last_message_ns = now;
        if (pubsub_message_decode(f.payload, f.payload_len, &m) == 0 && m.send_ns <= now)
            hist_record(t->delivery, now - m.send_ns);
        if (p->slog)
            pubsub_sub_log_message(p->slog, frame_channel(t, p, &f), f.payload, f.payload_len);
        return;
    }
    if (p->slog)
        pubsub_sub_log_protocol_error(p->slog);
}

bool client_pubsub_on_reply(struct client_thread *t, struct stress_conn *c,
                            const struct stress_reply *r, uint64_t now)
{
    if (c->pubsub->role == PUBSUB_PUBLISHER)
        return on_publish_reply(t, c, r, now);
    on_frame(t, c, r, now);
    return true;
}

void client_pubsub_progress(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    struct pubsub_conn *p = c->pubsub;
    if (!p || p->role != PUBSUB_PUBLISHER || p->finished ||
        !(c->dead || (!t->sending && c->ring_count == 0)))
        return;
    p->finished = true;
    /* Relaxed: client_writer_done's acq_rel decrement orders it before the
     * done time the subscribers acquire. */
    atomic_fetch_add_explicit(&t->run->messages_published, p->acked, memory_order_relaxed);
    client_writer_done(t->run, now);
}
