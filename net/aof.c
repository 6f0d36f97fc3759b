/*
 * The append-only file (net/aof.h): what the observers queue, group commit's
 * tickets and waiters, turning the log on and off, INFO and MISCONF.
 */
#include "net/aof_internal.h"
#include "net/persist.h"
#include "net/server.h"
#include "net/text.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/task.h"
#include "store/keyspace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- what the observers queue ---- */

/* The ticket of the last record this thread queued (group commit). */
static _Thread_local uint64_t thread_ticket;

/* EXEC's records, gathered on the thread that runs it. */
struct transaction {
    bool active;
    int count, db_first, db_cur;
    bool unordered;
    struct aof_buf cmds;
    struct write_range *ranges;
    uint32_t nranges, cap;
    uint64_t claim; /* its first command's; the later ones' are dropped */
};
static _Thread_local struct transaction tx;

uint64_t aof_take_ticket(void)
{
    uint64_t t = thread_ticket;
    thread_ticket = 0;
    return t;
}

static bool accepting(const struct aof *a)
{
    return a && atomic_load_explicit(&a->state, memory_order_acquire) != AOF_OFF;
}

/* Builds a unit in one allocation: the struct, its ranges, its bytes. */
static struct aof_unit *unit_new(int db, int db_last, const struct write_range *ranges,
                                 uint32_t nranges, const char *prefix, size_t prefix_len,
                                 const struct aof_buf *body, const char *suffix, size_t suffix_len)
{
    size_t len = prefix_len + body->len + suffix_len;
    struct aof_unit *u = mem_alloc(sizeof(*u) + nranges * sizeof(*ranges) + len);
    if (!u)
        return NULL;
    *u = (struct aof_unit){.db = db, .db_last = db_last, .nranges = nranges, .len = len};
    u->ranges = (struct write_range *)(u + 1);
    memcpy(u->ranges, ranges, nranges * sizeof(*ranges));
    u->bytes = (char *)(u->ranges + nranges);
    memcpy(u->bytes, prefix, prefix_len);
    memcpy(u->bytes + prefix_len, body->data, body->len);
    memcpy(u->bytes + prefix_len + body->len, suffix, suffix_len);
    return u;
}

/* Queues u under its claimed ticket (0: none, or no longer held: a new
 * one). */
static void submit(struct aof *a, struct aof_unit *u, uint64_t claim)
{
    pthread_mutex_lock(&a->mu);
    bool held = claim && aof__unclaim_locked(a, claim);
    if (atomic_load_explicit(&a->state, memory_order_relaxed) == AOF_OFF) {
        a->claim_dropped |= held;
        pthread_mutex_unlock(&a->mu);
        mem_free(u);
        return;
    }
    u->ticket = held ? claim : aof__new_ticket(a);
    u->prev = a->in_tail;
    u->next = NULL;
    if (a->in_tail)
        a->in_tail->next = u;
    else
        a->in_head = u;
    a->in_tail = u;
    thread_ticket = u->ticket;
    /* Under everysec and no, the connection's worker writes it at the end
     * of its turn (aof_write_inline); the thread comes round by itself. */
    if (aof__fsync_always(a))
        aof__wake_writer(a);
    pthread_mutex_unlock(&a->mu);
}

/* Out of memory for a record: nothing unlogged may be acknowledged. */
static void record_lost(struct aof *a)
{
    /* Under always the command's reply would go out unlogged: as a failed
     * write there, the process ends (net/aof_writer.c). */
    if (aof__fsync_always(a)) {
        log_warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                    "Exiting...: out of memory queueing a record");
        _exit(1);
    }
    atomic_store_explicit(&a->last_write_errno, ENOMEM, memory_order_relaxed);
    log_warning("AOF: out of memory queueing a record; refusing writes");
}

