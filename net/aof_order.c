/*
 * Commit order for the append-only file (net/aof.h). Records arrive in the
 * order their workers finished; a shard's changes are numbered under its
 * lock, so writing a record only once every earlier number of each of its
 * shards is written reproduces the order the changes took effect
 * (store/events.h).
 *
 * An expiry inside a command's range (the command's lookup found the key
 * expired) arrives first, as a DEL of its own: it is written just before
 * the command that contains its number. A number no record ever claims
 * would hold the log back forever; past STALL_MS the oldest waiting record
 * is let through, and the log says so.
 */
#include "net/aof_internal.h"

#include "core/alloc.h"
#include "core/log.h"

#include <stdio.h>

#define STALL_MS 200

void aof__unit_free(struct aof_unit *u)
{
    mem_free(u);
}

uint64_t aof__lowest_waiting(const struct aof *a)
{
    /* Claimed tickets come after later ones: the list is not in ticket
     * order. It holds what is in flight, so it is short. */
    uint64_t low = a->nclaims ? a->claims[0].ticket : 0;
    for (const struct aof_unit *u = a->wait_head; u; u = u->next)
        if (low == 0 || u->ticket < low)
            low = u->ticket;
    return low;
}

static void unlink_unit(struct aof *a, struct aof_unit *u)
{
    if (u->expiry)
        a->waiting_expiries--;
    if (u->prev)
        u->prev->next = u->next;
    else
        a->wait_head = u->next;
    if (u->next)
        u->next->prev = u->prev;
    else
        a->wait_tail = u->prev;
    u->prev = u->next = NULL;
}

/* The output a unit belongs to: up to a rewrite's cut, the old file. */
static struct aof_out *output_of(struct aof *a, const struct aof_unit *u)
{
    if (!a->cut || u->unordered)
        return &a->cur;
    for (uint32_t i = 0; i < u->nranges; i++)
        if (u->ranges[i].last > a->cut[u->ranges[i].shard])
            return &a->cur;
    return &a->old;
}

/* Already written, or held by a base: dropped without waiting its turn
 * (a log being turned on has no earlier numbers to wait for). */
static bool is_stale(struct aof *a, const struct aof_unit *u)
{
    if (u->unordered)
        return false;
    if (a->old.fd < 0 && output_of(a, u) == &a->old)
        return true;
    for (uint32_t i = 0; i < u->nranges; i++)
        if (u->ranges[i].last > a->applied[u->ranges[i].shard])
            return false;
    return true;
}

static bool is_ready(const struct aof *a, const struct aof_unit *u)
{
    if (u->unordered)
        return true;
    for (uint32_t i = 0; i < u->nranges; i++)
        if (a->applied[u->ranges[i].shard] + 1 < u->ranges[i].first)
            return false;
    return true;
}

static void put(struct aof *a, struct aof_unit *u)
{
    struct aof_out *out = output_of(a, u);
    if (out->fd >= 0) {
        if (out->db != u->db) {
            char digits[16];
            snprintf(digits, sizeof(digits), "%d", u->db);
            const char *select[2] = {"SELECT", digits};
            aof_buf_command_str(&out->pending, 2, select);
        }
        aof_buf_append(&out->pending, u->bytes, u->len);
        out->db = u->db_last;
    }
    for (uint32_t i = 0; i < u->nranges; i++) {
        uint64_t *applied = &a->applied[u->ranges[i].shard];
        if (u->ranges[i].last > *applied)
            *applied = u->ranges[i].last;
    }
}

/* Writes the expiry DELs whose numbers fall inside u's ranges, in order. */
static void put_absorbed(struct aof *a, const struct aof_unit *u)
{
    for (uint32_t i = 0; i < u->nranges; i++) {
        const struct write_range *r = &u->ranges[i];
        for (uint64_t seq = r->first; seq <= r->last; seq++) {
            struct aof_unit *e = a->wait_head;
            while (e && !(e->expiry && e->ranges[0].shard == r->shard && e->ranges[0].first == seq))
                e = e->next;
            if (!e)
                continue;
            unlink_unit(a, e);
            put(a, e);
            aof__unit_free(e);
        }
    }
}

static bool range_holds_expiry(const struct aof *a, const struct aof_unit *u)
{
    if (a->waiting_expiries == 0)
        return false;
    for (const struct aof_unit *e = a->wait_head; e; e = e->next) {
        if (!e->expiry)
            continue;
        for (uint32_t i = 0; i < u->nranges; i++)
            if (e->ranges[0].shard == u->ranges[i].shard &&
                e->ranges[0].first >= u->ranges[i].first && e->ranges[0].first <= u->ranges[i].last)
                return true;
    }
    return false;
}

/* One pass: the first unit that can go, gone. */
static bool take_one(struct aof *a)
{
    for (struct aof_unit *u = a->wait_head; u; u = u->next) {
        if (is_stale(a, u)) {
            unlink_unit(a, u);
            aof__unit_free(u);
            return true;
        }
        if (!is_ready(a, u))
            continue;
        unlink_unit(a, u);
        if (!u->expiry && range_holds_expiry(a, u))
            put_absorbed(a, u);
        put(a, u);
        aof__unit_free(u);
        return true;
    }
    return false;
}

/* The oldest record has waited too long for a number nobody claims. */
static void let_oldest_through(struct aof *a)
{
    struct aof_unit *u = a->wait_head;
    log_warning("AOF: a record waited %d ms for an earlier change that no record holds; "
                "writing it anyway",
                STALL_MS);
    for (uint32_t i = 0; i < u->nranges; i++) {
        uint64_t *applied = &a->applied[u->ranges[i].shard];
        if (*applied + 1 < u->ranges[i].first)
            *applied = u->ranges[i].first - 1;
    }
}

bool aof__order_drain(struct aof *a, uint64_t now_ms)
{
    bool any = false;
    /* New arrivals join the wait list. */
    for (const struct aof_unit *u = a->in_head; u; u = u->next)
        a->waiting_expiries += u->expiry;
    if (a->in_head) {
        if (a->wait_tail) {
            a->wait_tail->next = a->in_head;
            a->in_head->prev = a->wait_tail;
        } else {
            a->wait_head = a->in_head;
        }
        a->wait_tail = a->in_tail;
        a->in_head = a->in_tail = NULL;
    }
    while (take_one(a))
        any = true;
    if (!a->wait_head) {
        a->stall_since_ms = 0;
    } else if (any || a->stall_since_ms == 0) {
        a->stall_since_ms = now_ms;
    } else if (now_ms - a->stall_since_ms >= STALL_MS) {
        let_oldest_through(a);
        a->stall_since_ms = now_ms;
        while (take_one(a))
            any = true;
    }
    return any;
}
