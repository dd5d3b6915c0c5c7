/*
 * The syntax tree as JSON, for `kso rego parse`: the shape of
 * `opa parse --format json` (terms as {"type", "value"}, rules with head and
 * body), written from a fresh parse before any compilation.
 */
#include <string.h>

#include "core/buf.h"
#include "rego/parse.h"
#include "rego/rego.h"

static KS_MEM_ACCOUNT(ast_json_acct, "rego-ast");

typedef struct jw {
    ks_arena *a;
    int rc;
} jw;

static kv_value jstr(jw *w, const char *s, size_t n)
{
    kv_value v;
    if (kv_str_copy(w->a, s, n, &v) < 0)
        w->rc = KS_ENOMEM;
    return v;
}

#define LIT(s) kv_str_ref(s, sizeof(s) - 1)

static kv_value jobj(jw *w, kv_member *m, size_t n)
{
    kv_value v = {.kind = KV_OBJECT};
    if (kv_object_new(w->a, m, n, KV_DUP_LAST_WINS, &v, NULL) < 0)
        w->rc = KS_ENOMEM;
    return v;
}

static kv_value jarr(jw *w, kv_value *items, size_t n)
{
    kv_value v = {.kind = KV_ARRAY};
    if (kv_array_new(w->a, items, n, &v) < 0)
        w->rc = KS_ENOMEM;
    return v;
}

static kv_value body_json(jw *w, const rg_body *b);

static kv_value typed(jw *w, const char *type, kv_value value)
{
    kv_member m[2] = {{LIT("type"), jstr(w, type, strlen(type))}, {LIT("value"), value}};
    return jobj(w, m, 2);
}

static kv_value value_json(jw *w, const kv_value *v)
{
    switch (kv_kind_of(v)) {
    case KV_NULL: return typed(w, "null", *v);
    case KV_BOOL: return typed(w, "boolean", *v);
    case KV_NUMBER: return typed(w, "number", *v);
    case KV_STRING: return typed(w, "string", *v);
    case KV_ARRAY:
    case KV_SET: {
        kv_value *items = ks_arena_alloc(w->a, (v->len + 1) * sizeof *items);
        for (uint32_t i = 0; items && i < v->len; i++)
            items[i] = value_json(w, &v->u.items[i]);
        return typed(w, v->kind == KV_ARRAY ? "array" : "set", jarr(w, items, items ? v->len : 0));
    }
    case KV_OBJECT: {
        kv_value *items = ks_arena_alloc(w->a, (v->len + 1) * sizeof *items);
        for (uint32_t i = 0; items && i < v->len; i++) {
            kv_value kvp[2] = {value_json(w, &v->u.members[i].key),
                               value_json(w, &v->u.members[i].val)};
            items[i] = jarr(w, kvp, 2);
        }
        return typed(w, "object", jarr(w, items, items ? v->len : 0));
    }
    }
    return typed(w, "null", kv_null());
}

static kv_value term_json(jw *w, const rg_term *t)
{
    switch (t->type) {
    case RG_VALUE: return value_json(w, &t->u.v);
    case RG_VAR: return typed(w, "var", jstr(w, t->u.var.name, t->u.var.len));
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL: {
        uint32_t n = t->u.list.n;
        kv_value *items = ks_arena_alloc(w->a, (n + 1) * sizeof *items);
        for (uint32_t i = 0; items && i < n; i++)
            items[i] = term_json(w, t->u.list.items[i]);
        static const char *const names[] = {
                [RG_REF] = "ref", [RG_ARRAY] = "array", [RG_SET] = "set", [RG_CALL] = "call"};
        return typed(w, names[t->type], jarr(w, items, items ? n : 0));
    }
    case RG_OBJECT: {
        uint32_t n = t->u.obj.n;
        kv_value *items = ks_arena_alloc(w->a, (n + 1) * sizeof *items);
        for (uint32_t i = 0; items && i < n; i++) {
            kv_value kvp[2] = {term_json(w, t->u.obj.keys[i]), term_json(w, t->u.obj.vals[i])};
            items[i] = jarr(w, kvp, 2);
        }
        return typed(w, "object", jarr(w, items, items ? n : 0));
    }
    case RG_ACOMP:
    case RG_SCOMP: {
        kv_member m[2] = {{LIT("term"), term_json(w, t->u.comp.val)},
                          {LIT("body"), body_json(w, t->u.comp.body)}};
        return typed(w, t->type == RG_ACOMP ? "arraycomprehension" : "setcomprehension",
                     jobj(w, m, 2));
    }
    case RG_OCOMP: {
        kv_member m[3] = {{LIT("key"), term_json(w, t->u.comp.key)},
                          {LIT("value"), term_json(w, t->u.comp.val)},
                          {LIT("body"), body_json(w, t->u.comp.body)}};
        return typed(w, "objectcomprehension", jobj(w, m, 3));
    }
    }
    return typed(w, "null", kv_null());
}

