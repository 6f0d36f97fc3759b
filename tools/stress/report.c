#include "tools/stress/report.h"

#include "tools/stress/json.h"
#include "tools/stress/report_pubsub.h"
#include "tools/stress/report_queue.h"
#include "tools/stress/report_transfer.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static const struct {
    const char *label; /* table and JSON name */
    double q;
} percentiles[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}, {"p99.99", 99.99}};

void report_format_ns(char *out, size_t size, uint64_t ns)
{
    if (ns < 1000)
        snprintf(out, size, "%llu ns", (unsigned long long)ns);
    else if (ns < 1000000)
        snprintf(out, size, "%.1f us", (double)ns / 1e3);
    else if (ns < 1000000000)
        snprintf(out, size, "%.2f ms", (double)ns / 1e6);
    else
        snprintf(out, size, "%.3f s", (double)ns / 1e9);
}

void report_command_line(char *out, size_t size, const struct stress_options *o)
{
    size_t used = (size_t)snprintf(out, size, "magpie-stress");
    for (int i = 1; i < o->argc && used < size; i++) {
        const char *a = o->argv[i];
        bool quote = a[0] == '\0' || strpbrk(a, " \t'\"$;&|<>()*?") != NULL;
        used += (size_t)snprintf(out + used, size - used, quote ? " '%s'" : " %s", a);
    }
}

void report_describe(char *out, size_t size, const struct stress_options *o)
{
    char mix[96], dist[48];
    op_mix_format(&o->mix, mix, sizeof(mix));
    if (o->inprocess) {
        snprintf(out, size, "in-process, %llu keys, mix %s, value %zu B, %.2f s per point",
                 (unsigned long long)o->keys, mix, o->value_size, (double)o->duration_ns / 1e9);
        return;
    }
    if (o->queue.producers) {
        report_queue_describe(out, size, o);
        return;
    }
    if (o->pubsub.publishers) {
        report_pubsub_describe(out, size, o);
        return;
    }
    if (o->transfer.movers) {
        report_transfer_describe(out, size, o);
        return;
    }
    keydist_format(&o->dists[0], dist, sizeof(dist));
    char load[64];
    if (o->rate > 0)
        snprintf(load, sizeof(load), "open loop at %.0f req/s", o->rate);
    else
        snprintf(load, sizeof(load), "closed loop");
    snprintf(out, size,
             "%s:%d, %d clients on %d threads, pipeline %d, %llu keys %s, mix %s, value %zu B, "
             "%s%s",
             o->host, o->port, o->clients, o->threads[0], o->pipeline, (unsigned long long)o->keys,
             dist, mix, o->value_size, load, o->verify ? ", verify" : "");
}

void report_latency_header(FILE *f, bool named)
{
    if (named)
        fprintf(f, "%-8s", "");
    for (size_t i = 0; i < ARRAY_SIZE(percentiles); i++)
        fprintf(f, " %9s", percentiles[i].label);
    fprintf(f, " %9s %9s\n", "max", "mean");
}

void report_latency_row(FILE *f, const char *name, const struct hist *h)
{
    char a[32];
    if (*name)
        fprintf(f, "%-8s", name);
    for (size_t i = 0; i < ARRAY_SIZE(percentiles); i++) {
        report_format_ns(a, sizeof(a), hist_percentile(h, percentiles[i].q));
        fprintf(f, " %9s", a);
    }
    report_format_ns(a, sizeof(a), hist_max(h));
    fprintf(f, " %9s", a);
    report_format_ns(a, sizeof(a), (uint64_t)hist_mean(h));
    fprintf(f, " %9s\n", a);
}

