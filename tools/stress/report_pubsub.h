/* The --pubsub parts of the network report (internal to report.c). */
#ifndef MAGPIE_STRESS_REPORT_PUBSUB_H
#define MAGPIE_STRESS_REPORT_PUBSUB_H

#include "tools/stress/args.h"
#include "tools/stress/json.h"
#include "tools/stress/network.h"

#include <stddef.h>
#include <stdio.h>

/* The run's configuration in one line. */
void report_pubsub_describe(char *out, size_t size, const struct stress_options *o);
/* Messages published and received, their rates, PUBLISH's receiver
 * counts, the sabotage. */
void report_pubsub_text(FILE *f, const struct stress_options *o, const struct network_result *r);
/* The publish-to-receive latency table. */
void report_pubsub_latency_text(FILE *f, const struct network_result *r);
/* The verify lines: "messages lost: N, duplicated: N, reordered: N, ...". */
void report_pubsub_verify_text(FILE *f, const struct network_result *r);
/* "pubsub" in "config"; "pubsub" in "results"; and "verify". */
void report_pubsub_json_config(struct json *j, const struct stress_options *o);
void report_pubsub_json_results(struct json *j, const struct network_result *r);
void report_pubsub_json_verify(struct json *j, const struct network_result *r);

#endif
