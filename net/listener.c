#include "net/listener.h"
#include "net/listener_internal.h"
#include "net/reactor.h"

#include "core/alloc.h"
#include "core/log.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_BINDS         16
#define MAX_SOCKETS       (MAX_BINDS + 1) /* the bind addresses and the unix socket */
#define ACCEPTS_PER_EVENT 1000            /* as Redis's MAX_ACCEPTS_PER_CALL */
#define EMFILE_PAUSE_MS   100

struct listen_socket {
    struct listener *owner;
    struct reactor_source *source;
    int fd;
    bool is_unix;
};

/*
 * Each socket is allocated on its own: it is the ctx of its reactor source,
 * so it must outlive the source (freed by reactor_close's release), while a
 * new port replaces the TCP sockets in the array. `lock` guards the array:
 * the polling thread walks it to pause or resume accepting, CONFIG SET port
 * swaps its TCP sockets. Held only around reactor calls (which take the
 * reactor's own lock inside it) and array updates.
 */
struct listener {
    struct reactor *reactor;
    listener_accept_fn on_accept;
    void *ctx;
    pthread_mutex_t lock;
    struct listen_socket *sockets[MAX_SOCKETS]; /* guarded by lock */
    int count;                                  /* guarded by lock */
    /* What a new port is opened with. */
    char *binds[MAX_BINDS];
    int bind_count;
    int backlog;
    ATOMIC(int) port;
    char *unix_path;
    struct reactor_timer retry;
    ATOMIC(bool) closed;
    ATOMIC(unsigned long) pauses;
};

