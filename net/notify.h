/*
 * Keyspace notifications (notify-keyspace-events): what the server
 * publishes about changes to keys, through the write hook (store/events.h).
 */
#ifndef MAGPIE_NET_NOTIFY_H
#define MAGPIE_NET_NOTIFY_H

struct server;

/* Registers the observer; once, before clients connect. 0 or -errno. */
int notify_start(struct server *s);

#endif
