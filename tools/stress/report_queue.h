/* The --queue parts of the network report (internal to report.c). */
#ifndef MAGPIE_STRESS_REPORT_QUEUE_H
#define MAGPIE_STRESS_REPORT_QUEUE_H

#include "tools/stress/args.h"
#include "tools/stress/json.h"
#include "tools/stress/network.h"

#include <stddef.h>
#include <stdio.h>

/* The run's configuration in one line. */
void report_queue_describe(char *out, size_t size, const struct stress_options *o);
/* Items pushed and popped, their rates, the sabotage. */
void report_queue_text(FILE *f, const struct stress_options *o, const struct network_result *r);
/* The verify lines: "items lost: N, duplicated: N, ...". */
void report_queue_verify_text(FILE *f, const struct network_result *r);
/* "queue" in "config"; "queue" in "results"; and "verify". */
void report_queue_json_config(struct json *j, const struct stress_options *o);
void report_queue_json_results(struct json *j, const struct network_result *r);
void report_queue_json_verify(struct json *j, const struct network_result *r);

#endif
