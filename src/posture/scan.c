/*
 * The scan engine: control selection, per-rule evaluation over the
 * matching resources (on all cores), per-resource verdicts and control
 * statuses (spec configscan_rego.md §4.1-§4.4). report.c turns the result
 * into the JSON v2 report.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ascii.h"
#include "core/log.h"
#include "posture/scan.h"

/* ---- version gates ---- */

/* Compares dotted versions "v1.0.133" numerically; non-numeric parts
 * compare as text. */
static int vercmp(const char *a, const char *b)
{
    if (*a == 'v' || *a == 'V')
        a++;
    if (*b == 'v' || *b == 'V')
        b++;
    while (*a || *b) {
        char *ea, *eb;
        long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        a = ea;
        b = eb;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
        if ((*a && (*a < '0' || *a > '9')) || (*b && (*b < '0' || *b > '9'))) {
            int c = strcmp(a, b);
            return c < 0 ? -1 : c > 0;
        }
    }
    return 0;
}

static bool rule_enabled(const ps_rule *r, const char *version)
{
    if (r->bad_gate)
        return false;
    if (r->use_from && vercmp(version, r->use_from) < 0)
        return false;
    if (r->use_until && vercmp(version, r->use_until) >= 0)
        return false;
    return true;
}

/* ---- scope ---- */

static unsigned scope_of(const char *s)
{
    if (!s || !*s || strcmp(s, "file") == 0)
        return PS_SCOPE_FILE;
    if (strcmp(s, "cluster") == 0)
        return PS_SCOPE_CLUSTER;
    if (strcmp(s, "cloud") == 0)
        return PS_SCOPE_CLOUD;
    if (strcmp(s, "EKS") == 0)
        return PS_SCOPE_EKS;
    if (strcmp(s, "AKS") == 0)
        return PS_SCOPE_AKS;
    if (strcmp(s, "GKE") == 0)
        return PS_SCOPE_GKE;
    return 0;
}

/* Does a control/framework with scope bits `have` take part in a scan of
 * scope `scan` (spec §4.1)? */
static bool scope_accepts(unsigned have, unsigned scan)
{
    if (!have)
        return true;
    unsigned ok = 0;
    if (have & PS_SCOPE_FILE)
        ok |= PS_SCOPE_FILE;
    if (have & PS_SCOPE_CLUSTER)
        ok |= PS_SCOPE_CLUSTER | PS_SCOPE_CLOUD | PS_SCOPE_AKS | PS_SCOPE_EKS | PS_SCOPE_GKE;
    if (have & PS_SCOPE_CLOUD)
        ok |= PS_SCOPE_CLOUD | PS_SCOPE_AKS | PS_SCOPE_EKS | PS_SCOPE_GKE;
    ok |= have & (PS_SCOPE_AKS | PS_SCOPE_EKS | PS_SCOPE_GKE);
    return (ok & scan) != 0;
}

/* ---- namespace filter ---- */

static bool in_list(const char *list, const char *ns)
{
    size_t n = strlen(ns), len;
    for (const char *p = list, *it; ks_list_next(&p, &it, &len);)
        if (len == n && memcmp(it, ns, n) == 0)
            return true;
    return false;
}

bool ps_skip_namespace(const ps_scan_opts *o, const char *ns)
{
    if (!ns || !*ns)
        return false; /* cluster-scoped resources are never filtered */
    if (o->include_ns && *o->include_ns)
        return !in_list(o->include_ns, ns);
    if (o->exclude_ns && *o->exclude_ns)
        return in_list(o->exclude_ns, ns);
    return false;
}

/* ---- matching resources to rules ---- */

static bool arr_has(const kv_value *arr, const char *s, size_t n, bool fold)
{
    if (!arr || arr->kind != KV_ARRAY)
        return false;
    for (size_t i = 0; i < arr->len; i++) {
        const kv_value *e = &arr->u.items[i];
        if (e->kind != KV_STRING || e->len != n)
            continue;
        if (fold ? strncasecmp(e->u.s, s, n) == 0 : memcmp(e->u.s, s, n) == 0)
            return true;
    }
    return false;
}

/* The plural resource name of a kind, the way Kubernetes names most. */
static void plural(const char *kind, char *out, size_t cap)
{
    size_t n = strlen(kind), k = 0;
    for (; k < n && k + 4 < cap; k++)
        out[k] = (char)(kind[k] >= 'A' && kind[k] <= 'Z' ? kind[k] + 32 : kind[k]);
    out[k] = '\0';
    if (k == 0 || k + 4 >= cap)
        return;
    char last = out[k - 1];
    if (last == 's' || last == 'x' || (k > 1 && out[k - 2] == 'c' && last == 'h') ||
        (k > 1 && out[k - 2] == 's' && last == 'h'))
        memcpy(out + k, "es", 3);
    else if (last == 'y' && k > 1 && !strchr("aeiou", out[k - 2]))
        memcpy(out + k - 1, "ies", 4);
    else
        memcpy(out + k, "s", 2);
}

/* Does a match entry take objects of this group, version and kind (or,
 * with resource given, of this plural resource)? */
