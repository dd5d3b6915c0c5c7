/* Call stacks unified per call ID, and network neighbors merged by
 * identifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/map.h"
#include "core/vec.h"
#include "runtime/profile.h"

/* ---- call stacks ---- */

typedef struct frame {
    kv_value file, line; /* strings */
} frame;

typedef struct spath {
    const frame *f; /* arena */
    size_t n;
} spath;

typedef struct snode {
    frame fr;
    KS_VEC(size_t) children; /* indices into the node table */
} snode;

typedef struct group {
    kv_value id;
    KS_VEC(spath) paths;
} group;

typedef struct sctx {
    ks_arena *a;
    ks_error *err;
    ks_map seen; /* path keys of the current group */
    ks_buf key;
    KS_VEC(frame) cur;
    size_t frames; /* frames collected in all, bounded */
    const char *where;
} sctx;

#define MAX_STACK_FRAMES 4000000

static int frame_of(sctx *c, const kv_value *node, frame *out)
{
    const kv_value *f = node->kind == KV_OBJECT ? kv_obj_get(node, "frame", 5) : NULL;
    if (node->kind != KV_OBJECT)
        return ks_error_set(c->err, KS_ETYPE, "%s: call stack node must be an object", c->where);
    out->file = kv_str_ref("", 0);
    out->line = kv_str_ref("", 0);
    if (!f || f->kind == KV_NULL)
        return 0;
    if (f->kind != KV_OBJECT)
        return ks_error_set(c->err, KS_ETYPE, "%s: frame must be an object", c->where);
    const kv_value *v = kv_obj_get(f, "fileID", 6);
    if (v && v->kind != KV_STRING && v->kind != KV_NULL)
        return ks_error_set(c->err, KS_ETYPE, "%s: frame.fileID must be a string", c->where);
    if (v && v->kind == KV_STRING)
        out->file = *v;
    v = kv_obj_get(f, "lineno", 6);
    if (v && v->kind != KV_STRING && v->kind != KV_NULL)
        return ks_error_set(c->err, KS_ETYPE, "%s: frame.lineno must be a string", c->where);
    if (v && v->kind == KV_STRING)
        out->line = *v;
    return 0;
}

/* The path c->cur as a new unique path of g, if not seen before. */
static int add_path(sctx *c, group *g)
{
    ks_buf_reset(&c->key);
    ks_buf_printf(&c->key, "%p;", (void *)g);
    for (size_t i = 0; i < c->cur.len; i++) {
        const frame *f = &c->cur.v[i];
        ks_buf_printf(&c->key, "%u:", f->file.len);
        ks_buf_append(&c->key, f->file.u.s, f->file.len);
        ks_buf_printf(&c->key, "%u:", f->line.len);
        ks_buf_append(&c->key, f->line.u.s, f->line.len);
    }
    if (c->key.err)
        return ks_error_set(c->err, KS_ELIMIT, "call stacks: memory limit");
    if (ks_map_get(&c->seen, c->key.data, c->key.len))
        return 0;
    char *k = ks_arena_memdup(c->a, c->key.data, c->key.len);
    frame *fs = ks_arena_memdup(c->a, c->cur.v, c->cur.len * sizeof(frame));
    if (!k || (!fs && c->cur.len))
        return ks_error_set(c->err, KS_ELIMIT, "call stacks: memory limit");
    ks_map_put(&c->seen, k, c->key.len, (void *)1);
    ks_vec_push(&g->paths, ((spath){fs, c->cur.len}));
    return 0;
}

