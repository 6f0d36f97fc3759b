/*
 * The sparse HyperLogLog encoding (store/hll.h): updating a register in
 * place by splitting the opcode that covers it, exactly as Redis's
 * hllSparseSet does, so that the bytes (and so GET, and every later count)
 * are the same as redis-server's; conversion to dense; reading the registers
 * for counts and merges.
 *
 * Every read is bounded by the encoding's length. Redis reads the byte
 * after the last (the string's NUL terminator) when an XZERO opcode is cut
 * short; here that byte reads as 0, which gives the same answers. Opcodes
 * that cover more than HLL_REGISTERS make the encoding invalid wherever they
 * are, as in Redis since the fix for CVE-2025-32023 (the redis-server 7.0.15
 * of Debian 12, the reference, carries it).
 */
#include "store/hll_internal.h"

#include "core/alloc.h"

#include <string.h>

#define SPARSE_XZERO_BIT     0x40 /* 01xxxxxx */
#define SPARSE_VAL_BIT       0x80 /* 1vvvvvxx */
#define SPARSE_VAL_MAX_VALUE 32
#define SPARSE_VAL_MAX_LEN   4
#define SPARSE_ZERO_MAX_LEN  64
#define SPARSE_XZERO_MAX_LEN 16384

static inline bool is_zero(uint8_t op)
{
    return (op & 0xc0) == 0;
}
static inline bool is_xzero(uint8_t op)
{
    return (op & 0xc0) == SPARSE_XZERO_BIT;
}
static inline bool is_val(uint8_t op)
{
    return (op & SPARSE_VAL_BIT) != 0;
}
static inline uint32_t val_value(uint8_t op)
{
    return ((op >> 2) & 0x1f) + 1;
}
static inline uint32_t val_len(uint8_t op)
{
    return (op & 0x3) + 1;
}
static inline uint8_t val_op(uint32_t value, uint32_t len)
{
    return (uint8_t)(((value - 1) << 2 | (len - 1)) | SPARSE_VAL_BIT);
}

/* The opcode at p (p < end): its length in bytes and how many registers it
 * covers; an XZERO cut short reads its second byte as 0. */
static inline size_t opcode_at(const uint8_t *p, const uint8_t *end, uint32_t *span)
{
    if (is_zero(*p)) {
        *span = (*p & 0x3f) + 1u;
        return 1;
    }
    if (is_val(*p)) {
        *span = val_len(*p);
        return 1;
    }
    uint32_t low = p + 1 < end ? p[1] : 0;
    *span = (((uint32_t)(*p & 0x3f) << 8) | low) + 1;
    return 2;
}

/* Writes a run of `len` zero registers (ZERO, or XZERO beyond 64). */
static uint8_t *put_zeros(uint8_t *n, uint32_t len)
{
    if (len > SPARSE_ZERO_MAX_LEN) {
        n[0] = (uint8_t)(((len - 1) >> 8) | SPARSE_XZERO_BIT);
        n[1] = (uint8_t)((len - 1) & 0xff);
        return n + 2;
    }
    n[0] = (uint8_t)(len - 1);
    return n + 1;
}

/*
 * Redis's merge pass after an update: up to 5 opcodes from `from`, joining
 * adjacent VALs of the same value while the run fits one opcode.
 */
static void merge_adjacent(struct hll_buf *h, uint8_t *from)
{
    uint8_t *p = from, *end = h->data + h->len;
    int scan = 5;
    while (p < end && scan--) {
        if (is_xzero(*p)) {
            p += 2;
            continue;
        }
        if (is_zero(*p)) {
            p++;
            continue;
        }
        if (p + 1 < end && is_val(p[1]) && val_value(*p) == val_value(p[1])) {
            uint32_t len = val_len(*p) + val_len(p[1]);
            if (len <= SPARSE_VAL_MAX_LEN) {
                p[1] = val_op(val_value(*p), len);
                memmove(p, p + 1, (size_t)(end - p - 1));
                h->len--;
                end--;
                continue; /* the merged opcode may merge with the next */
            }
        }
        p++;
    }
}

static int promote(struct hll_buf *h, uint32_t index, uint8_t count)
{
    int r = hll_to_dense(h);
    if (r != 0)
        return r;
    uint8_t *regs = h->data + HLL_HDR_SIZE;
    /* Promotion happens only for an update, which the dense form makes. */
    if (count > hll_dense_get(regs, index))
        hll_dense_set(regs, index, count);
    return 1;
}