static kv_value loc_json(jw *w, rg_loc loc)
{
    kv_member m[2] = {{LIT("row"), kv_int(loc.line)}, {LIT("col"), kv_int(loc.col)}};
    return jobj(w, m, 2);
}

static kv_value expr_json(jw *w, const rg_expr *e, uint32_t index)
{
    kv_member m[6];
    size_t n = 0;
    m[n++] = (kv_member){LIT("index"), kv_int(index)};
    m[n++] = (kv_member){LIT("location"), loc_json(w, e->loc)};
    kv_value terms;
    switch (e->type) {
    case RG_E_TERM: terms = term_json(w, e->terms[0]); break;
    case RG_E_CALL: {
        kv_value *items = ks_arena_alloc(w->a, (e->n + 1) * sizeof *items);
        for (uint32_t i = 0; items && i < e->n; i++)
            items[i] = term_json(w, e->terms[i]);
        terms = jarr(w, items, items ? e->n : 0);
        break;
    }
    case RG_E_SOME: {
        kv_value *items = ks_arena_alloc(w->a, (e->n + 1) * sizeof *items);
        for (uint32_t i = 0; items && i < e->n; i++)
            items[i] = term_json(w, e->terms[i]);
        kv_member sm[1] = {{LIT("symbols"), jarr(w, items, items ? e->n : 0)}};
        terms = typed(w, "some", jobj(w, sm, 1));
        break;
    }
    case RG_E_SOMEIN:
    case RG_E_EVERY: {
        kv_member sm[4];
        size_t k = 0;
        if (e->terms[0])
            sm[k++] = (kv_member){LIT("key"), term_json(w, e->terms[0])};
        sm[k++] = (kv_member){LIT("value"), term_json(w, e->terms[1])};
        sm[k++] = (kv_member){LIT("domain"), term_json(w, e->terms[2])};
        if (e->body)
            sm[k++] = (kv_member){LIT("body"), body_json(w, e->body)};
        terms = typed(w, e->type == RG_E_EVERY ? "every" : "somein", jobj(w, sm, k));
        break;
    }
    case RG_E_GROUP: terms = typed(w, "body", body_json(w, e->body)); break;
    case RG_E_LOGIC: {
        kv_value ops[2] = {body_json(w, e->body), body_json(w, e->body2)};
        terms = typed(w, e->nargs ? "or" : "and", jarr(w, ops, 2));
        break;
    }
    default: terms = kv_null();
    }
    m[n++] = (kv_member){LIT("terms"), terms};
    if (e->negated)
        m[n++] = (kv_member){LIT("negated"), kv_bool(true)};
    if (e->nwith) {
        kv_value *items = ks_arena_alloc(w->a, (e->nwith + 1) * sizeof *items);
        for (uint32_t i = 0; items && i < e->nwith; i++) {
            kv_member wm[2] = {{LIT("target"), term_json(w, e->with[i].target)},
                               {LIT("value"), term_json(w, e->with[i].value)}};
            items[i] = jobj(w, wm, 2);
        }
        m[n++] = (kv_member){LIT("with"), jarr(w, items, items ? e->nwith : 0)};
    }
    return jobj(w, m, n);
}

