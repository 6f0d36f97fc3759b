/*
 * LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]: the
 * indexes of the matching elements, searched from the head (a positive
 * RANK) or the tail (a negative one), options checked as Redis checks them.
 */
#include "store/cmd_list.h"
#include "store/commands.h"

#include <limits.h>

struct lpos_options {
    long long rank;   /* nth match to start from; negative: from the tail */
    long long count;  /* -1: no COUNT (a single index or nil); 0: all */
    long long maxlen; /* elements to compare at most; 0: all */
};

static bool parse_lpos(struct cmd_ctx *c, struct lpos_options *o)
{
    *o = (struct lpos_options){.rank = 1, .count = -1, .maxlen = 0};
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (arg_is(&c->argv[j], "RANK") && more) {
            if (!arg_ll(c, ++j, &o->rank))
                return false;
            /* Redis 7.0 negates the rank in a long: LLONG_MIN stays
             * negative and acts as -1 (later versions refuse it). */
            if (o->rank == LLONG_MIN)
                o->rank = -1;
            if (o->rank == 0) {
                reply_error(c->reply, "ERR RANK can't be zero: use 1 to start from the first "
                                      "match, 2 from the second ... or use negative to start "
                                      "from the end of the list");
                return false;
            }
        } else if (arg_is(&c->argv[j], "COUNT") && more) {
            if (!arg_ll_range(c, ++j, 0, LLONG_MAX, "ERR COUNT can't be negative", &o->count))
                return false;
        } else if (arg_is(&c->argv[j], "MAXLEN") && more) {
            if (!arg_ll_range(c, ++j, 0, LLONG_MAX, "ERR MAXLEN can't be negative", &o->maxlen))
                return false;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* The search and its reply, under the lock (the list is read in place). */
static enum cmd_result do_lpos(struct shard *s, const struct key *k, struct cmd_ctx *c,
                               const struct lpos_options *o) REQUIRES(&s->lock)
{
    enum cmd_result result;
    struct entry *e = do_list_lookup(s, k, c->now_ms, LOOKUP_READ, &result);
    if (result != CMD_OK)
        return result;
    if (!e) {
        if (o->count != -1)
            reply_array(c->reply, 0);
        else
            reply_null(c->reply);
        return CMD_OK;
    }
    struct quicklist *ql = entry_list(e);
    long long len = (long long)quicklist_count(ql);
    bool from_tail = o->rank < 0;
    long long skip = (from_tail ? -o->rank : o->rank) - 1; /* matches to pass over */
    const struct resp_arg *wanted = &c->argv[2];
    struct quicklist_iter it;
    quicklist_iter_init(&it, ql, from_tail ? -1 : 0,
                        from_tail ? QUICKLIST_BACKWARD : QUICKLIST_FORWARD);
    struct reply_deferred d = {0};
    if (o->count != -1)
        d = reply_defer(c->reply);
    long long found = 0, seen = 0;
    struct listpack_value v;
    while ((o->maxlen == 0 || seen < o->maxlen) && quicklist_iter_next(&it, &v) == 1) {
        long long index = from_tail ? len - 1 - seen : seen;
        seen++;
        if (!quicklist_value_equals(&v, wanted->ptr, wanted->len) || skip-- > 0)
            continue;
        reply_int(c->reply, index);
        found++;
        if (o->count == -1 || (o->count > 0 && found == o->count))
            break;
    }
    quicklist_iter_release(&it);
    if (o->count != -1)
        reply_array_fill(c->reply, d, (size_t)found);
    else if (found == 0)
        reply_null(c->reply);
    return CMD_OK;
}

void lpos_command(struct cmd_ctx *c)
{
    struct lpos_options o;
    if (!parse_lpos(c, &o))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    enum cmd_result result = CMD_ERR_OOM;
    SHARD_GUARD (k.shard)
        result = do_lpos(k.shard, &k, c, &o);
    reply_result_error(c, result);
}
