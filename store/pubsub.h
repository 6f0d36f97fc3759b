/*
 * The pub/sub registry: which subscribers listen on which channels and
 * patterns, shared by every connection on every worker. PUBLISH finds the
 * receivers here and hands each one the message through its deliver
 * function; it never writes into another connection's output (that belongs
 * to the connection's task: net/ queues the message in an inbox the task
 * drains). A message's bytes are refcounted and shared by every receiver.
 *
 * Channels live in stripes chosen by the channel's hash, each a lock and a
 * table (store/table.h), so publishers on different channels do not
 * contend; patterns are one list under one lock. Shard channels (SSUBSCRIBE,
 * SPUBLISH) are a namespace of their own with the same rules. Locks: the
 * registry's rank above every shard lock (LOCK_CLASS_CHANNELS), so keyspace
 * notifications can publish from inside a write's locked section; a deliver
 * function takes no lock ranked below that.
 *
 * A subscriber is used by its owner alone (subscribe, unsubscribe, counts)
 * and by publishers only through deliver, under a stripe or pattern lock;
 * once pubsub_unsubscribe_all returned, no publisher can reach it.
 */
#ifndef MAGPIE_STORE_PUBSUB_H
#define MAGPIE_STORE_PUBSUB_H

#include "core/bytes.h"
#include "store/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pubsub_kind {
    PUBSUB_CHANNEL, /* SUBSCRIBE / PUBLISH: "message" */
    PUBSUB_PATTERN, /* PSUBSCRIBE: "pmessage" */
    PUBSUB_SHARD,   /* SSUBSCRIBE / SPUBLISH: "smessage" */
};

/* One delivery: shared bytes, each a reference the receiver may take. */
struct pubsub_message {
    enum pubsub_kind kind;
    struct bytes *channel;
    struct bytes *pattern; /* PUBSUB_PATTERN only */
    struct bytes *payload;
    /* The deliver functions' own cache for this publish (net/inbox.h: the
     * message framed once for every subscriber of the channel), NULL until
     * one builds it; pubsub_publish drops the reference at the end. */
    struct bytes *framed;
};

struct pubsub_subscriber;
/* Hands a message to its subscriber (bytes_ref what it keeps). Runs on the
 * publisher's thread under a registry lock: it must be quick, take no lock
 * ranked below LOCK_CLASS_CHANNELS, and never block. */
typedef void (*pubsub_deliver_fn)(struct pubsub_subscriber *sub, struct pubsub_message *m);

struct pubsub_subscriber {
    pubsub_deliver_fn deliver;
    /* What it listens on, by kind: channel or pattern names (owner only;
     * the counts are read by CLIENT LIST from other threads). */
    struct table names[3];
    ATOMIC(uint32_t) counts[3];
    uint64_t subscribed; /* subscriptions made: orders the patterns */
};

struct pubsub;

/* NULL when out of memory. */
struct pubsub *pubsub_new(void);
/* After every subscriber left. */
void pubsub_free(struct pubsub *ps);

void pubsub_subscriber_init(struct pubsub_subscriber *sub, pubsub_deliver_fn deliver);
/* Leaves every channel and pattern; then no publisher can reach sub. */
void pubsub_unsubscribe_all(struct pubsub *ps, struct pubsub_subscriber *sub,
                            enum pubsub_kind kind);
void pubsub_subscriber_destroy(struct pubsub *ps, struct pubsub_subscriber *sub);

/* Subscribes (PUBSUB_CHANNEL / _SHARD: a channel; _PATTERN: a pattern).
 * 1 when new, 0 when already subscribed, -ENOMEM. */
int pubsub_subscribe(struct pubsub *ps, struct pubsub_subscriber *sub, enum pubsub_kind kind,
                     const char *name, size_t len);
/* 1 when it was subscribed, 0 when not. */
int pubsub_unsubscribe(struct pubsub *ps, struct pubsub_subscriber *sub, enum pubsub_kind kind,
                       const char *name, size_t len);
/* What sub listens on, for UNSUBSCRIBE without arguments: calls fn for each
 * name of that kind (the caller may not change sub's subscriptions inside);
 * patterns in the order they were subscribed, as Redis keeps them. */
void pubsub_each_name(struct pubsub_subscriber *sub, enum pubsub_kind kind,
                      void (*fn)(void *ctx, const char *name, size_t len), void *ctx);

static inline uint32_t pubsub_count(const struct pubsub_subscriber *sub, enum pubsub_kind kind)
{
#ifdef __cplusplus
    return sub->counts[kind].load(std::memory_order_relaxed);
#else
    return atomic_load_explicit(&((struct pubsub_subscriber *)sub)->counts[kind],
                                memory_order_relaxed);
#endif
}

/*
 * PUBLISH (kind PUBSUB_CHANNEL: channel subscribers, then matching
 * patterns) or SPUBLISH (PUBSUB_SHARD). Returns how many receivers got it,
 * counted as Redis counts (a client on a channel and a matching pattern
 * twice); -ENOMEM. Every deliver runs on this thread before it returns
 * (the publisher's own subscriber included, which net/ answers in place, so
 * its message precedes PUBLISH's reply as in Redis).
 */
long pubsub_publish(struct pubsub *ps, enum pubsub_kind kind, const char *channel, size_t len,
                    const char *payload, size_t payload_len);

/* PUBSUB CHANNELS / SHARDCHANNELS [pattern]: calls fn for every channel
 * with at least one subscriber (pattern NULL: all). */
void pubsub_channels(struct pubsub *ps, enum pubsub_kind kind, const char *pattern,
                     size_t pattern_len, void (*fn)(void *ctx, const char *name, size_t len),
                     void *ctx);
/* PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel. */
long pubsub_numsub(struct pubsub *ps, enum pubsub_kind kind, const char *channel, size_t len);
/* PUBSUB NUMPAT, and INFO's pubsub_channels / pubsub_patterns. */
long pubsub_numpat(struct pubsub *ps);
long pubsub_channel_count(struct pubsub *ps, enum pubsub_kind kind);

#ifdef __cplusplus
}
#endif
#endif
