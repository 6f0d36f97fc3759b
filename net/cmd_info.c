/*
 * INFO, with Redis 7's sections and field names (so monitoring tools and
 * client libraries parse it), plus `# Scheduler`: the pool's work-stealing
 * counters, the reactor's, and the keyspace's per-shard lock contention.
 */
#include "net/aof.h"
#include "net/commands.h"
#include "net/conn.h"
#include "net/memory.h"
#include "net/persist.h"
#include "net/server.h"
#include "net/text.h"
#include "net/version.h"

#include "core/clock.h"
#include "core/pool.h"
#include "store/keyspace.h"
#include "store/lazyfree.h"
#include "store/pubsub.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_SHARD_LINES 256

enum section {
    SEC_SERVER,
    SEC_CLIENTS,
    SEC_MEMORY,
    SEC_PERSISTENCE,
    SEC_STATS,
    SEC_REPLICATION,
    SEC_CPU,
    SEC_SCHEDULER,
    SEC_COMMANDSTATS,
    SEC_CLUSTER,
    SEC_KEYSPACE,
    SEC_COUNT
};

static const char *const section_names[SEC_COUNT] = {
    "server", "clients",   "memory",       "persistence", "stats",    "replication",
    "cpu",    "scheduler", "commandstats", "cluster",     "keyspace",
};

