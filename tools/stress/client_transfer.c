/*
 * The movers and readers of --transfer. Every command of a transaction is
 * one request in flight, tagged with its step, so the replies are checked
 * one by one (+OK to MULTI, +QUEUED to each queued command, then EXEC's
 * array). A mover pipelines whole MULTI..EXEC moves; a --transfer-watch
 * mover has one move in flight, because what it SETs depends on what its
 * GETs returned: WATCH, GET, GET, then from the second GET's reply MULTI,
 * SET, SET, EXEC, and from EXEC's nil the same move again (also after the
 * run's end: --requests N commits N moves). Readers sum
 * until the movers finished (producers_done_ns), so they watch the whole of
 * the movers' run; transfer_run.c then reads every account once more.
 */
#include "tools/stress/client_transfer.h"

#include "tools/stress/transfer.h"
#include "tools/stress/verify_transfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum step { STEP_MULTI, STEP_QUEUED, STEP_EXEC, STEP_WATCH, STEP_GET_FROM, STEP_GET_TO };

enum watch_phase { WATCH_IDLE, WATCH_READING, WATCH_COMMITTING };

struct transfer_conn {
    enum transfer_role role;
    uint32_t id;   /* mover or reader id */
    int commands;  /* requests per transaction */
    bool finished; /* mover: counted out */
    struct transfer_log *log;
    /* --transfer-watch movers: the move being made. */
    enum watch_phase phase;
    bool retry; /* its EXEC answered nil: make it again */
    struct transfer_move move;
    long long balance[2]; /* what the GETs of from and to returned */
    int balances_read;
    bool watch_failed;   /* WATCH did not answer +OK: commit nothing unwatched */
    uint64_t started_ns; /* its first WATCH */
};

static const struct transfer_spec *spec_of(const struct client_thread *t)
{
    return &t->run->opts->transfer;
}

static void out_of_memory(void)
{
    fprintf(stderr, "magpie-stress: out of memory\n");
    abort();
}

int client_transfer_window(const struct stress_options *o, uint32_t index)
{
    uint32_t id;
    enum transfer_role role = transfer_role_of(&o->transfer, index, &id);
    int commands = transfer_commands(&o->transfer, role);
    return role == TRANSFER_MOVER && o->transfer.watch ? commands : commands * o->pipeline;
}

int client_transfer_setup(struct client_thread *t, struct stress_conn *c, uint32_t index)
{
    struct transfer_conn *x = calloc(1, sizeof(*x));
    if (!x)
        return -ENOMEM;
    c->transfer = x;
    x->role = transfer_role_of(spec_of(t), index, &x->id);
    x->commands = transfer_commands(spec_of(t), x->role);
    x->log = t->run->transfer_logs ? &t->run->transfer_logs[index] : NULL;
    return 0;
}

void client_transfer_free(struct stress_conn *c)
{
    free(c->transfer);
    c->transfer = NULL;
}

bool client_transfer_is_mover(const struct stress_conn *c)
{
    return c->transfer && c->transfer->role == TRANSFER_MOVER;
}

/* Whether the connection has transactions still to make, in flight or
 * not: readers until the movers finished, movers until the run's end or
 * quota, and a --transfer-watch mover through the move it started, retries
 * included (the other movers are done with its accounts soon). Ctrl-C ends
 * them all. */
static bool active(struct client_thread *t, struct stress_conn *c)
{
    struct transfer_conn *x = c->transfer;
    /* Relaxed: stop hints; nothing is read through them. */
    if (atomic_load_explicit(&t->run->stop, memory_order_relaxed))
        return false;
    if (x->role == TRANSFER_READER)
        return !atomic_load_explicit(&t->run->producers_done_ns, memory_order_relaxed);
    return (t->sending && client_thread_has_quota(t)) || x->retry || x->phase != WATCH_IDLE;
}

