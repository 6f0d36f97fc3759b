/*
 * The pub/sub registry (store/pubsub.h): channel stripes, the pattern list,
 * and each subscriber's own set of names.
 */
#include "store/pubsub.h"

#include "core/alloc.h"
#include "core/glob.h"
#include "core/lock.h"
#include "store/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64 /* per namespace: channels, shard channels */

/* A channel with subscribers, in its stripe's table. */
struct channel {
    struct table_node node;
    struct pubsub_subscriber **subs;
    uint32_t nsubs, cap;
    uint32_t len;
    char name[];
};

struct stripe {
    struct lock lock;
    struct table channels; /* name -> struct channel */
} CACHE_ALIGNED;

struct pattern_entry {
    struct pubsub_subscriber *sub;
    struct bytes *pattern;
};

struct pubsub {
    struct stripe stripes[2][STRIPES]; /* [0] channels, [1] shard channels */
    struct lock patterns_lock;
    struct pattern_entry *patterns; /* under patterns_lock */
    uint32_t npatterns, patterns_cap;
    ATOMIC(long) channels_live[2]; /* channels with a subscriber, per namespace */
    ATOMIC(long) patterns_live;
};

/* A name in a subscriber's own set (for UNSUBSCRIBE without arguments). */
struct sub_name {
    struct table_node node;
    uint64_t order; /* when it was subscribed, in its subscriber's count */
    uint32_t len;
    char name[];
};

static struct channel *channel_of(const struct table_node *n)
{
    return container_of(n, struct channel, node);
}

static struct sub_name *sub_name_of(const struct table_node *n)
{
    return container_of(n, struct sub_name, node);
}

static uint64_t channel_hash(const struct table_node *n)
{
    return hash_key(channel_of(n)->name, channel_of(n)->len);
}

static bool channel_equals(const struct table_node *n, const void *key, size_t len)
{
    return channel_of(n)->len == len && memcmp(channel_of(n)->name, key, len) == 0;
}

static uint64_t sub_name_hash(const struct table_node *n)
{
    return hash_key(sub_name_of(n)->name, sub_name_of(n)->len);
}

static bool sub_name_equals(const struct table_node *n, const void *key, size_t len)
{
    return sub_name_of(n)->len == len && memcmp(sub_name_of(n)->name, key, len) == 0;
}

static void sub_name_free(struct table_node *n)
{
    mem_free(sub_name_of(n));
}

static const struct table_type channel_type = {
    .hash = channel_hash, .key_equals = channel_equals, .free_node = NULL};
static const struct table_type sub_name_type = {
    .hash = sub_name_hash, .key_equals = sub_name_equals, .free_node = sub_name_free};

static int space_of(enum pubsub_kind kind)
{
    return kind == PUBSUB_SHARD ? 1 : 0;
}

struct pubsub *pubsub_new(void)
{
    struct pubsub *ps = mem_calloc(1, sizeof(*ps));
    if (!ps)
        return NULL;
    for (int space = 0; space < 2; space++)
        for (uint32_t i = 0; i < STRIPES; i++) {
            lock_init(&ps->stripes[space][i].lock, LOCK_CLASS_CHANNELS,
                      (uint32_t)space * STRIPES + i);
            table_init(&ps->stripes[space][i].channels, &channel_type);
        }
    lock_init(&ps->patterns_lock, LOCK_CLASS_CHANNELS, 2 * STRIPES);
    return ps;
}

void pubsub_free(struct pubsub *ps)
{
    if (!ps)
        return;
    for (int space = 0; space < 2; space++)
        for (uint32_t i = 0; i < STRIPES; i++) {
            table_clear(&ps->stripes[space][i].channels); /* empty: subscribers left */
            lock_destroy(&ps->stripes[space][i].lock);
        }
    mem_free(ps->patterns);
    lock_destroy(&ps->patterns_lock);
    mem_free(ps);
}