void report_network_text(FILE *f, const struct stress_options *o, const struct network_result *r)
{
    char line[512];
    report_describe(line, sizeof(line), o);
    fprintf(f, "magpie-stress%s%s%s: %s\n", o->label ? " (" : "", o->label ? o->label : "",
            o->label ? ")" : "", line);
    if (r->interrupted)
        fprintf(f, "(interrupted)\n");
    double secs = r->elapsed_s > 0 ? r->elapsed_s : 1e-9;
    fprintf(f, "\n%-8s %12s %12s\n", "", "requests", "ops/s");
    fprintf(f, "%-8s %12llu %12.0f\n", "total", (unsigned long long)r->ops, (double)r->ops / secs);
    for (int op = 0; op < OP_COUNT; op++)
        if (r->op_counts[op])
            fprintf(f, "%-8s %12llu %12.0f\n", op_name((enum stress_op)op),
                    (unsigned long long)r->op_counts[op], (double)r->op_counts[op] / secs);
    if (r->op_counts[OP_LPOP] || r->op_counts[OP_RPOP] || r->op_counts[OP_BRPOP])
        fprintf(f, "pops that found the list empty (nil, not an error): %llu\n",
                (unsigned long long)r->empty_pops);
    if (o->queue.producers)
        report_queue_text(f, o, r);
    if (o->pubsub.publishers)
        report_pubsub_text(f, o, r);
    if (o->transfer.movers)
        report_transfer_text(f, o, r);
    fprintf(f,
            "\nduration %.2f s, error replies %llu, protocol errors %llu, connections lost "
            "%llu, unanswered %llu\n",
            r->elapsed_s, (unsigned long long)r->errors, (unsigned long long)r->protocol_errors,
            (unsigned long long)r->conn_errors, (unsigned long long)r->unanswered);
    if (r->first_error[0])
        fprintf(f, "first error reply: %s\n", r->first_error);
    fprintf(f, "\nlatency (%s):\n", o->rate > 0 ? "from the intended send time" : "from send");
    report_latency_header(f, false);
    report_latency_row(f, "", r->latency);
    int with_latency = 0;
    for (int op = 0; op < OP_COUNT; op++)
        with_latency += r->op_latency[op] && hist_count(r->op_latency[op]);
    if (with_latency > 1) {
        fprintf(f, "\nlatency by operation:\n");
        report_latency_header(f, true);
        for (int op = 0; op < OP_COUNT; op++)
            if (r->op_latency[op] && hist_count(r->op_latency[op]))
                report_latency_row(f, op_name((enum stress_op)op), r->op_latency[op]);
    }
    if (o->pubsub.publishers)
        report_pubsub_latency_text(f, r);
    if (o->verify && o->queue.producers) {
        report_queue_verify_text(f, r);
    } else if (o->verify && o->pubsub.publishers) {
        report_pubsub_verify_text(f, r);
    } else if (o->verify && o->transfer.movers) {
        report_transfer_verify_text(f, r);
    } else if (o->verify) {
        if (r->verified)
            fprintf(f,
                    "\nverify: %llu reads, %llu acknowledged writes, %llu increments "
                    "(%llu in doubt) on %llu counters checked\n",
                    (unsigned long long)r->verify.reads_checked,
                    (unsigned long long)r->verify.writes_acked,
                    (unsigned long long)r->verify.increments_acked,
                    (unsigned long long)r->verify.increments_in_doubt,
                    (unsigned long long)r->verify.counters_checked);
        if (r->verify.bad_values)
            fprintf(f, "verify: %llu reads returned a value never written to their key\n",
                    (unsigned long long)r->verify.bad_values);
        fprintf(f, "lost updates: %llu, stale reads: %llu, protocol errors: %llu\n",
                (unsigned long long)r->verify.lost_updates,
                (unsigned long long)r->verify.stale_reads,
                (unsigned long long)network_verify_protocol_errors(r));
        if (o->verify_restart_ns && r->verified)
            fprintf(f, "lost acknowledged writes: %llu\n",
                    (unsigned long long)r->lost_acknowledged);
    }
}

static void json_options(struct json *j, const struct stress_options *o)
{
    char buf[128];
    bool mix = !o->queue.producers && !o->pubsub.publishers && !o->transfer.movers;
    json_object(j, "config");
    if (!o->inprocess) {
        json_string(j, "host", o->host);
        json_uint(j, "port", (uint64_t)o->port);
        json_uint(j, "clients", (uint64_t)o->clients);
        json_uint(j, "threads", (uint64_t)o->threads[0]);
        json_uint(j, "pipeline", (uint64_t)o->pipeline);
        json_double(j, "rate", o->rate);
        if (mix)
            json_string(j, "dist", keydist_format(&o->dists[0], buf, sizeof(buf)));
        json_bool(j, "verify", o->verify);
        json_uint(j, "requests", o->requests);
        if (o->queue.producers)
            report_queue_json_config(j, o);
        if (o->pubsub.publishers)
            report_pubsub_json_config(j, o);
        if (o->transfer.movers)
            report_transfer_json_config(j, o);
    }
    json_double(j, "duration_s", (double)o->duration_ns / 1e9);
    if (mix) { /* the queue, pub/sub and transfer workloads have neither */
        json_uint(j, "keys", o->keys);
        json_string(j, "mix", op_mix_format(&o->mix, buf, sizeof(buf)));
    }
    if (!o->transfer.movers) /* balances are integers */
        json_uint(j, "value_size", o->value_size);
    json_uint(j, "seed", o->seed);
    if (o->label)
        json_string(j, "label", o->label);
    char command[1024];
    report_command_line(command, sizeof(command), o);
    json_string(j, "command", command);
    json_object_end(j);
}

