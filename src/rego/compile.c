/*
 * The Rego compiler: builds the rule tree from the modules, resolves names
 * (rule names, imports, input and data become references; locals get frame
 * slots), resolves calls to builtins or functions, folds constants and
 * reorders every body so that each expression runs only when the variables
 * it needs are bound (OPA's safety reordering), reporting unsafe variables.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "rego/check.h"
#include "rego/parse.h"
#include "rego/policy.h"

typedef struct cerr {
    ks_error *err;
    const rego_policy *pol;
    int failed;
} cerr;

__attribute__((format(printf, 3, 4))) static int cfail(cerr *c, rg_loc loc, const char *fmt, ...)
{
    if (c->failed)
        return KS_EINVAL;
    c->failed = 1;
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = loc.file < c->pol->files.len ? c->pol->files.v[loc.file] : "";
    ks_error_at(c->err, KS_EINVAL, file, (int)loc.line, (int)loc.col, 0, "%s", msg);
    return KS_EINVAL;
}

static bool var_is(const rg_term *t, const char *name)
{
    size_t n = strlen(name);
    return t->type == RG_VAR && t->u.var.len == n && !memcmp(t->u.var.name, name, n);
}

/* ---- rule tree ---- */

rg_node *rg_node_child(const rg_node *n, const char *key, size_t len)
{
    uint32_t lo = 0, hi = n->nchildren;
    kv_value k = kv_str_ref(key, len);
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = kv_compare(&n->children[mid]->key, &k);
        if (c == 0)
            return n->children[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static rg_node *node_get(rego_policy *pol, rg_node *parent, const kv_value *key)
{
    rg_node *c = rg_node_child(parent, key->u.s, key->len);
    if (c)
        return c;
    c = ks_arena_calloc(&pol->arena, 1, sizeof *c);
    if (!c)
        return NULL;
    c->key = *key;
    c->parent = parent;
    c->kind = -1;
    c->id = (uint32_t)pol->nodes.len;
    ks_vec_push(&pol->nodes, c);
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b, "%s.%.*s", parent->path, (int)key->len, key->u.s);
    c->path = ks_arena_strndup(&pol->arena, b.data, b.len);
    ks_buf_free(&b);
    /* insert sorted */
    rg_node **arr = ks_arena_alloc(&pol->arena, (parent->nchildren + 1) * sizeof *arr);
    if (!arr)
        return NULL;
    uint32_t i = 0, j = 0;
    while (i < parent->nchildren && kv_compare(&parent->children[i]->key, key) < 0)
        arr[j++] = parent->children[i++];
    arr[j++] = c;
    while (i < parent->nchildren)
        arr[j++] = parent->children[i++];
    parent->children = arr;
    parent->nchildren++;
    return c;
}

static int node_add_rule(rego_policy *pol, rg_node *n, rg_rule *r)
{
    if (r->is_default) {
        n->dflt = r;
    } else {
        rg_rule **arr = ks_arena_alloc(&pol->arena, (n->nrules + 1) * sizeof *arr);
        if (!arr)
            return KS_ENOMEM;
        if (n->nrules)
            memcpy(arr, n->rules, n->nrules * sizeof *arr);
        arr[n->nrules++] = r;
        n->rules = arr;
    }
    return 0;
}

/* Places every rule of every module in the tree. */
static int build_tree(rego_policy *pol, cerr *c)
{
    kv_value dk = kv_str_ref("data", 4);
    pol->root = ks_arena_calloc(&pol->arena, 1, sizeof *pol->root);
    pol->root->key = dk;
    pol->root->kind = -1;
    pol->root->path = "data";
    pol->root->id = 0;
    ks_vec_push(&pol->nodes, pol->root);
    for (size_t mi = 0; mi < pol->modules.len; mi++) {
        rg_module *m = pol->modules.v[mi];
        rg_node *pkg = pol->root;
        for (uint32_t i = 1; i < m->package->u.list.n; i++)
            pkg = node_get(pol, pkg, &m->package->u.list.items[i]->u.v);
        for (uint32_t ri = 0; ri < m->nrules; ri++) {
            rg_rule *r = m->rules[ri];
            rg_term *ref = r->ref;
            rg_term *h = ref->u.list.items[0];
            kv_value hk = kv_str_ref(h->u.var.name, h->u.var.len);
            rg_node *n = node_get(pol, pkg, &hk);
            uint32_t i = 1;
            for (; i < ref->u.list.n; i++) {
                rg_term *t = ref->u.list.items[i];
                if (t->type != RG_VALUE || t->u.v.kind != KV_STRING)
                    break;
                n = node_get(pol, n, &t->u.v);
            }
            bool dynamic = i < ref->u.list.n;
            if (dynamic) {
                if (r->kind == RG_RK_FUNC)
                    return cfail(c, r->loc,
                                 "rego_parse_error: rule head ref must be ground for functions");
                if (r->is_default)
                    return cfail(c, r->loc, "rego_type_error: default rules must have ground refs");
                /* p[x] := v and p[x].q contains v: an object built at n */
                if (r->kind != RG_RK_SET)
                    r->kind = RG_RK_OBJECT;
                r->prefix = i;
                n->has_dyn = true;
            }
            int kind = dynamic ? RG_RK_OBJECT : r->kind;
            if (n->kind == -1) {
                n->kind = kind;
                if (kind == RG_RK_FUNC)
                    n->nargs = (int)r->nargs;
            } else if (n->kind != kind && !(n->kind == RG_RK_OBJECT && kind == RG_RK_COMPLETE) &&
                       !(n->kind == RG_RK_COMPLETE && kind == RG_RK_OBJECT)) {
                return cfail(c, r->loc, "rego_type_error: conflicting rules %s found", n->path);
            } else if (kind == RG_RK_FUNC && n->nargs != (int)r->nargs) {
                return cfail(c, r->loc,
                             "rego_type_error: conflicting rules %s found (functions must have "
                             "the same arity)",
                             n->path);
            }
            if (kind == RG_RK_OBJECT || (n->kind == RG_RK_OBJECT && kind == RG_RK_COMPLETE))
                n->kind = RG_RK_OBJECT;
            if (r->is_default && n->dflt)
                return cfail(c, r->loc, "rego_type_error: multiple default rules %s found",
                             n->path);
            if (node_add_rule(pol, n, r) < 0)
                return KS_ENOMEM;
        }
    }
    return 0;
}

/* ---- name resolution and slots ---- */

typedef struct scope_ent {
    const char *name;
    uint32_t len;
    int32_t slot;
    uint32_t depth;
} scope_ent;

typedef struct resolver {
    cerr *c;
    rego_policy *pol;
    ks_arena *a;
    rg_module *m;
    rg_node *pkg;
    KS_VEC(scope_ent) declared; /* stack */
    KS_VEC(scope_ent) free;     /* undeclared locals, one slot per name */
    uint32_t depth;
    uint32_t nslots;
    bool query;
} resolver;

static int32_t new_slot(resolver *r)
{
    return (int32_t)r->nslots++;
}

static scope_ent *find_declared(resolver *r, const char *name, uint32_t len)
{
    for (size_t i = r->declared.len; i-- > 0;)
        if (r->declared.v[i].len == len && !memcmp(r->declared.v[i].name, name, len))
            return &r->declared.v[i];
    return NULL;
}

static int32_t declare(resolver *r, rg_term *v)
{
    int32_t s = new_slot(r);
    ks_vec_push(&r->declared, ((scope_ent){v->u.var.name, v->u.var.len, s, r->depth}));
    v->vkind = RG_VK_LOCAL;
    v->u.var.slot = s;
    return s;
}

static void scope_push(resolver *r)
{
    r->depth++;
}

static void scope_pop(resolver *r)
{
    while (r->declared.len && r->declared.v[r->declared.len - 1].depth == r->depth)
        r->declared.len--;
    r->depth--;
}

/* The global a bare name refers to: an import or a rule of the package.
 * Returns the ref items (heap-free: arena) or NULL. */
static rg_term *global_ref(resolver *r, const char *name, uint32_t len, rg_loc loc)
{
    rg_module *m = r->m;
    if (!m)
        return NULL;
    for (uint32_t i = 0; i < m->nimports; i++) {
        rg_import *im = &m->imports[i];
        const char *alias = im->alias;
        uint32_t alen = im->alias_len;
        if (!alias) {
            rg_term *path = im->path;
            rg_term *last = path->u.list.items[path->u.list.n - 1];
            if (path->u.list.n == 1) {
                alias = last->u.var.name;
                alen = last->u.var.len;
            } else if (last->type == RG_VALUE && last->u.v.kind == KV_STRING) {
                alias = last->u.v.u.s;
                alen = last->u.v.len;
            } else {
                continue;
            }
        }
        if (alen == len && !memcmp(alias, name, len))
            return im->path;
    }
    if (r->pkg && rg_node_child(r->pkg, name, len)) {
        rg_term *pkgref = m->package;
        uint32_t n = pkgref->u.list.n + 1;
        rg_term **items = ks_arena_alloc(r->a, n * sizeof *items);
        if (!items)
            return NULL;
        memcpy(items, pkgref->u.list.items, pkgref->u.list.n * sizeof *items);
        items[n - 1] = rg_term_string(r->a, name, len, loc);
        return rg_term_list(r->a, RG_REF, items, n, loc);
    }
    return NULL;
}

static int resolve_term(resolver *r, rg_term *t);
static int resolve_body(resolver *r, rg_body *b);
static int hoist_into(resolver *R, rg_body *body, rg_term **tp);

/* Splices a global ref in front of a ref's path: p.x -> data.pkg.p.x. */
static rg_term *splice(resolver *r, rg_term *g, rg_term **rest, uint32_t nrest, rg_loc loc)
{
    uint32_t n = g->u.list.n + nrest;
    rg_term **items = ks_arena_alloc(r->a, n * sizeof *items);
    if (!items)
        return NULL;
    memcpy(items, g->u.list.items, g->u.list.n * sizeof *items);
    if (nrest)
        memcpy(items + g->u.list.n, rest, nrest * sizeof *items);
    /* the head of an import path is data/input: mark it */
    rg_term *h = rg_term_var(r->a, items[0]->u.var.name, items[0]->u.var.len, items[0]->loc);
    h->vkind = var_is(h, "input") ? RG_VK_INPUT : RG_VK_DATA;
    items[0] = h;
    return rg_term_list(r->a, RG_REF, items, n, loc);
}

static int resolve_var(resolver *r, rg_term *t, rg_term **replace)
{
    *replace = NULL;
    if (t->wildcard) {
        t->vkind = RG_VK_LOCAL;
        t->u.var.slot = new_slot(r);
        return 0;
    }
    scope_ent *d = find_declared(r, t->u.var.name, t->u.var.len);
    if (d) {
        t->vkind = RG_VK_LOCAL;
        t->u.var.slot = d->slot;
        return 0;
    }
    if (var_is(t, "input")) {
        t->vkind = RG_VK_INPUT;
        return 0;
    }
    if (var_is(t, "data")) {
        t->vkind = RG_VK_DATA;
        return 0;
    }
    rg_term *g = global_ref(r, t->u.var.name, t->u.var.len, t->loc);
    if (g) {
        *replace = splice(r, g, NULL, 0, t->loc);
        return *replace ? 0 : KS_ENOMEM;
    }
    for (size_t i = 0; i < r->free.len; i++)
        if (r->free.v[i].len == t->u.var.len &&
            !memcmp(r->free.v[i].name, t->u.var.name, t->u.var.len)) {
            t->vkind = RG_VK_LOCAL;
            t->u.var.slot = r->free.v[i].slot;
            return 0;
        }
    int32_t s = new_slot(r);
    ks_vec_push(&r->free, ((scope_ent){t->u.var.name, t->u.var.len, s, 0}));
    t->vkind = RG_VK_LOCAL;
    t->u.var.slot = s;
    return 0;
}

/* The dotted name of a call operator (a var or a ref of names). */
static bool operator_name(const rg_term *op, ks_buf *out)
{
    if (op->type == RG_VAR) {
        ks_buf_append(out, op->u.var.name, op->u.var.len);
        return true;
    }
    if (op->type != RG_REF || op->u.list.items[0]->type != RG_VAR)
        return false;
    ks_buf_append(out, op->u.list.items[0]->u.var.name, op->u.list.items[0]->u.var.len);
    for (uint32_t i = 1; i < op->u.list.n; i++) {
        rg_term *s = op->u.list.items[i];
        if (s->type != RG_VALUE || s->u.v.kind != KV_STRING)
            return false;
        ks_buf_putc(out, '.');
        ks_buf_append(out, s->u.v.u.s, s->u.v.len);
    }
    return true;
}

/* Resolves a call operator to a user function node or a builtin. */
static int resolve_callee(resolver *r, rg_term *op, rg_loc loc, const void **callee, int *kind,
                          int *nargs)
{
    ks_buf name = KS_BUF_INIT;
    if (!operator_name(op, &name)) {
        ks_buf_free(&name);
        return cfail(r->c, loc, "rego_type_error: illegal call operator");
    }
    /* user function: head is a global (import, rule of the package) or data */
    const rg_term *head = op->type == RG_VAR ? op : op->u.list.items[0];
    rg_term *g = NULL;
    bool local = find_declared(r, head->u.var.name, head->u.var.len) != NULL;
    if (!local)
        g = var_is(head, "data") ? NULL : global_ref(r, head->u.var.name, head->u.var.len, loc);
    if (g || var_is(head, "data")) {
        /* walk the tree */
        const rg_node *n = r->pol->root;
        rg_term *const *items;
        uint32_t ni;
        rg_term *tmp[1];
        if (g) {
            items = g->u.list.items + 1;
            ni = g->u.list.n - 1;
        } else {
            items = tmp;
            ni = 0;
        }
        bool ok = true;
        for (uint32_t i = 0; i < ni && n; i++) {
            if (items[i]->type != RG_VALUE || items[i]->u.v.kind != KV_STRING) {
                ok = false;
                break;
            }
            n = rg_node_child(n, items[i]->u.v.u.s, items[i]->u.v.len);
        }
        if (op->type == RG_REF)
            for (uint32_t i = 1; i < op->u.list.n && n; i++)
                n = rg_node_child(n, op->u.list.items[i]->u.v.u.s, op->u.list.items[i]->u.v.len);
        if (ok && n && n->kind == RG_RK_FUNC) {
            *callee = n;
            *kind = RG_CALLEE_FUNC;
            *nargs = n->nargs;
            ks_buf_free(&name);
            return 0;
        }
        if (ok && n && g && n->kind != -1) {
            int rc = cfail(r->c, loc, "rego_type_error: %s is not a function", n->path);
            ks_buf_free(&name);
            return rc;
        }
    }
    const rg_builtin_def *bi = rg_policy_builtin(r->pol, name.data, name.len);
    if (bi) {
        *callee = bi;
        *kind = RG_CALLEE_BUILTIN;
        *nargs = (bi->flags & RG_BI_VARIADIC) ? -1 : bi->nargs;
        ks_buf_free(&name);
        return 0;
    }
    int rc = cfail(r->c, loc, "rego_type_error: undefined function %s", name.data);
    ks_buf_free(&name);
    return rc;
}

static int resolve_list(resolver *r, rg_term **items, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        rg_term *t = items[i];
        if (t->type == RG_VAR) {
            rg_term *rep;
            int rc = resolve_var(r, t, &rep);
            if (rc < 0)
                return rc;
            if (rep)
                items[i] = rep;
        } else {
            int rc = resolve_term(r, t);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Resolves names inside t (t itself is not a bare var: callers handle
 * those with resolve_var so they can be replaced). */
static int resolve_term(resolver *r, rg_term *t)
{
    int rc = 0;
    switch (t->type) {
    case RG_VALUE:
    case RG_VAR: return 0;
    case RG_REF: {
        rg_term *h = t->u.list.items[0];
        if (h->type == RG_VAR) {
            rg_term *rep;
            if ((rc = resolve_var(r, h, &rep)) < 0)
                return rc;
            if (rep) {
                rg_term *s = splice(r, rep, t->u.list.items + 1, t->u.list.n - 1, t->loc);
                if (!s)
                    return KS_ENOMEM;
                t->u.list.items = s->u.list.items;
                t->u.list.n = s->u.list.n;
            }
        } else if ((rc = resolve_term(r, h)) < 0) {
            return rc;
        }
        return resolve_list(r, t->u.list.items + 1, t->u.list.n - 1);
    }
    case RG_ARRAY:
    case RG_SET: return resolve_list(r, t->u.list.items, t->u.list.n);
    case RG_OBJECT:
        if ((rc = resolve_list(r, t->u.obj.keys, t->u.obj.n)) < 0)
            return rc;
        return resolve_list(r, t->u.obj.vals, t->u.obj.n);
    case RG_CALL: {
        int kind = 0, nargs = 0;
        if ((rc = resolve_callee(r, t->u.list.items[0], t->loc, &t->callee, &kind, &nargs)) < 0)
            return rc;
        t->vkind = (uint8_t)kind;
        if (nargs >= 0 && (int)t->u.list.n - 1 != nargs)
            return cfail(r->c, t->loc, "rego_type_error: %s: %s arguments", "function call",
                         (int)t->u.list.n - 1 > nargs ? "too many" : "too few");
        return resolve_list(r, t->u.list.items + 1, t->u.list.n - 1);
    }
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP:
        scope_push(r);
        if ((rc = resolve_body(r, t->u.comp.body)) >= 0) {
            if (t->u.comp.key)
                rc = resolve_list(r, &t->u.comp.key, 1);
            if (rc >= 0)
                rc = resolve_list(r, &t->u.comp.val, 1);
            /* heads that iterate or call move into the body, so the body
             * can be ordered around them (OPA's comprehension rewriting) */
            if (rc >= 0 && t->u.comp.key)
                rc = hoist_into(r, t->u.comp.body, &t->u.comp.key);
            if (rc >= 0)
                rc = hoist_into(r, t->u.comp.body, &t->u.comp.val);
        }
        scope_pop(r);
        return rc;
    }
    return 0;
}

/* Declares the vars of an assignment target (x, [x, y], {"a": x}). */
static int declare_pattern(resolver *r, rg_term *t)
{
    switch (t->type) {
    case RG_VAR:
        if (t->wildcard) {
            t->vkind = RG_VK_LOCAL;
            t->u.var.slot = new_slot(r);
            return 0;
        }
        if (var_is(t, "input") || var_is(t, "data"))
            return cfail(r->c, t->loc, "rego_compile_error: cannot assign to %.*s",
                         (int)t->u.var.len, t->u.var.name);
        declare(r, t);
        return 0;
    case RG_ARRAY:
        for (uint32_t i = 0; i < t->u.list.n; i++) {
            int rc = declare_pattern(r, t->u.list.items[i]);
            if (rc < 0)
                return rc;
        }
        return 0;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            int rc = resolve_list(r, &t->u.obj.keys[i], 1);
            if (rc < 0 || (rc = declare_pattern(r, t->u.obj.vals[i])) < 0)
                return rc;
        }
        return 0;
    case RG_VALUE: return 0;
    default:
        return cfail(r->c, t->loc, "rego_compile_error: cannot assign to %s",
                     t->type == RG_REF ? "ref" : "this term");
    }
}

static int resolve_expr(resolver *r, rg_expr *e)
{
    int rc = 0;
    /* with: targets stay as written (input..., data..., function refs);
     * values are resolved */
    for (uint32_t i = 0; i < e->nwith; i++) {
        rg_with *w = &e->with[i];
        /* a builtin named as the replacement stays a name */
        ks_buf vn = KS_BUF_INIT;
        bool is_builtin = (w->value->type == RG_VAR || w->value->type == RG_REF) &&
                          operator_name(w->value, &vn) &&
                          !global_ref(r, vn.data, (uint32_t)strcspn(vn.data, "."), w->value->loc) &&
                          !find_declared(r, vn.data, (uint32_t)strcspn(vn.data, ".")) &&
                          rg_policy_builtin(r->pol, vn.data, vn.len);
        ks_buf_free(&vn);
        if (!is_builtin && (rc = resolve_list(r, &w->value, 1)) < 0)
            return rc;
        rg_term *tg = w->target;
        rg_term *h = tg->type == RG_REF ? tg->u.list.items[0] : tg;
        if (h->type != RG_VAR)
            return cfail(r->c, tg->loc, "rego_compile_error: with keyword target must be a ref");
        if (var_is(h, "input") || var_is(h, "data")) {
            h->vkind = var_is(h, "input") ? RG_VK_INPUT : RG_VK_DATA;
            continue;
        }
        /* a function or builtin being replaced, or a rule name */
        rg_term *g = global_ref(r, h->u.var.name, h->u.var.len, h->loc);
        if (g) {
            rg_term *s = tg->type == RG_REF
                                 ? splice(r, g, tg->u.list.items + 1, tg->u.list.n - 1, tg->loc)
                                 : splice(r, g, NULL, 0, tg->loc);
            if (!s)
                return KS_ENOMEM;
            w->target = s;
        }
    }
    switch (e->type) {
    case RG_E_TERM: return resolve_list(r, e->terms, 1);
    case RG_E_SOME:
        for (uint32_t i = 0; i < e->n; i++)
            declare(r, e->terms[i]);
        return 0;
    case RG_E_SOMEIN:
        if ((rc = resolve_list(r, &e->terms[2], 1)) < 0)
            return rc;
        /* some f(x) in xs: a containee that is not a pattern is compared */
        for (int i = 0; i < 2; i++) {
            rg_term *t = e->terms[i];
            if (!t)
                continue;
            rc = (t->type == RG_CALL || t->type == RG_REF) ? resolve_term(r, t)
                                                           : declare_pattern(r, t);
            if (rc < 0)
                return rc;
        }
        return 0;
    case RG_E_GROUP:
    case RG_E_LOGIC:
        scope_push(r);
        rc = resolve_body(r, e->body);
        scope_pop(r);
        if (rc >= 0 && e->body2) {
            scope_push(r);
            rc = resolve_body(r, e->body2);
            scope_pop(r);
        }
        return rc;
    case RG_E_EVERY:
        if ((rc = resolve_list(r, &e->terms[2], 1)) < 0)
            return rc;
        scope_push(r);
        if (e->terms[0] && (rc = declare_pattern(r, e->terms[0])) < 0)
            goto every_out;
        if ((rc = declare_pattern(r, e->terms[1])) < 0)
            goto every_out;
        rc = resolve_body(r, e->body);
    every_out:
        scope_pop(r);
        return rc;
    case RG_E_CALL: {
        rg_term *op = e->terms[0];
        if (var_is(op, "assign")) {
            if (e->negated)
                return cfail(r->c, e->loc,
                             "rego_compile_error: cannot assign vars inside negated expression");
            if ((rc = resolve_list(r, &e->terms[2], 1)) < 0)
                return rc;
            rg_term *lhs = e->terms[1];
            if (lhs->type == RG_VAR && !lhs->wildcard) {
                scope_ent *d = find_declared(r, lhs->u.var.name, lhs->u.var.len);
                if (d && d->depth == r->depth)
                    return cfail(r->c, lhs->loc, "rego_compile_error: var %.*s assigned above",
                                 (int)lhs->u.var.len, lhs->u.var.name);
            }
            e->nargs = 2;
            return declare_pattern(r, lhs);
        }
        if (var_is(op, "eq")) {
            e->nargs = 2;
            return resolve_list(r, e->terms + 1, e->n - 1);
        }
        int kind = 0, nargs = 0;
        if ((rc = resolve_callee(r, op, e->loc, &op->callee, &kind, &nargs)) < 0)
            return rc;
        op->vkind = (uint8_t)kind;
        e->nargs = nargs;
        if (kind == RG_CALLEE_BUILTIN)
            e->builtin = op->callee;
        else
            e->func = (rg_node *)op->callee;
        int given = (int)e->n - 1;
        if (nargs >= 0 && (given < nargs || given > nargs + 1)) {
            ks_buf nm = KS_BUF_INIT;
            operator_name(op, &nm);
            rc = cfail(r->c, e->loc, "rego_type_error: %s: %s arguments", nm.data,
                       given > nargs ? "too many" : "too few");
            ks_buf_free(&nm);
            return rc;
        }
        if (nargs >= 0 && given == nargs + 1 && e->builtin && (e->builtin->flags & RG_BI_VOID))
            return cfail(r->c, e->loc, "rego_type_error: %s: too many arguments", e->builtin->name);
        return resolve_list(r, e->terms + 1, e->n - 1);
    }
    }
    return 0;
}

static int resolve_body(resolver *r, rg_body *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        int rc = resolve_expr(r, b->exprs[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- constant folding ---- */

static int fold_body(ks_arena *a, rg_body *b);

static int fold_term(ks_arena *a, rg_term *t)
{
    int rc;
    switch (t->type) {
    case RG_REF:
    case RG_CALL:
        for (uint32_t i = 1; i < t->u.list.n; i++)
            if ((rc = fold_term(a, t->u.list.items[i])) < 0)
                return rc;
        if (t->type == RG_REF && (rc = fold_term(a, t->u.list.items[0])) < 0)
            return rc;
        rg_term_is_ground(t);
        return 0;
    case RG_ARRAY:
    case RG_SET:
        for (uint32_t i = 0; i < t->u.list.n; i++)
            if ((rc = fold_term(a, t->u.list.items[i])) < 0)
                return rc;
        return rg_term_fold(a, t);
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++)
            if ((rc = fold_term(a, t->u.obj.keys[i])) < 0 ||
                (rc = fold_term(a, t->u.obj.vals[i])) < 0)
                return rc;
        return rg_term_fold(a, t);
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP:
        if (t->u.comp.key && (rc = fold_term(a, t->u.comp.key)) < 0)
            return rc;
        if ((rc = fold_term(a, t->u.comp.val)) < 0)
            return rc;
        return fold_body(a, t->u.comp.body);
    default: return 0;
    }
}

static int fold_body(ks_arena *a, rg_body *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        rg_expr *e = b->exprs[i];
        for (uint32_t j = 0; j < e->n; j++)
            if (e->terms[j]) {
                int rc = fold_term(a, e->terms[j]);
                if (rc < 0)
                    return rc;
            }
        for (uint32_t j = 0; j < e->nwith; j++) {
            int rc = fold_term(a, e->with[j].value);
            if (rc < 0)
                return rc;
        }
        if (e->body) {
            int rc = fold_body(a, e->body);
            if (rc < 0)
                return rc;
        }
        if (e->body2) {
            int rc = fold_body(a, e->body2);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* ---- safety: variable sets as bitsets over slots ---- */

typedef struct vset {
    uint64_t *w;
    uint32_t nw;
} vset;

static vset vs_new(uint32_t nslots)
{
    vset s;
    s.nw = (nslots + 63) / 64 + 1;
    s.w = ks_xcalloc(s.nw, sizeof *s.w);
    return s;
}

static void vs_free(vset *s)
{
    ks_xfree(s->w);
    s->w = NULL;
}

static void vs_add(vset *s, int32_t v)
{
    s->w[v / 64] |= 1ull << (v % 64);
}

static bool vs_has(const vset *s, int32_t v)
{
    return (s->w[v / 64] >> (v % 64)) & 1;
}

static void vs_clear(vset *s)
{
    memset(s->w, 0, s->nw * sizeof *s->w);
}

static void vs_union(vset *d, const vset *s)
{
    for (uint32_t i = 0; i < d->nw; i++)
        d->w[i] |= s->w[i];
}

static void vs_copy(vset *d, const vset *s)
{
    memcpy(d->w, s->w, d->nw * sizeof *d->w);
}

/* first var of a that is not in b, or -1 */
static int32_t vs_first_missing(const vset *a, const vset *b)
{
    for (uint32_t i = 0; i < a->nw; i++) {
        uint64_t m = a->w[i] & ~b->w[i];
        if (m)
            return (int32_t)(i * 64 + (uint32_t)__builtin_ctzll(m));
    }
    return -1;
}

static bool is_local(const rg_term *t)
{
    return t->type == RG_VAR && t->vkind == RG_VK_LOCAL && t->u.var.slot >= 0;
}

/* All local vars in t, not inside closures. */
static void vars_of(const rg_term *t, vset *out)
{
    switch (t->type) {
    case RG_VAR:
        if (is_local(t))
            vs_add(out, t->u.var.slot);
        return;
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = t->type == RG_CALL ? 1 : 0; i < t->u.list.n; i++)
            vars_of(t->u.list.items[i], out);
        return;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            vars_of(t->u.obj.keys[i], out);
            vars_of(t->u.obj.vals[i], out);
        }
        return;
    default: return;
    }
}

static void vars_of_body_all(const rg_body *b, vset *out);

/* All local vars in t including inside closures. */
static void vars_deep(const rg_term *t, vset *out)
{
    switch (t->type) {
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP:
        if (t->u.comp.key)
            vars_deep(t->u.comp.key, out);
        vars_deep(t->u.comp.val, out);
        vars_of_body_all(t->u.comp.body, out);
        return;
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = t->type == RG_CALL ? 1 : 0; i < t->u.list.n; i++)
            vars_deep(t->u.list.items[i], out);
        return;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            vars_deep(t->u.obj.keys[i], out);
            vars_deep(t->u.obj.vals[i], out);
        }
        return;
    default: vars_of(t, out);
    }
}

static void vars_of_expr_all(const rg_expr *e, vset *out)
{
    for (uint32_t i = 0; i < e->n; i++)
        if (e->terms[i] && !(e->type == RG_E_CALL && i == 0))
            vars_deep(e->terms[i], out);
    for (uint32_t i = 0; i < e->nwith; i++)
        vars_deep(e->with[i].value, out);
    if (e->body)
        vars_of_body_all(e->body, out);
    if (e->body2)
        vars_of_body_all(e->body2, out);
}

static void vars_of_body_all(const rg_body *b, vset *out)
{
    for (uint32_t i = 0; i < b->n; i++)
        vars_of_expr_all(b->exprs[i], out);
}

/* Vars used in closures of t (comprehensions), for the closure check. */
static void closure_vars(const rg_term *t, vset *out)
{
    switch (t->type) {
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP: vars_deep(t, out); return;
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = t->type == RG_CALL ? 1 : 0; i < t->u.list.n; i++)
            closure_vars(t->u.list.items[i], out);
        return;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            closure_vars(t->u.obj.keys[i], out);
            closure_vars(t->u.obj.vals[i], out);
        }
        return;
    default: return;
    }
}

