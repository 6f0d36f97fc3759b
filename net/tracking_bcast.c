/*
 * Client tracking's BCAST mode: the registered prefixes, and the keys
 * written under them. As Redis collects them per event loop and sends one
 * message per prefix and client (keys sorted, each once), a worker collects
 * them per client command in a thread-local batch and sends it when the
 * command ends (tracking_after_command); a change outside any command
 * (active expiry) is sent at once.
 */
#include "net/tracking_internal.h"

#include "core/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A prefix's index in the sorted list, or where it would go (*found). */
static uint32_t find_prefix(struct tracking *t, const char *bytes, size_t len, bool *found)
{
    uint32_t lo = 0, hi = (uint32_t)atomic_load_explicit(&t->nprefixes, memory_order_relaxed);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct tracking_prefix *p = &t->prefixes[mid];
        size_t n = p->len < len ? p->len : len;
        int c = memcmp(p->bytes, bytes, n);
        if (c == 0)
            c = p->len < len ? -1 : p->len > len;
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* Inserts a new prefix at index i (list_lock held). */
static int do_insert_prefix(struct tracking *t, uint32_t i, const char *bytes, size_t len)
{
    uint32_t n = (uint32_t)atomic_load_explicit(&t->nprefixes, memory_order_relaxed);
    if (n == t->prefixes_cap) {
        uint32_t cap = t->prefixes_cap ? t->prefixes_cap * 2 : 8;
        struct tracking_prefix *grown = mem_realloc(t->prefixes, cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        t->prefixes = grown;
        t->prefixes_cap = cap;
    }
    char *copy = mem_alloc(len ? len : 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, bytes, len);
    memmove(&t->prefixes[i + 1], &t->prefixes[i], (n - i) * sizeof(t->prefixes[0]));
    t->prefixes[i] = (struct tracking_prefix){copy, len, NULL, 0, 0};
    atomic_fetch_add_explicit(&t->nprefixes, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->live, 1, memory_order_relaxed);
    return 0;
}

int tracking_prefix_add(struct tracking *t, struct tracking_port *p, const char *bytes, size_t len)
{
    int rc = 0;
    LOCK_GUARD (&t->list_lock) {
        bool found;
        uint32_t i = find_prefix(t, bytes, len, &found);
        if (!found && (rc = do_insert_prefix(t, i, bytes, len)) != 0)
            continue;
        struct tracking_prefix *pre = &t->prefixes[i];
        if (pre->nports == pre->cap) {
            uint32_t cap = pre->cap ? pre->cap * 2 : 2;
            struct tracking_port **grown = mem_realloc(pre->ports, cap * sizeof(*grown));
            if (!grown) {
                rc = -ENOMEM; /* an empty new prefix stays: harmless, freed at exit */
                continue;
            }
            pre->ports = grown;
            pre->cap = cap;
        }
        pre->ports[pre->nports++] = tracking_port_ref(p);
    }
    return rc;
}

void tracking_prefix_remove(struct tracking *t, struct tracking_port *p, const char *bytes,
                            size_t len)
{
    struct tracking_port *dropped = NULL;
    LOCK_GUARD (&t->list_lock) {
        bool found;
        uint32_t i = find_prefix(t, bytes, len, &found);
        if (!found)
            continue;
        struct tracking_prefix *pre = &t->prefixes[i];
        for (uint32_t j = 0; j < pre->nports; j++)
            if (pre->ports[j] == p) {
                dropped = p;
                pre->ports[j] = pre->ports[--pre->nports];
                break;
            }
        if (pre->nports > 0)
            continue;
        mem_free(pre->bytes);
        mem_free(pre->ports);
        uint32_t n = (uint32_t)atomic_load_explicit(&t->nprefixes, memory_order_relaxed);
        memmove(&t->prefixes[i], &t->prefixes[i + 1], (n - i - 1) * sizeof(t->prefixes[0]));
        atomic_fetch_sub_explicit(&t->nprefixes, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&t->live, 1, memory_order_relaxed);
    }
    tracking_port_unref(dropped);
}

void tracking_prefixes_destroy(struct tracking *t)
{
    uint32_t n = (uint32_t)atomic_load_explicit(&t->nprefixes, memory_order_relaxed);
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < t->prefixes[i].nports; j++)
            tracking_port_unref(t->prefixes[i].ports[j]);
        mem_free(t->prefixes[i].ports);
        mem_free(t->prefixes[i].bytes);
    }
    mem_free(t->prefixes);
}

/* One key written under one client's prefix, waiting in this thread's batch. */
struct batch_item {
    struct tracking_port *port; /* a reference */
    uint64_t writer;
    uint32_t prefix_len, key_len;
    char data[]; /* prefix, then key */
};

/* The batch lives in a small thread-local array, and on the heap only
 * while a command's batch outgrows it (freed when sent: a worker thread
 * that ends leaves nothing behind). */
