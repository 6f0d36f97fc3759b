/*
 * CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO, with Redis 7.0's
 * checks in its order and its error texts; turning tracking on and off.
 */
#include "net/tracking_internal.h"

#include "net/commands.h"
#include "net/conn.h"
#include "net/server.h"
#include "net/session.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

#define OVERLAP_TAIL "Prefixes for a single client must not overlap."

/* The port of the live client with this id (a reference), or NULL. */
static struct tracking_port *find_client_port(struct server *server, long long id, bool *oom)
{
    struct tracking_port *p = NULL;
    LOCK_GUARD (&server->clients.lock) {
        for (struct conn *o = server->clients.head; o; o = o->next) {
            if ((long long)o->session.id != id)
                continue;
            p = tracking_port_of(&o->session);
            /* NULL: out of memory, or the client is closing (not found). */
            *oom = !p && atomic_load_explicit(&o->session.tracking.port, memory_order_relaxed) !=
                             TRACKING_PORT_GONE;
            if (p)
                tracking_port_ref(p);
            break;
        }
    }
    return p;
}

static bool starts_with(const struct resp_arg *a, const char *p, size_t len)
{
    return a->len >= len && memcmp(a->ptr, p, len) == 0;
}

static bool overlap(const struct resp_arg *a, const char *b, size_t blen)
{
    return starts_with(a, b, blen) || (blen >= a->len && memcmp(b, a->ptr, a->len) == 0);
}

/* Redis's prefix checks: none may be a prefix of another of the client's,
 * registered or given (equal counts). False after replying. */
static bool check_prefixes(struct cmd_ctx *c, const struct session_tracking *st,
                           const struct resp_arg **prefixes, int n)
{
    for (int i = 0; i < n; i++) {
        const struct resp_arg *a = prefixes[i];
        for (int e = 0; e < st->nprefixes; e++) {
            if (overlap(a, st->prefixes[e], st->prefix_lens[e])) {
                reply_errorf(
                    c->reply,
                    "ERR Prefix '%.*s' overlaps with an existing prefix '%.*s'. " OVERLAP_TAIL,
                    (int)a->len, a->ptr, (int)st->prefix_lens[e], st->prefixes[e]);
                return false;
            }
        }
        for (int j = 0; j < n; j++) {
            if (j != i && overlap(a, prefixes[j]->ptr, prefixes[j]->len)) {
                reply_errorf(
                    c->reply,
                    "ERR Prefix '%.*s' overlaps with another provided prefix '%.*s'. " OVERLAP_TAIL,
                    (int)a->len, a->ptr, (int)prefixes[j]->len, prefixes[j]->ptr);
                return false;
            }
        }
    }
    return true;
}

/* Adds a BCAST prefix to the session's own list and the registry. */
static int add_prefix(struct session *s, struct tracking_port *p, const char *bytes, size_t len)
{
    struct session_tracking *st = &s->tracking;
    for (int e = 0; e < st->nprefixes; e++)
        if (st->prefix_lens[e] == len && memcmp(st->prefixes[e], bytes, len) == 0)
            return 0;
    char **names = mem_realloc(st->prefixes, (size_t)(st->nprefixes + 1) * sizeof(*names));
    if (names)
        st->prefixes = names;
    size_t *lens = mem_realloc(st->prefix_lens, (size_t)(st->nprefixes + 1) * sizeof(*lens));
    if (lens)
        st->prefix_lens = lens;
    char *copy = mem_alloc(len ? len : 1);
    if (!names || !lens || !copy || tracking_prefix_add(s->server->tracking, p, bytes, len) != 0) {
        mem_free(copy);
        return -1;
    }
    memcpy(copy, bytes, len);
    int at = st->nprefixes; /* kept sorted by their bytes */
    while (at > 0) {
        size_t l = st->prefix_lens[at - 1];
        int cmp = memcmp(st->prefixes[at - 1], bytes, l < len ? l : len);
        if (cmp < 0 || (cmp == 0 && l < len))
            break;
        st->prefixes[at] = st->prefixes[at - 1];
        st->prefix_lens[at] = st->prefix_lens[at - 1];
        at--;
    }
    st->prefixes[at] = copy;
    st->prefix_lens[at] = len;
    st->nprefixes++;
    return 0;
}

