/*
 * pubsub_verify_check(): the anomaly counts of a --pubsub --verify run. The
 * subscribers counted duplicates and reorderings as the messages arrived;
 * what needs every log is which acknowledged messages a subscriber never
 * received, and which it received but nobody sent. See verify_pubsub.h.
 */
#include "tools/stress/verify_pubsub.h"

#include <errno.h>
#include <string.h>

static bool seen_bit(const struct pubsub_seen *seen, uint64_t seq)
{
    return seq <= seen->highest && seq <= 64 * (uint64_t)seen->words &&
           (seen->bits[(seq - 1) / 64] >> ((seq - 1) % 64) & 1);
}

/* One subscriber's receptions from one publisher, against what it sent. */
static void check_pair(const struct pubsub_pub_log *pub, const struct pubsub_seen *seen,
                       struct pubsub_verify_result *out)
{
    for (uint64_t seq = 1; seq <= pub->count; seq++)
        if (pub->acked[seq - 1] && !seen_bit(seen, seq))
            out->messages_lost++;
    for (uint64_t seq = pub->count + 1; seq <= seen->highest; seq++)
        out->never_published += seen_bit(seen, seq);
}

int pubsub_verify_check(const struct pubsub_pub_log *publishers, size_t publisher_count,
                        const struct pubsub_sub_log *subscribers, size_t subscriber_count,
                        struct pubsub_verify_result *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < publisher_count; i++)
        if (publishers[i].id != i || publishers[i].oom)
            return -EINVAL;
    for (size_t i = 0; i < subscriber_count; i++)
        if (subscribers[i].id != i || subscribers[i].oom ||
            subscribers[i].publishers != publisher_count)
            return -EINVAL;
    for (size_t p = 0; p < publisher_count; p++) {
        const struct pubsub_pub_log *pub = &publishers[p];
        for (size_t s = 0; s < pub->count; s++) {
            out->publishes_acked += pub->acked[s];
            out->publishes_in_doubt += !pub->acked[s];
        }
        if (pub->receiver_mismatches && !out->receiver_mismatches)
            out->first_bad_receivers = pub->first_bad_receivers;
        out->receiver_mismatches += pub->receiver_mismatches;
        out->protocol_errors += pub->protocol_errors;
    }
    for (size_t s = 0; s < subscriber_count; s++) {
        const struct pubsub_sub_log *sub = &subscribers[s];
        out->received += sub->received;
        out->duplicated += sub->duplicated;
        out->reordered += sub->reordered;
        out->never_published += sub->unknown;
        out->protocol_errors += sub->protocol_errors;
        for (size_t p = 0; p < publisher_count; p++)
            check_pair(&publishers[p], &sub->from[p], out);
    }
    out->expected = out->publishes_acked * subscriber_count;
    return 0;
}