/* Root-to-leaf paths below node (node's own frame included). */
static int collect(sctx *c, group *g, const kv_value *node, size_t depth)
{
    if (depth > RT_MAX_STACK_DEPTH)
        return ks_error_set(c->err, KS_ELIMIT, "%s: call stack deeper than %d frames", c->where,
                            RT_MAX_STACK_DEPTH);
    frame f;
    int rc = frame_of(c, node, &f);
    if (rc)
        return rc;
    if ((c->frames += depth + 1) > MAX_STACK_FRAMES)
        return ks_error_set(c->err, KS_ELIMIT, "%s: call stacks of more than %d frames in all",
                            c->where, MAX_STACK_FRAMES);
    ks_vec_push(&c->cur, f);
    const kv_value *ch = kv_obj_get(node, "children", 8);
    if (ch && ch->kind != KV_ARRAY && ch->kind != KV_NULL)
        return ks_error_set(c->err, KS_ETYPE, "%s: children must be an array", c->where);
    if (!ch || ch->kind == KV_NULL || ch->len == 0) {
        rc = add_path(c, g);
    } else {
        for (uint32_t i = 0; i < ch->len && !rc; i++)
            rc = collect(c, g, &ch->u.items[i], depth + 1);
    }
    c->cur.len--;
    return rc;
}

static int cmp_str(const kv_value *a, const kv_value *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->u.s, b->u.s, n);
    return r ? r : (a->len > b->len) - (a->len < b->len);
}

static int cmp_path(const void *x, const void *y)
{
    const spath *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    for (size_t i = 0; i < a->n; i++) {
        int r = cmp_str(&a->f[i].file, &b->f[i].file);
        if (!r)
            r = cmp_str(&a->f[i].line, &b->f[i].line);
        if (r)
            return r;
    }
    return 0;
}

typedef struct tree {
    KS_VEC(snode) nodes;
    ks_map child; /* parent index + frame -> child index + 1 */
} tree;

static int frame_value(ks_arena *a, const frame *f, kv_value *out)
{
    kv_member m[3] = {
            {kv_str_ref("fileID", 6), f->file},
            {kv_str_ref("frameType", 9), kv_int(0)},
            {kv_str_ref("lineno", 6), f->line},
    };
    return kv_object_new(a, m, 3, KV_DUP_LAST_WINS, out, NULL);
}

static int node_value(ks_arena *a, tree *t, size_t idx, kv_value *out)
{
    snode *nd = &t->nodes.v[idx];
    size_t n = nd->children.len;
    kv_value *items = ks_arena_calloc(a, n ? n : 1, sizeof(*items));
    if (!items)
        return KS_ELIMIT;
    for (size_t i = 0; i < n; i++)
        if (node_value(a, t, t->nodes.v[idx].children.v[i], &items[i]))
            return KS_ELIMIT;
    nd = &t->nodes.v[idx];
    kv_member m[2];
    m[0].key = kv_str_ref("children", 8);
    m[1].key = kv_str_ref("frame", 5);
    if (kv_array_new(a, items, n, &m[0].val) || frame_value(a, &nd->fr, &m[1].val))
        return KS_ELIMIT;
    return kv_object_new(a, m, 2, KV_DUP_LAST_WINS, out, NULL);
}

static int build_tree(sctx *c, group *g, kv_value *out)
{
    if (g->paths.len)
        qsort(g->paths.v, g->paths.len, sizeof(spath), cmp_path);
    tree t = {0};
    ks_map_init(&t.child);
    ks_vec_push(&t.nodes, ((snode){.fr = {kv_str_ref("", 0), kv_str_ref("", 0)}}));
    int rc = 0;
    for (size_t p = 0; p < g->paths.len; p++) {
        size_t cur = 0;
        for (size_t i = 0; i < g->paths.v[p].n; i++) {
            const frame *f = &g->paths.v[p].f[i];
            ks_buf_reset(&c->key);
            ks_buf_printf(&c->key, "%zu:%u:", cur, f->file.len);
            ks_buf_append(&c->key, f->file.u.s, f->file.len);
            ks_buf_append(&c->key, f->line.u.s, f->line.len);
            if (c->key.err) {
                rc = KS_ELIMIT;
                goto out;
            }
            void *v = ks_map_get(&t.child, c->key.data, c->key.len);
            if (v) {
                cur = (size_t)(uintptr_t)v - 1;
                continue;
            }
            char *k = ks_arena_memdup(c->a, c->key.data, c->key.len);
            if (!k) {
                rc = KS_ELIMIT;
                goto out;
            }
            ks_vec_push(&t.nodes, ((snode){.fr = *f}));
            size_t idx = t.nodes.len - 1;
            ks_map_put(&t.child, k, c->key.len, (void *)(uintptr_t)(idx + 1));
            ks_vec_push(&t.nodes.v[cur].children, idx);
            cur = idx;
        }
    }
    kv_value root;
    rc = node_value(c->a, &t, 0, &root);
    if (!rc) {
        kv_member m = {kv_str_ref("root", 4), root};
        rc = kv_object_new(c->a, &m, 1, KV_DUP_LAST_WINS, out, NULL);
    }
out:
    for (size_t i = 0; i < t.nodes.len; i++)
        ks_vec_free(&t.nodes.v[i].children);
    ks_vec_free(&t.nodes);
    ks_map_free(&t.child);
    return rc ? ks_error_set(c->err, KS_ELIMIT, "call stacks: memory limit") : 0;
}

