/*
 * MONITOR's list of clients and the lines they are fed (net/monitor.h).
 */
#include "net/monitor.h"
#include "net/conn.h"
#include "net/redact.h"
#include "net/server.h"
#include "net/session.h"

#include "core/bytes.h"
#include "core/clock.h"

#include <stdio.h>
#include <string.h>

void monitors_init(struct monitors *m)
{
    lock_init(&m->lock, LOCK_CLASS_MONITORS, 0);
    m->head = NULL;
    atomic_init(&m->count, 0);
}

void monitors_destroy(struct monitors *m)
{
    lock_destroy(&m->lock);
}

void monitor_start(struct session *s)
{
    struct monitors *m = &s->server->monitors;
    LOCK_GUARD (&m->lock) {
        atomic_store_explicit(&s->monitor, true, memory_order_relaxed);
        s->monitor_prev = NULL;
        s->monitor_next = m->head;
        if (m->head)
            m->head->monitor_prev = s;
        m->head = s;
        atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
    }
}

void monitor_stop(struct session *s)
{
    if (!session_monitoring(s))
        return;
    struct monitors *m = &s->server->monitors;
    LOCK_GUARD (&m->lock) {
        if (s->monitor_prev)
            s->monitor_prev->monitor_next = s->monitor_next;
        else
            m->head = s->monitor_next;
        if (s->monitor_next)
            s->monitor_next->monitor_prev = s->monitor_prev;
        atomic_store_explicit(&s->monitor, false, memory_order_relaxed);
        atomic_fetch_sub_explicit(&m->count, 1, memory_order_relaxed);
    }
}

/* Redis's sdscatrepr: printable ASCII as it is, \\ and \" escaped, \n \r
 * \t \a \b by name, any other byte as \xHH. */
size_t monitor_quote(char *buf, const char *p, size_t len)
{
    size_t n = 0;
#define OUT(ch)                                                                                    \
    do {                                                                                           \
        if (buf)                                                                                   \
            buf[n] = (ch);                                                                         \
        n++;                                                                                       \
    } while (0)
    OUT('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        const char *named = NULL;
        switch (ch) {
        case '\\':
            named = "\\\\";
            break;
        case '"':
            named = "\\\"";
            break;
        case '\n':
            named = "\\n";
            break;
        case '\r':
            named = "\\r";
            break;
        case '\t':
            named = "\\t";
            break;
        case '\a':
            named = "\\a";
            break;
        case '\b':
            named = "\\b";
            break;
        default:
            break;
        }
        if (named) {
            OUT(named[0]);
            OUT(named[1]);
        } else if (ch >= 0x20 && ch <= 0x7e) {
            OUT((char)ch);
        } else {
            static const char hex[] = "0123456789abcdef";
            OUT('\\');
            OUT('x');
            OUT(hex[ch >> 4]);
            OUT(hex[ch & 15]);
        }
    }
    OUT('"');
#undef OUT
    return n;
}

#define REDACT_CHECKED 64 /* redacted arguments are always among the first few */

/* The whole line, framed as a simple string, or NULL when out of memory. */
static struct bytes *build_line(struct session *s, const struct command *cmd)
{
    char head[CONN_ADDR_MAX + 160];
    int64_t us = clock_unix_us();
    int db = s->ctx.db;
    int head_len;
    if (s->conn->is_unix) {
        char path[CONN_ADDR_MAX];
        config_string(s->server->config, CONFIG_UNIXSOCKET, path, sizeof(path));
        head_len = snprintf(head, sizeof(head), "+%lld.%06lld [%d unix:%s] ",
                            (long long)(us / 1000000), (long long)(us % 1000000), db, path);
    } else {
        head_len = snprintf(head, sizeof(head), "+%lld.%06lld [%d %s] ", (long long)(us / 1000000),
                            (long long)(us % 1000000), db, s->conn->addr);
    }
    if (head_len < 0 || (size_t)head_len >= sizeof(head))
        head_len = (int)strlen(head);
    int argc = s->ctx.argc;
    const struct resp_arg *argv = s->ctx.argv;
    bool redacted[REDACT_CHECKED] = {false};
    command_redact(cmd, argc < REDACT_CHECKED ? argc : REDACT_CHECKED, argv, redacted);
    const size_t redacted_len = strlen(REDACTED_ARGUMENT);
    size_t len = (size_t)head_len + 2;
    for (int j = 0; j < argc; j++) {
        bool hide = j < REDACT_CHECKED && redacted[j];
        len += (j > 0) + (hide ? redacted_len + 2 : monitor_quote(NULL, argv[j].ptr, argv[j].len));
    }
    struct bytes *line = bytes_new(NULL, len);
    if (!line)
        return NULL;
    char *p = line->data;
    memcpy(p, head, (size_t)head_len);
    p += head_len;
    for (int j = 0; j < argc; j++) {
        if (j > 0)
            *p++ = ' ';
        if (j < REDACT_CHECKED && redacted[j])
            p += monitor_quote(p, REDACTED_ARGUMENT, redacted_len);
        else
            p += monitor_quote(p, argv[j].ptr, argv[j].len);
    }
    memcpy(p, "\r\n", 2);
    return line;
}

void monitor_feed(struct session *s, const struct command *cmd)
{
    struct monitors *m = &s->server->monitors;
    /* Relaxed: a monitor that starts while this command runs may or may
     * not see it, as in Redis a MONITOR racing a command would. */
    if (atomic_load_explicit(&m->count, memory_order_relaxed) == 0)
        return;
    if (!s->conn || (cmd->flags & (CMD_ADMIN | CMD_SKIP_MONITOR)))
        return;
    struct bytes *line = build_line(s, cmd);
    if (!line)
        return;
    LOCK_GUARD (&m->lock) {
        for (struct session *to = m->head; to; to = to->monitor_next) {
            /* A line lost for memory is what Redis does with a monitor it
             * disconnects for its buffer: this one keeps the rest. */
            if (inbox_push_raw(&to->inbox, line))
                conn_inbox_filled(to->conn, CONFIG_CLASS_NORMAL);
        }
    }
    bytes_unref(line);
}
