/*
 * Command metadata: the name tables, lookup in the generated table
 * (store/command_meta_data.c), ACL categories, and COMMAND INFO's entry.
 *
 * COMMAND INFO prints what Magpie enforces (arity, flags, first / last key
 * and step) from the command, which command_describe() copied from the
 * generated metadata at freeze, and what it only describes (categories,
 * tips, key specs) from the metadata itself, so the reply is Redis's byte
 * for byte. A command without metadata gets Redis's shape with what its
 * registration can say.
 */
#include "store/command.h"

#include "core/compiler.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The flags COMMAND INFO shows, in Redis's order; MAY_REPLICATE and
 * SENTINEL are hidden, as in Redis. */
const struct command_flag_name command_flag_names[] = {
    {CMD_WRITE, "write"},
    {CMD_READONLY, "readonly"},
    {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},
    {CMD_PUBSUB, "pubsub"},
    {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"},
    {CMD_LOADING, "loading"},
    {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"},
    {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_FAST, "fast"},
    {CMD_NO_AUTH, "no_auth"},
    {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"},
    {CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {CMD_NO_MULTI, "no_multi"},
    {CMD_MOVABLE_KEYS, "movablekeys"},
    {CMD_ALLOW_BUSY, "allow_busy"},
    {0, NULL},
};

const struct command_flag_name acl_category_names[] = {
    {ACL_KEYSPACE, "@keyspace"},
    {ACL_READ, "@read"},
    {ACL_WRITE, "@write"},
    {ACL_SET, "@set"},
    {ACL_SORTEDSET, "@sortedset"},
    {ACL_LIST, "@list"},
    {ACL_HASH, "@hash"},
    {ACL_STRING, "@string"},
    {ACL_BITMAP, "@bitmap"},
    {ACL_HYPERLOGLOG, "@hyperloglog"},
    {ACL_GEO, "@geo"},
    {ACL_STREAM, "@stream"},
    {ACL_PUBSUB, "@pubsub"},
    {ACL_ADMIN, "@admin"},
    {ACL_FAST, "@fast"},
    {ACL_SLOW, "@slow"},
    {ACL_BLOCKING, "@blocking"},
    {ACL_DANGEROUS, "@dangerous"},
    {ACL_CONNECTION, "@connection"},
    {ACL_TRANSACTION, "@transaction"},
    {ACL_SCRIPTING, "@scripting"},
    {0, NULL},
};

const struct command_flag_name key_flag_names[] = {
    {KEY_RO, "RO"},
    {KEY_RW, "RW"},
    {KEY_OW, "OW"},
    {KEY_RM, "RM"},
    {KEY_ACCESS, "access"},
    {KEY_UPDATE, "update"},
    {KEY_INSERT, "insert"},
    {KEY_DELETE, "delete"},
    {KEY_NOT_KEY, "not_key"},
    {KEY_INCOMPLETE, "incomplete"},
    {KEY_VARIABLE_FLAGS, "variable_flags"},
    {0, NULL},
};

const struct command_flag_name command_arg_flag_names[] = {
    {ARG_OPTIONAL, "optional"},
    {ARG_MULTIPLE, "multiple"},
    {ARG_MULTIPLE_TOKEN, "multiple_token"},
    {0, NULL},
};

const struct command_flag_name command_doc_flag_names[] = {
    {DOC_DEPRECATED, "deprecated"},
    {DOC_SYSCMD, "syscmd"},
    {0, NULL},
};

const char *command_arg_type_name(int type)
{
    static const char *const names[] = {
        [ARG_STRING] = "string",         [ARG_INTEGER] = "integer",
        [ARG_DOUBLE] = "double",         [ARG_KEY] = "key",
        [ARG_PATTERN] = "pattern",       [ARG_UNIX_TIME] = "unix-time",
        [ARG_PURE_TOKEN] = "pure-token", [ARG_ONEOF] = "oneof",
        [ARG_BLOCK] = "block",
    };
    assert(type >= 0 && type < (int)ARRAY_SIZE(names) && names[type]);
    return names[type];
}

static int compare_meta_name(const void *key, const void *entry)
{
    return strcmp(key, ((const struct command_meta *)entry)->name);
}

const struct command_meta *command_meta_find(const char *name)
{
    return bsearch(name, command_meta_table, (size_t)command_meta_count,
                   sizeof(command_meta_table[0]), compare_meta_name);
}

static bool states_description(const struct command *cmd)
{
    return cmd->arity || cmd->flags || cmd->first_key || cmd->last_key || cmd->key_step ||
           cmd->group || cmd->summary || cmd->since;
}

int command_describe(struct command *cmd, const struct command_meta *meta)
{
    if (!meta) {
        bool complete = cmd->arity && cmd->group && cmd->summary && cmd->since &&
                        (cmd->first_key == 0 || cmd->key_step > 0);
        return complete ? 0 : -EINVAL;
    }
    if (states_description(cmd))
        return -EINVAL;
    cmd->arity = meta->arity;
    cmd->flags = meta->flags;
    cmd->first_key = meta->first_key;
    cmd->last_key = meta->last_key;
    cmd->key_step = meta->key_step;
    cmd->group = meta->group;
    cmd->summary = meta->summary;
    cmd->since = meta->since;
    return 0;
}

uint32_t command_acl_categories(const struct command *cmd)
{
    const struct command_meta *meta = command_meta_of(cmd);
    if (meta)
        return meta->acl_categories;
    if (cmd->subcommands) /* a container: its subcommands carry the rest */
        return ACL_SLOW;
    /* Redis's implicit categories, plus the group's own. */
    static const struct {
        uint32_t flag, category;
    } implied[] = {
        {CMD_WRITE, ACL_WRITE},   {CMD_READONLY, ACL_READ}, {CMD_ADMIN, ACL_ADMIN | ACL_DANGEROUS},
        {CMD_PUBSUB, ACL_PUBSUB}, {CMD_FAST, ACL_FAST},     {CMD_BLOCKING, ACL_BLOCKING},
    };
    uint32_t cats = cmd->flags & CMD_FAST ? 0 : ACL_SLOW;
    for (size_t i = 0; i < ARRAY_SIZE(implied); i++)
        if (cmd->flags & implied[i].flag)
            cats |= implied[i].category;
    static const struct {
        const char *group;
        uint32_t category;
    } groups[] = {
        {"string", ACL_STRING},
        {"list", ACL_LIST},
        {"hash", ACL_HASH},
        {"set", ACL_SET},
        {"sorted-set", ACL_SORTEDSET},
        {"generic", ACL_KEYSPACE},
        {"connection", ACL_CONNECTION},
        {"pubsub", ACL_PUBSUB},
        {"transactions", ACL_TRANSACTION},
    };
    for (size_t i = 0; cmd->group && i < ARRAY_SIZE(groups); i++)
        if (strcmp(cmd->group, groups[i].group) == 0)
            cats |= groups[i].category;
    return cats;
}

void command_reply_flag_set(struct reply *r, uint32_t bits, const struct command_flag_name *names)
{
    size_t n = 0;
    for (const struct command_flag_name *f = names; f->name; f++)
        n += (bits & f->bit) != 0;
    reply_set(r, n);
    for (const struct command_flag_name *f = names; f->name; f++)
        if (bits & f->bit)
            reply_simple(r, f->name);
}

/* Either half of a key spec: {"type": type, "spec": {nfields fields}}, the
 * caller writing the fields. */
static void reply_spec_head(struct reply *r, const char *type, size_t nfields)
{
    reply_map(r, 2);
    reply_bulk_cstr(r, "type");
    reply_bulk_cstr(r, type);
    reply_bulk_cstr(r, "spec");
    reply_map(r, nfields);
}

static void reply_int_field(struct reply *r, const char *name, long long value)
{
    reply_bulk_cstr(r, name);
    reply_int(r, value);
}

static void reply_key_spec(struct reply *r, const struct key_spec *ks)
{
    reply_map(r, ks->notes ? 4 : 3);
    if (ks->notes) {
        reply_bulk_cstr(r, "notes");
        reply_bulk_cstr(r, ks->notes);
    }
    reply_bulk_cstr(r, "flags");
    command_reply_flag_set(r, ks->flags, key_flag_names);

    reply_bulk_cstr(r, "begin_search");
    switch (ks->begin_search) {
    case KEY_SEARCH_INDEX:
        reply_spec_head(r, "index", 1);
        reply_int_field(r, "index", ks->index);
        break;
    case KEY_SEARCH_KEYWORD:
        reply_spec_head(r, "keyword", 2);
        reply_bulk_cstr(r, "keyword");
        reply_bulk_cstr(r, ks->keyword);
        reply_int_field(r, "startfrom", ks->startfrom);
        break;
    default:
        reply_spec_head(r, "unknown", 0);
        break;
    }

    reply_bulk_cstr(r, "find_keys");
    switch (ks->find_keys) {
    case KEY_FIND_RANGE:
        reply_spec_head(r, "range", 3);
        reply_int_field(r, "lastkey", ks->lastkey);
        reply_int_field(r, "keystep", ks->keystep);
        reply_int_field(r, "limit", ks->limit);
        break;
    case KEY_FIND_KEYNUM:
        reply_spec_head(r, "keynum", 3);
        reply_int_field(r, "keynumidx", ks->keynumidx);
        reply_int_field(r, "firstkey", ks->firstkey);
        reply_int_field(r, "keystep", ks->keystep);
        break;
    default:
        reply_spec_head(r, "unknown", 0);
        break;
    }
}

/* Redis's addReplyCommandInfo: ten fields; the sets are arrays under RESP2. */
void command_reply_info(struct reply *r, const struct command *cmd)
{
    const struct command_meta *meta = command_meta_of(cmd);
    reply_array(r, 10);
    reply_bulk_cstr(r, cmd->name);
    reply_int(r, cmd->arity);
    command_reply_flag_set(r, cmd->flags, command_flag_names);
    reply_int(r, cmd->first_key);
    reply_int(r, cmd->first_key ? cmd->last_key : 0);
    reply_int(r, cmd->first_key ? cmd->key_step : 0);
    command_reply_flag_set(r, command_acl_categories(cmd), acl_category_names);
    int ntips = meta ? meta->ntips : 0;
    reply_set(r, (size_t)ntips);
    for (int i = 0; i < ntips; i++)
        reply_bulk_cstr(r, meta->tips[i]);
    int nspecs = meta ? meta->nkey_specs : 0;
    reply_set(r, (size_t)nspecs);
    for (int i = 0; i < nspecs; i++)
        reply_key_spec(r, &meta->key_specs[i]);
    size_t nsubs = 0;
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        nsubs++;
    /* Redis sends an empty set when there are none, else an array. */
    if (nsubs)
        reply_array(r, nsubs);
    else
        reply_set(r, 0);
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        command_reply_info(r, sub);
}
