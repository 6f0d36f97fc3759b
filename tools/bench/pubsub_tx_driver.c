/*
 * pubsub_tx_driver: the load of the two server benchmarks redis-benchmark
 * cannot make, for tools/bench/pubsub-tx-bench.sh, which runs it against
 * magpie-server and redis-server in turn.
 *
 *   pubsub_tx_driver --port N publish --subscribers S [--publishers P]
 *                    [--pipeline K] [--requests N] [--size B]
 *     S connections SUBSCRIBE to one channel; P connections PUBLISH N
 *     messages of B bytes to it, K in flight each. Done when every PUBLISH
 *     was answered (each must count S receivers) and every subscriber read
 *     every message: ops/s is N over that time, deliveries/s N x S over it.
 *
 *   pubsub_tx_driver --port N multi --sets M [--clients C] [--pipeline K]
 *                    [--requests N] [--keys R]
 *     C connections run N transactions in all, MULTI, M x SET of a random
 *     key of R with a 3-byte value, EXEC, K transactions in flight each
 *     (their commands written together, as client libraries do): ops/s is
 *     transactions per second.
 *
 * One thread and one epoll loop, like redis-benchmark, so the client costs
 * both servers the same. Prints one line, "ops/s X deliveries/s Y"; exits 2
 * when the server does not know a command it needs (the script then
 * reports the workload as not run), 1 on any other error.
 */
#include "core/clock.h"
#include "core/compiler.h"
#include "tools/stress/conn.h"
#include "tools/stress/request.h"
#include "tools/stress/sync_client.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define CHANNEL      "bench:channel"
#define EXIT_UNKNOWN 2
#define MAX_EVENTS   256

struct options {
    const char *host;
    int port;
    bool publish; /* else multi */
    int subscribers, publishers, clients, sets, pipeline, size;
    long requests, keys;
};

/* One connection; its ring is unused, `in_flight` counts requests (PUBLISH)
 * or replies (multi) still to come. */
struct driver_conn {
    struct stress_conn c;
    bool subscriber;
    long in_flight;
    long received; /* subscriber: messages */
};

struct driver {
    const struct options *o;
    int epoll_fd;
    struct driver_conn *conns;
    int count;
    long sent, done; /* requests (transactions) sent and finished */
    long messages;   /* received by every subscriber together */
    unsigned long long rng;
};

static void die(int status, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pubsub_tx_driver: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

/* An error reply ends the run; "unknown command" with EXIT_UNKNOWN. */
static void check_error(const struct stress_reply *r)
{
    if (r->type != SREPLY_ERROR)
        return;
    bool unknown = memmem(r->str, r->len, "unknown command", 15) != NULL;
    die(unknown ? EXIT_UNKNOWN : 1, "server: %.*s", (int)r->len, r->str);
}

static void connect_one(struct driver *d, struct driver_conn *dc, bool subscriber)
{
    char err[256];
    int fd = stress_connect(d->o->host, d->o->port, err, sizeof(err));
    if (fd < 0)
        die(1, "%s", err);
    if (conn_init(&dc->c, fd, (uint32_t)(dc - d->conns), 1) < 0)
        die(1, "out of memory");
    dc->subscriber = subscriber;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = dc};
    epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static void append(struct driver_conn *dc, int argc, const char **argv)
{
    size_t lens[16];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    if (request_append(&dc->c.out, argc, argv, lens) < 0)
        die(1, "out of memory");
}

/* Writes what it can, arming EPOLLOUT while some is left. */
static void flush(struct driver *d, struct driver_conn *dc)
{
    int rc = conn_flush(&dc->c);
    if (rc < 0)
        die(1, "send: %s", strerror(-rc));
    bool want_out = rc == 1;
    if (want_out != dc->c.want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0u), .data.ptr = dc};
        epoll_ctl(d->epoll_fd, EPOLL_CTL_MOD, dc->c.fd, &ev);
        dc->c.want_out = want_out;
    }
}