static bool ref_head_safe(const rg_term *h, const vset *safe)
{
    if (h->type == RG_VAR)
        return !is_local(h) || vs_has(safe, h->u.var.slot);
    return true;
}

/* Vars in ref paths of t whose heads are safe (bound by iteration). */
static void ref_outputs(const rg_term *t, const vset *safe, vset *out)
{
    switch (t->type) {
    case RG_REF:
        if (ref_head_safe(t->u.list.items[0], safe)) {
            for (uint32_t i = 1; i < t->u.list.n; i++) {
                const rg_term *k = t->u.list.items[i];
                if (k->type != RG_REF)
                    vars_of(k, out);
            }
        }
        for (uint32_t i = 0; i < t->u.list.n; i++)
            ref_outputs(t->u.list.items[i], safe, out);
        return;
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = t->type == RG_CALL ? 1 : 0; i < t->u.list.n; i++)
            ref_outputs(t->u.list.items[i], safe, out);
        return;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            ref_outputs(t->u.obj.keys[i], safe, out);
            ref_outputs(t->u.obj.vals[i], safe, out);
        }
        return;
    default: return;
    }
}

/* Whether t can be evaluated with the vars in safe bound. */
static bool evaluable(const rg_term *t, const vset *safe, vset *tmp)
{
    vs_clear(tmp);
    vars_of(t, tmp);
    return vs_first_missing(tmp, safe) < 0;
}

