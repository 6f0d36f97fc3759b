/*
 * SORT and SORT_RO over lists, sets and sorted sets, with BY, GET, LIMIT,
 * ASC / DESC, ALPHA and (SORT only) STORE, as Redis 7.0 answers them.
 *
 * Locking. BY and GET patterns name keys anywhere in the keyspace, and
 * which ones is only known once the source has been read. Redis runs the
 * whole command at one instant, and that is observable (a SORT ... STORE
 * racing a writer of a weight key, or of the destination), so SORT keeps
 * that atomicity: it locks the shards it knows of (the source's and the
 * destination's) with SHARD_SET_GUARD, reads the source, and computes the
 * shard of every key its patterns name. If all are held, it runs to the
 * end under that guard; if not, it changes nothing, releases the guard,
 * adds the missing shards and starts again (the source may have changed
 * meanwhile, so it is read again). After a few rounds it locks the whole
 * database, which always suffices. Everything the reply needs is copied
 * into an arena under the locks and replied after they are released.
 */
#include "store/cmd_sort.h"
#include "store/commands.h"

#include "core/alloc.h"
#include "store/list.h"

#include <stdlib.h>

/* Rounds of "lock what is known, find more" before locking the database. */
#define SORT_ROUNDS 3

/* Parses the options (argv[2] on). False after replying the error. */
static bool parse_options(struct cmd_ctx *c, bool readonly, struct sort_opts *o)
{
    o->limit_count = -1;
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const struct resp_arg *a = &c->argv[j];
        if (arg_is(a, "asc")) {
            o->desc = false;
        } else if (arg_is(a, "desc")) {
            o->desc = true;
        } else if (arg_is(a, "alpha")) {
            o->alpha = true;
        } else if (arg_is(a, "limit") && left >= 2) {
            long long start, count;
            if (!arg_ll(c, j + 1, &start) || !arg_ll(c, j + 2, &count))
                return false;
            o->limit_start = (long)start;
            o->limit_count = (long)count;
            j += 2;
        } else if (!readonly && arg_is(a, "store") && left >= 1) {
            o->store = j + 1;
            j++;
        } else if (arg_is(a, "by") && left >= 1) {
            sort_pattern_parse(&c->argv[j + 1], &o->by);
            o->has_by = true;
            /* A BY without '*' means "do not sort"; a later BY with one
             * does not undo that (as in Redis). */
            if (!o->by.names_key)
                o->dontsort = true;
            j++;
        } else if (arg_is(a, "get") && left >= 1) {
            sort_pattern_parse(&c->argv[j + 1], &o->gets[o->ngets++]);
            j++;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Whether the shard is in the (locked: sorted, de-duplicated) set. */
static bool set_holds(const struct shard_set *set, uint32_t id)
{
    size_t lo = 0, hi = set->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->ids[mid] == id)
            return true;
        if (set->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Adds the shard of the key p names for every item to *missing when the
 * set does not hold it. False when out of memory. */
static bool find_missing(struct cmd_ctx *c, struct sort_run *r, const struct sort_pattern *p,
                         const struct shard_set *held, struct shard_set *missing)
{
    if (!p->names_key)
        return true;
    for (long i = 0; i < r->n; i++) {
        struct key k;
        if (!sort_pattern_key(c, p, r->items[i].elem, r->items[i].len, &r->scratch, &k))
            return false;
        if (!set_holds(held, k.shard_id) && shard_set_add(missing, k.shard_id) != 0)
            return false;
    }
    return true;
}

/* Whether every key the patterns name for the loaded items is held. */
static enum cmd_result do_check_reach(struct cmd_ctx *c, struct sort_run *r,
                                      const struct shard_set *held, struct shard_set *missing)
{
    const struct sort_opts *o = r->o;
    if (r->sortby && !find_missing(c, r, &o->by, held, missing))
        return CMD_ERR_OOM;
    for (int g = 0; g < o->ngets; g++)
        if (!find_missing(c, r, &o->gets[g], held, missing))
            return CMD_ERR_OOM;
    return CMD_OK;
}

/*
 * One round under the guard: read the source, check the reach of the
 * patterns, then sort and build the reply or the stored list. *retry when
 * a shard was missing (nothing changed then).
 */
static enum cmd_result do_sort_round(struct cmd_ctx *c, struct sort_run *r,
                                     const struct shard_set *held, struct shard_set *missing,
                                     bool *retry)
{
    enum cmd_result result = do_sort_load(c, r);
    if (result != CMD_OK)
        return result;
    result = do_check_reach(c, r, held, missing);
    if (result != CMD_OK)
        return result;
    if (missing->count > 0) {
        *retry = true;
        return CMD_OK;
    }
    result = do_sort_items(c, r);
    if (result != CMD_OK || r->conversion_error)
        return result;
    return r->o->store ? do_sort_store(c, r) : do_sort_output(c, r);
}

static void run_reset(struct sort_run *r)
{
    sort_arena_free(&r->arena);
    mem_free(r->items);
    mem_free(r->out);
    r->items = NULL;
    r->out = NULL;
    r->n = r->nout = 0;
    r->conversion_error = false;
}

static void reply_run(struct cmd_ctx *c, const struct sort_run *r)
{
    if (r->conversion_error) {
        reply_error(c->reply, "ERR One or more scores can't be converted into double");
        return;
    }
    if (r->o->store) {
        reply_int(c->reply, r->outputlen);
        return;
    }
    reply_array(c->reply, r->nout);
    for (size_t i = 0; i < r->nout; i++) {
        if (r->out[i].ptr)
            reply_bulk(c->reply, r->out[i].ptr, r->out[i].len);
        else
            reply_null(c->reply);
    }
}

static void sort_generic(struct cmd_ctx *c, bool readonly)
{
    struct sort_opts o = {0};
    /* At most one GET per two arguments. */
    o.gets = mem_alloc((size_t)(c->argc / 2 + 1) * sizeof(*o.gets));
    if (!o.gets) {
        reply_error(c->reply, ERR_OOM);
        return;
    }
    if (!parse_options(c, readonly, &o)) {
        mem_free(o.gets);
        return;
    }
    struct sort_run r = {.o = &o};
    struct key src, dst = {0};
    cmd_key(c, 1, &src);
    if (o.store)
        cmd_key(c, o.store, &dst);
    r.src = &src;
    r.dst = o.store ? &dst : NULL;

    struct shard_set set, missing;
    shard_set_init(&set, c->ks);
    shard_set_init(&missing, c->ks);
    enum cmd_result result = CMD_ERR_OOM;
    if (shard_set_add(&set, src.shard_id) != 0 ||
        (o.store && shard_set_add(&set, dst.shard_id) != 0))
        goto done;
    for (int round = 0;; round++) {
        bool retry = false;
        result = CMD_ERR_OOM;
        SHARD_SET_GUARD (&set)
            result = do_sort_round(c, &r, &set, &missing, &retry);
        if (result != CMD_OK || !retry)
            break;
        run_reset(&r);
        /* Lock what this round found missing, or the whole database. */
        int rc = 0;
        if (round + 1 >= SORT_ROUNDS)
            rc = shard_set_add_db(&set, c->db);
        for (uint32_t i = 0; rc == 0 && i < missing.count; i++)
            rc = shard_set_add(&set, missing.ids[i]);
        missing.count = 0;
        if (rc != 0) {
            result = CMD_ERR_OOM;
            break;
        }
    }
done:
    if (!reply_result_error(c, result))
        reply_run(c, &r);
    run_reset(&r);
    sort_scratch_free(&r.scratch);
    shard_set_free(&set);
    shard_set_free(&missing);
    mem_free(o.gets);
}

void sort_command(struct cmd_ctx *c)
{
    sort_generic(c, false);
}

void sort_ro_command(struct cmd_ctx *c)
{
    sort_generic(c, true);
}
