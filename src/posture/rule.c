/*
 * Rule evaluation: compiling a rule with the helper modules, querying its
 * package and decoding the result into RuleResponse records exactly as
 * Go's encoding/json would (spec configscan_rego.md §3.1, §3.2, §3.6).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "posture/hostbi.h"
#include "posture/internal.h"
#include "rego/rego.h"

/* ---- compiling ---- */

static int compile_version(const char *name, const char *rego, size_t len, const char *helpers,
                           size_t helpers_len, int version, ps_compiled *out, ks_error *err)
{
    rego_policy *pol = rego_policy_new();
    if (!pol)
        return KS_ENOMEM;
    int rc = ps_register_host_builtins(pol);
    /* helper modules: NUL-separated texts */
    size_t k = 0;
    for (const char *h = helpers; !rc && h < helpers + helpers_len; k++) {
        size_t n = strnlen(h, (size_t)(helpers + helpers_len - h));
        char file[64];
        snprintf(file, sizeof file, "helpers/%zu.rego", k);
        if (n)
            rc = rego_policy_add_module(pol, file, h, n, 1, err);
        h += n + 1;
    }
    if (!rc)
        rc = rego_policy_add_module(pol, name, rego, len, version, err);
    if (!rc)
        rc = rego_policy_compile(pol, err);
    rego_query *q = NULL;
    if (!rc)
        rc = rego_query_new(pol, "data.armo_builtins", 18, &q, err);
    if (rc) {
        rego_policy_free(pol);
        return rc;
    }
    out->pol = pol;
    out->query = q;
    out->version = version;
    return 0;
}

int ps_compile_rule(const char *name, const char *rego, size_t len, const char *helpers,
                    size_t helpers_len, ps_compiled *out, ks_error *err)
{
    memset(out, 0, sizeof *out);
    /* Kubescape parses with Rego v1 first and falls back to v0. */
    int rc = compile_version(name, rego, len, helpers, helpers_len, 1, out, err);
    if (rc == 0 || rc == KS_ENOMEM)
        return rc;
    ks_error e1 = *err;
    ks_error_clear(err);
    rc = compile_version(name, rego, len, helpers, helpers_len, 0, out, err);
    if (rc)
        *err = e1; /* report the v1 error: the library's dialect */
    return rc;
}

void ps_compiled_free(ps_compiled *c)
{
    if (!c)
        return;
    rego_query_free(c->query);
    rego_policy_free(c->pol);
    memset(c, 0, sizeof *c);
}

/* ---- decoding (Go encoding/json into reporthandling.RuleResponse) ---- */

typedef struct dec {
    ks_arena *a;
    ks_error *err;
    bool ids_only; /* scan mode: alert objects reduced to their resource IDs */
    kv_member m[24];
    size_t nm;
} dec;

static const char *kind_go(const kv_value *v)
{
    switch (v->kind) {
    case KV_NULL: return "null";
    case KV_BOOL: return "bool";
    case KV_NUMBER: return "number";
    case KV_STRING: return "string";
    case KV_OBJECT: return "object";
    default: return "array";
    }
}

static int type_err(dec *d, const kv_value *v, const char *field, const char *gotype)
{
    return ks_error_set(d->err, KS_EINVAL,
                        "json: cannot unmarshal %s into Go struct field %s of type %s", kind_go(v),
                        field, gotype);
}

static bool is_arr(const kv_value *v)
{
    return v->kind == KV_ARRAY || v->kind == KV_SET;
}

/* Go matches a JSON key to a field exactly or, failing that, by
 * case-insensitive comparison; with several matching keys the last one
 * in the input wins (objects here are sorted, as OPA writes them). */
static const kv_value *field(const kv_value *obj, const char *name)
{
    const kv_value *exact = NULL, *fold = NULL;
    size_t n = strlen(name);
    for (size_t i = 0; i < obj->len; i++) {
        const kv_member *m = &obj->u.members[i];
        if (m->key.kind != KV_STRING || m->key.len != n)
            continue;
        if (memcmp(m->key.u.s, name, n) == 0)
            exact = &m->val;
        else {
            bool eq = true;
            for (size_t k = 0; k < n && eq; k++) {
                char x = m->key.u.s[k], y = name[k];
                if (x >= 'A' && x <= 'Z')
                    x = (char)(x + 32);
                if (y >= 'A' && y <= 'Z')
                    y = (char)(y + 32);
                eq = x == y;
            }
            if (eq)
                fold = &m->val;
        }
    }
    /* encoding/json assigns every matching key in input order; sorted
     * order puts upper-case spellings first, so the lower-case exact key
     * (when present) is the last assignment */
    return exact ? exact : fold;
}

