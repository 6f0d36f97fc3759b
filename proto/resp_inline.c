/*
 * Inline requests: one line, split into arguments with Redis's quoting rules
 * (sdssplitargs). Telnet users and a few old clients send them; they are rare,
 * so this path favours exactness over speed.
 *
 * Arguments are unescaped in place: a decoded argument is never longer than
 * its source text, so the write cursor never passes the read cursor, and the
 * line's bytes belong to this command alone. Arguments therefore stay slices
 * of the input buffer like multibulk ones.
 */
#include "proto/resp_internal.h"

#include <errno.h>
#include <stdbool.h>

/* isspace() in the C locale, without the locale lookup. */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The character after a backslash inside double quotes. */
static char unescape(char c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'b':
        return '\b';
    case 'a':
        return '\a';
    default:
        return c;
    }
}

/*
 * Reads one argument starting at line[*at] (not blank), writing its decoded
 * bytes at line[*w...]. Returns 0, or -EINVAL for unbalanced quotes. The line
 * ends at len as if NUL-terminated there (sdssplitargs sees a C string).
 */
static int read_token(char *line, size_t len, size_t *at, size_t *w)
{
    size_t i = *at, o = *w;
    enum { PLAIN, DOUBLE, SINGLE } mode = PLAIN;
    for (;;) {
        bool more = i + 1 < len; /* a byte follows line[i] */
        if (mode == DOUBLE) {
            if (i >= len)
                return -EINVAL; /* unterminated quotes */
            if (line[i] == '\\' && i + 3 < len && line[i + 1] == 'x' &&
                hex_value(line[i + 2]) >= 0 && hex_value(line[i + 3]) >= 0) {
                line[o++] = (char)(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3]));
                i += 4;
            } else if (line[i] == '\\' && more) {
                line[o++] = unescape(line[i + 1]);
                i += 2;
            } else if (line[i] == '"') {
                /* A closing quote must be followed by a blank or the end. */
                if (more && !is_blank(line[i + 1]))
                    return -EINVAL;
                i++;
                break;
            } else {
                line[o++] = line[i++];
            }
        } else if (mode == SINGLE) {
            if (i >= len)
                return -EINVAL;
            if (line[i] == '\\' && more && line[i + 1] == '\'') {
                line[o++] = '\'';
                i += 2;
            } else if (line[i] == '\'') {
                if (more && !is_blank(line[i + 1]))
                    return -EINVAL;
                i++;
                break;
            } else {
                line[o++] = line[i++];
            }
        } else {
            if (i >= len)
                break;
            char c = line[i];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                i++; /* only these end a plain token: not \v or \f */
                break;
            }
            i++;
            if (c == '"')
                mode = DOUBLE;
            else if (c == '\'')
                mode = SINGLE;
            else
                line[o++] = c;
        }
    }
    *at = i;
    *w = o;
    return 0;
}

int resp_split_args(char *line, size_t len, resp_emit_fn emit, void *ctx)
{
    size_t i = 0, w = 0;
    int argc = 0;
    for (;;) {
        while (i < len && is_blank(line[i]))
            i++;
        if (i >= len)
            return argc;
        size_t token = w;
        int rc = read_token(line, len, &i, &w);
        if (rc < 0)
            return rc;
        rc = emit(ctx, token, w - token);
        if (rc < 0)
            return rc;
        argc++;
    }
}

static int emit_partial(void *ctx, size_t offset, size_t len)
{
    struct resp_reader *r = ctx;
    if (!resp__partial_reserve(r, r->partial_n + 1))
        return -ENOMEM;
    struct resp_partial_arg *a = &r->partial[r->partial_n++];
    a->offset = offset;
    a->len = len;
    a->owner = NULL;
    return 0;
}

enum resp_status resp__inline(struct resp_reader *r, struct resp_command *out)
{
    long nl = resp__find_line_end(r, r->start, '\n');
    if (nl < 0) {
        if (r->end - r->start > r->limits.max_inline_len)
            return resp__fail(r, "ERR Protocol error: too big inline request");
        return RESP_NEED_MORE;
    }
    size_t line_end = (size_t)nl;
    if (line_end > r->start && r->buf[line_end - 1] == '\r')
        line_end--;
    r->partial_n = 0;
    int argc = resp_split_args(r->buf + r->start, line_end - r->start, emit_partial, r);
    if (argc == -ENOMEM)
        return resp__fail_oom(r);
    if (argc < 0)
        return resp__fail(r, "ERR Protocol error: unbalanced quotes in request");
    r->pos = (size_t)nl + 1;
    resp__line_reset(r, r->pos);
    if (argc == 0) {
        r->start = r->pos; /* an empty line: no command */
        r->phase = PHASE_START;
        return RESP_NEED_MORE;
    }
    return resp__finish(r, out, true);
}
