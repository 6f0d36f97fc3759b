/*
 * Putting the server together and taking it apart again.
 *
 * Startup order: commands (the table is frozen before any client can run
 * one), keyspace, reactor, pool (driven by the reactor), statistics, the
 * listener last, so the first accepted client finds everything ready.
 * Shutdown runs in reverse, and only once every client has left.
 */
#include "net/server.h"
#include "net/aof.h"
#include "net/latency.h"
#include "net/latency_histogram.h"
#include "net/slowlog.h"
#include "net/commands.h"
#include "net/conn.h"
#include "net/listener.h"
#include "net/memory.h"
#include "net/notify.h"
#include "net/tracking.h"
#include "net/persist.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/ebr.h"
#include "core/log.h"
#include "core/pool.h"
#include "store/keyspace.h"
#include "store/pubsub.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHUTDOWN_GRACE_MS 10000

static void on_accept(void *ctx, int fd, const struct sockaddr_storage *peer, socklen_t len)
{
    conn_accept(ctx, fd, peer, len);
}

static void refresh_derived(struct server *s)
{
    char pass[2];
    atomic_store_explicit(&s->requirepass_set,
                          config_string(s->config, CONFIG_REQUIREPASS, pass, sizeof(pass)) > 0,
                          memory_order_relaxed);
    keyspace_expiry_set_hz(s->ks, (int)config_number(s->config, CONFIG_HZ));
    keyspace_set_max_string_len(s->ks, config_number(s->config, CONFIG_PROTO_MAX_BULK_LEN));
    keyspace_set_hll_sparse_max_bytes(s->ks, config_number(s->config, CONFIG_HLL_SPARSE_MAX_BYTES));
    keyspace_set_list_config(s->ks, (int)config_number(s->config, CONFIG_LIST_MAX_LISTPACK_SIZE),
                             (int)config_number(s->config, CONFIG_LIST_COMPRESS_DEPTH));
    keyspace_set_hash_config(s->ks, config_number(s->config, CONFIG_HASH_MAX_LISTPACK_ENTRIES),
                             config_number(s->config, CONFIG_HASH_MAX_LISTPACK_VALUE));
    keyspace_set_set_config(s->ks, config_number(s->config, CONFIG_SET_MAX_INTSET_ENTRIES),
                            config_number(s->config, CONFIG_SET_MAX_LISTPACK_ENTRIES),
                            config_number(s->config, CONFIG_SET_MAX_LISTPACK_VALUE));
    keyspace_set_zset_config(s->ks, config_number(s->config, CONFIG_ZSET_MAX_LISTPACK_ENTRIES),
                             config_number(s->config, CONFIG_ZSET_MAX_LISTPACK_VALUE));
}

void server_config_changed(struct server *s)
{
    refresh_derived(s);
    aof_config_changed(s);
    /* A new `timeout` applies to clients already connected, as in Redis. */
    clients_arm_idle_timers(&s->clients);
}

int server_set_port(struct server *s, int port)
{
    if (port == listener_port(s->listener))
        return 0;
    char err[256];
    int rc = listener_set_port(s->listener, port, err, sizeof(err));
    if (rc)
        log_warning("CONFIG SET port %d: %s", port, err);
    else
        log_notice("Listening on port %d", port);
    return rc;
}

static void sample_clock_offset(struct server *s)
{
    atomic_store_explicit(&s->unix_offset_ms, clock_unix_ms() - (int64_t)clock_mono_ms(),
                          memory_order_relaxed);
}

static uint64_t cron_period_ms(struct server *s)
{
    long long hz = config_number(s->config, CONFIG_HZ);
    return hz > 0 ? (uint64_t)(1000 / hz) : 100;
}

/* Runs on the polling thread `hz` times a second. */
static void cron(struct reactor_timer *t)
{
    struct server *s = container_of(t, struct server, cron);
    uint64_t now = clock_mono_ms();
    sample_clock_offset(s);
    keyspace_expiry_tick(s->ks);
    aof_cron(s);
    persist_cron(s);
    /* Memory retired by workers that went idle since (core/ebr.h): an idle
     * server gives a deleted big value back within one period. */
    ebr_collect();
    memory_note_peak(s, now);
    stats_sample(s->stats, METRIC_COMMANDS, stats_total_calls(s->stats), now);
    struct stats_io io;
    stats_io_read(s->stats, &io);
    stats_sample(s->stats, METRIC_NET_INPUT, io.net_input_bytes, now);
    stats_sample(s->stats, METRIC_NET_OUTPUT, io.net_output_bytes, now);
    if (atomic_load_explicit(&s->state, memory_order_relaxed) == SERVER_RUNNING)
        reactor_timer_start(s->reactor, t, cron_period_ms(s));
}

