#include "tools/stress/client_mix.h"

#include "tools/stress/verify.h"
#include "tools/stress/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void client_mix_send(struct client_thread *t, struct stress_conn *c, uint64_t intended_ns,
                     uint64_t now)
{
    const struct stress_options *o = t->run->opts;
    enum stress_op op = op_mix_pick(&o->mix, &t->rng);
    uint64_t key = keydist_next(&t->run->dist, &t->rng);
    char name[KEY_NAME_MAX];
    size_t value_len = o->value_size;

    struct inflight *slot = conn_push(c);
    *slot = (struct inflight){key, intended_ns, now, 0, op, false};
    if (c->vlog) {
        uint64_t order = verify_log_next_order(c->vlog);
        slot->tag = order;
        if (op == OP_SET) {
            slot->tag = verify_log_set_sent(c->vlog, key, order, now);
            value_len =
                verify_value_encode(t->value, t->value_cap, key, c->id, slot->tag, o->value_size);
        }
    }
    const char *value = t->value;
    char member[24];
    if (op_is_set(op) || op == OP_ZADD || op == OP_ZINCRBY) {
        value_len = (size_t)snprintf(member, sizeof(member), "m%llu",
                                     (unsigned long long)rng_below(&t->rng, STRESS_SET_MEMBERS));
        value = member;
    }
    const char *argv[OP_ARGS_MAX];
    size_t lens[OP_ARGS_MAX];
    int argc = op_request_args(op, name, key_name(op, key, name), value, value_len, argv, lens);
    if (request_append(&c->out, argc, argv, lens) < 0) {
        fprintf(stderr, "magpie-stress: out of memory\n");
        abort();
    }
    if (t->limited)
        t->quota--;
}

bool client_reply_expected(int op, const struct stress_reply *r)
{
    switch (op) {
    case OP_GET:
    case OP_LPOP:
    case OP_RPOP:
    case OP_HGET:
        return r->type == SREPLY_BULK || r->type == SREPLY_NIL;
    case OP_SET:
        return r->type == SREPLY_STATUS && r->len == 2 && memcmp(r->str, "OK", 2) == 0;
    case OP_ZINCRBY: /* the new score: a bulk string, or a RESP3 double */
        return r->type == SREPLY_BULK || r->type == SREPLY_DOUBLE;
    case OP_ZRANGE:
        return r->type == SREPLY_ARRAY;
    case OP_BRPOP: /* [key, value], or nil when the timeout passed */
        return r->type == SREPLY_NIL || (r->type == SREPLY_ARRAY && r->integer == 2);
    default:
        return r->type == SREPLY_INTEGER;
    }
}

void client_mix_log_verify(struct stress_conn *c, const struct inflight *req,
                           const struct stress_reply *r, uint64_t now)
{
    switch (req->op) {
    case OP_SET:
        verify_log_set_acked(c->vlog, req->tag, now);
        break;
    case OP_GET:
        verify_log_get(c->vlog, req->key, req->tag, req->send_ns, now,
                       r->type == SREPLY_BULK ? r->str : NULL, r->len);
        break;
    case OP_INCR:
        verify_log_incr(c->vlog, req->key, true, r->integer);
        break;
    }
}