static int cmp_group(const void *x, const void *y)
{
    return cmp_str(&((const group *)x)->id, &((const group *)y)->id);
}

int rt_unify_call_stacks(ks_arena *a, const kv_value *stacks, kv_value *out, ks_error *err)
{
    if (!stacks || stacks->kind == KV_NULL) {
        *out = kv_null();
        return 0;
    }
    if (stacks->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "identifiedCallStacks: must be an array");
    if (stacks->len > RT_MAX_LIST_LEN)
        return ks_error_set(err, KS_ELIMIT, "identifiedCallStacks: more than %d entries",
                            RT_MAX_LIST_LEN);
    sctx c = {.a = a, .err = err};
    ks_buf_init(&c.key, 0);
    ks_map_init(&c.seen);
    ks_map byId;
    ks_map_init(&byId);
    KS_VEC(group) groups = {0};
    int rc = 0;
    char where[64];
    c.where = where;
    /* Groups by call ID, in order of appearance. */
    for (uint32_t i = 0; i < stacks->len; i++) {
        const kv_value *s = &stacks->u.items[i];
        snprintf(where, sizeof(where), "identifiedCallStacks[%u]", i);
        const kv_value *id = s->kind == KV_OBJECT ? kv_obj_get(s, "callID", 6) : NULL;
        if (s->kind != KV_OBJECT || (id && id->kind != KV_STRING && id->kind != KV_NULL)) {
            rc = ks_error_set(err, KS_ETYPE, "%s: must be an object with a string callID", where);
            goto out;
        }
        kv_value idv = (id && id->kind == KV_STRING) ? *id : kv_str_ref("", 0);
        bool created;
        ks_map_entry *me = ks_map_upsert(&byId, idv.u.s, idv.len, &created);
        if (created) {
            ks_vec_push(&groups, ((group){.id = idv}));
            me->val = (void *)(uintptr_t)groups.len;
        }
    }
    /* Paths per group (groups no longer move: pointers are stable). */
    for (uint32_t i = 0; i < stacks->len; i++) {
        const kv_value *s = &stacks->u.items[i];
        const kv_value *id = kv_obj_get(s, "callID", 6);
        kv_value idv = (id && id->kind == KV_STRING) ? *id : kv_str_ref("", 0);
        group *g = &groups.v[(uintptr_t)ks_map_get(&byId, idv.u.s, idv.len) - 1];
        snprintf(where, sizeof(where), "identifiedCallStacks[%u]", i);
        const kv_value *cs = kv_obj_get(s, "callStack", 9);
        if (!cs || cs->kind == KV_NULL)
            continue;
        const kv_value *root = cs->kind == KV_OBJECT ? kv_obj_get(cs, "root", 4) : NULL;
        if (cs->kind != KV_OBJECT) {
            rc = ks_error_set(err, KS_ETYPE, "%s.callStack: must be an object", where);
            goto out;
        }
        if (!root || root->kind == KV_NULL)
            continue;
        frame f;
        if ((rc = frame_of(&c, root, &f)))
            goto out;
        if (f.file.len == 0 && f.line.len == 0) {
            const kv_value *ch = kv_obj_get(root, "children", 8);
            if (ch && ch->kind != KV_ARRAY && ch->kind != KV_NULL) {
                rc = ks_error_set(err, KS_ETYPE, "%s: children must be an array", where);
                goto out;
            }
            for (uint32_t j = 0; ch && ch->kind == KV_ARRAY && j < ch->len && !rc; j++)
                rc = collect(&c, g, &ch->u.items[j], 0);
        } else {
            rc = collect(&c, g, root, 0);
        }
        if (rc)
            goto out;
    }
    if (groups.len)
        qsort(groups.v, groups.len, sizeof(group), cmp_group);
    kv_value *items = ks_arena_calloc(a, groups.len ? groups.len : 1, sizeof(*items));
    if (!items) {
        rc = ks_error_set(err, KS_ELIMIT, "call stacks: memory limit");
        goto out;
    }
    for (size_t gi = 0; gi < groups.len; gi++) {
        kv_member m[2] = {{kv_str_ref("callID", 6), groups.v[gi].id},
                          {kv_str_ref("callStack", 9), kv_null()}};
        if ((rc = build_tree(&c, &groups.v[gi], &m[1].val)))
            goto out;
        if (kv_object_new(a, m, 2, KV_DUP_LAST_WINS, &items[gi], NULL)) {
            rc = ks_error_set(err, KS_ELIMIT, "call stacks: memory limit");
            goto out;
        }
    }
    if (kv_array_new(a, items, groups.len, out))
        rc = ks_error_set(err, KS_ELIMIT, "call stacks: memory limit");
out:
    for (size_t gi = 0; gi < groups.len; gi++)
        ks_vec_free(&groups.v[gi].paths);
    ks_vec_free(&groups);
    ks_vec_free(&c.cur);
    ks_map_free(&c.seen);
    ks_map_free(&byId);
    ks_buf_free(&c.key);
    return rc;
}

