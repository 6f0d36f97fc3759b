/*
 * The latency monitor (net/latency.h): a small table of event series under
 * one lock, and the reports Redis builds from them.
 */
#include "net/latency.h"
#include "net/text.h"

#include "core/alloc.h"
#include "core/lock.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct latency_sample {
    int64_t time; /* unix seconds; 0: empty */
    uint32_t latency;
};

struct latency_series {
    char event[LATENCY_EVENT_MAX];
    int idx; /* where the next sample goes */
    uint32_t max;
    struct latency_sample samples[LATENCY_TS_LEN];
};

/* The lock guards everything after it. */
struct latency_monitor {
    struct lock lock;
    int count;
    struct latency_series series[LATENCY_MAX_EVENTS];
};

struct latency_monitor *latency_monitor_new(void)
{
    struct latency_monitor *m = mem_calloc(1, sizeof(*m));
    /* Ranked with the slow log's lock: both take nothing while held and
     * are never held together. */
    if (m)
        lock_init(&m->lock, LOCK_CLASS_SLOWLOG, 1);
    return m;
}

void latency_monitor_free(struct latency_monitor *m)
{
    if (!m)
        return;
    lock_destroy(&m->lock);
    mem_free(m);
}

static struct latency_series *do_find(struct latency_monitor *m, const char *event)
{
    for (int i = 0; i < m->count; i++)
        if (strcmp(m->series[i].event, event) == 0)
            return &m->series[i];
    return NULL;
}

