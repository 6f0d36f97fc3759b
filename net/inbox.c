/*
 * Session inboxes (net/inbox.h).
 */
#include "net/inbox.h"

#include "core/alloc.h"
#include "core/strconv.h"

#include <string.h>

struct inbox_item {
    struct inbox_item *next;
    struct bytes *raw;       /* a reference; NULL for a pub/sub message */
    struct pubsub_message m; /* references held, when raw is NULL */
    uint64_t bytes;
    bool framed; /* raw is a framed message: its first byte is the protocol's */
};

void inbox_init(struct inbox *in)
{
    atomic_init(&in->head, NULL);
    atomic_init(&in->bytes, 0);
}

static void item_free(struct inbox_item *it)
{
    if (it->raw) {
        bytes_unref(it->raw);
        mem_free(it);
        return;
    }
    bytes_unref(it->m.channel);
    bytes_unref(it->m.pattern);
    bytes_unref(it->m.payload);
    mem_free(it);
}

/* Takes everything queued, oldest first. */
static struct inbox_item *take_all(struct inbox *in)
{
    /* Acquire: pairs with the release in inbox_push_message, so each item's
     * fields (and the bytes they point to) are visible. */
    struct inbox_item *newest = atomic_exchange_explicit(&in->head, NULL, memory_order_acquire);
    struct inbox_item *oldest = NULL;
    while (newest) {
        struct inbox_item *next = newest->next;
        newest->next = oldest;
        oldest = newest;
        newest = next;
    }
    return oldest;
}

void inbox_destroy(struct inbox *in)
{
    for (struct inbox_item *it = take_all(in), *next; it; it = next) {
        next = it->next;
        item_free(it);
    }
    atomic_store_explicit(&in->bytes, 0, memory_order_relaxed);
}

/* What a message adds to the output: its bytes plus framing. */
static uint64_t message_bytes(const struct pubsub_message *m)
{
    uint64_t n = m->channel->len + m->payload->len + 64;
    return m->pattern ? n + m->pattern->len : n;
}

static void push(struct inbox *in, struct inbox_item *it)
{
    atomic_fetch_add_explicit(&in->bytes, it->bytes, memory_order_relaxed);
    struct inbox_item *head = atomic_load_explicit(&in->head, memory_order_relaxed);
    do
        it->next = head;
    /* Release: the item is complete before the consumer can see it. */
    while (!atomic_compare_exchange_weak_explicit(&in->head, &head, it, memory_order_release,
                                                  memory_order_relaxed));
}

bool inbox_push_raw(struct inbox *in, struct bytes *raw)
{
    struct inbox_item *it = mem_alloc(sizeof(*it));
    if (!it)
        return false;
    it->raw = bytes_ref(raw);
    it->bytes = raw->len;
    it->framed = false;
    push(in, it);
    return true;
}

/* Writes "$<len>\r\n<data>\r\n" at p; returns the end. */
static char *put_bulk(char *p, const char *data, size_t len)
{
    *p++ = '$';
    p += strconv_format_ll(p, (long long)len);
    memcpy(p, "\r\n", 2);
    memcpy(p + 2, data, len);
    memcpy(p + 2 + len, "\r\n", 2);
    return p + len + 4;
}

/* The message as reply_pubsub_message frames it for RESP2 ("*3" ...); a
 * RESP3 push differs only in the first byte (">3"). NULL when out of memory. */
static struct bytes *frame_message(const struct pubsub_message *m)
{
    const char *kind = m->kind == PUBSUB_SHARD ? "smessage" : "message";
    size_t len = 4 + (4 + strlen(kind) + 2) + (STRCONV_LL_BUF + 5 + m->channel->len) +
                 (STRCONV_LL_BUF + 5 + m->payload->len);
    struct bytes *b = bytes_new(NULL, len);
    if (!b)
        return NULL;
    char *p = b->data;
    memcpy(p, "*3\r\n", 4);
    p = put_bulk(p + 4, kind, strlen(kind));
    p = put_bulk(p, m->channel->data, m->channel->len);
    p = put_bulk(p, m->payload->data, m->payload->len);
    b->len = (uint32_t)(p - b->data); /* not published yet: still ours to trim */
    return b;
}

bool inbox_push_delivery(struct inbox *in, struct pubsub_message *m)
{
    if (m->kind == PUBSUB_PATTERN || m->payload->len >= INBOX_FRAMED_MAX)
        return inbox_push_message(in, m);
    if (!m->framed && (m->framed = frame_message(m)) == NULL)
        return inbox_push_message(in, m);
    struct inbox_item *it = mem_alloc(sizeof(*it));
    if (!it)
        return false;
    it->raw = bytes_ref(m->framed);
    it->framed = true;
    it->bytes = message_bytes(m);
    push(in, it);
    return true;
}

bool inbox_push_message(struct inbox *in, const struct pubsub_message *m)
{
    struct inbox_item *it = mem_alloc(sizeof(*it));
    if (!it)
        return false;
    it->raw = NULL;
    it->framed = false;
    it->m = *m;
    it->m.framed = NULL;
    bytes_ref(m->channel);
    bytes_ref(m->payload);
    if (m->pattern && m->kind == PUBSUB_PATTERN)
        bytes_ref(m->pattern);
    else
        it->m.pattern = NULL;
    it->bytes = message_bytes(&it->m);
    push(in, it);
    return true;
}

void reply_pubsub_message(struct reply *r, const struct pubsub_message *m)
{
    static const char *const kinds[] = {
        [PUBSUB_CHANNEL] = "message", [PUBSUB_PATTERN] = "pmessage", [PUBSUB_SHARD] = "smessage"};
    reply_push(r, m->kind == PUBSUB_PATTERN ? 4 : 3);
    reply_bulk_cstr(r, kinds[m->kind]);
    if (m->kind == PUBSUB_PATTERN)
        reply_bulk(r, m->pattern->data, m->pattern->len);
    reply_bulk(r, m->channel->data, m->channel->len);
    reply_bulk_bytes(r, m->payload); /* a big payload is referenced, not copied */
}

int inbox_drain(struct inbox *in, struct reply *r)
{
    int n = 0;
    for (struct inbox_item *it = take_all(in), *next; it; it = next) {
        next = it->next;
        if (it->framed && r->proto < 3) {
            outbuf_append(r->out, it->raw->data, it->raw->len);
        } else if (it->framed) { /* a RESP3 push: ">3" */
            outbuf_append(r->out, ">", 1);
            outbuf_append(r->out, it->raw->data + 1, it->raw->len - 1);
        } else if (it->raw && it->raw->len < 4096)
            outbuf_append(r->out, it->raw->data, it->raw->len);
        else if (it->raw)
            outbuf_append_bytes(r->out, it->raw, 0, it->raw->len);
        else
            reply_pubsub_message(r, &it->m);
        atomic_fetch_sub_explicit(&in->bytes, it->bytes, memory_order_relaxed);
        item_free(it);
        n++;
    }
    return n;
}
