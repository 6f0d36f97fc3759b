/*
 * CRC64 with the Jones polynomial, reflected, initial value 0 and no final
 * xor: the checksum Redis puts at the end of an RDB file and of a DUMP
 * payload (crc64("123456789") == 0xe9c6d914c4b8d9ca). Eight tables, eight
 * bytes a step (slicing-by-8), so checksumming a snapshot costs little
 * next to writing it.
 */
#include "store/rdb.h"

#include <pthread.h>
#include <string.h>

#define CRC64_JONES_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t crc64_table[8][256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;

static void crc64_init(void)
{
    for (unsigned n = 0; n < 256; n++) {
        uint64_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ CRC64_JONES_REFLECTED : c >> 1;
        crc64_table[0][n] = c;
    }
    for (unsigned n = 0; n < 256; n++) {
        uint64_t c = crc64_table[0][n];
        for (int k = 1; k < 8; k++) {
            c = crc64_table[0][c & 0xff] ^ (c >> 8);
            crc64_table[k][n] = c;
        }
    }
}

uint64_t rdb_crc64(uint64_t crc, const void *buf, size_t len)
{
    pthread_once(&crc64_once, crc64_init);
    const unsigned char *p = buf;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        crc ^= w;
        crc = crc64_table[7][crc & 0xff] ^ crc64_table[6][(crc >> 8) & 0xff] ^
              crc64_table[5][(crc >> 16) & 0xff] ^ crc64_table[4][(crc >> 24) & 0xff] ^
              crc64_table[3][(crc >> 32) & 0xff] ^ crc64_table[2][(crc >> 40) & 0xff] ^
              crc64_table[1][(crc >> 48) & 0xff] ^ crc64_table[0][crc >> 56];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = crc64_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}
