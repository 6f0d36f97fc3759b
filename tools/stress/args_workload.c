/*
 * The workloads that replace --clients and --mix: --queue P:C, --pubsub P:S
 * and --transfer M:R. Each brings its own options, which mean nothing
 * without it, and refuses the --mix workload's, so a typo does not silently
 * run a different experiment.
 */
#include "tools/stress/args_internal.h"

#include <errno.h>

/* The --mix workload's options, which none of these takes. */
static const enum option_id mix_only[] = {OPT_CLIENTS, OPT_MIX, OPT_DIST, OPT_KEYS, OPT_RATE};

struct workload {
    enum option_id flag; /* --queue, --pubsub, --transfer */
    const enum option_id *own;
    size_t own_count;
    enum option_id sabotage;
};

static const enum option_id queue_own[] = {OPT_QUEUE_POP, OPT_QUEUE_KEYS, OPT_QUEUE_SABOTAGE};
static const enum option_id pubsub_own[] = {OPT_PUBSUB_CHANNELS, OPT_PUBSUB_PATTERNS,
                                            OPT_PUBSUB_SABOTAGE};
static const enum option_id transfer_own[] = {OPT_TRANSFER_ACCOUNTS, OPT_TRANSFER_WATCH,
                                              OPT_TRANSFER_READ, OPT_TRANSFER_SABOTAGE};

static const struct workload workloads[] = {
    {OPT_QUEUE, queue_own, ARRAY_SIZE(queue_own), OPT_QUEUE_SABOTAGE},
    {OPT_PUBSUB, pubsub_own, ARRAY_SIZE(pubsub_own), OPT_PUBSUB_SABOTAGE},
    {OPT_TRANSFER, transfer_own, ARRAY_SIZE(transfer_own), OPT_TRANSFER_SABOTAGE},
};

static const char *name_of(enum option_id id)
{
    return stress_option_table[id].name;
}

/* A workload's options need it; given, it refuses the --mix options, and
 * its sabotage needs --verify. */
static int check_options(struct parse_state *st, const struct workload *w, bool verify)
{
    if (!st->given[w->flag]) {
        for (size_t i = 0; i < w->own_count; i++)
            if (st->given[w->own[i]])
                return stress_args_fail(st, "--%s needs --%s", name_of(w->own[i]),
                                        name_of(w->flag));
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(mix_only); i++)
        if (st->given[mix_only[i]])
            return stress_args_fail(st, "--%s does not apply to --%s", name_of(mix_only[i]),
                                    name_of(w->flag));
    if (st->given[w->sabotage] && !verify)
        return stress_args_fail(st, "--%s is the negative control of --verify: give both",
                                name_of(w->sabotage));
    return 0;
}

/* --pubsub P:S: P + S connections; --requests counts the publishes and
 * --value-size is the message size (at least its header's). */
static int check_pubsub(struct parse_state *st, struct stress_options *o)
{
    struct pubsub_spec *p = &o->pubsub;
    if (p->pattern_subscribers > p->subscribers)
        return stress_args_fail(st, "--pubsub-patterns %d is more than the %d subscribers",
                                p->pattern_subscribers, p->subscribers);
    o->clients = p->publishers + p->subscribers;
    return 0;
}

/* --transfer M:R: M + R connections; --requests counts the moves. */
static int check_transfer(struct parse_state *st, struct stress_options *o)
{
    if (st->given[OPT_VALUE_SIZE])
        return stress_args_fail(st, "--value-size does not apply to --transfer (balances are "
                                    "integers)");
    o->clients = o->transfer.movers + o->transfer.readers;
    return 0;
}

int stress_args_check_workload(struct parse_state *st, struct stress_options *o)
{
    int chosen = 0;
    for (size_t i = 0; i < ARRAY_SIZE(workloads); i++) {
        chosen += st->given[workloads[i].flag];
        if (check_options(st, &workloads[i], o->verify) < 0)
            return -EINVAL;
    }
    if (chosen > 1)
        return stress_args_fail(st, "--queue, --pubsub and --transfer are different workloads: "
                                    "give one");
    if (o->queue.producers)
        o->clients = o->queue.producers + o->queue.consumers;
    if (o->pubsub.publishers)
        return check_pubsub(st, o);
    if (o->transfer.movers)
        return check_transfer(st, o);
    return 0;
}
