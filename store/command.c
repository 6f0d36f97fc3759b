/*
 * The command registry. Before command_table_freeze() it is a growable list
 * of registrations (later names replace earlier ones); freezing lays every
 * command and subcommand out in one array, numbers them for per-command
 * stats, and builds an open-addressing table keyed by a case-insensitive
 * hash of the name, so a lookup is one hash of argv[0] and usually one
 * comparison. It also describes every command from its generated metadata
 * and links the two (command_describe, command_meta_of). After freezing nothing changes, so lookups
 * take no lock.
 */
#include "store/command.h"

#include "core/alloc.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 64 /* longer names are never commands */

static struct command *pending; /* registrations, before freezing */
static int pending_count, pending_cap;

static struct command *table; /* frozen: commands, subcommands, terminators */
static int table_len;
static const struct command **by_index; /* frozen: every real command, by stable index */
static int *index_of;                   /* frozen: table position -> index (-1: terminator) */
static const struct command_meta **meta_by_index; /* frozen: generated metadata, or NULL */
static int command_total;
static const struct command **slots; /* frozen: open addressing on top-level names */
static uint32_t slot_mask;
static bool frozen;

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a over the lower-cased name */
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)tolower((unsigned char)s[i]);
        h *= 16777619u;
    }
    return h;
}

/* A registered name equals s (len bytes, which may hold a NUL). Reads no
 * further into name than its terminator. */
static bool name_equals(const char *name, const char *s, size_t len)
{
    return strnlen(name, len + 1) == len && strncasecmp(name, s, len) == 0;
}

int command_table_register(const struct command *cmds, int n)
{
    if (frozen)
        return -EBUSY;
    for (int i = 0; i < n; i++) {
        int at = pending_count;
        for (int j = 0; j < pending_count; j++)
            if (strcmp(pending[j].name, cmds[i].name) == 0)
                at = j;
        if (at == pending_count) {
            if (pending_count == pending_cap) {
                int cap = pending_cap ? pending_cap * 2 : 64;
                struct command *grown = realloc(pending, (size_t)cap * sizeof(*grown));
                if (!grown)
                    return -ENOMEM;
                pending = grown;
                pending_cap = cap;
            }
            pending_count++;
        }
        pending[at] = cmds[i];
    }
    return 0;
}

static int count_subcommands(const struct command *cmd)
{
    int n = 0;
    if (cmd->subcommands)
        while (cmd->subcommands[n].name)
            n++;
    return n;
}

static void insert_slot(const struct command *cmd)
{
    uint32_t i = name_hash(cmd->name, strlen(cmd->name)) & slot_mask;
    while (slots[i])
        i = (i + 1) & slot_mask;
    slots[i] = cmd;
}

/* Describes every frozen command from its metadata (command_describe), and
 * links the two for command_meta_of. */
static void describe_table(void)
{
    for (int at = 0; at < table_len; at++) {
        if (index_of[at] < 0)
            continue; /* a terminator */
        struct command *cmd = &table[at];
        const struct command_meta *meta = command_meta_find(cmd->name);
        meta_by_index[index_of[at]] = meta;
        if (command_describe(cmd, meta) != 0) {
            /* A programming error: startup must not go on with a command
             * that enforces something other than what it reports. */
            fprintf(stderr,
                    meta ? "command '%s' has metadata: register it with COMMAND(), stating "
                           "nothing else\n"
                         : "command '%s' has no metadata: describe it with COMMAND_NO_META(), or "
                           "run tools/gen-command-meta.py --names\n",
                    cmd->name);
            abort();
        }
    }
}

void command_table_freeze(void)
{
    if (frozen)
        return;
    table_len = pending_count;
    for (int i = 0; i < pending_count; i++) {
        int subs = count_subcommands(&pending[i]);
        if (subs)
            table_len += subs + 1;
    }
    table = calloc((size_t)table_len + 1, sizeof(*table));
    by_index = calloc((size_t)table_len + 1, sizeof(*by_index));
    index_of = calloc((size_t)table_len + 1, sizeof(*index_of));
    meta_by_index = calloc((size_t)table_len + 1, sizeof(*meta_by_index));
    uint32_t nslots = 16;
    while (nslots < (uint32_t)pending_count * 2)
        nslots *= 2;
    slots = calloc(nslots, sizeof(*slots));
    if (!table || !by_index || !index_of || !meta_by_index || !slots) {
        /* Startup cannot continue without its command table. */
        abort();
    }
    slot_mask = nslots - 1;

    /* Top-level commands first, then each container's subcommands followed by
     * a terminator, with the container pointing at its copies. */
    int pos = pending_count;
    for (int i = 0; i < pending_count; i++) {
        table[i] = pending[i];
        index_of[i] = command_total;
        by_index[command_total++] = &table[i];
        int subs = count_subcommands(&pending[i]);
        if (!subs)
            continue;
        table[i].subcommands = &table[pos];
        for (int s = 0; s < subs; s++, pos++) {
            table[pos] = pending[i].subcommands[s];
            index_of[pos] = command_total;
            by_index[command_total++] = &table[pos];
        }
        index_of[pos++] = -1; /* the zeroed terminator */
    }
    assert(pos == table_len);
    describe_table();
    for (int i = 0; i < pending_count; i++)
        insert_slot(&table[i]);
    free(pending);
    pending = NULL;
    pending_count = pending_cap = 0;
    frozen = true;
}

