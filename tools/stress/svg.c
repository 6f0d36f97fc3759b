#include "tools/stress/svg.h"

#include "tools/stress/report.h"
#include "tools/stress/svg_plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};
static const char *const dashes[] = {NULL, "7 4", "2 3", "10 3 2 3"};

static int finish(FILE *f)
{
    plot_end_document(f);
    bool failed = ferror(f);
    if (fclose(f) != 0 || failed)
        return -EIO;
    return 0;
}

int svg_network(const char *path, const struct stress_options *o, const struct network_result *r)
{
    size_t n = r->series_count;
    double *t = calloc(n + 1, sizeof(double)), *ops = calloc(n + 1, sizeof(double));
    double *p50 = calloc(n + 1, sizeof(double)), *p99 = calloc(n + 1, sizeof(double));
    FILE *f = (t && ops && p50 && p99) ? fopen(path, "w") : NULL;
    int rc = -errno;
    if (!f)
        goto out;
    double ops_max = 0, lat_max = 0, t_max = 1;
    for (size_t i = 0; i < n; i++) {
        const struct stress_second *s = &r->series[i];
        t[i] = s->t_s;
        ops[i] = s->dt_s > 0 ? (double)s->ops / s->dt_s : 0;
        p50[i] = (double)s->p50_ns;
        p99[i] = (double)s->p99_ns;
        ops_max = ops[i] > ops_max ? ops[i] : ops_max;
        lat_max = p99[i] > lat_max ? p99[i] : lat_max;
        t_max = t[i] > t_max ? t[i] : t_max;
    }
    /* Latency in the unit that keeps the axis numbers short. */
    double unit = lat_max >= 1e6 ? 1e6 : 1e3;
    for (size_t i = 0; i < n; i++) {
        p50[i] /= unit;
        p99[i] /= unit;
    }
    double step;
    char title[300], describe[512], command[1024];
    report_describe(describe, sizeof(describe), o);
    report_command_line(command, sizeof(command), o);
    plot_begin_document(f, 960, 660, command);
    snprintf(title, sizeof(title), "%s: throughput and latency over time",
             o->label ? o->label : "magpie-stress");
    plot_text(f, 480, 30, 18, "middle", "bold", title);
    plot_text(f, 480, 52, 12, "middle", NULL, describe);

    struct plot top = {f,          100,     80,    640,
                       220,        0,       t_max, plot_nice_max(ops_max * 1.05, &step),
                       "time (s)", "ops/s", NULL,  0};
    plot_axes(&top);
    struct plot_line ops_line = {"ops/s", t, ops, n, palette[0], NULL};
    plot_line(&top, &ops_line);
    plot_legend(f, 760, 80, &ops_line, 1);

    struct plot bottom = {f,          100,
                          370,        640,
                          220,        0,
                          t_max,      plot_nice_max(lat_max / unit * 1.05, &step),
                          "time (s)", unit == 1e6 ? "latency (ms)" : "latency (\xc2\xb5s)",
                          NULL,       0};
    plot_axes(&bottom);
    struct plot_line lat_lines[2] = {{"p99 latency", t, p99, n, palette[1], NULL},
                                     {"p50 latency", t, p50, n, palette[2], "7 4"}};
    plot_line(&bottom, &lat_lines[1]);
    plot_line(&bottom, &lat_lines[0]);
    plot_legend(f, 760, 370, lat_lines, 2);

    char summary[200], p99_text[32];
    report_format_ns(p99_text, sizeof(p99_text), hist_percentile(r->latency, 99));
    snprintf(summary, sizeof(summary), "overall: %.0f ops/s, p99 %s, %llu error replies",
             r->elapsed_s > 0 ? (double)r->ops / r->elapsed_s : 0, p99_text,
             (unsigned long long)r->errors);
    plot_text(f, 480, 645, 12, "middle", NULL, summary);
    rc = finish(f);
out:
    free(t);
    free(ops);
    free(p50);
    free(p99);
    return rc;
}