static int put(dec *d, const char *key, const kv_value *v)
{
    if (d->nm == sizeof d->m / sizeof *d->m)
        return KS_ELIMIT;
    d->m[d->nm].key = kv_str_ref(key, strlen(key));
    d->m[d->nm].val = *v;
    d->nm++;
    return 0;
}

static int dec_string(dec *d, const kv_value *v, const char *fname, kv_value *out)
{
    if (!v || v->kind == KV_NULL) {
        *out = kv_str_ref("", 0);
        return 0;
    }
    if (v->kind != KV_STRING)
        return type_err(d, v, fname, "string");
    return kv_str_copy(d->a, v->u.s, v->len, out);
}

static int dec_strings(dec *d, const kv_value *v, const char *fname, kv_value *out)
{
    if (!v || v->kind == KV_NULL) {
        *out = kv_null();
        return 0;
    }
    if (!is_arr(v))
        return type_err(d, v, fname, "[]string");
    kv_value *items = v->len ? ks_arena_alloc(d->a, v->len * sizeof *items) : NULL;
    if (v->len && !items)
        return KS_ENOMEM;
    for (size_t i = 0; i < v->len; i++) {
        int rc = dec_string(d, &v->u.items[i], fname, &items[i]);
        if (rc)
            return rc;
    }
    return kv_array_new(d->a, items, v->len, out);
}

static int dec_fixpaths(dec *d, const kv_value *v, kv_value *out)
{
    if (!v || v->kind == KV_NULL) {
        *out = kv_null();
        return 0;
    }
    if (!is_arr(v))
        return type_err(d, v, "fixPaths", "[]armotypes.FixPath");
    kv_value *items = v->len ? ks_arena_alloc(d->a, v->len * sizeof *items) : NULL;
    if (v->len && !items)
        return KS_ENOMEM;
    for (size_t i = 0; i < v->len; i++) {
        const kv_value *e = &v->u.items[i];
        kv_member m[2];
        m[0].key = kv_str_ref("path", 4);
        m[1].key = kv_str_ref("value", 5);
        if (e->kind == KV_NULL) {
            m[0].val = m[1].val = kv_str_ref("", 0);
        } else if (e->kind != KV_OBJECT) {
            return type_err(d, e, "fixPaths", "armotypes.FixPath");
        } else {
            int rc = dec_string(d, field(e, "path"), "FixPath.path", &m[0].val);
            if (!rc)
                rc = dec_string(d, field(e, "value"), "FixPath.value", &m[1].val);
            if (rc)
                return rc;
        }
        int rc = kv_object_new(d->a, m, 2, KV_DUP_LAST_WINS, &items[i], NULL);
        if (rc)
            return rc;
    }
    return kv_array_new(d->a, items, v->len, out);
}

/* AssistedRemediation (inlined in RuleResponse and RelatedObject). */
static int dec_remediation(dec *d, const kv_value *obj)
{
    kv_value v;
    int rc;
    static const char *const arrs[] = {"failedPaths", "reviewPaths", "deletePaths"};
    for (size_t i = 0; i < 3; i++) {
        if ((rc = dec_strings(d, field(obj, arrs[i]), arrs[i], &v)) || (rc = put(d, arrs[i], &v)))
            return rc;
    }
    if ((rc = dec_fixpaths(d, field(obj, "fixPaths"), &v)) || (rc = put(d, "fixPaths", &v)))
        return rc;
    if ((rc = dec_string(d, field(obj, "fixCommand"), "fixCommand", &v)))
        return rc;
    if (v.len && (rc = put(d, "fixCommand", &v)))
        return rc;
    return 0;
}

/* An object that Go decodes into map[string]interface{}. */
static int dec_map(dec *d, const kv_value *v, const char *fname, bool *present)
{
    *present = false;
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_OBJECT)
        return type_err(d, v, fname, "map[string]interface {}");
    *present = true;
    return 0;
}

/* The resource ID of an alert object, as {"id": ID} (scan mode). */
static int id_ref(dec *d, const kv_value *obj, kv_value *out)
{
    const char *id;
    enum ps_res_type t;
    int rc = ps_object_id(d->a, obj, &id, &t);
    if (rc)
        return rc;
    kv_member m[2] = {{.key = kv_str_ref("id", 2)}, {.key = kv_str_ref("namespace", 9)}};
    m[0].val = kv_str_ref(id, strlen(id));
    const kv_value *md = kv_obj_get(obj, "metadata", 8);
    const kv_value *ns = md && md->kind == KV_OBJECT ? kv_obj_get(md, "namespace", 9) : NULL;
    size_t n = 1;
    if (ns && ns->kind == KV_STRING && t == PS_RES_K8S) {
        if ((rc = kv_str_copy(d->a, ns->u.s, ns->len, &m[1].val)))
            return rc;
        n = 2;
    }
    return kv_object_new(d->a, m, n, KV_DUP_LAST_WINS, out, NULL);
}

