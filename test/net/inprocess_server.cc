#include "inprocess_server.h"

#include <csignal>

#include "net/config.h"
#include "net/server.h"
#include "net/session.h"
#include "test/common/outbuf_drain.h"
#include "test/common/server.h"

std::string socketless_call(struct session *s, const std::vector<std::string> &argv)
{
    std::vector<struct resp_arg> args;
    for (const std::string &a : argv)
        args.push_back({a.data(), a.size(), nullptr});
    session_run(s, (int)args.size(), args.data());
    return outbuf_drain(session_output(s));
}

std::string InProcessServer::start(const std::vector<std::string> &flags)
{
    signal(SIGPIPE, SIG_IGN); // as net/main.c: a peer that hangs up is no crash
    port = testing_server::free_port();
    std::vector<std::string> args = {"magpie-server", "--port", std::to_string(port)};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char *> argv;
    for (std::string &a : args)
        argv.push_back(a.data());
    char err[4096] = "";
    config_ = config_new();
    if (!config_ || config_load_args(config_, (int)argv.size(), argv.data(), err, sizeof(err)) != 0)
        return std::string("config: ") + err;
    server = server_start(config_, nullptr, nullptr, err, sizeof(err));
    return server ? "" : std::string("server_start: ") + err;
}

void InProcessServer::stop()
{
    if (server && server_stop(server))
        config_free(config_);
    server = nullptr;
    config_ = nullptr;
}
