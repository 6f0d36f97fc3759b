#include "tools/stress/report_pubsub.h"

#include "tools/stress/report.h"

static double rate(uint64_t count, double seconds)
{
    return seconds > 0 ? (double)count / seconds : 0;
}

void report_pubsub_describe(char *out, size_t size, const struct stress_options *o)
{
    const struct pubsub_spec *p = &o->pubsub;
    char patterns[48] = "";
    if (p->pattern_subscribers)
        snprintf(patterns, sizeof(patterns), " (%d by pattern)", p->pattern_subscribers);
    snprintf(out, size,
             "%s:%d, pubsub: %d publishers, %d subscribers%s on %d channels, %d threads, "
             "pipeline %d, message %zu B%s%s",
             o->host, o->port, p->publishers, p->subscribers, patterns, p->channels, o->threads[0],
             o->pipeline, o->value_size, o->verify ? ", verify" : "",
             p->sabotage ? ", sabotage" : "");
}

void report_pubsub_text(FILE *f, const struct stress_options *o, const struct network_result *r)
{
    const struct pubsub_result *p = &r->pubsub;
    uint64_t expected = p->messages_published * (uint64_t)o->pubsub.subscribers;
    fprintf(f,
            "\npubsub: %llu messages published in %.2f s (%.0f/s), %llu received in %.2f s "
            "(%.0f/s; %llu expected: each by %d subscribers)\n",
            (unsigned long long)p->messages_published, p->publish_elapsed_s,
            rate(p->messages_published, p->publish_elapsed_s),
            (unsigned long long)p->messages_received, p->receive_elapsed_s,
            rate(p->messages_received, p->receive_elapsed_s), (unsigned long long)expected,
            o->pubsub.subscribers);
    if (p->receiver_mismatches)
        fprintf(
            f, "pubsub: PUBLISH answered a receiver count other than %d %llu times (first: %lld)\n",
            o->pubsub.subscribers, (unsigned long long)p->receiver_mismatches,
            p->first_bad_receivers);
    else
        fprintf(f, "pubsub: every PUBLISH answered %d receivers\n", o->pubsub.subscribers);
    if (o->pubsub.sabotage && p->sabotaged)
        fprintf(f,
                "pubsub: --pubsub-sabotage: subscriber 0 left at %.2f s and came back after "
                "%.2f s\n",
                p->sabotage_at_s, p->sabotage_away_s);
    else if (o->pubsub.sabotage)
        fprintf(f, "pubsub: --pubsub-sabotage never left (the publishers finished first)\n");
}

void report_pubsub_latency_text(FILE *f, const struct network_result *r)
{
    if (!r->pubsub.delivery || !hist_count(r->pubsub.delivery))
        return;
    fprintf(f, "\ndelivery latency (PUBLISH written to message read, CLOCK_MONOTONIC):\n");
    report_latency_header(f, false);
    report_latency_row(f, "", r->pubsub.delivery);
}

void report_pubsub_verify_text(FILE *f, const struct network_result *r)
{
    const struct pubsub_verify_result *v = &r->pubsub.verify;
    if (r->pubsub.verified)
        fprintf(f,
                "\nverify: %llu publishes acknowledged (%llu in doubt), %llu messages received "
                "of %llu expected\n",
                (unsigned long long)v->publishes_acked, (unsigned long long)v->publishes_in_doubt,
                (unsigned long long)v->received, (unsigned long long)v->expected);
    fprintf(f,
            "messages lost: %llu, duplicated: %llu, reordered: %llu, never published: %llu, "
            "receiver counts wrong: %llu, protocol errors: %llu\n",
            (unsigned long long)v->messages_lost, (unsigned long long)v->duplicated,
            (unsigned long long)v->reordered, (unsigned long long)v->never_published,
            (unsigned long long)v->receiver_mismatches,
            (unsigned long long)network_verify_protocol_errors(r));
}

void report_pubsub_json_config(struct json *j, const struct stress_options *o)
{
    json_object(j, "pubsub");
    json_uint(j, "publishers", (uint64_t)o->pubsub.publishers);
    json_uint(j, "subscribers", (uint64_t)o->pubsub.subscribers);
    json_uint(j, "pattern_subscribers", (uint64_t)o->pubsub.pattern_subscribers);
    json_uint(j, "channels", (uint64_t)o->pubsub.channels);
    json_bool(j, "sabotage", o->pubsub.sabotage);
    json_object_end(j);
}

void report_pubsub_json_results(struct json *j, const struct network_result *r)
{
    const struct pubsub_result *p = &r->pubsub;
    json_object(j, "pubsub");
    json_uint(j, "messages_published", p->messages_published);
    json_double(j, "publish_elapsed_s", p->publish_elapsed_s);
    json_double(j, "publishes_per_sec", rate(p->messages_published, p->publish_elapsed_s));
    json_uint(j, "messages_received", p->messages_received);
    json_double(j, "receive_elapsed_s", p->receive_elapsed_s);
    json_double(j, "messages_per_sec", rate(p->messages_received, p->receive_elapsed_s));
    json_uint(j, "receiver_mismatches", p->receiver_mismatches);
    if (p->delivery)
        report_json_latency(j, "delivery_latency_us", p->delivery);
    json_bool(j, "sabotaged", p->sabotaged);
    json_object_end(j);
}

void report_pubsub_json_verify(struct json *j, const struct network_result *r)
{
    const struct pubsub_verify_result *v = &r->pubsub.verify;
    json_object(j, "verify");
    json_bool(j, "checked", r->pubsub.verified);
    json_uint(j, "messages_lost", v->messages_lost);
    json_uint(j, "duplicated", v->duplicated);
    json_uint(j, "reordered", v->reordered);
    json_uint(j, "never_published", v->never_published);
    json_uint(j, "receiver_counts_wrong", v->receiver_mismatches);
    json_uint(j, "protocol_errors", network_verify_protocol_errors(r));
    json_uint(j, "publishes_acked", v->publishes_acked);
    json_uint(j, "publishes_in_doubt", v->publishes_in_doubt);
    json_uint(j, "received", v->received);
    json_uint(j, "expected", v->expected);
    json_object_end(j);
}
