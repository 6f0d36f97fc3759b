#include "tools/stress/verify_run.h"

#include "core/clock.h"
#include "tools/stress/sync_client.h"
#include "tools/stress/workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_KEYS    256  /* keys per DEL */
#define BATCH_GETS    1000 /* GETs sent before reading their replies */
#define REPLY_WAIT_MS 30000

static int send_command(struct sync_client *sc, struct bytebuf *buf, int argc,
                        const char *const *argv, const size_t *lens)
{
    buf->len = 0;
    if (request_append(buf, argc, argv, lens) < 0)
        return -ENOMEM;
    return sync_client_send(sc, buf->data, buf->len);
}

int verify_prepare(const struct stress_options *o, char *err, size_t err_size)
{
    struct sync_client sc;
    int rc = sync_client_open(&sc, o->host, o->port, REPLY_WAIT_MS, err, err_size);
    if (rc < 0)
        return rc;
    struct bytebuf buf = {0};
    const char *argv[1 + 2 * BATCH_KEYS];
    size_t lens[1 + 2 * BATCH_KEYS];
    char names[2 * BATCH_KEYS][KEY_NAME_MAX];
    for (uint64_t first = 0; rc == 0 && first < o->keys; first += BATCH_KEYS) {
        int argc = 1;
        argv[0] = "DEL";
        lens[0] = 3;
        for (uint64_t k = first; k < o->keys && k < first + BATCH_KEYS; k++) {
            int i = argc - 1;
            lens[argc] = key_name_string(k, names[i]);
            argv[argc++] = names[i];
            lens[argc] = key_name_counter(k, names[i + 1]);
            argv[argc++] = names[i + 1];
        }
        struct stress_reply r;
        rc = send_command(&sc, &buf, argc, argv, lens);
        if (rc == 0)
            rc = sync_client_reply(&sc, &r);
        if (rc == 0 && r.type != SREPLY_INTEGER) {
            snprintf(err, err_size, "DEL before the run failed: %.*s", (int)r.len,
                     r.str ? r.str : "");
            rc = -EPROTO;
        } else if (rc < 0) {
            snprintf(err, err_size, "DEL before the run failed: %s", strerror(-rc));
        }
    }
    bytebuf_free(&buf);
    sync_client_close(&sc);
    return rc;
}

/* The final value of a counter from a GET reply. */
static long long counter_value(const struct stress_reply *r)
{
    if (r->type == SREPLY_NIL)
        return 0;
    if (r->type != SREPLY_BULK || r->len == 0 || r->len > 19)
        return VERIFY_COUNTER_UNKNOWN;
    long long v = 0;
    for (size_t i = 0; i < r->len; i++) {
        if (r->str[i] < '0' || r->str[i] > '9')
            return VERIFY_COUNTER_UNKNOWN;
        v = v * 10 + (r->str[i] - '0');
    }
    return v;
}

/* GETs keys [first, last) of one kind, pipelined; records what came back. */
static int read_batch(struct sync_client *sc, struct bytebuf *buf, uint64_t first, uint64_t last,
                      bool counters, struct verify_log *final_log, long long *finals,
                      struct network_result *out)
{
    char name[KEY_NAME_MAX];
    buf->len = 0;
    for (uint64_t k = first; k < last; k++) {
        size_t len = counters ? key_name_counter(k, name) : key_name_string(k, name);
        const char *argv[2] = {"GET", name};
        size_t lens[2] = {3, len};
        if (request_append(buf, 2, argv, lens) < 0)
            return -ENOMEM;
    }
    uint64_t send_ns = clock_mono_ns();
    int rc = sync_client_send(sc, buf->data, buf->len);
    for (uint64_t k = first; rc == 0 && k < last; k++) {
        struct stress_reply r;
        rc = sync_client_reply(sc, &r);
        uint64_t recv_ns = clock_mono_ns();
        if (rc < 0)
            break;
        if (counters) {
            finals[k] = counter_value(&r);
            out->verify_final_errors += finals[k] == VERIFY_COUNTER_UNKNOWN;
        } else if (r.type == SREPLY_BULK || r.type == SREPLY_NIL) {
            uint64_t order = verify_log_next_order(final_log);
            verify_log_get(final_log, k, order, send_ns, recv_ns,
                           r.type == SREPLY_BULK ? r.str : NULL, r.len);
        } else {
            out->verify_final_errors++;
        }
    }
    return rc;
}

