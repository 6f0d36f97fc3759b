/*
 * libFuzzer target for the request reader.
 *
 * The input's first byte picks a configuration, the next four seed the chunk
 * sizes, the rest is the byte stream. The stream is parsed twice: fed whole
 * (the reference), and fed through resp_reader_space/commit in chunks down
 * to single bytes, with the big-argument threshold lowered so that path is
 * reached by small inputs. Both runs must return the same commands and end
 * the same way; every argument must lie inside the reader's buffer or its
 * owner; argc >= 1. Optionally an allocation failure is injected instead, and
 * then only "no crash, no leak" is checked.
 *
 * The one legitimate difference: a "too big ... request/string" error depends
 * on how much had arrived when the line end was still missing (Redis behaves
 * the same), so with small limits the chunked run may stop early with one.
 */
#include "proto/resp_internal.h"

#include "core/alloc.h"
#include "test/fuzz/fuzz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    CFG_AUTH = 1,
    CFG_SMALL_LIMITS = 2,
    CFG_SMALL_BIG_ARG = 4,
    CFG_CHUNK_SHIFT = 3, /* two bits: chunk size style */
    CFG_ALLOC_FAIL = 32,
};

struct outcome {
    unsigned char *log; /* every command, serialized */
    size_t len, cap;
    size_t commands;
    enum resp_status last;
    char error[80];
    bool failed_alloc;
};

static void log_bytes(struct outcome *o, const void *data, size_t len)
{
    if (o->len + len > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + len)
            cap *= 2;
        o->log = realloc(o->log, cap);
        CHECK(o->log);
        o->cap = cap;
    }
    memcpy(o->log + o->len, data, len);
    o->len += len;
}

static void check_and_log(const struct resp_reader *r, const struct resp_command *c,
                          struct outcome *o)
{
    CHECK(c->argc >= 1 && c->argv);
    log_bytes(o, &c->argc, sizeof(c->argc));
    log_bytes(o, &c->inline_form, sizeof(c->inline_form));
    for (int i = 0; i < c->argc; i++) {
        const struct resp_arg *a = &c->argv[i];
        if (a->owner) {
            CHECK(a->ptr == a->owner->data && a->len == a->owner->len);
        } else {
            /* A returned command lies before `start`. */
            CHECK(a->ptr >= r->buf && a->ptr + a->len <= r->buf + r->start);
        }
        log_bytes(o, &a->len, sizeof(a->len));
        log_bytes(o, a->ptr, a->len); /* reads every byte: ASan checks them */
    }
    o->commands++;
}

/* Returns false when the run is over (error). */
static bool drain(struct resp_reader *r, struct outcome *o)
{
    struct resp_command c;
    enum resp_status st;
    while ((st = resp_reader_next(r, &c)) == RESP_COMMAND)
        check_and_log(r, &c, o);
    o->last = st;
    CHECK(resp_reader_pending(r) <= resp_reader_capacity(r));
    if (st == RESP_ERROR) {
        const char *e = resp_reader_error(r);
        CHECK(strlen(e) < sizeof(o->error) && strncmp(e, "ERR Protocol error: ", 20) == 0);
        strcpy(o->error, e);
        o->failed_alloc = resp_reader_oom(r);
        return false;
    }
    return true;
}

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static size_t chunk_size(unsigned style, uint32_t *rng)
{
    static const uint32_t max[] = {1, 8, 64, 4096};
    return 1 + next_random(rng) % max[style];
}

static struct resp_reader *make_reader(unsigned cfg, bool chunked)
{
    static const struct resp_limits small = {.max_bulk_len = 200, .max_inline_len = 40};
    struct resp_reader *r = resp_reader_new(cfg & CFG_SMALL_LIMITS ? &small : NULL);
    if (!r)
        return NULL;
    resp_reader_require_auth(r, cfg & CFG_AUTH);
    if (chunked && (cfg & CFG_SMALL_BIG_ARG))
        r->big_arg = 8;
    return r;
}

static void run_whole(const uint8_t *data, size_t size, unsigned cfg, struct outcome *o)
{
    struct resp_reader *r = make_reader(cfg, false);
    CHECK(r);
    CHECK(resp_reader_feed(r, data, size) == 0);
    drain(r, o);
    resp_reader_free(r);
}

static void run_chunked(const uint8_t *data, size_t size, unsigned cfg, uint32_t rng,
                        struct outcome *o)
{
    struct resp_reader *r = make_reader(cfg, true);
    if (!r) {
        o->failed_alloc = true;
        return;
    }
    unsigned style = (cfg >> CFG_CHUNK_SHIFT) & 3;
    size_t at = 0;
    while (at < size) {
        char *p;
        size_t room;
        if (resp_reader_space(r, &p, &room) < 0) {
            o->failed_alloc = true;
            break;
        }
        CHECK(room >= 1);
        size_t n = chunk_size(style, &rng);
        if (n > room)
            n = room;
        if (n > size - at)
            n = size - at;
        memcpy(p, data + at, n);
        resp_reader_commit(r, n);
        at += n;
        if (!drain(r, o))
            break;
    }
    resp_reader_free(r);
}

static bool is_too_big_error(const char *e)
{
    return strstr(e, "too big") != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    unsigned cfg = data[0];
    uint32_t rng;
    memcpy(&rng, data + 1, 4);
    data += 5;
    size -= 5;

    struct outcome whole = {.last = RESP_NEED_MORE}, chunked = {.last = RESP_NEED_MORE};
    if (cfg & CFG_ALLOC_FAIL) {
        mem_fail_after((long)(rng % 16));
        run_chunked(data, size, cfg, rng, &chunked);
        mem_fail_reset();
        free(chunked.log);
        return 0;
    }
    run_whole(data, size, cfg, &whole);
    run_chunked(data, size, cfg, rng, &chunked);
    CHECK(!whole.failed_alloc && !chunked.failed_alloc);

    bool early_too_big =
        (cfg & CFG_SMALL_LIMITS) && chunked.last == RESP_ERROR && is_too_big_error(chunked.error);
    if (early_too_big) {
        /* Stopped early: what it returned is a prefix of the reference. */
        CHECK(chunked.commands <= whole.commands && chunked.len <= whole.len);
        CHECK(chunked.len == 0 || memcmp(chunked.log, whole.log, chunked.len) == 0);
    } else {
        CHECK(chunked.commands == whole.commands && chunked.len == whole.len);
        CHECK(whole.len == 0 || memcmp(chunked.log, whole.log, whole.len) == 0);
        CHECK(chunked.last == whole.last);
        CHECK(strcmp(chunked.error, whole.error) == 0);
    }
    free(whole.log);
    free(chunked.log);
    return 0;
}