void latency_add_sample(struct latency_monitor *m, const char *event, uint32_t ms, int64_t now)
{
    LOCK_GUARD (&m->lock) {
        struct latency_series *ts = do_find(m, event);
        if (!ts && m->count < LATENCY_MAX_EVENTS) {
            ts = &m->series[m->count++];
            memset(ts, 0, sizeof(*ts));
            snprintf(ts->event, sizeof(ts->event), "%s", event);
        }
        if (!ts)
            break;
        if (ms > ts->max)
            ts->max = ms;
        /* One sample per second: the worst of it. */
        int prev = (ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
        if (ts->samples[prev].time == now) {
            if (ms > ts->samples[prev].latency)
                ts->samples[prev].latency = ms;
            break;
        }
        ts->samples[ts->idx] = (struct latency_sample){now, ms};
        ts->idx = (ts->idx + 1) % LATENCY_TS_LEN;
    }
}

int latency_reset(struct latency_monitor *m, const char *event)
{
    int resets = 0;
    LOCK_GUARD (&m->lock) {
        for (int i = 0; i < m->count;) {
            if (event && strcasecmp(m->series[i].event, event) != 0) {
                i++;
                continue;
            }
            m->series[i] = m->series[--m->count];
            resets++;
        }
    }
    return resets;
}

void latency_reply_latest(struct latency_monitor *m, struct reply *r)
{
    LOCK_GUARD (&m->lock) {
        reply_array(r, (size_t)m->count);
        for (int i = 0; i < m->count; i++) {
            const struct latency_series *ts = &m->series[i];
            int last = (ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
            reply_array(r, 4);
            reply_bulk_cstr(r, ts->event);
            reply_int(r, ts->samples[last].time);
            reply_int(r, ts->samples[last].latency);
            reply_int(r, ts->max);
        }
    }
}

void latency_reply_history(struct latency_monitor *m, struct reply *r, const char *event)
{
    LOCK_GUARD (&m->lock) {
        const struct latency_series *ts = do_find(m, event);
        int n = 0;
        for (int j = 0; ts && j < LATENCY_TS_LEN; j++)
            n += ts->samples[j].time != 0;
        reply_array(r, (size_t)n);
        for (int j = 0; ts && j < LATENCY_TS_LEN; j++) {
            const struct latency_sample *s = &ts->samples[(ts->idx + j) % LATENCY_TS_LEN];
            if (s->time == 0)
                continue;
            reply_array(r, 2);
            reply_int(r, s->time);
            reply_int(r, s->latency);
        }
    }
}

/*
 * LATENCY GRAPH: Redis's sparkline, 80 columns a block, 4 rows of "_o#"
 * steps (a full step below the top one is '|'), then a blank row and each
 * sample's age ("12s", "3m", "2h", "1d") written downwards under it.
 */
#define GRAPH_COLUMNS 80
#define GRAPH_ROWS    4

struct graph_point {
    double value;
    char label[24];
};

static void render_block(struct text *t, const struct graph_point *p, int len, double min,
                         double max)
{
    static const char fill[] = "_o#";
    const int charset_len = 3, steps = charset_len * GRAPH_ROWS;
    double relmax = max - min == 0 ? 1 : max - min;
    char row_chars[GRAPH_COLUMNS + 1];
    for (int row = 0;; row++) {
        bool any = false;
        memset(row_chars, ' ', (size_t)len);
        for (int j = 0; j < len; j++) {
            int step = (int)((p[j].value - min) * steps) / relmax;
            step = step < 0 ? 0 : step >= steps ? steps - 1 : step;
            if (row < GRAPH_ROWS) {
                int idx = step - (GRAPH_ROWS - row - 1) * charset_len;
                any = true;
                if (idx >= 0 && idx < charset_len)
                    row_chars[j] = fill[idx];
                else if (idx >= charset_len)
                    row_chars[j] = '|';
            } else if (row == GRAPH_ROWS) {
                any = true; /* the blank row above the labels */
                break;
            } else {
                size_t at = (size_t)(row - GRAPH_ROWS - 1);
                if (strlen(p[j].label) > at) {
                    any = true;
                    row_chars[j] = p[j].label[at];
                }
            }
        }
        if (!any)
            return;
        row_chars[len] = '\0';
        text_printf(t, "%s\n", row_chars);
    }
}

bool latency_reply_graph(struct latency_monitor *m, struct reply *r, const char *event, int64_t now)
{
    struct text t = {0};
    bool found = false;
    LOCK_GUARD (&m->lock) {
        const struct latency_series *ts = do_find(m, event);
        if (!ts)
            break;
        found = true;
        struct graph_point points[LATENCY_TS_LEN];
        int n = 0;
        uint32_t low = 0, high = 0;
        double min = 0, max = 0;
        for (int j = 0; j < LATENCY_TS_LEN; j++) {
            const struct latency_sample *s = &ts->samples[(ts->idx + j) % LATENCY_TS_LEN];
            if (s->time == 0)
                continue;
            if (n == 0) {
                low = high = s->latency;
                min = max = s->latency;
            } else {
                high = s->latency > high ? s->latency : high;
                low = s->latency < low ? s->latency : low;
                /* As Redis's sparkline: a new minimum is not also checked
                 * against the maximum. */
                if (s->latency < min)
                    min = s->latency;
                else if (s->latency > max)
                    max = s->latency;
            }
            long long ago = now - s->time;
            struct graph_point *p = &points[n++];
            p->value = s->latency;
            if (ago < 60)
                snprintf(p->label, sizeof(p->label), "%llds", ago);
            else if (ago < 3600)
                snprintf(p->label, sizeof(p->label), "%lldm", ago / 60);
            else if (ago < 86400)
                snprintf(p->label, sizeof(p->label), "%lldh", ago / 3600);
            else
                snprintf(p->label, sizeof(p->label), "%lldd", ago / 86400);
        }
        text_printf(&t, "%s - high %lu ms, low %lu ms (all time high %lu ms)\n", ts->event,
                    (unsigned long)high, (unsigned long)low, (unsigned long)ts->max);
        for (int j = 0; j < GRAPH_COLUMNS; j++)
            text_printf(&t, "-");
        text_printf(&t, "\n");
        for (int j = 0; j < n; j += GRAPH_COLUMNS) {
            if (j != 0)
                text_printf(&t, "\n");
            render_block(&t, points + j, n - j < GRAPH_COLUMNS ? n - j : GRAPH_COLUMNS, min, max);
        }
    }
    if (found) {
        if (t.oom)
            reply_error(r, "ERR out of memory");
        else
            reply_verbatim(r, "txt", t.buf ? t.buf : "", t.len);
    }
    text_free(&t);
    return found;
}

/* ---- LATENCY DOCTOR ---- */

struct event_stats {
    uint32_t samples;
    uint64_t avg, mad;
    int64_t period;
};

static struct event_stats analyze(const struct latency_series *ts, int64_t now)
{
    struct event_stats st = {0};
    uint64_t sum = 0;
    int64_t oldest = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        if (ts->samples[j].time == 0)
            continue;
        st.samples++;
        sum += ts->samples[j].latency;
        if (oldest == 0 || ts->samples[j].time < oldest)
            oldest = ts->samples[j].time;
    }
    if (!st.samples)
        return st;
    st.avg = sum / st.samples;
    st.period = now - oldest;
    if (st.period == 0)
        st.period = 1;
    sum = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        if (ts->samples[j].time == 0)
            continue;
        int64_t delta = (int64_t)st.avg - ts->samples[j].latency;
        sum += (uint64_t)(delta < 0 ? -delta : delta);
    }
    st.mad = sum / st.samples;
    return st;
}

