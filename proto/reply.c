/*
 * The reply encoder: RESP3 types and their RESP2 fallbacks, written into the
 * output chain. Every function writes one element (or an aggregate header)
 * with as few chain operations as possible: a small reply is one contiguous
 * extend of the tail block.
 *
 * Under RESP2 an attribute and its elements are dropped: out->skip counts the
 * elements still to drop. A scalar is one element; an aggregate header of k
 * children replaces itself by them (skip += k - 1); an attribute is no
 * element of its own and adds its 2k.
 */
#include "proto/outbuf_internal.h"
#include "proto/reply.h"

#include "core/alloc.h"
#include "core/compiler.h"
#include "core/strconv.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Small bulk replies are written with one extend (header, data, CRLF). */
#define SMALL_BULK_MAX   1024
/* Room for a one-byte type, "-9223372036854775808" with its NUL, and CRLF. */
#define REPLY_HEADER_MAX (1 + STRCONV_LL_BUF + 2)

static inline bool drop_scalar(struct reply *r)
{
    if (likely(r->out->skip == 0))
        return false;
    r->out->skip--;
    return true;
}

static inline bool drop_aggregate(struct reply *r, size_t children)
{
    if (likely(r->out->skip == 0))
        return false;
    r->out->skip += children - 1;
    return true;
}

/* Writes `type` + decimal n + CRLF at p; returns the length. */
static size_t write_header(char *p, char type, long long n)
{
    p[0] = type;
    size_t len = 1 + strconv_format_ll(p + 1, n);
    p[len] = '\r';
    p[len + 1] = '\n';
    return len + 2;
}

static void append_header(struct reply *r, char type, long long n)
{
    char buf[REPLY_HEADER_MAX];
    outbuf_append(r->out, buf, write_header(buf, type, n));
}

static void append_crlf(struct reply *r)
{
    outbuf_append(r->out, "\r\n", 2);
}

/* Writes type, text and CRLF with CR and LF inside text turned into spaces. */
static void append_line(struct reply *r, char type, const char *text, size_t len)
{
    outbuf_append(r->out, &type, 1);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' || text[i] == '\n') {
            outbuf_append(r->out, text + start, i - start);
            outbuf_append(r->out, " ", 1);
            start = i + 1;
        }
    }
    outbuf_append(r->out, text + start, len - start);
    append_crlf(r);
}

static void append_error(struct reply *r, const char *msg, size_t len)
{
    if (len > 0 && msg[0] == '-') { /* tolerate a caller that adds the '-' */
        msg++;
        len--;
    }
    r->out->errors++;
    append_line(r, '-', msg, len);
}

void reply_simple(struct reply *r, const char *s)
{
    if (drop_scalar(r))
        return;
    /* CR or LF would break the stream: spaces instead, as for errors. */
    append_line(r, '+', s, strlen(s));
}

void reply_simple_lines(struct reply *r, const char *const *lines, size_t n)
{
    reply_array(r, n);
    for (size_t i = 0; i < n; i++)
        reply_simple(r, lines[i]);
}

void reply_ok(struct reply *r)
{
    if (drop_scalar(r))
        return;
    outbuf_append(r->out, "+OK\r\n", 5);
}

void reply_error(struct reply *r, const char *msg)
{
    if (drop_scalar(r))
        return;
    append_error(r, msg, strlen(msg));
}

