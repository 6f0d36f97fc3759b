#include "net/commands.h"
#include "net/config_internal.h"

#include "core/strconv.h"

#include <string.h>

int net_commands_register(void)
{
    int rc = cmd_connection_register();
    if (rc == 0)
        rc = cmd_client_register();
    if (rc == 0)
        rc = cmd_server_register();
    if (rc == 0)
        rc = cmd_info_register();
    if (rc == 0)
        rc = cmd_command_register();
    if (rc == 0)
        rc = cmd_pubsub_register();
    if (rc == 0)
        rc = cmd_multi_register();
    if (rc == 0)
        rc = cmd_scripting_register();
    if (rc == 0)
        rc = cmd_slowlog_register();
    if (rc == 0)
        rc = cmd_monitor_register();
    if (rc == 0)
        rc = cmd_latency_register();
    if (rc == 0)
        rc = cmd_memory_register();
    if (rc == 0)
        rc = cmd_aof_register();
    if (rc == 0)
        rc = cmd_save_register();
    return rc;
}

void arg_copy(const struct cmd_ctx *c, int i, char *buf, size_t size)
{
    size_t n = c->argv[i].len < size - 1 ? c->argv[i].len : size - 1;
    memcpy(buf, c->argv[i].ptr, n);
    buf[n] = '\0';
}

bool arg_to_ll(const struct cmd_ctx *c, int i, long long *out)
{
    return strconv_parse_ll(c->argv[i].ptr, c->argv[i].len, out);
}