/* Vars a pattern binds when unified with a value. */
static void pattern_vars(const rg_term *t, vset *out)
{
    switch (t->type) {
    case RG_VAR:
        if (is_local(t))
            vs_add(out, t->u.var.slot);
        return;
    case RG_ARRAY:
        for (uint32_t i = 0; i < t->u.list.n; i++)
            pattern_vars(t->u.list.items[i], out);
        return;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++)
            pattern_vars(t->u.obj.vals[i], out);
        return;
    default: return;
    }
}

static bool is_pattern(const rg_term *t)
{
    return t->type == RG_VAR || t->type == RG_ARRAY || t->type == RG_OBJECT;
}

/* Adds to out the vars unification of a and b binds, given safe. */
static void unify_outputs(const rg_term *a, const rg_term *b, vset *safe, vset *tmp)
{
    if (a->type == RG_VAR && is_local(a) && vs_has(safe, a->u.var.slot) && b->type == RG_VAR &&
        is_local(b)) {
        vs_add(safe, b->u.var.slot);
        return;
    }
    if (evaluable(b, safe, tmp) && is_pattern(a)) {
        pattern_vars(a, safe);
        return;
    }
    if (evaluable(a, safe, tmp) && is_pattern(b)) {
        pattern_vars(b, safe);
        return;
    }
    if (a->type == RG_ARRAY && b->type == RG_ARRAY && a->u.list.n == b->u.list.n) {
        for (uint32_t i = 0; i < a->u.list.n; i++)
            unify_outputs(a->u.list.items[i], b->u.list.items[i], safe, tmp);
        return;
    }
    if (a->type == RG_OBJECT && b->type == RG_OBJECT && a->u.obj.n == b->u.obj.n) {
        for (uint32_t i = 0; i < a->u.obj.n; i++)
            for (uint32_t j = 0; j < b->u.obj.n; j++)
                if (a->u.obj.keys[i]->type == RG_VALUE && b->u.obj.keys[j]->type == RG_VALUE &&
                    kv_equal(&a->u.obj.keys[i]->u.v, &b->u.obj.keys[j]->u.v))
                    unify_outputs(a->u.obj.vals[i], b->u.obj.vals[j], safe, tmp);
        return;
    }
}