static void tx_add(struct aof *a, const struct command_record *rec, const struct aof_buf *cmd)
{
    /* The first claim holds the mark below every later one, which can go. */
    if (tx.claim == 0)
        tx.claim = rec->claim;
    else
        aof__drop_claim(a, rec->claim);
    if (tx.count == 0) {
        tx.db_first = tx.db_cur = rec->db;
        tx.cmds.len = 0;
        tx.nranges = 0;
        tx.unordered = false;
    } else if (rec->db != tx.db_cur) {
        char digits[16];
        snprintf(digits, sizeof(digits), "%d", rec->db);
        const char *select[2] = {"SELECT", digits};
        aof_buf_command_str(&tx.cmds, 2, select);
        tx.db_cur = rec->db;
    }
    aof_buf_append(&tx.cmds, cmd->data, cmd->len);
    tx.count++;
    tx.unordered |= rec->incomplete;
    /* A transaction holds its locks throughout: a shard's numbers in it are
     * consecutive, so one range per shard covers them. */
    for (uint32_t i = 0; i < rec->nranges; i++) {
        const struct write_range *r = &rec->ranges[i];
        uint32_t j = 0;
        while (j < tx.nranges && tx.ranges[j].shard != r->shard)
            j++;
        if (j < tx.nranges) {
            if (r->first < tx.ranges[j].first)
                tx.ranges[j].first = r->first;
            if (r->last > tx.ranges[j].last)
                tx.ranges[j].last = r->last;
            continue;
        }
        if (tx.nranges == tx.cap) {
            uint32_t cap = tx.cap ? 2 * tx.cap : 8;
            struct write_range *grown = mem_realloc(tx.ranges, cap * sizeof(*grown));
            if (!grown) {
                tx.unordered = true;
                continue;
            }
            tx.ranges = grown;
            tx.cap = cap;
        }
        tx.ranges[tx.nranges++] = *r;
    }
}

/* A command's unit, its bytes encoded in place: no buffer is kept per
 * thread (a pool worker's would outlive nothing to free it). */
static struct aof_unit *command_unit(const struct command_record *rec)
{
    size_t len = aof_command_size(rec->argc, rec->argv);
    size_t ranges = rec->nranges * sizeof(*rec->ranges);
    struct aof_unit *u = mem_alloc(sizeof(*u) + ranges + len);
    if (!u)
        return NULL;
    *u = (struct aof_unit){.db = rec->db, .db_last = rec->db, .nranges = rec->nranges, .len = len};
    u->ranges = (struct write_range *)(u + 1);
    memcpy(u->ranges, rec->ranges, ranges);
    u->bytes = (char *)(u->ranges + rec->nranges);
    aof_command_write(u->bytes, rec->argc, rec->argv);
    u->unordered = rec->incomplete;
    return u;
}

static void on_record(void *ctx, const struct command_record *rec)
{
    struct aof *a = ctx;
    if (!accepting(a)) {
        aof__drop_claim(a, rec->claim);
        return;
    }
    if (tx.active) {
        struct aof_buf cmd = {0};
        aof_buf_command(&cmd, rec->argc, rec->argv);
        tx_add(a, rec, &cmd);
        aof_buf_free(&cmd);
        return;
    }
    struct aof_unit *u = command_unit(rec);
    if (!u) {
        aof__drop_claim(a, rec->claim);
        record_lost(a);
        return;
    }
    submit(a, u, rec->claim);
}

/* A command's first change claims its ticket (net/aof_claim.c). An
 * expired (or evicted) key is logged as DEL, under its shard's lock. */
static void on_key_event(void *ctx, const struct key_event *ev)
{
    struct aof *a = ctx;
    if (!accepting(a))
        return;
    if (ev->claim) {
        if (*ev->claim == 0 && !aof__claim(a, ev->claim))
            record_lost(a);
        return;
    }
    if (!(ev->cls & (NOTIFY_EXPIRED | NOTIFY_EVICTED)) || !ev->key)
        return;
    struct aof_buf cmd = {0};
    struct resp_arg del[2] = {{"DEL", 3, NULL}, {ev->key, ev->key_len, NULL}};
    aof_buf_command(&cmd, 2, del);
    struct write_range r = {ev->shard, ev->seq, ev->seq};
    struct aof_unit *u = cmd.oom ? NULL : unit_new(ev->db, ev->db, &r, 1, "", 0, &cmd, "", 0);
    aof_buf_free(&cmd);
    if (!u) {
        record_lost(a);
        return;
    }
    u->expiry = true;
    submit(a, u, 0);
}