/* Subscribes, and waits for the confirmation: no PUBLISH may go out before. */
static void subscribe(struct driver *d, struct driver_conn *dc)
{
    const char *argv[2] = {"SUBSCRIBE", CHANNEL};
    append(dc, 2, argv);
    for (;;) {
        flush(d, dc);
        struct pollfd pfd = {dc->c.fd, POLLIN, 0};
        if (poll(&pfd, 1, 10000) <= 0)
            die(1, "SUBSCRIBE: no confirmation within 10 s");
        if (conn_read(&dc->c) < 0)
            die(1, "SUBSCRIBE: connection closed");
        struct stress_reply r;
        if (conn_next_reply(&dc->c, &r) > 0) {
            check_error(&r);
            if (r.type != SREPLY_ARRAY && r.type != SREPLY_PUSH)
                die(1, "SUBSCRIBE: not a confirmation");
            return;
        }
    }
}

static void fill_publisher(struct driver *d, struct driver_conn *dc, const char *payload)
{
    const char *argv[3] = {"PUBLISH", CHANNEL, payload};
    while (dc->in_flight < d->o->pipeline && d->sent < d->o->requests) {
        append(dc, 3, argv);
        dc->in_flight++;
        d->sent++;
    }
}

static unsigned long long next_random(struct driver *d)
{
    d->rng ^= d->rng << 13; /* xorshift64: any spread of keys will do */
    d->rng ^= d->rng >> 7;
    d->rng ^= d->rng << 17;
    return d->rng;
}

static void fill_multi(struct driver *d, struct driver_conn *dc)
{
    long per_tx = d->o->sets + 2;
    while (dc->in_flight < d->o->pipeline * per_tx && d->sent < d->o->requests) {
        const char *multi[1] = {"MULTI"}, *exec[1] = {"EXEC"};
        append(dc, 1, multi);
        for (int i = 0; i < d->o->sets; i++) {
            char key[48];
            snprintf(key, sizeof(key), "bench:multi:%llu",
                     next_random(d) % (unsigned long)d->o->keys);
            const char *set[3] = {"SET", key, "xxx"};
            append(dc, 3, set);
        }
        append(dc, 1, exec);
        dc->in_flight += per_tx;
        d->sent++;
    }
}

static void on_reply(struct driver *d, struct driver_conn *dc, const struct stress_reply *r)
{
    check_error(r);
    if (dc->subscriber) {
        if (r->type != SREPLY_ARRAY && r->type != SREPLY_PUSH)
            die(1, "a subscriber got something else than a message");
        dc->received++;
        d->messages++;
        return;
    }
    if (d->o->publish) {
        if (r->type != SREPLY_INTEGER || r->integer != d->o->subscribers)
            die(1, "PUBLISH did not count every subscriber");
        dc->in_flight--;
        d->done++;
        return;
    }
    /* multi: +OK, +QUEUED x sets, then EXEC's array of the SETs' +OKs */
    dc->in_flight--;
    if (dc->in_flight % (d->o->sets + 2) == 0) {
        if (r->type != SREPLY_ARRAY || r->integer != d->o->sets)
            die(1, "EXEC did not answer the transaction's replies");
        d->done++;
    }
}

static void on_readable(struct driver *d, struct driver_conn *dc)
{
    long n = conn_read(&dc->c);
    struct stress_reply r;
    int got;
    while ((got = conn_next_reply(&dc->c, &r)) > 0)
        on_reply(d, dc, &r);
    if (got < 0 || n < 0)
        die(1, "%s", got < 0 ? "a reply is not RESP" : "the server closed a connection");
}

static bool finished(const struct driver *d)
{
    long want = d->o->requests * (d->o->publish ? d->o->subscribers : 0);
    return d->done == d->o->requests && d->messages == want;
}

static double run(struct driver *d)
{
    const struct options *o = d->o;
    char payload[4096];
    memset(payload, 'x', sizeof(payload));
    payload[o->size] = '\0';
    uint64_t start = clock_mono_ns();
    while (!finished(d)) {
        for (int i = 0; i < d->count; i++) {
            struct driver_conn *dc = &d->conns[i];
            if (!dc->subscriber && o->publish)
                fill_publisher(d, dc, payload);
            else if (!dc->subscriber)
                fill_multi(d, dc);
            if (conn_has_output(&dc->c))
                flush(d, dc);
        }
        struct epoll_event events[MAX_EVENTS];
        int n = epoll_wait(d->epoll_fd, events, MAX_EVENTS, 10000);
        if (n == 0)
            die(1, "no progress for 10 s");
        for (int i = 0; i < n; i++) {
            struct driver_conn *dc = events[i].data.ptr;
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                on_readable(d, dc);
            if (events[i].events & EPOLLOUT)
                flush(d, dc);
        }
    }
    return (double)(clock_mono_ns() - start) / 1e9;
}

