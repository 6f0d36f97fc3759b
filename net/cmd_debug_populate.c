/*
 * DEBUG POPULATE <count> [<prefix>] [<size>]: count string keys named
 * <prefix>:<n> (prefix "key"), each holding "value:<n>", or that text cut
 * or padded with zero bytes to <size> bytes. A key that exists is left
 * alone. Redis's debug tool for filling a server.
 *
 * Each key is set by a SET ... NX of its own, run nested like any command
 * (command_call keeps the outer write log aside): it is announced, counted
 * as a change and logged as that SET, so the append-only file replays it
 * without DEBUG (which a restarted server may not allow). Redis's populated
 * keys never reach its AOF.
 */
#include "net/commands.h"

#include "core/alloc.h"
#include "store/cmd_util.h"
#include "store/command.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

void debug_populate(struct cmd_ctx *c)
{
    long long count, size = 0;
    if (!arg_ll_range(c, 2, 0, LONG_MAX, "ERR value is out of range, must be positive", &count) ||
        (c->argc == 5 &&
         !arg_ll_range(c, 4, 0, LONG_MAX, "ERR value is out of range, must be positive", &size)))
        return;
    const struct command *set = command_lookup("set", 3);
    const struct resp_arg prefix =
        c->argc >= 4 ? c->argv[3] : (struct resp_arg){.ptr = "key", .len = 3};
    char *value = size > 0 ? mem_calloc(1, (size_t)size) : NULL;
    char *key = mem_alloc(prefix.len + 32);
    if ((size > 0 && !value) || !key) {
        mem_free(value);
        mem_free(key);
        reply_error(c->reply, "ERR out of memory");
        return;
    }
    struct outbuf discarded;
    outbuf_init(&discarded);
    struct reply quiet = {&discarded, 2};
    for (long long n = 0; n < count; n++) {
        memcpy(key, prefix.ptr, prefix.len);
        int key_len = (int)prefix.len + snprintf(key + prefix.len, 32, ":%lld", n);
        char text[32];
        int text_len = snprintf(text, sizeof(text), "value:%lld", n);
        if (size > 0)
            memcpy(value, text, (size_t)(size < text_len ? size : text_len));
        struct resp_arg argv[4] = {
            {"SET", 3, NULL},
            {key, (size_t)key_len, NULL},
            {size > 0 ? value : text, size > 0 ? (size_t)size : (size_t)text_len, NULL},
            {"NX", 2, NULL},
        };
        struct cmd_ctx sub = {
            .ks = c->ks,
            .db = c->db,
            .argc = 4,
            .argv = argv,
            .reply = &quiet,
            .client = c->client,
            .now_ms = c->now_ms,
            .mode = c->mode | CMD_MODE_NO_BLOCK,
        };
        cmd_ctx_init(&sub);
        command_call(&sub, set);
        cmd_ctx_free(&sub);
        outbuf_free(&discarded);
    }
    mem_free(value);
    mem_free(key);
    reply_ok(c->reply);
}
