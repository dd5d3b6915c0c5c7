/*
 * The scan report in upstream's JSON v2 shape (spec configscan_rego.md
 * §4.4-§4.8, §6.1): per-resource results, control and framework
 * summaries, severities, compliance and risk scores, redacted resources.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/time.h"
#include "core/log.h"
#include "core/mem.h"
#include "posture/exceptions.h"
#include "posture/scan.h"

static const char *const ST_NAME[] = {"", "passed", "skipped", "failed"};

static const char SUB_CONFIG_INFO[] =
        "Control configurations are empty (docs: "
        "https://kubescape.io/docs/frameworks-and-controls/configuring-controls)";
static const char SUB_MANUAL_INFO[] = "Control type is manual-review";
static const char SUB_REVIEW_INFO[] = "Control type is requires-review";

/* Combines two (status, sub-status) pairs as apis.CompareStatusAndSubStatus. */
static void combine(int *st, const char **sub, int b, const char *bsub)
{
    int a = *st;
    const char *asub = *sub;
    int s = (a == PS_ST_FAILED || b == PS_ST_FAILED)     ? PS_ST_FAILED
            : (a == PS_ST_SKIPPED || b == PS_ST_SKIPPED) ? PS_ST_SKIPPED
            : (a == PS_ST_NONE && b == PS_ST_NONE)       ? PS_ST_NONE
                                                         : PS_ST_PASSED;
    const char *out = "";
#define EITHER(x) (strcmp(asub, x) == 0 || strcmp(bsub, x) == 0)
    if (s == PS_ST_PASSED) {
        if (EITHER("w/exceptions"))
            out = "w/exceptions";
        else if (EITHER("irrelevant"))
            out = "irrelevant";
    } else if (s == PS_ST_SKIPPED) {
        static const char *const order[] = {"notEvaluated", "configuration", "integration",
                                            "requires review", "manual review"};
        for (size_t i = 0; i < 5 && !*out; i++)
            if (EITHER(order[i]))
                out = order[i];
    }
#undef EITHER
    *st = s;
    *sub = out;
}

const char *ps_severity_name(double score)
{
    if (score >= 9)
        return "Critical";
    if (score >= 7)
        return "High";
    if (score >= 4)
        return "Medium";
    if (score >= 1)
        return "Low";
    return "Unknown";
}

/* ---- per-resource results ---- */

/* A rule's verdict as this control sees it (exceptions are per control). */
typedef struct rover {
    int status;
    const char *sub;
    kv_value exc; /* array of the exception policies applied, or null */
} rover;

typedef struct rctl {
    ps_sel *sel;
    int status;
    const char *sub, *info;
    ps_verdict **rules; /* per sel->evals entry, or NULL */
    rover *ov;          /* per sel->evals entry */
} rctl;

/* A rule's status as the control sees it: the verdict's, unless an
 * exception changed it (ov, made only then). */
static int ov_status(const rctl *c, size_t i)
{
    return c->ov ? c->ov[i].status : c->rules[i]->status;
}

static const char *ov_sub(const rctl *c, size_t i)
{
    if (c->ov)
        return c->ov[i].sub;
    return c->rules[i]->substatus ? c->rules[i]->substatus : "";
}

typedef struct rres {
    const char *id;
    rctl *ctls;
    size_t n, cap;
} rres;

typedef struct builder {
    ps_scan_ctx *S;
    ks_arena *a;
    ps_exceptions *ex;
    ks_map by_id; /* id -> rres */
    ks_map added; /* id -> object the rules produced (lookup_added) */
    bool added_ready;
    rres **list;
    size_t n, cap;
    const ps_pull **pulls; /* the resource set's collection failures, by gvr, selector, error */
} builder;

static rres *res_get(builder *B, const char *id)
{
    size_t len = strlen(id);
    rres *r = ks_map_get(&B->by_id, id, len);
    if (r)
        return r;
    r = ks_arena_calloc(B->a, 1, sizeof *r);
    if (!r)
        return NULL;
    r->id = id;
    ks_map_put(&B->by_id, id, len, r);
    if (B->n == B->cap) {
        size_t c = B->cap ? B->cap * 2 : 64;
        rres **p = realloc(B->list, c * sizeof *p);
        if (!p)
            return NULL;
        B->list = p;
        B->cap = c;
    }
    B->list[B->n++] = r;
    return r;
}

/* controlMissingAllConfigurations of opa-utils: true when some rule has no
 * configuration at all, or when every configuration is an empty list. */
static bool missing_all_config(const rctl *c)
{
    for (size_t i = 0; i < c->sel->nevals; i++) {
        if (!c->rules[i])
            continue;
        const kv_value *cfg = &c->sel->evals[i]->config;
        if (cfg->kind != KV_OBJECT || cfg->len == 0)
            return true;
        for (size_t k = 0; k < cfg->len; k++) {
            const kv_value *v = &cfg->u.members[k].val;
            if ((v->kind == KV_ARRAY || v->kind == KV_SET) && v->len)
                return false;
            if (v->kind != KV_ARRAY && v->kind != KV_SET && v->kind != KV_NULL)
                return false;
        }
    }
    return true;
}

static void control_status(rctl *c)
{
    int st = PS_ST_PASSED;
    const char *sub = "";
    for (size_t i = 0; i < c->sel->nevals; i++)
        if (c->rules[i])
            combine(&st, &sub, ov_status(c, i), ov_sub(c, i));
    c->info = "";
    enum ps_action act = c->sel->control->action;
    if (act == PS_ACT_REQUIRES_REVIEW && st == PS_ST_FAILED) {
        st = PS_ST_SKIPPED;
        sub = "requires review";
        c->info = SUB_REVIEW_INFO;
    }
    if (act == PS_ACT_MANUAL_REVIEW && st == PS_ST_FAILED) {
        st = PS_ST_SKIPPED;
        sub = "manual review";
        c->info = SUB_MANUAL_INFO;
    }
    if (act == PS_ACT_CONFIGURATION && missing_all_config(c) && strcmp(sub, "notEvaluated") != 0) {
        st = PS_ST_SKIPPED;
        sub = "configuration";
        c->info = SUB_CONFIG_INFO;
    }
    c->status = st;
    c->sub = sub;
}

