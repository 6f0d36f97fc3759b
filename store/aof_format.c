/*
 * The append-only file's formats (store/aof_format.h): RESP multibulk
 * commands written and parsed, and the manifest of Redis 7's multi-part
 * layout.
 */
#include "store/aof_format.h"

#include "core/alloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void aof_buf_free(struct aof_buf *b)
{
    mem_free(b->data);
    *b = (struct aof_buf){0};
}

void aof_buf_append(struct aof_buf *b, const void *p, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *grown = mem_realloc(b->data, cap);
        if (!grown) {
            b->oom = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void append_header(struct aof_buf *b, char kind, size_t n)
{
    char head[32];
    int len = snprintf(head, sizeof(head), "%c%zu\r\n", kind, n);
    aof_buf_append(b, head, (size_t)len);
}

void aof_buf_command(struct aof_buf *b, int argc, const struct resp_arg *argv)
{
    append_header(b, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        append_header(b, '$', argv[i].len);
        aof_buf_append(b, argv[i].ptr, argv[i].len);
        aof_buf_append(b, "\r\n", 2);
    }
}

static size_t digits_of(size_t n)
{
    size_t d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

size_t aof_command_size(int argc, const struct resp_arg *argv)
{
    size_t total = 1 + digits_of((size_t)argc) + 2;
    for (int i = 0; i < argc; i++)
        total += 1 + digits_of(argv[i].len) + 2 + argv[i].len + 2;
    return total;
}

static char *write_header(char *dst, char kind, size_t n)
{
    char digits[24];
    size_t d = 0;
    do {
        digits[d++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    *dst++ = kind;
    while (d)
        *dst++ = digits[--d];
    *dst++ = '\r';
    *dst++ = '\n';
    return dst;
}

void aof_command_write(char *dst, int argc, const struct resp_arg *argv)
{
    dst = write_header(dst, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        dst = write_header(dst, '$', argv[i].len);
        if (argv[i].len)
            memcpy(dst, argv[i].ptr, argv[i].len);
        dst += argv[i].len;
        *dst++ = '\r';
        *dst++ = '\n';
    }
}

void aof_buf_command_str(struct aof_buf *b, int argc, const char *const *argv)
{
    append_header(b, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        append_header(b, '$', n);
        aof_buf_append(b, argv[i], n);
        aof_buf_append(b, "\r\n", 2);
    }
}

/* Reads "<kind><digits>\r\n" at *at. Returns OK, TRUNCATED or BAD. */
static enum aof_parse_status read_header(const char *buf, size_t len, size_t *at, char kind,
                                         long long max, long long *out)
{
    size_t i = *at;
    if (i >= len)
        return AOF_PARSE_TRUNCATED;
    if (buf[i] != kind)
        return AOF_PARSE_BAD;
    i++;
    long long n = 0;
    size_t digits = 0;
    for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++, digits++) {
        if (n > (max - (buf[i] - '0')) / 10)
            return AOF_PARSE_BAD;
        n = n * 10 + (buf[i] - '0');
    }
    if (i >= len)
        return AOF_PARSE_TRUNCATED;
    if (digits == 0 || buf[i] != '\r')
        return AOF_PARSE_BAD;
    if (i + 1 >= len)
        return AOF_PARSE_TRUNCATED;
    if (buf[i + 1] != '\n')
        return AOF_PARSE_BAD;
    *at = i + 2;
    *out = n;
    return AOF_PARSE_OK;
}

enum aof_parse_status aof_parse_command(const char *buf, size_t len, size_t *consumed, int *argc,
                                        struct resp_arg **argv)
{
    *argv = NULL;
    *argc = 0;
    *consumed = 0;
    if (len == 0)
        return AOF_PARSE_END;
    size_t at = 0;
    long long n;
    enum aof_parse_status st = read_header(buf, len, &at, '*', AOF_MAX_ARGS, &n);
    if (st != AOF_PARSE_OK)
        return st;
    if (n < 1)
        return AOF_PARSE_BAD;
    /* Never trust the count for the allocation: grow as arguments arrive. */
    size_t cap = n < 16 ? (size_t)n : 16;
    struct resp_arg *args = mem_alloc(cap * sizeof(*args));
    if (!args)
        return AOF_PARSE_BAD;
    for (long long i = 0; i < n; i++) {
        long long blen;
        st = read_header(buf, len, &at, '$', LLONG_MAX / 2, &blen);
        if (st == AOF_PARSE_OK && (size_t)blen + 2 > len - at)
            st = AOF_PARSE_TRUNCATED;
        if (st == AOF_PARSE_OK && (buf[at + blen] != '\r' || buf[at + blen + 1] != '\n'))
            st = AOF_PARSE_BAD;
        if (st == AOF_PARSE_OK && (size_t)i == cap) {
            struct resp_arg *grown = mem_realloc(args, 2 * cap * sizeof(*args));
            if (!grown)
                st = AOF_PARSE_BAD;
            else {
                args = grown;
                cap *= 2;
            }
        }
        if (st != AOF_PARSE_OK) {
            mem_free(args);
            *consumed = at;
            return st;
        }
        args[i] = (struct resp_arg){buf + at, (size_t)blen, NULL};
        at += (size_t)blen + 2;
    }
    *argv = args;
    *argc = (int)n;
    *consumed = at;
    return AOF_PARSE_OK;
}

void aof_manifest_free(struct aof_manifest *m)
{
    for (int i = 0; i < m->count; i++)
        mem_free(m->files[i].name);
    mem_free(m->files);
    *m = (struct aof_manifest){0};
}

int aof_manifest_add(struct aof_manifest *m, const char *name, long long seq, char type)
{
    if (m->count == m->cap) {
        int cap = m->cap ? 2 * m->cap : 4;
        struct aof_file_info *grown = mem_realloc(m->files, (size_t)cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        m->files = grown;
        m->cap = cap;
    }
    char *copy = mem_strdup(name);
    if (!copy)
        return -ENOMEM;
    m->files[m->count++] = (struct aof_file_info){copy, seq, type};
    return 0;
}

struct split {
    char *line;
    size_t off[16], len[16];
    int n;
};

static int collect(void *ctx, size_t offset, size_t len)
{
    struct split *s = ctx;
    if (s->n == 16)
        return -EINVAL;
    s->off[s->n] = offset;
    s->len[s->n] = len;
    s->n++;
    return 0;
}

/* One manifest line (trimmed, not empty) into m; NULL or the error. */
static const char *parse_line(char *line, size_t len, struct aof_manifest *m, long long *maxseq)
{
    struct split s = {.line = line};
    if (resp_split_args(line, len, collect, &s) < 0 || s.n < 6 || s.n % 2)
        return "Invalid AOF manifest file format";
    /* The tokens are packed one after another in line: copied out. */
    char name[1025] = "", val[1025];
    long long seq = 0;
    char type = 0;
    for (int i = 0; i < s.n; i += 2) {
        const char *key = line + s.off[i];
        size_t klen = s.len[i];
        memcpy(val, line + s.off[i + 1], s.len[i + 1]);
        val[s.len[i + 1]] = '\0';
        if (klen == 4 && !strncasecmp(key, "file", 4)) {
            if (strchr(val, '/'))
                return "File can't be a path, just a filename";
            memcpy(name, val, s.len[i + 1] + 1);
        } else if (klen == 3 && !strncasecmp(key, "seq", 3)) {
            seq = atoll(val);
        } else if (klen == 4 && !strncasecmp(key, "type", 4)) {
            type = val[0];
        }
    }
    if (!*name || !seq || !type)
        return "Invalid AOF manifest file format";
    if (type == AOF_FILE_BASE && aof_manifest_base(m))
        return "Found duplicate base file information";
    if (type == AOF_FILE_INCR) {
        if (seq <= *maxseq)
            return "Found a non-monotonic sequence number";
        *maxseq = seq;
    } else if (type != AOF_FILE_BASE && type != AOF_FILE_HISTORY) {
        return "Unknown AOF file type";
    }
    return aof_manifest_add(m, name, seq, type) ? "Out of memory" : NULL;
}

int aof_manifest_parse(const char *text, size_t len, struct aof_manifest *m, char *err,
                       size_t errlen)
{
    *m = (struct aof_manifest){0};
    long long maxseq = 0;
    int lines = 0;
    const char *why = NULL;
    char buf[1025];
    for (size_t at = 0; at < len && !why;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        lines++;
        if (text[at] == '#') {
            at += n + 1;
            continue;
        }
        if (!nl || n >= sizeof(buf) - 1) {
            why = !nl ? "Invalid AOF manifest file format"
                      : "The AOF manifest file contains too long line";
            break;
        }
        memcpy(buf, text + at, n);
        while (n && strchr(" \t\r", buf[n - 1]))
            n--;
        size_t start = 0;
        while (start < n && strchr(" \t", buf[start]))
            start++;
        buf[n] = '\0';
        if (start == n)
            why = "Invalid AOF manifest file format";
        else
            why = parse_line(buf + start, n - start, m, &maxseq);
        at += (size_t)(nl - (text + at)) + 1;
    }
    if (!why && lines == 0)
        why = "Found an empty AOF manifest";
    if (why) {
        snprintf(err, errlen, "%s", why);
        aof_manifest_free(m);
        return -EINVAL;
    }
    return 0;
}

static void format_kind(const struct aof_manifest *m, char type, struct aof_buf *out)
{
    for (int i = 0; i < m->count; i++) {
        const struct aof_file_info *f = &m->files[i];
        if (f->type != type)
            continue;
        char line[1200];
        int n =
            snprintf(line, sizeof(line), "file %s seq %lld type %c\n", f->name, f->seq, f->type);
        aof_buf_append(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    }
}

void aof_manifest_format(const struct aof_manifest *m, struct aof_buf *out)
{
    /* Redis's order: the base, the history, then the incremental files. */
    format_kind(m, AOF_FILE_BASE, out);
    format_kind(m, AOF_FILE_HISTORY, out);
    format_kind(m, AOF_FILE_INCR, out);
}

const struct aof_file_info *aof_manifest_base(const struct aof_manifest *m)
{
    for (int i = 0; i < m->count; i++)
        if (m->files[i].type == AOF_FILE_BASE)
            return &m->files[i];
    return NULL;
}

long long aof_manifest_max_seq(const struct aof_manifest *m, char type)
{
    long long max = 0;
    for (int i = 0; i < m->count; i++)
        if (m->files[i].type == type && m->files[i].seq > max)
            max = m->files[i].seq;
    return max;
}
