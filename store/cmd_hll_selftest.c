/*
 * PFSELFTEST: checks the HyperLogLog code from inside the server, as
 * Redis's does: the 6-bit dense registers keep what is written without
 * disturbing their neighbours, and a dense and a sparse HLL fed the same
 * elements agree with each other and stay within six standard errors of
 * the true count at every power of ten. Redis feeds 10 million elements;
 * Magpie 1 million, so the command answers in well under a second (the
 * estimator is the same code at every size).
 */
#include "store/cmd_util.h"
#include "store/commands.h"
#include "store/hll.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <math.h>

#define REGISTER_CYCLES 100
#define MAX_ELEMENTS    1000000

static uint64_t next_random(uint64_t *state)
{
    /* xorshift64*: any decent generator will do for test data. */
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dULL;
}

/* Test 1: every register keeps its value. False after replying the failure. */
static bool check_registers(struct cmd_ctx *c, uint8_t *regs, uint8_t *expected, uint64_t *rng)
{
    for (int cycle = 0; cycle < REGISTER_CYCLES; cycle++) {
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            expected[i] = (uint8_t)(next_random(rng) & HLL_REGISTER_MAX);
            hll_dense_set(regs, i, expected[i]);
        }
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            uint8_t got = hll_dense_get(regs, i);
            if (got != expected[i]) {
                reply_errorf(c->reply, "TESTFAILED Register %u should be %d but is %d", i,
                             expected[i], got);
                return false;
            }
        }
    }
    return true;
}

/* Test 2: dense and sparse agree, and the error stays small. False after
 * replying the failure. */
static bool check_estimates(struct cmd_ctx *c, struct hll_buf *dense, struct hll_buf *sparse,
                            size_t max_sparse, uint64_t *rng)
{
    const double relerr = 1.04 / sqrt(HLL_REGISTERS);
    uint64_t seed = next_random(rng), checkpoint = 1;
    for (uint64_t j = 1; j <= MAX_ELEMENTS; j++) {
        uint64_t ele = j ^ seed;
        if (hll_add(dense, &ele, sizeof(ele), max_sparse) < 0 ||
            hll_add(sparse, &ele, sizeof(ele), max_sparse) < 0) {
            reply_error(c->reply, "TESTFAILED could not add an element");
            return false;
        }
        if (j != checkpoint)
            continue;
        if (j < max_sparse / 2 && sparse->data[4] != HLL_SPARSE) {
            reply_error(c->reply, "TESTFAILED sparse encoding not used");
            return false;
        }
        uint64_t a = 0, b = 0;
        hll_count(dense->data, dense->len, &a);
        hll_count(sparse->data, sparse->len, &b);
        if (a != b) {
            reply_error(c->reply, "TESTFAILED dense/sparse disagree");
            return false;
        }
        int64_t abserr = (int64_t)checkpoint - (int64_t)a;
        uint64_t maxerr = (uint64_t)ceil(relerr * 6 * (double)checkpoint);
        if (j == 10)
            maxerr = 1; /* collisions make larger errors likely at 10 */
        if (abserr < 0)
            abserr = -abserr;
        if (abserr > (int64_t)maxerr) {
            reply_errorf(c->reply, "TESTFAILED Too big error. card:%llu abserr:%llu",
                         (unsigned long long)checkpoint, (unsigned long long)abserr);
            return false;
        }
        checkpoint *= 10;
    }
    return true;
}

void pfselftest_command(struct cmd_ctx *c)
{
    uint64_t rng = clock_mono_ns() | 1;
    size_t max_sparse = (size_t)atomic_load_explicit(&c->ks->hll_sparse_max, memory_order_relaxed);
    uint8_t *expected = mem_alloc(HLL_REGISTERS);
    struct hll_buf dense = {0}, sparse = {0};
    if (!expected || hll_buf_init(&dense, NULL, 0) != 0 || hll_to_dense(&dense) != 0 ||
        hll_buf_init(&sparse, NULL, 0) != 0) {
        reply_error(c->reply, ERR_OOM);
        goto out;
    }
    if (!check_registers(c, dense.data + HLL_HDR_SIZE, expected, &rng))
        goto out;
    memset(dense.data + HLL_HDR_SIZE, 0, HLL_DENSE_SIZE - HLL_HDR_SIZE);
    if (check_estimates(c, &dense, &sparse, max_sparse, &rng))
        reply_ok(c->reply);
out:
    hll_buf_free(&sparse);
    hll_buf_free(&dense);
    mem_free(expected);
}
