/*
 * The pub/sub workload (--pubsub P:S), its pure parts: which connections
 * publish and which subscribe, the channels ("pubsub:<n>", apart from every
 * key of the other workloads) and the patterns that cover them, where each
 * message goes, the messages themselves, and the frames a subscribed
 * connection receives. Publishers PUBLISH; subscribers SUBSCRIBE to every
 * channel, or PSUBSCRIBE to two patterns that between them match every
 * channel exactly once, so each message reaches each subscriber once and
 * PUBLISH answers S. The connections' behaviour lives in client_pubsub.c,
 * the check in verify_pubsub.h.
 */
#ifndef MAGPIE_STRESS_PUBSUB_H
#define MAGPIE_STRESS_PUBSUB_H

#include "tools/stress/reply_parser.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PUBSUB_ROLE_MAX           10000 /* publishers, and subscribers */
#define PUBSUB_CHANNELS_MAX       1024
#define PUBSUB_NAME_MAX           24
/* The patterns a pattern subscriber subscribes to: channels ending in an
 * even digit, and in an odd one. */
#define PUBSUB_PATTERN_COUNT      2
/* pubsub_message_encode never writes more than max(size, this). */
#define PUBSUB_MESSAGE_HEADER_MAX 96

struct pubsub_spec {
    int publishers; /* 0: no pub/sub workload */
    int subscribers;
    int channels;
    int pattern_subscribers; /* of the subscribers, these PSUBSCRIBE */
    bool sabotage;           /* the negative control: subscriber 0 leaves a while */
};

/* Parses "P:S" (each 1..PUBSUB_ROLE_MAX). 0 or -EINVAL. */
int pubsub_spec_parse(const char *text, int *publishers, int *subscribers);

enum pubsub_role { PUBSUB_PUBLISHER, PUBSUB_SUBSCRIBER };

/* The role of connection `index` (0 .. P + S - 1) and its publisher or
 * subscriber id (dense, from 0); publishers are spread over the indexes. */
enum pubsub_role pubsub_role_of(const struct pubsub_spec *spec, uint32_t index, uint32_t *id);
/* Whether subscriber `id` subscribes by pattern (spread over the ids too). */
bool pubsub_by_pattern(const struct pubsub_spec *spec, uint32_t id);

/* "pubsub:<n>"; its length. */
size_t pubsub_channel_name(uint32_t n, char out[PUBSUB_NAME_MAX]);
/* The n of a "pubsub:<n>" with n < channels; -EINVAL when it is not one. */
int pubsub_channel_index(const char *name, size_t len, uint32_t channels, uint32_t *out);
/* Pattern i of PUBSUB_PATTERN_COUNT, and the one that matches channel n. */
const char *pubsub_pattern(int i);
int pubsub_pattern_of(uint32_t channel);
/* The channel of publisher's message `seq`: round robin from its own
 * offset, so every publisher writes every channel. */
uint32_t pubsub_channel_of(uint32_t channels, uint32_t publisher, uint64_t seq);

/*
 * The arguments of a subscriber's subscription: SUBSCRIBE and every channel
 * (names holds spec->channels names), or PSUBSCRIBE and the patterns. argv
 * and lens have room for spec->channels + 1. Returns the argument count; the
 * server answers one confirmation per argument after the first.
 */
int pubsub_subscribe_args(const struct pubsub_spec *spec, bool by_pattern,
                          char (*names)[PUBSUB_NAME_MAX], const char **argv, size_t *lens);

/* What a message says about itself. */
struct pubsub_message {
    uint32_t publisher;
    uint64_t seq; /* >= 1 */
    uint32_t channel;
    uint64_t send_ns; /* CLOCK_MONOTONIC when the PUBLISH was written */
};

/* Writes message m into buf (size >= max(message_size,
 * PUBSUB_MESSAGE_HEADER_MAX)), padded to message_size; its length. */
size_t pubsub_message_encode(char *buf, size_t size, const struct pubsub_message *m,
                             size_t message_size);
/* 0, or -EINVAL when the bytes are not a message pubsub_message_encode wrote. */
int pubsub_message_decode(const char *buf, size_t len, struct pubsub_message *out);

enum pubsub_frame_kind {
    PUBSUB_FRAME_MESSAGE,   /* message, channel, payload */
    PUBSUB_FRAME_PMESSAGE,  /* pmessage, pattern, channel, payload */
    PUBSUB_FRAME_SUBSCRIBE, /* [p]subscribe or [p]unsubscribe, name, count */
};

/* A frame a subscribed connection receives; the strings point into the
 * reply's buffer. */
struct pubsub_frame {
    enum pubsub_frame_kind kind;
    const char *verb; /* SUBSCRIBE frames: "subscribe", "punsubscribe", ... */
    size_t verb_len;
    const char *pattern; /* PMESSAGE */
    size_t pattern_len;
    const char *channel; /* the channel, or the name (un)subscribed */
    size_t channel_len;
    const char *payload; /* MESSAGE and PMESSAGE */
    size_t payload_len;
    long long count; /* SUBSCRIBE frames: the connection's subscriptions now */
};

/* Reads a RESP2 array or RESP3 push frame; 0, or -EPROTO when it is none
 * of the above. */
int pubsub_frame_parse(const struct stress_reply *r, struct pubsub_frame *out);

#ifdef __cplusplus
}
#endif
#endif
