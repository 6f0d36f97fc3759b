/*
 * The server: the pieces of a running magpie-server put together (config,
 * keyspace, reactor, pool, listener, client registry, statistics) and its
 * life cycle: start, the periodic cron, graceful shutdown on SIGTERM, SIGINT
 * or SHUTDOWN. Commands in net/ reach it through their connection.
 */
#ifndef MAGPIE_NET_SERVER_H
#define MAGPIE_NET_SERVER_H

#include "core/compiler.h"
#include "core/lock.h"
#include "net/config.h"
#include "net/loading.h"
#include "net/monitor.h"
#include "net/pause.h"
#include "net/reactor.h"
#include "net/stats.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct conn;
struct keyspace;
struct pubsub;
struct tracking;
struct listener;
struct pool;
struct aof;

struct client_registry {
    struct lock lock;
    struct conn *head; /* guarded by lock; oldest first, as CLIENT LIST shows */
    struct conn *tail; /* guarded by lock */
    ATOMIC(uint64_t) next_id;
    ATOMIC(int) count;
};

enum shutdown_state { SERVER_RUNNING, SERVER_STOPPING };

struct server {
    struct config *config;
    struct keyspace *ks;
    struct pubsub *pubsub;     /* channels and patterns (store/pubsub.h) */
    struct tracking *tracking; /* CLIENT TRACKING (net/tracking.h) */
    struct reactor *reactor;
    struct pool *pool;
    struct listener *listener;
    struct stats *stats;
    struct slowlog *slowlog;               /* net/slowlog.h */
    struct latency_monitor *latency;       /* net/latency.h */
    struct latency_histograms *histograms; /* net/latency_histogram.h */
    struct aof *aof;                       /* net/aof.h */
    struct monitors monitors;              /* net/monitor.h */
    struct client_pause pause;             /* net/pause.h */
    struct server_counters counters;
    struct client_registry clients;
    struct reactor_timer cron;
    struct task *expiry_task;
    struct persist *persist; /* RDB snapshots (net/persist.h) */
    struct loading loading;  /* the start-up load (net/loading.h) */
    char config_file[4096];  /* absolute path, or "" */
    char executable[4096];
    int workers;
    int64_t start_unix_ms;
    uint64_t start_mono_ms;
    ATOMIC(int64_t) lastsave_unix;           /* seconds; the start time: nothing is saved */
    ATOMIC(int) state;                       /* enum shutdown_state */
    ATOMIC(bool) shutdown_requested;         /* by SHUTDOWN, to tell the log why */
    ATOMIC(bool) requirepass_set;            /* requirepass is not empty */
    ATOMIC(int64_t) unix_offset_ms;          /* wall clock minus monotonic, kept by the cron */
    ATOMIC(uint64_t) memory_peak;            /* net/memory.h: the highest used_memory seen */
    ATOMIC(uint64_t) memory_startup;         /* used_memory once ready */
    ATOMIC(uint64_t) memory_peak_sampled_ms; /* by the cron (monotonic) */
    char run_id[41];
    char replid[41]; /* INFO's master_replid; DEBUG CHANGE-REPL-ID renews it (registry lock) */
    pthread_t main_thread; /* waits for SIGTERM / SIGINT */
};

/*
 * Builds and starts everything from a loaded config: registers the commands,
 * creates the keyspace, the reactor, the pool and the listener, loads the
 * data, and starts the cron. On failure returns NULL with a message in err
 * (the caller exits 1); with err empty when a shutdown was asked for while
 * the data loaded (the caller exits 0).
 */
struct server *server_start(struct config *config, const char *config_file, const char *executable,
                            char *err, size_t errlen);
/*
 * Stops gracefully: no new connections, every client finishes the commands
 * it is running and is closed, then the pool and the rest are freed.
 * Returns false (and frees nothing) if some client was still busy after a
 * grace period; the process should then just exit.
 */
bool server_stop(struct server *s);

/* SHUTDOWN: asks the main thread (the one that called server_start) to
 * stop the server; it waits in sigwait. */
void server_request_shutdown(struct server *s);

#ifndef __cplusplus
/* True when commands need AUTH first (requirepass is set). */
static inline bool server_auth_required(const struct server *s)
{
    return atomic_load_explicit(&s->requirepass_set, memory_order_relaxed);
}

/* Wall-clock ms = monotonic ms + this (refreshed hz times a second, so a
 * clock step shows within one cron period). */
static inline int64_t server_unix_offset_ms(const struct server *s)
{
    return atomic_load_explicit(&s->unix_offset_ms, memory_order_relaxed);
}

#endif

/* Called after CONFIG SET so derived state follows (requirepass, hz, timeout). */
void server_config_changed(struct server *s);
/* CONFIG SET port: moves the TCP listener to `port` (net/listener.h);
 * 0 or -errno, with the reason logged. */
int server_set_port(struct server *s, int port);

/* Client registry (net/clients.c). */
void clients_init(struct client_registry *r);
void clients_destroy(struct client_registry *r);
/* Adds c and spawns its task, atomically with respect to lookups. */
void clients_add_and_spawn(struct server *s, struct conn *c);
void clients_remove(struct client_registry *r, struct conn *c);
int clients_count(const struct client_registry *r);
/* Wakes every client with a kill request (shutdown). */
void clients_kill_all(struct client_registry *r, int reason);
/* Arms idle timers of every client (CONFIG SET timeout). */
void clients_arm_idle_timers(struct client_registry *r);

#ifdef __cplusplus
}
#endif
#endif
