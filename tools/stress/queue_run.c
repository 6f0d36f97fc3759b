#include "tools/stress/queue_run.h"

#include "core/clock.h"
#include "tools/stress/queue.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DRAIN_BATCH     100 /* RPOPs sent before reading their replies */
#define REPLY_WAIT_MS   30000
#define SABOTAGE_GAP_NS (200 * 1000ull) /* between two DELs that found nothing */

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    nanosleep(&ts, NULL);
}

/* Sends one command of `argc` arguments and reads its reply into *r. */
static int command(struct sync_client *sc, struct bytebuf *buf, int argc, const char *const *argv,
                   const size_t *lens, struct stress_reply *r)
{
    buf->len = 0;
    if (request_append(buf, argc, argv, lens) < 0)
        return -ENOMEM;
    int rc = sync_client_send(sc, buf->data, buf->len);
    return rc < 0 ? rc : sync_client_reply(sc, r);
}

int queue_prepare(const struct stress_options *o, char *err, size_t err_size)
{
    struct sync_client sc;
    int rc = sync_client_open(&sc, o->host, o->port, REPLY_WAIT_MS, err, err_size);
    if (rc < 0)
        return rc;
    char names[QUEUE_KEYS_MAX][QUEUE_KEY_NAME_MAX];
    const char *argv[QUEUE_KEYS_MAX + 1] = {"DEL"};
    size_t lens[QUEUE_KEYS_MAX + 1] = {3};
    for (int q = 0; q < o->queue.keys; q++) {
        lens[q + 1] = queue_key_name((uint32_t)q, names[q]);
        argv[q + 1] = names[q];
    }
    struct bytebuf buf = {0};
    struct stress_reply r;
    rc = command(&sc, &buf, o->queue.keys + 1, argv, lens, &r);
    if (rc < 0)
        snprintf(err, err_size, "DEL of the queues before the run failed: %s", strerror(-rc));
    else if (r.type != SREPLY_INTEGER) {
        snprintf(err, err_size, "DEL of the queues before the run failed: %.*s", (int)r.len,
                 r.str ? r.str : "");
        rc = -EPROTO;
    }
    bytebuf_free(&buf);
    sync_client_close(&sc);
    return rc;
}

/* ---------------------------------------------------------------- sabotage */

static bool sabotage_over(const struct queue_sabotage *s)
{
    /* Relaxed: stop hints, nothing is read through them. */
    return atomic_load_explicit(&s->run->stop, memory_order_relaxed) ||
           atomic_load_explicit(&s->run->producers_done_ns, memory_order_relaxed) != 0;
}

static void *sabotage_main(void *arg)
{
    struct queue_sabotage *s = arg;
    char name[QUEUE_KEY_NAME_MAX];
    const char *argv[2] = {"DEL", name};
    size_t lens[2] = {3, queue_key_name(0, name)};
    struct bytebuf buf = {0};
    while (!sabotage_over(s)) {
        uint64_t now = clock_mono_ns();
        if (now < s->start_at_ns) {
            uint64_t wait = s->start_at_ns - now;
            sleep_ns(wait < 10000000u ? wait : 10000000u); /* re-check the end often */
            continue;
        }
        struct stress_reply r;
        if (command(&s->conn, &buf, 2, argv, lens, &r) < 0 || r.type != SREPLY_INTEGER)
            break;
        if (r.integer >= 1) {
            s->hit = true;
            s->hit_ns = clock_mono_ns();
            break;
        }
        sleep_ns(SABOTAGE_GAP_NS);
    }
    bytebuf_free(&buf);
    return NULL;
}

int queue_sabotage_open(struct queue_sabotage *s, const struct stress_options *o,
                        struct client_run *run, char *err, size_t err_size)
{
    memset(s, 0, sizeof(*s));
    s->run = run;
    return sync_client_open(&s->conn, o->host, o->port, REPLY_WAIT_MS, err, err_size);
}