static bool match_type(const ps_match *m, const char *g, const char *v, const char *kind,
                       const char *resource)
{
    bool gok = arr_has(m->groups, g, strlen(g), false) || arr_has(m->groups, "*", 1, false) ||
               (!*g && arr_has(m->groups, "core", 4, false));
    if (!gok)
        return false;
    bool vok = arr_has(m->versions, v, strlen(v), false) || arr_has(m->versions, "*", 1, false);
    if (!vok)
        return false;
    if (arr_has(m->resources, "*", 1, false) || arr_has(m->resources, kind, strlen(kind), true))
        return true;
    if (resource && arr_has(m->resources, resource, strlen(resource), true))
        return true;
    char pl[256];
    plural(kind, pl, sizeof pl);
    return arr_has(m->resources, pl, strlen(pl), true);
}

static bool match_entry(const ps_match *m, const ps_resource *r)
{
    return match_type(m, r->group, r->version, r->kind, NULL);
}

/* Does a match entry name group explicitly (a wildcard does not count)? */
static bool match_names_group(const ps_match *m, const char *g)
{
    return arr_has(m->groups, g, strlen(g), false) || (!*g && arr_has(m->groups, "core", 4, false));
}

bool ps_rule_needs(const ps_rule *rule, const ps_pull *p)
{
    for (size_t i = 0; i < rule->nmatch + rule->ndyn; i++) {
        const ps_match *m = i < rule->nmatch ? &rule->match[i] : &rule->dyn[i - rule->nmatch];
        if (p->kind ? match_type(m, p->group, p->version, p->kind, p->resource)
                    : match_names_group(m, p->group))
            return true;
    }
    return false;
}

static bool rule_matches(const ps_rule *rule, const ps_resource *r)
{
    if (r->type == PS_RES_VECTOR)
        return false;
    for (size_t i = 0; i < rule->nmatch; i++)
        if (match_entry(&rule->match[i], r))
            return true;
    for (size_t i = 0; i < rule->ndyn; i++)
        if (match_entry(&rule->dyn[i], r))
            return true;
    return false;
}

/* ---- one rule evaluation ---- */

static ps_verdict *verdict_get(ps_eval *e, const char *id, bool create)
{
    size_t n = strlen(id);
    ps_verdict *v = ks_map_get(&e->by_id, id, n);
    if (v || !create)
        return v;
    v = ks_arena_calloc(&e->arena, 1, sizeof *v);
    if (!v)
        return NULL;
    v->id = id; /* IDs live as long as the scan (resources' or e's arena) */
    v->paths = kv_null();
    v->related = kv_null();
    if (!v->id)
        return NULL;
    ks_map_put(&e->by_id, v->id, n, v);
    if (e->nlist == e->caplist) {
        size_t c = e->caplist ? e->caplist * 2 : 32;
        ps_verdict **p = realloc(e->list, c * sizeof *p);
        if (!p)
            return NULL;
        e->list = p;
        e->caplist = c;
    }
    e->list[e->nlist++] = v;
    return v;
}

/* Growable arrays of values built during an evaluation. */
typedef struct vbuf {
    kv_value *v;
    size_t n, cap;
} vbuf;

