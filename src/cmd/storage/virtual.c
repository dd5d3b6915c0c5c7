/*
 * The computed ("virtual") kinds of the storage group (spec storage.md
 * §3.3, §3.6, §5.5): VulnerabilitySummary and ConfigurationScanSummary, one
 * object per namespace, summing the namespace's VulnerabilityManifestSummaries
 * or WorkloadConfigurationScanSummaries.
 *
 * Upstream computes LIST items from metadata-only objects, so every counter
 * of a listed summary is 0 unless the client asks for resourceVersion=
 * fullSpec (users report it as a bug). Here LIST and GET always sum the real
 * counters; see docs/compat.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/storage/storage.h"
#include "core/time.h"

static const char *const vuln_sev[] = {"critical", "high",       "medium",
                                       "low",      "negligible", "unknown"};
static const char *const conf_sev[] = {"critical", "high", "medium", "low", "unknown"};

typedef struct sums {
    bool vuln;
    int64_t all[6], relevant[6];
    bool has_relevant[6];
    kv_value *refs;
    size_t nrefs, cap;
    ks_arena *a;
    size_t count;
} sums;

static const kv_value *member(const kv_value *o, const char *k)
{
    return o && o->kind == KV_OBJECT ? kv_obj_get(o, k, strlen(k)) : NULL;
}

static int64_t int_of(const kv_value *v)
{
    int64_t x = 0;
    if (v && v->kind == KV_NUMBER && !kv_num_int64(v, &x))
        x = (int64_t)kv_num_double(v);
    return x;
}

static int add_ref(sums *s, const char *ns, const char *name)
{
    if (s->nrefs == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        kv_value *nv = ks_arena_alloc(s->a, cap * sizeof *nv);
        if (!nv)
            return KS_ELIMIT;
        if (s->nrefs)
            memcpy(nv, s->refs, s->nrefs * sizeof *nv);
        s->refs = nv;
        s->cap = cap;
    }
    const char *kind =
            s->vuln ? "vulnerabilitymanifestsummary" : "WorkloadConfigurationScanSummary";
    kv_member m[3];
    m[0].key = kv_str_ref("kind", 4);
    m[0].val = kv_str_ref(kind, strlen(kind));
    m[1].key = kv_str_ref("name", 4);
    m[2].key = kv_str_ref("namespace", 9);
    if (kv_str_copy(s->a, name, strlen(name), &m[1].val) < 0 ||
        kv_str_copy(s->a, ns, strlen(ns), &m[2].val) < 0)
        return KS_ELIMIT;
    return kv_object_new(s->a, m, 3, KV_DUP_LAST_WINS, &s->refs[s->nrefs++], NULL);
}

static int sum_item(void *ctx, const kstore_item *it)
{
    sums *s = ctx;
    kv_value obj;
    ks_error err = {0};
    kv_json_opts jo = {.source = "stored summary"};
    int rc = kv_json_parse(s->a, it->json, it->len, &jo, &obj, &err);
    if (rc < 0)
        return rc;
    const kv_value *sev = member(member(&obj, "spec"), "severities");
    size_t n = s->vuln ? 6 : 5;
    for (size_t i = 0; i < n; i++) {
        const kv_value *c = member(sev, s->vuln ? vuln_sev[i] : conf_sev[i]);
        if (s->vuln) {
            s->all[i] += int_of(member(c, "all"));
            const kv_value *r = member(c, "relevant");
            if (r) {
                s->relevant[i] += int_of(r);
                s->has_relevant[i] = true;
            }
        } else {
            s->all[i] += int_of(c);
        }
    }
    s->count++;
    return add_ref(s, it->ns, it->name);
}

static int build(sums *s, const char *ns, kv_value *out)
{
    ks_arena *a = s->a;
    size_t n = s->vuln ? 6 : 5;
    kv_member sev[6];
    for (size_t i = 0; i < n; i++) {
        const char *k = s->vuln ? vuln_sev[i] : conf_sev[i];
        sev[i].key = kv_str_ref(k, strlen(k));
        if (s->vuln) {
            kv_member c[2] = {{kv_str_ref("all", 3), kv_int(s->all[i])},
                              {kv_str_ref("relevant", 8), kv_int(s->relevant[i])}};
            /* relevant is omitempty upstream: left out when 0 */
            size_t nc = s->relevant[i] ? 2 : 1;
            if (kv_object_new(a, c, nc, KV_DUP_LAST_WINS, &sev[i].val, NULL) < 0)
                return KS_ELIMIT;
        } else {
            sev[i].val = kv_int(s->all[i]);
        }
    }
    kv_value sevv, refs, spec, meta, nsv, ts;
    if (kv_object_new(a, sev, n, KV_DUP_LAST_WINS, &sevv, NULL) < 0 ||
        kv_array_new(a, s->refs, s->nrefs, &refs) < 0 || kv_str_copy(a, ns, strlen(ns), &nsv) < 0)
        return KS_ELIMIT;
    kv_member sp[2] = {
            {kv_str_ref("severities", 10), sevv},
            {s->vuln ? kv_str_ref("vulnerabilitiesRef", 18) : kv_str_ref("summaryRef", 10), refs}};
    if (kv_object_new(a, sp, 2, KV_DUP_LAST_WINS, &spec, NULL) < 0)
        return KS_ELIMIT;
    char tbuf[KS_TIME_BUFSZ];
    size_t tn = ks_time_format(ks_time_now(), 0, tbuf);
    if (kv_str_copy(a, tbuf, tn, &ts) < 0)
        return KS_ELIMIT;
    /* upstream: VulnerabilitySummary has creationTimestamp now,
     * ConfigurationScanSummary none (Go's null) */
    kv_member md[2] = {{kv_str_ref("creationTimestamp", 17), s->vuln ? ts : kv_null()},
                       {kv_str_ref("name", 4), nsv}};
    if (kv_object_new(a, md, 2, KV_DUP_LAST_WINS, &meta, NULL) < 0)
        return KS_ELIMIT;
    const char *kind = s->vuln ? "VulnerabilitySummary" : "ConfigurationScanSummary";
    kv_value status;
    if (kv_object_new(a, NULL, 0, KV_DUP_LAST_WINS, &status, NULL) < 0)
        return KS_ELIMIT;
    kv_member o[5] = {
            {kv_str_ref("apiVersion", 10),
             kv_str_ref(SPDX_GROUP "/" SPDX_VERSION, strlen(SPDX_GROUP "/" SPDX_VERSION))},
            {kv_str_ref("kind", 4), kv_str_ref(kind, strlen(kind))},
            {kv_str_ref("metadata", 8), meta},
            {kv_str_ref("spec", 4), spec},
            {kv_str_ref("status", 6), status}};
    return kv_object_new(a, o, s->vuln ? 5 : 4, KV_DUP_LAST_WINS, out, NULL);
}

