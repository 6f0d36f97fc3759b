// Test helper for store/ commands: runs a command line through the command
// table against a keyspace and returns the exact reply bytes, so tests read
//   EXPECT_EQ(s.run("SET k v EX 10 NX"), "+OK\r\n");
#ifndef MAGPIE_TEST_STORE_HARNESS_H
#define MAGPIE_TEST_STORE_HARNESS_H

#include <cstdint>
#include <string>
#include <vector>

#include "store/command.h"
#include "store/keyspace.h"

// Registers and freezes the store's command table once per process.
void store_commands_init();

// Splits a line as the server's inline parser does (Redis's rules: "..."
// with escapes, '...' literal); bad quoting throws std::invalid_argument.
std::vector<std::string> split_command(const std::string &line);

// The error replies many tests expect, byte for byte.
const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const std::string kNotInteger = "-ERR value is not an integer or out of range\r\n";

class Store
{
  public:
    // 16 x 4 shards: FLUSHALL then holds 64 locks, the most ThreadSanitizer's
    // deadlock detector can track in one thread.
    explicit Store(int databases = 16, int shards = 4);
    ~Store();
    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    std::string run(const std::string &line);
    // A stand-in value of type list under `key` (store/ has no lists yet).
    void make_list(const std::string &key);
    std::string run_argv(const std::vector<std::string> &argv);

    struct keyspace *ks;
    int db = 0;
    int proto = 2;
    int64_t now_ms;
};

extern "C" int store_test_put_type(struct keyspace *ks, int db, const char *key, size_t len,
                                   int type, int64_t now_ms);

// Runs one command on any keyspace/db from any thread (for concurrency
// tests): returns the reply bytes and updates *db on SELECT.
std::string run_on(struct keyspace *ks, int *db, int64_t now_ms,
                   const std::vector<std::string> &argv, int proto = 2);

#endif
