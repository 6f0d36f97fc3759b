/*
 * The final report of a run: a human table on stdout and, with --json, every
 * figure in a file (the network run's per-second series included).
 */
#ifndef MAGPIE_STRESS_REPORT_H
#define MAGPIE_STRESS_REPORT_H

#include "tools/stress/args.h"
#include "tools/stress/inprocess.h"
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
