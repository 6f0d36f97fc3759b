/*
 * magpie-server [config-file] [--name value ...]
 *
 * Loads the configuration the way redis-server does, starts the server, and
 * waits for SIGTERM / SIGINT (or SHUTDOWN, which raises SIGTERM) to stop it
 * gracefully. Every thread blocks those signals; only this one waits for them.
 */
#include "core/log.h"
#include "net/config.h"
#include "net/persist.h"
#include "net/server.h"
#include "net/version.h"
#include "store/keyspace.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 * ThreadSanitizer's deadlock detector tracks at most 64 locks held by one
 * thread, and FLUSHALL, SWAPDB and DBSIZE hold every shard lock of the
 * databases they touch (16 databases x 8 shards by default). The shard lock
 * order itself is checked by the store's unit tests, which run with the
 * detector on; the server turns it off so its TSan runs test for races.
 */
#if defined(__SANITIZE_THREAD__)
#define MAGPIE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MAGPIE_TSAN 1
#endif
#endif
#ifdef MAGPIE_TSAN
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "detect_deadlocks=0";
}
#endif

#define RESERVED_FDS 32 /* listeners, epoll, eventfd, logs: Redis's CONFIG_MIN_RESERVED_FDS */

static void usage(FILE *out)
{
    fprintf(out, "Usage: ./magpie-server [/path/to/magpie.conf] [options] [-]\n"
                 "       ./magpie-server - (read config from stdin)\n"
                 "       ./magpie-server -v or --version\n"
                 "       ./magpie-server -h or --help\n\n"
                 "Examples:\n"
                 "       ./magpie-server (run the server with default conf)\n"
                 "       ./magpie-server /etc/magpie/6379.conf\n"
                 "       ./magpie-server --port 7777 --threads 4\n"
                 "       ./magpie-server /etc/mymagpie.conf --loglevel verbose\n");
}

/* Makes room for maxclients connections, lowering maxclients if the OS
 * will not allow that many descriptors (as redis-server does). */
static void adjust_open_files_limit(struct config *cfg)
{
    long long maxclients = config_number(cfg, CONFIG_MAXCLIENTS);
    rlim_t needed = (rlim_t)maxclients + RESERVED_FDS;
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed)
        return;
    rlim_t wanted = needed;
    if (limit.rlim_max != RLIM_INFINITY && wanted > limit.rlim_max)
        wanted = limit.rlim_max;
    struct rlimit raised = {wanted, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
        limit.rlim_cur = wanted;
    if (limit.rlim_cur >= needed)
        return;
    long long reduced = (long long)limit.rlim_cur - RESERVED_FDS;
    if (reduced < 1)
        reduced = 1;
    log_warning("You requested maxclients of %lld requiring at least %llu max file descriptors.",
                maxclients, (unsigned long long)needed);
    log_warning("Current maximum open files is %llu. maxclients has been reduced to %lld to "
                "compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
                (unsigned long long)limit.rlim_cur, reduced);
    char value[32], err[CONFIG_ERROR_MAX];
    snprintf(value, sizeof(value), "%lld", reduced);
    const char *argv[] = {value};
    config_set(cfg, CONFIG_MAXCLIENTS, 1, argv, NULL, false, err);
}

static int setup_logging(struct config *cfg)
{
    char logfile[CONFIG_STRING_MAX];
    config_string(cfg, CONFIG_LOGFILE, logfile, sizeof(logfile));
    if (logfile[0]) {
        int rc = log_set_file(logfile);
        if (rc) {
            fprintf(stderr,
                    "\n*** FATAL CONFIG FILE ERROR (Magpie %s) ***\n"
                    "Can't open the log file: %s\n",
                    MAGPIE_VERSION, strerror(-rc));
            return -1;
        }
    }
    log_set_level((enum log_level)config_number(cfg, CONFIG_LOGLEVEL));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
        printf("Magpie server v=%s (Redis %s compatible) bits=%d\n", MAGPIE_VERSION,
               MAGPIE_REDIS_VERSION, (int)(sizeof(void *) * 8));
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    struct config *cfg = config_new();
    static char err[16384];
    if (!cfg) {
        fprintf(stderr, "Out of memory\n");
        return 1;
    }
    if (config_load_args(cfg, argc, argv, err, sizeof(err)) != 0) {
        fputs(err, stderr);
        return 1;
    }
    if (setup_logging(cfg) != 0)
        return 1;

    /* Before any thread exists, so all of them inherit the mask. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    log_warning("oO0OoO0OoO0Oo Magpie is starting oO0OoO0OoO0Oo");
    log_warning("Magpie version=%s (Redis %s compatible), bits=%d, pid=%d, just started",
                MAGPIE_VERSION, MAGPIE_REDIS_VERSION, (int)(sizeof(void *) * 8), (int)getpid());
    const char *config_file = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    char config_path[PATH_MAX] = "";
    if (config_file && !realpath(config_file, config_path))
        snprintf(config_path, sizeof(config_path), "%s", config_file);
    if (!config_file)
        log_warning("No config file specified, using the default config. In order to specify a "
                    "config file use %s /path/to/magpie.conf",
                    argv[0]);
    log_warning("Configuration loaded");
    adjust_open_files_limit(cfg);
    char executable[PATH_MAX] = "";
    ssize_t n = readlink("/proc/self/exe", executable, sizeof(executable) - 1);
    executable[n > 0 ? n : 0] = '\0';

    struct server *s = server_start(cfg, config_path, executable, err, sizeof(err));
    if (!s) {
        bool stopped = err[0] == '\0'; /* a shutdown while loading */
        if (stopped)
            log_warning("Magpie is now ready to exit, bye bye...");
        else
            log_warning("%s", err);
        config_free(cfg);
        return stopped ? 0 : 1;
    }
    log_notice("Magpie %s: port %lld, %d worker threads, %d shards per database, %lld databases",
               MAGPIE_VERSION, config_number(cfg, CONFIG_PORT), s->workers, keyspace_shards(s->ks),
               config_number(cfg, CONFIG_DATABASES));
    log_notice("Ready to accept connections");

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
        ;
    if (atomic_load_explicit(&s->shutdown_requested, memory_order_relaxed))
        log_warning("User requested shutdown...");
    else
        log_warning("Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* SHUTDOWN saved already (or was told not to); a signal saves when
     * save rules are set, as Redis does. */
    if (!atomic_load_explicit(&s->shutdown_requested, memory_order_relaxed) && persist_rules_set(s))
        persist_save_final(s);
    bool clean = server_stop(s);
    log_warning("Magpie is now ready to exit, bye bye...");
    if (clean) /* otherwise tasks still running may read it */
        config_free(cfg);
    return 0;
}
