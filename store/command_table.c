/*
 * store/'s command table: every data command by name and function. Their
 * arity, flags, key positions, group, summary and since come from the
 * metadata generated from redis-server 7.0.15 (store/command_meta_data.c)
 * when the table freezes.
 */
#include "store/cmd_set.h"
#include "store/commands.h"

#include <stdbool.h>

static const struct command object_subcommands[] = {
    COMMAND("object|encoding", object_encoding_command),
    COMMAND("object|freq", object_freq_command),
    COMMAND("object|help", object_help_command),
    COMMAND("object|idletime", object_idletime_command),
    COMMAND("object|refcount", object_refcount_command),
    COMMAND_END,
};

static const struct command store_commands[] = {
    /* string */
    COMMAND("get", get_command),
    COMMAND("set", set_command),
    COMMAND("setnx", setnx_command),
    COMMAND("setex", setex_command),
    COMMAND("psetex", psetex_command),
    COMMAND("getset", getset_command),
    COMMAND("getdel", getdel_command),
    COMMAND("getex", getex_command),
    COMMAND("mget", mget_command),
    COMMAND("mset", mset_command),
    COMMAND("msetnx", msetnx_command),
    COMMAND("append", append_command),
    COMMAND("strlen", strlen_command),
    COMMAND("incr", incr_command),
    COMMAND("decr", decr_command),
    COMMAND("incrby", incrby_command),
    COMMAND("decrby", decrby_command),
    COMMAND("incrbyfloat", incrbyfloat_command),
    COMMAND("getrange", getrange_command),
    COMMAND("substr", getrange_command),
    COMMAND("setrange", setrange_command),
    COMMAND("lcs", lcs_command),
    /* bitmaps */
    COMMAND("setbit", setbit_command),
    COMMAND("getbit", getbit_command),
    COMMAND("bitcount", bitcount_command),
    COMMAND("bitpos", bitpos_command),
    COMMAND("bitop", bitop_command),
    COMMAND("bitfield", bitfield_command),
    COMMAND("bitfield_ro", bitfield_ro_command),
    /* HyperLogLog */
    COMMAND("pfadd", pfadd_command),
    COMMAND("pfcount", pfcount_command),
    COMMAND("pfmerge", pfmerge_command),
    COMMAND("pfselftest", pfselftest_command),
    COMMAND("pfdebug", pfdebug_command),
    /* keys */
    COMMAND("del", del_command),
    COMMAND("unlink", unlink_command),
    COMMAND("exists", exists_command),
    COMMAND("type", type_command),
    COMMAND("touch", touch_command),
    COMMAND("rename", rename_command),
    COMMAND("renamenx", renamenx_command),
    COMMAND("copy", copy_command),
    COMMAND("dump", dump_command),
    COMMAND("restore", restore_command),
    COMMAND("move", move_command),
    COMMAND("expire", expire_command),
    COMMAND("pexpire", pexpire_command),
    COMMAND("expireat", expireat_command),
    COMMAND("pexpireat", pexpireat_command),
    COMMAND("ttl", ttl_command),
    COMMAND("pttl", pttl_command),
    COMMAND("expiretime", expiretime_command),
    COMMAND("pexpiretime", pexpiretime_command),
    COMMAND("persist", persist_command),
    COMMAND("keys", keys_command),
    COMMAND("scan", scan_command),
    COMMAND("randomkey", randomkey_command),
    COMMAND_WITH_SUBCOMMANDS("object", command_run_subcommand, object_subcommands),
    /* db */
    COMMAND("dbsize", dbsize_command),
    COMMAND("flushdb", flushdb_command),
    COMMAND("flushall", flushall_command),
    COMMAND("select", select_command),
    COMMAND("swapdb", swapdb_command),
    /* lists */
    COMMAND("lpush", lpush_command),
    COMMAND("rpush", rpush_command),
    COMMAND("lpushx", lpushx_command),
    COMMAND("rpushx", rpushx_command),
    COMMAND("llen", llen_command),
    COMMAND("lindex", lindex_command),
    COMMAND("lset", lset_command),
    COMMAND("linsert", linsert_command),
    COMMAND("lrange", lrange_command),
    COMMAND("ltrim", ltrim_command),
    COMMAND("lrem", lrem_command),
    COMMAND("lpos", lpos_command),
    COMMAND("lpop", lpop_command),
    COMMAND("rpop", rpop_command),
    COMMAND("lmpop", lmpop_command),
    COMMAND("rpoplpush", rpoplpush_command),
    COMMAND("lmove", lmove_command),
    COMMAND("blpop", blpop_command),
    COMMAND("brpop", brpop_command),
    COMMAND("blmpop", blmpop_command),
    COMMAND("brpoplpush", brpoplpush_command),
    COMMAND("blmove", blmove_command),
    /* hashes */
    COMMAND("hset", hset_command),
    COMMAND("hsetnx", hsetnx_command),
    COMMAND("hget", hget_command),
    COMMAND("hmget", hmget_command),
    COMMAND("hmset", hmset_command),
    COMMAND("hdel", hdel_command),
    COMMAND("hlen", hlen_command),
    COMMAND("hstrlen", hstrlen_command),
    COMMAND("hexists", hexists_command),
    COMMAND("hkeys", hkeys_command),
    COMMAND("hvals", hvals_command),
    COMMAND("hgetall", hgetall_command),
    COMMAND("hincrby", hincrby_command),
    COMMAND("hincrbyfloat", hincrbyfloat_command),
    COMMAND("hrandfield", hrandfield_command),
    COMMAND("hscan", hscan_command),
    /* sets */
    COMMAND("sadd", sadd_command),
    COMMAND("srem", srem_command),
    COMMAND("smembers", smembers_command),
    COMMAND("sismember", sismember_command),
    COMMAND("smismember", smismember_command),
    COMMAND("scard", scard_command),
    COMMAND("spop", spop_command),
    COMMAND("srandmember", srandmember_command),
    COMMAND("smove", smove_command),
    COMMAND("sinter", sinter_command),
    COMMAND("sintercard", sintercard_command),
    COMMAND("sinterstore", sinterstore_command),
    COMMAND("sunion", sunion_command),
    COMMAND("sunionstore", sunionstore_command),
    COMMAND("sdiff", sdiff_command),
    COMMAND("sdiffstore", sdiffstore_command),
    COMMAND("sscan", sscan_command),
};

void command_table_register_store(void)
{
    static bool registered;
    if (registered)
        return;
    registered = true;
    int rc = command_table_register(store_commands, (int)(ARRAY_SIZE(store_commands)));
    (void)rc; /* only fails when out of memory at startup */
}
