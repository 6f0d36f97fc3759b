/*
 * LZF: the small, fast LZ77 compression that Redis uses for RDB strings and
 * for the interior nodes of a quicklist. The bytes are liblzf's format, so a
 * stream made here decompresses in Redis and the other way round (which
 * stream a compressor picks for given data is its own business; only the
 * format is shared). The decompressor is fed hostile RDB files: it must
 * never read past `in_len` or write past `out_cap`, whatever the bytes. No
 * allocation, no state between calls.
 *
 * A stream is a sequence of items, each starting with a control byte:
 *
 *     000LLLLL <L+1 bytes>            literal run of 1..32 bytes, copied as is
 *     LLLooooo oooooooo               back-reference, L = 1..6
 *     111ooooo LLLLLLLL oooooooo      back-reference, L = 7 + the second byte
 *
 * A back-reference copies L+2 bytes (3..264) starting `o+1` bytes (1..8192)
 * behind the current end of the output, one byte at a time, so it may
 * overlap what it writes (a run of one byte is a literal then a reference
 * at distance 1). The 13-bit distance is the control byte's low 5 bits then
 * the last byte. There is no header, length or checksum: the caller stores
 * the uncompressed length next to the stream.
 */
#ifndef MAGPIE_STORE_LZF_H
#define MAGPIE_STORE_LZF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest back-reference and the farthest one, from the format. */
#define LZF_MAX_MATCH    264
#define LZF_MAX_DISTANCE 8192

/* Compresses in_len bytes into out. Returns the compressed length, or 0
 * when it would not fit in out_cap bytes (callers pass in_len - 1 or less
 * to keep only a saving), when in_len is 0, or past 4 GiB. */
size_t lzf_compress(const void *in, size_t in_len, void *out, size_t out_cap);

/* Decompresses a stream into out. Returns the decompressed length, or 0
 * when the stream is corrupt (a truncated item, a reference before the
 * start of the output) or would need more than out_cap bytes. */
size_t lzf_decompress(const void *in, size_t in_len, void *out, size_t out_cap);

#ifdef __cplusplus
}
#endif
#endif