static int vb_push(vbuf *b, kv_value v)
{
    if (b->n == b->cap) {
        size_t c = b->cap ? b->cap * 2 : 8;
        kv_value *p = realloc(b->v, c * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        b->v = p;
        b->cap = c;
    }
    b->v[b->n++] = v;
    return 0;
}

/* Appends one PosturePaths entry {resourceID, <kind>: value}. */
static int path_entry(ks_arena *a, vbuf *paths, const char *id, const char *key,
                      const kv_value *val)
{
    kv_member m[2] = {{kv_str_ref("resourceID", 10), kv_str_ref(id, strlen(id))},
                      {kv_str_ref(key, strlen(key)), kv_null()}};
    kv_value o;
    /* the value comes from a decoded response in a scratch arena */
    int rc = kv_clone(a, val, &m[1].val);
    if (!rc)
        rc = kv_object_new(a, m, 2, KV_DUP_LAST_WINS, &o, NULL);
    return rc ? rc : vb_push(paths, o);
}

static int append_paths(ks_arena *a, vbuf *paths, const kv_value *resp, const char *id)
{
    static const char *const kinds[][2] = {{"failedPaths", "failedPath"},
                                           {"deletePaths", "deletePath"},
                                           {"reviewPaths", "reviewPath"}};
    int rc;
    for (size_t k = 0; k < 3; k++) {
        const kv_value *arr = ps_get(resp, kinds[k][0]);
        for (size_t i = 0; arr && arr->kind == KV_ARRAY && i < arr->len; i++)
            if ((rc = path_entry(a, paths, id, kinds[k][1], &arr->u.items[i])))
                return rc;
    }
    const kv_value *fix = ps_get(resp, "fixPaths");
    for (size_t i = 0; fix && fix->kind == KV_ARRAY && i < fix->len; i++)
        if ((rc = path_entry(a, paths, id, "fixPath", &fix->u.items[i])))
            return rc;
    const kv_value *fc = ps_get(resp, "fixCommand");
    if (fc && fc->kind == KV_STRING && fc->len && (rc = path_entry(a, paths, id, "fixCommand", fc)))
        return rc;
    return 0;
}

static int concat_into(ks_arena *a, kv_value *arr, const vbuf *more)
{
    size_t n = arr->kind == KV_ARRAY ? arr->len : 0;
    kv_value *items = malloc((n + more->n + 1) * sizeof *items);
    if (!items)
        return KS_ENOMEM;
    if (n)
        memcpy(items, arr->u.items, n * sizeof *items);
    if (more->n)
        memcpy(items + n, more->v, more->n * sizeof *items);
    int rc = kv_array_new(a, items, n + more->n, arr);
    free(items);
    return rc;
}

/* The namespace of a failed/enumerated object, for the namespace filter. */
static const char *object_namespace(const kv_value *o)
{
    const char *ns = ps_get_str(ps_get(o, "metadata"), "namespace");
    if (!ns && ps_get(o, "relatedObjects"))
        ns = ps_get_str(o, "namespace");
    return ns;
}

/* The failed resources of a response: {"id"} references of k8sApiObjects
 * plus the external object (a vector); responses carrying an exception
 * are not failures. */
typedef struct failed_ref {
    const char *id;
    const char *ns;
    const kv_value *obj; /* external objects only */
} failed_ref;

static int failed_of(ps_eval *e, const kv_value *resp, failed_ref *out, size_t cap, size_t *n)
{
    *n = 0;
    if (ps_get(resp, "exception"))
        return 0;
    const kv_value *ao = ps_get(resp, "alertObject");
    const kv_value *k8s = ps_get(ao, "k8sApiObjects");
    for (size_t i = 0; k8s && k8s->kind == KV_ARRAY && i < k8s->len && *n < cap; i++) {
        const kv_value *ref = &k8s->u.items[i];
        if (ref->kind != KV_OBJECT)
            continue;
        out[*n].id = ps_get_str(ref, "id");
        out[*n].ns = ps_get_str(ref, "namespace");
        out[*n].obj = NULL;
        (*n)++;
    }
    const kv_value *ext = ps_get(ao, "externalObjects");
    if (ext && ext->kind == KV_OBJECT && *n < cap) {
        const char *id;
        enum ps_res_type t;
        int rc = ps_object_id(&e->arena, ext, &id, &t);
        if (rc)
            return rc;
        out[*n].id = id;
        out[*n].ns = object_namespace(ext);
        out[*n].obj = ext;
        (*n)++;
    }
    return 0;
}

/* Marks resources skipped (an evaluation error); failures found in another
 * scope are not downgraded. */
static void mark_all(ps_eval *e, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ps_verdict *v = verdict_get(e, ids[i], true);
        if (v && v->status != PS_ST_FAILED) {
            v->status = PS_ST_SKIPPED;
            v->substatus = "";
        }
    }
}

static void eval_error(ps_eval *e, ks_error *err)
{
    if (e->error)
        return; /* the first error is the one reported */
    ks_buf msg = KS_BUF_INIT;
    ks_error_format(err, &msg);
    e->error = ks_arena_strndup(&e->arena, ks_buf_cstr(&msg), msg.len);
    ks_buf_free(&msg);
    ks_log_warn("scan", "rule failed", KS_F_STR("rule", e->rule->name),
                KS_F_STR("error", e->error));
}

/* Records an object the enumerator or the rule produced (an RBAC subject
 * vector, say) for the report, once per ID; obj lives in e's arena or is
 * copied there. */
