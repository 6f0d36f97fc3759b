/* The --transfer parts of the network report (internal to report.c). */
#ifndef MAGPIE_STRESS_REPORT_TRANSFER_H
#define MAGPIE_STRESS_REPORT_TRANSFER_H

#include "tools/stress/args.h"
#include "tools/stress/json.h"
#include "tools/stress/network.h"

#include <stddef.h>
#include <stdio.h>

/* The run's configuration in one line. */
void report_transfer_describe(char *out, size_t size, const struct stress_options *o);
/* Moves committed, WATCH retries, sums read, the final total, the sabotage. */
void report_transfer_text(FILE *f, const struct stress_options *o, const struct network_result *r);
/* The verify lines: "invariant violations: N, balances wrong: N, ...". */
void report_transfer_verify_text(FILE *f, const struct network_result *r);
/* "transfer" in "config"; "transfer" in "results"; and "verify". */
void report_transfer_json_config(struct json *j, const struct stress_options *o);
void report_transfer_json_results(struct json *j, const struct network_result *r);
void report_transfer_json_verify(struct json *j, const struct network_result *r);

#endif
