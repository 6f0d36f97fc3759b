/*
 * What the HyperLogLog command files (cmd_hll*.c) share: Redis's errors, the
 * check that a value is an HLL, and storing a changed working copy. Private
 * to store/.
 */
#ifndef MAGPIE_STORE_CMD_HLL_H
#define MAGPIE_STORE_CMD_HLL_H

#include "store/cmd_util.h"
#include "store/hll.h"

#define ERR_NOT_HLL     "WRONGTYPE Key is not a valid HyperLogLog string value."
#define ERR_INVALID_HLL "INVALIDOBJ Corrupted HLL object detected"

enum hll_result {
    HLL_OK = 0,
    HLL_ERR_WRONGTYPE,
    HLL_ERR_NOT_HLL,
    HLL_ERR_INVALID,
    HLL_ERR_OOM,
};

/* Replies the error of a result that is not HLL_OK. */
void reply_hll_error(struct cmd_ctx *c, enum hll_result r);
/* hll-sparse-max-bytes in force. */
size_t hll_sparse_max(const struct cmd_ctx *c);
/* The bytes of a live entry that holds an HLL (under its lock), as Redis's
 * isHLLObjectOrReply checks it: HLL_OK, HLL_ERR_WRONGTYPE, HLL_ERR_NOT_HLL. */
enum hll_result hll_of(struct entry *e, const uint8_t **p, size_t *len);
/*
 * Stores the working copy as k's value: e is the live entry, or NULL for a
 * new key. The caller announces the change. False when out of memory
 * (nothing changed).
 */
bool do_hll_store(struct shard *s, const struct key *k, struct entry *e, const struct hll_buf *h,
                  int64_t now_ms) REQUIRES(&s->lock);
/* Redis's dbUnshareStringValue makes an embstr HLL raw even when nothing
 * else changes: so does Magpie (announced without notification). */
bool hll_write_converts(struct entry *e);

#endif
