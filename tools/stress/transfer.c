#include "tools/stress/transfer.h"

#include "tools/stress/roles.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A decimal in [min, TRANSFER_ROLE_MAX] spanning exactly [s, end). */
static int parse_role_count(const char *s, const char *end, int min, int *out)
{
    long v = 0;
    if (s == end || end - s > 5)
        return -EINVAL;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (*p - '0');
    }
    if (v < min || v > TRANSFER_ROLE_MAX)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

int transfer_spec_parse(const char *text, int *movers, int *readers)
{
    const char *colon = strchr(text, ':');
    if (!colon || parse_role_count(text, colon, 1, movers) < 0 ||
        parse_role_count(colon + 1, colon + 1 + strlen(colon + 1), 0, readers) < 0)
        return -EINVAL;
    return 0;
}

int transfer_read_mode_parse(const char *text, enum transfer_read_mode *out)
{
    if (strcmp(text, "get") == 0)
        *out = TRANSFER_READ_GET;
    else if (strcmp(text, "mget") == 0)
        *out = TRANSFER_READ_MGET;
    else
        return -EINVAL;
    return 0;
}

const char *transfer_read_mode_name(enum transfer_read_mode mode)
{
    return mode == TRANSFER_READ_MGET ? "mget" : "get";
}

enum transfer_role transfer_role_of(const struct transfer_spec *spec, uint32_t index, uint32_t *id)
{
    assert(index < (uint32_t)(spec->movers + spec->readers));
    return role_is_first((uint32_t)spec->movers, (uint32_t)spec->readers, index, id)
               ? TRANSFER_MOVER
               : TRANSFER_READER;
}

size_t transfer_account_name(uint32_t n, char out[TRANSFER_KEY_NAME_MAX])
{
    return (size_t)snprintf(out, TRANSFER_KEY_NAME_MAX, "account:%u", n);
}

long long transfer_total(const struct transfer_spec *spec)
{
    return (long long)spec->accounts * TRANSFER_INITIAL_BALANCE;
}

void transfer_pick(struct rng *r, uint32_t accounts, struct transfer_move *out)
{
    assert(accounts >= 2);
    out->from = (uint32_t)rng_below(r, accounts);
    /* Any other account, uniformly: skip over `from`. */
    out->to = (uint32_t)rng_below(r, accounts - 1);
    if (out->to >= out->from)
        out->to++;
    out->amount = 1 + (uint32_t)rng_below(r, TRANSFER_AMOUNT_MAX);
}

uint64_t transfer_move_pack(const struct transfer_move *m)
{
    assert(m->from < (1u << 20) && m->to < (1u << 20) && m->amount < (1u << 20));
    return (uint64_t)m->from << 40 | (uint64_t)m->to << 20 | m->amount;
}

struct transfer_move transfer_move_unpack(uint64_t packed)
{
    uint32_t mask = (1u << 20) - 1;
    return (struct transfer_move){(uint32_t)(packed >> 40) & mask, (uint32_t)(packed >> 20) & mask,
                                  (uint32_t)packed & mask};
}

int transfer_commands(const struct transfer_spec *spec, enum transfer_role role)
{
    if (role == TRANSFER_MOVER)
        return 4; /* MULTI DECRBY INCRBY EXEC; MULTI SET SET EXEC */
    return spec->read == TRANSFER_READ_MGET ? 3 : spec->accounts + 2;
}

/* One command of up to 3 arguments. */
static int append(struct bytebuf *out, int argc, const char *a0, const char *a1, const char *a2)
{
    const char *argv[3] = {a0, a1, a2};
    size_t lens[3] = {strlen(a0), a1 ? strlen(a1) : 0, a2 ? strlen(a2) : 0};
    return request_append(out, argc, argv, lens);
}

int transfer_append_move(struct bytebuf *out, char (*names)[TRANSFER_KEY_NAME_MAX],
                         const struct transfer_move *m)
{
    char amount[16];
    snprintf(amount, sizeof(amount), "%u", m->amount);
    if (append(out, 1, "MULTI", NULL, NULL) < 0 ||
        append(out, 3, "DECRBY", names[m->from], amount) < 0 ||
        append(out, 3, "INCRBY", names[m->to], amount) < 0 ||
        append(out, 1, "EXEC", NULL, NULL) < 0)
        return -ENOMEM;
    return 0;
}

int transfer_append_watch(struct bytebuf *out, char (*names)[TRANSFER_KEY_NAME_MAX],
                          const struct transfer_move *m)
{
    if (append(out, 3, "WATCH", names[m->from], names[m->to]) < 0 ||
        append(out, 2, "GET", names[m->from], NULL) < 0 ||
        append(out, 2, "GET", names[m->to], NULL) < 0)
        return -ENOMEM;
    return 0;
}

