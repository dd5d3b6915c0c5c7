/*
 * Compile-time checks over the resolved rule tree: recursion between rules
 * and functions (OPA's rego_recursion_error). A rule depends on the rule
 * nodes its references reach and on the functions it calls; a reference
 * that stops above the rules (data.pkg) depends on every rule below.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "rego/check.h"

typedef struct graph {
    const rego_policy *pol;
    KS_VEC(uint32_t) * out; /* edges per node id */
} graph;

static void add_edge(graph *g, const rg_node *from, const rg_node *to)
{
    for (size_t i = 0; i < g->out[from->id].len; i++)
        if (g->out[from->id].v[i] == to->id)
            return;
    ks_vec_push(&g->out[from->id], to->id);
}

static void add_subtree(graph *g, const rg_node *from, const rg_node *n)
{
    if (n->kind != -1) {
        add_edge(g, from, n);
        return;
    }
    for (uint32_t i = 0; i < n->nchildren; i++)
        add_subtree(g, from, n->children[i]);
}

static void visit_body(graph *g, const rg_node *from, const rg_body *b);

static void visit_term(graph *g, const rg_node *from, const rg_term *t)
{
    switch (t->type) {
    case RG_REF: {
        const rg_term *h = t->u.list.items[0];
        if (h->type == RG_VAR && h->vkind == RG_VK_DATA) {
            const rg_node *n = g->pol->root;
            uint32_t i = 1;
            for (; i < t->u.list.n && n->kind == -1; i++) {
                const rg_term *k = t->u.list.items[i];
                if (k->type != RG_VALUE)
                    break; /* a variable key: everything below */
                if (k->u.v.kind != KV_STRING) {
                    n = NULL; /* no rule has a non-string name */
                    break;
                }
                const rg_node *c = rg_node_child(n, k->u.v.u.s, k->u.v.len);
                if (!c) {
                    n = NULL;
                    break;
                }
                n = c;
            }
            if (n)
                add_subtree(g, from, n);
        } else {
            visit_term(g, from, h);
        }
        for (uint32_t i = 1; i < t->u.list.n; i++)
            visit_term(g, from, t->u.list.items[i]);
        return;
    }
    case RG_VAR:
        if (t->vkind == RG_VK_DATA)
            add_subtree(g, from, g->pol->root);
        return;
    case RG_CALL:
        if (t->vkind == RG_CALLEE_FUNC)
            add_edge(g, from, t->callee);
        for (uint32_t i = 1; i < t->u.list.n; i++)
            visit_term(g, from, t->u.list.items[i]);
        return;
    case RG_ARRAY:
    case RG_SET:
        for (uint32_t i = 0; i < t->u.list.n; i++)
            visit_term(g, from, t->u.list.items[i]);
        return;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            visit_term(g, from, t->u.obj.keys[i]);
            visit_term(g, from, t->u.obj.vals[i]);
        }
        return;
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP:
        if (t->u.comp.key)
            visit_term(g, from, t->u.comp.key);
        visit_term(g, from, t->u.comp.val);
        visit_body(g, from, t->u.comp.body);
        return;
    default: return;
    }
}

static void visit_body(graph *g, const rg_node *from, const rg_body *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        const rg_expr *e = b->exprs[i];
        if (e->type == RG_E_CALL && e->func)
            add_edge(g, from, e->func);
        for (uint32_t j = 0; j < e->n; j++)
            if (e->terms[j] && !(e->type == RG_E_CALL && j == 0))
                visit_term(g, from, e->terms[j]);
        for (uint32_t j = 0; j < e->nwith; j++)
            visit_term(g, from, e->with[j].value);
        if (e->body)
            visit_body(g, from, e->body);
        if (e->body2)
            visit_body(g, from, e->body2);
    }
}

static void visit_rule(graph *g, const rg_node *n, const rg_rule *r)
{
    for (; r; r = r->els) {
        visit_body(g, n, r->body);
        if (r->value)
            visit_term(g, n, r->value);
        if (r->key)
            visit_term(g, n, r->key);
    }
}

/* Depth-first search; color 0 white, 1 on the stack, 2 done. */
static int dfs(graph *g, uint32_t id, uint8_t *color, uint32_t *stack, size_t depth, ks_error *err)
{
    color[id] = 1;
    stack[depth] = id;
    for (size_t i = 0; i < g->out[id].len; i++) {
        uint32_t to = g->out[id].v[i];
        if (color[to] == 1) {
            /* the cycle is stack[k..depth] + to */
            size_t k = depth;
            while (stack[k] != to)
                k--;
            ks_buf path = KS_BUF_INIT;
            for (size_t j = k; j <= depth; j++)
                ks_buf_printf(&path, "%s -> ", g->pol->nodes.v[stack[j]]->path);
            ks_buf_puts(&path, g->pol->nodes.v[to]->path);
            const rg_node *n = g->pol->nodes.v[to];
            rg_loc loc = n->nrules ? n->rules[0]->loc : n->dflt ? n->dflt->loc : (rg_loc){0, 0, 0};
            const char *file = loc.file < g->pol->files.len ? g->pol->files.v[loc.file] : "";
            ks_error_at(err, KS_EINVAL, file, (int)loc.line, (int)loc.col, 0,
                        "rego_recursion_error: rule %s is recursive: %s", n->path, path.data);
            ks_buf_free(&path);
            return KS_EINVAL;
        }
        if (color[to] == 0) {
            int rc = dfs(g, to, color, stack, depth + 1, err);
            if (rc < 0)
                return rc;
        }
    }
    color[id] = 2;
    return 0;
}

int rg_check_recursion(const rego_policy *pol, ks_error *err)
{
    size_t nn = pol->nodes.len;
    graph g = {pol, ks_xcalloc(nn ? nn : 1, sizeof *g.out)};
    for (size_t i = 0; i < nn; i++) {
        const rg_node *n = pol->nodes.v[i];
        for (uint32_t j = 0; j < n->nrules; j++)
            if (!n->rules[j]->is_else)
                visit_rule(&g, n, n->rules[j]);
        if (n->dflt)
            visit_rule(&g, n, n->dflt);
    }
    uint8_t *color = ks_xcalloc(nn ? nn : 1, 1);
    uint32_t *stack = ks_xcalloc(nn + 1, sizeof *stack);
    int rc = 0;
    for (size_t i = 0; i < nn && rc == 0; i++)
        if (color[i] == 0 && pol->nodes.v[i]->kind != -1)
            rc = dfs(&g, (uint32_t)i, color, stack, 0, err);
    for (size_t i = 0; i < nn; i++)
        ks_vec_free(&g.out[i]);
    ks_xfree(g.out);
    ks_xfree(color);
    ks_xfree(stack);
    return rc;
}
