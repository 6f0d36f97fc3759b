/*
 * magpie-stress: load and correctness tester for magpie-server (and any
 * Redis-compatible server), and the in-process lock-contention sweep.
 * Everything lives in libstress; this file only dispatches.
 */
#include "tools/stress/args.h"
#include "tools/stress/inprocess.h"
#include "tools/stress/network.h"
#include "tools/stress/report.h"
#include "tools/stress/svg.h"

#include <stdio.h>
#include <string.h>

static int write_outputs(int json_rc, int svg_rc, const struct stress_options *o)
{
    if (json_rc < 0)
        fprintf(stderr, "magpie-stress: cannot write %s: %s\n", o->json_path, strerror(-json_rc));
    if (svg_rc < 0)
        fprintf(stderr, "magpie-stress: cannot write %s: %s\n", o->svg_path, strerror(-svg_rc));
    return json_rc < 0 || svg_rc < 0;
}

/* With --json -, stdout carries the JSON alone and the table goes to stderr. */
static FILE *text_out(const struct stress_options *o)
{
    return o->json_path && strcmp(o->json_path, "-") == 0 ? stderr : stdout;
}

static int run_network(const struct stress_options *o)
{
    struct network_result r;
    char err[256];
    if (network_run(o, &r, err, sizeof(err)) < 0) {
        fprintf(stderr, "magpie-stress: %s\n", err);
        network_result_free(&r);
        return 1;
    }
    report_network_text(text_out(o), o, &r);
    int failed = write_outputs(o->json_path ? report_network_json(o->json_path, o, &r) : 0,
                               o->svg_path ? svg_network(o->svg_path, o, &r) : 0, o);
    /* Across a restart the killed connections are expected: only lost
     * acknowledged writes fail the run. */
    if (o->verify_restart_ns && (!r.verified || r.lost_acknowledged))
        failed = 1;
    else if (o->verify && !o->verify_restart_ns && network_verify_failed(&r))
        failed = 1;
    network_result_free(&r);
    return failed;
}

static int run_inprocess(const struct stress_options *o)
{
    struct sweep_result r;
    char err[256];
    if (inprocess_run(o, &r, err, sizeof(err)) < 0) {
        fprintf(stderr, "magpie-stress: %s\n", err);
        sweep_result_free(&r);
        return 1;
    }
    report_sweep_text(text_out(o), o, &r);
    int failed = write_outputs(o->json_path ? report_sweep_json(o->json_path, o, &r) : 0,
                               o->svg_path ? svg_sweep(o->svg_path, o, &r) : 0, o);
    sweep_result_free(&r);
    return failed;
}

int main(int argc, char **argv)
{
    struct stress_options o;
    char err[256];
    switch (stress_args_parse(argc, argv, &o, err, sizeof(err))) {
    case STRESS_ARGS_HELP:
        stress_args_usage(stdout);
        return 0;
    case STRESS_ARGS_ERROR:
        fprintf(stderr, "magpie-stress: %s\nTry 'magpie-stress --help' for the options.\n", err);
        return STRESS_EXIT_USAGE;
    case STRESS_ARGS_RUN:
        break;
    }
    return o.inprocess ? run_inprocess(&o) : run_network(&o);
}
