/*
 * --svg: a self-contained SVG chart of a run, no scripts, no fonts to
 * fetch, no dependencies. A network run draws ops/s (top) and p50/p99
 * latency (bottom) over time; an in-process sweep draws ops/s against the
 * thread count with one line per shard count (dashed for each further key
 * distribution).
 */
#ifndef MAGPIE_STRESS_SVG_H
#define MAGPIE_STRESS_SVG_H

#include "tools/stress/args.h"
#include "tools/stress/inprocess.h"
#include "tools/stress/network.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 0 or -errno. */
int svg_network(const char *path, const struct stress_options *o, const struct network_result *r);
int svg_sweep(const char *path, const struct stress_options *o, const struct sweep_result *r);

#ifdef __cplusplus
}
#endif
#endif