/* Sets the port's view of the session's flags and redirect (takes `to`). */
static void configure_port(struct tracking_port *p, unsigned flags, struct tracking_port *to,
                           long long redirect_id)
{
    struct tracking_port *old = NULL;
    LOCK_GUARD (&p->lock) {
        p->flags = flags;
        old = p->redirect;
        p->redirect = to;
        p->redirect_id = redirect_id;
    }
    tracking_port_unref(old);
}

static void list_add(struct tracking *t, struct tracking_port *p)
{
    LOCK_GUARD (&t->list_lock) {
        if (t->non == t->on_cap) {
            uint32_t cap = t->on_cap ? t->on_cap * 2 : 16;
            struct tracking_port **grown = mem_realloc(t->on, cap * sizeof(*grown));
            if (!grown)
                continue; /* it then misses FLUSH's null message */
            t->on = grown;
            t->on_cap = cap;
        }
        t->on[t->non++] = tracking_port_ref(p);
    }
}

static void list_remove(struct tracking *t, struct tracking_port *p)
{
    struct tracking_port *dropped = NULL;
    LOCK_GUARD (&t->list_lock) {
        for (uint32_t i = 0; i < t->non; i++)
            if (t->on[i] == p) {
                dropped = p;
                t->on[i] = t->on[--t->non];
                break;
            }
    }
    tracking_port_unref(dropped);
}

void tracking_disable(struct session *s)
{
    struct session_tracking *st = &s->tracking;
    unsigned flags = session_tracking_flags(st);
    if (!(flags & TRACKING_ON))
        return;
    struct tracking *t = s->server->tracking;
    struct tracking_port *p = atomic_load_explicit(&st->port, memory_order_acquire);
    for (int e = 0; e < st->nprefixes; e++) {
        tracking_prefix_remove(t, p, st->prefixes[e], st->prefix_lens[e]);
        mem_free(st->prefixes[e]);
    }
    mem_free(st->prefixes);
    mem_free(st->prefix_lens);
    st->prefixes = NULL;
    st->prefix_lens = NULL;
    st->nprefixes = 0;
    configure_port(p, 0, NULL, 0);
    list_remove(t, p);
    atomic_store_explicit(&st->flags, 0, memory_order_relaxed);
    atomic_store_explicit(&st->redirect, 0, memory_order_relaxed);
    atomic_fetch_sub_explicit(&t->clients, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&t->live, 1, memory_order_relaxed);
}

void tracking_session_gone(struct session *s)
{
    tracking_disable(s);
    struct tracking_port *p =
        atomic_exchange_explicit(&s->tracking.port, TRACKING_PORT_GONE, memory_order_acq_rel);
    if (!p || p == TRACKING_PORT_GONE)
        return;
    LOCK_GUARD (&p->lock)
        p->session = NULL;
    tracking_port_unref(p);
}

/* Turns tracking on with the checked options; false when out of memory. */
static bool enable(struct session *s, unsigned options, struct tracking_port *to,
                   long long redirect_id, const struct resp_arg **prefixes, int nprefixes)
{
    struct tracking *t = s->server->tracking;
    struct session_tracking *st = &s->tracking;
    struct tracking_port *p = tracking_port_of(s);
    if (!p) {
        tracking_port_unref(to);
        return false;
    }
    unsigned old = session_tracking_flags(st);
    if (!(old & TRACKING_ON)) {
        list_add(t, p);
        atomic_fetch_add_explicit(&t->clients, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&t->live, 1, memory_order_relaxed);
    }
    unsigned flags = TRACKING_ON | (old & TRACKING_CACHING) | options;
    atomic_store_explicit(&st->flags, flags, memory_order_relaxed);
    atomic_store_explicit(&st->redirect, redirect_id, memory_order_relaxed);
    configure_port(p, flags, to, redirect_id);
    if (options & TRACKING_BCAST) {
        if (nprefixes == 0 && add_prefix(s, p, "", 0) != 0)
            return false;
        for (int i = 0; i < nprefixes; i++)
            if (add_prefix(s, p, prefixes[i]->ptr, prefixes[i]->len) != 0)
                return false;
    }
    return true;
}

