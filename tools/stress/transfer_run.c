#include "tools/stress/transfer_run.h"

#include "core/clock.h"
#include "tools/stress/transfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPLY_WAIT_MS   30000
#define READ_BATCH      1000 /* GETs sent before reading their replies */
#define SABOTAGE_AMOUNT 37   /* what --transfer-sabotage takes */

static int command(struct sync_client *sc, struct bytebuf *buf, int argc, const char *const *argv,
                   const size_t *lens, struct stress_reply *r)
{
    buf->len = 0;
    if (request_append(buf, argc, argv, lens) < 0)
        return -ENOMEM;
    int rc = sync_client_send(sc, buf->data, buf->len);
    return rc < 0 ? rc : sync_client_reply(sc, r);
}

int transfer_prepare(const struct stress_options *o, char *err, size_t err_size)
{
    int accounts = o->transfer.accounts;
    struct sync_client sc;
    int rc = sync_client_open(&sc, o->host, o->port, REPLY_WAIT_MS, err, err_size);
    if (rc < 0)
        return rc;
    char(*names)[TRANSFER_KEY_NAME_MAX] = calloc((size_t)accounts, sizeof(*names));
    const char **argv = calloc(2 * (size_t)accounts + 1, sizeof(*argv));
    size_t *lens = calloc(2 * (size_t)accounts + 1, sizeof(*lens));
    char balance[16];
    size_t balance_len = (size_t)snprintf(balance, sizeof(balance), "%d", TRANSFER_INITIAL_BALANCE);
    struct bytebuf buf = {0};
    struct stress_reply r;
    if (!names || !argv || !lens) {
        rc = -ENOMEM;
    } else {
        argv[0] = "MSET";
        lens[0] = 4;
        for (int a = 0; a < accounts; a++) {
            lens[1 + 2 * a] = transfer_account_name((uint32_t)a, names[a]);
            argv[1 + 2 * a] = names[a];
            argv[2 + 2 * a] = balance;
            lens[2 + 2 * a] = balance_len;
        }
        rc = command(&sc, &buf, 2 * accounts + 1, argv, lens, &r);
    }
    if (rc < 0) {
        snprintf(err, err_size, "MSET of the accounts before the run failed: %s", strerror(-rc));
    } else if (r.type != SREPLY_STATUS) {
        snprintf(err, err_size, "MSET of the accounts before the run failed: %.*s", (int)r.len,
                 r.str ? r.str : "");
        rc = -EPROTO;
    }
    bytebuf_free(&buf);
    free(names);
    free(argv);
    free(lens);
    sync_client_close(&sc);
    return rc;
}

/* ---------------------------------------------------------------- sabotage */

static void *sabotage_main(void *arg)
{
    struct transfer_sabotage *s = arg;
    char name[TRANSFER_KEY_NAME_MAX], amount[16];
    const char *argv[3] = {"DECRBY", name, amount};
    size_t lens[3] = {6, transfer_account_name(0, name),
                      (size_t)snprintf(amount, sizeof(amount), "%d", SABOTAGE_AMOUNT)};
    /* Relaxed: stop hints, nothing is read through them. */
    while (!atomic_load_explicit(&s->run->stop, memory_order_relaxed) &&
           !atomic_load_explicit(&s->run->producers_done_ns, memory_order_relaxed)) {
        uint64_t now = clock_mono_ns();
        if (now < s->start_at_ns) {
            uint64_t wait = s->start_at_ns - now;
            wait = wait < 10000000u ? wait : 10000000u; /* re-check the end often */
            struct timespec ts = {0, (long)wait};
            nanosleep(&ts, NULL);
            continue;
        }
        struct bytebuf buf = {0};
        struct stress_reply r;
        if (command(&s->conn, &buf, 3, argv, lens, &r) == 0 && r.type == SREPLY_INTEGER) {
            s->hit = true;
            s->hit_ns = clock_mono_ns();
        }
        bytebuf_free(&buf);
        break;
    }
    return NULL;
}

int transfer_sabotage_open(struct transfer_sabotage *s, const struct stress_options *o,
                           struct client_run *run, char *err, size_t err_size)
{
    memset(s, 0, sizeof(*s));
    s->run = run;
    return sync_client_open(&s->conn, o->host, o->port, REPLY_WAIT_MS, err, err_size);
}

int transfer_sabotage_start(struct transfer_sabotage *s)
{
    const struct stress_options *o = s->run->opts;
    s->start_at_ns = s->run->start_ns + (o->requests ? 0 : o->duration_ns / 2);
    int rc = pthread_create(&s->thread, NULL, sabotage_main, s);
    s->started = rc == 0;
    return -rc;
}

void transfer_sabotage_finish(struct transfer_sabotage *s, struct network_result *r)
{
    if (s->started)
        pthread_join(s->thread, NULL);
    sync_client_close(&s->conn);
    r->transfer.sabotaged = s->hit;
    if (s->hit) {
        r->transfer.sabotage_at_s = (double)(s->hit_ns - s->run->start_ns) / 1e9;
        r->transfer.sabotage_amount = SABOTAGE_AMOUNT;
    }
}

/* ---------------------------------------------------------------- the end */

/* GETs every account into final[] (a missing one as 0, which the invariant
 * then reports: its money is gone); a reply that is no balance is counted
 * in r->transfer.final_errors. */
static int read_balances(struct sync_client *sc, int accounts, long long *final,
                         struct network_result *r)
{
    struct bytebuf buf = {0};
    int rc = 0;
    for (int first = 0; rc == 0 && first < accounts; first += READ_BATCH) {
        int n = accounts - first < READ_BATCH ? accounts - first : READ_BATCH;
        buf.len = 0;
        for (int a = first; rc == 0 && a < first + n; a++) {
            char name[TRANSFER_KEY_NAME_MAX];
            const char *argv[2] = {"GET", name};
            size_t lens[2] = {3, transfer_account_name((uint32_t)a, name)};
            rc = request_append(&buf, 2, argv, lens);
        }
        if (rc == 0)
            rc = sync_client_send(sc, buf.data, buf.len);
        for (int a = first; rc == 0 && a < first + n; a++) {
            struct stress_reply reply;
            rc = sync_client_reply(sc, &reply);
            final[a] = 0;
            if (rc == 0 && transfer_balance_parse(&reply, &final[a]) == -EPROTO)
                r->transfer.final_errors++;
        }
    }
    bytebuf_free(&buf);
    return rc;
}

int transfer_finish(const struct stress_options *o, const struct transfer_log *logs,
                    size_t log_count, struct network_result *r, char *err, size_t err_size)
{
    const struct transfer_spec *spec = &o->transfer;
    long long *final = calloc((size_t)spec->accounts, sizeof(*final));
    if (!final) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    struct sync_client sc;
    int rc = sync_client_open(&sc, o->host, o->port, REPLY_WAIT_MS, err, err_size);
    if (rc == 0) {
        rc = read_balances(&sc, spec->accounts, final, r);
        sync_client_close(&sc);
        if (rc < 0)
            snprintf(err, err_size, "reading the accounts after the run failed: %s", strerror(-rc));
    }
    for (int a = 0; rc == 0 && a < spec->accounts; a++)
        r->transfer.final_total += final[a];
    if (rc == 0 && o->verify) {
        rc = transfer_verify_check(logs, log_count, (uint32_t)spec->accounts, transfer_total(spec),
                                   final, &r->transfer.verify);
        if (rc < 0)
            snprintf(err, err_size, "verify: a log is incomplete (out of memory)");
        else
            r->transfer.verified = true;
    }
    free(final);
    return rc;
}
