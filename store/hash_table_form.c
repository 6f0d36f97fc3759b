/*
 * The table encoding of a hash: nodes keyed by their field under the
 * process's SipHash seed (store/hash.h), so a client cannot pick fields that
 * collide into one chain.
 */
#include "store/hash_table_form.h"

#include "core/alloc.h"
#include "store/hash.h"
#include "store/table_internal.h"

#include <errno.h>
#include <string.h>

/* The first bound hash_table_random assumes on a chain's length: at load
 * factor 1 a chain longer than 8 is a one-in-a-million bucket, and meeting
 * one raises the bound for good. */
#define RANDOM_BOUND_START 8

static uint64_t node_hash(const struct table_node *n)
{
    const struct hash_node *h = (const struct hash_node *)(const void *)n;
    return hash_key(h->data, h->flen);
}

static bool node_key_equals(const struct table_node *n, const void *key, size_t len)
{
    const struct hash_node *h = (const struct hash_node *)(const void *)n;
    return h->flen == len && memcmp(h->data, key, len) == 0;
}

static void node_free(struct table_node *n)
{
    mem_free(n);
}

static const struct table_type hash_node_type = {
    .hash = node_hash,
    .key_equals = node_key_equals,
    .free_node = node_free,
    .lock_free_reads = false,
};

/* What a node's allocation is counted as (its header and bytes). */
static uint64_t node_bytes(size_t flen, size_t vlen)
{
    return sizeof(struct hash_node) + flen + vlen;
}

struct hash_table_form *hash_table_new(void)
{
    struct hash_table_form *h = mem_alloc(sizeof(*h));
    if (!h)
        return NULL;
    table_init(&h->table, &hash_node_type);
    h->bytes = 0;
    h->random_bound = RANDOM_BOUND_START;
    return h;
}

void hash_table_free(struct hash_table_form *h)
{
    if (!h)
        return;
    table_clear(&h->table);
    mem_free(h);
}

struct hash_node *hash_table_find(struct hash_table_form *h, const void *field, size_t flen,
                                  struct table_pos *pos)
{
    return hash_node_of(table_find(&h->table, hash_key(field, flen), field, flen, pos));
}

struct hash_node *hash_node_new(const void *field, size_t flen, const void *val, size_t vlen)
{
    if (flen > UINT32_MAX || vlen > UINT32_MAX)
        return NULL;
    struct hash_node *n = mem_alloc(sizeof(*n) + flen + vlen);
    if (!n)
        return NULL;
    atomic_init(&n->link.next, NULL);
    n->flen = (uint32_t)flen;
    n->vlen = (uint32_t)vlen;
    memcpy(n->data, field, flen);
    if (vlen)
        memcpy(n->data + flen, val, vlen);
    return n;
}

/* A new value for the node at pos: in place when the length is the same,
 * else in a reallocated node put in the old one's place. */
static int node_update(struct hash_table_form *h, struct hash_node *n, struct table_pos pos,
                       const void *val, size_t vlen)
{
    if (vlen == n->vlen) {
        memcpy(n->data + n->flen, val, vlen);
        return 0;
    }
    if (vlen > UINT32_MAX)
        return -ENOMEM;
    uint64_t before = node_bytes(n->flen, n->vlen);
    struct hash_node *grown = mem_realloc(n, sizeof(*n) + n->flen + vlen);
    if (!grown)
        return -ENOMEM;
    grown->vlen = (uint32_t)vlen;
    memcpy(grown->data + grown->flen, val, vlen);
    table_replace(pos, &grown->link); /* realloc carried the link */
    h->bytes += node_bytes(grown->flen, vlen) - before;
    return 0;
}

int hash_table_set(struct hash_table_form *h, const void *field, size_t flen, const void *val,
                   size_t vlen)
{
    uint64_t hash = hash_key(field, flen);
    struct table_pos pos;
    struct hash_node *n = hash_node_of(table_find(&h->table, hash, field, flen, &pos));
    if (n)
        return node_update(h, n, pos, val, vlen);
    if (table_reserve(&h->table) != 0)
        return -ENOMEM;
    n = hash_node_new(field, flen, val, vlen);
    if (!n)
        return -ENOMEM;
    table_insert(&h->table, hash, &n->link); /* cannot fail after table_reserve */
    h->bytes += node_bytes(flen, vlen);
    return 1;
}

int hash_table_reserve(struct hash_table_form *h)
{
    return table_reserve(&h->table);
}

int hash_table_put(struct hash_table_form *h, struct hash_node *n)
{
    uint64_t hash = hash_key(n->data, n->flen);
    struct table_pos pos;
    struct hash_node *old = hash_node_of(table_find(&h->table, hash, n->data, n->flen, &pos));
    h->bytes += node_bytes(n->flen, n->vlen);
    if (old) {
        atomic_store_explicit(&n->link.next, node_next(&old->link), memory_order_relaxed);
        table_replace(pos, &n->link);
        h->bytes -= node_bytes(old->flen, old->vlen);
        mem_free(old);
        return 0;
    }
    table_insert(&h->table, hash, &n->link); /* cannot fail after table_reserve */
    return 1;
}

bool hash_table_delete(struct hash_table_form *h, const void *field, size_t flen)
{
    struct table_pos pos;
    struct hash_node *n = hash_table_find(h, field, flen, &pos);
    if (!n)
        return false;
    table_unlink(&h->table, pos);
    h->bytes -= node_bytes(n->flen, n->vlen);
    mem_free(n);
    return true;
}

/*
 * Uniform, unlike table_random (a random bucket, then a random node of its
 * chain, favours the nodes of short chains): rejection sampling. Each try
 * picks a bucket uniformly and a slot in [0, bound); it hits a node when
 * the slot is inside the chain, so every node has the same 1 / (buckets x
 * bound) chance per try, as long as no chain is longer than bound. Expected
 * tries: buckets x bound / count, about 8 at load factor 1.
 */
struct hash_node *hash_table_random(struct hash_table_form *h, uint64_t *rng)
{
    struct table *t = &h->table;
    if (table_count(t) == 0)
        return NULL;
    uint64_t size0 = half_size(t, 0);
    uint64_t first = table_is_rehashing(t) ? (uint64_t)t->rehash_idx : 0;
    uint64_t span = size0 - first + (table_is_rehashing(t) ? half_size(t, 1) : 0);
    for (;;) {
        uint64_t i = first + hash_random_next(rng) % span;
        struct table_node *head = link_get(i < size0 ? bucket(t, 0, i) : bucket(t, 1, i - size0));
        uint64_t len = 0;
        for (struct table_node *n = head; n; n = node_next(n))
            len++;
        if (len > h->random_bound)
            h->random_bound = (uint32_t)(len < UINT32_MAX ? len : UINT32_MAX);
        uint64_t slot = hash_random_next(rng) % h->random_bound;
        if (slot >= len)
            continue;
        while (slot--)
            head = node_next(head);
        return hash_node_of(head);
    }
}

struct collect {
    hash_item *out;
    size_t n;
};

static void collect_node(void *ctx, struct table_node *n)
{
    struct collect *c = ctx;
    c->out[c->n++] = (hash_item)n;
}

void hash_table_nodes(struct hash_table_form *h, hash_item *out)
{
    struct collect c = {out, 0};
    table_foreach(&h->table, collect_node, &c);
}