/* The checks of CLIENT TRACKING ON, in Redis's order; false after replying. */
static bool check_on(struct cmd_ctx *c, unsigned options, unsigned old,
                     const struct resp_arg **prefixes, int n)
{
    const char *err = NULL;
    if (!(options & TRACKING_BCAST) && n)
        err = "ERR PREFIX option requires BCAST mode to be enabled";
    else if ((old & TRACKING_ON) && !!(old & TRACKING_BCAST) != !!(options & TRACKING_BCAST))
        err = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
              "and then re-enabling it with a different mode.";
    else if ((options & TRACKING_BCAST) && (options & (TRACKING_OPTIN | TRACKING_OPTOUT)))
        err = "ERR OPTIN and OPTOUT are not compatible with BCAST";
    else if ((options & TRACKING_OPTIN) && (options & TRACKING_OPTOUT))
        err = "ERR You can't specify both OPTIN mode and OPTOUT mode";
    else if (((options & TRACKING_OPTIN) && (old & TRACKING_OPTOUT)) ||
             ((options & TRACKING_OPTOUT) && (old & TRACKING_OPTIN)))
        err = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
              "and then re-enabling it with a different mode.";
    if (err) {
        reply_error(c->reply, err);
        return false;
    }
    return !(options & TRACKING_BCAST) || check_prefixes(c, &session_of(c)->tracking, prefixes, n);
}

/* CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN]
 * [OPTOUT] [NOLOOP] */
void client_tracking(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    unsigned options = 0;
    long long redirect_id = 0;
    struct tracking_port *to = NULL;
    const struct resp_arg **prefixes = mem_alloc((size_t)c->argc * sizeof(*prefixes));
    int n = 0;
    bool ok = prefixes != NULL;
    if (!ok)
        reply_error(c->reply, "ERR out of memory");
    for (int j = 3; ok && j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        const struct resp_arg *a = &c->argv[j];
        if (arg_is(a, "redirect") && more) {
            j++;
            bool oom = false;
            if (redirect_id != 0) {
                reply_error(c->reply, "ERR A client can only redirect to a single other client");
                ok = false;
            } else if (!arg_to_ll(c, j, &redirect_id)) {
                reply_error(c->reply, "ERR value is not an integer or out of range");
                ok = false;
            } else if (!(to = find_client_port(s->server, redirect_id, &oom))) {
                reply_error(c->reply,
                            oom ? "ERR out of memory"
                                : "ERR The client ID you want redirect to does not exist");
                ok = false;
            }
        } else if (arg_is(a, "bcast")) {
            options |= TRACKING_BCAST;
        } else if (arg_is(a, "optin")) {
            options |= TRACKING_OPTIN;
        } else if (arg_is(a, "optout")) {
            options |= TRACKING_OPTOUT;
        } else if (arg_is(a, "noloop")) {
            options |= TRACKING_NOLOOP;
        } else if (arg_is(a, "prefix") && more) {
            prefixes[n++] = &c->argv[++j];
        } else {
            reply_error(c->reply, "ERR syntax error");
            ok = false;
        }
    }
    unsigned old = session_tracking_flags(&s->tracking);
    if (!ok) {
        /* replied */
    } else if (arg_is(&c->argv[2], "on")) {
        ok = check_on(c, options, old, prefixes, n);
        if (ok && !enable(s, options, to, redirect_id, prefixes, n))
            reply_error(c->reply, "ERR out of memory");
        else if (ok)
            reply_ok(c->reply);
        to = ok ? NULL : to; /* enable took it */
    } else if (arg_is(&c->argv[2], "off")) {
        tracking_disable(s);
        reply_ok(c->reply);
    } else {
        reply_error(c->reply, "ERR syntax error");
    }
    tracking_port_unref(to);
    mem_free(prefixes);
}

