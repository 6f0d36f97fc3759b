/*
 * The table encoding of a hash (store/hash_value.h): nodes of the shared
 * table engine, each one allocation holding the link, the two lengths, the
 * field and then the value. 16 bytes of header per field, where Redis's
 * dict spends a 24-byte entry and two sds headers. Private to
 * store/hash_value*.c.
 */
#ifndef MAGPIE_STORE_HASH_TABLE_FORM_H
#define MAGPIE_STORE_HASH_TABLE_FORM_H

#include "store/hash_value.h"

struct hash_node {
    struct table_node link; /* first: the table links these */
    uint32_t flen;
    uint32_t vlen;
    unsigned char data[]; /* field, then value */
};

static inline struct hash_node *hash_node_of(struct table_node *n)
{
    return (struct hash_node *)(void *)n;
}

static inline const unsigned char *hash_node_value(const struct hash_node *n)
{
    return n->data + n->flen;
}

/* An empty table form, or NULL when out of memory. */
struct hash_table_form *hash_table_new(void);
void hash_table_free(struct hash_table_form *h);
/* The node of a field, or NULL; *pos (may be NULL) locates it. */
struct hash_node *hash_table_find(struct hash_table_form *h, const void *field, size_t flen,
                                  struct table_pos *pos);
/* 1 added, 0 updated, -ENOMEM (unchanged). */
int hash_table_set(struct hash_table_form *h, const void *field, size_t flen, const void *val,
                   size_t vlen);
bool hash_table_delete(struct hash_table_form *h, const void *field, size_t flen);
/* A node for field and value, not in any table (NULL when out of memory),
 * for hash_table_put: a write that must not fail halfway builds its nodes
 * first. */
struct hash_node *hash_node_new(const void *field, size_t flen, const void *val, size_t vlen);
/* Links n, replacing (and freeing) the node of the same field if there is
 * one: 1 added, 0 replaced. Cannot fail once hash_table_reserve succeeded. */
int hash_table_put(struct hash_table_form *h, struct hash_node *n);
/* Makes sure hash_table_put cannot fail: 0 or -ENOMEM. */
int hash_table_reserve(struct hash_table_form *h);
/* A uniformly random node of a non-empty table. */
struct hash_node *hash_table_random(struct hash_table_form *h, uint64_t *rng);
/* Every node, written to out[0..count). */
void hash_table_nodes(struct hash_table_form *h, hash_item *out);

#endif
