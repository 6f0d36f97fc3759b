/*
 * libFuzzer target for store/lzf. Byte 0 picks an output capacity; the rest
 * of the input is used twice:
 *
 * - as a stream to decompress (an RDB file's hostile LZF string) into an
 *   exact-size heap buffer, so ASan catches any write or read past either
 *   buffer. A result must fit the capacity, and decompressing again into
 *   exactly that many bytes must give the same bytes.
 *
 * - as data to compress: compress into room for the worst case, which must
 *   always succeed, and decompress back to the same bytes; compressing into
 *   one byte less than that result must be refused, never overrun.
 */
#include "store/lzf.h"

#include <stdlib.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

static unsigned char *copy_of(const uint8_t *data, size_t size)
{
    unsigned char *p = malloc(size ? size : 1);
    CHECK(p);
    if (size)
        memcpy(p, data, size);
    return p;
}

static void fuzz_decompress(const uint8_t *data, size_t size, size_t cap)
{
    unsigned char *in = copy_of(data, size);
    unsigned char *out = malloc(cap ? cap : 1);
    CHECK(out);
    size_t n = lzf_decompress(in, size, out, cap);
    CHECK(n <= cap);
    if (n > 0) {
        unsigned char *exact = malloc(n);
        CHECK(exact);
        CHECK(lzf_decompress(in, size, exact, n) == n);
        CHECK(memcmp(exact, out, n) == 0);
        free(exact);
    }
    free(out);
    free(in);
}

static void fuzz_round_trip(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    unsigned char *in = copy_of(data, size);
    size_t worst = size + size / 32 + 1; /* every byte a literal */
    unsigned char *packed = malloc(worst);
    CHECK(packed);
    size_t n = lzf_compress(in, size, packed, worst);
    CHECK(n > 0 && n <= worst);
    unsigned char *out = malloc(size);
    CHECK(out);
    CHECK(lzf_decompress(packed, n, out, size) == size);
    CHECK(memcmp(out, in, size) == 0);
    unsigned char *tight = malloc(n - 1 ? n - 1 : 1);
    CHECK(tight);
    CHECK(lzf_compress(in, size, tight, n - 1) == 0);
    free(tight);
    free(out);
    free(packed);
    free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* Capacities from 0 to well past what the stream can expand to. */
    size_t cap = (size_t)data[0] * 37;
    fuzz_decompress(data + 1, size - 1, cap);
    fuzz_round_trip(data + 1, size - 1);
    return 0;
}
