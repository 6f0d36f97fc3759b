/*
 * Multibulk requests: `*<argc>\r\n` then argc times `$<len>\r\n<len bytes>\r\n`.
 *
 * Two paths. The fast one handles the common case, a canonical command that
 * is entirely in the buffer: one pass with no per-byte state transitions, the
 * argv written straight into the arena. At the first thing it does not like
 * (a line it would have to wait for, a big argument, anything non-canonical)
 * it hands the arguments it has over to the slow path, which resumes at that
 * argument's line. The slow path is an exact copy of Redis 7.0's
 * processMultibulkBuffer behaviour, errors included, and keeps its state
 * between calls so no byte is examined twice across reads.
 *
 * As Redis, the byte after a line's '\r' and the two bytes after a bulk's data
 * are skipped unchecked (they should be "\n" and "\r\n").
 */
#include "proto/resp_internal.h"

#include "core/strconv.h"

#include "core/compiler.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The fast path takes commands of up to this many arguments. */
#define FAST_MAX_ARGS   1024
/* Digits the fast path reads for a bulk length: never overflows. */
#define FAST_MAX_DIGITS 18

enum step {
    STEP_GO,   /* progressed: keep parsing */
    STEP_MORE, /* wait for more bytes */
    STEP_FAIL, /* r->error is set */
};

/* ---------------------------------------------------------------- fast path */

/*
 * Hands the first `parsed` arguments (in the arena) to the slow path, which
 * resumes at the line starting at `line`.
 */
static enum step hand_over(struct resp_reader *r, struct resp_arg *args, size_t argc, size_t parsed,
                           const char *line)
{
    size_t want = argc < FAST_MAX_ARGS ? argc : FAST_MAX_ARGS;
    if (!resp__partial_reserve(r, want)) {
        resp__arena_unalloc(r, argc);
        resp__fail_oom(r);
        return STEP_FAIL;
    }
    const char *base = r->buf + r->start;
    for (size_t i = 0; i < parsed; i++) {
        r->partial[i].offset = (size_t)(args[i].ptr - base);
        r->partial[i].len = args[i].len;
        r->partial[i].owner = NULL;
    }
    resp__arena_unalloc(r, argc);
    r->partial_n = parsed;
    r->remaining = (long long)(argc - parsed);
    r->pos = (size_t)(line - r->buf);
    r->phase = PHASE_BULK_LEN;
    resp__line_reset(r, r->pos);
    return STEP_GO;
}

/* STEP_GO with *out filled (phase PHASE_START), STEP_GO with the slow path's
 * state set up, or STEP_FAIL (out of memory). */
static enum step multibulk_fast(struct resp_reader *r, struct resp_command *out, bool *done)
{
    const char *p = r->buf + r->start + 1;
    const char *e = r->buf + r->end;
    *done = false;

    /* The count: 1 to FAST_MAX_ARGS, canonical. */
    if (p >= e || (unsigned)(*p - '1') > 8)
        return STEP_GO;
    size_t argc = (size_t)(*p++ - '0');
    while (p < e && (unsigned)(*p - '0') <= 9) {
        argc = argc * 10 + (size_t)(*p++ - '0');
        if (argc > FAST_MAX_ARGS)
            return STEP_GO;
    }
    if (e - p < 2 || *p != '\r')
        return STEP_GO;
    if (r->auth_required && argc > RESP_UNAUTH_MULTIBULK)
        return STEP_GO;
    p += 2;

    struct resp_arg *args = resp__arena_alloc(r, argc);
    if (!args) {
        resp__fail_oom(r);
        return STEP_FAIL;
    }
    const unsigned long long max_bulk = (unsigned long long)r->fast_max_bulk;
    for (size_t i = 0; i < argc; i++) {
        const char *line = p;
        /* "$" digits "\r" and one more byte, then the data and two bytes. */
        if (e - p < 4 || *p != '$')
            return hand_over(r, args, argc, i, line);
        p++;
        unsigned long long len = (unsigned)(*p - '0');
        if (len > 9)
            return hand_over(r, args, argc, i, line);
        p++;
        if (len != 0) {
            const char *digits_end = p + FAST_MAX_DIGITS - 1;
            while (p < e && (unsigned)(*p - '0') <= 9 && p < digits_end)
                len = len * 10 + (unsigned)(*p++ - '0');
        }
        if (e - p < 2 || *p != '\r' || len > max_bulk)
            return hand_over(r, args, argc, i, line);
        p += 2;
        if ((unsigned long long)(e - p) < len + 2)
            return hand_over(r, args, argc, i, line);
        args[i].ptr = p;
        args[i].len = (size_t)len;
        args[i].owner = NULL;
        p += len + 2;
    }
    r->pos = r->start = (size_t)(p - r->buf);
    r->phase = PHASE_START;
    out->argc = (int)argc;
    out->argv = args;
    out->inline_form = false;
    *done = true;
    return STEP_GO;
}

/* ---------------------------------------------------------------- slow path */

/*
 * The CR ending the header line (a count or a bulk length) that starts at
 * `from`, once the line and its LF are buffered. Else -1 with *step set:
 * STEP_MORE, or STEP_FAIL with the error `too_big` once the line is longer
 * than the inline limit.
 */
static long header_line_end(struct resp_reader *r, size_t from, const char *too_big,
                            enum step *step)
{
    long cr = resp__find_line_end(r, from, '\r');
    if (cr >= 0 && (size_t)cr + 1 < r->end)
        return cr;
    *step = STEP_MORE; /* no CR yet, or the line's LF is not here yet */
    if (cr < 0 && r->end - from > r->limits.max_inline_len) {
        resp__fail(r, too_big);
        *step = STEP_FAIL;
    }
    return -1;
}