static int collect(builder *B)
{
    ps_scan_ctx *S = B->S;
    for (size_t i = 0; i < S->nsel; i++) {
        ps_sel *sel = &S->sel[i];
        for (size_t e = 0; e < sel->nevals; e++) {
            ps_eval *ev = sel->evals[e];
            for (size_t k = 0; k < ev->nlist; k++) {
                ps_verdict *v = ev->list[k];
                if (v->status == PS_ST_NONE)
                    continue;
                rres *r = res_get(B, v->id);
                if (!r)
                    return KS_ENOMEM;
                rctl *c = r->n ? &r->ctls[r->n - 1] : NULL;
                if (!c || c->sel != sel) {
                    if (r->n == r->cap) {
                        size_t cap = r->cap ? r->cap * 2 : 8;
                        rctl *p = ks_arena_alloc(B->a, cap * sizeof *p);
                        if (!p)
                            return KS_ENOMEM;
                        if (r->n)
                            memcpy(p, r->ctls, r->n * sizeof *p);
                        r->ctls = p;
                        r->cap = cap;
                    }
                    c = &r->ctls[r->n++];
                    c->sel = sel;
                    c->rules = ks_arena_calloc(B->a, sel->nevals, sizeof *c->rules);
                    c->ov = NULL; /* made when an exception changes a rule */
                    if (!c->rules)
                        return KS_ENOMEM;
                }
                c->rules[e] = v;
            }
        }
    }
    for (size_t i = 0; i < B->n; i++)
        for (size_t k = 0; k < B->list[i]->n; k++)
            control_status(&B->list[i]->ctls[k]);
    return 0;
}

static int cmp_res(const void *x, const void *y)
{
    return strcmp((*(rres *const *)x)->id, (*(rres *const *)y)->id);
}

/* ---- summaries ---- */

typedef struct csum {
    int passed, failed, skipped, ignored;
    double weight_failed, weight_all;
} csum;

/* Legacy risk-score weight of a resource (spec §4.7). */
static double resource_weight(const ps_resources *rs, const char *id)
{
    size_t *idx = ks_map_get(&rs->by_id, id, strlen(id));
    if (!idx)
        return 1;
    const kv_value *o = &rs->items[*idx].obj;
    double w = 1;
    const kv_value *rep = ps_get(ps_get(o, "spec"), "replicas");
    if (rep && rep->kind == KV_NUMBER && kv_num_double(rep) > 1)
        w = kv_num_double(rep) * 1.1;
    if (ps_str_eq(ps_get(o, "kind"), "DaemonSet")) {
        const kv_value *d = ps_get(ps_get(o, "status"), "desiredNumberScheduled");
        if (d && d->kind == KV_NUMBER)
            w *= kv_num_double(d);
    }
    return w;
}

static void sum_control(builder *B, ps_sel *sel, csum *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < B->n; i++) {
        rres *r = B->list[i];
        for (size_t k = 0; k < r->n; k++) {
            rctl *c = &r->ctls[k];
            if (c->sel != sel)
                continue;
            double w = resource_weight(B->S->rs, r->id);
            s->weight_all += w;
            if (c->status == PS_ST_FAILED) {
                s->failed++;
                s->weight_failed += w;
            } else if (c->status == PS_ST_SKIPPED)
                s->skipped++;
            else {
                s->passed++;
                if (strcmp(c->sub, "w/exceptions") == 0)
                    s->ignored++;
            }
        }
    }
}

typedef struct cstat {
    int status;
    const char *sub, *info;
    float compliance, score;
    csum s;
    bool not_evaluated; /* by a collection failure it depends on */
} cstat;

/* Does the control depend on collection failure p (through an enabled rule)? */
static bool sel_needs(const ps_sel *sel, const ps_pull *p)
{
    for (size_t e = 0; e < sel->nevals; e++)
        if (ps_rule_needs(sel->evals[e]->rule, p))
            return true;
    return false;
}

/* The resource types (gvr) of the collection failures the control needs,
 * each once, in order; their number. out holds rs->npulls entries. */
static size_t missing_gvrs(const builder *B, const ps_sel *sel, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < B->S->rs->npulls; i++) /* sorted: a type's failures are adjacent */
        if (sel_needs(sel, B->pulls[i]) && !(n && strcmp(out[n - 1], B->pulls[i]->gvr) == 0))
            out[n++] = B->pulls[i]->gvr;
    return n;
}

/* "Not evaluated: ... could not be collected: GVR, GVR" for the collection
 * failures the control needs, in B's arena; NULL when none. */
static const char *missing_info(builder *B, const ps_sel *sel)
{
    const char **gvrs = ks_xcalloc(B->S->rs->npulls, sizeof *gvrs);
    size_t n = missing_gvrs(B, sel, gvrs);
    ks_buf b = KS_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        ks_buf_puts(&b, i ? ", " : "Not evaluated: resources it needs could not be collected: ");
        ks_buf_puts(&b, gvrs[i]);
    }
    const char *out = n && !b.err ? ks_arena_strndup(B->a, b.data, b.len) : NULL;
    ks_buf_free(&b);
    ks_xfree(gvrs);
    return out;
}

static void control_summary_status(builder *B, ps_sel *sel, cstat *cs)
{
    sum_control(B, sel, &cs->s);
    cs->info = "";
    cs->sub = "";
    if (cs->s.failed)
        cs->status = PS_ST_FAILED;
    else if (cs->s.skipped)
        cs->status = PS_ST_SKIPPED;
    else
        cs->status = PS_ST_PASSED;
    /* the sub-status of the resources when they agree */
    int st = PS_ST_NONE;
    const char *sub = "", *info = "";
    for (size_t i = 0; i < B->n; i++)
        for (size_t k = 0; k < B->list[i]->n; k++) {
            rctl *c = &B->list[i]->ctls[k];
            if (c->sel != sel)
                continue;
            combine(&st, &sub, c->status, c->sub);
            if (*c->info)
                info = c->info;
        }
    if (cs->status != PS_ST_FAILED) {
        cs->sub = sub;
        if (cs->status == PS_ST_SKIPPED && *sub)
            cs->info = info;
    }
    int all = cs->s.passed + cs->s.failed + cs->s.skipped;
    if (all == 0) {
        kv_value m = kv_null();
        if (sel->control->action == PS_ACT_MANUAL_REVIEW && sel->nevals == 0 && B->ex &&
            ps_exceptions_match_control(B->ex, sel->control->id, B->S->opts->cluster_name, B->a,
                                        &m) == 0 &&
            m.kind == KV_ARRAY && m.len) {
            cs->status = PS_ST_PASSED;
            cs->sub = "w/exceptions";
        } else if (sel->control->action == PS_ACT_MANUAL_REVIEW && sel->nevals == 0) {
            cs->status = PS_ST_SKIPPED;
            cs->sub = "manual review";
            cs->info = SUB_MANUAL_INFO;
        } else if (cs->status == PS_ST_PASSED) {
            cs->sub = "irrelevant";
        }
    }
    /* a control that could not see all it needs is never passed (nor
     * irrelevant); its failures stand */
    const char *miss = cs->status != PS_ST_FAILED && B->S->rs->npulls ? missing_info(B, sel) : NULL;
    if (miss) {
        cs->status = PS_ST_SKIPPED;
        cs->sub = "notEvaluated";
        cs->info = miss;
        cs->not_evaluated = true;
    }
    if (cs->status == PS_ST_PASSED)
        cs->compliance = 100;
    else
        cs->compliance = all ? (float)cs->s.passed * 100.0f / (float)all : 0;
    double bs = sel->control->base_score;
    double wcs = bs * cs->s.weight_all;
    cs->score = wcs > 0 ? (float)(bs * cs->s.weight_failed * 100.0 / wcs) : 0;
}