static void make_run_id(char out[41])
{
    unsigned char raw[20];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw)) : -1;
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; i < sizeof(raw); i++) {
        if (n != (ssize_t)sizeof(raw))
            raw[i] = (unsigned char)(rand() ^ (int)clock_mono_ns());
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    }
}

static int open_listener(struct server *s, char *err, size_t errlen)
{
    char binds[CONFIG_STRING_MAX], unixsocket[CONFIG_STRING_MAX];
    config_string(s->config, CONFIG_BIND, binds, sizeof(binds));
    config_string(s->config, CONFIG_UNIXSOCKET, unixsocket, sizeof(unixsocket));
    const char *addrs[16];
    int count = 0;
    for (char *save = NULL, *a = strtok_r(binds, " ", &save); a && count < 16;
         a = strtok_r(NULL, " ", &save))
        addrs[count++] = a;
    struct listener_config lc = {
        .binds = addrs,
        .bind_count = count,
        .port = (int)config_number(s->config, CONFIG_PORT),
        .backlog = (int)config_number(s->config, CONFIG_TCP_BACKLOG),
        .unixsocket = unixsocket,
        .unixsocketperm = (unsigned)config_number(s->config, CONFIG_UNIXSOCKETPERM),
        .on_accept = on_accept,
        .ctx = s,
    };
    return listener_open(s->reactor, &lc, &s->listener, err, errlen);
}

static void server_free(struct server *s)
{
    aof_stop(s); /* what is queued is written and fsynced */
    if (s->pool)
        pool_destroy(s->pool);
    /* A client accepted at the last moment may never have run; its task is
     * gone with the pool, so close it here. */
    for (struct conn *c; (c = s->clients.head) != NULL;) {
        clients_remove(&s->clients, c);
        conn_discard(c);
    }
    reactor_free(s->reactor);
    listener_free(s->listener);
    stats_free(s->stats);
    slowlog_free(s->slowlog);
    latency_monitor_free(s->latency);
    latency_histograms_free(s->histograms);
    pubsub_free(s->pubsub);
    tracking_free(s->tracking);
    persist_destroy(s); /* waits for a BGSAVE still reading the keyspace */
    keyspace_free(s->ks);
    clients_destroy(&s->clients);
    monitors_destroy(&s->monitors);
    mem_free(s);
}

/* The data from disk, at start-up. */
static int load_data(struct server *s, char *err, size_t errlen)
{
    /* As Redis: with the append-only file on, it alone holds the data (an
     * RDB file beside it is an older image, and loading both would replay
     * the log over it). */
    if (config_number(s->config, CONFIG_APPENDONLY))
        return aof_load_at_start(s, err, errlen);
    return persist_load_at_start(s, err, errlen);
}

/* No new connections, and every client closed (each finishes the command
 * it is running); false when some client was still busy after a grace
 * period. */
static bool close_clients(struct server *s)
{
    atomic_store_explicit(&s->state, SERVER_STOPPING, memory_order_relaxed);
    listener_close(s->listener);
    reactor_timer_stop(s->reactor, &s->cron);
    reactor_timer_stop(s->reactor, &s->pause.timer);
    /* Bounded, in case a client is stuck in a long command (DEBUG SLEEP).
     * Asked again each round for a client accepted while the listener was
     * closing. */
    uint64_t deadline = clock_mono_ms() + SHUTDOWN_GRACE_MS;
    for (;;) {
        clients_kill_all(&s->clients, CONN_KILL_SHUTDOWN);
        if (clients_count(&s->clients) == 0 || clock_mono_ms() >= deadline)
            break;
        usleep(2000);
    }
    int left = clients_count(&s->clients);
    if (left > 0) {
        log_warning("%d clients did not finish in time; exiting anyway", left);
        return false; /* their tasks still use the pool: do not free it under them */
    }
    return true;
}

