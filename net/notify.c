/*
 * Keyspace notifications: an observer of the write hook (store/events.h)
 * that publishes every announced change Redis would notify, as Redis names
 * it, to __keyspace@<db>__:<key> (the event as message) and
 * __keyevent@<db>__:<event> (the key as message), per notify-keyspace-events.
 * It runs under the changed key's shard lock, so notifications of one key
 * go out in the order its changes were made, on any worker.
 */
#include "net/notify.h"
#include "net/server.h"

#include "core/alloc.h"
#include "store/events.h"
#include "store/pubsub.h"

#include <stdio.h>
#include <string.h>

/* Publishes "<prefix><db>__:<suffix>" with the payload. */
static void publish(struct server *s, const char *prefix, int db, const char *suffix,
                    size_t suffix_len, const char *payload, size_t payload_len)
{
    char head[64];
    int n = snprintf(head, sizeof(head), "%s%d__:", prefix, db);
    char small[256];
    size_t len = (size_t)n + suffix_len;
    char *channel = len <= sizeof(small) ? small : mem_alloc(len);
    if (!channel)
        return;
    memcpy(channel, head, (size_t)n);
    memcpy(channel + n, suffix, suffix_len);
    pubsub_publish(s->pubsub, PUBSUB_CHANNEL, channel, len, payload, payload_len);
    if (channel != small)
        mem_free(channel);
}

static void on_key_event(void *ctx, const struct key_event *ev)
{
    struct server *s = ctx;
    unsigned flags = (unsigned)config_number(s->config, CONFIG_NOTIFY_KEYSPACE_EVENTS);
    if (!(flags & ev->cls) || !ev->key) /* whole-shard changes are not notified */
        return;
    size_t name_len = strlen(ev->name);
    if (flags & NOTIFY_KEYSPACE)
        publish(s, "__keyspace@", ev->db, ev->key, ev->key_len, ev->name, name_len);
    if (flags & NOTIFY_KEYEVENT)
        publish(s, "__keyevent@", ev->db, ev->name, name_len, ev->key, ev->key_len);
}

int notify_start(struct server *s)
{
    int rc = keyspace_observe_keys(s->ks, on_key_event, s);
    return rc ? rc : keyspace_observe_misses(s->ks, on_key_event, s);
}
