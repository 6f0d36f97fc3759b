/*
 * SORT over a sorted set (store/sort_zset.h): its members by rank for BY
 * nosort (the set's own order, from either end), or all of them.
 */
#include "store/sort_zset.h"

#include "store/cmd_zset.h"
#include "store/zset_value.h"

void do_sort_zset_convert(struct shard *s, struct entry *e)
{
    struct value v;
    entry_value(e, &v);
    /* Optional: a failed conversion leaves the set as it was. */
    if (v.encoding == ENCODING_LISTPACK && zset_to_large(&v) == 0)
        do_zset_store(s, e, &v);
}

size_t sort_zset_size(const struct value *v)
{
    return (size_t)zset_card(v);
}

bool sort_zset_load(struct sort_run *r, const struct value *v, bool ranged, long count)
{
    uint64_t card = zset_card(v);
    uint64_t rank = 0;
    bool reverse = false;
    if (ranged) {
        reverse = r->o->desc;
        rank = reverse ? card - 1 - (uint64_t)r->start : (uint64_t)r->start;
    }
    struct zset_iter it;
    zset_iter_init(&it, v, rank, reverse);
    struct zset_elem el;
    while (r->n < count && zset_iter_next(&it, &el))
        if (!sort_add_item(r, el.ptr, el.len))
            return false;
    return true;
}
