/*
 * Writable string buffers for APPEND and SETRANGE, the only commands that
 * change a string in place. A published buffer is immutable, so the rule is:
 * write into the existing buffer only when
 *   - it was built here (ENCODING_RAW_GROWABLE: allocated by bytes_new with
 *     spare room, so its malloc block may be larger than its length), and
 *   - the entry holds the only reference (the caller holds the shard lock, so
 *     no new reference can appear: readers take theirs under that lock), and
 *   - its block already has room;
 * otherwise build a new buffer with room to grow (doubling up to 1 MB, then
 * 1 MB more, like Redis's sds), so repeated APPENDs cost O(1) amortized.
 */
#ifndef MAGPIE_STORE_STRBUF_H
#define MAGPIE_STORE_STRBUF_H

#include "store/value.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A buffer of new_len bytes that starts with the bytes of the string `cur`
 * (none when cur is NULL), zero-filled beyond them. *out is cur's own buffer
 * (grown in place) or a new one with one reference that the caller stores
 * with value_string_growable() (releasing cur). 0 or -ENOMEM (nothing changed).
 */
int strbuf_writable(const struct value *cur, size_t new_len, struct bytes **out);

#ifdef __cplusplus
}
#endif
#endif
