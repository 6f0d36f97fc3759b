/*
 * The connection and server commands net/ adds to the command table (PING,
 * HELLO, AUTH, CLIENT, CONFIG, INFO, COMMAND, ...), and small helpers their
 * handlers share. Subcommands are named "container|sub" (store/command.h).
 * Handlers follow store/command.h: one function per command, exactly one
 * reply, never suspend; their client is session_of(c) (net/session.h),
 * which may have no socket.
 */
#ifndef MAGPIE_NET_COMMANDS_H
#define MAGPIE_NET_COMMANDS_H

#include "net/config.h"
#include "store/command.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Registers every net/ command (after the store's, so these win). 0 or -ENOMEM. */
int net_commands_register(void);

/* Per-file tables, registered by net_commands_register. */
int cmd_connection_register(void);
int cmd_client_register(void);
int cmd_server_register(void);
int cmd_save_register(void);
int cmd_info_register(void);
int cmd_command_register(void);
int cmd_pubsub_register(void);
int cmd_multi_register(void);
int cmd_scripting_register(void);
int cmd_slowlog_register(void);
int cmd_monitor_register(void);
int cmd_latency_register(void);
int cmd_memory_register(void);
int cmd_aof_register(void);

/* DEBUG's subcommands beyond OBJECT and SLEEP (cmd_debug.c): false when
 * argv[1] is none of them. */
bool debug_extra_command(struct cmd_ctx *c);

/* argv[i] as a NUL-terminated copy, truncated to size-1. */
void arg_copy(const struct cmd_ctx *c, int i, char *buf, size_t size);
/* Strict decimal (Redis's string2ll). */
bool arg_to_ll(const struct cmd_ctx *c, int i, long long *out);
/* CLIENT SETNAME's rule: no spaces, newlines or other special characters. */
bool client_name_valid(const char *s, size_t len);

struct session;
/* enable-debug-command allows DEBUG for this session (net/cmd_server.c); the
 * session refuses DEBUG before authentication when it does not, as Redis. */
bool session_debug_allowed(const struct session *s);
/* DEBUG POPULATE (net/cmd_debug_populate.c). */
void debug_populate(struct cmd_ctx *c);
/* A no / yes / local setting (enable-debug-command,
 * enable-protected-configs) allows this session. */
bool session_allowed_by(const struct session *s, enum config_id setting);
#define DEBUG_NOT_ALLOWED                                                                          \
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "  \
    "can run it from a local connection, otherwise you need to set this option in the "            \
    "configuration file, and then restart the server."

#ifdef __cplusplus
}
#endif
#endif
