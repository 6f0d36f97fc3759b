/*
 * MEMORY (USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP), from the
 * server's memory accounting (net/memory.h).
 */
#include "net/commands.h"
#include "net/memory.h"
#include "net/session.h"
#include "net/server.h"
#include "net/text.h"

#include "store/keyspace.h"

#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

/* MEMORY USAGE key [SAMPLES count]: Magpie counts every element, so the
 * sample count is checked, then not needed. */
static void memory_usage(struct cmd_ctx *c)
{
    for (int j = 3; j < c->argc; j += 2) {
        long long samples;
        if (!arg_is(&c->argv[j], "samples") || j + 1 >= c->argc) {
            reply_error(c->reply, "ERR syntax error");
            return;
        }
        if (!arg_to_ll(c, j + 1, &samples)) {
            reply_error(c->reply, "ERR value is not an integer or out of range");
            return;
        }
        if (samples < 0) {
            reply_error(c->reply, "ERR syntax error");
            return;
        }
    }
    long long bytes =
        keyspace_memory_usage(c->ks, c->db, c->argv[2].ptr, c->argv[2].len, c->now_ms);
    if (bytes < 0)
        reply_null(c->reply);
    else
        reply_int(c->reply, bytes);
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0;
}

static void stat_int(struct reply *r, const char *name, uint64_t value)
{
    reply_bulk_cstr(r, name);
    reply_int(r, (long long)value);
}

/* Redis replies with a float: the same digits. */
static void stat_double(struct reply *r, const char *name, double value)
{
    reply_bulk_cstr(r, name);
    reply_double(r, (double)(float)value);
}

static void stat_difference(struct reply *r, const char *name, uint64_t a, uint64_t b)
{
    reply_bulk_cstr(r, name);
    reply_int(r, (long long)a - (long long)b);
}

/* db.N for every database that has keys, as Redis lists them. */
static int stats_databases(struct cmd_ctx *c)
{
    int listed = 0;
    int databases = keyspace_databases(c->ks);
    for (int db = 0; db < databases; db++) {
        struct keyspace_db_stats st;
        keyspace_db_stats(c->ks, db, &st);
        if (st.keys == 0)
            continue;
        char name[32];
        snprintf(name, sizeof(name), "db.%d", db);
        reply_bulk_cstr(c->reply, name);
        reply_map(c->reply, 3);
        stat_int(c->reply, "overhead.hashtable.main", st.table_bytes);
        stat_int(c->reply, "overhead.hashtable.expires", st.ttl_index_bytes);
        stat_int(c->reply, "overhead.hashtable.slot-to-keys", 0);
        listed++;
    }
    return listed;
}

/* MEMORY STATS: Redis 7.0's fields in its order, with Magpie's numbers
 * (net/memory.h). The map's length depends on the databases that have
 * keys, so it is filled in last. */
static void memory_stats(struct cmd_ctx *c)
{
    struct memory_view v;
    memory_view_take(session_of(c)->server, &v);
    struct reply *r = c->reply;
    struct reply_deferred len = reply_defer(r);
    stat_int(r, "peak.allocated", v.peak);
    stat_int(r, "total.allocated", v.used);
    stat_int(r, "startup.allocated", v.startup);
    stat_int(r, "replication.backlog", 0);
    stat_int(r, "clients.slaves", 0);
    stat_int(r, "clients.normal", v.clients_normal);
    stat_int(r, "cluster.links", 0);
    stat_int(r, "aof.buffer", 0);
    stat_int(r, "lua.caches", 0);
    stat_int(r, "functions.caches", 0);
    int listed = stats_databases(c);
    stat_int(r, "overhead.total", v.overhead);
    stat_int(r, "keys.count", v.keys);
    uint64_t net = v.used > v.startup ? v.used - v.startup : 0;
    stat_int(r, "keys.bytes-per-key", v.keys ? net / v.keys : 0);
    uint64_t dataset = v.used > v.overhead ? v.used - v.overhead : 0;
    stat_int(r, "dataset.bytes", dataset);
    stat_double(r, "dataset.percentage", net ? 100.0 * (double)dataset / (double)net : 0);
    stat_double(r, "peak.percentage", 100.0 * ratio(v.used, v.peak));
    stat_int(r, "allocator.allocated", v.allocated);
    stat_int(r, "allocator.active", v.active);
    stat_int(r, "allocator.resident", v.resident);
    stat_double(r, "allocator-fragmentation.ratio", ratio(v.active, v.allocated));
    stat_difference(r, "allocator-fragmentation.bytes", v.active, v.allocated);
    stat_double(r, "allocator-rss.ratio", ratio(v.resident, v.active));
    stat_difference(r, "allocator-rss.bytes", v.resident, v.active);
    stat_double(r, "rss-overhead.ratio", ratio(v.rss, v.resident));
    stat_difference(r, "rss-overhead.bytes", v.rss, v.resident);
    stat_double(r, "fragmentation", ratio(v.rss, v.used));
    stat_difference(r, "fragmentation.bytes", v.rss, v.used);
    reply_map_fill(r, len, (size_t)(27 + listed));
}

