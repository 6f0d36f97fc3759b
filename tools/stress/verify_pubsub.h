/*
 * --pubsub --verify: every message reaches every subscriber exactly once, in
 * each publisher's order, as a pure module. Publishers and subscribers
 * record what they sent and what they received in their own log (no
 * sharing, no locks); after the run pubsub_verify_check() reads them all.
 * Tests feed it events by hand.
 *
 * The workload. Publisher p's message number seq goes to channel
 * pubsub_channel_of(p, seq) and names p, seq and that channel
 * (pubsub_message_encode), so every message received identifies the exact
 * PUBLISH that sent it. Every subscriber is subscribed to every channel
 * (by name, or by patterns that match each channel once) before the first
 * PUBLISH is written.
 *
 * What is checked, all derived from facts that hold whatever the timing:
 *  - lost: a PUBLISH that was answered had delivered its message to every
 *    subscriber (Redis writes it to each subscriber before answering), so a
 *    subscriber that never received it lost it; counted once per subscriber
 *    and message. A PUBLISH whose reply never came (its connection died)
 *    may or may not have happened: receiving it zero times or once is fine;
 *  - duplicated: every reception of a message beyond the first, per
 *    subscriber;
 *  - reordered: one publisher's PUBLISHes run in its sequence order (one
 *    connection executes in order) and a subscriber must see them in that
 *    order, so a message arriving after one with a higher sequence number
 *    from the same publisher is reordered (received late, not lost);
 *  - never published: a message that does not decode, came on a channel
 *    other than the one it names or was published to, names a publisher
 *    that does not exist, or a sequence number its publisher never sent;
 *  - receiver counts: every subscriber receives every message once, so
 *    every PUBLISH must answer the number of subscribers.
 * A subscriber records receptions as they arrive, in a bitmap of sequence
 * numbers per publisher (one bit per message, not a log of events), so a
 * long run's memory stays small.
 */
#ifndef MAGPIE_STRESS_VERIFY_PUBSUB_H
#define MAGPIE_STRESS_VERIFY_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A message this far beyond the highest sequence number received from its
 * publisher is taken as never published rather than grow the bitmap by it. */
#define PUBSUB_MAX_GAP    (UINT64_C(1) << 24)
/* The channel of a message that came on a channel (or pattern) that is not
 * one of the run's. */
#define PUBSUB_NO_CHANNEL UINT32_MAX

/* A publisher's log: one byte per PUBLISH sent, at index seq - 1. */
struct pubsub_pub_log {
    uint32_t id; /* publisher id: logs are passed to the check by id */
    uint8_t *acked;
    size_t count, cap;
    long long expected_receivers;
    uint64_t receiver_mismatches; /* PUBLISHes that answered another count */
    long long first_bad_receivers;
    uint64_t protocol_errors;
    bool oom; /* an append failed: the log is incomplete, checking is void */
};

void pubsub_pub_log_init(struct pubsub_pub_log *log, uint32_t id, long long expected_receivers);
void pubsub_pub_log_free(struct pubsub_pub_log *log);
/* Records a PUBLISH about to be written; returns its sequence number (>= 1). */
uint64_t pubsub_pub_log_sent(struct pubsub_pub_log *log);
/* Its reply: the number of receivers. */
void pubsub_pub_log_acked(struct pubsub_pub_log *log, uint64_t seq, long long receivers);
void pubsub_pub_log_protocol_error(struct pubsub_pub_log *log);

/* One publisher's messages as one subscriber received them. */
struct pubsub_seen {
    uint64_t *bits; /* bit seq - 1 */
    size_t words;
    uint64_t highest;
};

/* A subscriber's log. */
struct pubsub_sub_log {
    uint32_t id; /* subscriber id */
    uint32_t publishers, channels;
    struct pubsub_seen *from; /* by publisher */
    uint64_t received;        /* messages, all of them */
    uint64_t distinct;        /* first receptions of a known message */
    uint64_t duplicated;
    uint64_t reordered;
    uint64_t unknown; /* never published, as far as one reception can tell */
    uint64_t protocol_errors;
    bool oom;
};

/* 0 or -ENOMEM. */
int pubsub_sub_log_init(struct pubsub_sub_log *log, uint32_t id, uint32_t publishers,
                        uint32_t channels);
void pubsub_sub_log_free(struct pubsub_sub_log *log);
/* A message received on `channel` (PUBSUB_NO_CHANNEL when not ours). */
void pubsub_sub_log_message(struct pubsub_sub_log *log, uint32_t channel, const char *payload,
                            size_t len);
void pubsub_sub_log_protocol_error(struct pubsub_sub_log *log);

struct pubsub_verify_result {
    uint64_t messages_lost; /* per subscriber and message */
    uint64_t duplicated;
    uint64_t reordered;
    uint64_t never_published;
    uint64_t receiver_mismatches;
    long long first_bad_receivers;
    uint64_t protocol_errors; /* the logs' own count */
    uint64_t publishes_acked;
    uint64_t publishes_in_doubt; /* no reply: the message may or may not exist */
    uint64_t received;           /* by every subscriber together */
    uint64_t expected;           /* publishes_acked x subscribers */
};

/*
 * Checks every log: publishers[i].id and subscribers[i].id must be i, and
 * every subscriber log must have been made for publisher_count publishers.
 * Returns 0, or -EINVAL when a log is incomplete (oom) or misnumbered.
 */
int pubsub_verify_check(const struct pubsub_pub_log *publishers, size_t publisher_count,
                        const struct pubsub_sub_log *subscribers, size_t subscriber_count,
                        struct pubsub_verify_result *out);

#ifdef __cplusplus
}
#endif
#endif
