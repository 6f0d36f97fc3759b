#include "test/tools/stress_server_util.h"

#include "test/tools/process_util.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <vector>

TestServer::~TestServer()
{
    test_stop(pid);
}

bool test_start_server(TestServer *s, const std::string &binary, bool redis)
{
    s->port = test_free_port();
    s->log = "/tmp/magpie-stress-test-server-" + std::to_string(getpid()) + "-" +
             std::to_string(s->port) + ".log";
    std::vector<std::string> argv = {binary, "--port", std::to_string(s->port)};
    if (redis)
        argv.insert(argv.end(), {"--save", "", "--appendonly", "no"});
    else
        argv.insert(argv.end(), {"--threads", "4"});
    s->pid = test_spawn(argv, s->log);
    return test_wait_for_port(s->port, s->pid, 10000);
}

int test_command(sync_client *c, const std::vector<std::string> &args, std::string *text)
{
    std::string req = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto &a : args)
        req += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    stress_reply r;
    if (sync_client_send(c, req.data(), req.size()) < 0 || sync_client_reply(c, &r) < 0)
        return -1;
    if (text)
        *text = r.str ? std::string(r.str, r.len) : "";
    return r.type;
}

std::string test_unknown_commands(int port, const std::vector<std::vector<std::string>> &probes)
{
    std::string missing;
    for (const auto &probe : probes) {
        sync_client c;
        char err[256];
        if (sync_client_open(&c, "127.0.0.1", port, 10000, err, sizeof(err)) < 0)
            return err;
        std::string text;
        if (test_command(&c, probe, &text) == SREPLY_ERROR &&
            text.find("unknown command") != std::string::npos)
            missing += " " + probe[0];
        sync_client_close(&c);
    }
    return missing.empty() ? "" : "the server does not implement" + missing;
}

bool test_start_stress_target(TestServer *s, bool redis,
                              const std::vector<std::vector<std::string>> &probes, std::string *why)
{
    std::string bin =
        redis ? test_binary_on_path("redis-server") : test_binary_from_env("MAGPIE_SERVER");
    if (test_binary_from_env("MAGPIE_STRESS").empty()) {
        *why = "MAGPIE_STRESS not built (run through make)";
        return false;
    }
    if (bin.empty()) {
        *why = redis ? "redis-server is not installed"
                     : "build/magpie-server does not exist yet (MAGPIE_SERVER)";
        return false;
    }
    if (!test_start_server(s, bin, redis)) {
        ADD_FAILURE() << bin << " did not accept connections; its log:\n" << test_read_file(s->log);
        *why = "the server did not start";
        return false;
    }
    *why = test_unknown_commands(s->port, probes);
    return why->empty();
}
