/*
 * Version strings. Clients (redis-py, redis-cli, client libraries that gate
 * features on the server version) read `redis_version` from INFO and
 * `version` from HELLO, so those report the Redis release whose behaviour
 * Magpie reproduces; Magpie's own version appears alongside.
 */
#ifndef MAGPIE_NET_VERSION_H
#define MAGPIE_NET_VERSION_H

#define MAGPIE_VERSION       "0.1.0"
#define MAGPIE_REDIS_VERSION "7.0.15"

#endif
