/*
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest
 * common subsequence of two strings, by the classic dynamic programming
 * table, with Redis's exact walk back through the table (which decides which
 * of several equally long answers is printed, and the match ranges).
 *
 * Both values are snapshotted under their shards' locks (taken together, so
 * the pair is consistent); the O(n*m) work runs after the locks are dropped.
 */
#include "store/cmd_util.h"
#include "store/commands.h"
#include "store/multilock.h"

#include "core/alloc.h"

struct lcs_options {
    bool len, idx, withmatchlen;
    long long minmatchlen;
};

static bool parse_lcs_options(struct cmd_ctx *c, struct lcs_options *o)
{
    *o = (struct lcs_options){0};
    for (int j = 3; j < c->argc; j++) {
        const struct resp_arg *opt = &c->argv[j];
        if (arg_is(opt, "IDX")) {
            o->idx = true;
        } else if (arg_is(opt, "LEN")) {
            o->len = true;
        } else if (arg_is(opt, "WITHMATCHLEN")) {
            o->withmatchlen = true;
        } else if (arg_is(opt, "MINMATCHLEN") && j + 1 < c->argc) {
            if (!arg_ll(c, ++j, &o->minmatchlen))
                return false;
            if (o->minmatchlen < 0)
                o->minmatchlen = 0;
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
    }
    if (o->idx && o->len) {
        reply_error(c->reply, "ERR If you want both the length and indexes, please just use IDX.");
        return false;
    }
    return true;
}

/* Snapshots both keys; false after replying the type error. */
static bool snapshot_pair(struct cmd_ctx *c, struct string_snapshot snap[2])
{
    struct key k[2];
    struct shard_set set;
    shard_set_init(&set, c->ks);
    for (int i = 0; i < 2; i++) {
        cmd_key(c, i + 1, &k[i]);
        shard_set_add(&set, k[i].shard_id); /* two ids fit inline: cannot fail */
    }
    bool wrongtype = false;
    SHARD_SET_GUARD (&set) {
        for (int i = 0; i < 2; i++) {
            shard_assume_held(k[i].shard);
            struct entry *e = do_lookup(k[i].shard, &k[i], c->now_ms, LOOKUP_READ, NULL);
            if (e && entry_type(e) != VALUE_STRING)
                wrongtype = true;
            else if (e)
                do_string_snapshot(k[i].shard, e, &snap[i]);
        }
    }
    shard_set_free(&set);
    if (wrongtype) {
        snapshot_release(&snap[0]);
        snapshot_release(&snap[1]);
        reply_error(c->reply, "ERR The specified keys must contain string values");
        return false;
    }
    return true;
}

/* One emitted range: [a_start, a_end] in a, [b_start, b_end] in b. */
static void reply_range(struct reply *r, uint32_t a_start, uint32_t a_end, uint32_t b_start,
                        uint32_t b_end, bool withmatchlen)
{
    reply_array(r, withmatchlen ? 3 : 2);
    reply_array(r, 2);
    reply_int(r, a_start);
    reply_int(r, a_end);
    reply_array(r, 2);
    reply_int(r, b_start);
    reply_int(r, b_end);
    if (withmatchlen)
        reply_int(r, (long long)(a_end - a_start + 1));
}

static void lcs_reply(struct cmd_ctx *c, const struct lcs_options *o, const char *a, uint32_t alen,
                      const char *b, uint32_t blen)
{
    uint64_t cells = (uint64_t)(alen + 1) * (blen + 1);
    if (cells * sizeof(uint32_t) > string_max_len(c)) {
        reply_error(c->reply, "ERR Insufficient memory, transient memory for LCS exceeds "
                              "proto-max-bulk-len");
        return;
    }
    uint32_t *t = mem_alloc(cells * sizeof(uint32_t));
    char *result = NULL;
    bool want_string = o->idx || !o->len;
    if (!t) {
        reply_error(c->reply,
                    "ERR Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
#define CELL(i, j) t[(uint64_t)(i) * (blen + 1) + (j)]
    for (uint32_t i = 0; i <= alen; i++) {
        for (uint32_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0)
                CELL(i, j) = 0;
            else if (a[i - 1] == b[j - 1])
                CELL(i, j) = CELL(i - 1, j - 1) + 1;
            else
                CELL(i, j) = CELL(i - 1, j) > CELL(i, j - 1) ? CELL(i - 1, j) : CELL(i, j - 1);
        }
    }
    uint32_t total = CELL(alen, blen);
    if (want_string && !(result = mem_alloc(total ? total : 1))) {
        mem_free(t);
        reply_error(c->reply,
                    "ERR Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
    struct reply_deferred matches = {0};
    size_t ranges = 0;
    if (o->idx) {
        reply_map(c->reply, 2);
        reply_bulk_cstr(c->reply, "matches");
        matches = reply_defer(c->reply);
    }
    /* Walk back from the end; a range grows while matches stay contiguous in
     * both strings and is emitted when the walk leaves it. */
    uint32_t i = alen, j = blen, pos = total;
    uint32_t a_start = alen, a_end = 0, b_start = 0, b_end = 0; /* a_start == alen: no range */
    while (want_string && i > 0 && j > 0) {
        bool emit = false;
        if (a[i - 1] == b[j - 1]) {
            result[--pos] = a[i - 1];
            if (a_start == alen) {
                a_start = a_end = i - 1;
                b_start = b_end = j - 1;
            } else if (a_start == i && b_start == j) {
                a_start--;
                b_start--;
            } else {
                emit = true;
            }
            if (a_start == 0 || b_start == 0)
                emit = true;
            i--;
            j--;
        } else {
            if (CELL(i - 1, j) > CELL(i, j - 1))
                i--;
            else
                j--;
            if (a_start != alen)
                emit = true;
        }
        if (emit) {
            uint32_t match_len = a_end - a_start + 1;
            if (o->idx && (o->minmatchlen == 0 || match_len >= o->minmatchlen)) {
                reply_range(c->reply, a_start, a_end, b_start, b_end, o->withmatchlen);
                ranges++;
            }
            a_start = alen;
        }
    }
#undef CELL
    if (o->idx) {
        reply_array_fill(c->reply, matches, ranges);
        reply_bulk_cstr(c->reply, "len");
        reply_int(c->reply, total);
    } else if (o->len) {
        reply_int(c->reply, total);
    } else {
        reply_bulk(c->reply, result, total);
    }
    mem_free(result);
    mem_free(t);
}

void lcs_command(struct cmd_ctx *c)
{
    struct string_snapshot snap[2] = {{0}, {0}};
    if (!snapshot_pair(c, snap))
        return;
    struct lcs_options o;
    if (parse_lcs_options(c, &o)) {
        char digits[2][STRCONV_LL_BUF];
        const char *data[2] = {"", ""};
        size_t len[2] = {0, 0};
        for (int i = 0; i < 2; i++)
            if (snap[i].present)
                data[i] = snapshot_data(&snap[i], digits[i], &len[i]);
        if (len[0] >= UINT32_MAX - 1 || len[1] >= UINT32_MAX - 1)
            reply_error(c->reply, "ERR String too long for LCS");
        else
            lcs_reply(c, &o, data[0], (uint32_t)len[0], data[1], (uint32_t)len[1]);
    }
    snapshot_release(&snap[0]);
    snapshot_release(&snap[1]);
}
