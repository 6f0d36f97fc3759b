/*
 * The whole server under a fuzzer (issue 16): each input is a sequence of
 * commands, drawn from the command table, with arguments from a dictionary
 * of boundary values (LLONG_MAX, one past it, -1, 0, NUL, CRLF, high bytes,
 * subcommand and option names, parameter names) or raw bytes from the input,
 * run through one socketless session (net/session.h) of a server started
 * once. CONFIG SET and CLIENT commands are fuzzed too.
 *
 * Properties: no crash, no undefined behaviour, no leaked lock (the run
 * ends with DBSIZE, which takes every shard's lock, and PING, whose reply
 * must come), no hang (libFuzzer's timeout).
 *
 * Left out because they stop or stall the whole process rather than test it:
 * SHUTDOWN, DEBUG, MONITOR, CLIENT PAUSE/KILL, CONFIG REWRITE, CONFIG SET
 * of the limits that would let one input allocate gigabytes
 * (proto-max-bulk-len), and CONFIG SET requirepass (after a RESET the
 * session could not authenticate again; binary passwords have their own
 * tests), and CONFIG SET port (it would open real ports on the machine;
 * test/net/config_port_test.cc covers it). Each input starts from a clean state (FLUSHALL, the
 * fuzzed parameters at their defaults, RESET).
 */
#include "test/fuzz/fuzz.h"

#include "core/alloc.h"
#include "net/config.h"
#include "net/server.h"
#include "net/session.h"
#include "proto/reply.h"
#include "store/command.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_COMMANDS 24
#define MAX_ARGS     10

static struct server *server;
static struct session *session;

/* Sizes from the literals, so words with a NUL byte keep it. */
#define W(s)                                                                                       \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
static const struct {
    const char *s;
    size_t len;
} dictionary[] = {
    W("k"),
    W("k2"),
    W("k3"),
    W("0"),
    W("1"),
    W("-1"),
    W("2"),
    W("10"),
    W("100"),
    W("65535"),
    W("1048576"),
    W("9223372036854775807"),
    W("-9223372036854775808"),
    W("9223372036854775808"),
    W("-9223372036854775809"),
    W("18446744073709551615"),
    W("4294967295"),
    W("4294967296"),
    W("2147483647"),
    W("2147483648"),
    W("-2147483649"),
    W("1e308"),
    W("inf"),
    W("-inf"),
    W("nan"),
    W("1.5"),
    W("0x10"),
    W(""),
    W("\0"),
    W("a\0"
      "b"),
    W("\r\n"),
    W("\xff\xfe"),
    W("*"),
    W("?"),
    W("[a-"),
    W("\\"),
    W("GET"),
    W("SET"),
    W("LIST"),
    W("INFO"),
    W("ID"),
    W("SETNAME"),
    W("GETNAME"),
    W("HELP"),
    W("COUNT"),
    W("MATCH"),
    W("TYPE"),
    W("string"),
    W("list"),
    W("NX"),
    W("XX"),
    W("GT"),
    W("LT"),
    W("EX"),
    W("PX"),
    W("EXAT"),
    W("PXAT"),
    W("KEEPTTL"),
    W("LEFT"),
    W("RIGHT"),
    W("BEFORE"),
    W("AFTER"),
    W("RANK"),
    W("MAXLEN"),
    W("LIMIT"),
    W("WITHSCORES"),
    W("ENCODING"),
    W("FREQ"),
    W("IDLETIME"),
    W("REFCOUNT"),
    W("DB"),
    W("REPLACE"),
    W("ASYNC"),
    W("SYNC"),
    W("NO-EVICT"),
    W("ON"),
    W("OFF"),
    W("SKIP"),
    W("REPLY"),
    W("TRACKING"),
    W("CACHING"),
    W("UNPAUSE"),
    W("NOVALUE"),
    W("timeout"),
    W("hz"),
    W("maxclients"),
    W("list-max-listpack-size"),
    W("list-compress-depth"),
    W("notify-keyspace-events"),
    W("save"),
    W("appendonly"),
    W("loglevel"),
    W("client-output-buffer-limit"),
    W("requirepass"),
    W("tcp-keepalive"),
    W("normal 0 0 0"),
    W("pubsub 1 1 1"),
    W("replica 1gb 1gb 0"),
    W("KEA"),
    W("Ag$lshzxeKEtmdn"),
    W("3600 1"),
    W("yes"),
    W("no"),
    W("warning"),
    W("channel"),
    W("__keyspace@0__:k"),
};

struct input {
    const uint8_t *p;
    size_t left;
};