static const char *source_of(const kube_resource *r, bool *vuln)
{
    *vuln = strcmp(r->kind, "VulnerabilitySummary") == 0;
    if (*vuln)
        return "vulnerabilitymanifestsummaries";
    if (strcmp(r->kind, "ConfigurationScanSummary") == 0)
        return "workloadconfigurationscansummaries";
    return NULL;
}

bool spdx_is_virtual(void *ctx, const kube_resource *r)
{
    (void)ctx;
    const spdx_kind *k = spdx_kind_find(r->plural, strlen(r->plural));
    return k && k->virt != SPDX_STORED;
}

static int summary(kstore *st, const kube_resource *r, const char *ns, ks_arena *a, kv_value *out,
                   ks_error *err)
{
    bool vuln;
    const char *src = source_of(r, &vuln);
    if (!src)
        return ks_error_set(err, KS_ENOENT, "%s is not computed here", r->plural);
    sums s = {.vuln = vuln, .a = a};
    kstore_list_opts lo = {.ns = ns};
    int rc = kstore_list(st, src, &lo, sum_item, &s, NULL, err);
    if (rc < 0)
        return rc;
    if (s.count == 0)
        return KS_ENOENT;
    return build(&s, ns, out);
}

int spdx_virtual_get(void *ctx, const kube_resource *r, const char *ns, const char *name, bool full,
                     ks_arena *a, kv_value *out, ks_error *err)
{
    (void)ns; /* cluster-scoped: the name is the namespace */
    (void)full;
    spdx_server *sv = ctx;
    return summary(sv->store, r, name, a, out, err);
}

typedef struct nslist {
    char **v;
    size_t n, cap;
    ks_arena *a;
} nslist;

static int collect_ns(void *ctx, const kstore_item *it)
{
    nslist *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], it->ns) == 0)
            return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **nv = ks_arena_alloc(l->a, cap * sizeof *nv);
        if (!nv)
            return KS_ELIMIT;
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n] = ks_arena_strndup(l->a, it->ns, strlen(it->ns));
    return l->v[l->n++] ? 0 : KS_ELIMIT;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int spdx_virtual_list(void *ctx, const kube_resource *r, const char *ns, bool full, ks_arena *a,
                      int (*fn)(void *fctx, const kv_value *obj), void *fctx, ks_error *err)
{
    (void)ns;
    (void)full;
    spdx_server *sv = ctx;
    bool vuln;
    const char *src = source_of(r, &vuln);
    if (!src)
        return 0;
    nslist l = {.a = a};
    kstore_list_opts lo = {.meta_only = true};
    int rc = kstore_list(sv->store, src, &lo, collect_ns, &l, NULL, err);
    if (rc < 0)
        return rc;
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, cmp_str);
    for (size_t i = 0; i < l.n; i++) {
        kv_value obj;
        rc = summary(sv->store, r, l.v[i], a, &obj, err);
        if (rc == KS_ENOENT)
            continue; /* emptied meanwhile */
        if (rc < 0 || (rc = fn(fctx, &obj)) < 0)
            return rc;
    }
    return 0;
}
