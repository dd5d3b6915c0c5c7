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
    /* constants the rule being visited binds to locals (x := "a"), so that
     * data[x] names one document, as OPA's dependency analysis does */
    const kv_value **consts;
    uint32_t nconsts;
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
                const kv_value *kv = k->type == RG_VALUE ? &k->u.v : NULL;
                if (!kv && k->type == RG_VAR && k->vkind == RG_VK_LOCAL && k->u.var.slot >= 0 &&
                    (uint32_t)k->u.var.slot < g->nconsts)
                    kv = g->consts[k->u.var.slot];
                if (!kv)
                    break; /* a variable key: everything below */
                if (kv->kind != KV_STRING) {
                    n = NULL; /* no rule has a non-string name */
                    break;
                }
                const rg_node *c = rg_node_child(n, kv->u.s, kv->len);
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

/* Locals a body binds once to a constant string: x := "a", "a" = x. */
static void find_consts(graph *g, const rg_body *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        const rg_expr *e = b->exprs[i];
        if (e->type != RG_E_CALL || e->negated || e->terms[0]->callee || e->n != 3)
            continue;
        const rg_term *a = e->terms[1], *c = e->terms[2];
        if (a->type == RG_VALUE) {
            const rg_term *t = a;
            a = c;
            c = t;
        }
        if (a->type == RG_VAR && a->vkind == RG_VK_LOCAL && a->u.var.slot >= 0 &&
            (uint32_t)a->u.var.slot < g->nconsts && c->type == RG_VALUE && c->u.v.kind == KV_STRING)
            g->consts[a->u.var.slot] = &c->u.v;
    }
}

static void visit_rule(graph *g, const rg_node *n, const rg_rule *r)
{
    g->nconsts = r->nslots;
    g->consts = ks_xcalloc(r->nslots + 1, sizeof *g->consts);
    find_consts(g, r->body);
    for (const rg_rule *x = r; x; x = x->els) {
        visit_body(g, n, x->body);
        if (x->value)
            visit_term(g, n, x->value);
        if (x->key)
            visit_term(g, n, x->key);
    }
    ks_xfree(g->consts);
    g->consts = NULL;
    g->nconsts = 0;
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
    graph g = {pol, ks_xcalloc(nn ? nn : 1, sizeof *g.out), NULL, 0};
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

/* ---- kinds (a small part of OPA's type checker) ----
 *
 * Each local variable gets the set of kinds it can hold, from the term it is
 * first unified with; builtin results have their declared kinds. Unifying
 * terms whose kinds cannot overlap is OPA's "match error"; a builtin operand
 * whose kinds are outside the declaration is "NAME: invalid argument(s)". */

typedef struct tcheck {
    const rego_policy *pol;
    uint8_t *kinds; /* per slot; 0 = not typed yet (any) */
    uint32_t nslots;
    ks_error *err;
} tcheck;

static unsigned term_kinds(tcheck *tc, const rg_term *t)
{
    switch (t->type) {
    case RG_VALUE: return 1u << t->u.v.kind;
    case RG_VAR:
        if (t->vkind == RG_VK_LOCAL && t->u.var.slot >= 0 && (uint32_t)t->u.var.slot < tc->nslots &&
            tc->kinds[t->u.var.slot])
            return tc->kinds[t->u.var.slot];
        return RG_T_ANY;
    case RG_ARRAY:
    case RG_ACOMP: return RG_T_ARR;
    case RG_SET:
    case RG_SCOMP: return RG_T_SET;
    case RG_OBJECT:
    case RG_OCOMP: return RG_T_OBJ;
    case RG_CALL:
        if (t->vkind == RG_CALLEE_BUILTIN) {
            const rg_builtin_def *d = t->callee;
            return d->result_type ? d->result_type : RG_T_ANY;
        }
        return RG_T_ANY;
    default: return RG_T_ANY;
    }
}

static int type_fail(tcheck *tc, rg_loc loc, const char *msg, const char *name)
{
    const char *file = loc.file < tc->pol->files.len ? tc->pol->files.v[loc.file] : "";
    if (name)
        return ks_error_at(tc->err, KS_EINVAL, file, (int)loc.line, (int)loc.col, 0,
                           "rego_type_error: %s: %s", name, msg);
    return ks_error_at(tc->err, KS_EINVAL, file, (int)loc.line, (int)loc.col, 0,
                       "rego_type_error: %s", msg);
}

static int check_args(tcheck *tc, const rg_builtin_def *d, rg_term *const *args, uint32_t n,
                      rg_loc loc)
{
    if (!d || (d->flags & RG_BI_VARIADIC))
        return 0;
    for (uint32_t i = 0; i < n && i < d->nargs && i < 6; i++) {
        unsigned want = d->arg_types[i];
        if (want && !(term_kinds(tc, args[i]) & want))
            return type_fail(tc, loc, "invalid argument(s)", d->name);
    }
    return 0;
}

static int check_body(tcheck *tc, const rg_body *b);

static int check_term(tcheck *tc, const rg_term *t)
{
    int rc = 0;
    switch (t->type) {
    case RG_CALL:
        if (t->vkind == RG_CALLEE_BUILTIN &&
            (rc = check_args(tc, t->callee, t->u.list.items + 1, t->u.list.n - 1, t->loc)) < 0)
            return rc;
        /* fall through */
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
        for (uint32_t i = t->type == RG_CALL ? 1 : 0; i < t->u.list.n && rc == 0; i++)
            rc = check_term(tc, t->u.list.items[i]);
        return rc;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n && rc == 0; i++)
            if ((rc = check_term(tc, t->u.obj.keys[i])) == 0)
                rc = check_term(tc, t->u.obj.vals[i]);
        return rc;
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP:
        if ((rc = check_body(tc, t->u.comp.body)) < 0)
            return rc;
        if (t->u.comp.key && (rc = check_term(tc, t->u.comp.key)) < 0)
            return rc;
        return check_term(tc, t->u.comp.val);
    default: return 0;
    }
}

