/*
 * verify_check(): the anomaly counts of a --verify run, from the clients'
 * logs. See verify.h for what is checked and why each rule is sound. Every
 * rule runs per key over sorted copies of the events, so memory stays a
 * small multiple of the logs and nothing is indexed by key except the
 * counters' final values.
 */
#include "tools/stress/verify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Per-read verdicts, parallel to each log's gets. */
enum { READ_OK = 0, READ_BAD = 1, READ_STALE = 2 };

struct checker {
    const struct verify_log *logs;
    size_t log_count;
    uint64_t **observed;     /* [writer][seq - 1]: when the write was known done */
    unsigned char **verdict; /* [client][get index] */
};

/* A write that became known: the global rule's "past". */
struct known_write {
    uint64_t key;
    uint64_t at; /* observed */
    uint64_t send_ns;
    uint32_t writer;
    uint64_t seq;
};

struct read_ref {
    uint64_t key;
    uint64_t send_ns;
    uint32_t client;
    size_t index;
};

/* A session event of one client: its own SET or GET, in connection order. */
struct session_event {
    uint64_t key;
    uint64_t order;
    size_t index;
    bool is_set;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_known(const void *pa, const void *pb)
{
    const struct known_write *a = pa, *b = pb;
    int c = cmp_u64(a->key, b->key);
    return c ? c : cmp_u64(a->at, b->at);
}

static int cmp_read(const void *pa, const void *pb)
{
    const struct read_ref *a = pa, *b = pb;
    int c = cmp_u64(a->key, b->key);
    return c ? c : cmp_u64(a->send_ns, b->send_ns);
}

static int cmp_session(const void *pa, const void *pb)
{
    const struct session_event *a = pa, *b = pb;
    int c = cmp_u64(a->key, b->key);
    return c ? c : cmp_u64(a->order, b->order);
}

static int cmp_incr(const void *pa, const void *pb)
{
    const struct verify_incr *a = pa, *b = pb;
    int c = cmp_u64(a->key, b->key);
    if (c)
        return c;
    if (a->acked != b->acked)
        return a->acked ? -1 : 1;
    return a->result < b->result ? -1 : a->result > b->result;
}

static const struct verify_set *write_of(const struct checker *c, uint32_t writer, uint64_t seq)
{
    return &c->logs[writer].sets[seq - 1];
}

/*
 * Is write a known to have taken effect before write b? Same writer: its
 * connection executes in order. Otherwise: a was observed before b was sent.
 */
static bool precedes(const struct checker *c, uint32_t a_writer, uint64_t a_seq, uint32_t b_writer,
                     uint64_t b_seq)
{
    if (a_writer == b_writer)
        return a_seq < b_seq;
    return c->observed[a_writer][a_seq - 1] < write_of(c, b_writer, b_seq)->send_ns;
}

/* Pass 1: reads of values never written are bad; the others make their
 * write observed at the latest when the read's reply arrived. */
static void check_values_exist(struct checker *c)
{
    for (size_t i = 0; i < c->log_count; i++) {
        const struct verify_log *log = &c->logs[i];
        for (size_t j = 0; j < log->get_count; j++) {
            const struct verify_get *g = &log->gets[j];
            if (g->kind == VERIFY_READ_NIL)
                continue;
            bool exists = g->kind == VERIFY_READ_VALUE && g->writer < c->log_count && g->seq >= 1 &&
                          g->seq <= c->logs[g->writer].set_count &&
                          write_of(c, g->writer, g->seq)->key == g->key &&
                          write_of(c, g->writer, g->seq)->send_ns <= g->recv_ns;
            if (!exists) {
                c->verdict[i][j] = READ_BAD;
                continue;
            }
            uint64_t *seen = &c->observed[g->writer][g->seq - 1];
            if (g->recv_ns < *seen)
                *seen = g->recv_ns;
        }
    }
}

static size_t total_sets(const struct checker *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->log_count; i++)
        n += c->logs[i].set_count;
    return n;
}

static size_t total_gets(const struct checker *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->log_count; i++)
        n += c->logs[i].get_count;
    return n;
}

/*
 * Pass 2, the global rule. Per key, sweep the reads in send order while
 * folding in every write observed strictly before the read was sent:
 * latest_send is the latest send time among them, max_seq[w] the highest
 * sequence of writer w among them (valid while generation[w] == key_gen).
 */