void aof_transaction_begin(void)
{
    tx.active = true;
    tx.count = 0;
    tx.claim = 0;
}

void aof_transaction_end(struct server *s)
{
    tx.active = false;
    struct aof *a = s->aof;
    uint64_t claim = tx.claim;
    tx.claim = 0;
    if (tx.count == 0 || !accepting(a)) {
        aof__drop_claim(a, claim);
        tx.count = 0;
        aof_buf_free(&tx.cmds);
        mem_free(tx.ranges);
        tx.ranges = NULL;
        tx.nranges = tx.cap = 0;
        return;
    }
    static const char multi[] = "*1\r\n$5\r\nMULTI\r\n", exec[] = "*1\r\n$4\r\nEXEC\r\n";
    bool wrap = tx.count > 1;
    struct aof_unit *u = tx.cmds.oom ? NULL
                                     : unit_new(tx.db_first, tx.db_cur, tx.ranges, tx.nranges,
                                                multi, wrap ? sizeof(multi) - 1 : 0, &tx.cmds, exec,
                                                wrap ? sizeof(exec) - 1 : 0);
    tx.count = 0;
    /* Nothing is kept per thread between transactions (a pool worker's
     * thread-local buffers would never be freed). */
    aof_buf_free(&tx.cmds);
    mem_free(tx.ranges);
    tx.ranges = NULL;
    tx.nranges = tx.cap = 0;
    if (!u) {
        aof__drop_claim(a, claim);
        record_lost(a);
        return;
    }
    u->unordered = tx.unordered;
    submit(a, u, claim);
}

/* ---- group commit ---- */

bool aof_must_wait(struct server *s, uint64_t ticket)
{
    struct aof *a = s->aof;
    if (!a || ticket == 0)
        return false;
    return atomic_load_explicit(&a->synced, memory_order_acquire) < ticket;
}

uint64_t aof_visible_ticket(struct server *s)
{
    struct aof *a = s->aof;
    if (!accepting(a))
        return 0;
    /* Acquire: pairs with the claim's release (net/aof_claim.c). */
    uint64_t issued = atomic_load_explicit(&a->next_ticket, memory_order_acquire);
    return atomic_load_explicit(&a->synced, memory_order_acquire) < issued ? issued : 0;
}

bool aof_waiter_add(struct server *s, struct aof_waiter *w, struct task *t, uint64_t ticket)
{
    struct aof *a = s->aof;
    pthread_mutex_lock(&a->mu);
    bool wait = atomic_load_explicit(&a->synced, memory_order_relaxed) < ticket;
    if (wait) {
        w->task = t;
        w->ticket = ticket;
        atomic_store_explicit(&w->done, false, memory_order_relaxed);
        w->prev = NULL;
        w->next = a->waiters;
        if (a->waiters)
            a->waiters->prev = w;
        a->waiters = w;
        w->linked = true;
        /* Under everysec, the rounds that would cover it may have ended
         * (net/aof_writer.c): the thread goes round. */
        if (!a->round_busy)
            aof__wake_writer(a);
    }
    pthread_mutex_unlock(&a->mu);
    return wait;
}

void aof_waiter_remove(struct server *s, struct aof_waiter *w)
{
    struct aof *a = s->aof;
    pthread_mutex_lock(&a->mu);
    if (w->linked) {
        if (w->prev)
            w->prev->next = w->next;
        else
            a->waiters = w->next;
        if (w->next)
            w->next->prev = w->prev;
        w->linked = false;
    }
    pthread_mutex_unlock(&a->mu);
}

/* ---- status ---- */

