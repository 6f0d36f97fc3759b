/*
 * Checking an untrusted listpack (an RDB payload, a RESTORE argument) before
 * anything walks it. Every read is bounded by the blob's size, and what is
 * accepted is exactly what the trusting code in listpack.c can walk in both
 * directions: each entry ends before the terminator, and its backlen has the
 * very bytes Redis writes, so reading it backwards lands on the entry's first
 * byte. Stricter than Redis in two ways that Redis itself never writes: a
 * backlen spelled in more bytes than needed, and a 0xFF before the end.
 */
#include "store/listpack_internal.h"

#include <string.h>

/* Checks the entry at off, which must end before the terminator at `end`;
 * returns the offset after it, or 0 if it is malformed. */
static size_t check_entry(const unsigned char *p, size_t off, size_t end)
{
    size_t avail = end - off;
    uint64_t size = lp_encoded_size(p + off, avail);
    if (size == 0)
        return 0;
    size_t backlen_len = lp_backlen_size(size);
    if (size > avail || backlen_len > avail - size)
        return 0;
    unsigned char backlen[LP_MAX_BACKLEN];
    listpack__backlen_write(backlen, size);
    if (memcmp(p + off + size, backlen, backlen_len) != 0)
        return 0;
    return off + (size_t)size + backlen_len;
}

bool listpack_validate(const void *blob, size_t size, bool deep)
{
    const unsigned char *p = blob;
    if (size < LP_EMPTY_SIZE || size > UINT32_MAX)
        return false;
    if (lp_header_bytes(p) != size || p[size - 1] != LP_EOF)
        return false;
    size_t end = size - 1, off = LP_HEADER_SIZE;
    if (!deep)
        return off == end || check_entry(p, off, end) != 0;
    size_t count = 0;
    while (off < end) {
        off = check_entry(p, off, end);
        if (off == 0)
            return false;
        count++;
    }
    uint32_t header = lp_header_count(p);
    /* "Unknown" may stand for any count: deletes keep it. */
    return header == LP_COUNT_UNKNOWN || header == count;
}
