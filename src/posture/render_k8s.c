/*
 * The objects the in-cluster kubescape stores for a scan (spec storage.md
 * §3.4, §3.5, §4): for every resource of the report a
 * WorkloadConfigurationScan (its controls with rules and paths, and for an
 * RBAC subject the role and binding) and a WorkloadConfigurationScanSummary
 * (severities of the failed controls, each control's status), both of
 * spdx.softwarecomposition.kubescape.io/v1beta1, named, labelled and
 * annotated as upstream's storage adapter does (httphandler/storage), in a
 * `kind: List`.
 *
 * Names are slugs of "<kind>-<name>" (of subject, role and binding for an
 * RBAC subject); cluster-scoped resources and RBAC subjects go to the
 * operator namespace. An RBAC subject without exactly one role and one
 * binding is left out, as upstream skips it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/utf8.h"
#include "posture/internal.h"
#include "posture/render_int.h"

#define API_VERSION "spdx.softwarecomposition.kubescape.io/v1beta1"
#define SLUG_MAX    253
#define SLUG_HASHES 10 /* "-xxxx-xxxx" */
#define LABEL_MAX   63

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Each character outside allowed (and each invalid byte) as '-', lower-cased,
 * '-' trimmed, cut to max bytes, then trimmed to alphanumerics. */
static void sanitize(ks_buf *b, const char *s, const char *allowed, size_t max)
{
    size_t start = b->len;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t c;
        size_t w = ks_utf8_decode(p + i, n - i, &c);
        if (w == 1 && (is_alnum(p[i]) || strchr(allowed, p[i])))
            ks_buf_putc(b, lower((char)p[i]));
        else
            ks_buf_putc(b, '-');
        i += w ? w : 1;
    }
    if (b->err)
        return;
    char *d = b->data + start;
    size_t len = b->len - start, lo = 0;
    while (lo < len && d[lo] == '-')
        lo++;
    while (len > lo && d[len - 1] == '-')
        len--;
    if (len - lo > max)
        len = lo + max;
    while (lo < len && !is_alnum((unsigned char)d[lo]))
        lo++;
    while (len > lo && !is_alnum((unsigned char)d[len - 1]))
        len--;
    memmove(d, d + lo, len - lo);
    ks_buf_truncate(b, start + len - lo);
}

/* ^$|^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$ */
static bool valid_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return true;
    if (n > LABEL_MAX || !is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
            return false;
    return true;
}

/* names.ToValidLabelValue */
static void label_value(ks_buf *b, const char *s)
{
    if (valid_label(s))
        ks_buf_puts(b, s);
    else
        sanitize(b, s, "-_.", LABEL_MAX);
}

/* ^[a-z0-9][a-z0-9.-]{0,251}[a-z0-9]$ */
static bool valid_subdomain(const char *s, size_t n)
{
    if (n < 2 || n > SLUG_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool an = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!an && ((i == 0 || i == n - 1) || (c != '.' && c != '-')))
            return false;
    }
    return true;
}

/* names.StringToSlug: the text as a DNS subdomain, cut with a hash of the
 * text when long. false when nothing valid is left. */
static bool slug(ks_buf *b, const char *s)
{
    ks_buf t = KS_BUF_INIT;
    if (valid_subdomain(s, strlen(s)))
        ks_buf_puts(&t, s);
    else
        sanitize(&t, s, "-.", SLUG_MAX);
    bool ok = !t.err && t.len > 0;
    if (ok && t.len >= SLUG_MAX - SLUG_HASHES) {
        char hex[KS_SHA256_HEXLEN + 1];
        ks_sha256_hex(s, strlen(s), hex);
        ks_buf_truncate(&t, SLUG_MAX - SLUG_HASHES);
        ks_buf_printf(&t, "-%.4s-%.4s", hex, hex + KS_SHA256_HEXLEN - 4);
    }
    for (size_t i = 0; ok && i < t.len; i++)
        t.data[i] = lower(t.data[i]);
    ok = ok && !t.err && valid_subdomain(t.data, t.len);
    if (ok)
        ks_buf_append(b, t.data, t.len);
    ks_buf_free(&t);
    return ok;
}

