/*
 * LATENCY HISTOGRAM's data: for every command and subcommand, how many
 * calls took up to 1, 2, 4, 8, ... microseconds (Redis 7's buckets: 1024
 * ns times a power of two, reported in whole microseconds), counted per
 * worker like INFO commandstats so that counting never bounces a cache line
 * between cores. `latency-tracking no` stops the counting.
 */
#ifndef MAGPIE_NET_LATENCY_HISTOGRAM_H
#define MAGPIE_NET_LATENCY_HISTOGRAM_H

#include "proto/reply.h"
#include "proto/resp.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LATENCY_HISTOGRAM_BUCKETS 21 /* 1024 ns .. ~1.07 s (Redis's maximum) */

struct latency_histograms;

/* After command_table_freeze(): one slot per worker plus one for the rest. */
struct latency_histograms *latency_histograms_new(int workers);
void latency_histograms_free(struct latency_histograms *h);

/* A call of command `entry` (command_index) that ran `usec` microseconds. */
void latency_histograms_count(struct latency_histograms *h, int entry, uint64_t usec);

/* LATENCY HISTOGRAM [command ...]: every command with calls (names NULL),
 * or those named that have some, as Redis's map of name -> {calls,
 * histogram_usec}. */
void latency_histograms_reply(struct latency_histograms *h, struct reply *r, int nnames,
                              const struct resp_arg *names);

void latency_histograms_reset(struct latency_histograms *h);

#ifdef __cplusplus
}
#endif
#endif
