// A command line for every store command, to run each one in table-driven
// tests (the write hook, lock plans): how to make it change (or read) a key.
#ifndef MAGPIE_TEST_STORE_COMMAND_SAMPLES_H
#define MAGPIE_TEST_STORE_COMMAND_SAMPLES_H

#include <map>
#include <string>

// How to make each store command change (or read) a key: the command line,
// run in database 3 after kSetup, and the key it must announce ("*": a
// whole-database command, announced for every shard of the db).
struct Sample {
    const char *line;
    const char *key;
};

inline const char *const kSetup[] = {"SET k v",  "SET n 10",        "SET t v PX 100000",
                                     "SET k2 w", "RPUSH l a b c d", "PFADD hl a b"};

inline const std::map<std::string, Sample> kSamples = {
    {"set", {"SET k w", "k"}},
    {"setnx", {"SETNX fresh v", "fresh"}},
    {"setex", {"SETEX k 10 v", "k"}},
    {"psetex", {"PSETEX k 10000 v", "k"}},
    {"getset", {"GETSET k w", "k"}},
    {"getdel", {"GETDEL k", "k"}},
    {"getex", {"GETEX k EX 100", "k"}},
    {"mset", {"MSET a 1 k w", "k"}},
    {"msetnx", {"MSETNX a 1 b 2", "b"}},
    {"append", {"APPEND k x", "k"}},
    {"incr", {"INCR n", "n"}},
    {"decr", {"DECR n", "n"}},
    {"incrby", {"INCRBY n 5", "n"}},
    {"decrby", {"DECRBY n 5", "n"}},
    {"incrbyfloat", {"INCRBYFLOAT n 1.5", "n"}},
    {"setrange", {"SETRANGE k 3 xyz", "k"}},
    {"setbit", {"SETBIT k 100 1", "k"}},
    {"bitop", {"BITOP OR dest k k2", "dest"}},
    {"bitfield", {"BITFIELD k SET u8 0 255", "k"}},
    {"pfadd", {"PFADD h a b c", "h"}},
    {"pfmerge", {"PFMERGE h2 nothere", "h2"}},
    {"pfdebug", {"PFDEBUG TODENSE hl", "hl"}},
    {"del", {"DEL nothere k", "k"}},
    {"unlink", {"UNLINK k", "k"}},
    {"rename", {"RENAME k renamed", "renamed"}},
    {"renamenx", {"RENAMENX k renamed", "k"}},
    {"copy", {"COPY k copied", "copied"}},
    {"move", {"MOVE k 5", "k"}},
    {"expire", {"EXPIRE k 100", "k"}},
    {"pexpire", {"PEXPIRE k 100000", "k"}},
    {"expireat", {"EXPIREAT k 99999999999", "k"}},
    {"pexpireat", {"PEXPIREAT k 99999999999999", "k"}},
    {"persist", {"PERSIST t", "t"}},
    {"flushdb", {"FLUSHDB", "*"}},
    {"flushall", {"FLUSHALL", "*"}},
    {"swapdb", {"SWAPDB 3 4", "*"}},
    {"lpush", {"LPUSH l x y", "l"}},
    {"rpush", {"RPUSH fresh x", "fresh"}},
    {"lpushx", {"LPUSHX l x", "l"}},
    {"rpushx", {"RPUSHX l x", "l"}},
    {"lset", {"LSET l -1 z", "l"}},
    {"linsert", {"LINSERT l AFTER b z", "l"}},
    {"ltrim", {"LTRIM l 1 -1", "l"}},
    {"lrem", {"LREM l -1 c", "l"}},
    {"lpop", {"LPOP l 2", "l"}},
    {"rpop", {"RPOP l", "l"}},
    {"lmpop", {"LMPOP 2 nothere l RIGHT COUNT 9", "l"}},
    {"rpoplpush", {"RPOPLPUSH l l2", "l2"}},
    {"lmove", {"LMOVE l l LEFT RIGHT", "l"}},
    {"blpop", {"BLPOP nothere l 0", "l"}},
    {"brpop", {"BRPOP l 1", "l"}},
    {"blmpop", {"BLMPOP 0 1 l LEFT", "l"}},
    {"brpoplpush", {"BRPOPLPUSH l k3 0", "k3"}},
    {"blmove", {"BLMOVE l l2 RIGHT LEFT 0", "l"}},
    // Commands that change nothing.
    {"llen", {"LLEN l", ""}},
    {"lindex", {"LINDEX l -2", ""}},
    {"lrange", {"LRANGE l 0 -1", ""}},
    {"lpos", {"LPOS l c RANK -1 COUNT 0", ""}},
    {"get", {"GET k", ""}},
    {"mget", {"MGET k n nothere", ""}},
    {"strlen", {"STRLEN k", ""}},
    {"getrange", {"GETRANGE k 0 1", ""}},
    {"substr", {"SUBSTR k 0 1", ""}},
    {"lcs", {"LCS k k2", ""}},
    {"getbit", {"GETBIT k 3", ""}},
    {"bitcount", {"BITCOUNT k 0 -1 BIT", ""}},
    {"bitpos", {"BITPOS k 1", ""}},
    {"bitfield_ro", {"BITFIELD_RO k GET u8 0", ""}},
    {"pfcount", {"PFCOUNT nothere", ""}},
    {"pfselftest", {"PFSELFTEST", ""}},
    {"exists", {"EXISTS k n", ""}},
    {"type", {"TYPE k", ""}},
    {"touch", {"TOUCH k", ""}},
    {"ttl", {"TTL t", ""}},
    {"pttl", {"PTTL t", ""}},
    {"expiretime", {"EXPIRETIME t", ""}},
    {"pexpiretime", {"PEXPIRETIME t", ""}},
    {"keys", {"KEYS *", ""}},
    {"scan", {"SCAN 0 COUNT 100", ""}},
    {"randomkey", {"RANDOMKEY", ""}},
    {"object", {"OBJECT ENCODING k", ""}},
    {"object|encoding", {"OBJECT ENCODING k", ""}},
    {"object|freq", {"OBJECT FREQ k", ""}},
    {"object|help", {"OBJECT HELP", ""}},
    {"object|idletime", {"OBJECT IDLETIME k", ""}},
    {"object|refcount", {"OBJECT REFCOUNT k", ""}},
    {"dbsize", {"DBSIZE", ""}},
    {"select", {"SELECT 3", ""}},
};

#endif