static int dec_object(dec *d, const kv_value *v, kv_value *out)
{
    if (d->ids_only)
        return id_ref(d, v, out);
    return kv_clone(d->a, v, out);
}

static int finish_obj(dec *d, size_t mark, kv_value *out)
{
    int rc = kv_object_new(d->a, d->m + mark, d->nm - mark, KV_DUP_LAST_WINS, out, NULL);
    d->nm = mark;
    return rc;
}

static int dec_related(dec *d, const kv_value *v, kv_value *out, bool *present)
{
    *present = false;
    if (!v || v->kind == KV_NULL || (is_arr(v) && v->len == 0))
        return v && v->kind != KV_NULL && !is_arr(v)
                       ? type_err(d, v, "relatedObjects", "[]RelatedObject")
                       : 0;
    if (!is_arr(v))
        return type_err(d, v, "relatedObjects", "[]reporthandling.RelatedObject");
    kv_value *items = ks_arena_alloc(d->a, v->len * sizeof *items);
    if (!items)
        return KS_ENOMEM;
    for (size_t i = 0; i < v->len; i++) {
        const kv_value *e = &v->u.items[i];
        size_t mark = d->nm;
        int rc;
        if (e->kind != KV_NULL && e->kind != KV_OBJECT)
            return type_err(d, e, "relatedObjects", "reporthandling.RelatedObject");
        kv_value empty_obj;
        if ((rc = kv_object_new(d->a, NULL, 0, KV_DUP_LAST_WINS, &empty_obj, NULL)))
            return rc;
        const kv_value *src = e->kind == KV_OBJECT ? e : &empty_obj;
        const kv_value *o = field(src, "object");
        bool has;
        kv_value ov = kv_null();
        if ((rc = dec_map(d, o, "object", &has)))
            return rc;
        if (has && (rc = dec_object(d, o, &ov)))
            return rc;
        if ((rc = put(d, "object", &ov)) || (rc = dec_remediation(d, src)) ||
            (rc = finish_obj(d, mark, &items[i])))
            return rc;
    }
    *present = true;
    return kv_array_new(d->a, items, v->len, out);
}

int ps_response_decode_mode(ks_arena *a, const kv_value *in, bool ids_only, kv_value *out,
                            ks_error *err)
{
    dec d = {.a = a, .err = err, .ids_only = ids_only};
    kv_value empty_obj, v;
    int rc = kv_object_new(a, NULL, 0, KV_DUP_LAST_WINS, &empty_obj, NULL);
    if (rc)
        return rc;
    if (in->kind != KV_NULL && in->kind != KV_OBJECT)
        return ks_error_set(
                err, KS_EINVAL,
                "json: cannot unmarshal %s into Go value of type reporthandling.RuleResponse",
                kind_go(in));
    const kv_value *r = in->kind == KV_OBJECT ? in : &empty_obj;
    if ((rc = dec_string(&d, field(r, "alertMessage"), "alertMessage", &v)) ||
        (rc = put(&d, "alertMessage", &v)) || (rc = dec_remediation(&d, r)) ||
        (rc = dec_string(&d, field(r, "ruleStatus"), "ruleStatus", &v)) ||
        (rc = put(&d, "ruleStatus", &v)) ||
        (rc = dec_string(&d, field(r, "packagename"), "packagename", &v)) ||
        (rc = put(&d, "packagename", &v)))
        return rc;
    const kv_value *sc = field(r, "alertScore");
    double score = 0;
    if (sc && sc->kind != KV_NULL) {
        if (sc->kind != KV_NUMBER)
            return type_err(&d, sc, "alertScore", "reporthandling.AlertScore");
        score = kv_num_double(sc);
        if (fabs(score) > 3.4028234663852886e38)
            return ks_error_set(err, KS_EINVAL,
                                "json: cannot unmarshal number into Go struct field alertScore of "
                                "type reporthandling.AlertScore");
    }
    v = kv_double((double)(float)score);
    if ((rc = put(&d, "alertScore", &v)))
        return rc;
    /* alertObject {k8sApiObjects omitempty, externalObjects omitempty} */
    const kv_value *ao = field(r, "alertObject");
    size_t mark = d.nm;
    if (ao && ao->kind != KV_NULL && ao->kind != KV_OBJECT)
        return type_err(&d, ao, "alertObject", "reporthandling.AlertObject");
    if (ao && ao->kind == KV_OBJECT) {
        const kv_value *k8s = field(ao, "k8sApiObjects");
        if (k8s && k8s->kind != KV_NULL) {
            if (!is_arr(k8s))
                return type_err(&d, k8s, "alertObject.k8sApiObjects", "[]map[string]interface {}");
            if (k8s->len) {
                kv_value *items = ks_arena_alloc(a, k8s->len * sizeof *items);
                if (!items)
                    return KS_ENOMEM;
                for (size_t i = 0; i < k8s->len; i++) {
                    const kv_value *o = &k8s->u.items[i];
                    bool has;
                    if ((rc = dec_map(&d, o, "alertObject.k8sApiObjects", &has)))
                        return rc;
                    items[i] = kv_null();
                    if (has && (rc = dec_object(&d, o, &items[i])))
                        return rc;
                }
                if ((rc = kv_array_new(a, items, k8s->len, &v)) ||
                    (rc = put(&d, "k8sApiObjects", &v)))
                    return rc;
            }
        }
        const kv_value *ext = field(ao, "externalObjects");
        bool has;
        if ((rc = dec_map(&d, ext, "alertObject.externalObjects", &has)))
            return rc;
        if (has && ext->len) {
            if ((rc = kv_clone(a, ext, &v)) || (rc = put(&d, "externalObjects", &v)))
                return rc;
        }
    }
    if ((rc = finish_obj(&d, mark, &v)) || (rc = put(&d, "alertObject", &v)))
        return rc;
    bool has;
    if ((rc = dec_related(&d, field(r, "relatedObjects"), &v, &has)))
        return rc;
    if (has && (rc = put(&d, "relatedObjects", &v)))
        return rc;
    if ((rc = dec_strings(&d, field(r, "context"), "context", &v)))
        return rc;
    if (v.kind == KV_ARRAY && v.len && (rc = put(&d, "context", &v)))
        return rc;
    if ((rc = dec_string(&d, field(r, "rulename"), "rulename", &v)))
        return rc;
    if (v.len && (rc = put(&d, "rulename", &v)))
        return rc;
    const kv_value *ex = field(r, "exception");
    if ((rc = dec_map(&d, ex, "exception", &has)))
        return rc;
    if (has && ((rc = kv_clone(a, ex, &v)) || (rc = put(&d, "exception", &v))))
        return rc;
    return finish_obj(&d, 0, out);
}

