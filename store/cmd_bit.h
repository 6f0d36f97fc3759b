/*
 * What the bitmap command files (cmd_bit*.c) share: Redis's bit offset
 * argument, and the buffer a bit write may change. Private to store/.
 */
#ifndef MAGPIE_STORE_CMD_BIT_H
#define MAGPIE_STORE_CMD_BIT_H

#include "store/cmd_util.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * A bit offset (Redis's getBitOffsetFromArgument): a non-negative integer
 * whose byte lies below proto-max-bulk-len; with `hash` and bits > 0, "#n"
 * means n * bits (BITFIELD). False after replying
 * `ERR bit offset is not an integer or out of range`.
 */
bool arg_bit_offset(struct cmd_ctx *c, int i, bool hash, int bits, uint64_t *out);

/*
 * Makes the string under k writable up to byte `last_byte` (zero padding
 * it, creating an empty one when the key is missing), as Redis's
 * lookupStringForBitCommand. *out is the buffer to write into (the entry's
 * own, or a new one already stored in it: lock-free readers never read a
 * buffer that may change, store/strbuf.h); *grown when the key was created
 * or lengthened (a change even if no bit then differs). The caller
 * announces the change with do_key_event. CMD_OK, CMD_ERR_WRONGTYPE or
 * CMD_ERR_OOM (nothing changed).
 */
enum cmd_result do_bit_writable(struct shard *s, const struct key *k, uint64_t last_byte,
                                int64_t now_ms, struct bytes **out, bool *grown) REQUIRES(&s->lock);

/*
 * Whether a bit write converts a string of this encoding even when it
 * changes no bit: Redis's dbUnshareStringValue makes an integer or embstr
 * value raw first (OBJECT ENCODING then says "raw"). Magpie does the same,
 * announcing that change with no notification class: the write hook
 * numbers and logs it, nobody is notified (Redis neither notifies nor
 * counts it dirty).
 */
static inline bool bit_write_converts(int encoding)
{
    return encoding == ENCODING_INT || encoding == ENCODING_EMBSTR;
}

#endif
