#include "store_harness.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "proto/reply.h"
#include "store/value.h"

void store_commands_init()
{
    static std::once_flag once;
    std::call_once(once, [] {
        command_table_register_store();
        command_table_freeze();
    });
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::vector<std::string> split_command(const std::string &line)
{
    std::vector<std::string> out;
    size_t i = 0, n = line.size();
    while (i < n) {
        while (i < n && line[i] == ' ')
            i++;
        if (i == n)
            break;
        std::string arg;
        if (line[i] == '"') {
            for (i++; i < n && line[i] != '"'; i++) {
                if (line[i] != '\\' || i + 1 == n) {
                    arg += line[i];
                    continue;
                }
                char e = line[++i];
                if (e == 'r')
                    arg += '\r';
                else if (e == 'n')
                    arg += '\n';
                else if (e == 't')
                    arg += '\t';
                else if (e == 'x' && i + 2 < n && hex_digit(line[i + 1]) >= 0 &&
                         hex_digit(line[i + 2]) >= 0) {
                    arg += (char)(hex_digit(line[i + 1]) * 16 + hex_digit(line[i + 2]));
                    i += 2;
                } else
                    arg += e;
            }
            i++; // closing quote
        } else if (line[i] == '\'') {
            for (i++; i < n && line[i] != '\''; i++)
                arg += line[i];
            i++;
        } else {
            while (i < n && line[i] != ' ')
                arg += line[i++];
        }
        out.push_back(arg);
    }
    return out;
}

std::string run_on(struct keyspace *ks, int *db, int64_t now_ms,
                   const std::vector<std::string> &argv, int proto)
{
    store_commands_init();
    std::vector<struct resp_arg> args(argv.size());
    for (size_t i = 0; i < argv.size(); i++)
        args[i] = {argv[i].data(), argv[i].size(), nullptr};
    struct outbuf out;
    outbuf_init(&out);
    struct reply reply = {&out, proto};
    struct cmd_ctx c = {};
    c.ks = ks;
    c.db = *db;
    c.argc = (int)args.size();
    c.argv = args.data();
    c.reply = &reply;
    c.now_ms = now_ms;
    command_dispatch(&c);
    *db = c.db;
    std::string bytes;
    struct iovec iov[64];
    while (outbuf_pending(&out) > 0) {
        int n = outbuf_iov(&out, iov, 64);
        size_t total = 0;
        for (int i = 0; i < n; i++) {
            bytes.append((const char *)iov[i].iov_base, iov[i].iov_len);
            total += iov[i].iov_len;
        }
        if (total == 0)
            break;
        outbuf_consume(&out, total);
    }
    outbuf_free(&out);
    return bytes;
}

Store::Store(int databases, int shards)
{
    store_commands_init();
    struct keyspace_config cfg = {databases, shards, 1};
    ks = keyspace_new(&cfg);
    if (!ks)
        throw std::runtime_error("keyspace_new failed");
    now_ms = 1700000000000LL; // a fixed instant: tests move time explicitly
}

Store::~Store()
{
    keyspace_free(ks);
}

void Store::make_list(const std::string &key)
{
    if (store_test_put_type(ks, db, key.data(), key.size(), VALUE_LIST, now_ms) != 0)
        throw std::runtime_error("store_test_put_type failed");
}

std::string Store::run(const std::string &line)
{
    return run_argv(split_command(line));
}

std::string Store::run_argv(const std::vector<std::string> &argv)
{
    return run_on(ks, &db, now_ms, argv, proto);
}