void report_json_latency(struct json *j, const char *key, const struct hist *h)
{
    json_object(j, key);
    for (size_t i = 0; i < ARRAY_SIZE(percentiles); i++)
        json_double(j, percentiles[i].label, (double)hist_percentile(h, percentiles[i].q) / 1e3);
    json_double(j, "max", (double)hist_max(h) / 1e3);
    json_double(j, "mean", hist_mean(h) / 1e3);
    json_object_end(j);
}

static FILE *open_report(const char *path)
{
    return strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
}

static int close_report(FILE *f)
{
    if (f == stdout)
        return fflush(f) == 0 ? 0 : -errno;
    bool failed = ferror(f);
    if (fclose(f) != 0 || failed)
        return -EIO;
    return 0;
}

int report_network_json(const char *path, const struct stress_options *o,
                        const struct network_result *r)
{
    FILE *f = open_report(path);
    if (!f)
        return -errno;
    struct json j;
    json_start(&j, f);
    json_string(&j, "mode", "network");
    json_options(&j, o);
    json_object(&j, "results");
    json_double(&j, "elapsed_s", r->elapsed_s);
    json_uint(&j, "requests", r->ops);
    json_double(&j, "ops_per_sec", r->elapsed_s > 0 ? (double)r->ops / r->elapsed_s : 0);
    json_object(&j, "by_op");
    for (int op = 0; op < OP_COUNT; op++)
        if (r->op_counts[op])
            json_uint(&j, op_name((enum stress_op)op), r->op_counts[op]);
    json_object_end(&j);
    json_uint(&j, "error_replies", r->errors);
    json_uint(&j, "protocol_errors", r->protocol_errors);
    json_uint(&j, "connections_lost", r->conn_errors);
    json_uint(&j, "unanswered", r->unanswered);
    json_uint(&j, "empty_pops", r->empty_pops);
    json_bool(&j, "interrupted", r->interrupted);
    report_json_latency(&j, "latency_us", r->latency);
    json_object(&j, "latency_by_op_us");
    for (int op = 0; op < OP_COUNT; op++)
        if (r->op_latency[op] && hist_count(r->op_latency[op]))
            report_json_latency(&j, op_name((enum stress_op)op), r->op_latency[op]);
    json_object_end(&j);
    if (o->queue.producers)
        report_queue_json_results(&j, r);
    if (o->pubsub.publishers)
        report_pubsub_json_results(&j, r);
    if (o->transfer.movers)
        report_transfer_json_results(&j, r);
    json_object_end(&j);
    if (o->verify && o->queue.producers) {
        report_queue_json_verify(&j, r);
    } else if (o->verify && o->pubsub.publishers) {
        report_pubsub_json_verify(&j, r);
    } else if (o->verify && o->transfer.movers) {
        report_transfer_json_verify(&j, r);
    } else if (o->verify) {
        json_object(&j, "verify");
        json_bool(&j, "checked", r->verified);
        json_uint(&j, "lost_updates", r->verify.lost_updates);
        json_uint(&j, "stale_reads", r->verify.stale_reads);
        json_uint(&j, "bad_values", r->verify.bad_values);
        json_uint(&j, "protocol_errors", network_verify_protocol_errors(r));
        json_uint(&j, "reads_checked", r->verify.reads_checked);
        json_uint(&j, "writes_acked", r->verify.writes_acked);
        json_uint(&j, "increments_acked", r->verify.increments_acked);
        json_uint(&j, "increments_in_doubt", r->verify.increments_in_doubt);
        json_uint(&j, "counters_checked", r->verify.counters_checked);
        json_object_end(&j);
    }
    json_array(&j, "series");
    for (size_t i = 0; i < r->series_count; i++) {
        const struct stress_second *s = &r->series[i];
        json_object(&j, NULL);
        json_double(&j, "t_s", s->t_s);
        json_double(&j, "dt_s", s->dt_s);
        json_uint(&j, "requests", s->ops);
        json_double(&j, "ops_per_sec", s->dt_s > 0 ? (double)s->ops / s->dt_s : 0);
        json_uint(&j, "errors", s->errors);
        json_double(&j, "p50_us", (double)s->p50_ns / 1e3);
        json_double(&j, "p99_us", (double)s->p99_ns / 1e3);
        json_double(&j, "max_us", (double)s->max_ns / 1e3);
        json_object_end(&j);
    }
    json_array_end(&j);
    json_finish(&j);
    return close_report(f);
}

