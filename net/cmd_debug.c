/*
 * The DEBUG subcommands operators and test harnesses use besides OBJECT and
 * SLEEP (net/cmd_server.c): SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, LISTPACK,
 * STRINGMATCH-TEST, RELOAD, POPULATE (net/cmd_debug_populate.c), DIGEST,
 * DIGEST-VALUE and PROTOCOL, and Magpie's EXPIRE-SLICE-DELAY (tests). DEBUG's own gate
 * (enable-debug-command) is checked by the caller.
 */
#include "net/commands.h"
#include "net/persist.h"
#include "net/server.h"
#include "net/session.h"

#include "core/glob.h"
#include "store/keyspace.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]. MERGE is what a load here
 * always does with a key of the same name (replace it); Redis without it
 * aborts on one. */
static void debug_reload(struct cmd_ctx *c, struct server *s)
{
    bool save = true, flush = true;
    for (int i = 2; i < c->argc; i++) {
        if (arg_is(&c->argv[i], "nosave")) {
            save = false;
        } else if (arg_is(&c->argv[i], "noflush")) {
            flush = false;
        } else if (!arg_is(&c->argv[i], "merge")) {
            reply_error(c->reply, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE "
                                  "options.");
            return;
        }
    }
    /* Saving takes every shard's lock in turn, which EXEC's lock plan
     * (already holding some) must not: refused there. */
    if (c->mode & CMD_MODE_NO_BLOCK) {
        reply_error(c->reply, "ERR DEBUG RELOAD is not allowed inside MULTI");
        return;
    }
    if (loading_active(&s->loading)) { /* one load at a time */
        reply_error(c->reply, LOADING_ERROR);
        return;
    }
    switch (persist_debug_reload(s, save, flush)) {
    case RELOAD_OK:
        reply_ok(c->reply);
        break;
    case RELOAD_SAVE_FAILED:
        reply_error(c->reply, "ERR");
        break;
    case RELOAD_LOAD_FAILED:
        reply_error(c->reply, "ERR Error trying to load the RDB dump");
        break;
    }
}

/* A new random replication id (40 hex digits), as INFO replication shows. */
static void change_repl_id(struct server *s)
{
    unsigned char raw[20];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw)) : -1;
    if (fd >= 0)
        close(fd);
    char id[41];
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof(raw); i++) {
        unsigned b = n == (ssize_t)sizeof(raw) ? raw[i] : (unsigned)rand();
        id[2 * i] = hex[(b >> 4) & 15];
        id[2 * i + 1] = hex[b & 15];
    }
    id[40] = '\0';
    LOCK_GUARD (&s->clients.lock)
        memcpy(s->replid, id, sizeof(id));
}

/* A digest as Redis replies it: 40 lowercase hex digits, a status line. */
static void reply_digest(struct cmd_ctx *c, const unsigned char d[20])
{
    static const char hex[] = "0123456789abcdef";
    char line[41];
    for (int i = 0; i < 20; i++) {
        line[2 * i] = hex[d[i] >> 4];
        line[2 * i + 1] = hex[d[i] & 15];
    }
    line[40] = '\0';
    reply_simple(c->reply, line);
}

/* DEBUG DIGEST, and DIGEST-VALUE key... (an array, one per key). */
static void debug_digest(struct cmd_ctx *c, bool per_key)
{
    unsigned char d[20];
    if (!per_key) {
        if (keyspace_digest(c->ks, d) != 0)
            reply_error(c->reply, "ERR out of memory");
        else
            reply_digest(c, d);
        return;
    }
    reply_array(c->reply, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        if (keyspace_digest_value(c->ks, c->db, c->argv[i].ptr, c->argv[i].len, d) != 0)
            reply_error(c->reply, "ERR out of memory");
        else
            reply_digest(c, d);
    }
}

/* DEBUG PROTOCOL type: one reply of each RESP type, as Redis sends them,
 * for client libraries to test their parsers with. */
