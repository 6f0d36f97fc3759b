/*
 * Starting on the single AOF file of Redis before 7 (`appendfilename` in
 * `dir`, commands, maybe behind an RDB preamble), as Redis 7 does: the file
 * becomes the base of a new AOF directory. The manifest naming it is
 * written first and the file moved in after, so a crash between the two is
 * finished by the next start (the manifest then names a base alone, which
 * is still outside the directory).
 */
#include "net/aof_internal.h"
#include "net/server.h"

#include "core/alloc.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Whether the directory's manifest (if any) leaves the old file to adopt:
 * there is none, or it names that file alone as its base and the file is
 * not in the directory (`inside`) yet. */
static bool manifest_adopts(struct aof *a, const char *manifest_path, const char *inside)
{
    size_t len;
    char *text = aof__read_file(manifest_path, &len);
    if (!text)
        return errno == ENOENT;
    struct aof_manifest m = {0};
    char why[256];
    bool adopt = false;
    if (aof_manifest_parse(text, len, &m, why, sizeof(why)) == 0) {
        const struct aof_file_info *base = aof_manifest_base(&m);
        adopt = m.count == 1 && base && strcmp(base->name, a->filename) == 0 && !exists(inside);
    }
    aof_manifest_free(&m);
    mem_free(text);
    return adopt;
}

int aof__upgrade_old_file(struct aof *a, char *err, size_t errlen)
{
    char dir[2048], old[4200], manifest[1100], manifest_path[4200], inside[4200];
    config_string(a->server->config, CONFIG_DIR, dir, sizeof(dir));
    snprintf(old, sizeof(old), "%s%s%s", dir, dir[0] ? "/" : "", a->filename);
    snprintf(manifest, sizeof(manifest), "%s.manifest", a->filename);
    if (!exists(old) || aof__path(a, manifest, manifest_path, sizeof(manifest_path)) != 0 ||
        aof__path(a, a->filename, inside, sizeof(inside)) != 0)
        return 0;
    if (!manifest_adopts(a, manifest_path, inside))
        return 0;
    if (mkdir(a->dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "Can't create the AOF directory %s: %s", a->dir, strerror(errno));
        return -1;
    }
    struct aof_manifest m = {0};
    int rc = aof_manifest_add(&m, a->filename, 1, AOF_FILE_BASE);
    if (rc == 0)
        rc = aof__write_manifest(a, &m);
    aof_manifest_free(&m);
    if (rc == 0 && rename(old, inside) != 0)
        rc = -errno;
    if (rc == 0)
        rc = aof__fsync_dir(a);
    if (rc != 0) {
        snprintf(err, errlen, "Can't move the old AOF %s into %s: %s", old, a->dir, strerror(-rc));
        return -1;
    }
    log_notice("Successfully migrated an old-style AOF into the AOF directory (%s).", a->dir);
    return 0;
}
