/*
 * Finding the keys of a command line, as COMMAND GETKEYS and
 * GETKEYSANDFLAGS report them (Redis 7's getKeysFromCommandWithSpecs).
 *
 * The key specs are the rule. Their flags are only unreliable where a spec
 * says VARIABLE_FLAGS (SET is RW with GET, OW without): such commands have
 * their own function here, as Redis has a getkeys_proc for them, and tests
 * check that every implemented command with such a spec has one. A command
 * without metadata is described by its legacy first / last / step.
 */
#include "store/command.h"

#include "core/alloc.h"
#include "core/compiler.h"
#include "core/strconv.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

/* Compares like strcasecmp() on the argument as a C string, i.e. up to its
 * first NUL, which is what Redis compares. */
static bool arg_equals_cstr(const struct resp_arg *a, const char *s)
{
    const char *nul = memchr(a->ptr, '\0', a->len);
    size_t len = nul ? (size_t)(nul - a->ptr) : a->len;
    return len == strlen(s) && strncasecmp(a->ptr, s, len) == 0;
}

/* SET key value [NX|XX] [GET] [...]: the key is read too when GET is given. */
static int set_keys(const struct resp_arg *argv, int argc, struct command_key *keys)
{
    assert(argc >= 3);
    keys[0].pos = 1;
    keys[0].flags = KEY_OW | KEY_UPDATE;
    for (int i = 3; i < argc; i++) {
        if (arg_equals_cstr(&argv[i], "get")) {
            keys[0].flags = KEY_RW | KEY_ACCESS | KEY_UPDATE;
            break;
        }
    }
    return 1;
}

/* BITFIELD key [GET ...] [SET ...] [INCRBY ...] [OVERFLOW ...]: the key is
 * only read when every operation up to the first write is a GET or
 * OVERFLOW (Redis's bitfieldGetKeys; a syntax error counts as a write). */
static int bitfield_keys(const struct resp_arg *argv, int argc, struct command_key *keys)
{
    bool readonly = true;
    for (int i = 2; i < argc && readonly; i++) {
        int left = argc - i - 1;
        if (arg_equals_cstr(&argv[i], "get") && left >= 2)
            i += 2;
        else if (arg_equals_cstr(&argv[i], "overflow") && left >= 1)
            i += 1;
        else
            readonly = false; /* SET, INCRBY, or a syntax error */
    }
    keys[0].pos = 1;
    keys[0].flags = readonly ? KEY_RO | KEY_ACCESS : KEY_RW | KEY_ACCESS | KEY_UPDATE;
    return 1;
}

typedef int (*key_rule_fn)(const struct resp_arg *argv, int argc, struct command_key *keys);

static const struct {
    const char *name;
    key_rule_fn fn;
} key_rules[] = {
    {"set", set_keys},
    {"bitfield", bitfield_keys},
};

static key_rule_fn key_rule(const struct command *cmd)
{
    for (size_t i = 0; i < ARRAY_SIZE(key_rules); i++)
        if (strcmp(cmd->name, key_rules[i].name) == 0)
            return key_rules[i].fn;
    return NULL;
}

/* Where a spec's keys begin: an argument index; 0 when its keyword is
 * absent; -1 when the spec cannot say. */
static int spec_begin(const struct key_spec *ks, const struct resp_arg *argv, int argc)
{
    if (ks->begin_search == KEY_SEARCH_INDEX)
        return ks->index;
    if (ks->begin_search != KEY_SEARCH_KEYWORD)
        return -1;
    /* As Redis: the search stops before the end index (the last argument, or
     * argv[1] when searching backwards), which could not be followed by a key. */
    int start = ks->startfrom > 0 ? ks->startfrom : argc + ks->startfrom;
    int end = ks->startfrom > 0 ? argc - 1 : 1;
    for (int i = start; i != end; i += start <= end ? 1 : -1) {
        if (i >= argc || i < 1)
            break;
        if (arg_equals_cstr(&argv[i], ks->keyword))
            return i + 1;
    }
    return 0;
}

/* Appends one spec's keys at keys[*n]. Returns false when the arguments do
 * not fit the spec (Redis's invalid_spec); true when they do, or when the
 * spec's keyword is absent (no keys from it). */