int hll_sparse_set(struct hll_buf *h, uint32_t index, uint8_t count, size_t sparse_max)
{
    if (count > SPARSE_VAL_MAX_VALUE)
        return promote(h, index, count);
    /* Room for the worst split (XZERO -> XZERO VAL XZERO: 3 more bytes),
     * plus one: an XZERO cut short by the end of a corrupted encoding is
     * replaced by 5 bytes from its one (Redis writes that one into its
     * string's terminator; the length then leaves it out). */
    if (hll_buf_reserve(h, h->len + 4) != 0)
        return HLL_NOMEM;

    /* Step 1: the opcode covering the register. */
    uint8_t *sparse = h->data + HLL_HDR_SIZE, *end = h->data + h->len;
    uint8_t *p = sparse, *prev = NULL;
    uint32_t first = 0, span = 0;
    size_t oplen = 0;
    while (p < end) {
        oplen = opcode_at(p, end, &span);
        if (index <= first + span - 1)
            break;
        prev = p;
        p += oplen;
        first += span; /* stays below index < HLL_REGISTERS */
    }
    if (span == 0 || p >= end)
        return HLL_INVALID;
    uint8_t *next = p + oplen < end ? p + oplen : NULL;
    uint32_t runlen = span;

    /* Step 2: the trivial updates in place. */
    if (is_val(*p)) {
        if (val_value(*p) >= count)
            return 0;
        if (runlen == 1) {
            *p = val_op(count, 1);
            goto updated;
        }
    }
    if (is_zero(*p) && runlen == 1) {
        *p = val_op(count, 1);
        goto updated;
    }

    /* Step 3: split the opcode around the register. */
    uint8_t seq[5], *n = seq;
    uint32_t last = first + span - 1;
    if (!is_val(*p)) {
        if (index != first)
            n = put_zeros(n, index - first);
        *n++ = val_op(count, 1);
        if (index != last)
            n = put_zeros(n, last - index);
    } else {
        uint32_t cur = val_value(*p);
        if (index != first)
            *n++ = val_op(cur, index - first);
        *n++ = val_op(count, 1);
        if (index != last)
            *n++ = val_op(cur, last - index);
    }
    size_t seqlen = (size_t)(n - seq);
    ptrdiff_t delta = (ptrdiff_t)seqlen - (ptrdiff_t)oplen;
    if (delta > 0 && h->len + (size_t)delta > sparse_max)
        return promote(h, index, count);
    if (delta && next)
        memmove(next + delta, next, (size_t)(end - next));
    h->len = (size_t)((ptrdiff_t)h->len + delta);
    memcpy(p, seq, seqlen);

updated:
    merge_adjacent(h, prev ? prev : sparse);
    hll_cache_invalidate(h->data);
    return 1;
}

int hll_to_dense(struct hll_buf *h)
{
    if (h->data[HLL_ENCODING_OFFSET] == HLL_DENSE)
        return 0;
    uint8_t *dense = mem_calloc(1, HLL_DENSE_SIZE + 8);
    if (!dense)
        return HLL_NOMEM;
    memcpy(dense, h->data, HLL_HDR_SIZE); /* magic and cached cardinality */
    dense[HLL_ENCODING_OFFSET] = HLL_DENSE;
    const uint8_t *p = h->data + HLL_HDR_SIZE, *end = h->data + h->len;
    uint64_t idx = 0;
    while (p < end) {
        uint32_t span;
        size_t oplen = opcode_at(p, end, &span);
        if (idx + span > HLL_REGISTERS)
            break; /* more registers than there are: invalid */
        if (is_val(*p)) {
            for (uint32_t i = 0; i < span; i++)
                hll_dense_set(dense + HLL_HDR_SIZE, (uint32_t)idx++, (uint8_t)val_value(*p));
        } else {
            idx += span;
        }
        p += oplen;
    }
    if (p < end || idx != HLL_REGISTERS) {
        mem_free(dense);
        return HLL_INVALID;
    }
    mem_free(h->data);
    h->data = dense;
    h->len = HLL_DENSE_SIZE;
    h->cap = HLL_DENSE_SIZE + 8;
    return 0;
}

bool hll_sparse_histogram(const uint8_t *ops, size_t len, uint32_t histogram[64])
{
    const uint8_t *p = ops, *end = ops + len;
    uint64_t idx = 0;
    while (p < end) {
        uint32_t span;
        size_t oplen = opcode_at(p, end, &span);
        histogram[is_val(*p) ? val_value(*p) : 0] += span;
        idx += span;
        p += oplen;
        if (idx > HLL_REGISTERS)
            return false; /* (a histogram of garbage is never used) */
    }
    return idx == HLL_REGISTERS;
}

bool hll_sparse_merge(uint8_t *max, const uint8_t *ops, size_t len)
{
    const uint8_t *p = ops, *end = ops + len;
    uint64_t i = 0;
    while (p < end) {
        uint32_t span;
        size_t oplen = opcode_at(p, end, &span);
        if (i + span > HLL_REGISTERS)
            return false; /* more registers than there are */
        if (is_val(*p)) {
            uint8_t v = (uint8_t)val_value(*p);
            for (uint32_t k = 0; k < span; k++, i++)
                if (v > max[i])
                    max[i] = v;
        } else {
            i += span;
        }
        p += oplen;
    }
    return i == HLL_REGISTERS;
}
