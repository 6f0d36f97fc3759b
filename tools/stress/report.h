/*
 * The final report of a run: a human table on stdout and, with --json, every
 * figure in a file (the network run's per-second series included).
 */
#ifndef MAGPIE_STRESS_REPORT_H
#define MAGPIE_STRESS_REPORT_H

#include "tools/stress/args.h"
#include "tools/stress/histogram.h"
#include "tools/stress/inprocess.h"
#include "tools/stress/json.h"
#include "tools/stress/network.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "850 ns", "12.3 us", "1.25 ms", "2.500 s". */
void report_format_ns(char *out, size_t size, uint64_t ns);
/* The command line that started the run ("magpie-stress --port 7001 ..."). */
void report_command_line(char *out, size_t size, const struct stress_options *o);
/* One line describing the run's configuration. */
void report_describe(char *out, size_t size, const struct stress_options *o);

void report_network_text(FILE *f, const struct stress_options *o, const struct network_result *r);
/* For the workloads' parts of the report: the percentile columns' titles
 * (after room for row names when `named`), one row of them (name "" for a
 * table without row names), and the same in the JSON, in microseconds. */
void report_latency_header(FILE *f, bool named);
void report_latency_row(FILE *f, const char *name, const struct hist *h);
void report_json_latency(struct json *j, const char *key, const struct hist *h);
/* 0 or -errno. */
int report_network_json(const char *path, const struct stress_options *o,
                        const struct network_result *r);

void report_sweep_text(FILE *f, const struct stress_options *o, const struct sweep_result *r);
int report_sweep_json(const char *path, const struct stress_options *o,
                      const struct sweep_result *r);

#ifdef __cplusplus
}
#endif
#endif
