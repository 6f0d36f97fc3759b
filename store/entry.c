#include "store/entry.h"

#include "core/alloc.h"

#include <assert.h>

size_t entry_alloc_size(size_t key_len, bool ttl_slot)
{
    return sizeof(struct entry) + (ttl_slot ? ENTRY_TTL_SLOT_SIZE : 0) + key_len;
}

struct entry *entry_new(const char *key, size_t key_len, bool ttl_slot)
{
    if (key_len > UINT32_MAX)
        return NULL;
    struct entry *e = mem_alloc(entry_alloc_size(key_len, ttl_slot));
    if (!e)
        return NULL;
    e->next = NULL;
    e->val.str = NULL;
    e->key_len = (uint32_t)key_len;
    e->type = VALUE_STRING;
    e->encoding = ENCODING_RAW;
    e->has_ttl_slot = ttl_slot;
    e->lru = 0;
    if (ttl_slot) {
        entry_set_expire_at(e, ENTRY_NO_TTL);
        entry_set_ttl_index(e, ENTRY_NO_INDEX);
    }
    memcpy((char *)entry_key(e), key, key_len);
    return e;
}

void entry_free_shell(struct entry *e)
{
    mem_free(e);
}

void entry_free(struct entry *e)
{
    if (!e)
        return;
    value_release(e->type, e->encoding, e->val);
    mem_free(e);
}

struct entry *entry_with_ttl_slot(struct entry *e)
{
    assert(!e->has_ttl_slot);
    struct entry *n = entry_new(entry_key(e), e->key_len, true);
    if (!n)
        return NULL;
    n->next = e->next;
    n->val = e->val;
    n->type = e->type;
    n->encoding = e->encoding;
    n->lru = e->lru;
    mem_free(e);
    return n;
}
