/*
 * What hll.c and hll_sparse.c share beyond store/hll.h: header offsets and
 * the sparse encoding's operations. Private to the two.
 */
#ifndef MAGPIE_STORE_HLL_INTERNAL_H
#define MAGPIE_STORE_HLL_INTERNAL_H

#include "store/hll.h"

#define HLL_ENCODING_OFFSET 4
#define HLL_CARD_OFFSET     8

/* Grows the buffer's capacity to at least cap. 0 or HLL_NOMEM. */
int hll_buf_reserve(struct hll_buf *h, size_t cap);
/* hll_set_register on a sparse HLL. */
int hll_sparse_set(struct hll_buf *h, uint32_t index, uint8_t count, size_t sparse_max);
/* hll_merge of sparse opcodes. */
bool hll_sparse_merge(uint8_t *max, const uint8_t *ops, size_t len);

#endif
