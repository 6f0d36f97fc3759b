#include "store/entry_table.h"

#include "store/hash.h"
#include "store/table_lookup.h"

#include <assert.h>

static const struct entry *entry_of_const(const struct table_node *n)
{
    return (const struct entry *)(const void *)n;
}

static uint64_t entry_node_hash(const struct table_node *n)
{
    const struct entry *e = entry_of_const(n);
    return hash_key(entry_key(e), e->key_len);
}

/* Static inline: the lookups below inline it (table_lookup.h). */
static inline bool entry_node_key_equals(const struct table_node *n, const void *key, size_t len)
{
    return entry_key_equals(entry_of_const(n), key, len);
}

static void entry_node_free(struct table_node *n)
{
    entry_free(entry_of(n));
}

const struct table_type entry_table_type = {
    .hash = entry_node_hash,
    .key_equals = entry_node_key_equals,
    .free_node = entry_node_free,
    .lock_free_reads = true,
};

struct entry *entry_table_find(struct table *t, uint64_t hash, const char *key, size_t len,
                               struct table_pos *pos)
{
    assert(t->type == &entry_table_type);
    return entry_of(table__find(t, hash, key, len, pos, entry_node_key_equals));
}

int entry_table_peek(const struct table *t, uint64_t hash, const char *key, size_t len,
                     struct entry **out)
{
    struct table_node *n = NULL;
    int rc = table__peek(t, hash, key, len, &n, entry_node_key_equals);
    *out = entry_of(n);
    return rc;
}