static void human_bytes(char *buf, size_t size, double n)
{
    static const char *const units[] = {"B", "K", "M", "G", "T", "P"};
    int u = 0;
    while (n >= 1024 && u < 5) {
        n /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%.0fB", n);
    else
        snprintf(buf, size, "%.2f%s", n, units[u]);
}

static void server_section(struct text *t, struct server *s)
{
    struct utsname un;
    uname(&un);
    int64_t now_us = clock_unix_us();
    uint64_t uptime = (clock_mono_ms() - s->start_mono_ms) / 1000;
    text_printf(t,
                "redis_version:%s\r\nmagpie_version:%s\r\nredis_git_sha1:00000000\r\n"
                "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\n"
                "os:%s %s %s\r\narch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\n"
                "multiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:%d.%d.%d\r\n"
                "process_id:%d\r\nprocess_supervised:no\r\nrun_id:%s\r\ntcp_port:%lld\r\n"
                "server_time_usec:%lld\r\nuptime_in_seconds:%llu\r\nuptime_in_days:%llu\r\n"
                "hz:%lld\r\nconfigured_hz:%lld\r\nexecutable:%s\r\nconfig_file:%s\r\n"
                "io_threads_active:0\r\n",
                MAGPIE_REDIS_VERSION, MAGPIE_VERSION, un.sysname, un.release, un.machine,
                (int)(sizeof(void *) * 8),
#ifdef __GNUC__
                __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
                0, 0, 0,
#endif
                (int)getpid(), s->run_id, config_number(s->config, CONFIG_PORT), (long long)now_us,
                (unsigned long long)uptime, (unsigned long long)(uptime / 86400),
                config_number(s->config, CONFIG_HZ), config_number(s->config, CONFIG_HZ),
                s->executable, s->config_file);
}

static void clients_section(struct text *t, struct server *s)
{
    uint64_t max_in = 0, max_out = 0;
    int count = 0, blocked = 0, timed = 0;
    struct tracking_info tr;
    tracking_get_info(s->tracking, &tr);
    LOCK_GUARD (&s->clients.lock) {
        for (struct conn *c = s->clients.head; c; c = c->next) {
            uint64_t in = atomic_load_explicit(&c->qbuf, memory_order_relaxed);
            uint64_t out = atomic_load_explicit(&c->obl, memory_order_relaxed);
            max_in = in > max_in ? in : max_in;
            max_out = out > max_out ? out : max_out;
            count++;
            if (block_pending(&c->session.block)) {
                blocked++;
                timed +=
                    atomic_load_explicit(&c->session.block.timeout_ms, memory_order_relaxed) > 0;
            }
        }
    }
    text_printf(t,
                "connected_clients:%d\r\ncluster_connections:0\r\nmaxclients:%lld\r\n"
                "client_recent_max_input_buffer:%llu\r\nclient_recent_max_output_buffer:%llu\r\n"
                "blocked_clients:%d\r\ntracking_clients:%ld\r\nclients_in_timeout_table:%d\r\n",
                count, config_number(s->config, CONFIG_MAXCLIENTS), (unsigned long long)max_in,
                (unsigned long long)max_out, blocked, tr.clients, timed);
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0;
}

/* Redis 7.0's fields in its order (net/memory.h says what each counts);
 * scripting and replication take nothing here. */
static void memory_section(struct text *t, struct server *s)
{
    struct memory_view v;
    memory_view_take(s, &v);
    uint64_t total = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t dataset = v.used > v.overhead ? v.used - v.overhead : 0;
    uint64_t net = v.used > v.startup ? v.used - v.startup : 0;
    char h_used[32], h_rss[32], h_peak[32], h_total[32];
    human_bytes(h_used, sizeof(h_used), (double)v.used);
    human_bytes(h_rss, sizeof(h_rss), (double)v.rss);
    human_bytes(h_peak, sizeof(h_peak), (double)v.peak);
    human_bytes(h_total, sizeof(h_total), (double)total);
    text_printf(t,
                "used_memory:%llu\r\nused_memory_human:%s\r\nused_memory_rss:%llu\r\n"
                "used_memory_rss_human:%s\r\nused_memory_peak:%llu\r\n"
                "used_memory_peak_human:%s\r\nused_memory_peak_perc:%.2f%%\r\n"
                "used_memory_overhead:%llu\r\nused_memory_startup:%llu\r\n"
                "used_memory_dataset:%llu\r\nused_memory_dataset_perc:%.2f%%\r\n"
                "allocator_allocated:%llu\r\nallocator_active:%llu\r\n"
                "allocator_resident:%llu\r\ntotal_system_memory:%llu\r\n"
                "total_system_memory_human:%s\r\n",
                (unsigned long long)v.used, h_used, (unsigned long long)v.rss, h_rss,
                (unsigned long long)v.peak, h_peak, 100.0 * ratio(v.used, v.peak),
                (unsigned long long)v.overhead, (unsigned long long)v.startup,
                (unsigned long long)dataset, 100.0 * ratio(dataset, net),
                (unsigned long long)v.allocated, (unsigned long long)v.active,
                (unsigned long long)v.resident, (unsigned long long)total, h_total);
    text_printf(t, "used_memory_lua:0\r\nused_memory_vm_eval:0\r\nused_memory_lua_human:0B\r\n"
                   "used_memory_scripts_eval:0\r\nnumber_of_cached_scripts:0\r\n"
                   "number_of_functions:0\r\nnumber_of_libraries:0\r\n"
                   "used_memory_vm_functions:0\r\nused_memory_vm_total:0\r\n"
                   "used_memory_vm_total_human:0B\r\nused_memory_functions:0\r\n"
                   "used_memory_scripts:0\r\nused_memory_scripts_human:0B\r\n"
                   "maxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n");
    text_printf(t,
                "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\n"
                "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%lld\r\n"
                "rss_overhead_ratio:%.2f\r\nrss_overhead_bytes:%lld\r\n"
                "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\n"
                "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
                "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n"
                "mem_clients_normal:%llu\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\n"
                "mem_allocator:libc\r\nactive_defrag_running:0\r\n"
                "lazyfree_pending_objects:%llu\r\nlazyfreed_objects:%llu\r\n",
                ratio(v.active, v.allocated), (long long)v.active - (long long)v.allocated,
                ratio(v.resident, v.active), (long long)v.resident - (long long)v.active,
                ratio(v.rss, v.resident), (long long)v.rss - (long long)v.resident,
                ratio(v.rss, v.used), (long long)v.rss - (long long)v.used,
                (unsigned long long)v.clients_normal, (unsigned long long)lazyfree_pending(),
                (unsigned long long)lazyfree_freed());
}

static void persistence_section(struct text *t, struct server *s)
{
    /* No fork: the copy-on-write figures stay 0. */
    text_printf(t,
                "loading:%d\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\n"
                "current_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
                "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n",
                loading_active(&s->loading));
    persist_info(s, t);
    aof_info(s, t);               /* the aof_* fields (net/aof.h) */
    loading_info(&s->loading, t); /* while loading */
}

static unsigned long long counter(ATOMIC(uint64_t) * c)
{
    return (unsigned long long)atomic_load_explicit(c, memory_order_relaxed);
}

static void stats_section(struct text *t, struct server *s)
{
    struct keyspace_stats ks;
    keyspace_stats(s->ks, &ks);
    struct server_counters *k = &s->counters;
    struct stats_io io;
    stats_io_read(s->stats, &io);
    struct tracking_info tr;
    tracking_get_info(s->tracking, &tr);
    text_printf(
        t,
        "total_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
        "instantaneous_ops_per_sec:%.0f\r\ntotal_net_input_bytes:%llu\r\n"
        "total_net_output_bytes:%llu\r\ninstantaneous_input_kbps:%.2f\r\n"
        "instantaneous_output_kbps:%.2f\r\nrejected_connections:%llu\r\n"
        "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:%llu\r\n"
        "expired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\nevicted_keys:0\r\n"
        "evicted_clients:0\r\nkeyspace_hits:%llu\r\nkeyspace_misses:%llu\r\n"
        "pubsub_channels:%ld\r\npubsub_patterns:%ld\r\npubsubshard_channels:%ld\r\n"
        "latest_fork_usec:0\r\ntotal_forks:0\r\n"
        "tracking_total_keys:%ld\r\ntracking_total_items:%ld\r\n"
        "tracking_total_prefixes:%ld\r\n"
        "total_error_replies:%llu\r\ntotal_reads_processed:%llu\r\n"
        "total_writes_processed:%llu\r\nclient_query_buffer_limit_disconnections:%llu\r\n"
        "client_output_buffer_limit_disconnections:%llu\r\n",
        counter(&k->connections_received), (unsigned long long)stats_total_calls(s->stats),
        stats_rate(s->stats, METRIC_COMMANDS), (unsigned long long)io.net_input_bytes,
        (unsigned long long)io.net_output_bytes, stats_rate(s->stats, METRIC_NET_INPUT) / 1024,
        stats_rate(s->stats, METRIC_NET_OUTPUT) / 1024, counter(&k->rejected_connections),
        (unsigned long long)ks.expired_keys, (unsigned long long)ks.keyspace_hits,
        (unsigned long long)ks.keyspace_misses, pubsub_channel_count(s->pubsub, PUBSUB_CHANNEL),
        pubsub_numpat(s->pubsub), pubsub_channel_count(s->pubsub, PUBSUB_SHARD), tr.keys, tr.items,
        tr.prefixes, counter(&k->error_replies), (unsigned long long)io.reads_processed,
        (unsigned long long)io.writes_processed, counter(&k->client_query_limit_closes),
        counter(&k->client_output_limit_closes));
}

static void replication_section(struct text *t, struct server *s)
{
    char replid[41];
    LOCK_GUARD (&s->clients.lock)
        memcpy(replid, s->replid, sizeof(replid));
    text_printf(t,
                "role:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
                "master_replid:%s\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n"
                "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
                "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
                "repl_backlog_histlen:0\r\n",
                replid);
}

static double seconds(int64_t us)
{
    return (double)us / 1e6;
}

static void cpu_section(struct text *t)
{
    struct cpu_time self = clock_cpu_self(), children = clock_cpu_children();
    text_printf(t,
                "used_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\nused_cpu_sys_children:%.6f\r\n"
                "used_cpu_user_children:%.6f\r\n",
                seconds(self.system_us), seconds(self.user_us), seconds(children.system_us),
                seconds(children.user_us));
}

static void scheduler_section(struct text *t, struct server *s)
{
    struct pool_stats ps;
    struct reactor_stats rs;
    struct lock_stats total;
    struct keyspace_stats ks;
    pool_stats(s->pool, &ps);
    reactor_get_stats(s->reactor, &rs);
    keyspace_lock_stats(s->ks, &total);
    keyspace_stats(s->ks, &ks);
    text_printf(t,
                "workers:%d\r\ntasks_run:%llu\r\nsteals:%llu\r\nmigrations:%llu\r\nparks:%llu\r\n"
                "polls:%llu\r\n",
                s->workers, (unsigned long long)ps.total.tasks_run,
                (unsigned long long)ps.total.steals, (unsigned long long)ps.total.migrations,
                (unsigned long long)ps.total.parks, (unsigned long long)ps.total.polls);
    for (int w = 0; w < ps.workers && w < 64; w++)
        text_printf(t, "worker_%d:tasks_run=%llu,steals=%llu,migrations=%llu,parks=%llu\r\n", w,
                    (unsigned long long)ps.per_worker[w].tasks_run,
                    (unsigned long long)ps.per_worker[w].steals,
                    (unsigned long long)ps.per_worker[w].migrations,
                    (unsigned long long)ps.per_worker[w].parks);
    text_printf(t,
                "reactor_events:%llu\r\nreactor_stale_events:%llu\r\nreactor_wakeups:%llu\r\n"
                "reactor_timers_fired:%llu\r\nshards:%d\r\nlock_acquisitions:%llu\r\n"
                "lock_contended:%llu\r\nlock_wait_us:%llu\r\nlockfree_reads:%llu\r\n"
                "read_fallbacks:%llu\r\n",
                (unsigned long long)rs.events, (unsigned long long)rs.stale_events,
                (unsigned long long)rs.wakeups, (unsigned long long)rs.timers_fired,
                keyspace_shards(s->ks), (unsigned long long)total.acquisitions,
                (unsigned long long)total.contended, (unsigned long long)(total.wait_ns / 1000),
                (unsigned long long)ks.lockfree_reads, (unsigned long long)ks.read_fallbacks);
    int shards = keyspace_shards(s->ks);
    for (int i = 0; i < shards && i < MAX_SHARD_LINES; i++) {
        struct lock_stats ls;
        keyspace_shard_lock_stats(s->ks, i, &ls);
        text_printf(t, "shard_%d:acquisitions=%llu,contended=%llu,wait_us=%llu\r\n", i,
                    (unsigned long long)ls.acquisitions, (unsigned long long)ls.contended,
                    (unsigned long long)(ls.wait_ns / 1000));
    }
}

static void commandstats_section(struct text *t, struct server *s)
{
    int n = stats_entry_count(s->stats);
    for (int e = 0; e < n; e++) {
        struct command_counters cc;
        stats_read(s->stats, e, &cc);
        if (!cc.calls && !cc.rejected_calls && !cc.failed_calls)
            continue;
        const char *name = command_at(e)->name;
        text_printf(t,
                    "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                    "failed_calls=%llu\r\n",
                    name, (unsigned long long)cc.calls, (unsigned long long)cc.usec,
                    cc.calls ? (double)cc.usec / (double)cc.calls : 0.0,
                    (unsigned long long)cc.rejected_calls, (unsigned long long)cc.failed_calls);
    }
}

static void keyspace_section(struct text *t, struct server *s)
{
    int dbs = keyspace_databases(s->ks);
    for (int db = 0; db < dbs; db++) {
        struct keyspace_db_stats st;
        keyspace_db_stats(s->ks, db, &st);
        if (st.keys)
            text_printf(t, "db%d:keys=%llu,expires=%llu,avg_ttl=0\r\n", db,
                        (unsigned long long)st.keys, (unsigned long long)st.expires);
    }
}

static const char *const section_titles[SEC_COUNT] = {
    "Server", "Clients",   "Memory",       "Persistence", "Stats",    "Replication",
    "CPU",    "Scheduler", "Commandstats", "Cluster",     "Keyspace",
};

static void info_command(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    bool want[SEC_COUNT] = {false};
    bool defaults = c->argc == 1;
    for (int j = 1; j < c->argc; j++) {
        bool all = arg_is(&c->argv[j], "all") || arg_is(&c->argv[j], "everything");
        if (arg_is(&c->argv[j], "default") || all)
            defaults = true;
        if (all)
            want[SEC_COMMANDSTATS] = true;
        for (int k = 0; k < SEC_COUNT; k++)
            if (arg_is(&c->argv[j], section_names[k]))
                want[k] = true;
    }
    for (int k = 0; defaults && k < SEC_COUNT; k++)
        if (k != SEC_COMMANDSTATS)
            want[k] = true;
    struct text t = {0};
    bool first = true;
    for (int k = 0; k < SEC_COUNT; k++) {
        if (!want[k])
            continue;
        text_printf(&t, "%s# %s\r\n", first ? "" : "\r\n", section_titles[k]);
        first = false;
        switch (k) {
        case SEC_SERVER:
            server_section(&t, s);
            break;
        case SEC_CLIENTS:
            clients_section(&t, s);
            break;
        case SEC_MEMORY:
            memory_section(&t, s);
            break;
        case SEC_PERSISTENCE:
            persistence_section(&t, s);
            break;
        case SEC_STATS:
            stats_section(&t, s);
            break;
        case SEC_REPLICATION:
            replication_section(&t, s);
            break;
        case SEC_CPU:
            cpu_section(&t);
            break;
        case SEC_SCHEDULER:
            scheduler_section(&t, s);
            break;
        case SEC_COMMANDSTATS:
            commandstats_section(&t, s);
            break;
        case SEC_CLUSTER:
            /* Always there in Redis: client libraries read it to choose
             * between cluster and standalone. */
            text_printf(&t, "cluster_enabled:0\r\n");
            break;
        case SEC_KEYSPACE:
            keyspace_section(&t, s);
            break;
        }
    }
    if (t.oom)
        reply_error(c->reply, "ERR out of memory");
    else
        reply_verbatim(c->reply, "txt", t.buf ? t.buf : "", t.len);
    text_free(&t);
}

static const struct command info_commands[] = {
    COMMAND("info", info_command),
};

int cmd_info_register(void)
{
    return command_table_register(info_commands, 1);
}
