#include "tools/stress/report_queue.h"

#include "tools/stress/queue.h"

static double rate(uint64_t count, double seconds)
{
    return seconds > 0 ? (double)count / seconds : 0;
}

void report_queue_describe(char *out, size_t size, const struct stress_options *o)
{
    const struct queue_spec *q = &o->queue;
    snprintf(out, size,
             "%s:%d, queue: %d producers, %d consumers (%s) on %d keys, %d threads, pipeline %d, "
             "item %zu B%s%s",
             o->host, o->port, q->producers, q->consumers, queue_pop_mode_name(q->pop), q->keys,
             o->threads[0], o->pipeline, o->value_size, o->verify ? ", verify" : "",
             q->sabotage ? ", sabotage" : "");
}

void report_queue_text(FILE *f, const struct stress_options *o, const struct network_result *r)
{
    const struct queue_result *q = &r->queue;
    fprintf(f, "\nqueue: %llu items pushed in %.2f s (%.0f/s), %llu popped in %.2f s (%.0f/s)\n",
            (unsigned long long)q->items_pushed, q->push_elapsed_s,
            rate(q->items_pushed, q->push_elapsed_s), (unsigned long long)q->items_popped,
            q->pop_elapsed_s, rate(q->items_popped, q->pop_elapsed_s));
    fprintf(f, "queue: %llu items left for the final drain%s\n",
            (unsigned long long)q->left_after_run,
            q->drain_errors ? ", which failed or left a queue not empty" : "");
    if (o->queue.sabotage && q->sabotaged)
        fprintf(f, "queue: --queue-sabotage deleted queue:0 holding items at %.2f s\n",
                q->sabotage_at_s);
    else if (o->queue.sabotage)
        fprintf(f, "queue: --queue-sabotage never found queue:0 holding items\n");
}

void report_queue_verify_text(FILE *f, const struct network_result *r)
{
    const struct queue_verify_result *v = &r->queue.verify;
    if (r->queue.verified)
        fprintf(f,
                "\nverify: %llu pushes acknowledged (%llu in doubt), %llu items popped (%llu "
                "pops in doubt), %llu never popped\n",
                (unsigned long long)v->pushes_acked, (unsigned long long)v->pushes_in_doubt,
                (unsigned long long)v->pops, (unsigned long long)v->pops_in_doubt,
                (unsigned long long)v->missing);
    fprintf(f,
            "items lost: %llu, duplicated: %llu, never pushed: %llu, out of order: %llu, "
            "protocol errors: %llu\n",
            (unsigned long long)v->items_lost, (unsigned long long)v->items_duplicated,
            (unsigned long long)v->items_unknown, (unsigned long long)v->out_of_order,
            (unsigned long long)network_verify_protocol_errors(r));
}

void report_queue_json_config(struct json *j, const struct stress_options *o)
{
    json_object(j, "queue");
    json_uint(j, "producers", (uint64_t)o->queue.producers);
    json_uint(j, "consumers", (uint64_t)o->queue.consumers);
    json_uint(j, "keys", (uint64_t)o->queue.keys);
    json_string(j, "pop", queue_pop_mode_name(o->queue.pop));
    json_bool(j, "sabotage", o->queue.sabotage);
    json_object_end(j);
}

void report_queue_json_results(struct json *j, const struct network_result *r)
{
    const struct queue_result *q = &r->queue;
    json_object(j, "queue");
    json_uint(j, "items_pushed", q->items_pushed);
    json_double(j, "push_elapsed_s", q->push_elapsed_s);
    json_double(j, "pushes_per_sec", rate(q->items_pushed, q->push_elapsed_s));
    json_uint(j, "items_popped", q->items_popped);
    json_double(j, "pop_elapsed_s", q->pop_elapsed_s);
    json_double(j, "pops_per_sec", rate(q->items_popped, q->pop_elapsed_s));
    json_uint(j, "left_after_run", q->left_after_run);
    json_uint(j, "drain_errors", q->drain_errors);
    json_bool(j, "sabotaged", q->sabotaged);
    json_object_end(j);
}

void report_queue_json_verify(struct json *j, const struct network_result *r)
{
    const struct queue_verify_result *v = &r->queue.verify;
    json_object(j, "verify");
    json_bool(j, "checked", r->queue.verified);
    json_uint(j, "items_lost", v->items_lost);
    json_uint(j, "items_duplicated", v->items_duplicated);
    json_uint(j, "items_never_pushed", v->items_unknown);
    json_uint(j, "out_of_order", v->out_of_order);
    json_uint(j, "protocol_errors", network_verify_protocol_errors(r));
    json_uint(j, "pushes_acked", v->pushes_acked);
    json_uint(j, "pushes_in_doubt", v->pushes_in_doubt);
    json_uint(j, "pops", v->pops);
    json_uint(j, "pops_in_doubt", v->pops_in_doubt);
    json_uint(j, "missing", v->missing);
    json_object_end(j);
}
