/*
 * The RDB writer's primitives: a buffer in front of a sink with the running
 * CRC64, Redis's length prefixes, and strings as Redis writes them (a short
 * canonical integer as INT8/16/32, a string over 20 bytes LZF-compressed
 * when that saves space and rdbcompression is on, else the bytes).
 */
#include "store/rdb_format.h"

#include "core/alloc.h"
#include "core/strconv.h"
#include "store/lzf.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void rdb_writer_init(struct rdb_writer *w, rdb_sink_fn sink, void *ctx, bool compress)
{
    memset(w, 0, sizeof(*w));
    w->sink = sink;
    w->ctx = ctx;
    w->compress = compress;
}

void rdb_writer_release(struct rdb_writer *w)
{
    mem_free(w->mem);
    w->mem = NULL;
    w->used = w->cap = 0;
}

int rdb_fd_sink(void *ctx, const void *buf, size_t len)
{
    int fd = *(int *)ctx;
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int rdb_writer_flush(struct rdb_writer *w)
{
    if (w->error || !w->sink || !w->used)
        return w->error;
    w->error = w->sink(w->ctx, w->mem, w->used);
    w->used = 0;
    return w->error;
}

/* Room for n more bytes in the buffer: a sink's buffer is flushed, a
 * memory writer's grows. */
static bool writer_room(struct rdb_writer *w, size_t n)
{
    if (w->used + n <= w->cap)
        return true;
    if (w->sink && w->used && rdb_writer_flush(w))
        return false;
    if (w->used + n <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : (w->sink ? RDB_WRITER_BUF : 256);
    while (cap < w->used + n)
        cap *= 2;
    unsigned char *m = mem_realloc(w->mem, cap);
    if (!m) {
        w->error = -ENOMEM;
        return false;
    }
    w->mem = m;
    w->cap = cap;
    return true;
}

void rdb_write_bytes(struct rdb_writer *w, const void *buf, size_t len)
{
    if (w->error || !len)
        return;
    if (!w->no_crc)
        w->crc = rdb_crc64(w->crc, buf, len);
    w->written += len;
    /* Big blobs bypass a sink's buffer. */
    if (w->sink && len >= RDB_WRITER_BUF) {
        if (!rdb_writer_flush(w))
            w->error = w->sink(w->ctx, buf, len);
        return;
    }
    if (!writer_room(w, len))
        return;
    memcpy(w->mem + w->used, buf, len);
    w->used += len;
}

static void write_byte(struct rdb_writer *w, unsigned char b)
{
    rdb_write_bytes(w, &b, 1);
}

void rdb_write_len(struct rdb_writer *w, uint64_t len)
{
    unsigned char buf[9];
    size_t n;
    if (len < (1u << 6)) {
        buf[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1u << 14)) {
        buf[0] = (unsigned char)((RDB_14BITLEN << 6) | (len >> 8));
        buf[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        buf[0] = RDB_32BITLEN;
        for (int i = 0; i < 4; i++)
            buf[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        buf[0] = RDB_64BITLEN;
        for (int i = 0; i < 8; i++)
            buf[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    rdb_write_bytes(w, buf, n);
}

/* Redis's rdbEncodeInteger: the shortest of INT8/16/32, or 0 bytes when
 * the value needs more. */
static size_t encode_int(long long v, unsigned char buf[5])
{
    uint64_t u = (uint64_t)v; /* two's complement bytes, shifted unsigned */
    if (v >= INT8_MIN && v <= INT8_MAX) {
        buf[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
        buf[1] = (unsigned char)(u & 0xff);
        return 2;
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
        buf[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
        buf[1] = (unsigned char)(u & 0xff);
        buf[2] = (unsigned char)((u >> 8) & 0xff);
        return 3;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
        buf[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
        for (int i = 0; i < 4; i++)
            buf[1 + i] = (unsigned char)((u >> (8 * i)) & 0xff);
        return 5;
    }
    return 0;
}

void rdb__write_ll(struct rdb_writer *w, long long v)
{
    unsigned char buf[5];
    size_t n = encode_int(v, buf);
    if (n) {
        rdb_write_bytes(w, buf, n);
        return;
    }
    char digits[STRCONV_LL_BUF];
    size_t len = strconv_format_ll(digits, v);
    rdb_write_len(w, len);
    rdb_write_bytes(w, digits, len);
}

/* LZF as Redis's rdbSaveLzfStringObject: only when it saves bytes. */
static bool write_lzf(struct rdb_writer *w, const void *s, size_t len)
{
    if (len <= 4)
        return false;
    unsigned char *out = mem_alloc(len - 4);
    if (!out)
        return false; /* written plain instead */
    size_t clen = lzf_compress(s, len, out, len - 4);
    if (clen) {
        write_byte(w, (RDB_ENCVAL << 6) | RDB_ENC_LZF);
        rdb_write_len(w, clen);
        rdb_write_len(w, len);
        rdb_write_bytes(w, out, clen);
    }
    mem_free(out);
    return clen != 0;
}

void rdb_write_string(struct rdb_writer *w, const void *s, size_t len)
{
    long long v;
    unsigned char buf[5];
    size_t n;
    /* Redis tries the integer form on strings of at most 11 characters. */
    if (len <= 11 && strconv_parse_ll(s, len, &v) && (n = encode_int(v, buf))) {
        rdb_write_bytes(w, buf, n);
        return;
    }
    if (w->compress && len > 20 && write_lzf(w, s, len))
        return;
    rdb_write_len(w, len);
    rdb_write_bytes(w, s, len);
}

void rdb_write_aux(struct rdb_writer *w, const char *key, const char *value)
{
    write_byte(w, RDB_OPCODE_AUX);
    rdb_write_string(w, key, strlen(key));
    rdb_write_string(w, value, strlen(value));
}

void rdb_write_aux_int(struct rdb_writer *w, const char *key, long long value)
{
    char digits[STRCONV_LL_BUF];
    strconv_format_ll(digits, value);
    rdb_write_aux(w, key, digits);
}