#define BATCH_INLINE 16
static _Thread_local struct batch_item *batch_inline[BATCH_INLINE];
static _Thread_local struct batch_item **batch;
static _Thread_local uint32_t batch_n, batch_cap;

static void batch_add(struct tracking_port *p, const struct tracking_prefix *pre, const char *key,
                      size_t len, uint64_t writer)
{
    if (!batch) {
        batch = batch_inline;
        batch_cap = BATCH_INLINE;
    }
    if (batch_n == batch_cap) {
        uint32_t cap = batch_cap * 2;
        struct batch_item **grown = mem_alloc(cap * sizeof(*grown));
        if (!grown)
            return; /* lost for memory */
        memcpy(grown, batch, batch_n * sizeof(*grown));
        if (batch != batch_inline)
            mem_free(batch);
        batch = grown;
        batch_cap = cap;
    }
    struct batch_item *it = mem_alloc(sizeof(*it) + pre->len + len);
    if (!it)
        return;
    it->port = tracking_port_ref(p);
    it->writer = writer;
    it->prefix_len = (uint32_t)pre->len;
    it->key_len = (uint32_t)len;
    memcpy(it->data, pre->bytes, pre->len);
    memcpy(it->data + pre->len, key, len);
    batch[batch_n++] = it;
}

void tracking_bcast_key(struct tracking *t, const char *key, size_t len, uint64_t writer)
{
    LOCK_GUARD (&t->list_lock) {
        uint32_t n = (uint32_t)atomic_load_explicit(&t->nprefixes, memory_order_relaxed);
        for (uint32_t i = 0; i < n; i++) {
            const struct tracking_prefix *pre = &t->prefixes[i];
            if (pre->len > len || memcmp(pre->bytes, key, pre->len) != 0)
                continue;
            for (uint32_t j = 0; j < pre->nports; j++)
                batch_add(pre->ports[j], pre, key, len, writer);
        }
    }
    if (!tracking_in_command())
        tracking_bcast_flush();
}

static int compare_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* Prefix, then client, then key: Redis's order of messages and keys. */
static int compare_items(const void *x, const void *y)
{
    const struct batch_item *a = *(struct batch_item *const *)x;
    const struct batch_item *b = *(struct batch_item *const *)y;
    int c = compare_bytes(a->data, a->prefix_len, b->data, b->prefix_len);
    if (c)
        return c;
    if (a->port->id != b->port->id)
        return a->port->id < b->port->id ? -1 : 1;
    return compare_bytes(a->data + a->prefix_len, a->key_len, b->data + b->prefix_len, b->key_len);
}

static bool same_group(const struct batch_item *a, const struct batch_item *b)
{
    return a->port == b->port && a->prefix_len == b->prefix_len &&
           memcmp(a->data, b->data, a->prefix_len) == 0;
}

static bool noloop_of(struct tracking_port *p)
{
    bool noloop = false;
    LOCK_GUARD (&p->lock)
        noloop = (p->flags & TRACKING_NOLOOP) != 0;
    return noloop;
}

/* Sends items [from, to) (one prefix, one client) as one message. */
static void send_group(uint32_t from, uint32_t to, const char **keys, size_t *lens)
{
    struct tracking_port *p = batch[from]->port;
    bool noloop = noloop_of(p);
    size_t n = 0;
    for (uint32_t i = from; i < to; i++) {
        struct batch_item *it = batch[i];
        if (noloop && it->writer == p->id)
            continue; /* its own write */
        const char *k = it->data + it->prefix_len;
        if (n > 0 && lens[n - 1] == it->key_len && memcmp(keys[n - 1], k, it->key_len) == 0)
            continue; /* written twice */
        keys[n] = k;
        lens[n++] = it->key_len;
    }
    if (n == 0)
        return;
    struct tracking_message m = {keys, lens, n, 0, {NULL, NULL}};
    tracking_deliver(p, &m);
    tracking_message_free(&m);
}

void tracking_bcast_flush(void)
{
    if (batch_n == 0)
        return;
    qsort(batch, batch_n, sizeof(*batch), compare_items);
    const char **keys = mem_alloc(batch_n * sizeof(*keys));
    size_t *lens = mem_alloc(batch_n * sizeof(*lens));
    for (uint32_t from = 0, to; from < batch_n; from = to) {
        for (to = from + 1; to < batch_n && same_group(batch[from], batch[to]); to++)
            ;
        if (keys && lens)
            send_group(from, to, keys, lens);
    }
    for (uint32_t i = 0; i < batch_n; i++) {
        tracking_port_unref(batch[i]->port);
        mem_free(batch[i]);
    }
    mem_free(keys);
    mem_free(lens);
    batch_n = 0;
    if (batch != batch_inline) {
        mem_free(batch);
        batch = batch_inline;
        batch_cap = BATCH_INLINE;
    }
}
