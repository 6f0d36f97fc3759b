/*
 * notify-keyspace-events: Redis's letters for the notification classes
 * (store/events.h), both ways.
 */
#include "store/events.h"

#include <stdio.h>

static const struct {
    char letter;
    unsigned flags;
} letters[] = {
    {'A', NOTIFY_ALL},      {'g', NOTIFY_GENERIC},  {'$', NOTIFY_STRING},   {'l', NOTIFY_LIST},
    {'s', NOTIFY_SET},      {'h', NOTIFY_HASH},     {'z', NOTIFY_ZSET},     {'x', NOTIFY_EXPIRED},
    {'e', NOTIFY_EVICTED},  {'K', NOTIFY_KEYSPACE}, {'E', NOTIFY_KEYEVENT}, {'t', NOTIFY_STREAM},
    {'m', NOTIFY_KEY_MISS}, {'d', NOTIFY_MODULE},   {'n', NOTIFY_NEW},
};

bool notify_flags_parse(const char *text, size_t len, unsigned *flags)
{
    unsigned f = 0;
    for (size_t i = 0; i < len; i++) {
        size_t j = 0;
        while (j < sizeof(letters) / sizeof(letters[0]) && letters[j].letter != text[i])
            j++;
        if (j == sizeof(letters) / sizeof(letters[0]))
            return false;
        f |= letters[j].flags;
    }
    *flags = f;
    return true;
}

size_t notify_flags_format(unsigned flags, char *buf, size_t size)
{
    /* Redis 7.0's keyspaceEventsFlagsToString: "A" for all the classes it
     * covers (and then not "n", even when set), else each letter; then K, E
     * and m. */
    static const char order[] = "g$lshzxetdn";
    char out[32];
    size_t n = 0;
    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        out[n++] = 'A';
    } else {
        for (const char *c = order; *c; c++)
            for (size_t j = 0; j < sizeof(letters) / sizeof(letters[0]); j++)
                if (letters[j].letter == *c && (flags & letters[j].flags))
                    out[n++] = *c;
    }
    if (flags & NOTIFY_KEYSPACE)
        out[n++] = 'K';
    if (flags & NOTIFY_KEYEVENT)
        out[n++] = 'E';
    if (flags & NOTIFY_KEY_MISS)
        out[n++] = 'm';
    out[n] = '\0';
    return (size_t)snprintf(buf, size, "%s", out);
}
