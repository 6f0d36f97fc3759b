/*
 * The AOF loader's parsers on any input (store/aof_format.h): commands are
 * parsed one after another until the end, a truncation or a format error,
 * and whatever parsed is encoded again and must parse back identically; the
 * same bytes as a manifest must give a manifest or an error, never a crash
 * or a leak.
 */
#include "test/fuzz/fuzz.h"

#include "core/alloc.h"
#include "store/aof_format.h"

#include <stdint.h>
#include <string.h>

static void reencode(int argc, const struct resp_arg *argv)
{
    struct aof_buf b = {0};
    aof_buf_command(&b, argc, argv);
    if (b.oom) {
        aof_buf_free(&b);
        return;
    }
    size_t used;
    int argc2;
    struct resp_arg *argv2;
    enum aof_parse_status st = aof_parse_command(b.data, b.len, &used, &argc2, &argv2);
    CHECK(st == AOF_PARSE_OK && used == b.len && argc2 == argc);
    for (int i = 0; i < argc; i++)
        CHECK(argv2[i].len == argv[i].len && memcmp(argv2[i].ptr, argv[i].ptr, argv[i].len) == 0);
    mem_free(argv2);
    aof_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    for (size_t at = 0; at < size;) {
        size_t used;
        int argc;
        struct resp_arg *argv;
        enum aof_parse_status st = aof_parse_command(buf + at, size - at, &used, &argc, &argv);
        if (st != AOF_PARSE_OK) {
            CHECK(argv == NULL && used <= size - at);
            break;
        }
        CHECK(used > 0 && used <= size - at && argc >= 1);
        reencode(argc, argv);
        mem_free(argv);
        at += used;
    }
    struct aof_manifest m;
    char err[256];
    if (aof_manifest_parse(buf, size, &m, err, sizeof(err)) == 0) {
        struct aof_buf text = {0};
        aof_manifest_format(&m, &text);
        aof_buf_free(&text);
        aof_manifest_free(&m);
    }
    return 0;
}
