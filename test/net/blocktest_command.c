/*
 * BLOCKTEST key timeout-ms: a blocking command that exists only in the
 * tests, written as the real ones are (store/blocking.h). It takes the
 * string at key (deleting it, as GETDEL) or, when there is none, waits for
 * one until the timeout (0: forever); it answers the value, or nil when the
 * wait timed out.
 */
#include "blocktest_command.h"

#include "core/clock.h"
#include "store/blocking.h"
#include "store/cmd_util.h"

/* Takes the key's string into r, deleting the key: false when there is
 * none. */
static bool do_take_string(struct shard *s, const struct key *k, int64_t now_ms, struct reply *r)
    REQUIRES(&s->lock)
{
    struct table_pos pos;
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, &pos);
    if (!e || entry_type(e) != VALUE_STRING)
        return false;
    struct string_snapshot snap = {0};
    do_string_snapshot(s, e, &snap);
    struct entry *gone = do_detach(s, pos);
    do_key_event(s, k, NOTIFY_GENERIC, "del");
    entry_retire(gone);
    reply_snapshot(r, &snap);
    return true;
}

static enum block_serve serve_blocktest(struct block *b, struct shard *s, const struct key *k,
                                        int k_index)
{
    (void)k_index;
    shard_assume_held(s);
    struct entry *e = do_lookup(s, k, clock_unix_ms(), LOOKUP_WRITE, NULL);
    if (!e || entry_type(e) != VALUE_STRING)
        return BLOCK_SERVE_EMPTY;
    if (!block_claim(b))
        return BLOCK_SERVE_SKIP;
    do_take_string(s, k, clock_unix_ms(), &b->reply);
    return BLOCK_SERVE_DONE;
}

static void blocktest_timeout_reply(struct reply *r)
{
    reply_null(r);
}

static const struct block_kind blocktest_kind = {
    .serve = serve_blocktest,
    .timeout_reply = blocktest_timeout_reply,
};

static void blocktest_command(struct cmd_ctx *c)
{
    long long timeout;
    if (!arg_ll(c, 2, &timeout))
        return;
    struct key k;
    cmd_key(c, 1, &k);
    bool can_block = cmd_can_block(c);
    if (can_block && block_prepare(c, &blocktest_kind, (uint64_t)timeout, 1) != 0) {
        reply_error(c->reply, ERR_OOM);
        return;
    }
    bool taken = false, blocked = false;
    SHARD_GUARD (k.shard) {
        taken = do_take_string(k.shard, &k, c->now_ms, c->reply);
        if (!taken && can_block)
            blocked = do_block_on(k.shard, &k, c, 0, 1) == 0;
    }
    if (taken || blocked) {
        if (taken && can_block)
            block_unprepare(c);
        return;
    }
    if (can_block) {
        block_unprepare(c);
        reply_error(c->reply, ERR_OOM);
    } else {
        blocktest_timeout_reply(c->reply);
    }
}

static const struct command blocktest_commands[] = {
    {"blocktest", blocktest_command, 3, CMD_WRITE | CMD_BLOCKING, 1, 1, 1, "generic",
     "Takes the string at key, waiting for one (tests only)", "0.0.0", NULL},
};

int blocktest_register(void)
{
    return command_table_register(blocktest_commands, 1);
}