static void set_interest_all(struct listener *l, uint32_t interest)
{
    pthread_mutex_lock(&l->lock);
    for (int i = 0; i < l->count; i++)
        if (l->sockets[i]->source)
            reactor_set_interest(l->reactor, l->sockets[i]->source, interest);
    pthread_mutex_unlock(&l->lock);
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

static void free_socket(void *ctx)
{
    mem_free(ctx);
}

/* A socket for fd, not registered yet; NULL (fd closed) when out of memory. */
static struct listen_socket *new_socket(struct listener *l, int fd, bool is_unix)
{
    struct listen_socket *ls = mem_calloc(1, sizeof(*ls));
    if (!ls) {
        close(fd);
        return NULL;
    }
    *ls = (struct listen_socket){.owner = l, .fd = fd, .is_unix = is_unix};
    return ls;
}

/* Closes a socket: through the reactor once registered (the release frees
 * it), at once otherwise. */
static void drop_socket(struct listener *l, struct listen_socket *ls)
{
    if (ls->source) {
        reactor_close(l->reactor, ls->source, free_socket);
    } else {
        close(ls->fd);
        mem_free(ls);
    }
}

/*
 * Opens a TCP socket on every bind address for `port` into out[] (*n of
 * them). A required address that fails fails the whole: its sockets are
 * closed, a message like redis-server's goes to err, -errno returns.
 */
static int open_tcp_all(struct listener *l, int port, struct listen_socket **out, int *n, char *err,
                        size_t errlen)
{
    *n = 0;
    for (int i = 0; port > 0 && i < l->bind_count; i++) {
        const char *addr = l->binds[i];
        bool optional = addr[0] == '-';
        addr += optional;
        const char *step;
        int fd = listener__open_tcp(addr, port, l->backlog, &step);
        int rc = 0;
        if (fd < 0) {
            log_warning("Warning: Could not create server TCP listening socket %s:%d: %s: %s", addr,
                        port, step, strerror(-fd));
            if (optional && listener__optional_failure(fd))
                continue;
            snprintf(err, errlen, "Failed listening on port %d (TCP), aborting.", port);
            rc = fd;
        } else if ((out[*n] = new_socket(l, fd, false)) == NULL) {
            snprintf(err, errlen, "Out of memory opening port %d", port);
            rc = -ENOMEM;
        } else {
            (*n)++;
        }
        if (rc) {
            while (*n > 0)
                drop_socket(l, out[--*n]);
            return rc;
        }
    }
    return 0;
}

static int open_unix_socket(struct listener *l, const struct listener_config *config,
                            struct listen_socket **out, char *err, size_t errlen)
{
    const char *step;
    int fd =
        listener__open_unix(config->unixsocket, config->unixsocketperm, config->backlog, &step);
    if (fd < 0 && !step) {
        snprintf(err, errlen,
                 "Failed opening Unix socket: unix socket path too long (%zu), must be under %zu",
                 strlen(config->unixsocket), sizeof(((struct sockaddr_un *)0)->sun_path));
        return fd;
    }
    if (fd < 0) {
        snprintf(err, errlen, "Failed opening Unix socket: %s: %s", step, strerror(-fd));
        return fd;
    }
    l->unix_path = mem_strdup(config->unixsocket);
    *out = l->unix_path ? new_socket(l, fd, true) : NULL;
    if (!*out) {
        if (l->unix_path)
            unlink(l->unix_path);
        else
            close(fd);
        snprintf(err, errlen, "Out of memory opening the unix socket");
        return -ENOMEM;
    }
    return 0;
}

/* Registers the sockets and appends them to the array, under the lock: from
 * the first registration on, a polling worker may be accepting (and pausing
 * every socket the array holds). On failure the ones not registered yet are
 * dropped and -errno returns; those registered stay in the array. */
static int add_sockets(struct listener *l, struct listen_socket **socks, int n)
{
    int rc = 0, i = 0;
    pthread_mutex_lock(&l->lock);
    for (; i < n && rc == 0; i++) {
        struct listen_socket *ls = socks[i];
        rc = reactor_add(l->reactor, ls->fd, REACTOR_READABLE, on_readable, ls, &ls->source);
        if (rc == 0)
            l->sockets[l->count++] = ls;
        else
            drop_socket(l, ls);
    }
    pthread_mutex_unlock(&l->lock);
    for (; i < n; i++)
        drop_socket(l, socks[i]);
    return rc;
}

static int remember_binds(struct listener *l, const struct listener_config *config)
{
    for (int i = 0; i < config->bind_count && i < MAX_BINDS; i++) {
        l->binds[i] = mem_strdup(config->binds[i]);
        if (!l->binds[i])
            return -ENOMEM;
        l->bind_count++;
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
    l->backlog = config->backlog;
    atomic_init(&l->port, config->port);
    pthread_mutex_init(&l->lock, NULL);
    reactor_timer_init(&l->retry, resume_accepting);
    struct listen_socket *socks[MAX_SOCKETS];
    int n = 0;
    int rc = remember_binds(l, config);
    if (rc)
        snprintf(err, errlen, "Out of memory opening the listener");
    if (rc == 0)
        rc = open_tcp_all(l, config->port, socks, &n, err, errlen);
    if (rc == 0 && config->unixsocket && config->unixsocket[0]) {
        rc = open_unix_socket(l, config, &socks[n], err, errlen);
        n += rc == 0;
    }
    if (rc == 0 && n == 0) {
        snprintf(err, errlen, "Configured to not listen anywhere, exiting.");
        rc = -EINVAL;
    }
    if (rc) {
        while (n > 0)
            drop_socket(l, socks[--n]);
    } else {
        /* Published before the sockets go live: a client accepted at once may
         * run CONFIG SET port on a worker, which reaches the listener through
         * *out (the epoll registration orders this write before it). */
        *out = l;
        rc = add_sockets(l, socks, n);
        if (rc)
            snprintf(err, errlen, "Registering the listening sockets: %s", strerror(-rc));
    }
    if (rc) {
        *out = NULL;
        listener_close(l);
        listener_free(l);
        return rc;
    }
    return 0;
}

/*
 * The new port's sockets are open and registered before the old ones close,
 * so a port that cannot be opened leaves everything as it was; connections
 * accepted on the old port stay. The unix socket is not touched.
 */
int listener_set_port(struct listener *l, int port, char *err, size_t errlen)
{
    if (atomic_load_explicit(&l->closed, memory_order_acquire))
        return -EBADF;
    struct listen_socket *socks[MAX_BINDS];
    int n = 0;
    int rc = open_tcp_all(l, port, socks, &n, err, errlen);
    if (rc)
        return rc;
    if (port > 0 && n == 0) {
        snprintf(err, errlen, "No bind address could listen on port %d", port);
        return -EADDRNOTAVAIL;
    }
    struct listen_socket *old[MAX_SOCKETS];
    int old_count = 0, kept = 0;
    pthread_mutex_lock(&l->lock);
    for (int i = 0; i < l->count; i++) {
        if (l->sockets[i]->is_unix)
            l->sockets[kept++] = l->sockets[i];
        else
            old[old_count++] = l->sockets[i];
    }
    l->count = kept;
    pthread_mutex_unlock(&l->lock);
    rc = add_sockets(l, socks, n);
    if (rc) {
        /* Back to the old sockets: the new ones that made it go. */
        pthread_mutex_lock(&l->lock);
        for (int i = kept; i < l->count; i++)
            drop_socket(l, l->sockets[i]);
        l->count = kept;
        for (int i = 0; i < old_count; i++)
            l->sockets[l->count++] = old[i];
        pthread_mutex_unlock(&l->lock);
        snprintf(err, errlen, "Registering the listening sockets: %s", strerror(-rc));
        return rc;
    }
    for (int i = 0; i < old_count; i++)
        drop_socket(l, old[i]);
    atomic_store_explicit(&l->port, port, memory_order_relaxed);
    return 0;
}

void listener_close(struct listener *l)
{
    /* Release: pairs with the acquire in resume_accepting. */
    if (atomic_exchange_explicit(&l->closed, true, memory_order_acq_rel))
        return;
    reactor_timer_stop(l->reactor, &l->retry);
    pthread_mutex_lock(&l->lock);
    for (int i = 0; i < l->count; i++)
        drop_socket(l, l->sockets[i]);
    l->count = 0;
    pthread_mutex_unlock(&l->lock);
    if (l->unix_path)
        unlink(l->unix_path);
}

void listener_free(struct listener *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->bind_count; i++)
        mem_free(l->binds[i]);
    mem_free(l->unix_path);
    pthread_mutex_destroy(&l->lock);
    mem_free(l);
}

int listener_count(struct listener *l)
{
    pthread_mutex_lock(&l->lock);
    int n = l->count;
    pthread_mutex_unlock(&l->lock);
    return n;
}

int listener_port(const struct listener *l)
{
    return atomic_load_explicit(&l->port, memory_order_relaxed);
}

unsigned long listener_pauses(const struct listener *l)
{
    return atomic_load_explicit(&l->pauses, memory_order_relaxed);
}