bool command_table_frozen(void)
{
    return frozen;
}

const struct command *command_lookup(const char *name, size_t len)
{
    if (len == 0 || len > NAME_MAX_LEN)
        return NULL;
    if (!frozen) {
        for (int i = 0; i < pending_count; i++)
            if (name_equals(pending[i].name, name, len))
                return &pending[i];
        return NULL;
    }
    for (uint32_t i = name_hash(name, len) & slot_mask; slots[i]; i = (i + 1) & slot_mask)
        if (name_equals(slots[i]->name, name, len))
            return slots[i];
    return NULL;
}

int command_index(const struct command *cmd)
{
    if (!frozen || cmd < table || cmd >= table + table_len)
        return -1;
    return index_of[cmd - table];
}

const struct command_meta *command_meta_of(const struct command *cmd)
{
    int index = command_index(cmd);
    return index >= 0 ? meta_by_index[index] : NULL;
}

int command_count(void)
{
    return command_total;
}

const struct command *command_at(int index)
{
    return index >= 0 && index < command_total ? by_index[index] : NULL;
}

bool command_check_arity(const struct command *cmd, struct cmd_ctx *c)
{
    if ((cmd->arity > 0 && c->argc != cmd->arity) || c->argc < -cmd->arity) {
        reply_errorf(c->reply, "ERR wrong number of arguments for '%s' command", cmd->name);
        return false;
    }
    return true;
}

const struct command *command_find_subcommand(const struct command *container, const char *s,
                                              size_t len)
{
    /* A subcommand's name is "container|sub": compare the part after the bar. */
    for (const struct command *sub = container->subcommands; sub && sub->name; sub++) {
        const char *bar = strchr(sub->name, '|');
        if (name_equals(bar ? bar + 1 : sub->name, s, len))
            return sub;
    }
    return NULL;
}

/* Appends at most `max` bytes of s, stopping at a NUL as Redis's %s does. */
static size_t append_cstr(char *out, size_t at, const char *s, size_t len, size_t max)
{
    size_t n = 0;
    while (n < len && n < max && s[n] != '\0')
        n++;
    memcpy(out + at, s, n);
    return at + n;
}

void command_reply_unknown(struct cmd_ctx *c)
{
    /* Redis prints the name (at most 128 chars) and then quoted arguments
     * while the list is shorter than 128 chars, each cut to what is left. */
    char msg[128 + 128 + 128 + 64];
    size_t n = 0;
    static const char head[] = "ERR unknown command '";
    memcpy(msg, head, sizeof(head) - 1);
    n = sizeof(head) - 1;
    n = append_cstr(msg, n, c->argv[0].ptr, c->argv[0].len, 128);
    static const char mid[] = "', with args beginning with: ";
    memcpy(msg + n, mid, sizeof(mid) - 1);
    n += sizeof(mid) - 1;
    size_t args_start = n;
    for (int i = 1; i < c->argc && n - args_start < 128; i++) {
        msg[n++] = '\'';
        n = append_cstr(msg, n, c->argv[i].ptr, c->argv[i].len, 128 - (n - 1 - args_start));
        msg[n++] = '\'';
        msg[n++] = ' ';
    }
    msg[n] = '\0';
    reply_error(c->reply, msg);
}

static void reply_unknown_subcommand(struct cmd_ctx *c)
{
    char container[NAME_MAX_LEN + 1];
    size_t len = c->argv[0].len < NAME_MAX_LEN ? c->argv[0].len : NAME_MAX_LEN;
    for (size_t i = 0; i < len; i++)
        container[i] = (char)toupper((unsigned char)c->argv[0].ptr[i]);
    container[len] = '\0';
    char sub[129];
    size_t n = append_cstr(sub, 0, c->argv[1].ptr, c->argv[1].len, 128);
    sub[n] = '\0';
    reply_errorf(c->reply, "ERR unknown subcommand '%s'. Try %s HELP.", sub, container);
}

const struct command *command_resolve(struct cmd_ctx *c)
{
    const struct command *cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (!cmd) {
        command_reply_unknown(c);
        return NULL;
    }
    if (cmd->subcommands && c->argc >= 2) {
        const struct command *sub = command_find_subcommand(cmd, c->argv[1].ptr, c->argv[1].len);
        if (!sub) {
            reply_unknown_subcommand(c);
            return NULL;
        }
        cmd = sub;
    }
    return command_check_arity(cmd, c) ? cmd : NULL;
}

const struct command *command_dispatch(struct cmd_ctx *c)
{
    const struct command *cmd = command_resolve(c);
    if (cmd)
        command_call(c, cmd);
    return cmd;
}

void command_run_subcommand(struct cmd_ctx *c)
{
    const struct command *cmd = command_resolve(c);
    if (cmd && !cmd->subcommands)
        cmd->fn(c);
}
