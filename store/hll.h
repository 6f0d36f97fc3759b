/*
 * HyperLogLog in Redis's exact representation, so that a value moves
 * between redis-server and Magpie as a plain string (GET/SET, DUMP/RESTORE)
 * and counts the same:
 *
 *   "HYLL" | encoding (0 dense, 1 sparse) | 3 zero bytes | 8-byte cached
 *   cardinality, little endian, its top bit set when stale | registers
 *
 * 16384 registers of 6 bits. Dense: 12288 bytes, register i at bit 6i,
 * least significant bits first. Sparse: run-length opcodes ZERO 00xxxxxx
 * (1..64 zero registers), XZERO 01xxxxxx yyyyyyyy (1..16384), VAL 1vvvvvxx
 * (1..4 registers of value 1..32); it turns dense when a register needs a
 * larger value or the encoding would outgrow hll-sparse-max-bytes. The hash
 * is MurmurHash64A with Redis's seed; the estimate is Ertl's improved one,
 * as Redis 5+ computes it.
 *
 * Pure functions on caller-owned bytes: no locks. Everything that reads a
 * value trusts nothing beyond hll_header_valid (what Redis checks before
 * calling a value an HLL): a corrupted sparse encoding is reported
 * (HLL_INVALID, Redis's INVALIDOBJ), never read out of bounds. Private to
 * store/.
 */
#ifndef MAGPIE_STORE_HLL_H
#define MAGPIE_STORE_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HLL_P                        14
#define HLL_Q                        (64 - HLL_P)
#define HLL_REGISTERS                (1 << HLL_P)
#define HLL_BITS                     6
#define HLL_REGISTER_MAX             ((1 << HLL_BITS) - 1)
#define HLL_HDR_SIZE                 16
#define HLL_DENSE_SIZE               (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_DENSE                    0
#define HLL_SPARSE                   1
/* An empty HLL: sparse, one XZERO opcode covering every register. */
#define HLL_EMPTY_SIZE               (HLL_HDR_SIZE + 2)
/* Redis's default hll-sparse-max-bytes. */
#define HLL_SPARSE_MAX_BYTES_DEFAULT 3000

#define HLL_INVALID (-1) /* a corrupted encoding */
#define HLL_NOMEM   (-2)

/* Whether a string of len bytes is an HLL as far as Redis checks before
 * using one (isHLLObjectOrReply): the magic, a known encoding, and a dense
 * one's exact length. */
bool hll_header_valid(const uint8_t *p, size_t len);

/* The cached cardinality: true with *card when it is valid. */
bool hll_cache_get(const uint8_t *hll, uint64_t *card);
void hll_cache_set(uint8_t *hll, uint64_t card);
void hll_cache_invalidate(uint8_t *hll);

/* An HLL being changed: its bytes, with room to grow (sparse updates). */
struct hll_buf {
    uint8_t *data;
    size_t len, cap;
};
/* A working copy of an HLL's bytes, or an empty HLL (src NULL). 0 or HLL_NOMEM. */
int hll_buf_init(struct hll_buf *h, const uint8_t *src, size_t len);
void hll_buf_free(struct hll_buf *h);

/*
 * Adds an element (PFADD): 1 when a register grew (the cached cardinality
 * is then invalidated), 0 when not, HLL_INVALID for a corrupted sparse
 * encoding, HLL_NOMEM. A sparse HLL turns dense when needed (sparse_max:
 * hll-sparse-max-bytes).
 */
int hll_add(struct hll_buf *h, const void *ele, size_t len, size_t sparse_max);
/* Raises register `index` to `count` (hllSparseSet / hllDenseSet): same results. */
int hll_set_register(struct hll_buf *h, uint32_t index, uint8_t count, size_t sparse_max);
/* Makes a sparse HLL dense (nothing for a dense one). 0, HLL_INVALID, HLL_NOMEM. */
int hll_to_dense(struct hll_buf *h);

/* The register an element hashes to, and its run of zeros plus one. */
int hll_pattern(const void *ele, size_t len, uint32_t *index);
/* Redis's MurmurHash64A, little-endian reading on every platform. */
uint64_t hll_murmur64a(const void *key, size_t len, uint64_t seed);

/*
 * The estimated cardinality of a valid-headed HLL (hll_header_valid):
 * false when its sparse encoding is corrupted.
 */
bool hll_count(const uint8_t *hll, size_t len, uint64_t *card);
/* Merges an HLL's registers into max[HLL_REGISTERS] (max of each): false
 * when its sparse encoding is corrupted (max may be partly updated). */
bool hll_merge(uint8_t *max, const uint8_t *hll, size_t len);
/* The estimate over registers held one per byte (multi-key PFCOUNT). */
uint64_t hll_count_registers(const uint8_t *max);

/* Dense register access (pfselftest, PFDEBUG GETREG, tests). */
uint8_t hll_dense_get(const uint8_t *registers, uint32_t index);
void hll_dense_set(uint8_t *registers, uint32_t index, uint8_t value);

/* The register histogram of a sparse encoding (its opcodes after the
 * header): false when they do not cover exactly HLL_REGISTERS. */
bool hll_sparse_histogram(const uint8_t *ops, size_t len, uint32_t histogram[64]);
/* The estimate from a register histogram (Ertl's estimator). */
uint64_t hll_estimate(const uint32_t histogram[64]);

#endif