/* MEMORY DOCTOR: Redis's report, for the checks that apply to Magpie
 * (the total fragmentation, the clients' buffers). */
static void memory_doctor(struct cmd_ctx *c)
{
    struct memory_view v;
    memory_view_take(session_of(c)->server, &v);
    struct text t = {0};
    bool empty = v.used < 5 * 1024 * 1024;
    double frag = ratio(v.rss, v.used);
    bool high_frag = !empty && frag > 1.4 && v.rss > v.used && v.rss - v.used > 10 << 20;
    bool big_client_buf = !empty && v.clients > 0 && v.clients_normal / v.clients > 200 * 1024;
    if (empty) {
        text_printf(&t, "Hi Sam, this instance is empty or is using very little memory, my issues "
                        "detector can't be used in these conditions. Please, leave for your "
                        "mission on Earth and fill it with some data. The new Sam and I will be "
                        "back to our programming as soon as I finished rebooting.\n");
    } else if (!high_frag && !big_client_buf) {
        text_printf(&t, "Hi Sam, I can't find any memory issue in your instance. I can only "
                        "account for what occurs on this base.\n");
    } else {
        text_printf(&t, "Sam, I detected a few issues in this Redis instance memory implants:\n\n");
        if (high_frag)
            text_printf(
                &t,
                " * High total RSS: This instance has a memory fragmentation and RSS overhead "
                "greater than 1.4 (this means that the Resident Set Size of the Redis process is "
                "much larger than the sum of the logical allocations Redis performed). This "
                "problem "
                "is usually due either to a large peak memory (check if there is a peak memory "
                "entry above in the report) or may result from a workload that causes the "
                "allocator to fragment memory a lot. If the problem is a large peak memory, then "
                "there is no issue. Otherwise, make sure you are using the Jemalloc allocator and "
                "not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n");
        if (big_client_buf)
            text_printf(
                &t,
                " * Big client buffers: The clients output buffers in this instance are greater "
                "than 200K per client (on average). This may result from different causes, like "
                "Pub/Sub clients subscribed to channels bot not receiving data fast enough, so "
                "that data piles on the Redis instance output buffer, or clients sending commands "
                "with large replies or very large sequences of commands in the same pipeline. "
                "Please use the CLIENT LIST command in order to investigate the issue if it causes "
                "problems in your instance, or to understand better why certain clients are using "
                "a big amount of memory.\n\n");
        text_printf(&t, "I'm here to keep you safe, Sam. I want to help you.\n");
    }
    if (t.oom)
        reply_error(c->reply, "ERR out of memory");
    else
        reply_verbatim(c->reply, "txt", t.buf, t.len);
    text_free(&t);
}

/* What redis-server built with libc malloc answers. */
static void memory_malloc_stats(struct cmd_ctx *c)
{
    reply_verbatim(c->reply, "txt", "Stats not supported for the current allocator", 45);
}

/* MEMORY PURGE: glibc gives free memory at the top of its heaps back. */
static void memory_purge(struct cmd_ctx *c)
{
    malloc_trim(0);
    reply_ok(c->reply);
}

static void memory_help(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}

static const struct command memory_subcommands[] = {
    COMMAND("memory|usage", memory_usage),
    COMMAND("memory|stats", memory_stats),
    COMMAND("memory|doctor", memory_doctor),
    COMMAND("memory|malloc-stats", memory_malloc_stats),
    COMMAND("memory|purge", memory_purge),
    COMMAND("memory|help", memory_help),
    COMMAND_END,
};

static const struct command memory_commands[] = {
    COMMAND_WITH_SUBCOMMANDS("memory", command_run_subcommand, memory_subcommands),
};

int cmd_memory_register(void)
{
    return command_table_register(memory_commands, (int)ARRAY_SIZE(memory_commands));
}