/* The advice Redis gives for the events Magpie records. */
enum advice {
    ADVISE_SLOWLOG_ENABLED = 1 << 0,
    ADVISE_SLOWLOG_TUNING = 1 << 1,
    ADVISE_SLOWLOG_INSPECT = 1 << 2,
    ADVISE_SCHEDULER = 1 << 3,
    ADVISE_HZ = 1 << 4,
    ADVISE_LARGE_OBJECTS = 1 << 5,
    ADVISE_DISABLE_THP = 1 << 6,
};

static void write_advice(struct text *t, unsigned advice, const struct latency_doctor_input *in)
{
    text_printf(t, "\nI have a few advices for you:\n\n");
    if (advice & ADVISE_SLOWLOG_ENABLED)
        text_printf(t,
                    "- There are latency issues with potentially slow commands you are using. Try "
                    "to enable the Slow Log Redis feature using the command 'CONFIG SET "
                    "slowlog-log-slower-than %llu'. If the Slow log is disabled Redis is not able "
                    "to log slow commands execution for you.\n",
                    (unsigned long long)in->threshold_ms * 1000);
    if (advice & ADVISE_SLOWLOG_TUNING)
        text_printf(t,
                    "- Your current Slow Log configuration only logs events that are slower than "
                    "your configured latency monitor threshold. Please use 'CONFIG SET "
                    "slowlog-log-slower-than %llu'.\n",
                    (unsigned long long)in->threshold_ms * 1000);
    if (advice & ADVISE_SLOWLOG_INSPECT)
        text_printf(t, "- Check your Slow Log to understand what are the commands you are running "
                       "which are too slow to execute. Please check "
                       "https://redis.io/commands/slowlog for more information.\n");
    if (advice & ADVISE_SCHEDULER)
        text_printf(t, "- The system is slow to execute Redis code paths not containing system "
                       "calls. This usually means the system does not provide Redis CPU time to "
                       "run for long periods. You should try to:\n"
                       "  1) Lower the system load.\n"
                       "  2) Use a computer / VM just for Redis if you are running other software "
                       "in the same system.\n"
                       "  3) Check if you have a \"noisy neighbour\" problem.\n"
                       "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic "
                       "latency in your system.\n"
                       "  5) Check if the problem is allocator-related by recompiling Redis with "
                       "MALLOC=libc, if you are using Jemalloc. However this may create "
                       "fragmentation problems.\n");
    if ((advice & ADVISE_HZ) && in->hz < 100)
        text_printf(t, "- In order to make the Redis keys expiring process more incremental, try "
                       "to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz "
                       "100'.\n");
    if (advice & ADVISE_LARGE_OBJECTS)
        text_printf(t, "- Deleting, expiring or evicting (because of maxmemory policy) large "
                       "objects is a blocking operation. If you have very large objects that are "
                       "often deleted, expired, or evicted, try to fragment those objects into "
                       "multiple smaller objects.\n");
    if (advice & ADVISE_DISABLE_THP)
        text_printf(t,
                    "- I detected a non zero amount of anonymous huge pages used by your process. "
                    "This creates very serious latency events in different conditions, especially "
                    "when Redis is persisting on disk. To disable THP support use the command "
                    "'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also "
                    "add it into /etc/rc.local so that the command will be executed again after a "
                    "reboot. Note that even if you have already disabled THP, you still need to "
                    "restart the Redis process to get rid of the huge pages already created.\n");
}

