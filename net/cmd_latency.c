/*
 * LATENCY (LATEST, HISTORY, RESET, GRAPH, DOCTOR, HELP), and what records,
 * after every command a session runs, a "command" or "fast-command" spike
 * at or above latency-monitor-threshold milliseconds (net/latency.h).
 */
#include "net/commands.h"
#include "net/latency.h"
#include "net/latency_histogram.h"
#include "net/server.h"
#include "net/session.h"

#include "core/clock.h"

#include <stdio.h>
#include <string.h>

void latency_record_command(struct session *s, const struct command *cmd, long long duration_us)
{
    if (config_number(s->server->config, CONFIG_LATENCY_TRACKING))
        latency_histograms_count(s->server->histograms, command_index(cmd), (uint64_t)duration_us);
    long long threshold = config_number(s->server->config, CONFIG_LATENCY_MONITOR_THRESHOLD);
    long long ms = duration_us / 1000;
    if (threshold == 0 || ms < threshold)
        return;
    latency_add_sample(s->server->latency, (cmd->flags & CMD_FAST) ? "fast-command" : "command",
                       (uint32_t)(ms > UINT32_MAX ? UINT32_MAX : ms), clock_unix_ms() / 1000);
}

void latency_record_expire_slice(void *ctx, uint64_t ns)
{
    struct server *s = ctx;
    long long threshold = config_number(s->config, CONFIG_LATENCY_MONITOR_THRESHOLD);
    uint64_t ms = ns / 1000000;
    if (threshold > 0 && ms >= (uint64_t)threshold)
        latency_add_sample(s->latency, "expire-cycle",
                           (uint32_t)(ms > UINT32_MAX ? UINT32_MAX : ms), clock_unix_ms() / 1000);
}

static void event_name(const struct cmd_ctx *c, char *buf)
{
    arg_copy(c, 2, buf, LATENCY_EVENT_MAX + 1);
}

static void latency_latest(struct cmd_ctx *c)
{
    latency_reply_latest(session_of(c)->server->latency, c->reply);
}

static void latency_history(struct cmd_ctx *c)
{
    char event[LATENCY_EVENT_MAX + 1];
    event_name(c, event);
    latency_reply_history(session_of(c)->server->latency, c->reply, event);
}

static void latency_graph(struct cmd_ctx *c)
{
    char event[LATENCY_EVENT_MAX + 1];
    event_name(c, event);
    if (!latency_reply_graph(session_of(c)->server->latency, c->reply, event,
                             clock_unix_ms() / 1000)) {
        char shown[256];
        arg_copy(c, 2, shown, sizeof(shown));
        reply_errorf(c->reply, "ERR No samples available for event '%s'", shown);
    }
}

static void latency_reset_command(struct cmd_ctx *c)
{
    struct latency_monitor *m = session_of(c)->server->latency;
    if (c->argc == 2) {
        reply_int(c->reply, latency_reset(m, NULL));
        return;
    }
    int resets = 0;
    for (int j = 2; j < c->argc; j++) {
        char event[LATENCY_EVENT_MAX + 1];
        arg_copy(c, j, event, sizeof(event));
        resets += latency_reset(m, event);
    }
    reply_int(c->reply, resets);
}

/* Whether the process has anonymous huge pages (Redis's THP warning). */
static bool has_huge_pages(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f)
        return false;
    char line[256];
    long long kb = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
            break;
    fclose(f);
    return kb > 0;
}

static void latency_doctor(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    struct latency_doctor_input in = {
        .threshold_ms = config_number(s->config, CONFIG_LATENCY_MONITOR_THRESHOLD),
        .slowlog_slower_than_us = config_number(s->config, CONFIG_SLOWLOG_LOG_SLOWER_THAN),
        .hz = (int)config_number(s->config, CONFIG_HZ),
        .now = clock_unix_ms() / 1000,
        .huge_pages = has_huge_pages(),
    };
    latency_reply_doctor(s->latency, c->reply, &in);
}

/* LATENCY HISTOGRAM [command ...] */
static void latency_histogram(struct cmd_ctx *c)
{
    latency_histograms_reply(session_of(c)->server->histograms, c->reply, c->argc - 2, c->argv + 2);
}

/* One help line longer than a source line (clang flags a concatenation
 * inside an array initializer). */
#define HISTOGRAM_HELP_LINE                                                                        \
    ("    Return a cumulative distribution of latencies in the format of a histogram for the "     \
     "specified command names.")

static void latency_help(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        HISTOGRAM_HELP_LINE,
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

static const struct command latency_subcommands[] = {
    COMMAND("latency|latest", latency_latest), COMMAND("latency|history", latency_history),
    COMMAND("latency|graph", latency_graph),   COMMAND("latency|reset", latency_reset_command),
    COMMAND("latency|doctor", latency_doctor), COMMAND("latency|histogram", latency_histogram),
    COMMAND("latency|help", latency_help),     COMMAND_END,
};

static const struct command latency_commands[] = {
    COMMAND_WITH_SUBCOMMANDS("latency", command_run_subcommand, latency_subcommands),
};

int cmd_latency_register(void)
{
    return command_table_register(latency_commands, (int)ARRAY_SIZE(latency_commands));
}
