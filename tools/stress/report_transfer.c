#include "tools/stress/report_transfer.h"

#include "tools/stress/transfer.h"

static double rate(uint64_t count, double seconds)
{
    return seconds > 0 ? (double)count / seconds : 0;
}

void report_transfer_describe(char *out, size_t size, const struct stress_options *o)
{
    const struct transfer_spec *x = &o->transfer;
    snprintf(out, size,
             "%s:%d, transfer: %d movers (%s), %d readers (%s in MULTI) on %d accounts, %d "
             "threads, pipeline %d%s%s",
             o->host, o->port, x->movers, x->watch ? "WATCH, GET, MULTI, SET, EXEC" : "MULTI, EXEC",
             x->readers, x->read == TRANSFER_READ_MGET ? "MGET" : "GET", x->accounts, o->threads[0],
             o->pipeline, o->verify ? ", verify" : "", x->sabotage ? ", sabotage" : "");
}

void report_transfer_text(FILE *f, const struct stress_options *o, const struct network_result *r)
{
    const struct transfer_result *x = &r->transfer;
    fprintf(f, "\ntransfer: %llu moves committed in %.2f s (%.0f/s)",
            (unsigned long long)x->moves_committed, x->move_elapsed_s,
            rate(x->moves_committed, x->move_elapsed_s));
    if (o->transfer.watch)
        fprintf(f, ", %llu WATCH retries (%.3f per move)", (unsigned long long)x->watch_retries,
                x->moves_committed ? (double)x->watch_retries / (double)x->moves_committed : 0.0);
    fprintf(f, "; %llu sums read (%.0f/s), %llu of them not %lld\n",
            (unsigned long long)x->sums_read, rate(x->sums_read, x->move_elapsed_s),
            (unsigned long long)x->bad_sums, transfer_total(&o->transfer));
    fprintf(f, "transfer: the accounts add up to %lld after the run (%lld before)\n",
            x->final_total, transfer_total(&o->transfer));
    if (o->transfer.sabotage && x->sabotaged)
        fprintf(f,
                "transfer: --transfer-sabotage took %lld from account:0 outside any "
                "transaction at %.2f s\n",
                x->sabotage_amount, x->sabotage_at_s);
    else if (o->transfer.sabotage)
        fprintf(f, "transfer: --transfer-sabotage never ran (the movers finished first)\n");
}

void report_transfer_verify_text(FILE *f, const struct network_result *r)
{
    const struct transfer_verify_result *v = &r->transfer.verify;
    if (r->transfer.verified) {
        fprintf(f,
                "\nverify: %llu sums read, %llu moves committed (%llu in doubt), %llu WATCH "
                "retries, final total %lld of %lld, balances %s\n",
                (unsigned long long)v->sums, (unsigned long long)v->committed,
                (unsigned long long)v->in_doubt, (unsigned long long)v->watch_retries,
                v->final_total, v->total,
                v->balances_checked ? "checked" : "not checked (a move is in doubt)");
        if (v->violations)
            fprintf(f, "verify: the first sum that was not %lld: %lld\n", v->total,
                    v->first_bad_sum);
    }
    fprintf(f, "invariant violations: %llu, balances wrong: %llu, protocol errors: %llu\n",
            (unsigned long long)v->violations, (unsigned long long)v->balances_wrong,
            (unsigned long long)network_verify_protocol_errors(r));
}

void report_transfer_json_config(struct json *j, const struct stress_options *o)
{
    const struct transfer_spec *x = &o->transfer;
    json_object(j, "transfer");
    json_uint(j, "movers", (uint64_t)x->movers);
    json_uint(j, "readers", (uint64_t)x->readers);
    json_uint(j, "accounts", (uint64_t)x->accounts);
    json_bool(j, "watch", x->watch);
    json_string(j, "read", transfer_read_mode_name(x->read));
    json_bool(j, "sabotage", x->sabotage);
    json_object_end(j);
}

void report_transfer_json_results(struct json *j, const struct network_result *r)
{
    const struct transfer_result *x = &r->transfer;
    json_object(j, "transfer");
    json_uint(j, "moves_committed", x->moves_committed);
    json_double(j, "move_elapsed_s", x->move_elapsed_s);
    json_double(j, "moves_per_sec", rate(x->moves_committed, x->move_elapsed_s));
    json_uint(j, "watch_retries", x->watch_retries);
    json_uint(j, "sums_read", x->sums_read);
    json_uint(j, "bad_sums", x->bad_sums);
    json_double(j, "final_total", (double)x->final_total);
    json_uint(j, "final_errors", x->final_errors);
    json_bool(j, "sabotaged", x->sabotaged);
    json_object_end(j);
}

void report_transfer_json_verify(struct json *j, const struct network_result *r)
{
    const struct transfer_verify_result *v = &r->transfer.verify;
    json_object(j, "verify");
    json_bool(j, "checked", r->transfer.verified);
    json_uint(j, "invariant_violations", v->violations);
    json_uint(j, "balances_wrong", v->balances_wrong);
    json_bool(j, "balances_checked", v->balances_checked);
    json_uint(j, "protocol_errors", network_verify_protocol_errors(r));
    json_uint(j, "sums", v->sums);
    json_uint(j, "moves_committed", v->committed);
    json_uint(j, "moves_in_doubt", v->in_doubt);
    json_uint(j, "watch_retries", v->watch_retries);
    json_double(j, "final_total", (double)v->final_total);
    json_object_end(j);
}
