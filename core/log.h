/*
 * Server log, in Redis's line format so existing log tooling reads it:
 *   12345:M 26 Nov 2026 13:04:45.123 * Ready to accept connections
 * Levels as Redis: debug (.), verbose (-), notice (*), warning (#).
 * Safe to call from any thread; a line is written with one write(2).
 */
#ifndef MAGPIE_CORE_LOG_H
#define MAGPIE_CORE_LOG_H

#include "core/compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

enum log_level { LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING };

/* Parses "debug", "verbose", "notice", "warning"; returns -EINVAL otherwise. */
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "" or NULL means stderr. Returns 0 or -errno. */
int log_set_file(const char *path);

void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
