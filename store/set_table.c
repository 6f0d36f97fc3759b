/*
 * The hashtable encoding of a set (store/set_table.h).
 */
#include "store/set_table.h"
#include "store/hash.h"
#include "store/table_sample.h"

#include "core/alloc.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>

static uint64_t member_hash(const struct table_node *n)
{
    const struct set_table_member *m = set_table_member_of((struct table_node *)n);
    return hash_key(m->data, m->len);
}

static bool member_equals(const struct table_node *n, const void *key, size_t len)
{
    const struct set_table_member *m = set_table_member_of((struct table_node *)n);
    return m->len == len && memcmp(m->data, key, len) == 0;
}

static void member_free(struct table_node *n)
{
    mem_free(set_table_member_of(n));
}

static const struct table_type set_member_type = {
    .hash = member_hash,
    .key_equals = member_equals,
    .free_node = member_free,
    .lock_free_reads = false,
};

/* What an allocation of n bytes really takes (malloc's chunk), so the
 * accounting matches what RSS shows. */
static size_t allocated_size(void *p, size_t n)
{
    size_t usable = malloc_usable_size(p);
    return usable >= n ? usable + sizeof(size_t) : n;
}

struct set_table *set_table_new(void)
{
    struct set_table *st = mem_alloc(sizeof(*st));
    if (!st)
        return NULL;
    table_init(&st->table, &set_member_type);
    st->node_bytes = 0;
    st->chain_bound = 1;
    return st;
}

void set_table_free(struct set_table *st)
{
    if (!st)
        return;
    table_clear(&st->table);
    mem_free(st);
}

static int insert_member(struct set_table *st, uint64_t hash, const void *member, size_t len)
{
    if (len > UINT32_MAX)
        return -ENOMEM;
    if (table_reserve(&st->table) != 0)
        return -ENOMEM;
    struct set_table_member *m = mem_alloc(sizeof(*m) + len);
    if (!m)
        return -ENOMEM;
    m->len = (uint32_t)len;
    memcpy(m->data, member, len);
    st->node_bytes += allocated_size(m, sizeof(*m) + len);
    table_insert(&st->table, hash, &m->node);
    return 1;
}

int set_table_add(struct set_table *st, const void *member, size_t len)
{
    uint64_t hash = hash_key(member, len);
    if (table_find(&st->table, hash, member, len, NULL))
        return 0;
    return insert_member(st, hash, member, len);
}

int set_table_add_new(struct set_table *st, const void *member, size_t len)
{
    return insert_member(st, hash_key(member, len), member, len);
}

bool set_table_remove(struct set_table *st, const void *member, size_t len)
{
    struct table_pos pos;
    struct table_node *n = table_find(&st->table, hash_key(member, len), member, len, &pos);
    if (!n)
        return false;
    table_unlink(&st->table, pos);
    struct set_table_member *m = set_table_member_of(n);
    st->node_bytes -= allocated_size(m, sizeof(*m) + m->len);
    mem_free(m);
    return true;
}

bool set_table_contains(struct set_table *st, const void *member, size_t len)
{
    return table_find(&st->table, hash_key(member, len), member, len, NULL) != NULL;
}

struct set_table_member *set_table_random(struct set_table *st, uint64_t *rng)
{
    return set_table_member_of(table_random_fair(&st->table, rng, &st->chain_bound));
}

uint64_t set_table_bytes(const struct set_table *st)
{
    return sizeof(*st) + st->node_bytes + table_bucket_bytes(&st->table);
}

struct dup_walk {
    struct set_table *copy;
    bool failed;
};

static void dup_visit(void *ctx, struct table_node *n)
{
    struct dup_walk *w = ctx;
    struct set_table_member *m = set_table_member_of(n);
    if (!w->failed && set_table_add_new(w->copy, m->data, m->len) < 0)
        w->failed = true;
}

struct set_table *set_table_dup(struct set_table *st)
{
    struct dup_walk w = {set_table_new(), false};
    if (!w.copy)
        return NULL;
    table_foreach(&st->table, dup_visit, &w);
    if (w.failed) {
        set_table_free(w.copy);
        return NULL;
    }
    return w.copy;
}
