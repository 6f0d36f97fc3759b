/*
 * The append-only file's formats, as Redis 7.0 writes them: commands as RESP
 * multibulk arrays ("*3\r\n$3\r\nSET\r\n..."), and the manifest of the
 * multi-part layout ("file appendonly.aof.1.base.aof seq 1 type b"), which
 * names the base file, the incremental files and (type h) history files.
 *
 * Pure functions on memory: no I/O, no locks, so the loader's parser can be
 * fuzzed on its own (test/fuzz/aof_fuzz.c). Everything here must give a
 * clear answer on any input, never crash.
 */
#ifndef MAGPIE_STORE_AOF_FORMAT_H
#define MAGPIE_STORE_AOF_FORMAT_H

#include "proto/resp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A growable byte buffer (mem_alloc). A zeroed one is empty. */
struct aof_buf {
    char *data;
    size_t len, cap;
    bool oom; /* an append failed: the contents are incomplete */
};
void aof_buf_free(struct aof_buf *b);
void aof_buf_append(struct aof_buf *b, const void *p, size_t n);
/* Appends one command as a RESP multibulk array. */
void aof_buf_command(struct aof_buf *b, int argc, const struct resp_arg *argv);
/* The bytes aof_buf_command would append, and writing them to dst (which
 * has that many): for a caller that allocates the exact size itself. */
size_t aof_command_size(int argc, const struct resp_arg *argv);
void aof_command_write(char *dst, int argc, const struct resp_arg *argv);
/* Same, from C strings. */
void aof_buf_command_str(struct aof_buf *b, int argc, const char *const *argv);

enum aof_parse_status {
    AOF_PARSE_OK,        /* one command parsed */
    AOF_PARSE_END,       /* no bytes left */
    AOF_PARSE_TRUNCATED, /* the input ends inside a command */
    AOF_PARSE_BAD,       /* not a command: a format error at *consumed */
};

/* At most this many arguments per command (Redis's limit on a multibulk). */
#define AOF_MAX_ARGS (1024 * 1024)

/*
 * Parses the command that starts `buf` (len bytes). On AOF_PARSE_OK, *argc
 * and *argv describe it (argv a mem_alloc'd array pointing into buf: free it
 * with mem_free) and *consumed is its length. Otherwise *argv is NULL.
 */
enum aof_parse_status aof_parse_command(const char *buf, size_t len, size_t *consumed, int *argc,
                                        struct resp_arg **argv);

/* The manifest. */
enum aof_file_type { AOF_FILE_BASE = 'b', AOF_FILE_HISTORY = 'h', AOF_FILE_INCR = 'i' };

struct aof_file_info {
    char *name; /* mem_alloc'd */
    long long seq;
    char type; /* enum aof_file_type */
};

struct aof_manifest {
    struct aof_file_info *files; /* in the manifest's order */
    int count, cap;
};
void aof_manifest_free(struct aof_manifest *m);
/* Appends a file (the name is copied). 0 or -ENOMEM. */
int aof_manifest_add(struct aof_manifest *m, const char *name, long long seq, char type);
/*
 * Parses a manifest's text. Returns 0, or -EINVAL with Redis's reason in err
 * ("Invalid AOF manifest file format", "Found duplicate base file
 * information", ...), or -ENOMEM.
 */
int aof_manifest_parse(const char *text, size_t len, struct aof_manifest *m, char *err,
                       size_t errlen);
/* The manifest's text, as Redis writes it (history files included). */
void aof_manifest_format(const struct aof_manifest *m, struct aof_buf *out);
/* The base file, or NULL; the highest seq of each kind (0 if none). */
const struct aof_file_info *aof_manifest_base(const struct aof_manifest *m);
long long aof_manifest_max_seq(const struct aof_manifest *m, char type);

#ifdef __cplusplus
}
#endif
#endif