static int check_against_past(struct checker *c)
{
    size_t nsets = total_sets(c), ngets = total_gets(c), nk = 0, nr = 0;
    struct known_write *known = malloc((nsets ? nsets : 1) * sizeof(*known));
    struct read_ref *reads = malloc((ngets ? ngets : 1) * sizeof(*reads));
    uint64_t *max_seq = calloc(c->log_count + 1, sizeof(*max_seq));
    uint64_t *generation = calloc(c->log_count + 1, sizeof(*generation));
    int rc = -ENOMEM;
    if (!known || !reads || !max_seq || !generation)
        goto out;
    for (uint32_t w = 0; w < c->log_count; w++)
        for (size_t s = 0; s < c->logs[w].set_count; s++)
            if (c->observed[w][s] != VERIFY_NOT_ACKED)
                known[nk++] = (struct known_write){c->logs[w].sets[s].key, c->observed[w][s],
                                                   c->logs[w].sets[s].send_ns, w, s + 1};
    for (uint32_t i = 0; i < c->log_count; i++)
        for (size_t j = 0; j < c->logs[i].get_count; j++)
            if (c->verdict[i][j] == READ_OK)
                reads[nr++] =
                    (struct read_ref){c->logs[i].gets[j].key, c->logs[i].gets[j].send_ns, i, j};
    qsort(known, nk, sizeof(*known), cmp_known);
    qsort(reads, nr, sizeof(*reads), cmp_read);

    size_t k = 0;
    uint64_t key_gen = 0, current_key = 0, latest_send = 0;
    bool any = false;
    for (size_t r = 0; r < nr; r++) {
        const struct read_ref *ref = &reads[r];
        if (r == 0 || ref->key != current_key) {
            current_key = ref->key;
            key_gen++;
            latest_send = 0;
            any = false;
            while (k < nk && known[k].key < current_key)
                k++;
        }
        for (; k < nk && known[k].key == current_key && known[k].at < ref->send_ns; k++) {
            any = true;
            if (known[k].send_ns > latest_send)
                latest_send = known[k].send_ns;
            uint32_t w = known[k].writer;
            if (generation[w] != key_gen || max_seq[w] < known[k].seq) {
                generation[w] = key_gen;
                max_seq[w] = known[k].seq;
            }
        }
        const struct verify_get *g = &c->logs[ref->client].gets[ref->index];
        bool stale;
        if (g->kind == VERIFY_READ_NIL)
            stale = any;
        else
            stale = latest_send > c->observed[g->writer][g->seq - 1] ||
                    (generation[g->writer] == key_gen && max_seq[g->writer] > g->seq);
        if (stale)
            c->verdict[ref->client][ref->index] = READ_STALE;
    }
    rc = 0;
out:
    free(known);
    free(reads);
    free(max_seq);
    free(generation);
    return rc;
}

/*
 * Pass 3, the session rule: per client and key, in connection order, the
 * latest write the client knows took effect (its own SET, or what its last
 * GET returned) bounds what the next GET may return.
 */
static int check_session(struct checker *c, uint32_t client)
{
    const struct verify_log *log = &c->logs[client];
    size_t n = 0, cap = log->set_count + log->get_count;
    struct session_event *ev = malloc((cap ? cap : 1) * sizeof(*ev));
    if (!ev)
        return -ENOMEM;
    for (size_t s = 0; s < log->set_count; s++)
        ev[n++] = (struct session_event){log->sets[s].key, log->sets[s].order, s, true};
    for (size_t g = 0; g < log->get_count; g++)
        if (c->verdict[client][g] != READ_BAD)
            ev[n++] = (struct session_event){log->gets[g].key, log->gets[g].order, g, false};
    qsort(ev, n, sizeof(*ev), cmp_session);

    uint32_t bound_writer = 0;
    uint64_t bound_seq = 0, current_key = 0; /* bound_seq 0: no bound yet */
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || ev[i].key != current_key) {
            current_key = ev[i].key;
            bound_seq = 0;
        }
        if (ev[i].is_set) {
            bound_writer = client;
            bound_seq = ev[i].index + 1;
            continue;
        }
        const struct verify_get *g = &log->gets[ev[i].index];
        if (g->kind == VERIFY_READ_NIL) {
            if (bound_seq)
                c->verdict[client][ev[i].index] = READ_STALE;
            continue;
        }
        if (bound_seq && precedes(c, g->writer, g->seq, bound_writer, bound_seq)) {
            c->verdict[client][ev[i].index] = READ_STALE;
            continue;
        }
        bound_writer = g->writer;
        bound_seq = g->seq;
    }
    free(ev);
    return 0;
}

