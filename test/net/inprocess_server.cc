#include "inprocess_server.h"

#include <csignal>

#include "net/config.h"
#include "net/server.h"
#include "test/common/server.h"

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
