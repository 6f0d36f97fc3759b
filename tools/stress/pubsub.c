#include "tools/stress/pubsub.h"

#include "tools/stress/roles.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const patterns[PUBSUB_PATTERN_COUNT] = {"pubsub:*[02468]", "pubsub:*[13579]"};

/* A decimal in [1, PUBSUB_ROLE_MAX] spanning exactly [s, end). */
static int parse_role_count(const char *s, const char *end, int *out)
{
    long v = 0;
    if (s == end || end - s > 5)
        return -EINVAL;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > PUBSUB_ROLE_MAX)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

int pubsub_spec_parse(const char *text, int *publishers, int *subscribers)
{
    const char *colon = strchr(text, ':');
    if (!colon || parse_role_count(text, colon, publishers) < 0 ||
        parse_role_count(colon + 1, colon + 1 + strlen(colon + 1), subscribers) < 0)
        return -EINVAL;
    return 0;
}

enum pubsub_role pubsub_role_of(const struct pubsub_spec *spec, uint32_t index, uint32_t *id)
{
    assert(index < (uint32_t)(spec->publishers + spec->subscribers));
    return role_is_first((uint32_t)spec->publishers, (uint32_t)spec->subscribers, index, id)
               ? PUBSUB_PUBLISHER
               : PUBSUB_SUBSCRIBER;
}

bool pubsub_by_pattern(const struct pubsub_spec *spec, uint32_t id)
{
    uint32_t unused;
    return spec->pattern_subscribers > 0 &&
           role_is_first((uint32_t)spec->pattern_subscribers,
                         (uint32_t)(spec->subscribers - spec->pattern_subscribers), id, &unused);
}

size_t pubsub_channel_name(uint32_t n, char out[PUBSUB_NAME_MAX])
{
    return (size_t)snprintf(out, PUBSUB_NAME_MAX, "pubsub:%u", n);
}

int pubsub_channel_index(const char *name, size_t len, uint32_t channels, uint32_t *out)
{
    static const char prefix[] = "pubsub:";
    size_t plen = sizeof(prefix) - 1;
    if (len <= plen || len > plen + 10 || memcmp(name, prefix, plen) != 0)
        return -EINVAL;
    uint64_t v = 0;
    for (size_t i = plen; i < len; i++) {
        if (name[i] < '0' || name[i] > '9' || (i > plen && v == 0))
            return -EINVAL; /* digits only, no leading zero */
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    if (v >= channels)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

const char *pubsub_pattern(int i)
{
    assert(i >= 0 && i < PUBSUB_PATTERN_COUNT);
    return patterns[i];
}

int pubsub_pattern_of(uint32_t channel)
{
    return (int)(channel % 10 % 2); /* the last decimal digit: even or odd */
}

uint32_t pubsub_channel_of(uint32_t channels, uint32_t publisher, uint64_t seq)
{
    return (uint32_t)((publisher + seq) % channels);
}

int pubsub_subscribe_args(const struct pubsub_spec *spec, bool by_pattern,
                          char (*names)[PUBSUB_NAME_MAX], const char **argv, size_t *lens)
{
    if (by_pattern) {
        argv[0] = "PSUBSCRIBE";
        lens[0] = 10;
        for (int i = 0; i < PUBSUB_PATTERN_COUNT; i++) {
            argv[1 + i] = patterns[i];
            lens[1 + i] = strlen(patterns[i]);
        }
        return 1 + PUBSUB_PATTERN_COUNT;
    }
    argv[0] = "SUBSCRIBE";
    lens[0] = 9;
    for (int i = 0; i < spec->channels; i++) {
        argv[1 + i] = names[i];
        lens[1 + i] = strlen(names[i]);
    }
    return 1 + spec->channels;
}

size_t pubsub_message_encode(char *buf, size_t size, const struct pubsub_message *m,
                             size_t message_size)
{
    int n = snprintf(buf, size, "ps:%u:%llu:%u:%llu;", m->publisher, (unsigned long long)m->seq,
                     m->channel, (unsigned long long)m->send_ns);
    assert(n > 0 && (size_t)n < size && n <= PUBSUB_MESSAGE_HEADER_MAX);
    size_t len = (size_t)n;
    if (message_size > len) {
        assert(message_size <= size);
        memset(buf + len, '.', message_size - len);
        len = message_size;
    }
    return len;
}

/* Reads decimal digits up to `stop` (no leading zero); advances *p past it. */
static int read_number(const char **p, const char *end, char stop, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (s == end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end && s[1] != stop))
        return -EINVAL;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        uint64_t digit = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return -EINVAL;
        v = v * 10 + digit;
    }
    if (s == end || *s != stop)
        return -EINVAL;
    *p = s + 1;
    *out = v;
    return 0;
}