static void debug_protocol(struct cmd_ctx *c)
{
    struct reply *r = c->reply;
    const struct resp_arg *type = &c->argv[2];
    if (arg_is(type, "string")) {
        reply_bulk_cstr(r, "Hello World");
    } else if (arg_is(type, "integer")) {
        reply_int(r, 12345);
    } else if (arg_is(type, "double")) {
        reply_double(r, 3.141);
    } else if (arg_is(type, "bignum")) {
        static const char digits[] = "1234567999999999999999999999999999999";
        reply_bignum(r, digits, sizeof(digits) - 1);
    } else if (arg_is(type, "null")) {
        reply_null(r);
    } else if (arg_is(type, "array") || arg_is(type, "set")) {
        if (arg_is(type, "array"))
            reply_array(r, 3);
        else
            reply_set(r, 3);
        for (int i = 0; i < 3; i++)
            reply_int(r, i);
    } else if (arg_is(type, "map")) {
        reply_map(r, 3);
        for (int i = 0; i < 3; i++) {
            reply_int(r, i);
            reply_bool(r, i == 1);
        }
    } else if (arg_is(type, "attrib")) {
        reply_attribute(r, 1); /* RESP2 drops it */
        reply_bulk_cstr(r, "key-popularity");
        reply_array(r, 2);
        reply_bulk_cstr(r, "key:123");
        reply_int(r, 90);
        /* An attribute describes the reply that follows it. */
        reply_bulk_cstr(r, "Some real reply following the attribute");
    } else if (arg_is(type, "push")) {
        if (r->proto < 3) {
            reply_error(r, "ERR RESP2 is not supported by this command");
            return;
        }
        reply_push(r, 2);
        reply_bulk_cstr(r, "server-cpu-usage");
        reply_int(r, 42);
        /* A client that skips pushes still gets its reply. */
        reply_bulk_cstr(r, "Some real reply following the push reply");
    } else if (arg_is(type, "true") || arg_is(type, "false")) {
        reply_bool(r, arg_is(type, "true"));
    } else if (arg_is(type, "verbatim")) {
        static const char text[] = "This is a verbatim\nstring";
        reply_verbatim(r, "txt", text, sizeof(text) - 1);
    } else {
        reply_error(r, "ERR Wrong protocol type name. Please use one of the following: "
                       "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|"
                       "true|false");
    }
}

/* Redis's stringmatchlen fuzzer, on Magpie's glob matcher: random patterns
 * and strings over a small alphabet, to crash on a bug rather than answer. */
static void stringmatch_test(void)
{
    static const char alphabet[] = "*?[]^-\\ab";
    unsigned seed = (unsigned)getpid();
    char pattern[32], str[32];
    for (int i = 0; i < 100000; i++) {
        size_t plen = (size_t)rand_r(&seed) % sizeof(pattern);
        size_t slen = (size_t)rand_r(&seed) % sizeof(str);
        for (size_t j = 0; j < plen; j++)
            pattern[j] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
        for (size_t j = 0; j < slen; j++)
            str[j] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
        (void)glob_match(pattern, plen, str, slen, false);
    }
}

bool debug_extra_command(struct cmd_ctx *c)
{
    struct server *s = session_of(c)->server;
    if (arg_is(&c->argv[1], "set-active-expire") && c->argc == 3) {
        /* As Redis's atoi: anything that does not start with a non-zero
         * number turns it off. */
        char buf[32];
        arg_copy(c, 2, buf, sizeof(buf));
        keyspace_set_active_expiry(s->ks, atoi(buf) != 0);
        reply_ok(c->reply);
    } else if (arg_is(&c->argv[1], "expire-slice-delay") && c->argc == 3) {
        /* Magpie's own, for tests: every active-expiry slice sleeps this many
         * milliseconds, a slow "expire-cycle" on demand. */
        long long ms;
        if (!arg_to_ll(c, 2, &ms) || ms < 0 || ms > 10000) {
            reply_error(c->reply, "ERR value is out of range, must be between 0 and 10000");
            return true;
        }
        keyspace_set_expiry_slice_delay(s->ks, (uint32_t)ms);
        reply_ok(c->reply);
    } else if (arg_is(&c->argv[1], "change-repl-id") && c->argc == 2) {
        change_repl_id(s);
        reply_ok(c->reply);
    } else if (arg_is(&c->argv[1], "listpack") && c->argc == 3) {
        /* Lists are quicklists, as in Redis 7.0; nothing else is packed yet. */
        struct keyspace_object_info info;
        if (keyspace_object_info(c->ks, c->db, c->argv[2].ptr, c->argv[2].len, c->now_ms, &info))
            reply_error(c->reply, "ERR no such key");
        else
            reply_error(c->reply, "ERR Not a listpack encoded object.");
    } else if (arg_is(&c->argv[1], "digest") && c->argc == 2) {
        debug_digest(c, false);
    } else if (arg_is(&c->argv[1], "digest-value")) {
        debug_digest(c, true);
    } else if (arg_is(&c->argv[1], "protocol") && c->argc == 3) {
        debug_protocol(c);
    } else if (arg_is(&c->argv[1], "reload")) {
        debug_reload(c, s);
    } else if (arg_is(&c->argv[1], "populate") && c->argc >= 3 && c->argc <= 5) {
        debug_populate(c);
    } else if (arg_is(&c->argv[1], "stringmatch-test") && c->argc == 2) {
        stringmatch_test();
        reply_simple(c->reply, "Apparently Redis did not crash: test passed");
    } else {
        return false;
    }
    return true;
}