static int add_produced(ps_eval *e, const kv_value *obj, const char *id, bool copy)
{
    size_t n = strlen(id);
    if (ks_map_get(&e->prod_ids, id, n))
        return 0;
    kv_value v = *obj;
    if (copy) {
        int rc = kv_clone(&e->arena, obj, &v);
        if (rc)
            return rc;
    }
    if (e->nprod == e->capprod) {
        size_t cap = e->capprod ? e->capprod * 2 : 16;
        kv_value *p = realloc(e->prod, cap * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        e->prod = p;
        e->capprod = cap;
    }
    e->prod[e->nprod++] = v;
    ks_map_put(&e->prod_ids, id, n, (void *)id);
    return 0;
}

/* An ID that outlives the scope's scratch memory: the resource's own when
 * the scan has it, else a copy in e's arena. */
static const char *keep_id(ps_eval *e, const ps_scan_ctx *S, const char *id)
{
    size_t n = strlen(id);
    size_t *idx = ks_map_get(&S->rs->by_id, id, n);
    if (idx)
        return S->rs->items[*idx].id;
    ps_verdict *v = ks_map_get(&e->by_id, id, n);
    if (v)
        return v->id;
    return ks_arena_strndup(&e->arena, id, n);
}

/* Appends paths to a verdict's, leaving out entries it already has (a
 * cluster-scoped resource fails the same way in every namespace scope). */
static int merge_paths(ks_arena *a, kv_value *have, const vbuf *more)
{
    vbuf keep = {0};
    int rc = 0;
    for (size_t i = 0; i < more->n && !rc; i++) {
        bool dup = false;
        for (size_t k = 0; have->kind == KV_ARRAY && k < have->len && !dup; k++)
            dup = kv_equal(&have->u.items[k], &more->v[i]);
        for (size_t k = 0; k < keep.n && !dup; k++)
            dup = kv_equal(&keep.v[k], &more->v[i]);
        if (!dup)
            rc = vb_push(&keep, more->v[i]);
    }
    if (!rc && have->kind != KV_ARRAY)
        rc = kv_array_new(a, NULL, 0, have);
    if (!rc && keep.n)
        rc = concat_into(a, have, &keep);
    free(keep.v);
    return rc;
}

typedef struct compiled_rule {
    ps_compiled raw, filt;
    bool have_filt;
    ps_eval_limits lim;
} compiled_rule;

/* Evaluates the rule on one scope's objects (processRuleOnScope). */
static int run_scope_eval(ps_eval *e, const ps_scan_ctx *S, compiled_rule *cr,
                          const kv_value *input, const kv_value *agg, size_t nagg, const char **ids,
                          ks_arena *scr);

static int run_scope(ps_eval *e, const ps_scan_ctx *S, compiled_rule *cr, const kv_value *objs,
                     const char **ids, size_t nobjs)
{
    const ps_rule *rule = e->rule;
    int rc = 0;
    const kv_value *agg = objs;
    kv_value *aggv = NULL;
    size_t nagg = nobjs;
    ks_arena scratch;
    ks_arena_init(&scratch, NULL, 0);
    if (rule->aggregator != PS_AGG_NONE) {
        if ((rc = ps_aggregate(&scratch, rule->aggregator, objs, nobjs, &aggv, &nagg))) {
            ks_arena_free(&scratch);
            return rc;
        }
        agg = aggv;
    }
    kv_value input;
    if (nagg > 0 && !(rc = kv_array_new(&scratch, agg, nagg, &input)))
        /* decoded responses live in the scratch arena; what verdicts keep
         * is copied out */
        rc = run_scope_eval(e, S, cr, &input, agg, nagg, ids, &scratch);
    ks_arena_free(&scratch);
    return rc;
}

static int run_scope_eval(ps_eval *e, const ps_scan_ctx *S, compiled_rule *cr,
                          const kv_value *input_v, const kv_value *agg, size_t nagg,
                          const char **ids, ks_arena *scr)
{
    const ps_rule *rule = e->rule;
    ks_arena *a = &e->arena;
    ks_error err = {0};
    int rc = 0;
    const kv_value input = *input_v;
    const char **in_ids = ids;
    if (rule->aggregator != PS_AGG_NONE) {
        in_ids = ks_arena_calloc(scr, nagg, sizeof *in_ids);
        if (!in_ids)
            return KS_ENOMEM;
        for (size_t i = 0; i < nagg; i++) {
            enum ps_res_type t;
            if ((rc = ps_object_id(scr, &agg[i], &in_ids[i], &t)))
                return rc;
            if (!(in_ids[i] = keep_id(e, S, in_ids[i])))
                return KS_ENOMEM;
            /* the vectors are resources of the report, passed ones too */
            if ((rc = add_produced(e, &agg[i], in_ids[i], true)))
                return rc;
        }
    }
    size_t nin = nagg;
    /* enumerator: its failed objects are the resources passes count on */
    const char **enum_ids = in_ids;
    size_t nenum = nin;
    if (cr->have_filt) {
        kv_value fr;
        rc = ps_eval_rule_mode(&cr->filt, &input, &e->data, true, &cr->lim, scr, &fr, &err);
        if (rc) {
            eval_error(e, &err);
            mark_all(e, in_ids, nin);
            return 0;
        }
        size_t cap = 16;
        enum_ids = ks_arena_alloc(a, cap * sizeof *enum_ids);
        nenum = 0;
        ks_map seen;
        ks_map_init(&seen);
        for (size_t i = 0; enum_ids && !rc && i < fr.len; i++) {
            const kv_value *resp = &fr.u.items[i];
            if (ps_get(resp, "exception"))
                continue;
            const kv_value *ao = ps_get(resp, "alertObject");
            const kv_value *k8s = ps_get(ao, "k8sApiObjects");
            const kv_value *ext = ps_get(ao, "externalObjects");
            size_t nk = k8s && k8s->kind == KV_ARRAY ? k8s->len : 0;
            for (size_t k = 0; !rc && k <= nk; k++) {
                /* alert objects come as {"id", "namespace"} references;
                 * the external object (a vector) whole */
                const kv_value *o = k < nk ? &k8s->u.items[k] : ext;
                if (!o || o->kind != KV_OBJECT)
                    continue;
                const char *id = k < nk ? ps_get_str(o, "id") : NULL;
                const char *ns = k < nk ? ps_get_str(o, "namespace") : object_namespace(o);
                if (ps_skip_namespace(S->opts, ns))
                    continue;
                enum ps_res_type t;
                if (!id && k < nk)
                    continue;
                if (!id && (rc = ps_object_id(scr, o, &id, &t)))
                    break;
                if (!(id = keep_id(e, S, id))) {
                    rc = KS_ENOMEM;
                    break;
                }
                size_t idn = strlen(id);
                if (ks_map_get(&seen, id, idn))
                    continue;
                ks_map_put(&seen, id, idn, (void *)id);
                if (nenum == cap) {
                    const char **np = ks_arena_alloc(a, cap * 2 * sizeof *np);
                    if (!np) {
                        rc = KS_ENOMEM;
                        break;
                    }
                    memcpy(np, enum_ids, nenum * sizeof *np);
                    enum_ids = np;
                    cap *= 2;
                }
                enum_ids[nenum++] = id;
                if (k == nk)
                    rc = add_produced(e, o, id, true);
            }
        }
        if (!enum_ids)
            rc = KS_ENOMEM;
        ks_map_free(&seen);
        if (rc)
            return rc;
    }
    kv_value resps;
    rc = ps_eval_rule_mode(&cr->raw, &input, &e->data, true, &cr->lim, scr, &resps, &err);
    if (rc) {
        /* evaluation failed: every input resource is skipped for this rule */
        eval_error(e, &err);
        mark_all(e, enum_ids, nenum);
        return 0;
    }
    /* failed resources */
    failed_ref fails[64];
    ks_map failed_here;
    ks_map_init(&failed_here);
    for (size_t i = 0; i < resps.len && !rc; i++) {
        const kv_value *resp = &resps.u.items[i];
        size_t nf;
        if ((rc = failed_of(e, resp, fails, 64, &nf)))
            break;
        for (size_t k = 0; k < nf; k++)
            if (fails[k].id && !(fails[k].id = keep_id(e, S, fails[k].id)))
                rc = KS_ENOMEM;
        if (rc)
            break;
        for (size_t k = 0; k < nf && !rc; k++) {
            /* references carry their object's namespace */
            if (!fails[k].id || ps_skip_namespace(S->opts, fails[k].ns))
                continue;
            ps_verdict *v = verdict_get(e, fails[k].id, true);
            if (!v) {
                rc = KS_ENOMEM;
                break;
            }
            v->status = PS_ST_FAILED;
            v->substatus = "";
            ks_map_put(&failed_here, v->id, strlen(v->id), v);
            vbuf paths = {0}, rel = {0};
            rc = append_paths(a, &paths, resp, v->id);
            const kv_value *ro = ps_get(resp, "relatedObjects");
            for (size_t q = 0; !rc && ro && ro->kind == KV_ARRAY && q < ro->len; q++) {
                const kv_value *obj = ps_get(&ro->u.items[q], "object");
                const char *rid = ps_get_str(obj, "id");
                if (!rid)
                    continue;
                if (!(rid = keep_id(e, S, rid))) {
                    rc = KS_ENOMEM;
                    break;
                }
                bool dup = false;
                const kv_value *have = &v->related;
                for (size_t z = 0; have->kind == KV_ARRAY && z < have->len && !dup; z++)
                    dup = ps_str_eq(&have->u.items[z], rid);
                for (size_t z = 0; z < rel.n && !dup; z++)
                    dup = ps_str_eq(&rel.v[z], rid);
                if (!dup)
                    rc = vb_push(&rel, kv_str_ref(rid, strlen(rid)));
                if (!rc)
                    rc = append_paths(a, &paths, &ro->u.items[q], rid);
            }
            if (!rc)
                rc = merge_paths(a, &v->paths, &paths);
            if (!rc && rel.n) {
                if (v->related.kind != KV_ARRAY)
                    rc = kv_array_new(a, NULL, 0, &v->related);
                if (!rc)
                    rc = concat_into(a, &v->related, &rel);
            }
            free(paths.v);
            free(rel.v);
            if (!rc && fails[k].obj) /* a vector: kept so the report can list it */
                rc = add_produced(e, fails[k].obj, v->id, true);
        }
    }
    ks_map_free(&failed_here);
    if (rc)
        return rc;
    /* every other enumerated resource passed */
    for (size_t i = 0; i < nenum; i++) {
        ps_verdict *v = verdict_get(e, enum_ids[i], false);
        if (v && (v->status == PS_ST_FAILED || v->status == PS_ST_SKIPPED))
            continue;
        if (!v && !(v = verdict_get(e, enum_ids[i], true)))
            return KS_ENOMEM;
        v->status = PS_ST_PASSED;
        v->substatus = "";
    }
    return 0;
}

/* The rule's data: its declared control inputs plus the control's fixed
 * input, and dataControlInputs. */
static int make_data(ps_eval *e, const ps_scan_ctx *S, ks_error *err)
{
    const ps_rule *rule = e->rule;
    ks_arena *a = &e->arena;
    ps_jw w;
    ks_buf b = KS_BUF_INIT;
    ps_jw_init(&w, &b);
    ps_jw_obj(&w);
    for (size_t k = 0; k < rule->nconfig; k++) {
        const kv_value *v = ps_get(S->inputs, rule->config_keys[k]);
        bool fixed = e->fixed && ps_get(e->fixed, rule->config_keys[k]);
        if (v && v->kind != KV_NULL && !fixed) {
            ps_jw_key(&w, rule->config_keys[k]);
            ps_jw_value(&w, v);
        }
    }
    for (size_t k = 0; e->fixed && k < e->fixed->len; k++) {
        const kv_member *m = &e->fixed->u.members[k];
        if (m->key.kind != KV_STRING)
            continue;
        ps_jw_key(&w, m->key.u.s);
        ps_jw_value(&w, &m->val);
    }
    ps_jw_end_obj(&w);
    int rc = ps_jw_finish(&w, a, &e->config, err);
    ks_buf_free(&b);
    if (rc)
        return rc;
    kv_member dm[2], cp = {kv_str_ref("cloudProvider", 13), kv_str_ref("", 0)};
    if (S->opts->cloud_provider)
        cp.val = kv_str_ref(S->opts->cloud_provider, strlen(S->opts->cloud_provider));
    kv_value dci;
    if ((rc = kv_object_new(a, &cp, 1, KV_DUP_LAST_WINS, &dci, NULL)))
        return rc;
    dm[0].key = kv_str_ref("dataControlInputs", 17);
    dm[0].val = dci;
    dm[1].key = kv_str_ref("postureControlInputs", 20);
    dm[1].val = e->config;
    return kv_object_new(a, dm, 2, KV_DUP_LAST_WINS, &e->data, NULL);
}

/* The namespace scope a resource is evaluated in: its namespace, and for a
 * Namespace object its own name (so its policies and service accounts are
 * in the same scope); NULL for other cluster-scoped resources. */
static const char *scope_ns(const ps_resource *r)
{
    if (r->namespace_)
        return r->namespace_;
    if (r->type == PS_RES_K8S && strcmp(r->kind, "Namespace") == 0 && *r->name)
        return r->name;
    return NULL;
}

static int cmp_ns(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    return strcmp(a ? a : "", b ? b : "");
}

int ps_eval_run(ps_eval *e, const ps_scan_ctx *S)
{
    const ps_rule *rule = e->rule;
    ks_error err = {0};
    int rc = 0;
    /* the matching resources (namespace filter applied) */
    size_t cap = 64, n = 0;
    const ps_resource **match = malloc(cap * sizeof *match);
    if (!match)
        return KS_ENOMEM;
    for (size_t i = 0; i < S->rs->n; i++) {
        const ps_resource *r = &S->rs->items[i];
        if (!rule_matches(rule, r) || ps_skip_namespace(S->opts, r->namespace_))
            continue;
        if (n == cap) {
            const ps_resource **p = realloc(match, cap * 2 * sizeof *p);
            if (!p) {
                free(match);
                return KS_ENOMEM;
            }
            match = p;
            cap *= 2;
        }
        match[n++] = r;
    }
    if (n == 0) {
        free(match);
        return 0;
    }
    if ((rc = make_data(e, S, &err))) {
        free(match);
        return rc;
    }
    compiled_rule cr = {.lim = {.max_memory = S->max_memory, .max_steps = S->max_steps}};
    rc = ps_compile_rule(rule->name, rule->rego, rule->rego_len, S->lib->helpers,
                         S->lib->helpers_len, &cr.raw, &err);
    if (!rc && rule->filter) {
        rc = ps_compile_rule(rule->name, rule->filter, rule->filter_len, S->lib->helpers,
                             S->lib->helpers_len, &cr.filt, &err);
        cr.have_filt = rc == 0;
    }
    kv_value *objs = malloc(n * sizeof *objs);
    const char **ids = malloc(n * sizeof *ids);
    if (!objs || !ids) {
        free(ids);
        free(objs);
        ps_compiled_free(&cr.raw);
        ps_compiled_free(&cr.filt);
        free(match);
        return KS_ENOMEM;
    }
    if (rc) {
        /* a rule that does not compile: its resources are not evaluated */
        eval_error(e, &err);
        for (size_t i = 0; i < n; i++)
            ids[i] = match[i]->id;
        mark_all(e, ids, n);
        rc = 0;
    } else if (!e->whole && S->rs->n > S->large) {
        /* a large input: one scope per namespace, each with the
         * cluster-scoped resources (spec §4.2) */
        const char **nss = malloc(n * sizeof *nss);
        size_t nn = 0;
        if (!nss)
            rc = KS_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++)
            if (scope_ns(match[i]))
                nss[nn++] = scope_ns(match[i]);
        if (!rc)
            qsort(nss, nn, sizeof *nss, cmp_ns);
        size_t ncluster = 0;
        for (size_t i = 0; i < n; i++)
            if (!scope_ns(match[i])) {
                ids[ncluster] = match[i]->id;
                objs[ncluster++] = match[i]->obj;
            }
        if (!rc && nn == 0)
            rc = run_scope(e, S, &cr, objs, ids, ncluster);
        for (size_t i = 0; !rc && i < nn; i++) {
            if (i && strcmp(nss[i], nss[i - 1]) == 0)
                continue;
            size_t k = ncluster;
            for (size_t q = 0; q < n; q++)
                if (scope_ns(match[q]) && strcmp(scope_ns(match[q]), nss[i]) == 0) {
                    ids[k] = match[q]->id;
                    objs[k++] = match[q]->obj;
                }
            rc = run_scope(e, S, &cr, objs, ids, k);
        }
        free(nss);
    } else {
        for (size_t i = 0; i < n; i++) {
            ids[i] = match[i]->id;
            objs[i] = match[i]->obj;
        }
        rc = run_scope(e, S, &cr, objs, ids, n);
    }
    ps_compiled_free(&cr.raw);
    ps_compiled_free(&cr.filt);
    free(objs);
    free(ids);
    free(match);
    if (!rc && e->nprod)
        rc = kv_array_new(&e->arena, e->prod, e->nprod, &e->added);
    /* the indexes are only needed while evaluating: the report walks the
     * verdict list */
    ks_map_free(&e->by_id);
    ks_map_free(&e->prod_ids);
    free(e->prod);
    e->prod = NULL;
    e->nprod = e->capprod = 0;
    return rc;
}