bool aof_refuses_writes(struct server *s, char *buf, size_t size)
{
    struct aof *a = s->aof;
    int err = a ? atomic_load_explicit(&a->last_write_errno, memory_order_relaxed) : 0;
    if (!err)
        return false;
    snprintf(buf, size, "MISCONF Errors writing to the AOF file: %s", strerror(err));
    return true;
}

void aof_rewrite_schedule(struct server *s)
{
    if (s->aof)
        atomic_store_explicit(&s->aof->rewrite_scheduled, true, memory_order_relaxed);
}

bool aof_rewrite_running(struct server *s)
{
    return s->aof && atomic_load_explicit(&s->aof->rewrite_running, memory_order_relaxed);
}

void aof_info(struct server *s, struct text *t)
{
    struct aof *a = s->aof;
    int state = a ? atomic_load_explicit(&a->state, memory_order_relaxed) : AOF_OFF;
    bool running = aof_rewrite_running(s);
    long long started = a ? atomic_load_explicit(&a->rewrite_started_ms, memory_order_relaxed) : 0;
    text_printf(
        t,
        "aof_enabled:%d\r\naof_rewrite_in_progress:%d\r\naof_rewrite_scheduled:%d\r\n"
        "aof_last_rewrite_time_sec:%lld\r\naof_current_rewrite_time_sec:%lld\r\n"
        "aof_last_bgrewrite_status:%s\r\naof_rewrites:%lld\r\n"
        "aof_rewrites_consecutive_failures:%lld\r\naof_last_write_status:%s\r\n"
        "aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        state != AOF_OFF, running,
        a ? atomic_load_explicit(&a->rewrite_scheduled, memory_order_relaxed) : 0,
        a ? atomic_load_explicit(&a->last_rewrite_secs, memory_order_relaxed) : -1,
        running ? (long long)(clock_mono_ms() - (uint64_t)started) / 1000 : -1,
        !a || atomic_load_explicit(&a->last_rewrite_ok, memory_order_relaxed) ? "ok" : "err",
        a ? atomic_load_explicit(&a->rewrites, memory_order_relaxed) : 0,
        a ? atomic_load_explicit(&a->rewrite_failures, memory_order_relaxed) : 0,
        a && atomic_load_explicit(&a->last_write_errno, memory_order_relaxed) ? "err" : "ok");
    if (state == AOF_OFF)
        return;
    pthread_mutex_lock(&a->mu);
    size_t buffered = a->cur.pending.len + a->old.pending.len;
    pthread_mutex_unlock(&a->mu);
    text_printf(t,
                "aof_current_size:%lld\r\naof_base_size:%lld\r\naof_pending_rewrite:0\r\n"
                "aof_buffer_length:%zu\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:%lu\r\n",
                atomic_load_explicit(&a->current_size, memory_order_relaxed),
                atomic_load_explicit(&a->base_size, memory_order_relaxed), buffered,
                atomic_load_explicit(&a->delayed_fsync, memory_order_relaxed));
}

/* ---- life cycle ---- */

static struct aof *aof_new(struct server *s)
{
    struct aof *a = mem_calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->server = s;
    a->nshards = (uint32_t)keyspace_shards(s->ks) * (uint32_t)keyspace_databases(s->ks);
    a->applied = mem_calloc(a->nshards, sizeof(*a->applied));
    if (!a->applied) {
        mem_free(a);
        return NULL;
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->wake, NULL);
    a->cur.fd = a->old.fd = -1;
    a->cur.db = a->old.db = -1;
    atomic_init(&a->state, AOF_OFF);
    atomic_init(&a->last_rewrite_ok, 1);
    atomic_init(&a->last_rewrite_secs, -1);
    aof__resolve_dir(a);
    config_string(s->config, CONFIG_APPENDFILENAME, a->filename, sizeof(a->filename));
    aof_config_policy(a);
    return a;
}