struct server *server_start(struct config *config, const char *config_file, const char *executable,
                            char *err, size_t errlen)
{
    struct server *s = mem_calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "Out of memory starting the server");
        return NULL;
    }
    s->config = config;
    snprintf(s->config_file, sizeof(s->config_file), "%s", config_file ? config_file : "");
    snprintf(s->executable, sizeof(s->executable), "%s", executable ? executable : "");
    s->main_thread = pthread_self();
    s->workers = (int)config_number(config, CONFIG_THREADS);
    s->start_unix_ms = clock_unix_ms();
    s->start_mono_ms = clock_mono_ms();
    atomic_init(&s->lastsave_unix, s->start_unix_ms / 1000);
    atomic_init(&s->state, SERVER_RUNNING);
    sample_clock_offset(s);
    make_run_id(s->run_id);
    make_run_id(s->replid);
    clients_init(&s->clients);
    monitors_init(&s->monitors);
    pause_init(&s->pause);
    reactor_timer_init(&s->cron, cron);

    if (!command_table_frozen()) {
        command_table_register_store();
        if (net_commands_register() != 0) {
            snprintf(err, errlen, "Out of memory registering commands");
            mem_free(s);
            return NULL;
        }
        command_table_freeze();
    }

    struct keyspace_config kc = {
        .databases = (int)config_number(config, CONFIG_DATABASES),
        .shards = (int)config_number(config, CONFIG_SHARDS),
        .workers = s->workers,
    };
    s->ks = keyspace_new(&kc);
    s->pubsub = s->ks ? pubsub_new() : NULL;
    s->reactor = s->pubsub ? reactor_new() : NULL;
    s->stats = s->reactor ? stats_new(s->workers) : NULL;
    s->slowlog = s->stats ? slowlog_new() : NULL;
    s->latency = s->slowlog ? latency_monitor_new() : NULL;
    s->histograms = s->latency ? latency_histograms_new(s->workers) : NULL;
    s->tracking = s->histograms ? tracking_new() : NULL;
    if (!s->tracking) {
        snprintf(err, errlen, "Creating the keyspace and reactor: %s", strerror(errno));
        server_free(s);
        return NULL;
    }
    refresh_derived(s);
    if (persist_init(s) != 0) {
        snprintf(err, errlen, "Out of memory starting the server");
        server_free(s);
        return NULL;
    }
    notify_start(s); /* an observer slot is always free at start-up */
    tracking_start(s);
    struct pool_driver driver;
    reactor_driver(s->reactor, &driver);
    struct pool_config pc = {.workers = s->workers, .driver = &driver};
    s->pool = pool_create(&pc);
    if (!s->pool) {
        snprintf(err, errlen, "Starting %d worker threads: %s", s->workers, strerror(errno));
        server_free(s);
        return NULL;
    }
    memory_note_startup(s); /* before the first client, and before the data */
    if (aof_start(s, err, errlen) != 0) {
        server_free(s);
        return NULL;
    }
    /* As Redis, clients may connect while the data loads: they get
     * -LOADING (net/loading.h). */
    loading_begin(&s->loading);
    if (open_listener(s, err, errlen) != 0) {
        server_free(s);
        return NULL;
    }
    if (load_data(s, err, errlen) != 0) {
        if (loading_stopped(&s->loading)) { /* as Redis: no save, exit 0 */
            log_warning("%s while loading: exiting without saving",
                        atomic_load_explicit(&s->shutdown_requested, memory_order_relaxed)
                            ? "SHUTDOWN"
                            : "SIGTERM or SIGINT");
            err[0] = '\0';
        }
        if (close_clients(s))
            server_free(s);
        return NULL;
    }
    loading_end(&s->loading);
    keyspace_observe_expiry_slices(s->ks, latency_record_expire_slice, s);
    s->expiry_task = keyspace_expiry_task(s->ks);
    if (s->expiry_task)
        pool_spawn(s->pool, s->expiry_task);
    reactor_timer_start(s->reactor, &s->cron, cron_period_ms(s));
    return s;
}

void server_request_shutdown(struct server *s)
{
    atomic_store_explicit(&s->shutdown_requested, true, memory_order_relaxed);
    /* To the main thread, which waits for it in sigwait: a process-wide
     * signal could land on a thread that does not block it (a sanitizer's). */
    pthread_kill(s->main_thread, SIGTERM);
}

bool server_stop(struct server *s)
{
    if (!close_clients(s))
        return false;
    keyspace_expiry_stop(s->ks);
    server_free(s);
    return true;
}