int ps_response_decode(ks_arena *a, const kv_value *in, kv_value *out, ks_error *err)
{
    return ps_response_decode_mode(a, in, false, out, err);
}

/* ---- evaluating ---- */

typedef struct eval_ctx {
    ks_arena *a;
    ks_error *err;
    bool ids_only;
    kv_value *items;
    size_t n, cap;
    int rc;
} eval_ctx;

static int on_result(void *p, const rego_result *r)
{
    eval_ctx *E = p;
    if (r->nexprs == 0 || r->exprs[0].kind != KV_OBJECT)
        return 0;
    const kv_value *pkg = &r->exprs[0];
    for (size_t i = 0; i < pkg->len; i++) {
        const kv_member *m = &pkg->u.members[i];
        const kv_value *v = &m->val;
        if (!is_arr(v)) {
            E->rc = ks_error_set(
                    E->err, KS_EINVAL,
                    "in parseRegoResult, json.Unmarshal failed. name: %.*s: json: cannot unmarshal "
                    "%s into Go value of type []reporthandling.RuleResponse",
                    m->key.kind == KV_STRING ? (int)m->key.len : 1,
                    m->key.kind == KV_STRING ? m->key.u.s : "?", kind_go(v));
            return 1;
        }
        for (size_t k = 0; k < v->len; k++) {
            if (E->n == E->cap) {
                size_t cap = E->cap ? E->cap * 2 : 16;
                kv_value *np = realloc(E->items, cap * sizeof *np);
                if (!np) {
                    E->rc = KS_ENOMEM;
                    return 1;
                }
                E->items = np;
                E->cap = cap;
            }
            int rc = ps_response_decode_mode(E->a, &v->u.items[k], E->ids_only, &E->items[E->n],
                                             E->err);
            if (rc) {
                E->rc = rc;
                return 1;
            }
            E->n++;
        }
    }
    return 0;
}

int ps_eval_rule_mode(const ps_compiled *c, const kv_value *input, const kv_value *data,
                      bool ids_only, const ps_eval_limits *lim, ks_arena *a, kv_value *out,
                      ks_error *err)
{
    eval_ctx E = {.a = a, .err = err, .ids_only = ids_only};
    rego_eval_opts o = {.input = input, .data = data};
    if (lim) {
        o.max_memory = lim->max_memory;
        o.max_steps = lim->max_steps;
    }
    int rc = rego_eval(c->query, &o, on_result, &E, err);
    if (!rc)
        rc = E.rc;
    if (!rc)
        rc = kv_array_new(a, E.items, E.n, out);
    free(E.items);
    return rc;
}

int ps_eval_rule(const ps_compiled *c, const kv_value *input, const kv_value *data, ks_arena *a,
                 kv_value *out, ks_error *err)
{
    return ps_eval_rule_mode(c, input, data, false, NULL, a, out, err);
}