/* wlid://cluster-<c>[/namespace-<ns>[/<kind>[-<name>]]] */
static void wlid(ks_buf *b, const char *cluster, const char *ns, const char *kind, const char *name)
{
    ks_buf_printf(b, "wlid://cluster-%s", cluster);
    if (!*ns)
        return;
    ks_buf_printf(b, "/namespace-%s", ns);
    if (!*kind)
        return;
    ks_buf_putc(b, '/');
    for (const char *k = kind; *k; k++)
        if (*k != '-')
            ks_buf_putc(b, lower(*k));
    if (*name)
        ks_buf_printf(b, "-%s", name);
}

static const char *const NAMESPACED[] = {
        "Binding",
        "ConfigMap",
        "ControllerRevision",
        "CronJob",
        "CSIStorageCapacity",
        "DaemonSet",
        "Deployment",
        "Endpoints",
        "EndpointSlice",
        "Event",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "Lease",
        "LimitRange",
        "LocalSubjectAccessReview",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "Pod",
        "PodDisruptionBudget",
        "PodTemplate",
        "ReplicaSet",
        "ReplicationController",
        "ResourceQuota",
        "Role",
        "RoleBinding",
        "Secret",
        "Service",
        "ServiceAccount",
        "StatefulSet",
};
static const char *const CLUSTER_SCOPED[] = {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "Group",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
        "StorageClass",
        "SubjectAccessReview",
        "TokenReview",
        "User",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
};

/* Whether the workload-namespace label applies: upstream asks the API
 * server's discovery; without one, the built-in kinds are known and any
 * other kind is namespaced when the object has a namespace. */
static bool namespaced(const ps_rident *r)
{
    for (size_t i = 0; i < sizeof NAMESPACED / sizeof NAMESPACED[0]; i++)
        if (strcmp(NAMESPACED[i], r->kind) == 0)
            return true;
    for (size_t i = 0; i < sizeof CLUSTER_SCOPED / sizeof CLUSTER_SCOPED[0]; i++)
        if (strcmp(CLUSTER_SCOPED[i], r->kind) == 0)
            return false;
    return *r->namespace_ != 0;
}

/* k8sinterface.SplitApiVersion */
static void split_api_version(const char *av, ks_buf *group, ks_buf *version)
{
    const char *sl = strchr(av, '/');
    if (!sl) {
        ks_buf_puts(version, av);
        return;
    }
    ks_buf_append(group, av, (size_t)(sl - av));
    const char *sl2 = strchr(sl + 1, '/');
    ks_buf_append(version, sl + 1, sl2 ? (size_t)(sl2 - sl - 1) : strlen(sl + 1));
}

#define NKV 16

/* A small sorted string map: labels, annotations. */
typedef struct kvs {
    const char *key[NKV];
    char *val[NKV];
    size_t n;
} kvs;

static void kvs_set(kvs *m, const char *key, const char *val, bool as_label)
{
    ks_buf b = KS_BUF_INIT;
    if (as_label)
        label_value(&b, val);
    else
        ks_buf_puts(&b, val);
    char *v = ks_buf_detach(&b, NULL);
    if (!v)
        v = calloc(1, 1);
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->key[i], key) == 0) {
            free(m->val[i]);
            m->val[i] = v;
            return;
        }
    if (m->n == NKV) {
        free(v);
        return;
    }
    size_t at = m->n;
    while (at > 0 && strcmp(m->key[at - 1], key) > 0) {
        m->key[at] = m->key[at - 1];
        m->val[at] = m->val[at - 1];
        at--;
    }
    m->key[at] = key;
    m->val[at] = v;
    m->n++;
}

static void kvs_free(kvs *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->val[i]);
    m->n = 0;
}

static void kvs_write(ps_jw *w, const kvs *m)
{
    ps_jw_obj(w);
    for (size_t i = 0; i < m->n; i++) {
        ps_jw_key(w, m->key[i]);
        ps_jw_str(w, m->val[i] ? m->val[i] : "");
    }
    ps_jw_end_obj(w);
}

typedef struct wcs {
    ps_rview *v;
    ps_jw *w;
    const kv_value *result;
    ps_rident who;
    ps_rident rel[2];
    const kv_value *relobj[2];
    size_t nrel;
    ks_buf name, ns;
    kvs labels, annotations;
} wcs;

/* name, namespace, labels and annotations; false when upstream stores no
 * object for this resource. */