/* ---- the worker pool ---- */

typedef struct pool {
    ps_scan_ctx *S;
    atomic_size_t next;
    atomic_int rc;
} pool;

static void *worker(void *p)
{
    pool *P = p;
    for (;;) {
        size_t i = atomic_fetch_add(&P->next, 1);
        if (i >= P->S->nevals || atomic_load(&P->rc))
            break;
        int rc = ps_eval_run(&P->S->evals[i], P->S);
        if (rc) {
            int zero = 0;
            atomic_compare_exchange_strong(&P->rc, &zero, rc);
        }
    }
    return NULL;
}

static int run_all(ps_scan_ctx *S, int threads)
{
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if ((size_t)threads > S->nevals)
        threads = (int)S->nevals;
    if (threads > 64)
        threads = 64;
    pool P = {.S = S};
    atomic_init(&P.next, 0);
    atomic_init(&P.rc, 0);
    pthread_t th[64];
    int started = 0;
    for (int i = 1; i < threads; i++) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 64u << 20); /* the evaluator recurses */
        if (pthread_create(&th[started], &attr, worker, &P) == 0)
            started++;
        pthread_attr_destroy(&attr);
    }
    worker(&P);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    return atomic_load(&P.rc);
}

/* ---- selection ---- */

static int add_sel(ps_scan_ctx *S, ps_control *c)
{
    for (size_t i = 0; i < S->nsel; i++)
        if (S->sel[i].control == c)
            return 0;
    if (S->nsel == S->capsel) {
        size_t cap = S->capsel ? S->capsel * 2 : 32;
        ps_sel *p = realloc(S->sel, cap * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        S->sel = p;
        S->capsel = cap;
    }
    memset(&S->sel[S->nsel], 0, sizeof S->sel[S->nsel]);
    S->sel[S->nsel++].control = c;
    return 0;
}

static int cmp_sel(const void *x, const void *y)
{
    return strcmp(((const ps_sel *)x)->control->id, ((const ps_sel *)y)->control->id);
}

static int select_controls(ps_scan_ctx *S, ks_error *err)
{
    const ps_scan_opts *o = S->opts;
    ps_library *lib = (ps_library *)S->lib;
    int rc;
    if (o->ncontrols) {
        for (size_t i = 0; i < o->ncontrols; i++) {
            ps_control *c = NULL;
            for (size_t k = 0; k < lib->ncontrols && !c; k++)
                if (ps_strieq(lib->controls[k].id, o->controls[i]))
                    c = &lib->controls[k];
            if (!c)
                return ks_error_set(err, KS_ENOENT, "control %s is not in the control library",
                                    o->controls[i]);
            if ((rc = add_sel(S, c)))
                return rc;
        }
    } else {
        bool all = o->nframeworks == 0;
        for (size_t i = 0; i < o->nframeworks; i++)
            all |= ps_strieq(o->frameworks[i], "all");
        S->fws = calloc(lib->nframeworks ? lib->nframeworks : 1, sizeof *S->fws);
        if (!S->fws)
            return KS_ENOMEM;
        if (all) {
            for (size_t k = 0; k < lib->nframeworks; k++)
                S->fws[S->nfws++] = &lib->frameworks[k];
        } else {
            for (size_t i = 0; i < o->nframeworks; i++) {
                ps_framework *f = NULL;
                for (size_t k = 0; k < lib->nframeworks && !f; k++)
                    if (ps_strieq(lib->frameworks[k].name, o->frameworks[i]))
                        f = &lib->frameworks[k];
                if (!f) {
                    ks_buf names = KS_BUF_INIT;
                    for (size_t k = 0; k < lib->nframeworks; k++)
                        ks_buf_printf(&names, "%s%s", k ? ", " : "", lib->frameworks[k].name);
                    rc = ks_error_set(err, KS_ENOENT,
                                      "framework %s is not in the control library (it has: %s)",
                                      o->frameworks[i], ks_buf_cstr(&names));
                    ks_buf_free(&names);
                    return rc;
                }
                bool dup = false;
                for (size_t k = 0; k < S->nfws; k++)
                    dup |= S->fws[k] == f;
                if (!dup)
                    S->fws[S->nfws++] = f;
            }
        }
        /* frameworks whose scope does not fit the scan take no part */
        size_t k = 0;
        for (size_t i = 0; i < S->nfws; i++)
            if (scope_accepts(S->fws[i]->scope, S->scope))
                S->fws[k++] = S->fws[i];
        S->nfws = k;
        for (size_t i = 0; i < S->nfws; i++)
            for (size_t q = 0; q < S->fws[i]->ncontrols; q++)
                if ((rc = add_sel(S, S->fws[i]->controls[q].control)))
                    return rc;
    }
    /* scope, version gates; controls without rules are dropped unless
     * they are manual-review controls */
    size_t k = 0;
    for (size_t i = 0; i < S->nsel; i++) {
        ps_control *c = S->sel[i].control;
        if (!o->ncontrols && !scope_accepts(c->scope, S->scope)) {
            /* out of scope: its rules do not run; a manual-review control
             * stays, as upstream keeps it (skipped / manual review) */
            if (c->action != PS_ACT_MANUAL_REVIEW)
                continue;
            S->sel[i].norules = true;
        }
        size_t live = 0;
        for (size_t r = 0; r < c->nrules; r++)
            live += rule_enabled(c->rules[r], S->version);
        if (live == 0 && c->action != PS_ACT_MANUAL_REVIEW)
            continue;
        S->sel[k++] = S->sel[i];
    }
    S->nsel = k;
    if (S->nsel)
        qsort(S->sel, S->nsel, sizeof *S->sel, cmp_sel);
    return 0;
}

/* One evaluation per (rule, fixed input) pair. */
static int plan_evals(ps_scan_ctx *S)
{
    size_t cap = 0;
    for (size_t i = 0; i < S->nsel; i++)
        cap += S->sel[i].control->nrules;
    S->evals = calloc(cap ? cap : 1, sizeof *S->evals);
    if (!S->evals)
        return KS_ENOMEM;
    for (size_t i = 0; i < S->nsel; i++) {
        ps_sel *sel = &S->sel[i];
        ps_control *c = sel->control;
        sel->evals = calloc(c->nrules ? c->nrules : 1, sizeof *sel->evals);
        if (!sel->evals)
            return KS_ENOMEM;
        for (size_t r = 0; r < c->nrules && !sel->norules; r++) {
            ps_rule *rule = c->rules[r];
            if (!rule_enabled(rule, S->version))
                continue;
            ps_eval *e = NULL;
            for (size_t q = 0; q < S->nevals && !e; q++)
                if (S->evals[q].rule == rule && S->evals[q].fixed == c->fixed_input)
                    e = &S->evals[q];
            if (!e) {
                e = &S->evals[S->nevals++];
                e->rule = rule;
                e->fixed = c->fixed_input;
                e->config = kv_null();
                e->added = kv_null();
                ks_arena_init(&e->arena, NULL, 0);
                ks_map_init(&e->by_id);
                ks_map_init(&e->prod_ids);
            }
            e->whole |= c->whole_cluster;
            sel->evals[sel->nevals++] = e;
        }
    }
    return 0;
}

void ps_scan_ctx_free(ps_scan_ctx *S)
{
    for (size_t i = 0; i < S->nevals; i++) {
        ks_arena_free(&S->evals[i].arena);
        ks_map_free(&S->evals[i].by_id);
        ks_map_free(&S->evals[i].prod_ids);
        free(S->evals[i].prod);
        free(S->evals[i].list);
    }
    for (size_t i = 0; i < S->nsel; i++)
        free(S->sel[i].evals);
    free(S->evals);
    free(S->sel);
    free(S->fws);
}

int ps_scan_select(ps_scan_ctx *S, const ps_library *lib, const ps_resources *rs,
                   const ps_scan_opts *opts, ks_error *err)
{
    memset(S, 0, sizeof *S);
    S->lib = lib;
    S->rs = rs;
    S->opts = opts;
    S->scope = scope_of(opts->scope);
    if (!S->scope)
        return ks_error_set(err, KS_EINVAL,
                            "unknown scanning scope %s (file, cluster, cloud, EKS, AKS or GKE)",
                            opts->scope);
    S->version = opts->kubescape_version ? opts->kubescape_version : PS_KUBESCAPE_VERSION;
    S->inputs = opts->inputs ? opts->inputs : &lib->inputs;
    if (S->inputs->kind != KV_OBJECT)
        return ks_error_set(err, KS_EINVAL,
                            "control inputs must be a JSON object of string arrays");
    S->large = opts->large_cluster_size ? opts->large_cluster_size : 2500;
    S->max_memory = (size_t)1 << 30;
    S->max_steps = 2000000000ULL;
    return select_controls(S, err);
}

int ps_scan_foreach_match(const ps_scan_ctx *S, ps_match_fn fn, void *ctx)
{
    for (size_t i = 0; i < S->nsel; i++) {
        const ps_control *c = S->sel[i].control;
        for (size_t r = 0; r < c->nrules && !S->sel[i].norules; r++) {
            const ps_rule *rule = c->rules[r];
            if (!rule_enabled(rule, S->version))
                continue;
            for (size_t k = 0; k < rule->nmatch + rule->ndyn; k++) {
                const ps_match *m =
                        k < rule->nmatch ? &rule->match[k] : &rule->dyn[k - rule->nmatch];
                int rc = fn(ctx, m);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

typedef struct wants_ctx {
    const char *g, *v, *kind, *resource;
} wants_ctx;

static int wants_one(void *ctx, const ps_match *m)
{
    const wants_ctx *w = ctx;
    return match_type(m, w->g, w->v, w->kind, w->resource) ? 1 : 0;
}

bool ps_scan_wants(const ps_scan_ctx *S, const char *group, const char *version, const char *kind,
                   const char *resource)
{
    wants_ctx w = {group, version, kind, resource};
    return ps_scan_foreach_match(S, wants_one, &w) == 1;
}

static int names_one(void *ctx, const ps_match *m)
{
    return match_names_group(m, ctx) ? 1 : 0;
}

bool ps_scan_names_group(const ps_scan_ctx *S, const char *group)
{
    return ps_scan_foreach_match(S, names_one, (void *)group) == 1;
}

int ps_scan_prepare(ps_scan_ctx *S, const ps_library *lib, const ps_resources *rs,
                    const ps_scan_opts *opts, ks_error *err)
{
    int rc = ps_scan_select(S, lib, rs, opts, err);
    if (!rc)
        rc = plan_evals(S);
    if (!rc)
        rc = run_all(S, opts->threads);
    if (rc && !err->msg[0])
        ks_error_set(err, rc, "scan: %s", ks_strerror(rc));
    return rc;
}
