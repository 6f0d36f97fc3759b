/*
 * store/'s command table: every data command with Redis 7.0's metadata
 * (arity, flags, key positions, and the group / summary / since that COMMAND
 * DOCS prints), as `COMMAND INFO` and `COMMAND DOCS` of redis-server 7.0.15
 * report them. Fields: name, fn, arity, flags, first_key, last_key,
 * key_step, group, summary, since, subcommands.
 */
#include "store/commands.h"

#include <stdbool.h>

/* clang-format off */
static const struct command object_subcommands[] = {
    {"object|encoding", object_encoding_command, 3, CMD_READONLY, 2, 2, 1, "generic", "Inspect the internal encoding of a Redis object", "2.2.3", NULL},
    {"object|freq", object_freq_command, 3, CMD_READONLY, 2, 2, 1, "generic", "Get the logarithmic access frequency counter of a Redis object", "4.0.0", NULL},
    {"object|help", object_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "generic", "Show helpful text about the different subcommands", "6.2.0", NULL},
    {"object|idletime", object_idletime_command, 3, CMD_READONLY, 2, 2, 1, "generic", "Get the time since a Redis object was last accessed", "2.2.3", NULL},
    {"object|refcount", object_refcount_command, 3, CMD_READONLY, 2, 2, 1, "generic", "Get the number of references to the value of the key", "2.2.3", NULL},
    {0},
};

static const struct command store_commands[] = {
    /* string */
    {"get", get_command, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "string", "Get the value of a key", "1.0.0", NULL},
    {"set", set_command, -3, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "string", "Set the string value of a key", "1.0.0", NULL},
    {"setnx", setnx_command, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "Set the value of a key, only if the key does not exist", "1.0.0", NULL},
    {"setex", setex_command, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "string", "Set the value and expiration of a key", "2.0.0", NULL},
    {"psetex", psetex_command, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "string", "Set the value and expiration in milliseconds of a key", "2.6.0", NULL},
    {"getset", getset_command, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "Set the string value of a key and return its old value", "1.0.0", NULL},
    {"getdel", getdel_command, 2, CMD_WRITE | CMD_FAST, 1, 1, 1, "string", "Get the value of a key and delete the key", "6.2.0", NULL},
    {"getex", getex_command, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "string", "Get the value of a key and optionally set its expiration", "6.2.0", NULL},
    {"mget", mget_command, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "string", "Get the values of all the given keys", "1.0.0", NULL},
    {"mset", mset_command, -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 2, "string", "Set multiple keys to multiple values", "1.0.1", NULL},
    {"msetnx", msetnx_command, -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 2, "string", "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", NULL},
    {"append", append_command, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "Append a value to a key", "2.0.0", NULL},
    {"strlen", strlen_command, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "string", "Get the length of the value stored in a key", "2.2.0", NULL},
    {"incr", incr_command, 2, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "Increment the integer value of a key by one", "1.0.0", NULL},
    {"decr", decr_command, 2, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "Decrement the integer value of a key by one", "1.0.0", NULL},
    {"incrby", incrby_command, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "Increment the integer value of a key by the given amount", "1.0.0", NULL},
    {"decrby", decrby_command, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "Decrement the integer value of a key by the given number", "1.0.0", NULL},
    {"incrbyfloat", incrbyfloat_command, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "Increment the float value of a key by the given amount", "2.6.0", NULL},
    {"getrange", getrange_command, 4, CMD_READONLY, 1, 1, 1, "string", "Get a substring of the string stored at a key", "2.4.0", NULL},
    {"substr", getrange_command, 4, CMD_READONLY, 1, 1, 1, "string", "Get a substring of the string stored at a key", "1.0.0", NULL},
    {"setrange", setrange_command, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "string", "Overwrite part of a string at key starting at the specified offset", "2.2.0", NULL},
    {"lcs", lcs_command, -3, CMD_READONLY, 1, 2, 1, "string", "Find longest common substring", "7.0.0", NULL},
    /* keys */
    {"del", del_command, -2, CMD_WRITE, 1, -1, 1, "generic", "Delete a key", "1.0.0", NULL},
    {"unlink", unlink_command, -2, CMD_WRITE | CMD_FAST, 1, -1, 1, "generic", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0", NULL},
    {"exists", exists_command, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "generic", "Determine if a key exists", "1.0.0", NULL},
    {"type", type_command, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "Determine the type stored at key", "1.0.0", NULL},
    {"touch", touch_command, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "generic", "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1", NULL},
    {"rename", rename_command, 3, CMD_WRITE, 1, 2, 1, "generic", "Rename a key", "1.0.0", NULL},
    {"renamenx", renamenx_command, 3, CMD_WRITE | CMD_FAST, 1, 2, 1, "generic", "Rename a key, only if the new key does not exist", "1.0.0", NULL},
    {"copy", copy_command, -3, CMD_WRITE | CMD_DENYOOM, 1, 2, 1, "generic", "Copy a key", "6.2.0", NULL},
    {"move", move_command, 3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "Move a key to another database", "1.0.0", NULL},
    {"expire", expire_command, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "Set a key's time to live in seconds", "1.0.0", NULL},
    {"pexpire", pexpire_command, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "Set a key's time to live in milliseconds", "2.6.0", NULL},
    {"expireat", expireat_command, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "Set the expiration for a key as a UNIX timestamp", "1.2.0", NULL},
    {"pexpireat", pexpireat_command, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", NULL},
    {"ttl", ttl_command, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "Get the time to live for a key in seconds", "1.0.0", NULL},
    {"pttl", pttl_command, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "Get the time to live for a key in milliseconds", "2.6.0", NULL},
    {"expiretime", expiretime_command, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "Get the expiration Unix timestamp for a key", "7.0.0", NULL},
    {"pexpiretime", pexpiretime_command, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", NULL},
    {"persist", persist_command, 2, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "Remove the expiration from a key", "2.2.0", NULL},
    {"keys", keys_command, 2, CMD_READONLY, 0, 0, 0, "generic", "Find all keys matching the given pattern", "1.0.0", NULL},
    {"scan", scan_command, -2, CMD_READONLY, 0, 0, 0, "generic", "Incrementally iterate the keys space", "2.8.0", NULL},
    {"randomkey", randomkey_command, 1, CMD_READONLY, 0, 0, 0, "generic", "Return a random key from the keyspace", "1.0.0", NULL},
    {"object", command_run_subcommand, -2, 0, 0, 0, 0, "generic", "A container for object introspection commands", "2.2.3", object_subcommands},
    /* db */
    {"dbsize", dbsize_command, 1, CMD_READONLY | CMD_FAST, 0, 0, 0, "server", "Return the number of keys in the selected database", "1.0.0", NULL},
    {"flushdb", flushdb_command, -1, CMD_WRITE, 0, 0, 0, "server", "Remove all keys from the current database", "1.0.0", NULL},
    {"flushall", flushall_command, -1, CMD_WRITE, 0, 0, 0, "server", "Remove all keys from all databases", "1.0.0", NULL},
    {"select", select_command, 2, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "connection", "Change the selected database for the current connection", "1.0.0", NULL},
    {"swapdb", swapdb_command, 3, CMD_WRITE | CMD_FAST, 0, 0, 0, "server", "Swaps two Redis databases", "4.0.0", NULL},
};
/* clang-format on */

void command_table_register_store(void)
{
    static bool registered;
    if (registered)
        return;
    registered = true;
    int rc = command_table_register(store_commands, (int)(ARRAY_SIZE(store_commands)));
    (void)rc; /* only fails when out of memory at startup */
}