static bool identify(wcs *o, const char *cluster, const char *operator_ns, const kv_value *obj)
{
    ps_r_rident_of(obj, &o->who);
    const kv_value *related = o->who.vector ? ps_get(obj, "relatedObjects") : NULL;
    o->nrel = 0;
    for (size_t i = 0; related && related->kind == KV_ARRAY && i < related->len; i++) {
        const kv_value *r = &related->u.items[i];
        if (r->kind != KV_OBJECT)
            continue;
        if (o->nrel == 2)
            return false;
        o->relobj[o->nrel] = r;
        ps_r_rident_of(r, &o->rel[o->nrel++]);
    }
    if (o->who.vector && o->nrel != 2)
        return false;
    ks_buf text = KS_BUF_INIT;
    if (o->nrel == 0) {
        ks_buf_printf(&text, "%s-%s", o->who.kind, o->who.name);
    } else {
        const ps_rident *role = NULL, *binding = NULL;
        for (size_t i = 0; i < 2; i++) {
            const char *k = o->rel[i].kind;
            if (strcmp(k, "Role") == 0 || strcmp(k, "ClusterRole") == 0)
                role = &o->rel[i];
            else if (strcmp(k, "RoleBinding") == 0 || strcmp(k, "ClusterRoleBinding") == 0)
                binding = &o->rel[i];
        }
        if (!role || !binding) {
            ks_buf_free(&text);
            return false;
        }
        ks_buf_printf(&text, "%s-%s-%s-%s-%s-", o->who.kind, o->who.name, role->kind, role->name,
                      binding->kind);
        /* a RoleBinding outside its subject's namespace: its namespace is
         * part of the name, or same-named bindings in two namespaces (the
         * bootstrap-signer ones in kube-system and kube-public) would be
         * one object, the last submitted overwriting the others */
        if (*binding->namespace_ && strcmp(binding->namespace_, o->who.namespace_) != 0)
            ks_buf_printf(&text, "%s-", binding->namespace_);
        ks_buf_puts(&text, binding->name);
    }
    bool ok = !text.err && slug(&o->name, ks_buf_cstr(&text));
    ks_buf_free(&text);
    if (!ok)
        return false;
    ks_buf_puts(&o->ns, !*o->who.namespace_ || o->nrel ? operator_ns : o->who.namespace_);

    ks_buf w = KS_BUF_INIT, g = KS_BUF_INIT, ver = KS_BUF_INIT;
    wlid(&w, cluster, o->who.namespace_, o->who.kind, o->who.name);
    split_api_version(o->who.api_version, &g, &ver);
    kvs_set(&o->labels, "kubescape.io/workload-api-group", ks_buf_cstr(&g), true);
    kvs_set(&o->labels, "kubescape.io/workload-api-version", ks_buf_cstr(&ver), true);
    kvs_set(&o->labels, "kubescape.io/workload-kind", o->who.kind, true);
    kvs_set(&o->labels, "kubescape.io/workload-name", o->who.name, true);
    if (namespaced(&o->who))
        kvs_set(&o->labels, "kubescape.io/workload-namespace", o->who.namespace_, true);
    if (o->nrel)
        kvs_set(&o->labels, "kubescape.io/rbac-resource", "true", true);
    for (size_t i = 0; i < o->nrel; i++) {
        const ps_rident *r = &o->rel[i];
        if (strcmp(r->kind, "Role") == 0) {
            kvs_set(&o->labels, "kubescape.io/role-name", r->name, true);
            kvs_set(&o->labels, "kubescape.io/role-namespace", r->namespace_, true);
        } else if (strcmp(r->kind, "RoleBinding") == 0) {
            kvs_set(&o->labels, "kubescape.io/rolebinding-name", r->name, true);
            kvs_set(&o->labels, "kubescape.io/rolebinding-namespace", r->namespace_, true);
            ks_buf_reset(&w);
            wlid(&w, cluster, r->namespace_, r->kind, r->name);
        } else if (strcmp(r->kind, "ClusterRole") == 0) {
            kvs_set(&o->labels, "kubescape.io/clusterrole-name", r->name, true);
        } else if (strcmp(r->kind, "ClusterRoleBinding") == 0) {
            kvs_set(&o->labels, "kubescape.io/clusterrolebinding-name", r->name, true);
            ks_buf_reset(&w);
            wlid(&w, cluster, "", r->kind, r->name);
        }
    }
    kvs_set(&o->annotations, "kubescape.io/wlid", ks_buf_cstr(&w), false);
    ok = !w.err && !g.err && !ver.err && !o->name.err && !o->ns.err;
    ks_buf_free(&w);
    ks_buf_free(&g);
    ks_buf_free(&ver);
    return ok;
}

