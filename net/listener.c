#include "net/listener.h"
#include "net/reactor.h"

#include "core/alloc.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_SOCKETS       17   /* 16 bind addresses and the unix socket */
#define ACCEPTS_PER_EVENT 1000 /* as Redis's MAX_ACCEPTS_PER_CALL */
#define EMFILE_PAUSE_MS   100

struct listen_socket {
    struct listener *owner;
    struct reactor_source *source;
    int fd;
    bool is_unix;
};

struct listener {
    struct reactor *reactor;
    listener_accept_fn on_accept;
    void *ctx;
    struct listen_socket sockets[MAX_SOCKETS];
    int count; /* opened; final before the first one is registered */
    /* Registered with the reactor, a prefix of sockets[]. The first socket can
     * accept (and pause on EMFILE, on the polling thread) while the main
     * thread still registers the others. */
    ATOMIC(int) registered;
    char *unix_path;
    struct reactor_timer retry;
    ATOMIC(bool) closed;
    ATOMIC(unsigned long) pauses;
};

static void set_interest_all(struct listener *l, uint32_t interest)
{
    /* Acquire: pairs with register_sockets, so each source counted is set. */
    int n = atomic_load_explicit(&l->registered, memory_order_acquire);
    for (int i = 0; i < n; i++)
        reactor_set_interest(l->reactor, l->sockets[i].source, interest);
}

/* Runs on the polling thread EMFILE_PAUSE_MS after accepting ran out of fds. */
static void resume_accepting(struct reactor_timer *t)
{
    struct listener *l = container_of(t, struct listener, retry);
    /* Acquire: pairs with listener_close; once closed the sources may be gone. */
    if (!atomic_load_explicit(&l->closed, memory_order_acquire))
        set_interest_all(l, REACTOR_READABLE);
}

static void pause_accepting(struct listener *l, int err)
{
    unsigned long n = atomic_fetch_add_explicit(&l->pauses, 1, memory_order_relaxed);
    if (n % 100 == 0) /* a storm of these would flood the log */
        log_warning("Error accepting a client connection: %s (pausing accepts for %d ms)",
                    strerror(err), EMFILE_PAUSE_MS);
    set_interest_all(l, 0);
    reactor_timer_start(l->reactor, &l->retry, EMFILE_PAUSE_MS);
}

static void on_readable(void *ctx, uint32_t events)
{
    struct listen_socket *ls = ctx;
    struct listener *l = ls->owner;
    (void)events;
    int fd = ls->fd;
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        int cfd = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_accepting(l, errno);
            else if (errno != EAGAIN)
                log_warning("Accepting client connection: %s", strerror(errno));
            return;
        }
        if (!ls->is_unix) {
            int one = 1;
            setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
        l->on_accept(l->ctx, cfd, &peer, len);
    }
}

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
static int open_tcp(const char *addr, int port, int backlog, const char **step)
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

static int open_unix(const char *path, unsigned perm, int backlog, const char **step)
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

static bool optional_failure(int err)
{
    return err == -EADDRNOTAVAIL || err == -EAFNOSUPPORT || err == -EPROTONOSUPPORT ||
           err == -ENOPROTOOPT || err == -ESOCKTNOSUPPORT || err == -EPFNOSUPPORT;
}

static void remember_socket(struct listener *l, int fd, bool is_unix)
{
    l->sockets[l->count++] = (struct listen_socket){.owner = l, .fd = fd, .is_unix = is_unix};
}

/* Only once every socket is open: from the first registration on, a polling
 * worker may be accepting. */
static int register_sockets(struct listener *l)
{
    for (int i = 0; i < l->count; i++) {
        struct listen_socket *ls = &l->sockets[i];
        int rc = reactor_add(l->reactor, ls->fd, REACTOR_READABLE, on_readable, ls, &ls->source);
        if (rc)
            return rc;
        /* Release: pairs with set_interest_all's acquire. */
        atomic_store_explicit(&l->registered, i + 1, memory_order_release);
    }
    return 0;
}

int listener_open(struct reactor *r, const struct listener_config *config, struct listener **out,
                  char *err, size_t errlen)
{
    struct listener *l = mem_calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->reactor = r;
    l->on_accept = config->on_accept;
    l->ctx = config->ctx;
    reactor_timer_init(&l->retry, resume_accepting);
    int rc = 0;
    for (int i = 0; rc == 0 && config->port > 0 && i < config->bind_count && i < 16; i++) {
        const char *addr = config->binds[i];
        bool optional = addr[0] == '-';
        addr += optional;
        const char *step;
        int fd = open_tcp(addr, config->port, config->backlog, &step);
        if (fd < 0) {
            log_warning("Warning: Could not create server TCP listening socket %s:%d: %s: %s", addr,
                        config->port, step, strerror(-fd));
            if (optional && optional_failure(fd))
                continue;
            snprintf(err, errlen, "Failed listening on port %d (TCP), aborting.", config->port);
            rc = fd;
        } else {
            remember_socket(l, fd, false);
        }
    }
    if (rc == 0 && config->unixsocket && config->unixsocket[0]) {
        const char *step;
        int fd = open_unix(config->unixsocket, config->unixsocketperm, config->backlog, &step);
        if (fd < 0 && !step) {
            snprintf(err, errlen,
                     "Failed opening Unix socket: unix socket path too long (%zu), must be under "
                     "%zu",
                     strlen(config->unixsocket), sizeof(((struct sockaddr_un *)0)->sun_path));
            rc = fd;
        } else if (fd < 0) {
            snprintf(err, errlen, "Failed opening Unix socket: %s: %s", step, strerror(-fd));
            rc = fd;
        } else {
            remember_socket(l, fd, true);
            l->unix_path = strdup(config->unixsocket);
            rc = l->unix_path ? 0 : -ENOMEM;
        }
    }
    if (rc == 0 && l->count == 0) {
        snprintf(err, errlen, "Configured to not listen anywhere, exiting.");
        rc = -EINVAL;
    }
    if (rc == 0) {
        rc = register_sockets(l);
        if (rc)
            snprintf(err, errlen, "Registering the listening sockets: %s", strerror(-rc));
    }
    if (rc) {
        listener_close(l);
        listener_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void listener_close(struct listener *l)
{
    /* Release: pairs with the acquire in resume_accepting. */
    if (atomic_exchange_explicit(&l->closed, true, memory_order_acq_rel))
        return;
    reactor_timer_stop(l->reactor, &l->retry);
    int registered = atomic_load_explicit(&l->registered, memory_order_relaxed);
    for (int i = 0; i < l->count; i++) {
        if (i < registered)
            reactor_close(l->reactor, l->sockets[i].source, NULL);
        else
            close(l->sockets[i].fd);
    }
    if (l->unix_path)
        unlink(l->unix_path);
}

void listener_free(struct listener *l)
{
    if (!l)
        return;
    free(l->unix_path);
    mem_free(l);
}

int listener_count(const struct listener *l)
{
    return l->count;
}

unsigned long listener_pauses(const struct listener *l)
{
    return atomic_load_explicit(&l->pauses, memory_order_relaxed);
}
