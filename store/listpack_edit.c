/*
 * Listpack changes. Every one is a splice: some bytes at an entry boundary
 * replaced by at most one encoded entry. A growing splice reallocates before
 * it moves anything, so a failed allocation leaves the listpack untouched;
 * a shrinking one moves first and reallocates after, and keeps the larger
 * block if that fails (it still holds the whole listpack), so deletes
 * cannot fail.
 */
#include "store/listpack_internal.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

/* Like Redis: once unknown, the count stays unknown until the listpack is
 * rebuilt, since a delete cannot tell whether it went back under 65535. */
static void update_count(unsigned char *p, size_t added, size_t removed)
{
    uint32_t count = lp_header_count(p);
    if (count == LP_COUNT_UNKNOWN)
        return;
    assert(removed <= count);
    size_t n = count + added - removed;
    lp_set_header_count(p, n >= LP_COUNT_UNKNOWN ? LP_COUNT_UNKNOWN : (uint32_t)n);
}

/* Replaces the `old_len` bytes (`removed` entries) at off with e, or with
 * nothing when e is NULL. */
static int splice(struct listpack **lpp, size_t off, size_t old_len, size_t removed,
                  const struct lp_encoded *e)
{
    unsigned char *p = lp_raw(*lpp);
    size_t old_bytes = lp_header_bytes(p);
    size_t new_len = e ? e->total : 0;
    assert(off >= LP_HEADER_SIZE && off + old_len < old_bytes);
    if (new_len > old_len && new_len - old_len > UINT32_MAX - old_bytes)
        return -E2BIG;
    size_t new_bytes = old_bytes - old_len + new_len;
    if (new_bytes > old_bytes) {
        unsigned char *grown = mem_realloc(p, new_bytes);
        if (!grown)
            return -ENOMEM;
        p = grown;
    }
    memmove(p + off + new_len, p + off + old_len, old_bytes - off - old_len);
    if (e)
        listpack__write(p + off, e);
    lp_set_header_bytes(p, (uint32_t)new_bytes);
    update_count(p, e ? 1 : 0, removed);
    if (new_bytes < old_bytes) {
        unsigned char *shrunk = mem_realloc(p, new_bytes);
        if (shrunk)
            p = shrunk;
    }
    *lpp = (struct listpack *)p;
    return 0;
}

/* Encodes s and splices it in at off in place of old_len bytes. */
static int put(struct listpack **lp, size_t off, size_t old_len, size_t removed, const void *s,
               size_t len)
{
    /* Past this, the entry alone would not fit the 32-bit total. */
    if (len > UINT32_MAX - LP_EMPTY_SIZE - LP_MAX_HEAD - LP_MAX_BACKLEN)
        return -E2BIG;
    struct lp_encoded e;
    listpack__encode(&e, s, len);
    return splice(lp, off, old_len, removed, &e);
}

int listpack_append(struct listpack **lp, const void *s, size_t len)
{
    return put(lp, listpack_bytes(*lp) - 1, 0, 0, s, len);
}

int listpack_prepend(struct listpack **lp, const void *s, size_t len)
{
    return put(lp, LP_HEADER_SIZE, 0, 0, s, len);
}

int listpack_insert(struct listpack **lp, size_t pos, enum listpack_where where, const void *s,
                    size_t len, size_t *new_pos)
{
    assert(pos >= LP_HEADER_SIZE && pos < listpack_bytes(*lp) - 1);
    size_t off = pos;
    if (where == LISTPACK_AFTER)
        off += lp_entry_size(lp_raw(*lp) + pos);
    int err = put(lp, off, 0, 0, s, len);
    if (!err && new_pos)
        *new_pos = off;
    return err;
}

int listpack_replace(struct listpack **lp, size_t pos, const void *s, size_t len)
{
    assert(pos >= LP_HEADER_SIZE && pos < listpack_bytes(*lp) - 1);
    return put(lp, pos, lp_entry_size(lp_raw(*lp) + pos), 1, s, len);
}

int listpack_append_from(struct listpack **lp, const struct listpack *src, size_t pos, size_t count)
{
    assert(*lp != src);
    if (!pos)
        return 0;
    const unsigned char *s = lp_craw(src);
    assert(pos >= LP_HEADER_SIZE && pos < lp_header_bytes(s) - 1);
    size_t end = pos, n = 0;
    for (; n < count && s[end] != LP_EOF; n++)
        end += lp_entry_size(s + end);
    /* Entries are position independent (a backlen measures its own entry),
     * so the span is copied as it is, in place of the terminator. */
    unsigned char *p = lp_raw(*lp);
    size_t old_bytes = lp_header_bytes(p), span = end - pos;
    if (span > UINT32_MAX - old_bytes)
        return -E2BIG;
    if (span == 0)
        return 0;
    p = mem_realloc(p, old_bytes + span);
    if (!p)
        return -ENOMEM;
    memcpy(p + old_bytes - 1, s + pos, span);
    p[old_bytes - 1 + span] = LP_EOF;
    lp_set_header_bytes(p, (uint32_t)(old_bytes + span));
    update_count(p, n, 0);
    *lp = (struct listpack *)p;
    return 0;
}

/* Deletes up to count entries from pos; returns how many there were. */
static size_t remove_entries(struct listpack **lp, size_t pos, size_t count)
{
    assert(pos >= LP_HEADER_SIZE && pos < listpack_bytes(*lp) - 1);
    const unsigned char *p = lp_raw(*lp);
    size_t end = pos, removed = 0;
    for (; removed < count && p[end] != LP_EOF; removed++)
        end += lp_entry_size(p + end);
    if (removed) {
        int err = splice(lp, pos, end - pos, removed, NULL);
        assert(err == 0); /* shrinking never fails */
        (void)err;
    }
    return removed;
}

size_t listpack_delete(struct listpack **lp, size_t pos, size_t count)
{
    remove_entries(lp, pos, count);
    return lp_raw(*lp)[pos] == LP_EOF ? 0 : pos;
}

size_t listpack_delete_range(struct listpack **lp, long index, size_t count)
{
    size_t pos = listpack_seek(*lp, index);
    return pos ? remove_entries(lp, pos, count) : 0;
}