/* Whether the server on sc answers PING. */
static bool answers_ping(struct sync_client *sc)
{
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";
    struct stress_reply r;
    return sync_client_send(sc, ping, sizeof(ping) - 1) == 0 && sync_client_reply(sc, &r) == 0 &&
           r.type == SREPLY_STATUS;
}

/* --verify-restart: the server was killed; wait for the restarted one. A
 * connection the dying process's listening socket still took is reset:
 * only a server that answers PING counts. */
static int open_after_restart(const struct stress_options *o, struct sync_client *sc, char *err,
                              size_t err_size)
{
    uint64_t deadline = clock_mono_ns() + o->verify_restart_ns;
    for (;;) {
        int rc = sync_client_open(sc, o->host, o->port, REPLY_WAIT_MS, err, err_size);
        if (rc == 0 && answers_ping(sc))
            return 0;
        if (rc == 0) {
            sync_client_close(sc);
            rc = -ECONNRESET;
            snprintf(err, err_size, "the restarted server does not answer PING");
        }
        if (clock_mono_ns() >= deadline)
            return rc;
        usleep(50000);
    }
}

/*
 * Across a restart, an acknowledged write is lost when the final value of
 * its key is known to precede it (a stale final read) or a counter is below
 * its acknowledged increments: the check runs once without the final reads
 * and once with them, and the difference in stale reads is theirs.
 */
static int count_lost(const struct stress_options *o, struct verify_log *logs, size_t log_count,
                      const long long *finals, struct network_result *out)
{
    struct verify_log *final_log = &logs[log_count - 1];
    size_t gets = final_log->get_count;
    struct verify_result before;
    final_log->get_count = 0;
    int rc = verify_check(logs, log_count, o->keys, NULL, &before);
    final_log->get_count = gets;
    if (rc == 0)
        rc = verify_check(logs, log_count, o->keys, finals, &out->verify);
    if (rc == 0)
        out->lost_acknowledged =
            out->verify.stale_reads - before.stale_reads + out->verify.lost_updates;
    return rc;
}

int verify_finish(const struct stress_options *o, struct verify_log *logs, size_t log_count,
                  struct network_result *out, char *err, size_t err_size)
{
    long long *finals = malloc(o->keys * sizeof(*finals));
    if (!finals) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    for (uint64_t k = 0; k < o->keys; k++)
        finals[k] = VERIFY_COUNTER_UNKNOWN;
    struct sync_client sc;
    int rc = o->verify_restart_ns
                 ? open_after_restart(o, &sc, err, err_size)
                 : sync_client_open(&sc, o->host, o->port, REPLY_WAIT_MS, err, err_size);
    if (rc < 0) {
        free(finals);
        return rc;
    }
    struct bytebuf buf = {0};
    for (int counters = 0; rc == 0 && counters < 2; counters++) {
        for (uint64_t first = 0; rc == 0 && first < o->keys; first += BATCH_GETS) {
            uint64_t last = first + BATCH_GETS < o->keys ? first + BATCH_GETS : o->keys;
            rc = read_batch(&sc, &buf, first, last, counters, &logs[log_count - 1], finals, out);
        }
    }
    if (rc < 0)
        snprintf(err, err_size, "reading the keys back failed: %s", strerror(-rc));
    bytebuf_free(&buf);
    sync_client_close(&sc);
    if (rc == 0) {
        rc = o->verify_restart_ns ? count_lost(o, logs, log_count, finals, out)
                                  : verify_check(logs, log_count, o->keys, finals, &out->verify);
        if (rc < 0)
            snprintf(err, err_size, "verify: %s",
                     rc == -ENOMEM ? "out of memory"
                                   : "a client's log is incomplete (out of memory)");
        else
            out->verified = true;
    }
    free(finals);
    return rc;
}