void pubsub_subscriber_init(struct pubsub_subscriber *sub, pubsub_deliver_fn deliver)
{
    sub->deliver = deliver;
    for (int k = 0; k < 3; k++) {
        table_init(&sub->names[k], &sub_name_type);
        atomic_init(&sub->counts[k], 0);
    }
    sub->subscribed = 0;
}

void pubsub_subscriber_destroy(struct pubsub *ps, struct pubsub_subscriber *sub)
{
    for (int k = 0; k < 3; k++) {
        if (ps)
            pubsub_unsubscribe_all(ps, sub, (enum pubsub_kind)k);
        table_clear(&sub->names[k]);
    }
}

static struct stripe *stripe_for(struct pubsub *ps, enum pubsub_kind kind, uint64_t hash)
{
    return &ps->stripes[space_of(kind)][hash % STRIPES];
}

/* Removes a channel nobody listens on any more (the stripe's lock held). */
static void do_drop_channel(struct pubsub *ps, struct stripe *st, struct channel *ch,
                            enum pubsub_kind kind, uint64_t hash)
{
    struct table_pos pos;
    if (table_find(&st->channels, hash, ch->name, ch->len, &pos) == &ch->node)
        table_unlink(&st->channels, pos);
    mem_free(ch->subs);
    mem_free(ch);
    atomic_fetch_sub_explicit(&ps->channels_live[space_of(kind)], 1, memory_order_relaxed);
}

/* Adds sub to the channel's subscribers, creating the channel (the
 * stripe's lock held). */
static int do_join_channel(struct pubsub *ps, struct stripe *st, struct pubsub_subscriber *sub,
                           enum pubsub_kind kind, const char *name, size_t len, uint64_t hash)
{
    struct table_node *n = table_find(&st->channels, hash, name, len, NULL);
    struct channel *ch = n ? channel_of(n) : NULL;
    if (!ch) {
        ch = mem_calloc(1, sizeof(*ch) + len);
        if (!ch || table_insert(&st->channels, hash, &ch->node) != 0) {
            mem_free(ch);
            return -ENOMEM;
        }
        ch->len = (uint32_t)len;
        memcpy(ch->name, name, len);
        atomic_fetch_add_explicit(&ps->channels_live[space_of(kind)], 1, memory_order_relaxed);
    }
    if (ch->nsubs == ch->cap) {
        uint32_t cap = ch->cap ? ch->cap * 2 : 4;
        struct pubsub_subscriber **grown = mem_alloc(cap * sizeof(*grown));
        if (!grown) {
            if (ch->nsubs == 0) { /* just made: nobody may find it empty */
                do_drop_channel(ps, st, ch, kind, hash);
            }
            return -ENOMEM;
        }
        if (ch->nsubs)
            memcpy(grown, ch->subs, ch->nsubs * sizeof(*grown));
        mem_free(ch->subs);
        ch->subs = grown;
        ch->cap = cap;
    }
    ch->subs[ch->nsubs++] = sub;
    return 0;
}

static void do_leave_channel(struct pubsub *ps, struct stripe *st, struct pubsub_subscriber *sub,
                             enum pubsub_kind kind, const char *name, size_t len, uint64_t hash)
{
    struct table_node *n = table_find(&st->channels, hash, name, len, NULL);
    if (!n)
        return;
    struct channel *ch = channel_of(n);
    for (uint32_t i = 0; i < ch->nsubs; i++)
        if (ch->subs[i] == sub) {
            ch->subs[i] = ch->subs[--ch->nsubs];
            break;
        }
    if (ch->nsubs == 0)
        do_drop_channel(ps, st, ch, kind, hash);
}

/* Whether another subscription to the same pattern exists (NUMPAT counts
 * distinct patterns, as Redis does). */
static bool do_pattern_shared(const struct pubsub *ps, const char *name, size_t len)
{
    for (uint32_t i = 0; i < ps->npatterns; i++) {
        const struct bytes *p = ps->patterns[i].pattern;
        if (p->len == len && memcmp(p->data, name, len) == 0)
            return true;
    }
    return false;
}

