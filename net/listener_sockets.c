/*
 * The listener's socket calls (net/listener_internal.h).
 */
#include "net/listener_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Resolves "127.0.0.1", "::1", "*", "::*" into a socket address. */
static int parse_address(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (strcmp(addr, "*") == 0 || strcmp(addr, "0.0.0.0") == 0) {
        in4->sin_family = AF_INET;
        in4->sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (strcmp(addr, "::*") == 0) {
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_any;
    } else if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
    } else {
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
        struct addrinfo *res;
        if (getaddrinfo(addr, NULL, &hints, &res) != 0)
            return -EADDRNOTAVAIL;
        memcpy(ss, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
    }
    if (ss->ss_family == AF_INET) {
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof(*in4);
    } else {
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
    }
    return 0;
}

/* Creates, binds and listens; returns the fd or -errno and names the failing step. */
int listener__open_tcp(const char *addr, int port, int backlog, const char **step)
{
    struct sockaddr_storage ss;
    socklen_t len;
    *step = "getaddrinfo";
    int rc = parse_address(addr, port, &ss, &len);
    if (rc)
        return rc;
    *step = "socket";
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    *step = "bind";
    if (bind(fd, (struct sockaddr *)&ss, len) < 0)
        goto fail;
    *step = "listen";
    if (listen(fd, backlog) < 0)
        goto fail;
    return fd;
fail:
    rc = -errno;
    close(fd);
    return rc;
}

int listener__open_unix(const char *path, unsigned perm, int backlog, const char **step)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    *step = "bind";
    if (strlen(path) >= sizeof(sun.sun_path)) {
        *step = NULL; /* Redis's own message, below */
        return -ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    *step = "socket";
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(path); /* a stale socket from a previous run, as Redis does */
    *step = "bind";
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
        goto fail;
    *step = "chmod";
    if (perm && chmod(path, perm) < 0)
        goto fail;
    *step = "listen";
    if (listen(fd, backlog) < 0)
        goto fail;
    return fd;
fail:;
    int rc = -errno;
    close(fd);
    return rc;
}

bool listener__optional_failure(int err)
{
    return err == -EADDRNOTAVAIL || err == -EAFNOSUPPORT || err == -EPROTONOSUPPORT ||
           err == -ENOPROTOOPT || err == -ESOCKTNOSUPPORT || err == -EPFNOSUPPORT;
}
