/*
 * The B+tree of a large sorted set (store/zset_tree.h).
 *
 * Inner nodes keep, per child, the element count under it (for ranks) and a
 * pointer to its first element (the separator: a member node, so no key is
 * copied). Splits put the new element's side short when it lands at an end
 * of a full node, so ascending (or descending) inserts, the common case of
 * time-ordered scores, fill nodes completely instead of half.
 */
#include "store/zset_tree.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <string.h>

#define ZT_DEPTH  24 /* 64^24: more than any memory holds */
#define LEAF_SIZE (offsetof(struct zt_node, u) + sizeof(struct zset_node *) * ZT_MAX)

int zset_compare(double score_a, const void *a, size_t alen, double score_b, const void *b,
                 size_t blen)
{
    if (score_a < score_b)
        return -1;
    if (score_a > score_b)
        return 1;
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int cmp_nodes(const struct zset_node *a, const struct zset_node *b)
{
    return zset_compare(a->score, a->data, a->len, b->score, b->data, b->len);
}

static uint64_t chunk_size(void *p, size_t n)
{
    size_t usable = malloc_usable_size(p);
    return usable >= n ? usable + sizeof(size_t) : n;
}

static struct zt_node *node_alloc(bool leaf)
{
    size_t size = leaf ? LEAF_SIZE : sizeof(struct zt_node);
    struct zt_node *n = mem_alloc(size);
    if (n) {
        n->n = 0;
        n->leaf = leaf;
        n->prev = n->next = NULL;
    }
    return n;
}

static void node_free(struct zset_tree *t, struct zt_node *n)
{
    t->bytes -= chunk_size(n, n->leaf ? LEAF_SIZE : sizeof(struct zt_node));
    mem_free(n);
}

static void node_account(struct zset_tree *t, struct zt_node *n)
{
    t->bytes += chunk_size(n, n->leaf ? LEAF_SIZE : sizeof(struct zt_node));
}

void zt_init(struct zset_tree *t)
{
    memset(t, 0, sizeof(*t));
}

static void clear_node(struct zt_node *n)
{
    if (!n->leaf)
        for (unsigned i = 0; i < n->n; i++)
            clear_node(n->u.in.child[i]);
    mem_free(n);
}

void zt_clear(struct zset_tree *t)
{
    if (t->root)
        clear_node(t->root);
    zt_init(t);
}

static struct zset_node *first_of(const struct zt_node *n)
{
    return n->leaf ? n->u.item[0] : n->u.in.lo[0];
}

static uint64_t subtree_count(const struct zt_node *n)
{
    if (n->leaf)
        return n->n;
    uint64_t total = 0;
    for (unsigned i = 0; i < n->n; i++)
        total += n->u.in.count[i];
    return total;
}

/* The first index of a leaf whose element is not before x. */
static unsigned leaf_lower_bound(const struct zt_node *leaf, const struct zset_node *x)
{
    unsigned lo = 0, hi = leaf->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cmp_nodes(leaf->u.item[mid], x) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The child of an inner node whose range holds x: the last one whose
 * first element is not after x (the first child when none is). */
static unsigned inner_child(const struct zt_node *in, const struct zset_node *x)
{
    unsigned lo = 1, hi = in->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cmp_nodes(in->u.in.lo[mid], x) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

/* How many of n + 1 entries stay left when a full node splits, the new
 * entry at pos: an end insert leaves the full side full. */
static unsigned split_point(unsigned pos)
{
    if (pos == ZT_MAX)
        return ZT_MAX;
    if (pos == 0)
        return 1;
    return (ZT_MAX + 1) / 2;
}

static void split_leaf(struct zset_tree *t, struct zt_node *leaf, unsigned pos, struct zset_node *x,
                       struct zt_node *right)
{
    struct zset_node *tmp[ZT_MAX + 1];
    memcpy(tmp, leaf->u.item, pos * sizeof(tmp[0]));
    tmp[pos] = x;
    memcpy(tmp + pos + 1, leaf->u.item + pos, (ZT_MAX - pos) * sizeof(tmp[0]));
    unsigned left = split_point(pos);
    leaf->n = (uint16_t)left;
    memcpy(leaf->u.item, tmp, left * sizeof(tmp[0]));
    right->n = (uint16_t)(ZT_MAX + 1 - left);
    memcpy(right->u.item, tmp + left, right->n * sizeof(tmp[0]));
    right->prev = leaf;
    right->next = leaf->next;
    if (leaf->next)
        leaf->next->prev = right;
    else
        t->last = right;
    leaf->next = right;
}

struct inner_entry {
    struct zt_node *child;
    uint64_t count;
    struct zset_node *lo;
};

static void inner_set(struct zt_node *p, unsigned i, struct inner_entry e)
{
    p->u.in.child[i] = e.child;
    p->u.in.count[i] = e.count;
    p->u.in.lo[i] = e.lo;
}

static struct inner_entry inner_get(const struct zt_node *p, unsigned i)
{
    return (struct inner_entry){p->u.in.child[i], p->u.in.count[i], p->u.in.lo[i]};
}

static void inner_insert(struct zt_node *p, unsigned i, struct inner_entry e)
{
    for (unsigned j = p->n; j > i; j--)
        inner_set(p, j, inner_get(p, j - 1));
    inner_set(p, i, e);
    p->n++;
}

static void inner_remove(struct zt_node *p, unsigned i)
{
    for (unsigned j = i; j + 1 < p->n; j++)
        inner_set(p, j, inner_get(p, j + 1));
    p->n--;
}

static void split_inner(struct zt_node *p, unsigned pos, struct inner_entry e,
                        struct zt_node *right)
{
    struct inner_entry tmp[ZT_MAX + 1];
    for (unsigned j = 0, k = 0; j <= ZT_MAX; j++)
        tmp[j] = j == pos ? e : inner_get(p, k++);
    unsigned left = split_point(pos);
    p->n = (uint16_t)left;
    for (unsigned j = 0; j < left; j++)
        inner_set(p, j, tmp[j]);
    right->n = (uint16_t)(ZT_MAX + 1 - left);
    for (unsigned j = 0; j < right->n; j++)
        inner_set(right, j, tmp[left + j]);
}

struct zt_path {
    struct zt_node *node;
    unsigned idx;
};

static struct zt_node *descend(const struct zset_tree *t, const struct zset_node *x,
                               struct zt_path *path)
{
    struct zt_node *node = t->root;
    for (unsigned h = 0; h < t->height; h++) {
        unsigned i = inner_child(node, x);
        path[h] = (struct zt_path){node, i};
        node = node->u.in.child[i];
    }
    return node;
}

/* The new nodes an insert into this leaf needs: one per full node from the
 * leaf up, plus a root when they all are. */
static int reserve_splits(const struct zset_tree *t, const struct zt_node *leaf,
                          const struct zt_path *path, struct zt_node **spare)
{
    unsigned need = 0;
    if (leaf->n == ZT_MAX) {
        need = 1;
        unsigned h = t->height;
        while (h > 0 && path[h - 1].node->n == ZT_MAX) {
            need++;
            h--;
        }
        if (h == 0)
            need++;
    }
    for (unsigned k = 0; k < need; k++) {
        spare[k] = node_alloc(k == 0);
        if (!spare[k]) {
            while (k > 0)
                mem_free(spare[--k]);
            return -ENOMEM;
        }
    }
    return 0;
}

static int insert_first(struct zset_tree *t, struct zset_node *x)
{
    struct zt_node *leaf = node_alloc(true);
    if (!leaf)
        return -ENOMEM;
    node_account(t, leaf);
    leaf->n = 1;
    leaf->u.item[0] = x;
    t->root = t->first = t->last = leaf;
    t->height = 0;
    t->count = 1;
    return 0;
}

int zt_insert(struct zset_tree *t, struct zset_node *x)
{
    if (!t->root)
        return insert_first(t, x);
    struct zt_path path[ZT_DEPTH];
    assert(t->height < ZT_DEPTH);
    struct zt_node *leaf = descend(t, x, path);
    struct zt_node *spare[ZT_DEPTH + 2];
    if (reserve_splits(t, leaf, path, spare) != 0)
        return -ENOMEM;
    unsigned used = 0;
    unsigned pos = leaf_lower_bound(leaf, x);
    struct zt_node *right = NULL;
    if (leaf->n < ZT_MAX) {
        memmove(leaf->u.item + pos + 1, leaf->u.item + pos, (leaf->n - pos) * sizeof(x));
        leaf->u.item[pos] = x;
        leaf->n++;
    } else {
        right = spare[used++];
        node_account(t, right);
        split_leaf(t, leaf, pos, x, right);
    }
    struct zt_node *child = leaf;
    for (unsigned h = t->height; h-- > 0;) {
        struct zt_node *p = path[h].node;
        unsigned i = path[h].idx;
        p->u.in.lo[i] = first_of(child);
        if (!right) {
            p->u.in.count[i]++;
        } else {
            p->u.in.count[i] = subtree_count(child);
            struct inner_entry e = {right, subtree_count(right), first_of(right)};
            if (p->n < ZT_MAX) {
                inner_insert(p, i + 1, e);
                right = NULL;
            } else {
                right = spare[used++];
                node_account(t, right);
                split_inner(p, i + 1, e, right);
            }
        }
        child = p;
    }
    if (right) {
        struct zt_node *root = spare[used++];
        node_account(t, root);
        root->n = 0;
        inner_insert(root, 0, (struct inner_entry){child, subtree_count(child), first_of(child)});
        inner_insert(root, 1, (struct inner_entry){right, subtree_count(right), first_of(right)});
        t->root = root;
        t->height++;
    }
    t->count++;
    return 0;
}

/* Appends the entries of child b + 1 to child b and frees it. */
static void merge_children(struct zset_tree *t, struct zt_node *p, unsigned a)
{
    struct zt_node *left = p->u.in.child[a], *right = p->u.in.child[a + 1];
    if (left->leaf) {
        memcpy(left->u.item + left->n, right->u.item, right->n * sizeof(right->u.item[0]));
        left->next = right->next;
        if (right->next)
            right->next->prev = left;
        else
            t->last = left;
    } else {
        for (unsigned j = 0; j < right->n; j++)
            inner_set(left, left->n + j, inner_get(right, j));
    }
    left->n = (uint16_t)(left->n + right->n);
    p->u.in.count[a] += p->u.in.count[a + 1];
    inner_remove(p, a + 1);
    node_free(t, right);
}

/* Keeps neighbours from both being sparse: a child under a quarter full
 * merges with a neighbour when the two fit one node. */
static void maybe_merge(struct zset_tree *t, struct zt_node *p, unsigned i)
{
    struct zt_node *c = p->u.in.child[i];
    if (c->n >= ZT_MAX / 4)
        return;
    if (i + 1 < p->n && c->n + p->u.in.child[i + 1]->n <= ZT_MAX)
        merge_children(t, p, i);
    else if (i > 0 && p->u.in.child[i - 1]->n + c->n <= ZT_MAX)
        merge_children(t, p, i - 1);
}

static void unlink_leaf(struct zset_tree *t, struct zt_node *leaf)
{
    if (leaf->prev)
        leaf->prev->next = leaf->next;
    else
        t->first = leaf->next;
    if (leaf->next)
        leaf->next->prev = leaf->prev;
    else
        t->last = leaf->prev;
}

void zt_delete(struct zset_tree *t, struct zset_node *x)
{
    if (t->count == 1) {
        zt_clear(t);
        return;
    }
    struct zt_path path[ZT_DEPTH];
    struct zt_node *leaf = descend(t, x, path);
    unsigned pos = leaf_lower_bound(leaf, x);
    assert(pos < leaf->n && leaf->u.item[pos] == x);
    memmove(leaf->u.item + pos, leaf->u.item + pos + 1, (leaf->n - pos - 1) * sizeof(x));
    leaf->n--;
    struct zt_node *child = leaf;
    for (unsigned h = t->height; h-- > 0;) {
        struct zt_node *p = path[h].node;
        unsigned i = path[h].idx;
        p->u.in.count[i]--;
        if (child->n == 0) {
            if (child->leaf)
                unlink_leaf(t, child);
            inner_remove(p, i);
            node_free(t, child);
        } else {
            p->u.in.lo[i] = first_of(child);
            maybe_merge(t, p, i);
        }
        child = p;
    }
    while (t->height > 0 && t->root->n == 1) {
        struct zt_node *old = t->root;
        t->root = old->u.in.child[0];
        node_free(t, old);
        t->height--;
    }
    t->count--;
}

uint64_t zt_rank(const struct zset_tree *t, const struct zset_node *x)
{
    uint64_t rank = 0;
    struct zt_node *node = t->root;
    for (unsigned h = 0; h < t->height; h++) {
        unsigned i = inner_child(node, x);
        for (unsigned j = 0; j < i; j++)
            rank += node->u.in.count[j];
        node = node->u.in.child[i];
    }
    return rank + leaf_lower_bound(node, x);
}

struct zset_node *zt_at(const struct zset_tree *t, uint64_t rank, struct zt_node **leaf,
                        unsigned *idx)
{
    assert(rank < t->count);
    struct zt_node *node = t->root;
    for (unsigned h = 0; h < t->height; h++) {
        unsigned i = 0;
        while (i + 1 < node->n && rank >= node->u.in.count[i])
            rank -= node->u.in.count[i++];
        node = node->u.in.child[i];
    }
    *leaf = node;
    *idx = (unsigned)rank;
    return node->u.item[rank];
}

uint64_t zt_count_prefix(const struct zset_tree *t, zt_pred below, const void *ctx)
{
    if (!t->root)
        return 0;
    uint64_t total = 0;
    const struct zt_node *node = t->root;
    for (unsigned h = 0; h < t->height; h++) {
        unsigned lo = 0, hi = node->n; /* first child whose first element is not below */
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (below(node->u.in.lo[mid], ctx))
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return total;
        for (unsigned j = 0; j + 1 < lo; j++)
            total += node->u.in.count[j];
        node = node->u.in.child[lo - 1];
    }
    unsigned lo = 0, hi = node->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (below(node->u.item[mid], ctx))
            lo = mid + 1;
        else
            hi = mid;
    }
    return total + lo;
}

/* Checks a subtree at depth `depth`; *count gets its elements, *prev the
 * last leaf seen (leaves must chain in order). */
static bool check_node(const struct zset_tree *t, const struct zt_node *n, unsigned depth,
                       uint64_t *count, const struct zt_node **prev)
{
    if (n->n == 0 || n->n > ZT_MAX || (bool)n->leaf != (depth == t->height))
        return false;
    if (n->leaf) {
        if (n->prev != *prev || (*prev && (*prev)->next != n))
            return false;
        if (*prev && cmp_nodes((*prev)->u.item[(*prev)->n - 1], n->u.item[0]) >= 0)
            return false;
        for (unsigned i = 1; i < n->n; i++)
            if (cmp_nodes(n->u.item[i - 1], n->u.item[i]) >= 0)
                return false;
        *prev = n;
        *count = n->n;
        return true;
    }
    uint64_t total = 0;
    for (unsigned i = 0; i < n->n; i++) {
        uint64_t c;
        const struct zt_node *child = n->u.in.child[i];
        if (!check_node(t, child, depth + 1, &c, prev) || c != n->u.in.count[i] ||
            first_of(child) != n->u.in.lo[i])
            return false;
        total += c;
    }
    *count = total;
    return true;
}

bool zt_check(const struct zset_tree *t)
{
    if (!t->root)
        return t->count == 0 && !t->first && !t->last;
    uint64_t count;
    const struct zt_node *prev = NULL;
    if (!check_node(t, t->root, 0, &count, &prev))
        return false;
    return count == t->count && prev == t->last && t->first && !t->first->prev;
}