/* ---- network neighbors ---- */

typedef KS_VEC(kv_value) value_vec;

typedef struct nb {
    const kv_value *orig;
    value_vec dns, ports;
    bool has_dns, has_ports;
    bool merged;
} nb;

static int check_neighbor(const kv_value *n, uint32_t i, ks_error *err)
{
    if (n->kind != KV_OBJECT)
        return ks_error_set(err, KS_ETYPE, "neighbors[%u]: must be an object", i);
    const kv_value *id = kv_obj_get(n, "identifier", 10);
    if (id && id->kind != KV_STRING && id->kind != KV_NULL)
        return ks_error_set(err, KS_ETYPE, "neighbors[%u].identifier: must be a string", i);
    const kv_value *d = kv_obj_get(n, "dnsNames", 8);
    if (d && d->kind != KV_ARRAY && d->kind != KV_NULL)
        return ks_error_set(err, KS_ETYPE, "neighbors[%u].dnsNames: must be an array", i);
    for (uint32_t j = 0; d && d->kind == KV_ARRAY && j < d->len; j++)
        if (d->u.items[j].kind != KV_STRING)
            return ks_error_set(err, KS_ETYPE, "neighbors[%u].dnsNames[%u]: must be a string", i,
                                j);
    const kv_value *p = kv_obj_get(n, "ports", 5);
    if (p && p->kind != KV_ARRAY && p->kind != KV_NULL)
        return ks_error_set(err, KS_ETYPE, "neighbors[%u].ports: must be an array", i);
    for (uint32_t j = 0; p && p->kind == KV_ARRAY && j < p->len; j++) {
        const kv_value *pj = &p->u.items[j];
        const kv_value *nm = pj->kind == KV_OBJECT ? kv_obj_get(pj, "name", 4) : NULL;
        if (pj->kind != KV_OBJECT || (nm && nm->kind != KV_STRING && nm->kind != KV_NULL))
            return ks_error_set(err, KS_ETYPE,
                                "neighbors[%u].ports[%u]: must be an object with a string name", i,
                                j);
    }
    return 0;
}

static void push_list(value_vec *v, bool *has, const kv_value *o, const char *key)
{
    const kv_value *l = kv_obj_get(o, key, strlen(key));
    if (!l || l->kind != KV_ARRAY)
        return;
    *has = true;
    for (uint32_t j = 0; j < l->len; j++)
        ks_vec_push(v, l->u.items[j]);
}