/* Records kinds for the variables a pattern binds from a term of kinds k. */
static void type_pattern(tcheck *tc, const rg_term *pat, const rg_term *from)
{
    if (pat->type == RG_VAR && pat->vkind == RG_VK_LOCAL && pat->u.var.slot >= 0 &&
        (uint32_t)pat->u.var.slot < tc->nslots && !tc->kinds[pat->u.var.slot]) {
        unsigned k = term_kinds(tc, from);
        tc->kinds[pat->u.var.slot] = (uint8_t)k;
        return;
    }
    if (pat->type == RG_ARRAY && from->type == RG_ARRAY && pat->u.list.n == from->u.list.n)
        for (uint32_t i = 0; i < pat->u.list.n; i++)
            type_pattern(tc, pat->u.list.items[i], from->u.list.items[i]);
}

/* Kinds of two terms being unified must overlap; composites element-wise. */
static int check_unify(tcheck *tc, const rg_term *a, const rg_term *b, rg_loc loc)
{
    unsigned ka = term_kinds(tc, a), kb = term_kinds(tc, b);
    if (!(ka & kb))
        return type_fail(tc, loc, "match error", NULL);
    if (a->type == RG_ARRAY && b->type == RG_ARRAY) {
        if (a->u.list.n != b->u.list.n)
            return type_fail(tc, loc, "match error", NULL);
        for (uint32_t i = 0; i < a->u.list.n; i++) {
            int rc = check_unify(tc, a->u.list.items[i], b->u.list.items[i], loc);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Variables of t not typed yet become "any": they were bound in a way the
 * checker does not follow (iteration, some-in, function results). */
static void mark_any(tcheck *tc, const rg_term *t)
{
    switch (t->type) {
    case RG_VAR:
        if (t->vkind == RG_VK_LOCAL && t->u.var.slot >= 0 && (uint32_t)t->u.var.slot < tc->nslots &&
            !tc->kinds[t->u.var.slot])
            tc->kinds[t->u.var.slot] = RG_T_ANY;
        return;
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = t->type == RG_CALL ? 1 : 0; i < t->u.list.n; i++)
            mark_any(tc, t->u.list.items[i]);
        return;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            mark_any(tc, t->u.obj.keys[i]);
            mark_any(tc, t->u.obj.vals[i]);
        }
        return;
    default: return;
    }
}

static void mark_expr_any(tcheck *tc, const rg_expr *e)
{
    for (uint32_t j = 0; j < e->n; j++)
        if (e->terms[j] && !(e->type == RG_E_CALL && j == 0))
            mark_any(tc, e->terms[j]);
}

static int check_body(tcheck *tc, const rg_body *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        const rg_expr *e = b->exprs[i];
        int rc = 0;
        for (uint32_t j = 0; j < e->n && rc == 0; j++)
            if (e->terms[j] && !(e->type == RG_E_CALL && j == 0))
                rc = check_term(tc, e->terms[j]);
        if (rc == 0 && e->body)
            rc = check_body(tc, e->body);
        if (rc == 0 && e->body2)
            rc = check_body(tc, e->body2);
        if (rc < 0)
            return rc;
        if (e->type != RG_E_CALL || e->negated || e->nwith) {
            mark_expr_any(tc, e);
            continue;
        }
        const rg_term *op = e->terms[0];
        if (!op->callee) { /* eq, assign */
            if ((rc = check_unify(tc, e->terms[1], e->terms[2], e->loc)) < 0)
                return rc;
            type_pattern(tc, e->terms[1], e->terms[2]);
            type_pattern(tc, e->terms[2], e->terms[1]);
            mark_expr_any(tc, e);
        } else if (e->builtin) {
            uint32_t nin = e->nargs >= 0 ? (uint32_t)e->nargs : e->n - 1;
            if ((rc = check_args(tc, e->builtin, e->terms + 1, nin, e->loc)) < 0)
                return rc;
            if (e->nargs >= 0 && e->n - 1 == (uint32_t)e->nargs + 1) {
                const rg_term *out = e->terms[e->n - 1];
                unsigned rk = e->builtin->result_type ? e->builtin->result_type : RG_T_ANY;
                if (!(term_kinds(tc, out) & rk))
                    return type_fail(tc, e->loc, "match error", NULL);
                if (out->type == RG_VAR && out->vkind == RG_VK_LOCAL && out->u.var.slot >= 0 &&
                    (uint32_t)out->u.var.slot < tc->nslots && !tc->kinds[out->u.var.slot])
                    tc->kinds[out->u.var.slot] = (uint8_t)rk;
            }
        }
        mark_expr_any(tc, e);
    }
    return 0;
}

int rg_check_types_body(const rego_policy *pol, const rg_body *b, uint32_t nslots, ks_error *err)
{
    tcheck tc = {pol, ks_xcalloc(nslots + 1, 1), nslots, err};
    int rc = check_body(&tc, b);
    ks_xfree(tc.kinds);
    return rc;
}

int rg_check_types(const rego_policy *pol, ks_error *err)
{
    for (size_t i = 0; i < pol->nodes.len; i++) {
        const rg_node *n = pol->nodes.v[i];
        for (uint32_t j = 0; j <= n->nrules; j++) {
            const rg_rule *r = j < n->nrules ? n->rules[j] : n->dflt;
            if (!r)
                continue;
            tcheck tc = {pol, ks_xcalloc(r->nslots + 1, 1), r->nslots, err};
            int rc = check_body(&tc, r->body);
            if (rc == 0 && r->value)
                rc = check_term(&tc, r->value);
            ks_xfree(tc.kinds);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}