void report_sweep_text(FILE *f, const struct stress_options *o, const struct sweep_result *r)
{
    char line[512], dist[48], wait[32], per_wait[32];
    report_describe(line, sizeof(line), o);
    fprintf(f, "magpie-stress%s%s%s: %s\n", o->label ? " (" : "", o->label ? o->label : "",
            o->label ? ")" : "", line);
    if (r->interrupted)
        fprintf(f, "(interrupted)\n");
    fprintf(f, "\n%-10s %6s %7s %12s %14s %11s %9s %11s %10s\n", "dist", "shards", "threads",
            "ops/s", "lock acquired", "contended", "contended", "wait total", "avg wait");
    for (size_t i = 0; i < r->count; i++) {
        const struct sweep_point *p = &r->points[i];
        double secs = p->elapsed_s > 0 ? p->elapsed_s : 1e-9;
        double share = p->locks.acquisitions
                           ? 100.0 * (double)p->locks.contended / (double)p->locks.acquisitions
                           : 0;
        report_format_ns(wait, sizeof(wait), p->locks.wait_ns);
        report_format_ns(per_wait, sizeof(per_wait),
                         p->locks.contended ? p->locks.wait_ns / p->locks.contended : 0);
        fprintf(f, "%-10s %6d %7d %12.0f %14llu %11llu %8.3f%% %11s %10s\n",
                keydist_format(&p->dist, dist, sizeof(dist)), p->shards, p->threads,
                (double)p->ops / secs, (unsigned long long)p->locks.acquisitions,
                (unsigned long long)p->locks.contended, share, wait, per_wait);
    }
    uint64_t errors = 0;
    for (size_t i = 0; i < r->count; i++)
        errors += r->points[i].errors;
    if (errors)
        fprintf(f, "\n%llu operations failed (out of memory?)\n", (unsigned long long)errors);
}

int report_sweep_json(const char *path, const struct stress_options *o,
                      const struct sweep_result *r)
{
    FILE *f = open_report(path);
    if (!f)
        return -errno;
    char dist[48];
    struct json j;
    json_start(&j, f);
    json_string(&j, "mode", "inprocess");
    json_options(&j, o);
    json_bool(&j, "interrupted", r->interrupted);
    json_array(&j, "points");
    for (size_t i = 0; i < r->count; i++) {
        const struct sweep_point *p = &r->points[i];
        json_object(&j, NULL);
        json_string(&j, "dist", keydist_format(&p->dist, dist, sizeof(dist)));
        json_uint(&j, "shards", (uint64_t)p->shards);
        json_uint(&j, "threads", (uint64_t)p->threads);
        json_double(&j, "elapsed_s", p->elapsed_s);
        json_uint(&j, "ops", p->ops);
        json_double(&j, "ops_per_sec", p->elapsed_s > 0 ? (double)p->ops / p->elapsed_s : 0);
        json_uint(&j, "error_replies", p->errors);
        json_uint(&j, "lock_acquisitions", p->locks.acquisitions);
        json_uint(&j, "lock_contended", p->locks.contended);
        json_uint(&j, "lock_wait_ns", p->locks.wait_ns);
        json_object_end(&j);
    }
    json_array_end(&j);
    json_finish(&j);
    return close_report(f);
}
