/*
 * Writing a whole snapshot: header and aux fields, the keys of one point in
 * time (store/rdb_snapshot.c: each database behind SELECTDB and RESIZEDB),
 * EOF and the CRC64; DUMP payloads.
 */
#include "store/rdb_format.h"

#include "core/clock.h"
#include "store/entry.h"
#include "store/keyspace_impl.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* What redis-ver says: the version Magpie answers as (net/version.h). */
#define RDB_REDIS_VER "7.0.15"

void rdb_write_header(struct rdb_writer *w, long long used_mem, bool aof_base)
{
    char magic[10];
    memcpy(magic, "REDIS", 5);
    magic[5] = '0';
    magic[6] = '0';
    magic[7] = (char)('0' + RDB_VERSION / 10);
    magic[8] = (char)('0' + RDB_VERSION % 10);
    rdb_write_bytes(w, magic, 9);
    rdb_write_aux(w, "redis-ver", RDB_REDIS_VER);
    rdb_write_aux_int(w, "redis-bits", (long long)sizeof(void *) * 8);
    rdb_write_aux_int(w, "ctime", (long long)time(NULL));
    rdb_write_aux_int(w, "used-mem", used_mem);
    rdb_write_aux_int(w, "aof-base", aof_base ? 1 : 0);
}

void rdb_write_footer(struct rdb_writer *w, bool checksum)
{
    unsigned char eof = RDB_OPCODE_EOF;
    rdb_write_bytes(w, &eof, 1);
    uint64_t crc = checksum ? w->crc : 0;
    unsigned char buf[8];
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(crc >> (8 * i));
    rdb_write_bytes(w, buf, 8);
}

int rdb_save_keyspace(struct keyspace *ks, struct rdb_writer *w, const struct rdb_save_options *opt)
{
    rdb_write_header(w, opt->used_mem, opt->aof_base);
    if (opt->begun) /* its error stays in w */
        rdb_snapshot_finish(opt->begun, w);
    else
        rdb_snapshot_write(ks, w, opt->now_ms, NULL, opt->hooks);
    rdb_write_footer(w, opt->checksum);
    return rdb_writer_flush(w);
}

int rdb_save_to_fd(struct keyspace *ks, int fd, const struct rdb_save_options *opt)
{
    struct rdb_writer w;
    rdb_writer_init(&w, rdb_fd_sink, &fd, opt->compress);
    int rc = rdb_save_keyspace(ks, &w, opt);
    rdb_writer_release(&w);
    return rc;
}

int rdb_dump_payload(const struct value *v, struct rdb_writer *w)
{
    rdb_writer_init(w, NULL, NULL, true);
    int type = rdb_value_type(v);
    if (type < 0)
        return type;
    unsigned char t = (unsigned char)type;
    rdb_write_bytes(w, &t, 1);
    rdb_write_value(w, v);
    unsigned char version[2] = {RDB_VERSION & 0xff, RDB_VERSION >> 8};
    rdb_write_bytes(w, version, 2);
    uint64_t crc = w->crc;
    unsigned char buf[8];
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(crc >> (8 * i));
    rdb_write_bytes(w, buf, 8);
    return w->error;
}

bool rdb_dump_payload_valid(const void *buf, size_t len)
{
    if (len < 10)
        return false;
    const unsigned char *p = buf;
    const unsigned char *footer = p + len - 10;
    unsigned version = footer[0] | (unsigned)footer[1] << 8;
    if (version > RDB_VERSION)
        return false;
    uint64_t crc = 0;
    for (int i = 0; i < 8; i++)
        crc |= (uint64_t)footer[2 + i] << (8 * i);
    return rdb_crc64(0, p, len - 8) == crc;
}
