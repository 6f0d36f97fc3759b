#include "store_harness.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "proto/reply.h"
#include "proto/resp.h"
#include "test/common/outbuf_drain.h"
#include "store/value.h"

void store_commands_init()
{
    static std::once_flag once;
    std::call_once(once, [] {
        command_table_register_store();
        command_table_freeze();
    });
}

// The server's own inline parser (Redis's sdssplitargs quoting), so a test
// writes a command as a redis-cli user would, and a line with bad quoting
// fails the test instead of being read some other way.
std::vector<std::string> split_command(const std::string &line)
{
    struct resp_reader *reader = resp_reader_new(nullptr);
    if (!reader)
        throw std::runtime_error("resp_reader_new failed");
    std::string wire = line + "\r\n";
    struct resp_command cmd;
    bool fed = resp_reader_feed(reader, wire.data(), wire.size()) == 0;
    enum resp_status st = fed ? resp_reader_next(reader, &cmd) : RESP_ERROR;
    std::vector<std::string> out;
    if (st == RESP_COMMAND)
        for (int i = 0; i < cmd.argc; i++)
            out.emplace_back(cmd.argv[i].ptr, cmd.argv[i].len);
    std::string error = !fed ? "out of memory" : st == RESP_ERROR ? resp_reader_error(reader) : "";
    resp_reader_free(reader);
    if (st == RESP_ERROR)
        throw std::invalid_argument("split_command(" + line + "): " + error);
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
    cmd_ctx_free(&c);
    *db = c.db;
    std::string bytes = outbuf_drain(&out);
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
