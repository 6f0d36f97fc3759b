/*
 * The two designs measured for a large sorted set, side by side in one run:
 *
 *   btree     what Magpie uses (store/zset_large.h): a member table of
 *             nodes (link, score, length, bytes) and a B+tree of pointers
 *             to them with subtree counts;
 *   skiplist  Redis's design on the same table engine: each table node
 *             also carries the skiplist's backward link and 1 + geometric
 *             (p = 1/4) levels of (forward, span), as Redis's zskiplistNode,
 *             with the member inline (Redis keeps it in a separate sds,
 *             which costs more still).
 *
 * For 1M members of 16 bytes with scattered scores: heap bytes per member
 * (mallinfo2, chunk overhead included, as RSS sees it), then ns per insert,
 * per rank lookup and per 100-element range walk.
 */
#include "store/hash.h"
#include "store/table.h"
#include "store/zset_large.h"

#include "core/alloc.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N        1000000
#define MAXLEVEL 32

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void member_of(int i, char out[17])
{
    snprintf(out, 17, "%016d", i);
}

static double score_of(int i)
{
    return (double)((i * 7919L) % 1000003);
}

/* ---- the skiplist design ---- */

struct sk_level {
    struct sk_node *forward;
    uint64_t span;
};

struct sk_node {
    struct table_node link;
    double score;
    struct sk_node *backward;
    uint32_t len;
    uint8_t levels;
    char *data; /* points into the allocation, after the levels */
    struct sk_level level[];
};

struct skiplist {
    struct table members;
    struct sk_node *header;
    int level;
    uint64_t length;
};

static uint64_t sk_hash(const struct table_node *n)
{
    const struct sk_node *x = (const struct sk_node *)n;
    return hash_key(x->data, x->len);
}

static bool sk_equals(const struct table_node *n, const void *key, size_t len)
{
    const struct sk_node *x = (const struct sk_node *)n;
    return x->len == len && memcmp(x->data, key, len) == 0;
}

static const struct table_type sk_type = {.hash = sk_hash, .key_equals = sk_equals};

static struct sk_node *sk_node_new(int levels, double score, const char *m, size_t len)
{
    struct sk_node *x = malloc(sizeof(*x) + (size_t)levels * sizeof(struct sk_level) + len);
    x->score = score;
    x->len = (uint32_t)len;
    x->levels = (uint8_t)levels;
    x->data = (char *)&x->level[levels];
    memcpy(x->data, m, len);
    return x;
}

static int sk_random_level(uint64_t *rng)
{
    int level = 1;
    while (level < MAXLEVEL && (table_rng_next(rng) & 3) == 0)
        level++;
    return level;
}

static bool sk_before(const struct sk_node *x, double score, const char *m, size_t len)
{
    return zset_compare(x->score, x->data, x->len, score, m, len) < 0;
}

static void sk_insert(struct skiplist *sl, uint64_t *rng, double score, const char *m, size_t len)
{
    struct sk_node *update[MAXLEVEL], *x = sl->header;
    uint64_t rank[MAXLEVEL];
    for (int i = sl->level - 1; i >= 0; i--) {
        rank[i] = i == sl->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward && sk_before(x->level[i].forward, score, m, len)) {
            rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    int level = sk_random_level(rng);
    if (level > sl->level) {
        for (int i = sl->level; i < level; i++) {
            rank[i] = 0;
            update[i] = sl->header;
            update[i]->level[i].span = sl->length;
        }
        sl->level = level;
    }
    x = sk_node_new(level, score, m, len);
    for (int i = 0; i < level; i++) {
        x->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = x;
        x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < sl->level; i++)
        update[i]->level[i].span++;
    x->backward = update[0] == sl->header ? NULL : update[0];
    sl->length++;
    table_reserve(&sl->members);
    table_insert(&sl->members, hash_key(m, len), &x->link);
}

static uint64_t sk_rank(struct skiplist *sl, const char *m, size_t len)
{
    struct sk_node *n = (struct sk_node *)table_find(&sl->members, hash_key(m, len), m, len, NULL);
    uint64_t rank = 0;
    struct sk_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--)
        while (x->level[i].forward &&
               zset_compare(x->level[i].forward->score, x->level[i].forward->data,
                            x->level[i].forward->len, n->score, n->data, n->len) <= 0) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
    return rank - 1;
}

/* ---- the runs ---- */

static void report(const char *name, size_t bytes, double insert_s, double rank_s, double range_s)
{
    printf("%-9s %8.1f B/member %8.0f ns/insert %8.0f ns/rank %8.0f ns/range100\n", name,
           (double)bytes / N, insert_s * 1e9 / N, rank_s * 1e9 / 100000, range_s * 1e9 / 10000);
}

static void run_btree(void)
{
    char m[17];
    size_t before = heap_used();
    double t0 = now_s();
    struct zset_large *z = zset_large_new();
    for (int i = 0; i < N; i++) {
        member_of(i, m);
        if (zset_large_insert(z, score_of(i), m, 16) != 0)
            abort();
    }
    double t1 = now_s();
    size_t bytes = heap_used() - before;
    volatile uint64_t sink = 0;
    for (int i = 0; i < 100000; i++) {
        member_of((i * 37) % N, m);
        sink += zt_rank(&z->tree, zset_large_find(z, m, 16));
    }
    double t2 = now_s();
    for (int i = 0; i < 10000; i++) {
        struct zt_node *leaf;
        unsigned idx;
        zt_at(&z->tree, (uint64_t)(i * 97) % (N - 100), &leaf, &idx);
        for (int k = 0; k < 100; k++) {
            sink += (uint64_t)leaf->u.item[idx]->score;
            if (++idx == leaf->n) {
                leaf = leaf->next;
                idx = 0;
            }
        }
    }
    double t3 = now_s();
    report("btree", bytes, t1 - t0, t2 - t1, t3 - t2);
    zset_large_free(z);
}

static void run_skiplist(void)
{
    char m[17];
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    size_t before = heap_used();
    double t0 = now_s();
    struct skiplist sl = {.level = 1};
    table_init(&sl.members, &sk_type);
    sl.header = sk_node_new(MAXLEVEL, 0, "", 0);
    memset(sl.header->level, 0, MAXLEVEL * sizeof(struct sk_level));
    for (int i = 0; i < N; i++) {
        member_of(i, m);
        sk_insert(&sl, &rng, score_of(i), m, 16);
    }
    double t1 = now_s();
    size_t bytes = heap_used() - before;
    volatile uint64_t sink = 0;
    for (int i = 0; i < 100000; i++) {
        member_of((i * 37) % N, m);
        sink += sk_rank(&sl, m, 16);
    }
    double t2 = now_s();
    for (int i = 0; i < 10000; i++) {
        uint64_t target = (uint64_t)(i * 97) % (N - 100) + 1, traversed = 0;
        struct sk_node *x = sl.header;
        for (int l = sl.level - 1; l >= 0; l--)
            while (x->level[l].forward && traversed + x->level[l].span <= target) {
                traversed += x->level[l].span;
                x = x->level[l].forward;
            }
        for (int k = 0; k < 100 && x; k++, x = x->level[0].forward)
            sink += (uint64_t)x->score;
    }
    double t3 = now_s();
    report("skiplist", bytes, t1 - t0, t2 - t1, t3 - t2);
    table_clear(&sl.members); /* buckets only: the nodes go below */
    for (struct sk_node *x = sl.header, *next; x; x = next) {
        next = x->level[0].forward;
        free(x);
    }
}

int main(void)
{
    printf("zset_bench: 1M members of 16 bytes, scattered scores\n");
    run_btree();
    run_skiplist();
    return 0;
}
