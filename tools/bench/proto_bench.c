/*
 * Protocol layer benchmark.
 *
 * parse:   a pipelined stream of small GET/SET commands, handed to the reader
 *          in 16 KB reads (resp_reader_space + memcpy + commit, as a socket
 *          read would), every command taken with resp_reader_next.
 * floor:   memchr for '\n' over the same stream in the same 16 KB pieces: the
 *          least any parser that finds line ends must do. The ratio
 *          parse/floor says how far from that floor the parser is.
 * encode:  small bulk replies (copied) and 8 KB values (referenced) into an
 *          outbuf, drained through outbuf_iov/outbuf_consume like writev.
 *
 * Numbers are per core (one thread) and noisy on a shared machine.
 */
#include "core/bytes.h"
#include "proto/reply.h"
#include "proto/resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STREAM_COMMANDS 200000
#define READ_SIZE       (16 * 1024)
#define MIN_SECONDS     1.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *append(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* GET key:NNNNNN and SET key:NNNNNN <16-byte value>, alternating. */
static char *build_stream(size_t *len)
{
    char *buf = malloc((size_t)STREAM_COMMANDS * 80);
    if (!buf)
        return NULL;
    char *p = buf;
    char line[128];
    for (int i = 0; i < STREAM_COMMANDS; i++) {
        if (i % 2 == 0) {
            snprintf(line, sizeof(line), "*2\r\n$3\r\nGET\r\n$10\r\nkey:%06d\r\n", i % 1000000);
        } else {
            snprintf(line, sizeof(line),
                     "*3\r\n$3\r\nSET\r\n$10\r\nkey:%06d\r\n$16\r\nvalue-%010d\r\n", i % 1000000,
                     i);
        }
        p = append(p, line);
    }
    *len = (size_t)(p - buf);
    return buf;
}

/* One pass of the stream through the reader; returns the command count. */
static long parse_pass(struct resp_reader *r, const char *stream, size_t len)
{
    long commands = 0;
    size_t at = 0;
    while (at < len) {
        char *dst;
        size_t room;
        if (resp_reader_space(r, &dst, &room) < 0) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        size_t n = room < READ_SIZE ? room : READ_SIZE;
        if (n > len - at)
            n = len - at;
        memcpy(dst, stream + at, n);
        resp_reader_commit(r, n);
        at += n;
        struct resp_command c;
        enum resp_status st;
        while ((st = resp_reader_next(r, &c)) == RESP_COMMAND)
            commands++;
        if (st == RESP_ERROR) {
            fprintf(stderr, "parse error: %s\n", resp_reader_error(r));
            exit(1);
        }
    }
    return commands;
}

static long memchr_pass(const char *stream, size_t len)
{
    long lines = 0;
    for (size_t at = 0; at < len; at += READ_SIZE) {
        const char *p = stream + at;
        const char *end = p + (len - at < READ_SIZE ? len - at : READ_SIZE);
        while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            lines++;
            p++;
        }
    }
    return lines;
}

static void bench_parse(void)
{
    size_t len;
    char *stream = build_stream(&len);
    struct resp_reader *r = resp_reader_new(NULL);
    if (!stream || !r) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    parse_pass(r, stream, len); /* warm up */
    long commands = 0, passes = 0;
    double start = now(), parse_time;
    do {
        commands += parse_pass(r, stream, len);
        passes++;
    } while ((parse_time = now() - start) < MIN_SECONDS);

    volatile long sink = 0;
    start = now();
    for (long i = 0; i < passes; i++)
        sink += memchr_pass(stream, len);
    double floor_time = now() - start;
    (void)sink;

    double bytes = (double)len * (double)passes;
    printf("parse   %8.2f M commands/s  %8.1f MB/s   (%zu-byte stream of GET/SET, %d KB reads)\n",
           (double)commands / parse_time / 1e6, bytes / parse_time / 1e6, len, READ_SIZE / 1024);
    printf("floor   %8.1f MB/s memchr '\\n' over the same stream\n", bytes / floor_time / 1e6);
    printf("ratio   parse takes %.1fx the memchr floor\n", parse_time / floor_time);
    resp_reader_free(r);
    free(stream);
}

static size_t drain(struct outbuf *o)
{
    struct iovec iov[64];
    size_t total = 0;
    int n;
    while ((n = outbuf_iov(o, iov, 64)) > 0) {
        size_t bytes = 0;
        for (int i = 0; i < n; i++)
            bytes += iov[i].iov_len;
        outbuf_consume(o, bytes);
        total += bytes;
    }
    return total;
}

static void bench_encode(void)
{
    struct outbuf o;
    outbuf_init(&o);
    struct reply r = {.out = &o, .proto = 2};
    const char value[] = "value-0000000001";
    long replies = 0;
    double bytes = 0, start = now(), t;
    do {
        /* A pipelined batch: ~100 replies, then one writev. */
        for (int i = 0; i < 1000; i++) {
            for (int j = 0; j < 100; j++)
                reply_bulk(&r, value, sizeof(value) - 1);
            bytes += (double)drain(&o);
        }
        replies += 100000;
    } while ((t = now() - start) < MIN_SECONDS);
    printf("encode  %8.2f M bulk replies/s %7.1f MB/s  (16-byte values, copied)\n",
           (double)replies / t / 1e6, bytes / t / 1e6);

    struct bytes *big = bytes_new(NULL, 8192);
    if (!big)
        exit(1);
    memset(big->data, 'v', 8192);
    replies = 0;
    bytes = 0;
    start = now();
    do {
        for (int i = 0; i < 1000; i++) {
            for (int j = 0; j < 16; j++)
                reply_bulk_bytes(&r, big);
            bytes += (double)drain(&o);
        }
        replies += 16000;
    } while ((t = now() - start) < MIN_SECONDS);
    printf("encode  %8.2f M bulk replies/s %7.1f MB/s  (8 KB values, referenced)\n",
           (double)replies / t / 1e6, bytes / t / 1e6);
    if (o.oom) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    bytes_unref(big);
    outbuf_free(&o);
    outbuf_cache_drain();
}

int main(void)
{
    bench_parse();
    bench_encode();
    return 0;
}
