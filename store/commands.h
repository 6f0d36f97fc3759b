/*
 * The command functions of store/, one per command (or subcommand), named
 * <name>_command. Registered with their metadata in command_table.c. Private
 * to store/.
 */
#ifndef MAGPIE_STORE_COMMANDS_H
#define MAGPIE_STORE_COMMANDS_H

#include "store/command.h"

void get_command(struct cmd_ctx *c);
void set_command(struct cmd_ctx *c);
void setnx_command(struct cmd_ctx *c);
void setex_command(struct cmd_ctx *c);
void psetex_command(struct cmd_ctx *c);
void getset_command(struct cmd_ctx *c);
void getdel_command(struct cmd_ctx *c);
void getex_command(struct cmd_ctx *c);
void mget_command(struct cmd_ctx *c);
void mset_command(struct cmd_ctx *c);
void msetnx_command(struct cmd_ctx *c);
void append_command(struct cmd_ctx *c);
void strlen_command(struct cmd_ctx *c);
void incr_command(struct cmd_ctx *c);
void decr_command(struct cmd_ctx *c);
void incrby_command(struct cmd_ctx *c);
void decrby_command(struct cmd_ctx *c);
void incrbyfloat_command(struct cmd_ctx *c);
void getrange_command(struct cmd_ctx *c);
void setrange_command(struct cmd_ctx *c);
void lcs_command(struct cmd_ctx *c);
/* bitmaps */
void setbit_command(struct cmd_ctx *c);
void getbit_command(struct cmd_ctx *c);
void bitcount_command(struct cmd_ctx *c);
void bitpos_command(struct cmd_ctx *c);
void bitop_command(struct cmd_ctx *c);
void bitfield_command(struct cmd_ctx *c);
void bitfield_ro_command(struct cmd_ctx *c);
/* HyperLogLog */
void pfadd_command(struct cmd_ctx *c);
void pfcount_command(struct cmd_ctx *c);
void pfmerge_command(struct cmd_ctx *c);
void pfselftest_command(struct cmd_ctx *c);
void pfdebug_command(struct cmd_ctx *c);
void del_command(struct cmd_ctx *c);
void unlink_command(struct cmd_ctx *c);
void exists_command(struct cmd_ctx *c);
void type_command(struct cmd_ctx *c);
void touch_command(struct cmd_ctx *c);
void rename_command(struct cmd_ctx *c);
void renamenx_command(struct cmd_ctx *c);
void copy_command(struct cmd_ctx *c);
void move_command(struct cmd_ctx *c);
void dump_command(struct cmd_ctx *c);
void restore_command(struct cmd_ctx *c);
void expire_command(struct cmd_ctx *c);
void pexpire_command(struct cmd_ctx *c);
void expireat_command(struct cmd_ctx *c);
void pexpireat_command(struct cmd_ctx *c);
void ttl_command(struct cmd_ctx *c);
void pttl_command(struct cmd_ctx *c);
void expiretime_command(struct cmd_ctx *c);
void pexpiretime_command(struct cmd_ctx *c);
void persist_command(struct cmd_ctx *c);
void keys_command(struct cmd_ctx *c);
void scan_command(struct cmd_ctx *c);
void randomkey_command(struct cmd_ctx *c);
void object_freq_command(struct cmd_ctx *c);
void object_idletime_command(struct cmd_ctx *c);
void object_help_command(struct cmd_ctx *c);
void object_refcount_command(struct cmd_ctx *c);
void object_encoding_command(struct cmd_ctx *c);
void dbsize_command(struct cmd_ctx *c);
void flushdb_command(struct cmd_ctx *c);
void flushall_command(struct cmd_ctx *c);
void select_command(struct cmd_ctx *c);
void swapdb_command(struct cmd_ctx *c);
/* hashes */
void hset_command(struct cmd_ctx *c);
void hsetnx_command(struct cmd_ctx *c);
void hget_command(struct cmd_ctx *c);
void hmget_command(struct cmd_ctx *c);
void hmset_command(struct cmd_ctx *c);
void hdel_command(struct cmd_ctx *c);
void hlen_command(struct cmd_ctx *c);
void hstrlen_command(struct cmd_ctx *c);
void hexists_command(struct cmd_ctx *c);
void hkeys_command(struct cmd_ctx *c);
void hvals_command(struct cmd_ctx *c);
void hgetall_command(struct cmd_ctx *c);
void hincrby_command(struct cmd_ctx *c);
void hincrbyfloat_command(struct cmd_ctx *c);
void hrandfield_command(struct cmd_ctx *c);
void hscan_command(struct cmd_ctx *c);
/* lists */
void lpush_command(struct cmd_ctx *c);
void rpush_command(struct cmd_ctx *c);
void lpushx_command(struct cmd_ctx *c);
void rpushx_command(struct cmd_ctx *c);
void llen_command(struct cmd_ctx *c);
void lindex_command(struct cmd_ctx *c);
void lset_command(struct cmd_ctx *c);
void linsert_command(struct cmd_ctx *c);
void lrange_command(struct cmd_ctx *c);
void ltrim_command(struct cmd_ctx *c);
void lrem_command(struct cmd_ctx *c);
void lpos_command(struct cmd_ctx *c);
void lpop_command(struct cmd_ctx *c);
void rpop_command(struct cmd_ctx *c);
void lmpop_command(struct cmd_ctx *c);
void rpoplpush_command(struct cmd_ctx *c);
void lmove_command(struct cmd_ctx *c);
void blpop_command(struct cmd_ctx *c);
void brpop_command(struct cmd_ctx *c);
void blmpop_command(struct cmd_ctx *c);
void brpoplpush_command(struct cmd_ctx *c);
void blmove_command(struct cmd_ctx *c);
/* SORT (cmd_sort.c) */
void sort_command(struct cmd_ctx *c);
void sort_ro_command(struct cmd_ctx *c);

#endif
