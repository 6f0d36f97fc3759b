/*
 * Latency histogram with logarithmic buckets, HDR-style: every power of two
 * is split into HIST_SUB_BUCKETS linear sub-buckets, so any recorded value is
 * known to within 1/128 of itself (0.8%), from 1 ns up to HIST_MAX_VALUE,
 * in a fixed ~39 KB whatever the run length. Histograms of different threads
 * merge by adding buckets.
 *
 * Concurrency: one thread records into a histogram; any other thread may
 * read it at the same time (hist_merge, hist_diff, the queries) and gets a
 * possibly slightly torn but always valid view, good enough for a live
 * progress line. Exact figures come from reading after the writer stopped.
 * Never record into one histogram from two threads.
 */
#ifndef MAGPIE_STRESS_HISTOGRAM_H
#define MAGPIE_STRESS_HISTOGRAM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HIST_SUB_BITS    7
#define HIST_SUB_BUCKETS (1u << HIST_SUB_BITS)
#define HIST_MAX_BITS    44 /* 2^44 ns: about 4.9 hours */
#define HIST_MAX_VALUE   ((UINT64_C(1) << HIST_MAX_BITS) - 1)
#define HIST_BUCKETS     ((HIST_MAX_BITS - HIST_SUB_BITS + 1) * HIST_SUB_BUCKETS)

struct hist; /* opaque: its counters are atomics */

/* A zeroed histogram; NULL when out of memory. */
struct hist *hist_new(void);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

/* Records one value; values above HIST_MAX_VALUE count as HIST_MAX_VALUE. */
void hist_record(struct hist *h, uint64_t value);
/* Records `count` occurrences of one value. */
void hist_record_n(struct hist *h, uint64_t value, uint64_t count);

/* dst += src. dst must not be recorded into concurrently. */
void hist_merge(struct hist *dst, const struct hist *src);
/* out = newer - older, for interval figures; newer must contain older (a later
 * snapshot of the same histograms). min and max of the result are the bounds
 * of its lowest and highest non-empty buckets. */
void hist_diff(struct hist *out, const struct hist *newer, const struct hist *older);
/* dst = src. */
void hist_copy(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
uint64_t hist_min(const struct hist *h); /* 0 when empty */
uint64_t hist_max(const struct hist *h); /* 0 when empty */
double hist_mean(const struct hist *h);  /* 0 when empty */
/*
 * The value at percentile q (0 < q <= 100) by the nearest-rank rule: the
 * smallest recorded value with at least q% of the values at or below it,
 * reported as the middle of its bucket (clamped to [min, max]), so within
 * 1/256 of the exact answer. 0 when empty.
 */
uint64_t hist_percentile(const struct hist *h, double q);

/* Bucket arithmetic, exposed for the tests. */
unsigned hist_bucket_of(uint64_t value);
uint64_t hist_bucket_low(unsigned bucket);
uint64_t hist_bucket_high(unsigned bucket);

#ifdef __cplusplus
}
#endif
#endif