static void metadata(wcs *o)
{
    ps_jw *w = o->w;
    ps_jw_key(w, "metadata");
    ps_jw_obj(w);
    ps_jw_key(w, "name");
    ps_jw_strn(w, ks_buf_cstr(&o->name), o->name.len);
    ps_jw_key(w, "namespace");
    ps_jw_strn(w, ks_buf_cstr(&o->ns), o->ns.len);
    ps_jw_key(w, "labels");
    kvs_write(w, &o->labels);
    ps_jw_key(w, "annotations");
    kvs_write(w, &o->annotations);
    ps_jw_end_obj(w);
}

static void severity(ps_jw *w, const ps_rctl *c)
{
    ps_jw_key(w, "severity");
    ps_jw_obj(w);
    ps_jw_key(w, "severity");
    ps_jw_str(w, c ? ps_r_severity_name(ps_r_control_score(c)) : "");
    ps_jw_key(w, "scoreFactor");
    ps_jw_f32(w, c ? ps_r_control_score(c) : 0);
    ps_jw_end_obj(w);
}

static void control_status(ps_jw *w, const kv_value *rc)
{
    ps_jw_key(w, "status");
    ps_jw_obj(w);
    ps_jw_key(w, "status");
    ps_jw_str(w, ps_r_status_name(ps_r_rc_status(rc)));
    ps_jw_key(w, "subStatus");
    ps_jw_str(w, ps_r_rc_sub_status(rc));
    ps_jw_key(w, "info");
    const char *info = ps_get_str(ps_get(rc, "status"), "info");
    ps_jw_str(w, info ? info : "");
    ps_jw_end_obj(w);
}

static void str_field(ps_jw *w, const char *key, const kv_value *obj, const char *field)
{
    const char *s = ps_get_str(obj, field);
    ps_jw_key(w, key);
    ps_jw_str(w, s ? s : "");
}

static void rules(ps_jw *w, const kv_value *rc)
{
    const kv_value *rs = ps_get(rc, "rules");
    ps_jw_key(w, "rules");
    ps_jw_arr(w);
    for (size_t i = 0; rs && rs->kind == KV_ARRAY && i < rs->len; i++) {
        const kv_value *r = &rs->u.items[i];
        ps_jw_obj(w);
        str_field(w, "name", r, "name");
        ps_jw_key(w, "status");
        ps_jw_obj(w);
        str_field(w, "status", r, "status");
        str_field(w, "subStatus", r, "subStatus");
        ps_jw_end_obj(w);
        ps_jw_key(w, "controlConfigurations");
        const kv_value *cc = ps_get(r, "controlConfigurations");
        if (cc && cc->kind == KV_OBJECT)
            ps_jw_value(w, cc);
        else {
            ps_jw_obj(w);
            ps_jw_end_obj(w);
        }
        const kv_value *ps = ps_get(r, "paths");
        ps_jw_key(w, "paths");
        ps_jw_arr(w);
        for (size_t k = 0; ps && ps->kind == KV_ARRAY && k < ps->len; k++) {
            const kv_value *p = &ps->u.items[k];
            ps_jw_obj(w);
            str_field(w, "failedPath", p, "failedPath");
            str_field(w, "fixPath", ps_get(p, "fixPath"), "path");
            str_field(w, "fixPathValue", ps_get(p, "fixPath"), "value");
            str_field(w, "fixCommand", p, "fixCommand");
            ps_jw_end_obj(w);
        }
        ps_jw_end_arr(w);
        const kv_value *ex = ps_get(r, "exception");
        ps_jw_key(w, "appliedIgnoreRules");
        ps_jw_arr(w);
        for (size_t k = 0; ex && ex->kind == KV_ARRAY && k < ex->len; k++) {
            const char *n = ps_get_str(&ex->u.items[k], "name");
            ps_jw_str(w, n ? n : "");
        }
        ps_jw_end_arr(w);
        const kv_value *ids = ps_get(r, "relatedResourcesIDs");
        ps_jw_key(w, "relatedResourcesIDs");
        ps_jw_arr(w);
        for (size_t k = 0; ids && ids->kind == KV_ARRAY && k < ids->len; k++)
            if (ids->u.items[k].kind == KV_STRING)
                ps_jw_strn(w, ids->u.items[k].u.s, ids->u.items[k].len);
        ps_jw_end_arr(w);
        ps_jw_end_obj(w);
    }
    ps_jw_end_arr(w);
}

