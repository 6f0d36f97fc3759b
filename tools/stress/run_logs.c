#include "tools/stress/run_logs.h"

#include <stdlib.h>
#include <string.h>

static bool alloc_pubsub_logs(const struct pubsub_spec *p, struct run_logs *l)
{
    l->publishers = calloc((size_t)p->publishers, sizeof(*l->publishers));
    l->subscribers = calloc((size_t)p->subscribers, sizeof(*l->subscribers));
    if (!l->publishers || !l->subscribers)
        return false;
    for (; l->publisher_count < (size_t)p->publishers; l->publisher_count++)
        pubsub_pub_log_init(&l->publishers[l->publisher_count], (uint32_t)l->publisher_count,
                            p->subscribers);
    for (; l->subscriber_count < (size_t)p->subscribers; l->subscriber_count++)
        if (pubsub_sub_log_init(&l->subscribers[l->subscriber_count], (uint32_t)l->subscriber_count,
                                (uint32_t)p->publishers, (uint32_t)p->channels) < 0)
            return false;
    return true;
}

static bool alloc_transfer_logs(const struct transfer_spec *x, struct run_logs *l)
{
    size_t count = (size_t)x->movers + (size_t)x->readers;
    l->transfers = calloc(count, sizeof(*l->transfers));
    if (!l->transfers)
        return false;
    for (; l->transfer_count < count; l->transfer_count++)
        if (transfer_log_init(&l->transfers[l->transfer_count], (uint32_t)l->transfer_count,
                              (uint32_t)x->accounts, transfer_total(x)) < 0)
            return false;
    return true;
}

bool run_logs_alloc(const struct stress_options *o, struct run_logs *l)
{
    memset(l, 0, sizeof(*l));
    if (!o->verify)
        return true;
    if (o->pubsub.publishers)
        return alloc_pubsub_logs(&o->pubsub, l);
    if (o->transfer.movers)
        return alloc_transfer_logs(&o->transfer, l);
    if (!o->queue.producers) {
        l->vlog_count = (size_t)o->clients + 1; /* + the final reads' pseudo-client */
        l->vlogs = calloc(l->vlog_count, sizeof(*l->vlogs));
        for (size_t i = 0; l->vlogs && i < l->vlog_count; i++)
            verify_log_init(&l->vlogs[i], (uint32_t)i);
        return l->vlogs != NULL;
    }
    l->producer_count = (size_t)o->queue.producers;
    l->consumer_count = (size_t)o->queue.consumers + 1; /* + the final drain's */
    l->producers = calloc(l->producer_count, sizeof(*l->producers));
    l->consumers = calloc(l->consumer_count, sizeof(*l->consumers));
    for (size_t i = 0; l->producers && i < l->producer_count; i++)
        queue_log_init(&l->producers[i], (uint32_t)i);
    for (size_t i = 0; l->consumers && i < l->consumer_count; i++)
        queue_log_init(&l->consumers[i], (uint32_t)i);
    return l->producers && l->consumers;
}

void run_logs_free(struct run_logs *l)
{
    for (size_t i = 0; l->vlogs && i < l->vlog_count; i++)
        verify_log_free(&l->vlogs[i]);
    for (size_t i = 0; l->producers && i < l->producer_count; i++)
        queue_log_free(&l->producers[i]);
    for (size_t i = 0; l->consumers && i < l->consumer_count; i++)
        queue_log_free(&l->consumers[i]);
    for (size_t i = 0; i < l->publisher_count; i++)
        pubsub_pub_log_free(&l->publishers[i]);
    for (size_t i = 0; i < l->subscriber_count; i++)
        pubsub_sub_log_free(&l->subscribers[i]);
    for (size_t i = 0; i < l->transfer_count; i++)
        transfer_log_free(&l->transfers[i]);
    free(l->vlogs);
    free(l->producers);
    free(l->consumers);
    free(l->publishers);
    free(l->subscribers);
    free(l->transfers);
}
