/*
 * Setting a client thread up and tearing it down: its buffers, histograms
 * and key names, and its connections, each connected and given its part of
 * the workload (a --pubsub subscriber is subscribed here, before any thread
 * starts). client.c runs the loop.
 */
#include "tools/stress/client.h"

#include "tools/stress/client_pubsub.h"
#include "tools/stress/client_queue.h"
#include "tools/stress/client_transfer.h"
#include "tools/stress/sync_client.h"
#include "tools/stress/verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* The names of the queue keys, channels or accounts of the run's workload;
 * false when out of memory. */
static bool alloc_names(struct client_thread *t, const struct stress_options *o)
{
    int queues = o->queue.producers ? o->queue.keys : 0;
    int channels = o->pubsub.publishers ? o->pubsub.channels : 0;
    int accounts = o->transfer.movers ? o->transfer.accounts : 0;
    if (queues && !(t->queue_names = calloc((size_t)queues, sizeof(*t->queue_names))))
        return false;
    if (channels && !(t->channel_names = calloc((size_t)channels, sizeof(*t->channel_names))))
        return false;
    if (accounts && !(t->account_names = calloc((size_t)accounts, sizeof(*t->account_names))))
        return false;
    for (int q = 0; q < queues; q++)
        queue_key_name((uint32_t)q, t->queue_names[q]);
    for (int n = 0; n < channels; n++)
        pubsub_channel_name((uint32_t)n, t->channel_names[n]);
    for (int a = 0; a < accounts; a++)
        transfer_account_name((uint32_t)a, t->account_names[a]);
    return true;
}

/* Gives the connection with client id `id` its part of the workload. 0 or
 * -errno with a message in err. */
static int setup_conn(struct client_thread *t, struct stress_conn *c, uint32_t id, char *err,
                      size_t err_size)
{
    const struct stress_options *o = t->run->opts;
    if (o->queue.producers)
        client_queue_setup(t, c, id);
    if (o->pubsub.publishers)
        return client_pubsub_setup(t, c, id, err, err_size);
    if (o->transfer.movers && client_transfer_setup(t, c, id) < 0) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

int client_thread_init(struct client_thread *t, struct client_run *run, int index, int conn_count,
                       uint32_t first_id, struct verify_log *vlogs, char *err, size_t err_size)
{
    const struct stress_options *o = run->opts;
    memset(t, 0, sizeof(*t));
    t->run = run;
    t->index = index;
    t->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    t->latency = hist_new();
    t->conns = calloc((size_t)conn_count, sizeof(*t->conns));
    t->value_cap =
        o->value_size > PUBSUB_MESSAGE_HEADER_MAX ? o->value_size : PUBSUB_MESSAGE_HEADER_MAX;
    _Static_assert(PUBSUB_MESSAGE_HEADER_MAX >= VERIFY_VALUE_HEADER_MAX, "room for every value");
    t->value = malloc(t->value_cap);
    bool oom = false;
    for (int op = 0; op < OP_COUNT; op++)
        if (run->op_used[op] && !(t->op_latency[op] = hist_new()))
            oom = true;
    if (o->pubsub.publishers && !(t->delivery = hist_new()))
        oom = true;
    if (t->epoll_fd < 0 || !t->latency || !t->conns || !t->value || oom || !alloc_names(t, o)) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    rng_seed(&t->rng, o->seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(index + 1)));
    for (size_t i = 0; i < t->value_cap; i++)
        t->value[i] = (char)('a' + rng_below(&t->rng, 26));
    if (o->rate > 0)
        t->interval_ns = (uint64_t)(1e9 * o->clients / o->rate);
    for (int i = 0; i < conn_count; i++) {
        int fd = stress_connect(o->host, o->port, err, err_size);
        if (fd < 0)
            return fd;
        struct stress_conn *c = &t->conns[i];
        uint32_t id = first_id + (uint32_t)i;
        int window = o->transfer.movers ? client_transfer_window(o, id) : o->pipeline;
        if (conn_init(c, fd, id, window) < 0) {
            snprintf(err, err_size, "out of memory");
            return -ENOMEM;
        }
        t->conn_count++;
        c->vlog = vlogs ? &vlogs[id] : NULL;
        int rc = setup_conn(t, c, id, err, err_size);
        if (rc < 0)
            return rc;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            snprintf(err, err_size, "epoll_ctl: %s", strerror(errno));
            return -errno;
        }
    }
    return 0;
}

void client_thread_free(struct client_thread *t)
{
    if (!t->run)
        return; /* never initialized */
    for (int i = 0; i < t->conn_count; i++) {
        client_pubsub_free(&t->conns[i]);
        client_transfer_free(&t->conns[i]);
        conn_free(&t->conns[i]);
    }
    free(t->conns);
    free(t->value);
    free(t->queue_names);
    free(t->channel_names);
    free(t->account_names);
    hist_free(t->latency);
    hist_free(t->delivery);
    for (int op = 0; op < OP_COUNT; op++)
        hist_free(t->op_latency[op]);
    if (t->epoll_fd >= 0)
        close(t->epoll_fd);
    memset(t, 0, sizeof(*t));
    t->epoll_fd = -1;
}