/* Per counter: acknowledged INCRs, those in doubt, duplicate results. */
static int check_counters(const struct checker *c, uint64_t keys, const long long *final,
                          struct verify_result *out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->log_count; i++)
        n += c->logs[i].incr_count;
    struct verify_incr *all = malloc((n ? n : 1) * sizeof(*all));
    if (!all)
        return -ENOMEM;
    n = 0;
    for (size_t i = 0; i < c->log_count; i++) {
        if (c->logs[i].incr_count) /* incrs may be NULL when empty */
            memcpy(all + n, c->logs[i].incrs, c->logs[i].incr_count * sizeof(*all));
        n += c->logs[i].incr_count;
    }
    qsort(all, n, sizeof(*all), cmp_incr);
    size_t i = 0;
    for (uint64_t key = 0; key < keys; key++) {
        long long acked = 0, in_doubt = 0, duplicates = 0;
        for (; i < n && all[i].key == key; i++) {
            if (!all[i].acked) {
                in_doubt++;
                continue;
            }
            if (acked && all[i].result == all[i - 1].result)
                duplicates++;
            acked++;
        }
        out->increments_acked += (uint64_t)acked;
        out->increments_in_doubt += (uint64_t)in_doubt;
        if (final[key] == VERIFY_COUNTER_UNKNOWN)
            continue;
        out->counters_checked++;
        long long lost = 0;
        if (final[key] < acked)
            lost = acked - final[key];
        else if (final[key] > acked + in_doubt)
            lost = final[key] - acked - in_doubt; /* increments from nowhere */
        out->lost_updates += (uint64_t)(lost > duplicates ? lost : duplicates);
    }
    free(all);
    return 0;
}

static void free_checker(struct checker *c)
{
    for (size_t i = 0; i < c->log_count; i++) {
        if (c->observed)
            free(c->observed[i]);
        if (c->verdict)
            free(c->verdict[i]);
    }
    free(c->observed);
    free(c->verdict);
}

static int init_checker(struct checker *c, const struct verify_log *logs, size_t log_count)
{
    c->logs = logs;
    c->log_count = log_count;
    c->observed = calloc(log_count + 1, sizeof(*c->observed));
    c->verdict = calloc(log_count + 1, sizeof(*c->verdict));
    if (!c->observed || !c->verdict)
        return -ENOMEM;
    for (size_t i = 0; i < log_count; i++) {
        const struct verify_log *log = &logs[i];
        c->observed[i] = malloc((log->set_count + 1) * sizeof(uint64_t));
        c->verdict[i] = calloc(log->get_count + 1, 1);
        if (!c->observed[i] || !c->verdict[i])
            return -ENOMEM;
        for (size_t s = 0; s < log->set_count; s++)
            c->observed[i][s] = log->sets[s].ack_ns;
    }
    return 0;
}

int verify_check(const struct verify_log *logs, size_t log_count, uint64_t keys,
                 const long long *final_counters, struct verify_result *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < log_count; i++) {
        if (logs[i].client != i || logs[i].oom)
            return -EINVAL;
        out->protocol_errors += logs[i].protocol_errors;
        for (size_t s = 0; s < logs[i].set_count; s++)
            out->writes_acked += logs[i].sets[s].ack_ns != VERIFY_NOT_ACKED;
    }
    struct checker c = {0};
    int rc = init_checker(&c, logs, log_count);
    if (rc == 0) {
        check_values_exist(&c);
        rc = check_against_past(&c);
    }
    for (uint32_t i = 0; rc == 0 && i < log_count; i++)
        rc = check_session(&c, i);
    if (rc == 0 && final_counters)
        rc = check_counters(&c, keys, final_counters, out);
    for (size_t i = 0; rc == 0 && i < log_count; i++) {
        for (size_t j = 0; j < logs[i].get_count; j++) {
            out->reads_checked++;
            out->stale_reads += c.verdict[i][j] != READ_OK;
            out->bad_values += c.verdict[i][j] == READ_BAD;
        }
    }
    free_checker(&c);
    return rc;
}