typedef struct ctl_ref {
    const char *id;
    const kv_value *rc;
    size_t pos;
} ctl_ref;

static int cmp_ref(const void *x, const void *y)
{
    const ctl_ref *a = x, *b = y;
    int c = strcmp(a->id, b->id);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* The result's controls by ID, the last of a repeated ID kept (a Go map).
 * KS_ENOMEM, or 0 with the array (free) and its length. */
static int controls_by_id(const kv_value *result, ctl_ref **out, size_t *nout)
{
    const kv_value *ctls = ps_get(result, "controls");
    size_t n = ctls && ctls->kind == KV_ARRAY ? ctls->len : 0, k = 0;
    *out = NULL;
    *nout = 0;
    if (!n)
        return 0;
    ctl_ref *r = calloc(n, sizeof *r);
    if (!r)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *id = ps_get_str(&ctls->u.items[i], "controlID");
        if (id)
            r[k++] = (ctl_ref){.id = id, .rc = &ctls->u.items[i], .pos = i};
    }
    if (k)
        qsort(r, k, sizeof *r, cmp_ref);
    size_t d = 0;
    for (size_t i = 0; i < k; i++) {
        if (d && strcmp(r[d - 1].id, r[i].id) == 0)
            r[d - 1] = r[i];
        else
            r[d++] = r[i];
    }
    *out = r;
    *nout = d;
    return 0;
}

static void scan_object(wcs *o, const ctl_ref *c, size_t nc)
{
    ps_jw *w = o->w;
    ps_jw_obj(w);
    ps_jw_key(w, "kind");
    ps_jw_str(w, "WorkloadConfigurationScan");
    ps_jw_key(w, "apiVersion");
    ps_jw_str(w, API_VERSION);
    metadata(o);
    ps_jw_key(w, "spec");
    ps_jw_obj(w);
    ps_jw_key(w, "controls");
    ps_jw_obj(w);
    for (size_t i = 0; i < nc; i++) {
        const ps_rctl *sum = ps_rview_control(o->v, c[i].id);
        ps_jw_key(w, c[i].id);
        ps_jw_obj(w);
        ps_jw_key(w, "controlID");
        ps_jw_str(w, c[i].id);
        str_field(w, "name", c[i].rc, "name");
        severity(w, sum);
        control_status(w, c[i].rc);
        rules(w, c[i].rc);
        ps_jw_end_obj(w);
    }
    ps_jw_end_obj(w);
    ps_jw_key(w, "relatedObjects");
    ps_jw_arr(w);
    for (size_t i = 0; i < o->nrel; i++) {
        ks_buf g = KS_BUF_INIT, ver = KS_BUF_INIT;
        split_api_version(o->rel[i].api_version, &g, &ver);
        ps_jw_obj(w);
        ps_jw_key(w, "namespace");
        ps_jw_str(w, o->rel[i].namespace_);
        ps_jw_key(w, "apiGroup");
        ps_jw_strn(w, ks_buf_cstr(&g), g.len);
        ps_jw_key(w, "apiVersion");
        ps_jw_strn(w, ks_buf_cstr(&ver), ver.len);
        ps_jw_key(w, "kind");
        ps_jw_str(w, o->rel[i].kind);
        ps_jw_key(w, "name");
        ps_jw_str(w, o->rel[i].name);
        ps_jw_end_obj(w);
        ks_buf_free(&g);
        ks_buf_free(&ver);
    }
    ps_jw_end_arr(w);
    ps_jw_end_obj(w);
    ps_jw_end_obj(w);
}