typedef struct safety {
    cerr *c;
    uint32_t nslots;
} safety;

static int reorder_body(safety *S, rg_body *b, const vset *safe_in);

/* The vars expression e binds, given safe (safe is not changed). */
static void expr_outputs(const rg_expr *e, const vset *safe, vset *out, vset *tmp, vset *work)
{
    vs_clear(out);
    if (e->negated)
        return;
    switch (e->type) {
    case RG_E_TERM: ref_outputs(e->terms[0], safe, out); return;
    case RG_E_SOME: return;
    case RG_E_SOMEIN:
    case RG_E_EVERY: {
        ref_outputs(e->terms[2], safe, out);
        if (e->type == RG_E_EVERY)
            return;
        vs_copy(work, safe);
        vs_union(work, out);
        if (evaluable(e->terms[2], work, tmp)) {
            if (e->terms[0])
                pattern_vars(e->terms[0], out);
            pattern_vars(e->terms[1], out);
        }
        return;
    }
    case RG_E_CALL: {
        for (uint32_t i = 1; i < e->n; i++)
            ref_outputs(e->terms[i], safe, out);
        vs_copy(work, safe);
        vs_union(work, out);
        const rg_term *op = e->terms[0];
        if (op->type == RG_VAR && (var_is(op, "eq") || var_is(op, "assign"))) {
            /* iterate to a fixpoint for var-var links */
            for (int k = 0; k < 4; k++)
                unify_outputs(e->terms[1], e->terms[2], work, tmp);
            for (uint32_t i = 0; i < out->nw; i++)
                out->w[i] |= work->w[i] & ~safe->w[i];
            return;
        }
        int nargs = e->nargs;
        if (nargs < 0 || (int)e->n - 1 <= nargs)
            return;
        for (int i = 1; i <= nargs; i++)
            if (!evaluable(e->terms[i], work, tmp))
                return;
        pattern_vars(e->terms[e->n - 1], out);
        return;
    }
    }
}

