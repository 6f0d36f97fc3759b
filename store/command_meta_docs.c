/*
 * COMMAND DOCS' entry for one command: Redis 7's addReplyCommandDocs shape,
 * from the generated metadata (summary, since, group, complexity, doc flags,
 * deprecation, history, the argument tree) and the registered subcommands.
 * Summary / since / group are the command's (its metadata's, or for a
 * command without metadata its registration's, which is all Redis would
 * print for it without its docs).
 */
#include "store/command.h"

static void reply_field(struct reply *r, const char *name, const char *value)
{
    reply_bulk_cstr(r, name);
    reply_bulk_cstr(r, value);
}

/* Redis's addReplyCommandArgList: an array of maps, with only the fields
 * present, recursing into oneof / block arguments. */
static void reply_args(struct reply *r, const struct command_arg *args, int nargs)
{
    reply_array(r, (size_t)nargs);
    for (int i = 0; i < nargs; i++) {
        const struct command_arg *a = &args[i];
        bool nested = a->type == ARG_ONEOF || a->type == ARG_BLOCK;
        size_t fields = 2 + (a->key_spec_index >= 0) + (a->token != NULL) + (a->summary != NULL) +
                        (a->since != NULL) + (a->deprecated_since != NULL) + (a->flags != 0) +
                        nested;
        reply_map(r, fields);
        reply_field(r, "name", a->name);
        reply_field(r, "type", command_arg_type_name(a->type));
        if (a->key_spec_index >= 0) {
            reply_bulk_cstr(r, "key_spec_index");
            reply_int(r, a->key_spec_index);
        }
        if (a->token)
            reply_field(r, "token", a->token);
        if (a->summary)
            reply_field(r, "summary", a->summary);
        if (a->since)
            reply_field(r, "since", a->since);
        if (a->deprecated_since)
            reply_field(r, "deprecated_since", a->deprecated_since);
        if (a->flags) {
            reply_bulk_cstr(r, "flags");
            command_reply_flag_set(r, a->flags, command_arg_flag_names);
        }
        if (nested) {
            reply_bulk_cstr(r, "arguments");
            reply_args(r, a->args, a->nargs);
        }
    }
}

static void reply_history(struct reply *r, const struct command_history *history, int n)
{
    reply_set(r, (size_t)n);
    for (int i = 0; i < n; i++) {
        reply_array(r, 2);
        reply_bulk_cstr(r, history[i].version);
        reply_bulk_cstr(r, history[i].changes);
    }
}

void command_reply_docs(struct reply *r, const struct command *cmd)
{
    static const struct command_meta none = {0};
    const struct command_meta *meta = command_meta_of(cmd);
    if (!meta)
        meta = &none;
    /* From the metadata too, copied at freeze (command_describe). */
    const char *summary = cmd->summary;
    const char *since = cmd->since;
    const char *group = cmd->group;
    size_t nsubs = 0;
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        nsubs++;
    size_t fields = 1 + (summary != NULL) + (since != NULL) + (meta->complexity != NULL) +
                    (meta->doc_flags != 0) + (meta->deprecated_since != NULL) +
                    (meta->replaced_by != NULL) + (meta->nhistory > 0) + (meta->nargs > 0) +
                    (nsubs > 0);
    reply_map(r, fields);
    if (summary)
        reply_field(r, "summary", summary);
    if (since)
        reply_field(r, "since", since);
    reply_field(r, "group", group ? group : "generic");
    if (meta->complexity)
        reply_field(r, "complexity", meta->complexity);
    if (meta->doc_flags) {
        reply_bulk_cstr(r, "doc_flags");
        command_reply_flag_set(r, meta->doc_flags, command_doc_flag_names);
    }
    if (meta->deprecated_since)
        reply_field(r, "deprecated_since", meta->deprecated_since);
    if (meta->replaced_by)
        reply_field(r, "replaced_by", meta->replaced_by);
    if (meta->nhistory) {
        reply_bulk_cstr(r, "history");
        reply_history(r, meta->history, meta->nhistory);
    }
    if (meta->nargs) {
        reply_bulk_cstr(r, "arguments");
        reply_args(r, meta->args, meta->nargs);
    }
    if (nsubs) {
        reply_bulk_cstr(r, "subcommands");
        reply_map(r, nsubs);
        for (const struct command *sub = cmd->subcommands; sub->name; sub++) {
            reply_bulk_cstr(r, sub->name);
            command_reply_docs(r, sub);
        }
    }
}
