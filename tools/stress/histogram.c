#include "tools/stress/histogram.h"

#include "core/compiler.h"

#include <assert.h>
#include <stdlib.h>

/*
 * All counters are atomics accessed with relaxed ordering: the single writer
 * does a plain load and store (no read-modify-write, so recording costs what
 * a plain increment costs), and a concurrent reader sees each counter whole.
 * Nothing orders one counter against another, which is why a live reader's
 * view may be slightly torn; joining the writer thread makes it exact.
 */
struct hist {
    ATOMIC(uint64_t) count;
    ATOMIC(uint64_t) sum;
    ATOMIC(uint64_t) min;
    ATOMIC(uint64_t) max;
    ATOMIC(uint64_t) buckets[HIST_BUCKETS];
};

#define LOAD(p)     atomic_load_explicit(p, memory_order_relaxed)
#define STORE(p, v) atomic_store_explicit(p, v, memory_order_relaxed)

struct hist *hist_new(void)
{
    struct hist *h = malloc(sizeof(*h));
    if (h)
        hist_reset(h);
    return h;
}

void hist_free(struct hist *h)
{
    free(h);
}

void hist_reset(struct hist *h)
{
    STORE(&h->count, 0);
    STORE(&h->sum, 0);
    STORE(&h->min, UINT64_MAX);
    STORE(&h->max, 0);
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        STORE(&h->buckets[i], 0);
}

/*
 * Values below HIST_SUB_BUCKETS have a bucket each. Above, a value whose
 * highest set bit is b lands in row b - HIST_SUB_BITS + 1 (one row per power
 * of two), at the column given by its next HIST_SUB_BITS bits.
 */
unsigned hist_bucket_of(uint64_t value)
{
    if (value > HIST_MAX_VALUE)
        value = HIST_MAX_VALUE;
    if (value < HIST_SUB_BUCKETS)
        return (unsigned)value;
    unsigned msb = 63u - (unsigned)__builtin_clzll(value);
    unsigned shift = msb - HIST_SUB_BITS;
    unsigned column = (unsigned)(value >> shift) - HIST_SUB_BUCKETS;
    unsigned bucket = (shift + 1) * HIST_SUB_BUCKETS + column;
    assert(bucket < HIST_BUCKETS);
    return bucket;
}

uint64_t hist_bucket_low(unsigned bucket)
{
    assert(bucket < HIST_BUCKETS);
    if (bucket < HIST_SUB_BUCKETS)
        return bucket;
    unsigned shift = bucket / HIST_SUB_BUCKETS - 1;
    uint64_t column = bucket % HIST_SUB_BUCKETS;
    return (HIST_SUB_BUCKETS + column) << shift;
}

uint64_t hist_bucket_high(unsigned bucket)
{
    if (bucket < HIST_SUB_BUCKETS)
        return bucket;
    unsigned shift = bucket / HIST_SUB_BUCKETS - 1;
    return hist_bucket_low(bucket) + ((UINT64_C(1) << shift) - 1);
}

void hist_record_n(struct hist *h, uint64_t value, uint64_t count)
{
    if (count == 0)
        return;
    if (value > HIST_MAX_VALUE)
        value = HIST_MAX_VALUE;
    unsigned b = hist_bucket_of(value);
    STORE(&h->buckets[b], LOAD(&h->buckets[b]) + count);
    STORE(&h->count, LOAD(&h->count) + count);
    STORE(&h->sum, LOAD(&h->sum) + value * count);
    if (value < LOAD(&h->min))
        STORE(&h->min, value);
    if (value > LOAD(&h->max))
        STORE(&h->max, value);
}

void hist_record(struct hist *h, uint64_t value)
{
    hist_record_n(h, value, 1);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        uint64_t n = LOAD(&src->buckets[i]);
        if (n)
            STORE(&dst->buckets[i], LOAD(&dst->buckets[i]) + n);
    }
    STORE(&dst->count, LOAD(&dst->count) + LOAD(&src->count));
    STORE(&dst->sum, LOAD(&dst->sum) + LOAD(&src->sum));
    if (LOAD(&src->min) < LOAD(&dst->min))
        STORE(&dst->min, LOAD(&src->min));
    if (LOAD(&src->max) > LOAD(&dst->max))
        STORE(&dst->max, LOAD(&src->max));
}

void hist_copy(struct hist *dst, const struct hist *src)
{
    hist_reset(dst);
    hist_merge(dst, src);
}

void hist_diff(struct hist *out, const struct hist *newer, const struct hist *older)
{
    uint64_t count = 0, lowest = UINT64_MAX, highest = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        uint64_t a = LOAD(&newer->buckets[i]), b = LOAD(&older->buckets[i]);
        /* A live snapshot may be torn; never let a bucket go negative. */
        uint64_t n = a > b ? a - b : 0;
        STORE(&out->buckets[i], n);
        if (n) {
            count += n;
            if (lowest == UINT64_MAX)
                lowest = hist_bucket_low(i);
            highest = hist_bucket_high(i);
        }
    }
    uint64_t sa = LOAD(&newer->sum), sb = LOAD(&older->sum);
    STORE(&out->count, count);
    STORE(&out->sum, sa > sb ? sa - sb : 0);
    /* The exact extremes of the interval are unknown; the recorded overall
     * ones are tighter when they fall inside the interval's buckets. */
    uint64_t newer_max = LOAD(&newer->max), newer_min = LOAD(&newer->min);
    if (count && newer_max < highest && newer_max >= lowest)
        highest = newer_max;
    if (count && newer_min > lowest && newer_min <= highest)
        lowest = newer_min;
    STORE(&out->min, lowest);
    STORE(&out->max, highest);
}

uint64_t hist_count(const struct hist *h)
{
    return LOAD(&h->count);
}

uint64_t hist_min(const struct hist *h)
{
    return LOAD(&h->count) ? LOAD(&h->min) : 0;
}

uint64_t hist_max(const struct hist *h)
{
    return LOAD(&h->max);
}

double hist_mean(const struct hist *h)
{
    uint64_t n = LOAD(&h->count);
    return n ? (double)LOAD(&h->sum) / (double)n : 0.0;
}

uint64_t hist_percentile(const struct hist *h, double q)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        total += LOAD(&h->buckets[i]);
    if (total == 0)
        return 0;
    if (q >= 100.0)
        return hist_max(h);
    if (q < 0)
        q = 0;
    /* ceil(), but 99.9% of 1000 must stay 999 despite rounding error. */
    double exact = q / 100.0 * (double)total;
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact - 1e-9)
        rank++;
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += LOAD(&h->buckets[i]);
        if (seen >= rank) {
            uint64_t low = hist_bucket_low(i), high = hist_bucket_high(i);
            uint64_t mid = low + (high - low) / 2;
            uint64_t lo = hist_min(h), hi = hist_max(h);
            if (mid < lo)
                mid = lo;
            if (mid > hi)
                mid = hi;
            return mid;
        }
    }
    return hist_max(h);
}