/* Vars that must be bound before e runs (excluding its outputs). */
static void expr_needs(const rg_expr *e, vset *out)
{
    vs_clear(out);
    for (uint32_t i = 0; i < e->n; i++) {
        if (!e->terms[i] || (e->type == RG_E_CALL && i == 0))
            continue;
        if ((e->type == RG_E_SOMEIN || e->type == RG_E_EVERY) && i < 2)
            continue; /* declared pattern */
        vars_of(e->terms[i], out);
    }
    for (uint32_t i = 0; i < e->nwith; i++)
        vars_of(e->with[i].value, out);
}

static void expr_closure_vars(const rg_expr *e, vset *out)
{
    vs_clear(out);
    for (uint32_t i = 0; i < e->n; i++)
        if (e->terms[i] && !(e->type == RG_E_CALL && i == 0))
            closure_vars(e->terms[i], out);
    if (e->type == RG_E_EVERY || e->type == RG_E_GROUP || e->type == RG_E_LOGIC)
        vars_of_body_all(e->body, out);
    if (e->body2)
        vars_of_body_all(e->body2, out);
}

static const char *slot_name(const rg_body *b, int32_t slot);

static int reorder_closures_term(safety *S, rg_term *t, const vset *safe)
{
    int rc = 0;
    switch (t->type) {
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP: {
        if ((rc = reorder_body(S, t->u.comp.body, safe)) < 0)
            return rc;
        /* the head's vars must be bound by the body */
        vset in = vs_new(S->nslots), tmp = vs_new(S->nslots);
        vs_copy(&in, safe);
        /* collect vars bound in body: every var of the body is bound after it
         * succeeds (unsafe ones were reported) */
        vars_of_body_all(t->u.comp.body, &in);
        if (t->u.comp.key)
            vars_of(t->u.comp.key, &tmp);
        vars_of(t->u.comp.val, &tmp);
        int32_t miss = vs_first_missing(&tmp, &in);
        vs_free(&in);
        vs_free(&tmp);
        if (miss >= 0)
            return cfail(S->c, t->loc, "rego_unsafe_var_error: var %s is unsafe",
                         slot_name(NULL, miss));
        /* comprehension heads may contain closures too */
        return 0;
    }
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = t->type == RG_CALL ? 1 : 0; i < t->u.list.n; i++)
            if ((rc = reorder_closures_term(S, t->u.list.items[i], safe)) < 0)
                return rc;
        return 0;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++)
            if ((rc = reorder_closures_term(S, t->u.obj.keys[i], safe)) < 0 ||
                (rc = reorder_closures_term(S, t->u.obj.vals[i], safe)) < 0)
                return rc;
        return 0;
    default: return 0;
    }
}

/* Names of slots for messages: found by searching the body's vars. */
static __thread const rg_body *name_body;

static const char *find_slot_name_term(const rg_term *t, int32_t slot);

static const char *find_slot_name_body(const rg_body *b, int32_t slot)
{
    for (uint32_t i = 0; b && i < b->n; i++) {
        const rg_expr *e = b->exprs[i];
        for (uint32_t j = 0; j < e->n; j++) {
            const char *s = e->terms[j] ? find_slot_name_term(e->terms[j], slot) : NULL;
            if (s)
                return s;
        }
        if (e->body) {
            const char *s = find_slot_name_body(e->body, slot);
            if (s)
                return s;
        }
        if (e->body2) {
            const char *s = find_slot_name_body(e->body2, slot);
            if (s)
                return s;
        }
    }
    return NULL;
}

static const char *find_slot_name_term(const rg_term *t, int32_t slot)
{
    switch (t->type) {
    case RG_VAR: return is_local(t) && t->u.var.slot == slot ? t->u.var.name : NULL;
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = 0; i < t->u.list.n; i++) {
            const char *s = find_slot_name_term(t->u.list.items[i], slot);
            if (s)
                return s;
        }
        return NULL;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            const char *s = find_slot_name_term(t->u.obj.keys[i], slot);
            if (!s)
                s = find_slot_name_term(t->u.obj.vals[i], slot);
            if (s)
                return s;
        }
        return NULL;
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP: {
        const char *s = t->u.comp.key ? find_slot_name_term(t->u.comp.key, slot) : NULL;
        if (!s)
            s = find_slot_name_term(t->u.comp.val, slot);
        if (!s)
            s = find_slot_name_body(t->u.comp.body, slot);
        return s;
    }
    default: return NULL;
    }
}