int pubsub_message_decode(const char *buf, size_t len, struct pubsub_message *out)
{
    const char *p = buf, *end = buf + len;
    uint64_t publisher, seq, channel, send_ns;
    if (len < 3 || memcmp(buf, "ps:", 3) != 0)
        return -EINVAL;
    p += 3;
    if (read_number(&p, end, ':', &publisher) < 0 || read_number(&p, end, ':', &seq) < 0 ||
        read_number(&p, end, ':', &channel) < 0 || read_number(&p, end, ';', &send_ns) < 0 ||
        publisher > UINT32_MAX || channel > UINT32_MAX || seq == 0)
        return -EINVAL;
    for (; p < end; p++)
        if (*p != '.')
            return -EINVAL;
    *out = (struct pubsub_message){(uint32_t)publisher, seq, (uint32_t)channel, send_ns};
    return 0;
}

static bool is(const struct stress_reply *r, const char *text)
{
    return r->len == strlen(text) && memcmp(r->str, text, r->len) == 0;
}

static bool is_subscription_verb(const struct stress_reply *r)
{
    return is(r, "subscribe") || is(r, "unsubscribe") || is(r, "psubscribe") ||
           is(r, "punsubscribe");
}

int pubsub_frame_parse(const struct stress_reply *r, struct pubsub_frame *out)
{
    if ((r->type != SREPLY_ARRAY && r->type != SREPLY_PUSH) || r->integer < 3 || r->integer > 4)
        return -EPROTO;
    struct stress_reply part[4];
    const char *p = r->str;
    size_t left = r->len;
    for (long long i = 0; i < r->integer; i++) {
        long n = stress_reply_parse(p, left, &part[i]);
        if (n <= 0)
            return -EPROTO;
        p += n;
        left -= (size_t)n;
    }
    memset(out, 0, sizeof(*out));
    if (part[0].type != SREPLY_BULK || part[1].type != SREPLY_BULK)
        return -EPROTO;
    out->verb = part[0].str;
    out->verb_len = part[0].len;
    if (r->integer == 3 && is(&part[0], "message") && part[2].type == SREPLY_BULK) {
        out->kind = PUBSUB_FRAME_MESSAGE;
        out->channel = part[1].str, out->channel_len = part[1].len;
        out->payload = part[2].str, out->payload_len = part[2].len;
        return 0;
    }
    if (r->integer == 4 && is(&part[0], "pmessage") && part[2].type == SREPLY_BULK &&
        part[3].type == SREPLY_BULK) {
        out->kind = PUBSUB_FRAME_PMESSAGE;
        out->pattern = part[1].str, out->pattern_len = part[1].len;
        out->channel = part[2].str, out->channel_len = part[2].len;
        out->payload = part[3].str, out->payload_len = part[3].len;
        return 0;
    }
    if (r->integer == 3 && is_subscription_verb(&part[0]) && part[2].type == SREPLY_INTEGER) {
        out->kind = PUBSUB_FRAME_SUBSCRIBE;
        out->channel = part[1].str, out->channel_len = part[1].len;
        out->count = part[2].integer;
        return 0;
    }
    return -EPROTO;
}