static int cmp_value(const void *x, const void *y)
{
    return kv_compare(x, y);
}

static kv_value port_name(const kv_value *p)
{
    const kv_value *nm = kv_obj_get(p, "name", 4);
    return (nm && nm->kind == KV_STRING) ? *nm : kv_str_ref("", 0);
}

static int build_neighbor(ks_arena *a, nb *e, kv_value *out)
{
    if (!e->merged) {
        *out = *e->orig;
        return 0;
    }
    kv_value o = *e->orig, v;
    if (e->has_dns) {
        size_t n = e->dns.len;
        if (n) {
            qsort(e->dns.v, n, sizeof(kv_value), cmp_value);
            size_t w = 1;
            for (size_t i = 1; i < n; i++)
                if (!kv_equal(&e->dns.v[i], &e->dns.v[w - 1]))
                    e->dns.v[w++] = e->dns.v[i];
            n = w;
        }
        if (kv_array_new(a, e->dns.v, n, &v) || kv_obj_with(a, &o, "dnsNames", 8, &v, &o))
            return KS_ELIMIT;
    }
    /* Ports deduplicated by name, first kept (upstream writes [] even when
     * there were none). */
    ks_map names;
    ks_map_init(&names);
    size_t w = 0;
    for (size_t i = 0; i < e->ports.len; i++) {
        kv_value nm = port_name(&e->ports.v[i]);
        bool created;
        ks_map_upsert(&names, nm.u.s, nm.len, &created);
        if (created)
            e->ports.v[w++] = e->ports.v[i];
    }
    ks_map_free(&names);
    if (kv_array_new(a, e->ports.v, w, &v) || kv_obj_with(a, &o, "ports", 5, &v, &o))
        return KS_ELIMIT;
    *out = o;
    return 0;
}

int rt_merge_neighbors(ks_arena *a, const kv_value *neighbors, kv_value *out, ks_error *err)
{
    if (!neighbors || neighbors->kind == KV_NULL) {
        *out = kv_null();
        return 0;
    }
    if (neighbors->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "neighbors: must be an array");
    if (neighbors->len > RT_MAX_LIST_LEN)
        return ks_error_set(err, KS_ELIMIT, "neighbors: more than %d entries", RT_MAX_LIST_LEN);
    int rc;
    uint32_t n = neighbors->len;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = check_neighbor(&neighbors->u.items[i], i, err)))
            return rc;
    nb *list = ks_xcalloc(n ? n : 1, sizeof(*list));
    size_t k = 0;
    ks_map byId;
    ks_map_init(&byId);
    for (uint32_t i = 0; i < n; i++) {
        const kv_value *o = &neighbors->u.items[i];
        const kv_value *id = kv_obj_get(o, "identifier", 10);
        kv_value idv = (id && id->kind == KV_STRING) ? *id : kv_str_ref("", 0);
        bool created;
        ks_map_entry *me = ks_map_upsert(&byId, idv.u.s, idv.len, &created);
        nb *e;
        if (created) {
            e = &list[k++];
            me->val = e;
            e->orig = o;
        } else {
            e = me->val;
            e->merged = true;
        }
        push_list(&e->dns, &e->has_dns, o, "dnsNames");
        push_list(&e->ports, &e->has_ports, o, "ports");
    }
    kv_value *items = ks_arena_calloc(a, k ? k : 1, sizeof(*items));
    rc = items ? 0 : KS_ELIMIT;
    for (size_t i = 0; i < k && !rc; i++)
        rc = build_neighbor(a, &list[i], &items[i]);
    if (!rc && kv_array_new(a, items, k, out))
        rc = KS_ELIMIT;
    for (size_t i = 0; i < n; i++) {
        ks_vec_free(&list[i].dns);
        ks_vec_free(&list[i].ports);
    }
    ks_xfree(list);
    ks_map_free(&byId);
    return rc ? ks_error_set(err, KS_ELIMIT, "neighbors: memory limit") : 0;
}