void aof_config_policy(struct aof *a)
{
    struct config *c = a->server->config;
    atomic_store_explicit(&a->fsync_policy, (int)config_number(c, CONFIG_APPENDFSYNC),
                          memory_order_relaxed);
    atomic_store_explicit(&a->no_fsync_on_rewrite,
                          config_number(c, CONFIG_NO_APPENDFSYNC_ON_REWRITE) != 0,
                          memory_order_relaxed);
    pthread_mutex_lock(&a->mu);
    pthread_cond_broadcast(&a->wake); /* waiters under always may go now */
    pthread_mutex_unlock(&a->mu);
}

int aof_start(struct server *s, char *err, size_t errlen)
{
    struct aof *a = aof_new(s);
    if (!a) {
        snprintf(err, errlen, "Out of memory starting the AOF");
        return -1;
    }
    s->aof = a;
    /* First among the key observers: a notification or an invalidation
     * another observer sends must find the change's ticket given out. */
    if (keyspace_observe_commands(s->ks, on_record, a) != 0 ||
        keyspace_observe_keys_first(s->ks, on_key_event, a) != 0) {
        snprintf(err, errlen, "The AOF found no free observer slot (KEYSPACE_MAX_OBSERVERS)");
        return -1;
    }
    if (aof__writer_start(a) != 0) {
        snprintf(err, errlen, "Starting the AOF thread: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int aof_load_at_start(struct server *s, char *err, size_t errlen)
{
    if (!config_number(s->config, CONFIG_APPENDONLY))
        return 0;
    return aof__open_at_start(s->aof, err, errlen);
}

void aof_stop(struct server *s)
{
    struct aof *a = s->aof;
    if (!a)
        return;
    aof__rewrite_join(a);
    aof__writer_stop(a); /* writes and fsyncs what is queued */
    for (struct aof_unit *u = a->wait_head, *next; u; u = next) {
        next = u->next;
        aof__unit_free(u);
    }
    for (struct aof_unit *u = a->in_head, *next; u; u = next) {
        next = u->next;
        aof__unit_free(u);
    }
    if (a->cur.fd >= 0)
        close(a->cur.fd);
    if (a->old.fd >= 0)
        close(a->old.fd);
    aof_buf_free(&a->cur.pending);
    aof_buf_free(&a->old.pending);
    aof_manifest_free(&a->manifest);
    mem_free(a->applied);
    mem_free(a->cut);
    mem_free(a->claims);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->wake);
    mem_free(a);
    s->aof = NULL;
}

void aof_config_changed(struct server *s)
{
    struct aof *a = s->aof;
    if (!a)
        return;
    aof_config_policy(a);
    bool want = config_number(s->config, CONFIG_APPENDONLY) != 0;
    int state = atomic_load_explicit(&a->state, memory_order_relaxed);
    if (want && state == AOF_OFF)
        aof_rewrite_start(s); /* turns the log on once its base exists */
    else if (!want && state != AOF_OFF)
        aof__turn_off(a);
}

void aof_cron(struct server *s)
{
    struct aof *a = s->aof;
    /* A BGSAVE and a rewrite do not start beside each other, as Redis's
     * children (they would only take turns at the snapshot). */
    if (!a || aof_rewrite_running(s) || persist_bgsave_running(s))
        return;
    if (atomic_load_explicit(&a->rewrite_scheduled, memory_order_relaxed)) {
        aof_rewrite_start(s);
        return;
    }
    if (atomic_load_explicit(&a->state, memory_order_relaxed) != AOF_ON)
        return;
    long long pct = config_number(s->config, CONFIG_AUTO_AOF_REWRITE_PERCENTAGE);
    long long min = config_number(s->config, CONFIG_AUTO_AOF_REWRITE_MIN_SIZE);
    long long size = atomic_load_explicit(&a->current_size, memory_order_relaxed);
    long long base = atomic_load_explicit(&a->base_size, memory_order_relaxed);
    if (pct <= 0 || size < min)
        return;
    long long growth = (size * 100 / (base ? base : 1)) - 100;
    if (growth >= pct) {
        log_notice("Starting automatic rewriting of AOF on %lld%% growth", growth);
        aof_rewrite_start(s);
    }
}