static void summary_object(wcs *o, const ctl_ref *c, size_t nc)
{
    ps_jw *w = o->w;
    long sev[5] = {0};
    for (size_t i = 0; i < nc; i++) {
        const ps_rctl *sum = ps_rview_control(o->v, c[i].id);
        if (ps_r_rc_status(c[i].rc) == PS_ST_FAILED)
            sev[ps_r_severity_rank(sum ? ps_r_control_score(sum) : 0)]++;
    }
    ps_jw_obj(w);
    ps_jw_key(w, "kind");
    ps_jw_str(w, "WorkloadConfigurationScanSummary");
    ps_jw_key(w, "apiVersion");
    ps_jw_str(w, API_VERSION);
    metadata(o);
    ps_jw_key(w, "spec");
    ps_jw_obj(w);
    ps_jw_key(w, "severities");
    ps_jw_obj(w);
    static const char *const names[] = {"critical", "high", "medium", "low", "unknown"};
    static const int rank[] = {4, 3, 2, 1, 0};
    for (size_t i = 0; i < 5; i++) {
        ps_jw_key(w, names[i]);
        ps_jw_int(w, sev[rank[i]]);
    }
    ps_jw_end_obj(w);
    ps_jw_key(w, "controls");
    ps_jw_obj(w);
    for (size_t i = 0; i < nc; i++) {
        ps_jw_key(w, c[i].id);
        ps_jw_obj(w);
        ps_jw_key(w, "controlID");
        ps_jw_str(w, c[i].id);
        severity(w, ps_rview_control(o->v, c[i].id));
        control_status(w, c[i].rc);
        ps_jw_end_obj(w);
    }
    ps_jw_end_obj(w);
    ps_jw_end_obj(w);
    ps_jw_end_obj(w);
}

int ps_render_k8s_objects(ks_buf *out, const ps_render_in *in, ks_error *err)
{
    ps_rview v;
    int rc = ps_rview_init(&v, in, err);
    if (rc) {
        ps_rview_free(&v);
        return rc;
    }
    const char *cluster = ps_get_str(v.report, "clusterName");
    const char *operator_ns =
            in->k8s_namespace && *in->k8s_namespace ? in->k8s_namespace : "kubescape";
    ks_buf compact = KS_BUF_INIT;
    ps_jw w;
    ps_jw_init(&w, &compact);
    ps_jw_obj(&w);
    ps_jw_key(&w, "apiVersion");
    ps_jw_str(&w, "v1");
    ps_jw_key(&w, "kind");
    ps_jw_str(&w, "List");
    ps_jw_key(&w, "metadata");
    ps_jw_obj(&w);
    ps_jw_end_obj(&w);
    ps_jw_key(&w, "items");
    ps_jw_arr(&w);
    for (size_t i = 0; i < v.nresults && !rc; i++) {
        const kv_value *r = &v.results->u.items[i];
        const char *id = ps_get_str(r, "resourceID");
        const ps_rres *res = id ? ps_rview_resource(&v, id) : NULL;
        if (!res || !res->obj) {
            rc = ks_error_set(err, KS_EINVAL,
                              "resource %s of the results has no object in the report's "
                              "resources (the k8s-objects format needs them)",
                              id ? id : "(without resourceID)");
            break;
        }
        wcs o = {.v = &v, .w = &w, .result = r};
        if (identify(&o, cluster ? cluster : "", operator_ns, res->obj)) {
            ctl_ref *c = NULL;
            size_t nc = 0;
            if (controls_by_id(r, &c, &nc) != 0) {
                rc = ks_error_set(err, KS_ENOMEM, "writing k8s objects: out of memory");
            } else {
                scan_object(&o, c, nc);
                summary_object(&o, c, nc);
            }
            free(c);
        }
        ks_buf_free(&o.name);
        ks_buf_free(&o.ns);
        kvs_free(&o.labels);
        kvs_free(&o.annotations);
    }
    ps_jw_end_arr(&w);
    ps_jw_end_obj(&w);
    if (!rc && compact.err)
        rc = ks_error_set(err, compact.err, "writing k8s objects: %s", ks_strerror(compact.err));
    if (!rc) {
        ps_r_json_indent(out, compact.data, compact.len);
        ks_buf_putc(out, '\n');
        if (out->err)
            rc = ks_error_set(err, out->err, "writing k8s objects: %s", ks_strerror(out->err));
    }
    ks_buf_free(&compact);
    ps_rview_free(&v);
    return rc;
}
