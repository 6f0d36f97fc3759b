/*
 * Listpack creation, walking and reading. Everything here trusts the blob:
 * listpacks are either built by this module or came through
 * listpack_validate(), so a position is always an entry's first byte and
 * the asserts only state that.
 */
#include "store/listpack_internal.h"

#include "core/alloc.h"
#include "core/strconv.h"
#include "store/number.h"

#include <assert.h>
#include <string.h>

struct listpack *listpack_new(void)
{
    unsigned char *p = mem_alloc(LP_EMPTY_SIZE);
    if (!p)
        return NULL;
    lp_set_header_bytes(p, LP_EMPTY_SIZE);
    lp_set_header_count(p, 0);
    p[LP_HEADER_SIZE] = LP_EOF;
    return (struct listpack *)p;
}

void listpack_free(struct listpack *lp)
{
    mem_free(lp);
}

struct listpack *listpack_from_blob(void *blob, size_t size)
{
    return listpack_validate(blob, size, true) ? blob : NULL;
}

size_t listpack_bytes(const struct listpack *lp)
{
    return lp_header_bytes(lp_craw(lp));
}

size_t listpack_count(const struct listpack *lp)
{
    uint32_t count = lp_header_count(lp_craw(lp));
    if (count != LP_COUNT_UNKNOWN)
        return count;
    /* 65535 entries or more once; maybe fewer since (deletes do not know
     * the count either). Redis caches the result in the header; counting
     * here keeps this function a pure read. */
    size_t n = 0;
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, pos))
        n++;
    return n;
}

bool listpack_safe_to_add(const struct listpack *lp, size_t add)
{
    size_t bytes = lp ? listpack_bytes(lp) : 0;
    return add <= LISTPACK_SAFETY_SIZE && bytes + add <= LISTPACK_SAFETY_SIZE;
}

static void assert_entry(const struct listpack *lp, size_t pos)
{
    (void)lp;
    (void)pos;
    assert(pos >= LP_HEADER_SIZE && pos < listpack_bytes(lp) - 1);
}

size_t listpack_first(const struct listpack *lp)
{
    return lp_craw(lp)[LP_HEADER_SIZE] == LP_EOF ? 0 : LP_HEADER_SIZE;
}

size_t listpack_last(const struct listpack *lp)
{
    size_t end = listpack_bytes(lp) - 1;
    return end == LP_HEADER_SIZE ? 0 : listpack_prev(lp, end);
}

size_t listpack_next(const struct listpack *lp, size_t pos)
{
    assert_entry(lp, pos);
    const unsigned char *p = lp_craw(lp);
    size_t next = pos + lp_entry_size(p + pos);
    return p[next] == LP_EOF ? 0 : next;
}

/* Also called with the terminator's position, to find the last entry. */
size_t listpack_prev(const struct listpack *lp, size_t pos)
{
    assert(pos >= LP_HEADER_SIZE && pos < listpack_bytes(lp));
    if (pos == LP_HEADER_SIZE)
        return 0;
    uint64_t size = listpack__backlen_read(lp_craw(lp) + pos - 1);
    size_t whole = (size_t)size + lp_backlen_size(size);
    assert(whole <= pos - LP_HEADER_SIZE);
    return pos - whole;
}

size_t listpack_seek(const struct listpack *lp, long index)
{
    bool forward = index >= 0;
    uint32_t count = lp_header_count(lp_craw(lp));
    if (count != LP_COUNT_UNKNOWN) {
        if (index < 0)
            index += (long)count;
        if (index < 0 || index >= (long)count)
            return 0;
        /* From the nearer end; backwards, -1 is the last entry. */
        forward = index <= (long)count / 2;
        if (!forward)
            index -= (long)count;
    }
    size_t pos;
    if (forward) {
        for (pos = listpack_first(lp); pos && index > 0; index--)
            pos = listpack_next(lp, pos);
    } else {
        for (pos = listpack_last(lp); pos && index < -1; index++)
            pos = listpack_prev(lp, pos);
    }
    return pos;
}

void listpack_get(const struct listpack *lp, size_t pos, struct listpack_value *out)
{
    assert_entry(lp, pos);
    listpack__read(lp_craw(lp) + pos, out);
}

const unsigned char *listpack_get_bytes(const struct listpack *lp, size_t pos, size_t *len,
                                        unsigned char buf[LISTPACK_INT_BUF])
{
    struct listpack_value v;
    listpack_get(lp, pos, &v);
    if (v.str) {
        *len = v.len;
        return v.str;
    }
    *len = (size_t)strconv_format_ll((char *)buf, v.integer);
    return buf;
}

/* Compares an entry with the searched bytes. An integer entry can only equal
 * the canonical spelling of its value, so s is parsed once, on first need:
 * *parsed is 0 before, then 1 (s is *wanted) or -1 (s is no integer). */
static bool entry_equals(const unsigned char *entry, const void *s, size_t len, int *parsed,
                         long long *wanted)
{
    struct listpack_value v;
    listpack__read(entry, &v);
    if (v.str)
        return v.len == len && (len == 0 || memcmp(v.str, s, len) == 0);
    if (*parsed == 0)
        *parsed = strconv_parse_ll(s, len, wanted) ? 1 : -1;
    return *parsed == 1 && *wanted == v.integer;
}

size_t listpack_find(const struct listpack *lp, size_t pos, const void *s, size_t len, size_t skip)
{
    const unsigned char *p = lp_craw(lp);
    int parsed = 0;
    long long wanted = 0;
    size_t to_skip = 0;
    while (pos) {
        assert_entry(lp, pos);
        if (to_skip > 0) {
            to_skip--;
        } else {
            if (entry_equals(p + pos, s, len, &parsed, &wanted))
                return pos;
            to_skip = skip;
        }
        pos += lp_entry_size(p + pos);
        if (p[pos] == LP_EOF)
            pos = 0;
    }
    return 0;
}