static void write_counters(ps_jw *w, const char *key, int passed, int failed, int skipped)
{
    ps_jw_key(w, key);
    ps_jw_obj(w);
    ps_jw_key(w, "passedResources");
    ps_jw_int(w, passed);
    ps_jw_key(w, "failedResources");
    ps_jw_int(w, failed);
    ps_jw_key(w, "skippedResources");
    ps_jw_int(w, skipped);
    ps_jw_key(w, "excludedResources");
    ps_jw_int(w, 0);
    ps_jw_end_obj(w);
}

static void write_status_info(ps_jw *w, const char *key, int st, const char *sub, const char *info)
{
    ps_jw_key(w, key);
    ps_jw_obj(w);
    if (st != PS_ST_NONE) {
        ps_jw_key(w, "status");
        ps_jw_str(w, ST_NAME[st]);
    }
    if (sub && *sub) {
        ps_jw_key(w, "subStatus");
        ps_jw_str(w, sub);
    }
    if (info && *info) {
        ps_jw_key(w, "info");
        ps_jw_str(w, info);
    }
    ps_jw_end_obj(w);
}

static void write_control_summary(ps_jw *w, ps_sel *sel, const kv_value *doc, const cstat *cs)
{
    const ps_control *c = sel->control;
    const char *name = ps_get_str(doc, "name");
    ps_jw_key(w, c->id);
    ps_jw_obj(w);
    write_status_info(w, "statusInfo", cs->status, cs->sub, cs->info);
    ps_jw_key(w, "controlID");
    ps_jw_str(w, c->id);
    ps_jw_key(w, "name");
    ps_jw_str(w, name ? name : c->name);
    ps_jw_key(w, "status");
    ps_jw_str(w, ST_NAME[cs->status]);
    ps_jw_key(w, "resourceIDs");
    ps_jw_obj(w);
    ps_jw_end_obj(w);
    write_counters(w, "ResourceCounters", cs->s.passed, cs->s.failed, cs->s.skipped);
    ps_jw_key(w, "subStatusCounters");
    ps_jw_obj(w);
    ps_jw_key(w, "ignoredResources");
    ps_jw_int(w, cs->s.ignored);
    ps_jw_end_obj(w);
    ps_jw_key(w, "score");
    ps_jw_f32(w, cs->score);
    ps_jw_key(w, "complianceScore");
    ps_jw_f32(w, cs->compliance);
    ps_jw_key(w, "scoreFactor");
    ps_jw_f32(w, (float)c->base_score);
    const kv_value *cat = ps_get(doc, "category");
    if (cat && cat->kind == KV_OBJECT) {
        ps_jw_key(w, "category");
        ps_jw_value(w, cat);
    }
    ps_jw_key(w, "severity");
    ps_jw_str(w, ps_severity_name(c->base_score));
    ps_jw_end_obj(w);
}

/* Resource counters over unique resources of a set of controls: failed if
 * failed in any, else skipped if skipped in any, else passed. */
static void unique_counters(builder *B, ps_sel *const *sels, size_t nsel, int *p, int *f, int *s)
{
    *p = *f = *s = 0;
    for (size_t i = 0; i < B->n; i++) {
        rres *r = B->list[i];
        int st = PS_ST_NONE;
        for (size_t k = 0; k < r->n; k++) {
            bool in = false;
            for (size_t q = 0; q < nsel && !in; q++)
                in = r->ctls[k].sel == sels[q];
            if (!in)
                continue;
            int cst = r->ctls[k].status;
            if (cst > st)
                st = cst;
        }
        if (st == PS_ST_FAILED)
            (*f)++;
        else if (st == PS_ST_SKIPPED)
            (*s)++;
        else if (st == PS_ST_PASSED)
            (*p)++;
    }
}

static ps_sel *find_sel(ps_scan_ctx *S, const ps_control *c)
{
    for (size_t i = 0; i < S->nsel; i++)
        if (S->sel[i].control == c)
            return &S->sel[i];
    return NULL;
}

/* ---- redaction (spec §4.8) ---- */

static int redact_containers(ks_arena *a, const kv_value *list, kv_value *out)
{
    kv_value *items = ks_arena_alloc(a, (list->len + 1) * sizeof *items);
    if (!items)
        return KS_ENOMEM;
    for (size_t i = 0; i < list->len; i++) {
        const kv_value *c = &list->u.items[i];
        items[i] = *c;
        if (c->kind != KV_OBJECT)
            continue;
        kv_member *m = ks_arena_alloc(a, (c->len + 1) * sizeof *m);
        if (!m)
            return KS_ENOMEM;
        size_t k = 0;
        for (size_t q = 0; q < c->len; q++) {
            const kv_member *cm = &c->u.members[q];
            if (ps_str_eq(&cm->key, "envFrom"))
                continue;
            m[k] = *cm;
            if (ps_str_eq(&cm->key, "env") && cm->val.kind == KV_ARRAY) {
                kv_value *envs = ks_arena_alloc(a, (cm->val.len + 1) * sizeof *envs);
                if (!envs)
                    return KS_ENOMEM;
                for (size_t z = 0; z < cm->val.len; z++) {
                    const kv_value *ev = &cm->val.u.items[z];
                    envs[z] = *ev;
                    if (ev->kind != KV_OBJECT)
                        continue;
                    kv_member *em = ks_arena_alloc(a, (ev->len + 1) * sizeof *em);
                    if (!em)
                        return KS_ENOMEM;
                    size_t ek = 0;
                    for (size_t y = 0; y < ev->len; y++) {
                        const kv_member *x = &ev->u.members[y];
                        if (ps_str_eq(&x->key, "valueFrom"))
                            continue;
                        em[ek] = *x;
                        if (ps_str_eq(&x->key, "value"))
                            em[ek].val = kv_str_ref("XXXXXX", 6);
                        ek++;
                    }
                    int rc = kv_object_new(a, em, ek, KV_DUP_LAST_WINS, &envs[z], NULL);
                    if (rc)
                        return rc;
                }
                int rc = kv_array_new(a, envs, cm->val.len, &m[k].val);
                if (rc)
                    return rc;
            }
            k++;
        }
        int rc = kv_object_new(a, m, k, KV_DUP_LAST_WINS, &items[i], NULL);
        if (rc)
            return rc;
    }
    return kv_array_new(a, items, list->len, out);
}