int queue_sabotage_start(struct queue_sabotage *s)
{
    const struct stress_options *o = s->run->opts;
    s->start_at_ns = s->run->start_ns + (o->requests ? 0 : o->duration_ns / 2);
    int rc = pthread_create(&s->thread, NULL, sabotage_main, s);
    s->started = rc == 0;
    return -rc;
}

void queue_sabotage_finish(struct queue_sabotage *s, struct network_result *r)
{
    if (s->started)
        pthread_join(s->thread, NULL);
    sync_client_close(&s->conn);
    r->queue.sabotaged = s->hit;
    if (s->hit)
        r->queue.sabotage_at_s = (double)(s->hit_ns - s->run->start_ns) / 1e9;
}

/* ---------------------------------------------------------------- the end */

/* RPOPs queue q until it answers nil, logging every item into drain_log. */
static int drain_queue(struct sync_client *sc, struct bytebuf *buf, uint32_t q,
                       struct queue_log *drain_log, struct network_result *r)
{
    char name[QUEUE_KEY_NAME_MAX];
    const char *argv[2] = {"RPOP", name};
    size_t lens[2] = {4, queue_key_name(q, name)};
    for (bool empty = false; !empty;) {
        buf->len = 0;
        for (int i = 0; i < DRAIN_BATCH; i++)
            if (request_append(buf, 2, argv, lens) < 0)
                return -ENOMEM;
        uint64_t send_ns = clock_mono_ns();
        int rc = sync_client_send(sc, buf->data, buf->len);
        for (int i = 0; rc == 0 && i < DRAIN_BATCH; i++) {
            struct stress_reply reply;
            rc = sync_client_reply(sc, &reply);
            if (rc < 0)
                break;
            if (reply.type == SREPLY_NIL) {
                empty = true;
            } else if (reply.type == SREPLY_BULK) {
                r->queue.left_after_run++;
                if (drain_log)
                    queue_log_pop(drain_log, q, send_ns, clock_mono_ns(), reply.str, reply.len);
            } else {
                r->queue.drain_errors++;
                empty = true; /* an error will not go away by asking again */
            }
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* LLEN of every queue must be 0 now; each one that is not is an error. */
static int check_empty(const struct stress_options *o, struct sync_client *sc, struct bytebuf *buf,
                       struct network_result *r)
{
    for (uint32_t q = 0; q < (uint32_t)o->queue.keys; q++) {
        char name[QUEUE_KEY_NAME_MAX];
        const char *argv[2] = {"LLEN", name};
        size_t lens[2] = {4, queue_key_name(q, name)};
        struct stress_reply reply;
        int rc = command(sc, buf, 2, argv, lens, &reply);
        if (rc < 0)
            return rc;
        if (reply.type != SREPLY_INTEGER || reply.integer != 0)
            r->queue.drain_errors++;
    }
    return 0;
}

int queue_finish(const struct stress_options *o, struct queue_log *producers,
                 struct queue_log *consumers, size_t consumer_count, struct network_result *r,
                 char *err, size_t err_size)
{
    struct sync_client sc;
    int rc = sync_client_open(&sc, o->host, o->port, REPLY_WAIT_MS, err, err_size);
    if (rc < 0)
        return rc;
    struct bytebuf buf = {0};
    struct queue_log *drain_log = consumers ? &consumers[consumer_count - 1] : NULL;
    for (uint32_t q = 0; rc == 0 && q < (uint32_t)o->queue.keys; q++)
        rc = drain_queue(&sc, &buf, q, drain_log, r);
    if (rc == 0)
        rc = check_empty(o, &sc, &buf, r);
    if (rc < 0)
        snprintf(err, err_size, "draining the queues after the run failed: %s", strerror(-rc));
    bytebuf_free(&buf);
    sync_client_close(&sc);
    if (rc == 0 && o->verify) {
        rc = queue_verify_check(producers, (size_t)o->queue.producers, consumers, consumer_count,
                                &r->queue.verify);
        if (rc < 0)
            snprintf(err, err_size, "verify: %s",
                     rc == -ENOMEM ? "out of memory" : "a log is incomplete (out of memory)");
        else
            r->queue.verified = true;
    }
    return rc;
}
