#include "store/strbuf.h"

#include "core/strconv.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>

#define GROW_STEP_MAX (1024 * 1024)

/*
 * Bytes the buffer can hold. core/bytes allocates the header and the data as
 * one mem_alloc (malloc) block, so the block's usable size is the capacity
 * (ASan's malloc_usable_size reports the requested size: also correct).
 */
static size_t capacity(const struct bytes *b)
{
    return malloc_usable_size((void *)b) - sizeof(struct bytes);
}

/* Whether the caller (holding the shard lock) has the only reference.
 * Acquire pairs with the acq_rel decrement in bytes_unref: the last reader's
 * accesses to the contents happen before we write them. */
static bool sole_owner(struct bytes *b)
{
    return atomic_load_explicit(&b->refs, memory_order_acquire) == 1;
}

int strbuf_writable(const struct value *cur, size_t new_len, struct bytes **out)
{
    if (new_len > BYTES_MAX_LEN)
        return -ENOMEM;
    const char *old = NULL;
    size_t old_len = 0;
    char digits[STRCONV_LL_BUF];
    if (cur && cur->encoding == ENCODING_INT) {
        old_len = strconv_format_ll(digits, cur->p.num);
        old = digits;
    } else if (cur) {
        struct bytes *b = cur->p.str;
        if (cur->encoding == ENCODING_RAW_GROWABLE && sole_owner(b) && capacity(b) >= new_len) {
            if (new_len > b->len)
                memset(b->data + b->len, 0, new_len - b->len);
            b->len = (uint32_t)new_len;
            *out = b;
            return 0;
        }
        old = b->data;
        old_len = b->len;
    }
    size_t room = new_len + (new_len < GROW_STEP_MAX ? new_len : GROW_STEP_MAX);
    if (room > BYTES_MAX_LEN)
        room = new_len;
    struct bytes *b = bytes_new(NULL, room);
    if (!b)
        return -ENOMEM;
    /* Still private to us: set the length the value really has. */
    b->len = (uint32_t)new_len;
    size_t keep = old_len < new_len ? old_len : new_len;
    if (keep)
        memcpy(b->data, old, keep);
    if (new_len > keep)
        memset(b->data + keep, 0, new_len - keep);
    *out = b;
    return 0;
}