static enum step read_count(struct resp_reader *r)
{
    enum step step;
    long cr = header_line_end(r, r->start, "ERR Protocol error: too big mbulk count string", &step);
    if (cr < 0)
        return step;
    long long count;
    if (!strconv_parse_ll(r->buf + r->start + 1, (size_t)cr - r->start - 1, &count) ||
        count > RESP_MAX_MULTIBULK) {
        resp__fail(r, "ERR Protocol error: invalid multibulk length");
        return STEP_FAIL;
    }
    if (count > RESP_UNAUTH_MULTIBULK && r->auth_required) {
        resp__fail(r, "ERR Protocol error: unauthenticated multibulk length");
        return STEP_FAIL;
    }
    r->pos = (size_t)cr + 2;
    resp__line_reset(r, r->pos);
    if (count <= 0) {
        /* "*0", "*-1": no command, as Redis. */
        r->start = r->pos;
        r->phase = PHASE_START;
        return STEP_MORE;
    }
    if (!resp__partial_reserve(r, count < FAST_MAX_ARGS ? (size_t)count : FAST_MAX_ARGS)) {
        resp__fail_oom(r);
        return STEP_FAIL;
    }
    r->partial_n = 0;
    r->remaining = count;
    r->phase = PHASE_BULK_LEN;
    return STEP_GO;
}

static enum step fail_expected_dollar(struct resp_reader *r, char got)
{
    /* addReplyErrorFormat turns CR and LF into spaces. */
    if (got == '\r' || got == '\n')
        got = ' ';
    snprintf(r->error_buf, sizeof(r->error_buf), "ERR Protocol error: expected '$', got '%c'", got);
    resp__fail(r, r->error_buf);
    return STEP_FAIL;
}

/* A bulk too long for the buffer gets a buffer of its own, which the socket
 * then fills directly (see resp_reader_space). */
static enum step start_big(struct resp_reader *r)
{
    size_t have = r->end - r->pos;
    r->big = bytes_new(NULL, (size_t)r->bulk_len + 2);
    if (!r->big) {
        resp__fail_oom(r);
        return STEP_FAIL;
    }
    memcpy(r->big->data, r->buf + r->pos, have);
    r->big_filled = have;
    r->end = r->pos;
    resp__line_reset(r, r->pos);
    r->phase = PHASE_BIG;
    return STEP_MORE;
}

static enum step read_bulk_len(struct resp_reader *r)
{
    enum step step;
    long cr = header_line_end(r, r->pos, "ERR Protocol error: too big bulk count string", &step);
    if (cr < 0)
        return step;
    if (r->buf[r->pos] != '$')
        return fail_expected_dollar(r, r->buf[r->pos]);
    long long len;
    if (!strconv_parse_ll(r->buf + r->pos + 1, (size_t)cr - r->pos - 1, &len) || len < 0 ||
        len > r->limits.max_bulk_len) {
        resp__fail(r, "ERR Protocol error: invalid bulk length");
        return STEP_FAIL;
    }
    if (len > RESP_UNAUTH_BULK && r->auth_required) {
        resp__fail(r, "ERR Protocol error: unauthenticated bulk length");
        return STEP_FAIL;
    }
    if (!resp__partial_reserve(r, r->partial_n + 1)) {
        resp__fail_oom(r);
        return STEP_FAIL;
    }
    r->pos = (size_t)cr + 2;
    resp__line_reset(r, r->pos);
    r->bulk_len = len;
    r->phase = PHASE_BULK_DATA;
    if ((size_t)len >= r->big_arg && r->end - r->pos < (size_t)len + 2 &&
        (unsigned long long)len + 2 <= BYTES_MAX_LEN)
        return start_big(r);
    return STEP_GO;
}

static enum step read_bulk_data(struct resp_reader *r)
{
    if (r->end - r->pos < (size_t)r->bulk_len + 2)
        return STEP_MORE;
    struct resp_partial_arg *a = &r->partial[r->partial_n++];
    a->offset = r->pos - r->start;
    a->len = (size_t)r->bulk_len;
    a->owner = NULL;
    r->pos += (size_t)r->bulk_len + 2;
    resp__line_reset(r, r->pos);
    r->remaining--;
    r->phase = PHASE_BULK_LEN;
    return STEP_GO;
}

enum resp_status resp__multibulk(struct resp_reader *r, struct resp_command *out)
{
    enum step st = STEP_GO;
    if (r->phase == PHASE_MB_COUNT) {
        bool done;
        st = multibulk_fast(r, out, &done);
        if (done)
            return RESP_COMMAND;
        if (st == STEP_GO && r->phase == PHASE_MB_COUNT)
            st = read_count(r);
    }
    while (st == STEP_GO && r->remaining > 0) {
        switch (r->phase) {
        case PHASE_BULK_LEN:
            st = read_bulk_len(r);
            break;
        case PHASE_BULK_DATA:
            st = read_bulk_data(r);
            break;
        default: /* PHASE_BIG: resp_reader_commit completes it */
            st = STEP_MORE;
            break;
        }
    }
    if (st == STEP_FAIL)
        return RESP_ERROR;
    if (st == STEP_MORE)
        return RESP_NEED_MORE;
    return resp__finish(r, out, false);
}