bool client_transfer_may_send(struct client_thread *t, struct stress_conn *c)
{
    struct transfer_conn *x = c->transfer;
    if (!active(t, c))
        return false;
    if (x->role == TRANSFER_READER)
        return c->ring_cap - c->ring_count >= (uint32_t)x->commands;
    if (spec_of(t)->watch) /* a retry's move was counted when it started */
        return x->phase == WATCH_IDLE && (x->retry || client_thread_has_quota(t));
    return c->ring_cap - c->ring_count >= (uint32_t)x->commands;
}

bool client_transfer_waiting(struct client_thread *t, struct stress_conn *c)
{
    return active(t, c);
}

/* Ring entries for `count` commands of one transaction: `first` step for
 * the first, QUEUED for the middle ones, `last` for the last. */
static void push_steps(struct stress_conn *c, int count, enum step first, enum step middle,
                       enum step last, int op, uint64_t key, uint64_t start_ns, uint64_t now)
{
    for (int i = 0; i < count; i++) {
        enum step s = i == 0 ? first : i == count - 1 ? last : middle;
        *conn_push(c) = (struct inflight){key, start_ns, now, s, op, false};
    }
}

static void send_move(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    struct transfer_move m;
    transfer_pick(&t->rng, (uint32_t)spec_of(t)->accounts, &m);
    if (transfer_append_move(&c->out, t->account_names, &m) < 0)
        out_of_memory();
    push_steps(c, 4, STEP_MULTI, STEP_QUEUED, STEP_EXEC, OP_TRANSFER, transfer_move_pack(&m), now,
               now);
    if (t->limited)
        t->quota--;
}

static void send_watch(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    struct transfer_conn *x = c->transfer;
    if (!x->retry) {
        transfer_pick(&t->rng, (uint32_t)spec_of(t)->accounts, &x->move);
        x->started_ns = now;
        if (t->limited)
            t->quota--;
    }
    x->retry = false;
    x->balances_read = 0;
    x->watch_failed = false;
    if (transfer_append_watch(&c->out, t->account_names, &x->move) < 0)
        out_of_memory();
    uint64_t key = transfer_move_pack(&x->move);
    push_steps(c, 3, STEP_WATCH, STEP_GET_FROM, STEP_GET_TO, OP_TRANSFER, key, x->started_ns, now);
    x->phase = WATCH_READING;
}

static void send_sum(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    if (transfer_append_sum(&c->out, spec_of(t), t->account_names) < 0)
        out_of_memory();
    push_steps(c, c->transfer->commands, STEP_MULTI, STEP_QUEUED, STEP_EXEC, OP_SUM, 0, now, now);
}

void client_transfer_send(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    if (c->transfer->role == TRANSFER_READER)
        send_sum(t, c, now);
    else if (spec_of(t)->watch)
        send_watch(t, c, now);
    else
        send_move(t, c, now);
}

static void protocol_error(struct client_thread *t, struct stress_conn *c)
{
    t->protocol_errors++;
    if (c->transfer->log)
        transfer_log_protocol_error(c->transfer->log);
}

/* A --transfer-watch GET: once both balances are in, the commit goes out. */
static void on_balance(struct client_thread *t, struct stress_conn *c, const struct inflight *req,
                       const struct stress_reply *r, uint64_t now)
{
    struct transfer_conn *x = c->transfer;
    int which = req->tag == STEP_GET_TO;
    if (transfer_balance_parse(r, &x->balance[which]) == 0)
        x->balances_read++;
    else
        protocol_error(t, c); /* an account is never missing, nor anything but a number */
    if (req->tag != STEP_GET_TO)
        return;
    if (x->balances_read < 2 || x->watch_failed) {
        x->phase = WATCH_IDLE; /* give the move up: the next one WATCHes afresh */
        return;
    }
    if (transfer_append_commit(&c->out, t->account_names, &x->move, x->balance[0], x->balance[1]) <
        0)
        out_of_memory();
    push_steps(c, 4, STEP_MULTI, STEP_QUEUED, STEP_EXEC, OP_TRANSFER, req->key, x->started_ns, now);
    x->phase = WATCH_COMMITTING;
}

