/*
 * The large form of a sorted set (store/zset_large.h).
 */
#include "store/zset_large.h"
#include "store/hash.h"

#include "core/alloc.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>

static uint64_t node_hash(const struct table_node *n)
{
    const struct zset_node *x = zset_node_of((struct table_node *)n);
    return hash_key(x->data, x->len);
}

static bool node_equals(const struct table_node *n, const void *key, size_t len)
{
    const struct zset_node *x = zset_node_of((struct table_node *)n);
    return x->len == len && memcmp(x->data, key, len) == 0;
}

static void node_free(struct table_node *n)
{
    mem_free(zset_node_of(n));
}

static const struct table_type zset_member_type = {
    .hash = node_hash,
    .key_equals = node_equals,
    .free_node = node_free,
    .lock_free_reads = false,
};

/* What an allocation really takes (malloc's chunk), so the accounting
 * matches what RSS shows. */
static size_t allocated_size(void *p, size_t n)
{
    size_t usable = malloc_usable_size(p);
    return usable >= n ? usable + sizeof(size_t) : n;
}

struct zset_large *zset_large_new(void)
{
    struct zset_large *z = mem_alloc(sizeof(*z));
    if (!z)
        return NULL;
    table_init(&z->members, &zset_member_type);
    zt_init(&z->tree);
    z->node_bytes = 0;
    return z;
}

void zset_large_free(struct zset_large *z)
{
    if (!z)
        return;
    zt_clear(&z->tree);
    table_clear(&z->members);
    mem_free(z);
}

struct zset_node *zset_large_find(struct zset_large *z, const void *member, size_t len)
{
    struct table_node *n = table_find(&z->members, hash_key(member, len), member, len, NULL);
    return n ? zset_node_of(n) : NULL;
}

int zset_large_insert(struct zset_large *z, double score, const void *member, size_t len)
{
    if (len > UINT32_MAX || table_reserve(&z->members) != 0)
        return -ENOMEM;
    struct zset_node *x = mem_alloc(sizeof(*x) + len);
    if (!x)
        return -ENOMEM;
    x->score = score;
    x->len = (uint32_t)len;
    memcpy(x->data, member, len);
    if (zt_insert(&z->tree, x) != 0) {
        mem_free(x);
        return -ENOMEM;
    }
    z->node_bytes += allocated_size(x, sizeof(*x) + len);
    table_insert(&z->members, hash_key(member, len), &x->link);
    return 0;
}

/* Whether x may take `score` where it stands: its neighbours stay in order. */
static bool stays_in_place(struct zset_large *z, struct zset_node *x, double score)
{
    struct zt_node *leaf;
    unsigned idx;
    uint64_t rank = zt_rank(&z->tree, x);
    zt_at(&z->tree, rank, &leaf, &idx);
    const struct zset_node *prev = NULL, *next = NULL;
    if (idx > 0)
        prev = leaf->u.item[idx - 1];
    else if (leaf->prev)
        prev = leaf->prev->u.item[leaf->prev->n - 1];
    if (idx + 1 < leaf->n)
        next = leaf->u.item[idx + 1];
    else if (leaf->next)
        next = leaf->next->u.item[0];
    if (prev && zset_compare(prev->score, prev->data, prev->len, score, x->data, x->len) >= 0)
        return false;
    if (next && zset_compare(score, x->data, x->len, next->score, next->data, next->len) >= 0)
        return false;
    return true;
}

int zset_large_rescore(struct zset_large *z, struct zset_node *x, double score)
{
    if (stays_in_place(z, x, score)) {
        x->score = score; /* separators point at nodes: nothing else to fix */
        return 0;
    }
    /* A moved copy goes in first, so a failed allocation changes nothing. */
    size_t size = sizeof(*x) + x->len;
    struct zset_node *moved = mem_alloc(size);
    if (!moved)
        return -ENOMEM;
    struct table_pos pos; /* found first: a rehash step may relink x */
    table_find(&z->members, hash_key(x->data, x->len), x->data, x->len, &pos);
    memcpy(moved, x, size);
    moved->score = score;
    if (zt_insert(&z->tree, moved) != 0) {
        mem_free(moved);
        return -ENOMEM;
    }
    zt_delete(&z->tree, x);
    table_replace(pos, &moved->link);
    z->node_bytes += allocated_size(moved, size);
    z->node_bytes -= allocated_size(x, size);
    mem_free(x);
    return 0;
}

void zset_large_remove(struct zset_large *z, struct zset_node *x)
{
    zt_delete(&z->tree, x);
    struct table_pos pos;
    table_find(&z->members, hash_key(x->data, x->len), x->data, x->len, &pos);
    table_unlink(&z->members, pos);
    z->node_bytes -= allocated_size(x, sizeof(*x) + x->len);
    mem_free(x);
}

uint64_t zset_large_bytes(const struct zset_large *z)
{
    return z->node_bytes + table_bucket_bytes(&z->members) + z->tree.bytes +
           allocated_size((void *)z, sizeof(*z));
}

struct zset_large *zset_large_dup(const struct zset_large *z)
{
    struct zset_large *copy = zset_large_new();
    if (!copy)
        return NULL;
    for (const struct zt_node *leaf = z->tree.first; leaf; leaf = leaf->next)
        for (unsigned i = 0; i < leaf->n; i++) {
            const struct zset_node *x = leaf->u.item[i];
            if (zset_large_insert(copy, x->score, x->data, x->len) != 0) {
                zset_large_free(copy);
                return NULL;
            }
        }
    return copy;
}
