/*
 * MEMORY (USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP), on glibc's
 * malloc: mallinfo2 is what is allocated, /proc/self/statm what is resident.
 */
#include "net/commands.h"
#include "net/conn.h"
#include "net/server.h"
#include "net/text.h"

#include "store/keyspace.h"

#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

struct memory_view {
    uint64_t allocated, resident, keys, client_buffers;
    int clients;
};

static void memory_view(struct server *s, struct memory_view *v)
{
    struct mallinfo2 mi = mallinfo2();
    v->allocated = mi.uordblks + mi.hblkhd;
    unsigned long size = 0, pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &pages) != 2)
            pages = 0;
        fclose(f);
    }
    v->resident = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
    v->keys = 0;
    int databases = (int)config_number(s->config, CONFIG_DATABASES);
    for (int db = 0; db < databases; db++) {
        struct keyspace_db_stats st;
        keyspace_db_stats(s->ks, db, &st);
        v->keys += st.keys;
    }
    v->client_buffers = 0;
    v->clients = 0;
    LOCK_GUARD (&s->clients.lock) {
        for (struct conn *c = s->clients.head; c; c = c->next) {
            v->client_buffers += atomic_load_explicit(&c->qbuf_cap, memory_order_relaxed) +
                                 atomic_load_explicit(&c->obl, memory_order_relaxed);
            v->clients++;
        }
    }
}

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

/* MEMORY STATS: the fields of Redis's map that Magpie can state. */
static void memory_stats(struct cmd_ctx *c)
{
    struct memory_view v;
    memory_view(session_of(c)->server, &v);
    double frag = v.allocated ? (double)v.resident / (double)v.allocated : 0;
    reply_map(c->reply, 13);
    const struct {
        const char *name;
        long long value;
    } fields[] = {
        {"total.allocated", (long long)v.allocated},
        {"replication.backlog", 0},
        {"clients.slaves", 0},
        {"clients.normal", (long long)v.client_buffers},
        {"aof.buffer", 0},
        {"lua.caches", 0},
        {"functions.caches", 0},
        {"keys.count", (long long)v.keys},
        {"keys.bytes-per-key", v.keys ? (long long)(v.allocated / v.keys) : 0},
        {"allocator.allocated", (long long)v.allocated},
        {"allocator.resident", (long long)v.resident},
    };
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        reply_bulk_cstr(c->reply, fields[i].name);
        reply_int(c->reply, fields[i].value);
    }
    reply_bulk_cstr(c->reply, "fragmentation");
    reply_double(c->reply, frag);
    reply_bulk_cstr(c->reply, "fragmentation.bytes");
    reply_int(c->reply, (long long)v.resident - (long long)v.allocated);
}

/* MEMORY DOCTOR: Redis's report, for the checks that apply to Magpie
 * (the total fragmentation, the clients' buffers). */
static void memory_doctor(struct cmd_ctx *c)
{
    struct memory_view v;
    memory_view(session_of(c)->server, &v);
    struct text t = {0};
    bool empty = v.allocated < 5 * 1024 * 1024;
    double frag = v.allocated ? (double)v.resident / (double)v.allocated : 0;
    bool high_frag =
        !empty && frag > 1.4 && v.resident > v.allocated && v.resident - v.allocated > 10 << 20;
    bool big_client_buf = !empty && v.clients > 0 && v.client_buffers / v.clients > 200 * 1024;
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