int transfer_append_commit(struct bytebuf *out, char (*names)[TRANSFER_KEY_NAME_MAX],
                           const struct transfer_move *m, long long from_balance,
                           long long to_balance)
{
    char from[24], to[24];
    snprintf(from, sizeof(from), "%lld", from_balance - m->amount);
    snprintf(to, sizeof(to), "%lld", to_balance + m->amount);
    if (append(out, 1, "MULTI", NULL, NULL) < 0 ||
        append(out, 3, "SET", names[m->from], from) < 0 ||
        append(out, 3, "SET", names[m->to], to) < 0 || append(out, 1, "EXEC", NULL, NULL) < 0)
        return -ENOMEM;
    return 0;
}

int transfer_append_sum(struct bytebuf *out, const struct transfer_spec *spec,
                        char (*names)[TRANSFER_KEY_NAME_MAX])
{
    if (append(out, 1, "MULTI", NULL, NULL) < 0)
        return -ENOMEM;
    if (spec->read == TRANSFER_READ_GET) {
        for (int i = 0; i < spec->accounts; i++)
            if (append(out, 2, "GET", names[i], NULL) < 0)
                return -ENOMEM;
    } else {
        const char *argv[TRANSFER_ACCOUNTS_MAX + 1] = {"MGET"};
        size_t lens[TRANSFER_ACCOUNTS_MAX + 1] = {4};
        for (int i = 0; i < spec->accounts; i++) {
            argv[1 + i] = names[i];
            lens[1 + i] = strlen(names[i]);
        }
        if (request_append(out, spec->accounts + 1, argv, lens) < 0)
            return -ENOMEM;
    }
    return append(out, 1, "EXEC", NULL, NULL) < 0 ? -ENOMEM : 0;
}

int transfer_balance_parse(const struct stress_reply *r, long long *out)
{
    if (r->type == SREPLY_NIL)
        return -ENOENT;
    /* Strictly what INCRBY and SET write: an optional '-', then digits. */
    bool negative = r->type == SREPLY_BULK && r->len > 0 && r->str[0] == '-';
    size_t i = negative;
    if (r->type != SREPLY_BULK || r->len == i || r->len - i > 18)
        return -EPROTO;
    long long v = 0;
    for (; i < r->len; i++) {
        if (r->str[i] < '0' || r->str[i] > '9')
            return -EPROTO;
        v = v * 10 + (r->str[i] - '0');
    }
    *out = negative ? -v : v;
    return 0;
}

/* The next element of an aggregate's encoding at *p (left bytes). */
static bool next_element(const char **p, size_t *left, struct stress_reply *out)
{
    long n = stress_reply_parse(*p, *left, out);
    if (n <= 0)
        return false;
    *p += n;
    *left -= (size_t)n;
    return true;
}

static bool is_ok(const struct stress_reply *r)
{
    return r->type == SREPLY_STATUS && r->len == 2 && memcmp(r->str, "OK", 2) == 0;
}

enum transfer_exec_outcome transfer_exec_move(const struct stress_reply *r, bool watch)
{
    if (r->type == SREPLY_NIL)
        return watch ? TRANSFER_ABORTED : TRANSFER_BAD;
    if (r->type != SREPLY_ARRAY || r->integer != 2)
        return TRANSFER_BAD;
    const char *p = r->str;
    size_t left = r->len;
    for (int i = 0; i < 2; i++) {
        struct stress_reply e;
        if (!next_element(&p, &left, &e) || (watch ? !is_ok(&e) : e.type != SREPLY_INTEGER))
            return TRANSFER_BAD;
    }
    return TRANSFER_COMMITTED;
}

/* count balances, one after the other at p, added to *sum. */
static int add_balances(const char *p, size_t left, long long count, long long *sum)
{
    for (long long i = 0; i < count; i++) {
        struct stress_reply e;
        long long v = 0;
        if (!next_element(&p, &left, &e))
            return -EPROTO;
        int rc = transfer_balance_parse(&e, &v);
        if (rc == -EPROTO)
            return -EPROTO;
        *sum += rc == 0 ? v : 0;
    }
    return 0;
}

int transfer_exec_sum(const struct transfer_spec *spec, const struct stress_reply *r,
                      long long *sum)
{
    *sum = 0;
    if (spec->read == TRANSFER_READ_GET) {
        if (r->type != SREPLY_ARRAY || r->integer != spec->accounts)
            return -EPROTO;
        return add_balances(r->str, r->len, spec->accounts, sum);
    }
    struct stress_reply mget;
    const char *p = r->str;
    size_t left = r->len;
    if (r->type != SREPLY_ARRAY || r->integer != 1 || !next_element(&p, &left, &mget) ||
        mget.type != SREPLY_ARRAY || mget.integer != spec->accounts)
        return -EPROTO;
    return add_balances(mget.str, mget.len, spec->accounts, sum);
}