static kv_value body_json(jw *w, const rg_body *b)
{
    kv_value *items = ks_arena_alloc(w->a, (b->n + 1) * sizeof *items);
    for (uint32_t i = 0; items && i < b->n; i++)
        items[i] = expr_json(w, b->exprs[i], i);
    return jarr(w, items, items ? b->n : 0);
}

static kv_value rule_json(jw *w, const rg_rule *r)
{
    kv_member h[6];
    size_t nh = 0;
    const rg_term *h0 = r->ref->u.list.items[0];
    h[nh++] = (kv_member){LIT("name"), jstr(w, h0->u.var.name, h0->u.var.len)};
    h[nh++] = (kv_member){LIT("ref"), term_json(w, r->ref)};
    if (r->nargs) {
        kv_value *items = ks_arena_alloc(w->a, (r->nargs + 1) * sizeof *items);
        for (uint32_t i = 0; items && i < r->nargs; i++)
            items[i] = term_json(w, r->args[i]);
        h[nh++] = (kv_member){LIT("args"), jarr(w, items, items ? r->nargs : 0)};
    }
    if (r->key)
        h[nh++] = (kv_member){LIT("key"), term_json(w, r->key)};
    if (r->value)
        h[nh++] = (kv_member){LIT("value"), term_json(w, r->value)};
    if (r->assign)
        h[nh++] = (kv_member){LIT("assign"), kv_bool(true)};
    kv_member m[5];
    size_t n = 0;
    m[n++] = (kv_member){LIT("head"), jobj(w, h, nh)};
    m[n++] = (kv_member){LIT("body"), body_json(w, r->body)};
    m[n++] = (kv_member){LIT("location"), loc_json(w, r->loc)};
    if (r->is_default)
        m[n++] = (kv_member){LIT("default"), kv_bool(true)};
    if (r->els)
        m[n++] = (kv_member){LIT("else"), rule_json(w, r->els)};
    return jobj(w, m, n);
}

int rego_parse_json(const char *file, const char *src, size_t n, int version, ks_buf *out,
                    ks_error *err)
{
    ks_arena a;
    ks_arena_init(&a, &ast_json_acct, (size_t)1 << 30);
    jw w = {&a, 0};
    rg_module *m;
    int rc = rg_parse_module(&a, file, 0, src, n, version, &m, err);
    if (rc == 0) {
        kv_value *imps = ks_arena_alloc(&a, (m->nimports + 1) * sizeof *imps);
        for (uint32_t i = 0; imps && i < m->nimports; i++) {
            kv_member im[2] = {{LIT("path"), term_json(&w, m->imports[i].path)}};
            size_t k = 1;
            if (m->imports[i].alias)
                im[k++] = (kv_member){LIT("alias"),
                                      jstr(&w, m->imports[i].alias, m->imports[i].alias_len)};
            imps[i] = jobj(&w, im, k);
        }
        kv_value *rules = ks_arena_alloc(&a, (m->nrules + 1) * sizeof *rules);
        for (uint32_t i = 0; rules && i < m->nrules; i++)
            rules[i] = rule_json(&w, m->rules[i]);
        kv_member pm[1] = {{LIT("path"), term_json(&w, m->package)}};
        kv_member top[3] = {{LIT("package"), jobj(&w, pm, 1)},
                            {LIT("imports"), jarr(&w, imps, imps ? m->nimports : 0)},
                            {LIT("rules"), jarr(&w, rules, rules ? m->nrules : 0)}};
        kv_value doc = jobj(&w, top, m->nimports ? 3 : 2);
        if (m->nimports == 0) {
            kv_member t2[2] = {top[0], top[2]};
            doc = jobj(&w, t2, 2);
        }
        rc = w.rc ? ks_error_set(err, w.rc, "out of memory")
                  : kv_json_write(out, &doc, KV_JSON_INDENT(2));
    }
    ks_arena_free(&a);
    return rc;
}