static void usage(void)
{
    fputs("usage: pubsub_tx_driver [--host H] --port N publish --subscribers S [--publishers P]\n"
          "                        [--pipeline K] [--requests N] [--size B]\n"
          "       pubsub_tx_driver [--host H] --port N multi --sets M [--clients C]\n"
          "                        [--pipeline K] [--requests N] [--keys R]\n",
          stderr);
    exit(1);
}

static void parse(int argc, char **argv, struct options *o)
{
    static const struct option long_options[] = {{"host", required_argument, NULL, 'h'},
                                                 {"port", required_argument, NULL, 'p'},
                                                 {"subscribers", required_argument, NULL, 's'},
                                                 {"publishers", required_argument, NULL, 'P'},
                                                 {"clients", required_argument, NULL, 'c'},
                                                 {"sets", required_argument, NULL, 'm'},
                                                 {"pipeline", required_argument, NULL, 'k'},
                                                 {"requests", required_argument, NULL, 'n'},
                                                 {"size", required_argument, NULL, 'b'},
                                                 {"keys", required_argument, NULL, 'r'},
                                                 {NULL, 0, NULL, 0}};
    *o = (struct options){"127.0.0.1", 6379, false, 1, 4, 50, 10, 1, 32, 100000, 100000};
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        long v = opt == 'h' ? 0 : strtol(optarg, NULL, 10);
        switch (opt) {
        case 'h':
            o->host = optarg;
            break;
        case 'p':
            o->port = (int)v;
            break;
        case 's':
            o->subscribers = (int)v;
            break;
        case 'P':
            o->publishers = (int)v;
            break;
        case 'c':
            o->clients = (int)v;
            break;
        case 'm':
            o->sets = (int)v;
            break;
        case 'k':
            o->pipeline = (int)v;
            break;
        case 'n':
            o->requests = v;
            break;
        case 'b':
            o->size = (int)v;
            break;
        case 'r':
            o->keys = v;
            break;
        default:
            usage();
        }
    }
    if (optind != argc - 1 || (strcmp(argv[optind], "publish") && strcmp(argv[optind], "multi")))
        usage();
    o->publish = strcmp(argv[optind], "publish") == 0;
    if (o->port <= 0 || o->subscribers < 1 || o->publishers < 1 || o->clients < 1 || o->sets < 1 ||
        o->sets > 14 || o->pipeline < 1 || o->requests < 1 || o->size < 1 || o->size >= 4096 ||
        o->keys < 1)
        usage();
}

int main(int argc, char **argv)
{
    struct options o;
    parse(argc, argv, &o);
    struct driver d = {&o, epoll_create1(EPOLL_CLOEXEC), NULL, 0, 0, 0, 0, 0x9e3779b97f4a7c15ull};
    int conns = o.publish ? o.subscribers + o.publishers : o.clients;
    d.conns = calloc((size_t)conns, sizeof(*d.conns));
    if (d.epoll_fd < 0 || !d.conns)
        die(1, "out of memory");
    for (; d.count < conns; d.count++) {
        bool subscriber = o.publish && d.count < o.subscribers;
        connect_one(&d, &d.conns[d.count], subscriber);
        if (subscriber)
            subscribe(&d, &d.conns[d.count]);
    }
    double seconds = run(&d);
    long deliveries = o.publish ? o.requests * o.subscribers : 0;
    printf("ops/s %.0f deliveries/s %.0f\n", (double)o.requests / seconds,
           (double)deliveries / seconds);
    for (int i = 0; i < d.count; i++)
        conn_free(&d.conns[i].c);
    free(d.conns);
    close(d.epoll_fd);
    return 0;
}
