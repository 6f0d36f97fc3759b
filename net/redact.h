/*
 * Which arguments of a command line Redis 7.0 shows as "(redacted)" in the
 * slow log and to MONITOR clients: the secrets of AUTH, HELLO ... AUTH and
 * CONFIG SET requirepass.
 */
#ifndef MAGPIE_NET_REDACT_H
#define MAGPIE_NET_REDACT_H

#include "proto/resp.h"
#include "store/command.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REDACTED_ARGUMENT "(redacted)"

/* Marks redacted[j] for each of the first argc arguments to hide (the
 * others are left as they are); returns whether it marked any. */
bool command_redact(const struct command *cmd, int argc, const struct resp_arg *argv,
                    bool *redacted);

#ifdef __cplusplus
}
#endif
#endif