void reply_errorf(struct reply *r, const char *fmt, ...)
{
    if (drop_scalar(r))
        return;
    char stack[256];
    char *msg = stack;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(stack, sizeof(stack), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(stack)) {
        msg = mem_alloc((size_t)n + 1);
        if (!msg) {
            r->out->oom = true;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* As Redis's addReplyErrorFormat: trim CR/LF at both ends first. */
    size_t start = 0, end = (size_t)n;
    while (start < end && (msg[start] == '\r' || msg[start] == '\n'))
        start++;
    while (end > start && (msg[end - 1] == '\r' || msg[end - 1] == '\n'))
        end--;
    append_error(r, msg + start, end - start);
    if (msg != stack)
        mem_free(msg);
}

void reply_int(struct reply *r, long long v)
{
    if (drop_scalar(r))
        return;
    append_header(r, ':', v);
}

static void append_bulk(struct reply *r, const void *data, size_t len)
{
    if (len <= SMALL_BULK_MAX) {
        char head[REPLY_HEADER_MAX];
        size_t hlen = write_header(head, '$', (long long)len);
        char *p = outbuf__extend(r->out, hlen + len + 2);
        if (!p)
            return;
        memcpy(p, head, hlen);
        if (len)
            memcpy(p + hlen, data, len);
        p[hlen + len] = '\r';
        p[hlen + len + 1] = '\n';
        return;
    }
    append_header(r, '$', (long long)len);
    outbuf_append(r->out, data, len);
    append_crlf(r);
}

void reply_bulk(struct reply *r, const void *data, size_t len)
{
    if (drop_scalar(r))
        return;
    append_bulk(r, data, len);
}

void reply_bulk_cstr(struct reply *r, const char *s)
{
    reply_bulk(r, s, strlen(s));
}

void reply_bulk_bytes(struct reply *r, struct bytes *b)
{
    if (b->len < REPLY_REF_THRESHOLD) {
        reply_bulk(r, b->data, b->len);
        return;
    }
    if (drop_scalar(r))
        return;
    append_header(r, '$', (long long)b->len);
    outbuf_append_bytes(r->out, b, 0, b->len);
    append_crlf(r);
}

void reply_bulk_ll(struct reply *r, long long v)
{
    char buf[REPLY_HEADER_MAX];
    reply_bulk(r, buf, strconv_format_ll(buf, v));
}

void reply_null(struct reply *r)
{
    if (drop_scalar(r))
        return;
    if (r->proto >= 3)
        outbuf_append(r->out, "_\r\n", 3);
    else
        outbuf_append(r->out, "$-1\r\n", 5);
}

void reply_null_array(struct reply *r)
{
    if (drop_scalar(r))
        return;
    if (r->proto >= 3)
        outbuf_append(r->out, "_\r\n", 3);
    else
        outbuf_append(r->out, "*-1\r\n", 5);
}

void reply_array(struct reply *r, size_t n)
{
    if (drop_aggregate(r, n))
        return;
    append_header(r, '*', (long long)n);
}

void reply_map(struct reply *r, size_t n)
{
    if (drop_aggregate(r, 2 * n))
        return;
    if (r->proto >= 3)
        append_header(r, '%', (long long)n);
    else
        append_header(r, '*', (long long)(2 * n));
}

void reply_set(struct reply *r, size_t n)
{
    if (drop_aggregate(r, n))
        return;
    append_header(r, r->proto >= 3 ? '~' : '*', (long long)n);
}

void reply_push(struct reply *r, size_t n)
{
    if (drop_aggregate(r, n))
        return;
    append_header(r, r->proto >= 3 ? '>' : '*', (long long)n);
}

void reply_attribute(struct reply *r, size_t n)
{
    if (r->proto < 3 || r->out->skip > 0) {
        r->out->skip += 2 * n; /* dropped, with its 2n elements */
        return;
    }
    append_header(r, '|', (long long)n);
}

void reply_double(struct reply *r, double v)
{
    if (drop_scalar(r))
        return;
    char buf[REPLY_DOUBLE_MAX_CHARS + 3];
    if (r->proto >= 3) {
        buf[0] = ',';
        size_t len = 1 + (size_t)reply_format_double(buf + 1, REPLY_DOUBLE_MAX_CHARS, v);
        buf[len] = '\r';
        buf[len + 1] = '\n';
        outbuf_append(r->out, buf, len + 2);
    } else {
        size_t len = (size_t)reply_format_double(buf, sizeof(buf), v);
        append_bulk(r, buf, len);
    }
}

void reply_bool(struct reply *r, bool v)
{
    if (drop_scalar(r))
        return;
    if (r->proto >= 3)
        outbuf_append(r->out, v ? "#t\r\n" : "#f\r\n", 4);
    else
        outbuf_append(r->out, v ? ":1\r\n" : ":0\r\n", 4);
}

void reply_verbatim(struct reply *r, const char *fmt, const void *data, size_t len)
{
    assert(strlen(fmt) == 3);
    if (drop_scalar(r))
        return;
    if (r->proto < 3) {
        append_bulk(r, data, len);
        return;
    }
    append_header(r, '=', (long long)(len + 4));
    outbuf_append(r->out, fmt, 3);
    outbuf_append(r->out, ":", 1);
    outbuf_append(r->out, data, len);
    append_crlf(r);
}

void reply_bignum(struct reply *r, const char *digits, size_t len)
{
    if (drop_scalar(r))
        return;
    if (r->proto < 3) {
        append_bulk(r, digits, len);
        return;
    }
    outbuf_append(r->out, "(", 1);
    outbuf_append(r->out, digits, len);
    append_crlf(r);
}

struct reply_deferred reply_defer(struct reply *r)
{
    assert(r->out->skip == 0 && "deferred length inside a dropped attribute");
    struct reply_deferred d = {outbuf__defer(r->out), 0};
    return d;
}

static void fill(struct reply *r, struct reply_deferred d, char type, size_t n)
{
    if (!d.segment)
        return; /* reply_defer ran out of memory; out->oom is set */
    char buf[REPLY_HEADER_MAX];
    outbuf__fill(r->out, d.segment, buf, write_header(buf, type, (long long)n));
}

void reply_array_fill(struct reply *r, struct reply_deferred d, size_t n)
{
    fill(r, d, '*', n);
}

void reply_map_fill(struct reply *r, struct reply_deferred d, size_t n)
{
    if (r->proto >= 3)
        fill(r, d, '%', n);
    else
        fill(r, d, '*', 2 * n);
}

void reply_set_fill(struct reply *r, struct reply_deferred d, size_t n)
{
    fill(r, d, r->proto >= 3 ? '~' : '*', n);
}
