/*
 * The network side of --verify: deleting every key the run may touch before
 * it starts, and reading every key back after every client finished, for
 * verify_check().
 */
#ifndef MAGPIE_STRESS_VERIFY_RUN_H
#define MAGPIE_STRESS_VERIFY_RUN_H

#include "tools/stress/args.h"
#include "tools/stress/network.h"
#include "tools/stress/verify.h"

#include <stddef.h>

/* DEL key:0.. and counter:0.. so counters start at zero. 0 or -errno. */
int verify_prepare(const struct stress_options *o, char *err, size_t err_size);

/*
 * Reads every string key back into the last log (the pseudo-client
 * logs[log_count - 1], whose reads follow everything) and every counter,
 * then runs verify_check into out->verify. 0 or -errno.
 */
int verify_finish(const struct stress_options *o, struct verify_log *logs, size_t log_count,
                  struct network_result *out, char *err, size_t err_size);

#endif