static int do_join_patterns(struct pubsub *ps, struct pubsub_subscriber *sub, struct bytes *pattern)
{
    if (ps->npatterns == ps->patterns_cap) {
        uint32_t cap = ps->patterns_cap ? ps->patterns_cap * 2 : 16;
        struct pattern_entry *grown = mem_alloc(cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        if (ps->npatterns)
            memcpy(grown, ps->patterns, ps->npatterns * sizeof(*grown));
        mem_free(ps->patterns);
        ps->patterns = grown;
        ps->patterns_cap = cap;
    }
    if (!do_pattern_shared(ps, pattern->data, pattern->len))
        atomic_fetch_add_explicit(&ps->patterns_live, 1, memory_order_relaxed);
    /* Appended: deliveries follow the order patterns were subscribed. */
    ps->patterns[ps->npatterns++] = (struct pattern_entry){sub, pattern};
    return 0;
}

static struct bytes *do_leave_patterns(struct pubsub *ps, struct pubsub_subscriber *sub,
                                       const char *name, size_t len)
{
    for (uint32_t i = 0; i < ps->npatterns; i++) {
        struct pattern_entry *e = &ps->patterns[i];
        if (e->sub != sub || e->pattern->len != len || memcmp(e->pattern->data, name, len) != 0)
            continue;
        struct bytes *gone = e->pattern;
        memmove(e, e + 1, (ps->npatterns - i - 1) * sizeof(*e));
        ps->npatterns--;
        if (!do_pattern_shared(ps, name, len))
            atomic_fetch_sub_explicit(&ps->patterns_live, 1, memory_order_relaxed);
        return gone;
    }
    return NULL;
}

static int join(struct pubsub *ps, struct pubsub_subscriber *sub, enum pubsub_kind kind,
                const char *name, size_t len, uint64_t hash)
{
    int rc = -ENOMEM;
    if (kind != PUBSUB_PATTERN) {
        struct stripe *st = stripe_for(ps, kind, hash);
        LOCK_GUARD (&st->lock)
            rc = do_join_channel(ps, st, sub, kind, name, len, hash);
        return rc;
    }
    struct bytes *pattern = bytes_new(name, len);
    if (!pattern)
        return -ENOMEM;
    LOCK_GUARD (&ps->patterns_lock)
        rc = do_join_patterns(ps, sub, pattern);
    if (rc != 0)
        bytes_unref(pattern);
    return rc;
}

static void leave(struct pubsub *ps, struct pubsub_subscriber *sub, enum pubsub_kind kind,
                  const char *name, size_t len, uint64_t hash)
{
    if (kind != PUBSUB_PATTERN) {
        struct stripe *st = stripe_for(ps, kind, hash);
        LOCK_GUARD (&st->lock)
            do_leave_channel(ps, st, sub, kind, name, len, hash);
        return;
    }
    struct bytes *gone = NULL;
    LOCK_GUARD (&ps->patterns_lock)
        gone = do_leave_patterns(ps, sub, name, len);
    bytes_unref(gone);
}

int pubsub_subscribe(struct pubsub *ps, struct pubsub_subscriber *sub, enum pubsub_kind kind,
                     const char *name, size_t len)
{
    uint64_t hash = hash_key(name, len);
    struct table *mine = &sub->names[kind];
    if (table_find(mine, hash, name, len, NULL))
        return 0;
    struct sub_name *sn = mem_alloc(sizeof(*sn) + len);
    if (!sn || table_reserve(mine) != 0) {
        mem_free(sn);
        return -ENOMEM;
    }
    sn->len = (uint32_t)len;
    sn->order = sub->subscribed++;
    memcpy(sn->name, name, len);
    int rc = join(ps, sub, kind, name, len, hash);
    if (rc != 0) {
        mem_free(sn);
        return rc;
    }
    table_insert(mine, hash, &sn->node); /* reserved: cannot fail */
    atomic_store_explicit(&sub->counts[kind], (uint32_t)table_count(mine), memory_order_relaxed);
    return 1;
}

int pubsub_unsubscribe(struct pubsub *ps, struct pubsub_subscriber *sub, enum pubsub_kind kind,
                       const char *name, size_t len)
{
    uint64_t hash = hash_key(name, len);
    struct table *mine = &sub->names[kind];
    struct table_pos pos;
    struct table_node *n = table_find(mine, hash, name, len, &pos);
    if (!n)
        return 0;
    leave(ps, sub, kind, name, len, hash);
    table_unlink(mine, pos);
    sub_name_free(n);
    atomic_store_explicit(&sub->counts[kind], (uint32_t)table_count(mine), memory_order_relaxed);
    return 1;
}

struct each_ctx {
    void (*fn)(void *ctx, const char *name, size_t len);
    void *ctx;
};

static void each_name(void *arg, struct table_node *n)
{
    struct each_ctx *e = arg;
    e->fn(e->ctx, sub_name_of(n)->name, sub_name_of(n)->len);
}

struct node_list {
    struct sub_name **at;
    size_t n;
};

static void collect_node(void *arg, struct table_node *n)
{
    struct node_list *l = arg;
    l->at[l->n++] = sub_name_of(n);
}

static int by_order(const void *a, const void *b)
{
    uint64_t x = (*(struct sub_name *const *)a)->order;
    uint64_t y = (*(struct sub_name *const *)b)->order;
    return x < y ? -1 : x > y;
}

void pubsub_each_name(struct pubsub_subscriber *sub, enum pubsub_kind kind,
                      void (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
    struct table *names = &sub->names[kind];
    struct node_list l = {NULL, 0};
    if (kind == PUBSUB_PATTERN && table_count(names) > 1)
        l.at = mem_alloc((size_t)table_count(names) * sizeof(*l.at));
    if (!l.at) { /* channels, or no memory to sort: table order */
        struct each_ctx e = {fn, ctx};
        table_foreach(names, each_name, &e);
        return;
    }
    table_foreach(names, collect_node, &l);
    qsort(l.at, l.n, sizeof(*l.at), by_order);
    for (size_t i = 0; i < l.n; i++)
        fn(ctx, l.at[i]->name, l.at[i]->len);
    mem_free(l.at);
}

/* Collects names first: unsubscribing changes the table being walked. */
struct name_list {
    char **names;
    size_t *lens;
    size_t n;
};

static void collect_name(void *arg, const char *name, size_t len)
{
    struct name_list *l = arg;
    l->names[l->n] = mem_alloc(len ? len : 1);
    if (l->names[l->n]) {
        memcpy(l->names[l->n], name, len);
        l->lens[l->n++] = len;
    }
}

void pubsub_unsubscribe_all(struct pubsub *ps, struct pubsub_subscriber *sub, enum pubsub_kind kind)
{
    /* One at a time from the table, so running out of memory for the list
     * still leaves every subscription (the loop goes on until none is left). */
    while (table_count(&sub->names[kind]) > 0) {
        size_t n = (size_t)table_count(&sub->names[kind]);
        struct name_list l = {mem_alloc(n * sizeof(char *)), mem_alloc(n * sizeof(size_t)), 0};
        if (l.names && l.lens)
            pubsub_each_name(sub, kind, collect_name, &l);
        for (size_t i = 0; i < l.n; i++) {
            pubsub_unsubscribe(ps, sub, kind, l.names[i], l.lens[i]);
            mem_free(l.names[i]);
        }
        bool progress = l.n > 0;
        mem_free(l.names);
        mem_free(l.lens);
        if (!progress) { /* no memory for a list: drop one name directly */
            struct table_node *any = table_random(&sub->names[kind], &(uint64_t){1});
            pubsub_unsubscribe(ps, sub, kind, sub_name_of(any)->name, sub_name_of(any)->len);
        }
    }
}

/* Delivers to the channel's subscribers (the stripe's lock held); returns
 * how many. */
static long do_deliver_channel(struct stripe *st, struct pubsub_message *m, uint64_t hash)
{
    struct table_node *n = table_find(&st->channels, hash, m->channel->data, m->channel->len, NULL);
    if (!n)
        return 0;
    struct channel *ch = channel_of(n);
    for (uint32_t i = 0; i < ch->nsubs; i++)
        ch->subs[i]->deliver(ch->subs[i], m);
    return ch->nsubs;
}

/* Delivers to the subscribers of matching patterns (the patterns lock
 * held). */
static long do_deliver_patterns(struct pubsub *ps, struct pubsub_message *m)
{
    long receivers = 0;
    m->kind = PUBSUB_PATTERN;
    for (uint32_t i = 0; i < ps->npatterns; i++) {
        struct pattern_entry *e = &ps->patterns[i];
        if (!glob_match(e->pattern->data, e->pattern->len, m->channel->data, m->channel->len,
                        false))
            continue;
        m->pattern = e->pattern;
        e->sub->deliver(e->sub, m);
        receivers++;
    }
    return receivers;
}

long pubsub_publish(struct pubsub *ps, enum pubsub_kind kind, const char *channel, size_t len,
                    const char *payload, size_t payload_len)
{
    struct pubsub_message m = {.kind = kind};
    m.channel = bytes_new(channel, len);
    m.payload = bytes_new(payload, payload_len);
    long receivers = -ENOMEM;
    if (m.channel && m.payload) {
        uint64_t hash = hash_key(channel, len);
        struct stripe *st = stripe_for(ps, kind, hash);
        LOCK_GUARD (&st->lock)
            receivers = do_deliver_channel(st, &m, hash);
        if (kind == PUBSUB_CHANNEL &&
            atomic_load_explicit(&ps->patterns_live, memory_order_relaxed) > 0) {
            long matched = 0;
            LOCK_GUARD (&ps->patterns_lock)
                matched = do_deliver_patterns(ps, &m);
            receivers += matched;
        }
    }
    bytes_unref(m.channel);
    bytes_unref(m.payload);
    bytes_unref(m.framed);
    return receivers;
}

struct match_ctx {
    const char *pattern;
    size_t pattern_len;
    void (*fn)(void *ctx, const char *name, size_t len);
    void *ctx;
};

static void match_channel(void *arg, struct table_node *n)
{
    struct match_ctx *mc = arg;
    struct channel *ch = channel_of(n);
    if (!mc->pattern || glob_match(mc->pattern, mc->pattern_len, ch->name, ch->len, false))
        mc->fn(mc->ctx, ch->name, ch->len);
}

void pubsub_channels(struct pubsub *ps, enum pubsub_kind kind, const char *pattern,
                     size_t pattern_len, void (*fn)(void *ctx, const char *name, size_t len),
                     void *ctx)
{
    struct match_ctx mc = {pattern, pattern_len, fn, ctx};
    for (uint32_t i = 0; i < STRIPES; i++) {
        struct stripe *st = &ps->stripes[space_of(kind)][i];
        LOCK_GUARD (&st->lock)
            table_foreach(&st->channels, match_channel, &mc);
    }
}

long pubsub_numsub(struct pubsub *ps, enum pubsub_kind kind, const char *channel, size_t len)
{
    uint64_t hash = hash_key(channel, len);
    struct stripe *st = stripe_for(ps, kind, hash);
    long n = 0;
    LOCK_GUARD (&st->lock) {
        struct table_node *node = table_find(&st->channels, hash, channel, len, NULL);
        n = node ? (long)channel_of(node)->nsubs : 0;
    }
    return n;
}

long pubsub_numpat(struct pubsub *ps)
{
    return atomic_load_explicit(&ps->patterns_live, memory_order_relaxed);
}

long pubsub_channel_count(struct pubsub *ps, enum pubsub_kind kind)
{
    return atomic_load_explicit(&ps->channels_live[space_of(kind)], memory_order_relaxed);
}
