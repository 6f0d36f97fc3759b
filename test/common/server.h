// Shared by integration tests and tools: start a server binary on a free
// port, wait until it accepts, stop and reap it; talk raw RESP over a socket.
// Generic on purpose: nothing here knows Magpie's commands.
#ifndef MAGPIE_TEST_COMMON_SERVER_H
#define MAGPIE_TEST_COMMON_SERVER_H

#include <string>
#include <sys/types.h>
#include <vector>

namespace testing_server
{

// A TCP port on 127.0.0.1 that was free a moment ago, below the range the
// kernel takes clients' local ports from.
int free_port();

// The server binary: $MAGPIE_SERVER, or "" when unset.
std::string server_binary();

class ServerProcess
{
  public:
    ServerProcess() = default;
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;
    ~ServerProcess(); // SIGKILL and reap if still running

    // Starts `binary` (default: server_binary()) with args followed by
    // "--port <free port>" (unless add_port is false), output to a log file,
    // and waits up to timeout_ms until it accepts connections and has logged
    // "Ready to accept connections" (its data loaded). Retries on
    // another port if the process exits early (a port race). False on failure.
    bool start(const std::vector<std::string> &args, const std::string &binary = "",
               bool add_port = true, int timeout_ms = 30000);
    // Starts the process without waiting for anything (for a run that is
    // expected to exit by itself, e.g. on a config error).
    bool spawn(const std::vector<std::string> &args, const std::string &binary = "");
    // Sends sig and waits up to timeout_ms for the exit; returns the exit
    // status (WEXITSTATUS, or 128+signal), or -1 on timeout (then SIGKILLs).
    int stop(int sig = 15, int timeout_ms = 30000);
    // Waits for the process to exit by itself; status as stop(), -1 on timeout.
    int wait_exit(int timeout_ms);
    bool running();
    // Everything the server wrote to stdout and stderr so far.
    std::string log() const;
    // VmRSS of the process in kilobytes, or -1.
    long rss_kb() const;

    pid_t pid = -1;
    int port = 0;
    std::string log_path;

  private:
    int status_ = -1;
    bool reaped_ = false;
};

// Encodes a command as a RESP multibulk request.
std::string resp_command(const std::vector<std::string> &argv);
// Length of the complete RESP2/RESP3 reply at buf[pos], or 0 if incomplete.
size_t resp_reply_length(const std::string &buf, size_t pos = 0);

class RespClient
{
  public:
    RespClient() = default;
    RespClient(const RespClient &) = delete;
    RespClient &operator=(const RespClient &) = delete;
    ~RespClient();

    bool connect(int port, const std::string &host = "127.0.0.1");
    bool connect_unix(const std::string &path);
    void close();
    // Writes all bytes (blocking). False if the peer is gone.
    bool send(const std::string &bytes);
    // Reads exactly one reply (raw bytes); "" on timeout or EOF.
    std::string read_reply(int timeout_ms = 10000);
    // Reads until `n` bytes are buffered; returns them ("" on timeout/EOF).
    std::string read_bytes(size_t n, int timeout_ms = 10000);
    // Sends a command and reads its reply.
    std::string call(const std::vector<std::string> &argv, int timeout_ms = 10000);
    // True if the server closes the connection within timeout_ms (pending
    // replies are consumed and discarded).
    bool wait_closed(int timeout_ms = 10000);
    // Sets SO_RCVBUF (before connect for it to shape the window).
    void set_receive_buffer(int bytes);

    int fd = -1;
    std::string buffered; // received, not yet returned

  private:
    // Receives more into `buffered`; false on EOF, error or timeout.
    bool fill(int timeout_ms);
    int rcvbuf_ = 0;
};

} // namespace testing_server

#endif