static const char *slot_name(const rg_body *b, int32_t slot)
{
    const char *s = find_slot_name_body(b ? b : name_body, slot);
    return s ? s : "?";
}

static int reorder_body(safety *S, rg_body *b, const vset *safe_in)
{
    uint32_t n = b->n;
    if (n == 0)
        return 0;
    vset safe = vs_new(S->nslots), bodyvars = vs_new(S->nslots), out = vs_new(S->nslots),
         need = vs_new(S->nslots), tmp = vs_new(S->nslots), work = vs_new(S->nslots),
         cv = vs_new(S->nslots);
    vs_copy(&safe, safe_in);
    for (uint32_t i = 0; i < n; i++) {
        vs_clear(&tmp);
        expr_needs(b->exprs[i], &tmp);
        vs_union(&bodyvars, &tmp);
    }
    rg_expr **placed = ks_xcalloc(n, sizeof *placed);
    bool *done = ks_xcalloc(n, sizeof *done);
    uint32_t np = 0;
    int rc = 0;
    for (;;) {
        uint32_t before = np;
        for (uint32_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            rg_expr *e = b->exprs[i];
            expr_outputs(e, &safe, &out, &tmp, &work);
            expr_needs(e, &need);
            vs_union(&out, &safe);
            if (vs_first_missing(&need, &out) >= 0)
                continue;
            /* closures may only use body vars that are already safe */
            expr_closure_vars(e, &cv);
            bool closure_ok = true;
            for (uint32_t w = 0; w < cv.nw; w++)
                if (cv.w[w] & bodyvars.w[w] & ~safe.w[w] & ~out.w[w])
                    closure_ok = false;
            if (!closure_ok)
                continue;
            /* place it: closures are reordered with what is safe here */
            for (uint32_t j = 0; j < e->n; j++)
                if (e->terms[j] && !(e->type == RG_E_CALL && j == 0) &&
                    (rc = reorder_closures_term(S, e->terms[j], &safe)) < 0)
                    goto out;
            if (e->type == RG_E_GROUP || e->type == RG_E_LOGIC) {
                if ((rc = reorder_body(S, e->body, &safe)) < 0)
                    goto out;
                if (e->body2 && (rc = reorder_body(S, e->body2, &safe)) < 0)
                    goto out;
            }
            if (e->type == RG_E_EVERY) {
                vs_copy(&work, &safe);
                if (e->terms[0])
                    pattern_vars(e->terms[0], &work);
                pattern_vars(e->terms[1], &work);
                if ((rc = reorder_body(S, e->body, &work)) < 0)
                    goto out;
            }
            if (!e->negated)
                vs_copy(&safe, &out);
            placed[np++] = e;
            done[i] = true;
        }
        if (np == n || np == before)
            break;
    }
    if (np < n) {
        /* report the first unsafe var of the first unplaced expression */
        for (uint32_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            rg_expr *e = b->exprs[i];
            expr_outputs(e, &safe, &out, &tmp, &work);
            expr_needs(e, &need);
            expr_closure_vars(e, &cv);
            for (uint32_t w = 0; w < cv.nw; w++)
                need.w[w] |= cv.w[w] & bodyvars.w[w];
            vs_union(&out, &safe);
            int32_t miss = vs_first_missing(&need, &out);
            rc = cfail(S->c, e->loc, "rego_unsafe_var_error: var %s is unsafe",
                       miss >= 0 ? slot_name(b, miss) : "?");
            break;
        }
        goto out;
    }
    memcpy(b->exprs, placed, n * sizeof *placed);
out:
    ks_xfree(placed);
    ks_xfree(done);
    vs_free(&safe);
    vs_free(&bodyvars);
    vs_free(&out);
    vs_free(&need);
    vs_free(&tmp);
    vs_free(&work);
    vs_free(&cv);
    return rc;
}

/* Drops `some x` declarations (they only scope names). */
static void drop_decls(rg_body *b)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        rg_expr *e = b->exprs[i];
        if (e->body)
            drop_decls(e->body);
        if (e->body2)
            drop_decls(e->body2);
        if (e->type == RG_E_SOME)
            continue;
        b->exprs[j++] = e;
    }
    b->n = j;
}

static void drop_decls_terms(rg_body *b);

static void drop_decls_term(rg_term *t)
{
    switch (t->type) {
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP:
        drop_decls(t->u.comp.body);
        drop_decls_terms(t->u.comp.body);
        return;
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = 0; i < t->u.list.n; i++)
            drop_decls_term(t->u.list.items[i]);
        return;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            drop_decls_term(t->u.obj.keys[i]);
            drop_decls_term(t->u.obj.vals[i]);
        }
        return;
    default: return;
    }
}

static void drop_decls_terms(rg_body *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        rg_expr *e = b->exprs[i];
        for (uint32_t j = 0; j < e->n; j++)
            if (e->terms[j])
                drop_decls_term(e->terms[j]);
        if (e->body)
            drop_decls_terms(e->body);
        if (e->body2)
            drop_decls_terms(e->body2);
    }
}

/* ---- rules ---- */

static int check_head_safe(safety *S, rg_rule *r, rg_term *t, const vset *bound, rg_body *b)
{
    if (!t)
        return 0;
    vset v = vs_new(S->nslots);
    vars_of(t, &v);
    int32_t miss = vs_first_missing(&v, bound);
    vs_free(&v);
    if (miss >= 0)
        return cfail(S->c, r->loc, "rego_unsafe_var_error: var %s is unsafe",
                     b ? (find_slot_name_body(b, miss) ? find_slot_name_body(b, miss)
                                                       : find_slot_name_term(t, miss))
                       : find_slot_name_term(t, miss));
    return 0;
}

static int hoist_into(resolver *R, rg_body *body, rg_term **tp);

/* ---- OPA's RewriteDynamicTerms (after safety) ----
 * Refs and calls that are operands of a call are bound to generated vars
 * by expressions placed just before it; for `not` expressions this is
 * visible: `not startswith(input.a.b, "x")` is undefined (not true) when
 * input.a.b is undefined, because the hoisted `__d = input.a.b` fails
 * first. Equalities (= and ==) keep a ref operand in place but hoist the
 * refs nested in composite operands and in a ref's own path. Non-negated
 * expressions evaluate the same either way, so only negated ones (at any
 * depth) are rewritten. */
typedef struct dyn_list {
    rg_expr **v;
    size_t n, cap;
} dyn_list;

static int dyn_push(dyn_list *l, rg_expr *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        rg_expr **p = realloc(l->v, cap * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n++] = e;
    return 0;
}

/* __d = *tp before the expression `orig`; *tp becomes __d. */
static int dyn_hoist(resolver *R, const rg_expr *orig, rg_term **tp, dyn_list *out)
{
    rg_term *t = *tp;
    rg_term *tmp = rg_term_var(R->a, "__d", 3, t->loc);
    rg_term *op = rg_term_var(R->a, "eq", 2, t->loc);
    rg_expr *e = ks_arena_calloc(R->a, 1, sizeof *e);
    rg_term **terms = ks_arena_alloc(R->a, 3 * sizeof *terms);
    if (!tmp || !op || !e || !terms)
        return KS_ENOMEM;
    tmp->vkind = RG_VK_LOCAL;
    tmp->u.var.slot = new_slot(R);
    e->type = RG_E_CALL;
    e->generated = true;
    e->loc = t->loc;
    e->src_off = orig->src_off;
    e->src_len = orig->src_len;
    e->nargs = 2;
    e->with = orig->with;
    e->nwith = orig->nwith;
    terms[0] = op;
    terms[1] = tmp;
    terms[2] = t;
    e->terms = terms;
    e->n = 3;
    *tp = tmp;
    return dyn_push(out, e);
}

static int dyn_one(resolver *R, const rg_expr *orig, rg_term **tp, dyn_list *out, int depth);