static unsigned take(struct input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

/* One argument: a dictionary word, or raw input bytes (length first). */
static struct resp_arg next_arg(struct input *in)
{
    unsigned b = take(in);
    size_t words = sizeof(dictionary) / sizeof(dictionary[0]);
    if (b < 224) {
        size_t i = b % words;
        return (struct resp_arg){dictionary[i].s, dictionary[i].len, NULL};
    }
    size_t len = take(in) % 48;
    if (len > in->left)
        len = in->left;
    struct resp_arg a = {(const char *)in->p, len, NULL};
    in->p += len;
    in->left -= len;
    return a;
}

/*
 * The next command: two bytes of index into the command table, or 0xff, a
 * length and a name ("scan", "config|set"), which the hand-made seeds use so
 * that they keep meaning the same command when the table grows.
 */
static const struct command *next_command(struct input *in)
{
    unsigned hi = take(in);
    if (hi == 0xff) {
        size_t len = take(in) % 32;
        if (len > in->left)
            len = in->left;
        const char *name = (const char *)in->p;
        in->p += len;
        in->left -= len;
        const char *bar = memchr(name, '|', len);
        const struct command *cmd = command_lookup(name, bar ? (size_t)(bar - name) : len);
        if (cmd && bar)
            cmd = command_find_subcommand(cmd, bar + 1, len - (size_t)(bar + 1 - name));
        if (cmd)
            return cmd;
    }
    unsigned lo = take(in);
    return command_at((int)((hi << 8 | lo) % (unsigned)command_count()));
}

static bool arg_eq(const struct resp_arg *a, const char *s)
{
    return a->len == strlen(s) && strncasecmp(a->ptr, s, a->len) == 0;
}

static bool refused(int argc, const struct resp_arg *argv)
{
    static const char *const whole[] = {"shutdown", "debug",     "monitor", "sync",
                                        "psync",    "replicaof", "slaveof", "failover"};
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
        if (arg_eq(&argv[0], whole[i]))
            return true;
    for (int i = 1; i < argc; i++) {
        if (arg_eq(&argv[0], "client") && (arg_eq(&argv[i], "pause") || arg_eq(&argv[i], "kill")))
            return true;
        if (arg_eq(&argv[0], "config") &&
            (arg_eq(&argv[i], "rewrite") || arg_eq(&argv[i], "proto-max-bulk-len") ||
             arg_eq(&argv[i], "requirepass") || arg_eq(&argv[i], "port")))
            return true;
    }
    return false;
}

static void drain(void)
{
    struct outbuf *out = session_output(session);
    struct iovec iov[16];
    int n;
    while ((n = outbuf_iov(out, iov, 16)) > 0) {
        size_t total = 0;
        for (int i = 0; i < n; i++)
            total += iov[i].iov_len;
        outbuf_consume(out, total);
    }
}

static void run(int argc, struct resp_arg *argv)
{
    session_run(session, argc, argv);
    drain();
}

static void run_words(const char *const *words, int argc)
{
    struct resp_arg argv[8];
    for (int i = 0; i < argc; i++)
        argv[i] = (struct resp_arg){words[i], strlen(words[i]), NULL};
    run(argc, argv);
}

static void start_server(void)
{
    signal(SIGPIPE, SIG_IGN);
    char sock[64];
    snprintf(sock, sizeof(sock), "/tmp/magpie-server-fuzz-%d.sock", (int)getpid());
    char *args[] = {
        "magpie-server", "--port",      "0", "--unixsocket", sock, "--threads", "2", "--loglevel",
        "warning",       "--databases", "4", "--shards",     "2",  NULL};
    struct config *cfg = config_new();
    char err[4096];
    CHECK(cfg && config_load_args(cfg, 13, args, err, sizeof(err)) == 0);
    server = server_start(cfg, NULL, NULL, err, sizeof(err));
    if (!server)
        fprintf(stderr, "server_fuzz: %s\n", err);
    CHECK(server);
    session = session_new(server);
    CHECK(session);
}

/* Back to a clean state: what one input did must not steer the next. */
static void reset_state(void)
{
    static const char *const lines[][4] = {
        {"RESET"},
        {"FLUSHALL"},
        {"CONFIG", "SET", "timeout", "0"},
        {"CONFIG", "SET", "hz", "10"},
        {"CONFIG", "SET", "maxclients", "10000"},
        {"CONFIG", "SET", "list-max-listpack-size", "-2"},
        {"CONFIG", "SET", "list-compress-depth", "0"},
        {"CONFIG", "SET", "notify-keyspace-events", ""},
        {"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"},
        {"CONFIG", "SET", "loglevel", "warning"},
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        int argc = 0;
        while (argc < 4 && lines[i][argc])
            argc++;
        run_words(lines[i], argc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!server)
        start_server();
    reset_state();
    struct input in = {data, size};
    for (int n = 0; n < MAX_COMMANDS && in.left > 0; n++) {
        const struct command *cmd = next_command(&in);
        struct resp_arg argv[MAX_ARGS + 1];
        int argc = 1 + (int)(take(&in) % MAX_ARGS);
        /* A subcommand ("config|set") is its container and its name. */
        const char *bar = strchr(cmd->name, '|');
        int first = 1;
        if (bar) {
            argv[0] = (struct resp_arg){cmd->name, (size_t)(bar - cmd->name), NULL};
            argv[1] = (struct resp_arg){bar + 1, strlen(bar + 1), NULL};
            first = 2;
            argc++;
        } else {
            argv[0] = (struct resp_arg){cmd->name, strlen(cmd->name), NULL};
        }
        for (int i = first; i < argc; i++)
            argv[i] = next_arg(&in);
        if (refused(argc, argv))
            continue;
        run(argc, argv);
    }
    /* Every lock was released and the session still answers. */
    run_words((const char *const[]){"RESET"}, 1);
    run_words((const char *const[]){"DBSIZE"}, 1);
    session_run(session, 1, &(struct resp_arg){"PING", 4, NULL});
    struct outbuf *out = session_output(session);
    struct iovec iov[16];
    int n = outbuf_iov(out, iov, 16);
    CHECK(n > 0);
    const char *last = (const char *)iov[n - 1].iov_base + iov[n - 1].iov_len;
    CHECK(iov[n - 1].iov_len >= 7 && memcmp(last - 7, "+PONG\r\n", 7) == 0);
    drain();
    return 0;
}
