/*
 * Writing a whole snapshot: header and aux fields, each database behind
 * SELECTDB and RESIZEDB, every live key, EOF and the CRC64. Each shard is
 * serialized into memory under its lock and written out after the lock is
 * released, so file I/O never holds a shard; the file is consistent shard
 * by shard, not one point in time across shards while writes go on.
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

struct shard_walk {
    struct rdb_writer *out;
    int64_t now_ms;
};

static void write_entry(void *ctx, struct table_node *n)
{
    struct shard_walk *walk = ctx;
    struct entry *e = entry_of(n);
    int64_t when = entry_expire_at(e);
    if (expire_passed(when, walk->now_ms))
        return;
    struct value v;
    entry_value(e, &v);
    rdb_write_key(walk->out, entry_key(e), e->key_len, &v, when);
}

/* One shard's keys into a memory writer (under the lock), then out. */
static void save_shard(struct shard *s, struct rdb_writer *w, int64_t now_ms)
{
    struct rdb_writer mem;
    rdb_writer_init(&mem, NULL, NULL, w->compress);
    struct shard_walk walk = {&mem, now_ms};
    SHARD_GUARD (s) {
        table_foreach(&s->table, write_entry, &walk);
    }
    if (mem.error && !w->error)
        w->error = mem.error;
    rdb_write_bytes(w, mem.mem, mem.used);
    rdb_writer_release(&mem);
}

static void save_db(struct keyspace *ks, int db, struct rdb_writer *w, int64_t now_ms)
{
    struct keyspace_db_stats st;
    keyspace_db_stats(ks, db, &st);
    if (st.keys == 0)
        return;
    unsigned char op = RDB_OPCODE_SELECTDB;
    rdb_write_bytes(w, &op, 1);
    rdb_write_len(w, (uint64_t)db);
    op = RDB_OPCODE_RESIZEDB;
    rdb_write_bytes(w, &op, 1);
    rdb_write_len(w, st.keys);
    rdb_write_len(w, st.expires);
    uint32_t first = keyspace_db_first_shard(ks, db);
    for (int i = 0; i < ks->shards_per_db && !w->error; i++)
        save_shard(keyspace_shard(ks, first + (uint32_t)i), w, now_ms);
}

int rdb_save_keyspace(struct keyspace *ks, struct rdb_writer *w, const struct rdb_save_options *opt)
{
    rdb_write_header(w, opt->used_mem, opt->aof_base);
    for (int db = 0; db < ks->databases && !w->error; db++)
        save_db(ks, db, w, opt->now_ms);
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
