/*
 * libFuzzer target for store/hll (HyperLogLog), two ways, picked by bit 0
 * of byte 0:
 *
 * - Raw: the rest of the input is a value a client could SET and then use
 *   as an HLL, in an exact-size heap buffer so ASan sees any read past it
 *   (bit 1 of byte 0 prefixes a valid sparse header, so most inputs reach
 *   the opcodes). Whatever the bytes, counting, merging, adding elements and
 *   converting to dense must stay in bounds. When the value counts (its
 *   encoding is valid) and its last opcode is whole, every add must
 *   succeed and keep it valid, and its registers read through the sparse
 *   and the dense form must agree.
 *
 * - Ops: the rest is a stream of register updates applied to a sparse HLL
 *   (under a hll-sparse-max-bytes taken from the input) and to a plain
 *   array of registers; every update must report whether it raised the
 *   register, both must hold the same registers (checked now and then, and
 *   at the end), and the sparse and dense forms must count the same.
 */
#include "store/hll.h"

#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

struct input {
    const uint8_t *data;
    size_t size;
};

static uint8_t take(struct input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

/* The registers of a valid HLL, one per byte. */
static void registers_of(const struct hll_buf *h, uint8_t *regs)
{
    memset(regs, 0, HLL_REGISTERS);
    CHECK(hll_merge(regs, h->data, h->len));
}

/* Its dense form has the same registers and the same count. */
static void check_dense_agrees(const struct hll_buf *h)
{
    static uint8_t a[HLL_REGISTERS], b[HLL_REGISTERS];
    struct hll_buf dense;
    if (hll_buf_init(&dense, h->data, h->len) != 0)
        return;
    CHECK(hll_to_dense(&dense) == 0);
    CHECK(dense.len == HLL_DENSE_SIZE && hll_header_valid(dense.data, dense.len));
    registers_of(h, a);
    registers_of(&dense, b);
    CHECK(memcmp(a, b, HLL_REGISTERS) == 0);
    uint64_t c1, c2;
    CHECK(hll_count(h->data, h->len, &c1));
    CHECK(hll_count(dense.data, dense.len, &c2));
    CHECK(c1 == c2);
    hll_buf_free(&dense);
}

/* Whether a sparse value's last opcode is whole. An XZERO cut short by the
 * end counts as if its missing byte were 0, as Redis reads its string's
 * terminator there; adding to such a value can leave it invalid, in
 * redis-server 7.0 too (checked: corpus/hll_fuzz/truncated-xzero-then-adds
 * counts 43, then after the same PFADDs both answer INVALIDOBJ), so only
 * whole encodings must stay valid. */
static bool opcodes_whole(const uint8_t *value, size_t len)
{
    if (len < HLL_HDR_SIZE || value[4] != HLL_SPARSE)
        return true;
    size_t at = HLL_HDR_SIZE;
    while (at < len)
        at += (value[at] & 0xc0) == 0x40 ? 2 : 1; /* XZERO: 01xxxxxx yyyyyyyy */
    return at == len;
}

static void fuzz_raw(const uint8_t *data, size_t size, bool with_header)
{
    static const uint8_t header[HLL_HDR_SIZE] = {'H', 'Y', 'L', 'L', HLL_SPARSE, 0, 0, 0,
                                                 0,   0,   0,   0,   0,          0, 0, 0x80};
    size_t len = size + (with_header ? HLL_HDR_SIZE : 0);
    uint8_t *value = malloc(len ? len : 1);
    if (!value)
        return;
    if (with_header)
        memcpy(value, header, HLL_HDR_SIZE);
    memcpy(value + (with_header ? HLL_HDR_SIZE : 0), data, size);
    if (hll_header_valid(value, len)) {
        uint64_t card;
        bool valid = hll_count(value, len, &card);
        bool whole = opcodes_whole(value, len);
        static uint8_t max[HLL_REGISTERS];
        memset(max, 0, sizeof(max));
        CHECK(hll_merge(max, value, len) == valid);
        struct hll_buf h;
        if (hll_buf_init(&h, value, len) == 0) {
            size_t sparse_max = len + (size % 64) * 8;
            for (size_t i = 0; i < 8 && i < size; i++) {
                int r = hll_add(&h, data + i, size - i, sparse_max);
                if (valid && whole)
                    CHECK(r == 0 || r == 1);
            }
            if (valid && whole) {
                CHECK(hll_header_valid(h.data, h.len));
                check_dense_agrees(&h);
            } else {
                int r = hll_to_dense(&h);
                CHECK(r == 0 || r == HLL_INVALID || r == HLL_NOMEM);
            }
            hll_buf_free(&h);
        }
    }
    free(value);
}

static void fuzz_ops(struct input *in)
{
    static uint8_t model[HLL_REGISTERS], got[HLL_REGISTERS];
    memset(model, 0, sizeof(model));
    struct hll_buf h;
    if (hll_buf_init(&h, NULL, 0) != 0)
        return;
    size_t sparse_max = (size_t)take(in) * 16;
    while (in->size >= 3) {
        uint32_t index = ((uint32_t)take(in) << 8 | take(in)) % HLL_REGISTERS;
        uint8_t count = take(in) % 64;
        if (count == 0)
            count = 1;
        int r = hll_set_register(&h, index, count, sparse_max);
        CHECK(r == (count > model[index]));
        if (count > model[index])
            model[index] = count;
        if (in->size % 16 == 0) { /* the full comparison is slow: now and then */
            registers_of(&h, got);
            CHECK(memcmp(got, model, HLL_REGISTERS) == 0);
        }
        /* Sparse only within hll-sparse-max-bytes (or as created). */
        CHECK(h.data[4] == HLL_DENSE || h.len <= sparse_max || h.len <= HLL_EMPTY_SIZE);
    }
    registers_of(&h, got);
    CHECK(memcmp(got, model, HLL_REGISTERS) == 0);
    check_dense_agrees(&h);
    hll_buf_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    uint8_t mode = take(&in);
    if (mode & 1)
        fuzz_ops(&in);
    else
        fuzz_raw(in.data, in.size, (mode & 2) != 0);
    return 0;
}