/* Index of v in list (appending it when new). */
static size_t intern_int(int *list, size_t *n, int v)
{
    for (size_t i = 0; i < *n; i++)
        if (list[i] == v)
            return i;
    list[*n] = v;
    return (*n)++;
}

int svg_sweep(const char *path, const struct stress_options *o, const struct sweep_result *r)
{
    /* Lines are (dist, shards) pairs; x is the thread count, in sweep order. */
    size_t nthreads = (size_t)o->thread_count, nlines = (size_t)(o->shard_count * o->dist_count);
    double *xs = calloc(nlines * nthreads + 1, sizeof(double));
    double *ys = calloc(nlines * nthreads + 1, sizeof(double));
    struct plot_line *lines = calloc(nlines + 1, sizeof(*lines));
    char(*labels)[64] = calloc(nlines + 1, sizeof(*labels));
    char(*categories)[16] = calloc(nthreads + 1, sizeof(*categories));
    const char **category_ptrs = calloc(nthreads + 1, sizeof(*category_ptrs));
    FILE *f = NULL;
    int rc = -ENOMEM;
    if (!xs || !ys || !lines || !labels || !categories || !category_ptrs)
        goto out;
    int thread_values[STRESS_LIST_MAX];
    size_t thread_seen = 0;
    for (size_t i = 0; i < nthreads; i++) {
        intern_int(thread_values, &thread_seen, o->threads[i]);
        snprintf(categories[i], sizeof(categories[i]), "%d", o->threads[i]);
        category_ptrs[i] = categories[i];
    }
    double y_max = 0;
    for (size_t l = 0; l < nlines; l++) {
        int dist = (int)(l / (size_t)o->shard_count), shard = (int)(l % (size_t)o->shard_count);
        char dist_text[48];
        keydist_format(&o->dists[dist], dist_text, sizeof(dist_text));
        snprintf(labels[l], sizeof(labels[l]), "%d shard%s%s%s", o->shards[shard],
                 o->shards[shard] == 1 ? "" : "s", o->dist_count > 1 ? ", " : "",
                 o->dist_count > 1 ? dist_text : "");
        lines[l] = (struct plot_line){labels[l], xs + l * nthreads,  ys + l * nthreads,
                                      0,         palette[shard % 8], dashes[dist % 4]};
        for (size_t i = 0; i < r->count; i++) {
            const struct sweep_point *p = &r->points[i];
            if (p->shards != o->shards[shard] || memcmp(&p->dist, &o->dists[dist], sizeof(p->dist)))
                continue;
            size_t k = lines[l].n++;
            xs[l * nthreads + k] = (double)intern_int(thread_values, &thread_seen, p->threads);
            ys[l * nthreads + k] = p->elapsed_s > 0 ? (double)p->ops / p->elapsed_s : 0;
            y_max = ys[l * nthreads + k] > y_max ? ys[l * nthreads + k] : y_max;
        }
    }
    f = fopen(path, "w");
    if (!f) {
        rc = -errno;
        goto out;
    }
    char describe[512], command[1024], title[300];
    double step;
    report_describe(describe, sizeof(describe), o);
    report_command_line(command, sizeof(command), o);
    plot_begin_document(f, 960, 560, command);
    snprintf(title, sizeof(title), "%s: store throughput by threads and shards",
             o->label ? o->label : "magpie-stress");
    plot_text(f, 480, 30, 18, "middle", "bold", title);
    plot_text(f, 480, 52, 12, "middle", NULL, describe);
    struct plot p = {f,
                     100,
                     80,
                     600,
                     400,
                     -0.5,
                     (double)nthreads - 0.5,
                     plot_nice_max(y_max * 1.05, &step),
                     "threads",
                     "ops/s",
                     category_ptrs,
                     nthreads};
    plot_axes(&p);
    for (size_t l = 0; l < nlines; l++)
        plot_line(&p, &lines[l]);
    plot_legend(f, 730, 80, lines, nlines);
    rc = finish(f);
out:
    free(xs);
    free(ys);
    free(lines);
    free(labels);
    free(categories);
    free(category_ptrs);
    return rc;
}