void latency_reply_doctor(struct latency_monitor *m, struct reply *r,
                          const struct latency_doctor_input *in)
{
    struct text t = {0};
    LOCK_GUARD (&m->lock) {
        if (m->count == 0 && in->threshold_ms == 0) {
            text_printf(&t, "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in "
                            "this Redis instance. You may use \"CONFIG SET "
                            "latency-monitor-threshold <milliseconds>.\" in order to enable it. If "
                            "we weren't in a deep space mission I'd suggest to take a look at "
                            "https://redis.io/topics/latency-monitor.\n");
            break;
        }
        unsigned advice = 0;
        int advices = 0;
        for (int i = 0; i < m->count; i++) {
            const struct latency_series *ts = &m->series[i];
            struct event_stats st = analyze(ts, in->now);
            if (i == 0)
                text_printf(&t, "Dave, I have observed latency spikes in this Redis instance. "
                                "You don't mind talking about it, do you Dave?\n\n");
            text_printf(&t,
                        "%d. %s: %u latency spikes (average %lums, mean deviation %lums, period "
                        "%.2f sec). Worst all time event %lums.",
                        i + 1, ts->event, st.samples, (unsigned long)st.avg, (unsigned long)st.mad,
                        st.samples ? (double)st.period / st.samples : 0.0, (unsigned long)ts->max);
            if (strcasecmp(ts->event, "command") == 0) {
                if (in->slowlog_slower_than_us < 0)
                    advice |= ADVISE_SLOWLOG_ENABLED;
                else if (in->slowlog_slower_than_us / 1000 > in->threshold_ms)
                    advice |= ADVISE_SLOWLOG_TUNING;
                advices += in->slowlog_slower_than_us < 0 ||
                           in->slowlog_slower_than_us / 1000 > in->threshold_ms;
                advice |= ADVISE_SLOWLOG_INSPECT | ADVISE_LARGE_OBJECTS;
                advices += 2;
            } else if (strcasecmp(ts->event, "fast-command") == 0) {
                advice |= ADVISE_SCHEDULER;
                advices++;
            } else if (strcasecmp(ts->event, "expire-cycle") == 0) {
                advice |= ADVISE_HZ | ADVISE_LARGE_OBJECTS;
                advices += 2;
            }
            text_printf(&t, "\n");
        }
        if (in->huge_pages) {
            advice |= ADVISE_DISABLE_THP;
            advices++;
        }
        if (m->count == 0 && advices == 0)
            text_printf(&t, "Dave, no latency spike was observed during the lifetime of this Redis "
                            "instance, not in the slightest bit. I honestly think you ought to sit "
                            "down calmly, take a stress pill, and think things over.\n");
        else if (m->count > 0 && advices == 0)
            text_printf(&t, "\nWhile there are latency events logged, I'm not able to suggest any "
                            "easy fix. Please use the Redis community to get some help, providing "
                            "this report in your help request.\n");
        else
            write_advice(&t, advice, in);
    }
    if (t.oom)
        reply_error(r, "ERR out of memory");
    else
        reply_verbatim(r, "txt", t.buf ? t.buf : "", t.len);
    text_free(&t);
}