static bool spec_keys(const struct key_spec *ks, const struct resp_arg *argv, int argc,
                      struct command_key *keys, int *n)
{
    int first = spec_begin(ks, argv, argc);
    if (first == 0)
        return true;
    if (first < 0)
        return false;
    long long last;
    if (ks->find_keys == KEY_FIND_RANGE) {
        if (ks->lastkey >= 0)
            last = first + ks->lastkey;
        else if (!ks->limit)
            last = argc + ks->lastkey;
        else
            last = first + ((argc - first) / ks->limit + ks->lastkey);
    } else if (ks->find_keys == KEY_FIND_KEYNUM) {
        if (first + ks->keynumidx >= argc)
            return false;
        const struct resp_arg *a = &argv[first + ks->keynumidx];
        long long numkeys;
        if (!strconv_parse_ll(a->ptr, a->len, &numkeys) || numkeys < 0)
            return false;
        first += ks->firstkey;
        /* Redis counts with an int: a count beyond it wraps as there. */
        last = first + (long long)(int)(unsigned)numkeys - 1;
    } else {
        return false;
    }
    if (last >= argc || last < first || first >= argc || first < 1 || ks->keystep < 1)
        return false;
    for (int i = first; i <= last; i += ks->keystep) {
        keys[*n].pos = i;
        keys[*n].flags = ks->flags;
        (*n)++;
    }
    return !(ks->flags & KEY_INCOMPLETE);
}

int command_keys_from_specs(const struct key_spec *specs, int nspecs, const struct resp_arg *argv,
                            int argc, struct command_key *keys)
{
    int n = 0;
    for (int i = 0; i < nspecs; i++)
        if (!(specs[i].flags & KEY_NOT_KEY) && !spec_keys(&specs[i], argv, argc, keys, &n))
            return -1;
    return n;
}

/* The legacy first / last / step as the key spec Redis would derive. */
static struct key_spec legacy_spec(const struct command *cmd)
{
    return (struct key_spec){
        .begin_search = KEY_SEARCH_INDEX,
        .index = cmd->first_key,
        .find_keys = KEY_FIND_RANGE,
        .lastkey = cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key,
        .keystep = cmd->key_step,
    };
}

bool command_has_keys(const struct command *cmd)
{
    const struct command_meta *meta = command_meta_of(cmd);
    if (!meta)
        return cmd->first_key > 0;
    if (key_rule(cmd))
        return true;
    for (int i = 0; i < meta->nkey_specs; i++)
        if (!(meta->key_specs[i].flags & KEY_NOT_KEY))
            return true;
    return false;
}

int command_get_keys(const struct command *cmd, const struct resp_arg *argv, int argc,
                     struct command_key **out)
{
    *out = NULL;
    const struct command_meta *meta = command_meta_of(cmd);
    struct key_spec legacy = legacy_spec(cmd);
    const struct key_spec *specs = meta ? meta->key_specs : &legacy;
    int nspecs = meta ? meta->nkey_specs : cmd->first_key > 0;
    bool variable_flags = false;
    for (int i = 0; i < nspecs; i++)
        variable_flags |= (specs[i].flags & KEY_VARIABLE_FLAGS) != 0;
    key_rule_fn rule = key_rule(cmd);

    /* A spec yields at most one key per argument; a rule at most one here. */
    struct command_key *keys = mem_alloc(((size_t)nspecs * (size_t)argc + 1) * sizeof(*keys));
    if (!keys)
        return -ENOMEM;
    /* As Redis: the specs when they name keys and their flags are reliable,
     * else (or when the arguments do not fit them) the command's own rule. */
    bool has_key_spec = false;
    for (int i = 0; i < nspecs; i++)
        has_key_spec |= !(specs[i].flags & KEY_NOT_KEY);
    int n = has_key_spec && !variable_flags
                ? command_keys_from_specs(specs, nspecs, argv, argc, keys)
                : -1;
    if (n < 0)
        n = rule ? rule(argv, argc, keys) : 0;
    if (n == 0) {
        mem_free(keys);
        return 0;
    }
    *out = keys;
    return n;
}