static int dyn_ref_path(resolver *R, const rg_expr *orig, rg_term *ref, dyn_list *out, int depth)
{
    for (uint32_t i = 1; i < ref->u.list.n; i++) {
        rg_term **it = &ref->u.list.items[i];
        if ((*it)->type == RG_REF || (*it)->type == RG_CALL) {
            int rc = dyn_one(R, orig, it, out, depth + 1);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int dyn_one(resolver *R, const rg_expr *orig, rg_term **tp, dyn_list *out, int depth)
{
    rg_term *t = *tp;
    if (!t || depth > 64)
        return 0;
    int rc;
    switch (t->type) {
    case RG_REF:
        /* a ref to a local var without path is a plain var */
        if ((rc = dyn_ref_path(R, orig, t, out, depth)) < 0)
            return rc;
        return dyn_hoist(R, orig, tp, out);
    case RG_CALL: return dyn_hoist(R, orig, tp, out);
    case RG_ARRAY:
    case RG_SET:
        for (uint32_t i = 0; i < t->u.list.n; i++)
            if ((rc = dyn_one(R, orig, &t->u.list.items[i], out, depth + 1)) < 0)
                return rc;
        return 0;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            if ((rc = dyn_one(R, orig, &t->u.obj.keys[i], out, depth + 1)) < 0 ||
                (rc = dyn_one(R, orig, &t->u.obj.vals[i], out, depth + 1)) < 0)
                return rc;
        }
        return 0;
    default: return 0;
    }
}

/* An operand of an equality or a term expression: a ref stays, its path's
 * dynamic parts move; anything else as dyn_one. */
static int dyn_in_term(resolver *R, const rg_expr *orig, rg_term **tp, dyn_list *out)
{
    rg_term *t = *tp;
    if (!t)
        return 0;
    if (t->type == RG_REF)
        return dyn_ref_path(R, orig, t, out, 0);
    if (t->type == RG_ACOMP || t->type == RG_SCOMP || t->type == RG_OCOMP)
        return 0;
    return dyn_one(R, orig, tp, out, 0);
}

static int dyn_body(resolver *R, rg_body *b, int depth);

static int dyn_terms(resolver *R, rg_term *t, int depth)
{
    if (!t || depth > 64)
        return 0;
    int rc = 0;
    switch (t->type) {
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP:
        if ((rc = dyn_terms(R, t->u.comp.key, depth + 1)) < 0 ||
            (rc = dyn_terms(R, t->u.comp.val, depth + 1)) < 0)
            return rc;
        return dyn_body(R, t->u.comp.body, depth + 1);
    case RG_REF:
    case RG_CALL:
    case RG_ARRAY:
    case RG_SET:
        for (uint32_t i = 0; i < t->u.list.n && rc >= 0; i++)
            rc = dyn_terms(R, t->u.list.items[i], depth + 1);
        return rc;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n && rc >= 0; i++) {
            rc = dyn_terms(R, t->u.obj.keys[i], depth + 1);
            if (rc >= 0)
                rc = dyn_terms(R, t->u.obj.vals[i], depth + 1);
        }
        return rc;
    default: return 0;
    }
}

static int dyn_body(resolver *R, rg_body *b, int depth)
{
    if (!b || depth > 64)
        return 0;
    dyn_list out = {0};
    int rc = 0;
    bool changed = false;
    for (uint32_t i = 0; i < b->n && rc >= 0; i++) {
        rg_expr *e = b->exprs[i];
        /* nested bodies first: comprehensions, every, groups, and/or */
        for (uint32_t k = 0; k < e->n && rc >= 0; k++)
            rc = dyn_terms(R, e->terms[k], depth + 1);
        if (rc >= 0 && e->body)
            rc = dyn_body(R, e->body, depth + 1);
        if (rc >= 0 && e->body2)
            rc = dyn_body(R, e->body2, depth + 1);
        size_t before = out.n;
        /* under future.keywords.not the operands move inside the negated
         * body, where they change nothing */
        if (rc >= 0 && e->negated && !e->notbody) {
            if (e->type == RG_E_CALL && e->n > 0) {
                rg_term *op = e->terms[0];
                bool eq = var_is(op, "eq") ||
                          (e->nargs == 2 && op->type == RG_REF && op->u.list.n == 1 &&
                           var_is(op->u.list.items[0], "equal"));
                if (!eq && e->builtin && strcmp(e->builtin->name, "equal") == 0 && e->nargs == 2)
                    eq = true;
                uint32_t last = e->nargs > 0 && (uint32_t)e->nargs + 1 < e->n
                                        ? (uint32_t)e->nargs + 1
                                        : e->n;
                for (uint32_t k = 1; k < last && rc >= 0; k++)
                    rc = eq ? dyn_in_term(R, e, &e->terms[k], &out)
                            : dyn_one(R, e, &e->terms[k], &out, 0);
            } else if (e->type == RG_E_TERM && e->n > 0) {
                rc = dyn_in_term(R, e, &e->terms[0], &out);
            }
        }
        if (rc >= 0) {
            changed |= out.n != before;
            rc = dyn_push(&out, e);
        }
    }
    if (rc >= 0 && changed) {
        rg_expr **exprs = ks_arena_alloc(R->a, out.n * sizeof *exprs);
        if (!exprs)
            rc = KS_ENOMEM;
        else {
            memcpy(exprs, out.v, out.n * sizeof *exprs);
            b->exprs = exprs;
            b->n = (uint32_t)out.n;
        }
    }
    free(out.v);
    return rc;
}

static int compile_rule(rego_policy *pol, cerr *c, rg_rule *first, rg_node *pkg)
{
    resolver R = {.c = c, .pol = pol, .a = &pol->arena, .m = first->module, .pkg = pkg};
    int rc = 0;
    /* function args are declared in the rule scope */
    scope_push(&R);
    for (uint32_t i = 0; i < first->nargs; i++) {
        rg_term *a = first->args[i];
        if (a->type == RG_VAR) {
            if (a->wildcard)
                a->u.var.slot = new_slot(&R), a->vkind = RG_VK_LOCAL;
            else
                declare(&R, a);
        } else {
            /* patterns: declare vars inside arrays/objects, resolve the rest */
            if ((rc = (a->type == RG_ARRAY || a->type == RG_OBJECT) ? declare_pattern(&R, a)
                                                                    : resolve_term(&R, a)) < 0)
                goto out;
        }
    }
    /* ref head vars (p[x] := ...) are ordinary body vars; each else member
     * is a rule of its own: its body's declarations end with it */
    size_t args_mark = R.declared.len;
    for (rg_rule *r = first; r; r = r->els) {
        /* else members share args (copied pointers) */
        R.declared.len = args_mark;
        if ((rc = resolve_body(&R, r->body)) < 0)
            goto out;
        if (r->key && (rc = resolve_list(&R, &r->key, 1)) < 0)
            goto out;
        if (r->value && (rc = resolve_list(&R, &r->value, 1)) < 0)
            goto out;
        if (r == first)
            for (uint32_t i = 1; i < r->ref->u.list.n; i++)
                if ((rc = resolve_list(&R, &r->ref->u.list.items[i], 1)) < 0)
                    goto out;
    }
    for (rg_rule *r = first; r; r = r->els) {
        if ((rc = hoist_into(&R, r->body, &r->value)) < 0 ||
            (rc = hoist_into(&R, r->body, &r->key)) < 0)
            goto out;
    }
    first->nslots = R.nslots;
    for (rg_rule *r = first; r; r = r->els) {
        r->nslots = R.nslots;
        drop_decls(r->body);
        drop_decls_terms(r->body);
        if ((rc = fold_body(&pol->arena, r->body)) < 0)
            goto out;
        if (r->key && (rc = fold_term(&pol->arena, r->key)) < 0)
            goto out;
        if (r->value && (rc = fold_term(&pol->arena, r->value)) < 0)
            goto out;
        for (uint32_t i = 1; i < first->ref->u.list.n; i++)
            if ((rc = fold_term(&pol->arena, first->ref->u.list.items[i])) < 0)
                goto out;
        for (uint32_t i = 0; i < first->nargs; i++)
            if ((rc = fold_term(&pol->arena, first->args[i])) < 0)
                goto out;
        safety S = {.c = c, .nslots = R.nslots};
        vset safe = vs_new(R.nslots);
        for (uint32_t i = 0; i < first->nargs; i++)
            vars_deep(first->args[i], &safe);
        name_body = r->body;
        rc = reorder_body(&S, r->body, &safe);
        if (rc >= 0) {
            vars_of_body_all(r->body, &safe);
            rc = check_head_safe(&S, r, r->key, &safe, r->body);
            if (rc >= 0)
                rc = check_head_safe(&S, r, r->value, &safe, r->body);
            for (uint32_t i = r->prefix ? r->prefix : 1; rc >= 0 && i < first->ref->u.list.n; i++)
                rc = check_head_safe(&S, r, first->ref->u.list.items[i], &safe, r->body);
            /* closures in head terms */
            if (rc >= 0 && r->value)
                rc = reorder_closures_term(&S, r->value, &safe);
            if (rc >= 0 && r->key)
                rc = reorder_closures_term(&S, r->key, &safe);
        }
        if (rc >= 0)
            rc = dyn_body(&R, r->body, 0);
        if (rc >= 0)
            rc = dyn_terms(&R, r->value, 0);
        if (rc >= 0)
            rc = dyn_terms(&R, r->key, 0);
        vs_free(&safe);
        if (rc < 0)
            goto out;
        r->const_value = r->body->n == 0 && (!r->value || r->value->type == RG_VALUE);
        if (r != first)
            r->ref = first->ref;
    }
    /* the rewriting above may have added slots */
    first->nslots = R.nslots;
    for (rg_rule *r = first; r; r = r->els)
        r->nslots = R.nslots;
out:
    ks_vec_free(&R.declared);
    ks_vec_free(&R.free);
    return rc;
}

/* Moves a head term that must be evaluated (refs, calls, comprehensions,
 * composites with those) into the body: p := xs[_] becomes
 * p := __h if { __h = xs[_] }, so iteration and conflicts work as in OPA. */
static int hoist_term(resolver *R, rg_body *body, rg_term **tp);

/* Calls nested in a composite head term each move into the body on their
 * own (OPA's expandExprTerm): {"v": f(a[i])} becomes {"v": __h} with
 * __h = f(a[i]) in the body, where the call's operands can bind vars. */
static int hoist_calls(resolver *R, rg_body *body, rg_term *t, int depth)
{
    if (depth > 64)
        return 0;
    rg_term **slots[2] = {NULL, NULL};
    uint32_t n = 0;
    if (t->type == RG_ARRAY || t->type == RG_SET) {
        slots[0] = t->u.list.items;
        n = t->u.list.n;
    } else if (t->type == RG_OBJECT) {
        slots[0] = t->u.obj.keys;
        slots[1] = t->u.obj.vals;
        n = t->u.obj.n;
    } else {
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        for (uint32_t i = 0; slots[k] && i < n; i++) {
            rg_term **c = &slots[k][i];
            int rc = (*c)->type == RG_CALL ? hoist_term(R, body, c)
                                           : hoist_calls(R, body, *c, depth + 1);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int hoist_into(resolver *R, rg_body *body, rg_term **tp)
{
    rg_term *t = *tp;
    if (!t || t->type == RG_VALUE || t->type == RG_VAR)
        return 0;
    if (rg_term_is_ground(t) && t->type != RG_REF)
        return 0;
    int hrc = hoist_calls(R, body, t, 0);
    if (hrc < 0)
        return hrc;
    bool simple = true;
    if (t->type == RG_ARRAY || t->type == RG_SET || t->type == RG_OBJECT) {
        /* composites of vars and constants need no hoisting */
        for (uint32_t i = 0; t->type != RG_OBJECT && i < t->u.list.n; i++)
            if (t->u.list.items[i]->type != RG_VAR && t->u.list.items[i]->type != RG_VALUE)
                simple = false;
        for (uint32_t i = 0; t->type == RG_OBJECT && i < t->u.obj.n; i++)
            if ((t->u.obj.vals[i]->type != RG_VAR && t->u.obj.vals[i]->type != RG_VALUE) ||
                t->u.obj.keys[i]->type != RG_VALUE)
                simple = false;
    } else {
        simple = false;
    }
    if (simple)
        return 0;
    return hoist_term(R, body, tp);
}

/* Appends __h = *tp to body and puts __h in its place. */
static int hoist_term(resolver *R, rg_body *body, rg_term **tp)
{
    rg_term *t = *tp;
    rg_term *tmp = rg_term_var(R->a, "__h", 3, t->loc);
    rg_term *op = rg_term_var(R->a, "eq", 2, t->loc);
    rg_expr *e = ks_arena_calloc(R->a, 1, sizeof *e);
    rg_term **terms = ks_arena_alloc(R->a, 3 * sizeof *terms);
    rg_expr **exprs = ks_arena_alloc(R->a, (body->n + 1) * sizeof *exprs);
    if (!tmp || !op || !e || !terms || !exprs)
        return KS_ENOMEM;
    tmp->vkind = RG_VK_LOCAL;
    tmp->u.var.slot = new_slot(R);
    e->type = RG_E_CALL;
    e->generated = true;
    e->loc = t->loc;
    e->nargs = 2;
    terms[0] = op;
    terms[1] = tmp;
    terms[2] = t;
    e->terms = terms;
    e->n = 3;
    if (body->n)
        memcpy(exprs, body->exprs, body->n * sizeof *exprs);
    exprs[body->n] = e;
    body->exprs = exprs;
    body->n++;
    *tp = tmp;
    return 0;
}

static rg_node *package_node(rego_policy *pol, rg_module *m)
{
    rg_node *n = pol->root;
    for (uint32_t i = 1; i < m->package->u.list.n && n; i++)
        n = rg_node_child(n, m->package->u.list.items[i]->u.v.u.s,
                          m->package->u.list.items[i]->u.v.len);
    return n;
}

int rg_compile_policy(rego_policy *pol, ks_error *err)
{
    cerr c = {.err = err, .pol = pol};
    int rc = build_tree(pol, &c);
    if (rc < 0)
        return c.failed ? KS_EINVAL : rc;
    for (size_t mi = 0; mi < pol->modules.len; mi++) {
        rg_module *m = pol->modules.v[mi];
        rg_node *pkg = package_node(pol, m);
        for (uint32_t ri = 0; ri < m->nrules; ri++)
            if ((rc = compile_rule(pol, &c, m->rules[ri], pkg)) < 0)
                return c.failed ? KS_EINVAL : rc;
    }
    if ((rc = rg_check_recursion(pol, err)) < 0)
        return rc;
    return rg_check_types(pol, err);
}

/* ---- queries ---- */

int rg_compile_query(rego_query *q, ks_error *err)
{
    rego_policy *pol = (rego_policy *)q->pol;
    cerr c = {.err = err, .pol = pol};
    resolver R = {.c = &c, .pol = pol, .a = &q->arena, .query = true};
    int rc = resolve_body(&R, q->body);
    if (rc >= 0) {
        /* user-visible vars: undeclared names and declared ones, not wildcards */
        for (size_t i = 0; i < R.declared.len; i++) {
            scope_ent *s = &R.declared.v[i];
            if (s->depth == 0)
                ks_vec_push(&q->vars, ((rg_qvar){s->name, s->len, s->slot}));
        }
        for (size_t i = 0; i < R.free.len; i++) {
            scope_ent *s = &R.free.v[i];
            if (s->len >= 2 && s->name[0] == '_' && s->name[1] == '_')
                continue;
            ks_vec_push(&q->vars, ((rg_qvar){s->name, s->len, s->slot}));
        }
        q->nslots = R.nslots;
        drop_decls(q->body);
        drop_decls_terms(q->body);
        rc = fold_body(&q->arena, q->body);
    }
    if (rc >= 0) {
        safety S = {.c = &c, .nslots = R.nslots};
        vset safe = vs_new(R.nslots);
        name_body = q->body;
        rc = reorder_body(&S, q->body, &safe);
        vs_free(&safe);
        if (rc >= 0)
            rc = rg_check_types_body(pol, q->body, R.nslots, err);
    }
    ks_vec_free(&R.declared);
    ks_vec_free(&R.free);
    return rc < 0 ? (c.failed ? KS_EINVAL : rc) : 0;
}