static void on_move_exec(struct client_thread *t, struct stress_conn *c, const struct inflight *req,
                         const struct stress_reply *r, uint64_t now)
{
    struct transfer_conn *x = c->transfer;
    bool watch = spec_of(t)->watch;
    x->phase = WATCH_IDLE;
    switch (transfer_exec_move(r, watch)) {
    case TRANSFER_COMMITTED: {
        struct transfer_move m = transfer_move_unpack(req->key);
        client_count_op(t, OP_TRANSFER, now > req->intended_ns ? now - req->intended_ns : 0);
        t->moves_committed++;
        if (x->log)
            transfer_log_committed(x->log, m.from, m.to, m.amount);
        return;
    }
    case TRANSFER_ABORTED:
        x->retry = true;
        t->watch_retries++;
        if (x->log)
            transfer_log_watch_retry(x->log);
        return;
    case TRANSFER_BAD:
        protocol_error(t, c);
        return;
    }
}

static void on_sum_exec(struct client_thread *t, struct stress_conn *c, const struct inflight *req,
                        const struct stress_reply *r, uint64_t now)
{
    long long sum;
    if (transfer_exec_sum(spec_of(t), r, &sum) < 0) {
        protocol_error(t, c);
        return;
    }
    client_count_op(t, OP_SUM, now > req->intended_ns ? now - req->intended_ns : 0);
    t->sums_read++;
    t->bad_sums += sum != transfer_total(spec_of(t));
    if (c->transfer->log)
        transfer_log_sum(c->transfer->log, sum);
}

static bool is_status(const struct stress_reply *r, const char *text)
{
    return r->type == SREPLY_STATUS && r->len == strlen(text) && memcmp(r->str, text, r->len) == 0;
}

bool client_transfer_on_reply(struct client_thread *t, struct stress_conn *c,
                              const struct stress_reply *r, uint64_t now)
{
    struct transfer_conn *x = c->transfer;
    struct inflight req;
    if (!conn_pop(c, &req)) {
        protocol_error(t, c); /* a reply nobody asked for */
        return false;
    }
    if (r->type == SREPLY_ERROR) {
        /* EXECABORT, an unknown MULTI, ...: the transaction did not run as
         * asked, whatever the later replies say. */
        client_count_error(t, op_name((enum stress_op)req.op), r);
        if (x->log)
            transfer_log_protocol_error(x->log);
        if (req.tag == STEP_WATCH)
            x->watch_failed = true;
        if (req.tag == STEP_EXEC || req.tag == STEP_GET_TO)
            x->phase = WATCH_IDLE;
        return true;
    }
    switch ((enum step)req.tag) {
    case STEP_MULTI:
        if (!is_status(r, "OK"))
            protocol_error(t, c);
        return true;
    case STEP_WATCH:
        if (!is_status(r, "OK")) {
            protocol_error(t, c);
            x->watch_failed = true;
        }
        return true;
    case STEP_QUEUED:
        if (!is_status(r, "QUEUED"))
            protocol_error(t, c);
        return true;
    case STEP_GET_FROM:
    case STEP_GET_TO:
        on_balance(t, c, &req, r, now);
        return true;
    case STEP_EXEC:
        if (x->role == TRANSFER_READER)
            on_sum_exec(t, c, &req, r, now);
        else
            on_move_exec(t, c, &req, r, now);
        return true;
    }
    return true;
}

void client_transfer_on_lost(struct stress_conn *c, const struct inflight *req)
{
    /* A move whose EXEC was sent may or may not have run. */
    if (c->transfer->log && req->op == OP_TRANSFER && req->tag == STEP_EXEC)
        transfer_log_in_doubt(c->transfer->log);
}

void client_transfer_progress(struct client_thread *t, struct stress_conn *c, uint64_t now)
{
    struct transfer_conn *x = c->transfer;
    if (!x || x->role != TRANSFER_MOVER || x->finished ||
        !(c->dead || (!active(t, c) && c->ring_count == 0)))
        return;
    x->finished = true;
    client_writer_done(t->run, now);
}
