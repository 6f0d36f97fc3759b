/*
 * The listpack form of a sorted set (store/zset_listpack.h).
 */
#include "store/zset_listpack.h"
#include "store/zset_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

double zlp_score(const struct listpack *lp, size_t pos)
{
    struct listpack_value v;
    listpack_get(lp, listpack_next(lp, pos), &v);
    if (!v.str)
        return (double)v.integer;
    /* As Redis's zzlGetScore: strtod of the entry's text. */
    char buf[128];
    size_t n = v.len < sizeof(buf) - 1 ? v.len : sizeof(buf) - 1;
    memcpy(buf, v.str, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

size_t zlp_find(const struct listpack *lp, const void *member, size_t len, double *score)
{
    size_t first = listpack_first(lp);
    if (!first)
        return 0;
    size_t pos = listpack_find(lp, first, member, len, 1);
    if (pos && score)
        *score = zlp_score(lp, pos);
    return pos;
}

void zlp_elem(const struct listpack *lp, size_t pos, struct zset_elem *out)
{
    size_t len;
    const unsigned char *p =
        listpack_get_bytes(lp, pos, &len, (unsigned char *)out->buf); /* buf >= LISTPACK_INT_BUF */
    out->ptr = (const char *)p;
    out->len = len;
    out->score = zlp_score(lp, pos);
}

/* The first pair that orders after (score, member): where it goes. */
static size_t insert_point(const struct listpack *lp, double score, const void *member, size_t len)
{
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, listpack_next(lp, pos))) {
        struct zset_elem e;
        zlp_elem(lp, pos, &e);
        if (zset_compare(e.score, e.ptr, e.len, score, member, len) > 0)
            return pos;
    }
    return 0;
}

int zlp_insert(struct listpack **lp, double score, const void *member, size_t len)
{
    char buf[32];
    int slen = zset_format_score(buf, score);
    size_t at = insert_point(*lp, score, member, len);
    if (!at) {
        int rc = listpack_append(lp, member, len);
        if (rc != 0)
            return rc;
        rc = listpack_append(lp, buf, (size_t)slen);
        if (rc != 0)
            listpack_delete(lp, listpack_last(*lp), 1);
        return rc;
    }
    size_t mpos;
    int rc = listpack_insert(lp, at, LISTPACK_BEFORE, member, len, &mpos);
    if (rc != 0)
        return rc;
    rc = listpack_insert(lp, mpos, LISTPACK_AFTER, buf, (size_t)slen, NULL);
    if (rc != 0)
        listpack_delete(lp, mpos, 1);
    return rc;
}

uint64_t zlp_count_prefix(const struct listpack *lp, zlp_pred below, const void *ctx)
{
    uint64_t n = 0;
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, listpack_next(lp, pos))) {
        struct zset_elem e;
        zlp_elem(lp, pos, &e);
        if (!below(&e, ctx))
            break;
        n++;
    }
    return n;
}
