// Child processes for the tools' integration tests: pick a free port, start a
// server and wait until it accepts connections, run a program and capture
// its output. Linked into every test/tools binary.
#ifndef MAGPIE_TEST_TOOLS_PROCESS_UTIL_H
#define MAGPIE_TEST_TOOLS_PROCESS_UTIL_H

#include <string>
#include <sys/types.h>
#include <vector>

// A TCP port nobody listens on right now (bound to 0, then released).
int test_free_port();
// fork + exec; stdout and stderr go to log_path (or /dev/null when empty).
pid_t test_spawn(const std::vector<std::string> &argv, const std::string &log_path);
// Polls until something accepts on 127.0.0.1:port; false after timeout_ms
// or when `pid` exited meanwhile.
bool test_wait_for_port(int port, pid_t pid, int timeout_ms);
// SIGTERM, then SIGKILL after 5 s; reaps the child.
void test_stop(pid_t pid);
// Waits for a child; its exit status, or 128 + signal.
int test_wait(pid_t pid);
// Runs a program to completion; returns its exit status, output in *out.
int test_run(const std::vector<std::string> &argv, std::string *out);
// The file's contents ("" when missing).
std::string test_read_file(const std::string &path);
// An executable named by an environment variable, or found on PATH ("" if none).
std::string test_binary_from_env(const char *var);
std::string test_binary_on_path(const char *name);

#endif