/* Redacts a pod spec's containers. */
static int redact_podspec(ks_arena *a, const kv_value *spec, kv_value *out)
{
    *out = *spec;
    if (spec->kind != KV_OBJECT)
        return 0;
    kv_member *m = ks_arena_alloc(a, (spec->len + 1) * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    for (size_t i = 0; i < spec->len; i++) {
        m[i] = spec->u.members[i];
        const kv_value *k = &m[i].key;
        if ((ps_str_eq(k, "containers") || ps_str_eq(k, "initContainers") ||
             ps_str_eq(k, "ephemeralContainers")) &&
            m[i].val.kind == KV_ARRAY) {
            int rc = redact_containers(a, &spec->u.members[i].val, &m[i].val);
            if (rc)
                return rc;
        }
    }
    return kv_object_new(a, m, spec->len, KV_DUP_LAST_WINS, out, NULL);
}

/* Replaces the value at obj.path[0].path[1]... by fn(value). */
static int edit_at(ks_arena *a, const kv_value *obj, const char *const *path, size_t n,
                   int (*fn)(ks_arena *, const kv_value *, kv_value *), kv_value *out)
{
    *out = *obj;
    if (obj->kind != KV_OBJECT)
        return 0;
    if (n == 0)
        return fn(a, obj, out);
    const kv_value *child = ps_get(obj, path[0]);
    if (!child)
        return 0;
    kv_value nc;
    int rc = edit_at(a, child, path + 1, n - 1, fn, &nc);
    if (rc)
        return rc;
    kv_member *m = ks_arena_alloc(a, obj->len * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    for (size_t i = 0; i < obj->len; i++) {
        m[i] = obj->u.members[i];
        if (ps_str_eq(&m[i].key, path[0]))
            m[i].val = nc;
    }
    return kv_object_new(a, m, obj->len, KV_DUP_LAST_WINS, out, NULL);
}

static int mask_values(ks_arena *a, const kv_value *obj, kv_value *out)
{
    *out = *obj;
    if (obj->kind != KV_OBJECT)
        return 0;
    kv_member *m = ks_arena_alloc(a, (obj->len + 1) * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    for (size_t i = 0; i < obj->len; i++) {
        m[i].key = obj->u.members[i].key;
        m[i].val = kv_str_ref("XXXXXX", 6);
    }
    return kv_object_new(a, m, obj->len, KV_DUP_LAST_WINS, out, NULL);
}

static int clean_metadata(ks_arena *a, const kv_value *md, kv_value *out)
{
    *out = *md;
    kv_member *m = ks_arena_alloc(a, (md->len + 1) * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < md->len; i++) {
        const kv_member *x = &md->u.members[i];
        if (ps_str_eq(&x->key, "managedFields"))
            continue;
        m[k] = *x;
        if (ps_str_eq(&x->key, "annotations") && x->val.kind == KV_OBJECT) {
            kv_member *am = ks_arena_alloc(a, (x->val.len + 1) * sizeof *am);
            if (!am)
                return KS_ENOMEM;
            size_t ak = 0;
            for (size_t q = 0; q < x->val.len; q++)
                if (!ps_str_eq(&x->val.u.members[q].key,
                               "kubectl.kubernetes.io/last-applied-configuration"))
                    am[ak++] = x->val.u.members[q];
            int rc = kv_object_new(a, am, ak, KV_DUP_LAST_WINS, &m[k].val, NULL);
            if (rc)
                return rc;
        }
        k++;
    }
    return kv_object_new(a, m, k, KV_DUP_LAST_WINS, out, NULL);
}

static int drop_key(ks_arena *a, const kv_value *obj, const char *key, kv_value *out)
{
    *out = *obj;
    if (obj->kind != KV_OBJECT || !ps_get(obj, key))
        return 0;
    kv_member *m = ks_arena_alloc(a, obj->len * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < obj->len; i++)
        if (!ps_str_eq(&obj->u.members[i].key, key))
            m[k++] = obj->u.members[i];
    return kv_object_new(a, m, k, KV_DUP_LAST_WINS, out, NULL);
}

int ps_redact(ks_arena *a, const kv_value *obj, kv_value *out)
{
    kv_value o = *obj;
    int rc = 0;
    static const char *const md[] = {"metadata"};
    if (ps_get(&o, "metadata") && ps_get(&o, "metadata")->kind == KV_OBJECT)
        rc = edit_at(a, &o, md, 1, clean_metadata, &o);
    const char *kind = ps_get_str(&o, "kind");
    if (!rc && kind && strcmp(kind, "Secret") == 0) {
        static const char *const d[] = {"data"}, *const sd[] = {"stringData"};
        rc = edit_at(a, &o, d, 1, mask_values, &o);
        if (!rc)
            rc = edit_at(a, &o, sd, 1, mask_values, &o);
    } else if (!rc && kind && strcmp(kind, "ConfigMap") == 0) {
        static const char *const d[] = {"data"}, *const bd[] = {"binaryData"};
        rc = edit_at(a, &o, d, 1, mask_values, &o);
        if (!rc)
            rc = edit_at(a, &o, bd, 1, mask_values, &o);
    } else if (!rc && kind) {
        static const char *const pod[] = {"spec"};
        static const char *const tmpl[] = {"spec", "template", "spec"};
        static const char *const cron[] = {"spec", "jobTemplate", "spec", "template", "spec"};
        bool workload = true;
        if (strcmp(kind, "Pod") == 0)
            rc = edit_at(a, &o, pod, 1, redact_podspec, &o);
        else if (strcmp(kind, "CronJob") == 0)
            rc = edit_at(a, &o, cron, 5, redact_podspec, &o);
        else if (strcmp(kind, "Deployment") == 0 || strcmp(kind, "ReplicaSet") == 0 ||
                 strcmp(kind, "DaemonSet") == 0 || strcmp(kind, "StatefulSet") == 0 ||
                 strcmp(kind, "Job") == 0 || strcmp(kind, "ReplicationController") == 0 ||
                 strcmp(kind, "PodTemplate") == 0)
            rc = edit_at(a, &o, tmpl, 3, redact_podspec, &o);
        else
            workload = false;
        if (!rc && workload)
            rc = drop_key(a, &o, "status", &o);
    }
    *out = o;
    return rc;
}

/* ---- the report ---- */

static void uuid4(char out[37], const char *given)
{
    if (given) {
        snprintf(out, 37, "%s", given);
        return;
    }
    unsigned char b[16] = {0};
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (size_t i = 0; i < 16; i++)
            b[i] = (unsigned char)((uint64_t)ts.tv_nsec >> (i % 8 * 8)) ^ (unsigned char)(i * 37);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

static void write_rule(ps_jw *w, const ps_eval *ev, const ps_verdict *v, const rover *ov)
{
    ps_jw_obj(w);
    if (ev->config.kind == KV_OBJECT && ev->config.len) {
        ps_jw_key(w, "controlConfigurations");
        ps_jw_value(w, &ev->config);
    }
    ps_jw_key(w, "name");
    ps_jw_str(w, ev->rule->name);
    ps_jw_key(w, "status");
    ps_jw_str(w, ST_NAME[ov->status]);
    ps_jw_key(w, "subStatus");
    ps_jw_str(w, ov->sub);
    if (v->paths.kind == KV_ARRAY && v->paths.len) {
        ps_jw_key(w, "paths");
        ps_jw_value(w, &v->paths);
    }
    if (ov->exc.kind == KV_ARRAY && ov->exc.len) {
        ps_jw_key(w, "exception");
        ps_jw_value(w, &ov->exc);
    }
    if (v->related.kind == KV_ARRAY && v->related.len) {
        ps_jw_key(w, "relatedResourcesIDs");
        ps_jw_value(w, &v->related);
    }
    ps_jw_end_obj(w);
}

static void write_source(ps_jw *w, const ps_resource *r)
{
    if (!r->source)
        return;
    ps_jw_key(w, "source");
    ps_jw_obj(w);
    /* path: the root the relative path starts from (upstream: the
     * repository or scanned directory) */
    const char *rel = r->rel_source ? r->rel_source : r->source;
    size_t sl = strlen(r->source), rl = strlen(rel);
    ps_jw_key(w, "path");
    if (rl < sl && strcmp(r->source + sl - rl, rel) == 0 && r->source[sl - rl - 1] == '/')
        ps_jw_strn(w, r->source, sl - rl - 1);
    else
        ps_jw_str(w, r->source);
    ps_jw_key(w, "relativePath");
    ps_jw_str(w, r->rel_source ? r->rel_source : r->source);
    size_t n = strlen(r->source);
    ps_jw_key(w, "fileType");
    ps_jw_str(w, n > 5 && strcmp(r->source + n - 5, ".json") == 0 ? "JSON" : "YAML");
    ps_jw_end_obj(w);
}

static const ps_resource *lookup_resource(const ps_resources *rs, const char *id)
{
    size_t *idx = ks_map_get(&rs->by_id, id, strlen(id));
    return idx ? &rs->items[*idx] : NULL;
}

/* Objects the rules produced (vectors) that are not in the resource set,
 * indexed by ID on first use. */
static const kv_value *lookup_added(builder *B, const char *id)
{
    ps_scan_ctx *S = B->S;
    if (!B->added_ready) {
        B->added_ready = true;
        for (size_t i = 0; i < S->nevals; i++) {
            const kv_value *ad = &S->evals[i].added;
            for (size_t k = 0; ad->kind == KV_ARRAY && k < ad->len; k++) {
                const char *oid;
                enum ps_res_type t;
                if (ps_object_id(B->a, &ad->u.items[k], &oid, &t) == 0 &&
                    !ks_map_get(&B->added, oid, strlen(oid)))
                    ks_map_put(&B->added, oid, strlen(oid), (void *)&ad->u.items[k]);
            }
        }
    }
    return ks_map_get(&B->added, id, strlen(id));
}

static int make_ov(builder *B, rctl *c)
{
    c->ov = ks_arena_calloc(B->a, c->sel->nevals, sizeof *c->ov);
    if (!c->ov)
        return KS_ENOMEM;
    for (size_t i = 0; i < c->sel->nevals; i++) {
        c->ov[i].exc = kv_null();
        if (c->rules[i]) {
            c->ov[i].status = c->rules[i]->status;
            c->ov[i].sub = c->rules[i]->substatus ? c->rules[i]->substatus : "";
        }
    }
    return 0;
}

/* Exceptions (spec §4.5): a failed rule of a control that did not pass
 * becomes passed / w/exceptions when policies exempt it; the control's
 * status is then recomputed. */
static int apply_exceptions(builder *B)
{
    ps_scan_ctx *S = B->S;
    for (size_t i = 0; i < B->n; i++) {
        rres *r = B->list[i];
        const ps_resource *res = lookup_resource(S->rs, r->id);
        const kv_value *obj = res ? &res->obj : lookup_added(B, r->id);
        if (!obj)
            continue;
        for (size_t k = 0; k < r->n; k++) {
            rctl *c = &r->ctls[k];
            if (c->status == PS_ST_PASSED)
                continue;
            bool changed = false;
            for (size_t e = 0; e < c->sel->nevals; e++) {
                if (!c->rules[e] || ov_status(c, e) != PS_ST_FAILED)
                    continue;
                ps_exc_target t = {.control_id = c->sel->control->id,
                                   .rule_name = c->sel->evals[e]->rule->name,
                                   .resource_id = r->id,
                                   .object = obj,
                                   .cluster = S->opts->cluster_name};
                const size_t *idx;
                size_t n;
                int rc = ps_exceptions_match_index(B->ex, &t, B->a, &idx, &n);
                if (rc)
                    return rc;
                if (!n)
                    continue;
                kv_value *pols = ks_arena_alloc(B->a, n * sizeof *pols);
                if (!pols)
                    return KS_ENOMEM;
                for (size_t q = 0; q < n; q++)
                    pols[q] = *ps_exceptions_policy(B->ex, idx[q]);
                if (!c->ov && (rc = make_ov(B, c)))
                    return rc;
                if ((rc = kv_array_new(B->a, pols, n, &c->ov[e].exc)))
                    return rc;
                c->ov[e].status = PS_ST_PASSED;
                c->ov[e].sub = "w/exceptions";
                changed = true;
            }
            if (changed)
                control_status(c);
        }
    }
    return 0;
}

/* scanCoverage (what a live scan could not collect and what that left
 * unevaluated), in upstream's shape; only when something was missed. */
static int write_coverage(ps_jw *w, builder *B, const cstat *cs)
{
    const ps_resources *rs = B->S->rs;
    const ps_scan_ctx *S = B->S;
    if (!rs->npulls)
        return 0;
    const ps_pull **p = B->pulls;
    const char **gvrs = calloc(rs->npulls, sizeof *gvrs);
    if (!gvrs)
        return KS_ENOMEM;
    size_t nfailed = 0, npartial = 0, silent = 0, noteval = 0;
    for (size_t i = 0; i < rs->npulls; i++) {
        if (*p[i]->selector) {
            npartial++;
            continue;
        }
        nfailed++;
        bool quiet = false;
        for (size_t k = 0; k < S->nsel && !quiet; k++)
            quiet = !cs[k].not_evaluated && sel_needs(&S->sel[k], p[i]);
        silent += quiet;
    }
    for (size_t k = 0; k < S->nsel; k++)
        noteval += cs[k].not_evaluated;
    ps_jw_key(w, "scanCoverage");
    ps_jw_obj(w);
    for (int part = 0; part < 2; part++) {
        if (!(part ? npartial : nfailed))
            continue;
        ps_jw_key(w, part ? "partialGVRPulls" : "failedGVRPulls");
        ps_jw_arr(w);
        for (size_t i = 0; i < rs->npulls; i++) {
            if ((*p[i]->selector != 0) != part)
                continue;
            ps_jw_obj(w);
            ps_jw_key(w, "gvr");
            ps_jw_str(w, p[i]->gvr);
            if (part) {
                ps_jw_key(w, "selector");
                ps_jw_str(w, p[i]->selector);
            }
            ps_jw_key(w, "error");
            ps_jw_str(w, p[i]->error);
            ps_jw_end_obj(w);
        }
        ps_jw_end_arr(w);
    }
    if (noteval) {
        ps_jw_key(w, "notEvaluatedControls");
        ps_jw_arr(w);
        for (size_t k = 0; k < S->nsel; k++) {
            if (!cs[k].not_evaluated)
                continue;
            ps_jw_obj(w);
            ps_jw_key(w, "controlID");
            ps_jw_str(w, S->sel[k].control->id);
            ps_jw_key(w, "missingGVRs");
            ps_jw_arr(w);
            size_t n = missing_gvrs(B, &S->sel[k], gvrs);
            for (size_t i = 0; i < n; i++)
                ps_jw_str(w, gvrs[i]);
            ps_jw_end_arr(w);
            ps_jw_end_obj(w);
        }
        ps_jw_end_arr(w);
    }
    size_t total = S->nsel, evaluated = total - noteval;
    float score = total ? (float)evaluated / (float)total * 100.0f : 0.0f;
    score -= 3.0f * (float)silent + 2.0f * (float)npartial;
    score = score < 0 ? 0 : score > 100 ? 100 : score;
    ps_jw_key(w, "coverageScore");
    ps_jw_f32(w, score);
    ps_jw_key(w, "evaluatedControls");
    ps_jw_int(w, (long long)evaluated);
    ps_jw_key(w, "totalControls");
    ps_jw_int(w, (long long)total);
    ps_jw_key(w, "degraded");
    ps_jw_bool(w, true);
    if (silent) {
        ps_jw_key(w, "silentFailedGVRCount");
        ps_jw_int(w, (long long)silent);
    }
    ps_jw_end_obj(w);
    free(gvrs);
    return 0;
}

/* Writes the report: with full, results[] and resources[] too; with fd >= 0
 * the text goes to fd as it is built and *out is left alone, otherwise it
 * is parsed into *out. */
static int build_report(builder *B, ks_arena *a, bool full, int fd, kv_value *out, ks_error *err)
{
    ps_scan_ctx *S = B->S;
    const ps_scan_opts *o = S->opts;
    ks_buf buf = KS_BUF_INIT;
    ps_jw w;
    ps_jw_init(&w, &buf);
    w.fd = fd;
    cstat *cs = calloc(S->nsel ? S->nsel : 1, sizeof *cs);
    if (!cs)
        return KS_ENOMEM;
    for (size_t i = 0; i < S->nsel; i++)
        control_summary_status(B, &S->sel[i], &cs[i]);

    ps_jw_obj(&w);
    char ts[64];
    int64_t now = o->now_ns ? o->now_ns : ks_time_now();
    time_t secs = (time_t)(now / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ps_jw_key(&w, "generationTime");
    ps_jw_str(&w, ts);
    ps_jw_key(&w, "clusterAPIServerInfo");
    ps_jw_value(&w, &S->rs->api_info);
    ps_jw_key(&w, "clusterCloudProvider");
    ps_jw_str(&w, o->cloud_provider ? o->cloud_provider : "");
    ps_jw_key(&w, "customerGUID");
    ps_jw_str(&w, "");
    ps_jw_key(&w, "clusterName");
    ps_jw_str(&w, o->cluster_name ? o->cluster_name : "");
    char guid[37];
    uuid4(guid, o->report_guid);
    ps_jw_key(&w, "reportGUID");
    ps_jw_str(&w, guid);
    ps_jw_key(&w, "jobID");
    ps_jw_str(&w, "");

    /* summaryDetails */
    ps_jw_key(&w, "summaryDetails");
    ps_jw_obj(&w);
    ps_jw_key(&w, "controls");
    ps_jw_obj(&w);
    int sev_ctl[4] = {0}, sev_res[4] = {0};
    double score_num = 0, score_den = 0, comp_sum = 0;
    for (size_t i = 0; i < S->nsel; i++) {
        write_control_summary(&w, &S->sel[i], &S->sel[i].control->doc, &cs[i]);
        double bs = S->sel[i].control->base_score;
        int sv = bs >= 9 ? 0 : bs >= 7 ? 1 : bs >= 4 ? 2 : bs >= 1 ? 3 : -1;
        if (cs[i].status == PS_ST_FAILED && sv >= 0) {
            sev_ctl[sv]++;
            sev_res[sv] += cs[i].s.failed;
        }
        score_num += bs * cs[i].s.weight_failed;
        score_den += bs * cs[i].s.weight_all;
        comp_sum += cs[i].compliance;
    }
    ps_jw_end_obj(&w);
    int ap, af, as;
    ps_sel **all = calloc(S->nsel ? S->nsel : 1, sizeof *all);
    if (!all) {
        free(cs);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < S->nsel; i++)
        all[i] = &S->sel[i];
    unique_counters(B, all, S->nsel, &ap, &af, &as);
    ps_jw_key(&w, "status");
    ps_jw_str(&w, af ? "failed" : as ? "skipped" : "passed");
    ps_jw_key(&w, "frameworks");
    ps_jw_arr(&w);
    for (size_t f = 0; f < S->nfws; f++) {
        ps_framework *fw = S->fws[f];
        ps_sel **fs = calloc(fw->ncontrols ? fw->ncontrols : 1, sizeof *fs);
        size_t nf = 0;
        double fnum = 0, fden = 0, fcomp = 0;
        bool any_failed = false, any_skipped = false, all_irrelevant = true;
        ps_jw_obj(&w);
        ps_jw_key(&w, "controls");
        ps_jw_obj(&w);
        for (size_t k = 0; fs && k < fw->ncontrols; k++) {
            ps_sel *sel = find_sel(S, fw->controls[k].control);
            if (!sel)
                continue;
            size_t idx = (size_t)(sel - S->sel);
            write_control_summary(&w, sel, &fw->controls[k].doc, &cs[idx]);
            fs[nf++] = sel;
            double bs = sel->control->base_score;
            fnum += bs * cs[idx].s.weight_failed;
            fden += bs * cs[idx].s.weight_all;
            fcomp += cs[idx].compliance;
            any_failed |= cs[idx].status == PS_ST_FAILED;
            any_skipped |= cs[idx].status == PS_ST_SKIPPED;
            all_irrelevant &=
                    cs[idx].status == PS_ST_PASSED && strcmp(cs[idx].sub, "irrelevant") == 0;
        }
        ps_jw_end_obj(&w);
        ps_jw_key(&w, "name");
        ps_jw_str(&w, fw->name);
        ps_jw_key(&w, "status");
        ps_jw_str(&w, any_failed ? "failed" : any_skipped ? "skipped" : "passed");
        ps_jw_key(&w, "version");
        ps_jw_str(&w, ps_get_str(&fw->doc, "version") ? ps_get_str(&fw->doc, "version") : "");
        int fp, ff, fsk;
        unique_counters(B, fs, nf, &fp, &ff, &fsk);
        write_counters(&w, "ResourceCounters", fp, ff, fsk);
        ps_jw_key(&w, "score");
        ps_jw_f32(&w, fden > 0 ? (float)(fnum * 100.0 / fden) : (all_irrelevant ? 100.0f : 0.0f));
        ps_jw_key(&w, "complianceScore");
        ps_jw_f32(&w, nf ? (float)(fcomp / (double)nf) : 0.0f);
        ps_jw_end_obj(&w);
        free(fs);
    }
    ps_jw_end_arr(&w);
    static const char *const sevkeys[] = {"criticalSeverity", "highSeverity", "mediumSeverity",
                                          "lowSeverity"};
    ps_jw_key(&w, "resourcesSeverityCounters");
    ps_jw_obj(&w);
    for (int i = 0; i < 4; i++) {
        ps_jw_key(&w, sevkeys[i]);
        ps_jw_int(&w, sev_res[i]);
    }
    ps_jw_end_obj(&w);
    ps_jw_key(&w, "controlsSeverityCounters");
    ps_jw_obj(&w);
    for (int i = 0; i < 4; i++) {
        ps_jw_key(&w, sevkeys[i]);
        ps_jw_int(&w, sev_ctl[i]);
    }
    ps_jw_end_obj(&w);
    write_counters(&w, "ResourceCounters", ap, af, as);
    ps_jw_key(&w, "score");
    ps_jw_f32(&w, score_den > 0 ? (float)(score_num * 100.0 / score_den) : 0.0f);
    ps_jw_key(&w, "complianceScore");
    ps_jw_f32(&w, S->nsel ? (float)(comp_sum / (double)S->nsel) : 0.0f);
    ps_jw_end_obj(&w);
    free(all);

    /* resources and results, sorted by resource ID */
    if (B->n)
        qsort(B->list, B->n, sizeof *B->list, cmp_res);
    if (full && o->keep_resources) {
        ps_jw_key(&w, "resources");
        ps_jw_arr(&w);
        for (size_t i = 0; i < B->n; i++) {
            ps_jw_flush(&w, false);
            const ps_resource *r = lookup_resource(S->rs, B->list[i]->id);
            const kv_value *obj = r ? &r->obj : lookup_added(B, B->list[i]->id);
            if (!obj)
                continue;
            kv_value red;
            if (ps_redact(a, obj, &red))
                red = *obj;
            ps_jw_obj(&w);
            ps_jw_key(&w, "resourceID");
            ps_jw_str(&w, B->list[i]->id);
            ps_jw_key(&w, "object");
            ps_jw_value(&w, &red);
            if (r)
                write_source(&w, r);
            ps_jw_end_obj(&w);
        }
        ps_jw_end_arr(&w);
    }
    if (full)
        ps_jw_key(&w, "results");
    if (full)
        ps_jw_arr(&w);
    for (size_t i = 0; full && i < B->n; i++) {
        rres *r = B->list[i];
        ps_jw_flush(&w, false);
        ps_jw_obj(&w);
        ps_jw_key(&w, "resourceID");
        ps_jw_str(&w, r->id);
        ps_jw_key(&w, "controls");
        ps_jw_arr(&w);
        for (size_t k = 0; k < r->n; k++) {
            rctl *c = &r->ctls[k];
            ps_jw_obj(&w);
            ps_jw_key(&w, "controlID");
            ps_jw_str(&w, c->sel->control->id);
            ps_jw_key(&w, "name");
            ps_jw_str(&w, c->sel->control->name);
            write_status_info(&w, "status", c->status, c->sub, c->info);
            ps_jw_key(&w, "rules");
            ps_jw_arr(&w);
            for (size_t e = 0; e < c->sel->nevals; e++)
                if (c->rules[e]) {
                    rover one = {ov_status(c, e), ov_sub(c, e), c->ov ? c->ov[e].exc : kv_null()};
                    write_rule(&w, c->sel->evals[e], c->rules[e], &one);
                }
            ps_jw_end_arr(&w);
            ps_jw_end_obj(&w);
        }
        ps_jw_end_arr(&w);
        ps_jw_end_obj(&w);
    }
    if (full)
        ps_jw_end_arr(&w);
    ps_jw_key(&w, "attributes");
    ps_jw_arr(&w);
    ps_jw_end_arr(&w);
    ps_jw_key(&w, "metadata");
    ps_jw_obj(&w);
    ps_jw_key(&w, "scanMetadata");
    ps_jw_obj(&w);
    ps_jw_key(&w, "formatVersion");
    ps_jw_str(&w, "v2");
    ps_jw_key(&w, "targetType");
    ps_jw_str(&w, o->ncontrols ? "Control" : "Framework");
    ps_jw_key(&w, "targetNames");
    ps_jw_arr(&w);
    if (o->ncontrols)
        for (size_t i = 0; i < o->ncontrols; i++)
            ps_jw_str(&w, o->controls[i]);
    else
        for (size_t i = 0; i < S->nfws; i++)
            ps_jw_str(&w, S->fws[i]->name);
    ps_jw_end_arr(&w);
    ps_jw_key(&w, "kubescapeVersion");
    ps_jw_str(&w, S->version);
    ps_jw_key(&w, "controlsInputs");
    ps_jw_str(&w, "");
    ps_jw_end_obj(&w);
    ps_jw_end_obj(&w);
    if (write_coverage(&w, B, cs)) {
        free(cs);
        ks_buf_free(&buf);
        return KS_ENOMEM;
    }
    if (S->rs->nskipped) {
        ps_jw_key(&w, "skippedManifests");
        ps_jw_arr(&w);
        for (size_t i = 0; i < S->rs->nskipped; i++) {
            ps_jw_obj(&w);
            ps_jw_key(&w, "path");
            ps_jw_str(&w, S->rs->skipped[i].path);
            ps_jw_key(&w, "reason");
            ps_jw_str(&w, S->rs->skipped[i].reason);
            ps_jw_end_obj(&w);
        }
        ps_jw_end_arr(&w);
    }
    ps_jw_end_obj(&w);
    free(cs);
    int rc;
    if (fd >= 0) {
        ks_buf_putc(&buf, '\n');
        rc = buf.err;
        ps_jw_flush(&w, true);
        if (!rc && w.werr)
            rc = ks_error_set(err, w.werr, "writing the report failed");
    } else {
        rc = ps_jw_finish(&w, a, out, err);
    }
    ks_buf_free(&buf);
    return rc;
}

/* Collection failures in report order: by gvr, selector and error. */
static int cmp_pull(const void *x, const void *y)
{
    const ps_pull *a = *(const ps_pull *const *)x, *b = *(const ps_pull *const *)y;
    int c = strcmp(a->gvr, b->gvr);
    if (!c)
        c = strcmp(a->selector, b->selector);
    return c ? c : strcmp(a->error, b->error);
}

int ps_scan(const ps_library *lib, const ps_resources *rs, const ps_scan_opts *opts, ks_arena *a,
            kv_value *report, ks_error *err)
{
    ps_scan_ctx S;
    builder B = {.S = &S, .a = a};
    int64_t now = opts->now_ns ? opts->now_ns : ks_time_now();
    /* exceptions: the user's, the library's system exceptions, inline ones */
    int rc = ps_exceptions_new(opts->exceptions, now, &B.ex, err);
    if (!rc && !opts->no_system_exceptions && lib->exceptions.kind == KV_ARRAY &&
        lib->exceptions.len)
        rc = ps_exceptions_add(B.ex, &lib->exceptions, "the library's exceptions", now, err);
    for (size_t i = 0; !rc && opts->inline_exceptions && i < rs->n; i++)
        rc = ps_exceptions_add_inline(B.ex, &rs->items[i].obj, rs->items[i].id, now, err);
    for (size_t i = 0; !rc && i < ps_exceptions_warning_count(B.ex); i++)
        ks_log_warn("scan", ps_exceptions_warning(B.ex, i));
    if (rc) {
        ps_exceptions_free(B.ex);
        return rc;
    }
    rc = ps_scan_prepare(&S, lib, rs, opts, err);
    ks_map_init(&B.by_id);
    ks_map_init(&B.added);
    if (!rc && rs->npulls) {
        B.pulls = calloc(rs->npulls, sizeof *B.pulls);
        if (!B.pulls)
            rc = KS_ENOMEM;
        for (size_t i = 0; B.pulls && i < rs->npulls; i++)
            B.pulls[i] = &rs->pulls[i];
        if (B.pulls)
            qsort(B.pulls, rs->npulls, sizeof *B.pulls, cmp_pull);
    }
    if (!rc)
        rc = collect(&B);
    if (!rc)
        rc = apply_exceptions(&B);
    if (!rc && opts->stream_fd >= 0)
        rc = build_report(&B, a, true, opts->stream_fd, NULL, err);
    if (!rc)
        rc = build_report(&B, a, !opts->summary_only && opts->stream_fd < 0, -1, report, err);
    ps_exceptions_free(B.ex);
    ks_map_free(&B.by_id);
    ks_map_free(&B.added);
    free(B.list);
    free(B.pulls);
    ps_scan_ctx_free(&S);
    if (rc && !err->msg[0])
        ks_error_set(err, rc, "scan: %s", ks_strerror(rc));
    return rc;
}

/* ---- thresholds ---- */

int ps_report_failed_at_severity(const kv_value *report, const char *severity)
{
    double min;
    if (ps_strieq(severity, "low"))
        min = 1;
    else if (ps_strieq(severity, "medium"))
        min = 4;
    else if (ps_strieq(severity, "high"))
        min = 7;
    else if (ps_strieq(severity, "critical"))
        min = 9;
    else
        return -1;
    const kv_value *ctls = ps_get(ps_get(report, "summaryDetails"), "controls");
    int n = 0;
    for (size_t i = 0; ctls && ctls->kind == KV_OBJECT && i < ctls->len; i++) {
        const kv_value *c = &ctls->u.members[i].val;
        if (!ps_str_eq(ps_get(c, "status"), "failed"))
            continue;
        const kv_value *sf = ps_get(c, "scoreFactor");
        double s = sf && sf->kind == KV_NUMBER ? kv_num_double(sf) : 0;
        if (s >= min || s < 1) /* unknown severity counts as over any threshold */
            n++;
    }
    return n;
}

double ps_report_compliance(const kv_value *report)
{
    const kv_value *v = ps_get(ps_get(report, "summaryDetails"), "complianceScore");
    return v && v->kind == KV_NUMBER ? kv_num_double(v) : 0;
}

double ps_report_coverage(const kv_value *report, size_t *not_evaluated)
{
    const kv_value *cov = ps_get(report, "scanCoverage");
    const kv_value *ne = ps_get(cov, "notEvaluatedControls");
    *not_evaluated = ne && ne->kind == KV_ARRAY ? ne->len : 0;
    const kv_value *v = ps_get(cov, "coverageScore");
    if (v && v->kind == KV_NUMBER)
        return kv_num_double(v);
    const kv_value *ctl = ps_get(ps_get(report, "summaryDetails"), "controls");
    return ctl && ctl->kind == KV_OBJECT && ctl->len ? 100 : 0;
}
