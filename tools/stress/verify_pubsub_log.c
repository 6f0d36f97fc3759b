/* The publishers' and subscribers' logs of --pubsub --verify. */
#include "tools/stress/pubsub.h"
#include "tools/stress/verify_pubsub.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void pubsub_pub_log_init(struct pubsub_pub_log *log, uint32_t id, long long expected_receivers)
{
    memset(log, 0, sizeof(*log));
    log->id = id;
    log->expected_receivers = expected_receivers;
}

void pubsub_pub_log_free(struct pubsub_pub_log *log)
{
    free(log->acked);
    memset(log, 0, sizeof(*log));
}

uint64_t pubsub_pub_log_sent(struct pubsub_pub_log *log)
{
    if (log->count == log->cap) {
        size_t want = log->cap ? log->cap * 2 : 4096;
        uint8_t *grown = realloc(log->acked, want);
        if (!grown) {
            log->oom = true;
            return ++log->count; /* the run goes on; the check will refuse */
        }
        log->acked = grown;
        log->cap = want;
    }
    log->acked[log->count] = 0;
    return ++log->count;
}

void pubsub_pub_log_acked(struct pubsub_pub_log *log, uint64_t seq, long long receivers)
{
    if (receivers != log->expected_receivers && log->receiver_mismatches++ == 0)
        log->first_bad_receivers = receivers;
    if (seq == 0 || seq > log->count || log->oom)
        return; /* only after oom */
    assert(!log->acked[seq - 1]);
    log->acked[seq - 1] = 1;
}

void pubsub_pub_log_protocol_error(struct pubsub_pub_log *log)
{
    log->protocol_errors++;
}

int pubsub_sub_log_init(struct pubsub_sub_log *log, uint32_t id, uint32_t publishers,
                        uint32_t channels)
{
    memset(log, 0, sizeof(*log));
    log->id = id;
    log->publishers = publishers;
    log->channels = channels;
    log->from = calloc(publishers ? publishers : 1, sizeof(*log->from));
    return log->from ? 0 : -ENOMEM;
}

void pubsub_sub_log_free(struct pubsub_sub_log *log)
{
    for (uint32_t p = 0; log->from && p < log->publishers; p++)
        free(log->from[p].bits);
    free(log->from);
    memset(log, 0, sizeof(*log));
}

/* Makes bit seq - 1 addressable; false (and log->oom) when out of memory. */
static bool reserve_bit(struct pubsub_sub_log *log, struct pubsub_seen *seen, uint64_t seq)
{
    size_t need = (size_t)((seq + 63) / 64);
    if (need <= seen->words)
        return true;
    size_t want = seen->words ? seen->words : 64;
    while (want < need)
        want *= 2;
    uint64_t *grown = realloc(seen->bits, want * sizeof(*grown));
    if (!grown) {
        log->oom = true;
        return false;
    }
    memset(grown + seen->words, 0, (want - seen->words) * sizeof(*grown));
    seen->bits = grown;
    seen->words = want;
    return true;
}

void pubsub_sub_log_message(struct pubsub_sub_log *log, uint32_t channel, const char *payload,
                            size_t len)
{
    struct pubsub_message m;
    log->received++;
    if (pubsub_message_decode(payload, len, &m) < 0 || m.publisher >= log->publishers ||
        channel == PUBSUB_NO_CHANNEL || m.channel != channel ||
        channel != pubsub_channel_of(log->channels, m.publisher, m.seq)) {
        log->unknown++;
        return;
    }
    struct pubsub_seen *seen = &log->from[m.publisher];
    if (m.seq > seen->highest + PUBSUB_MAX_GAP) {
        log->unknown++;
        return;
    }
    if (!reserve_bit(log, seen, m.seq))
        return;
    uint64_t bit = UINT64_C(1) << ((m.seq - 1) % 64);
    uint64_t *word = &seen->bits[(m.seq - 1) / 64];
    if (*word & bit) {
        log->duplicated++;
        return;
    }
    *word |= bit;
    log->distinct++;
    if (m.seq < seen->highest)
        log->reordered++;
    else
        seen->highest = m.seq;
}

void pubsub_sub_log_protocol_error(struct pubsub_sub_log *log)
{
    log->protocol_errors++;
}