void client_caching(struct cmd_ctx *c)
{
    struct session *s = session_of(c);
    unsigned flags = session_tracking_flags(&s->tracking);
    if (!(flags & TRACKING_ON)) {
        reply_error(c->reply, "ERR CLIENT CACHING can be called only when the client is in "
                              "tracking mode with OPTIN or OPTOUT mode enabled");
    } else if (arg_is(&c->argv[2], "yes") || arg_is(&c->argv[2], "no")) {
        bool yes = arg_is(&c->argv[2], "yes");
        if (!(flags & (yes ? TRACKING_OPTIN : TRACKING_OPTOUT))) {
            reply_error(c->reply, yes ? "ERR CLIENT CACHING YES is only valid when tracking is "
                                        "enabled in OPTIN mode."
                                      : "ERR CLIENT CACHING NO is only valid when tracking is "
                                        "enabled in OPTOUT mode.");
            return;
        }
        atomic_fetch_or_explicit(&s->tracking.flags, TRACKING_CACHING, memory_order_relaxed);
        reply_ok(c->reply);
    } else {
        reply_error(c->reply, "ERR syntax error");
    }
}

void client_getredir(struct cmd_ctx *c)
{
    struct session_tracking *st = &session_of(c)->tracking;
    bool on = session_tracking_flags(st) & TRACKING_ON;
    reply_int(c->reply, on ? atomic_load_explicit(&st->redirect, memory_order_relaxed) : -1);
}

void client_trackinginfo(struct cmd_ctx *c)
{
    struct session_tracking *st = &session_of(c)->tracking;
    unsigned f = session_tracking_flags(st);
    static const struct {
        unsigned need, also;
        const char *name;
    } names[] = {
        {TRACKING_BCAST, 0, "bcast"},
        {TRACKING_OPTIN, 0, "optin"},
        {TRACKING_OPTOUT, 0, "optout"},
        {TRACKING_CACHING, TRACKING_OPTIN, "caching-yes"},
        {TRACKING_CACHING, TRACKING_OPTOUT, "caching-no"},
        {TRACKING_NOLOOP, 0, "noloop"},
        {TRACKING_BROKEN_REDIR, 0, "broken_redirect"},
    };
    reply_map(c->reply, 3);
    reply_bulk_cstr(c->reply, "flags");
    size_t nflags = 1;
    for (size_t i = 0; (f & TRACKING_ON) && i < ARRAY_SIZE(names); i++)
        nflags += (f & names[i].need) && (!names[i].also || (f & names[i].also));
    reply_set(c->reply, nflags);
    reply_bulk_cstr(c->reply, (f & TRACKING_ON) ? "on" : "off");
    for (size_t i = 0; (f & TRACKING_ON) && i < ARRAY_SIZE(names); i++)
        if ((f & names[i].need) && (!names[i].also || (f & names[i].also)))
            reply_bulk_cstr(c->reply, names[i].name);
    reply_bulk_cstr(c->reply, "redirect");
    reply_int(c->reply,
              (f & TRACKING_ON) ? atomic_load_explicit(&st->redirect, memory_order_relaxed) : -1);
    reply_bulk_cstr(c->reply, "prefixes");
    reply_array(c->reply, (size_t)st->nprefixes);
    for (int i = 0; i < st->nprefixes; i++) /* sorted, as Redis's radix tree lists them */
        reply_bulk(c->reply, st->prefixes[i], st->prefix_lens[i]);
}
