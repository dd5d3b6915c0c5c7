/*
 * Live-cluster collection: the objects a scan needs, read from the
 * Kubernetes API (spec configscan_rego.md §4.2, §4.9).
 *
 * The resource types come from the selected controls' rules (their match
 * and dynamicMatch entries) resolved against API discovery; one version
 * of each group and resource is listed (the preferred one when a rule
 * takes it), page by page, so no answer holds a whole cluster.
 * Cluster-scoped types are listed once; namespaced ones in one LIST across
 * the cluster, or namespace by namespace when the include list names the
 * namespaces or the cluster-wide LIST is refused. Host data comes from node-agent's CRs. What
 * cannot be collected (a 403, an aggregated API that is down, host data no node agent reported) is
 * recorded in the resource set: the controls that need it are then reported not evaluated, never
 * passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/log.h"
#include "core/vec.h"
#include "kube/client.h"
#include "kube/discovery.h"
#include "posture/scan.h"

#define PAGE_LIMIT     500
#define HOST_DATA      "hostdata.kubescape.cloud"
#define HOST_VERSION   "v1beta0" /* of the envelopes rules read */
#define MAX_NAMESPACES 100000

typedef struct ctype {
    const char *group, *version, *resource, *kind; /* in the collector's keep arena */
    bool namespaced, preferred;
    size_t failures; /* namespaces whose LIST failed */
    const char *first_error;
} ctype;

typedef struct collector {
    ps_resources *rs;
    kube_client *c;
    const ps_scan_opts *opts;
    ps_scan_ctx S;
    KS_VEC(ctype) types;
    KS_VEC(const char *) ns; /* namespaces to list namespaced types in, sorted */
    ks_arena keep;           /* the strings above, for the whole collection */
    ks_arena scratch;        /* one page's */
    ps_cluster_stats *st;
    int fatal; /* an error that ends the collection (memory) */
    /* the type being listed */
    const ctype *cur;
    /* host data: the kinds the rules take (as they spell them, with the
     * version they name) and the node agents' types the server serves */
    KS_VEC(const char *) hwant;
    KS_VEC(ctype) htypes;
    const char *hkind; /* the kind being listed */
    bool hkeep;        /* its envelopes go into the scan */
    bool managed;      /* a CloudProviderInfo says the provider runs the control plane */
    size_t hitems;     /* items of the list */
} collector;

/* A copy of s (n bytes) kept for the whole collection; NULL when out of memory. */
static const char *keep(collector *C, const char *s, size_t n)
{
    return ks_arena_strndup(&C->keep, s, n);
}

static const char *keep_str(collector *C, const char *s)
{
    return keep(C, s, strlen(s));
}

static void gvr_text(char *out, size_t cap, const char *g, const char *v, const char *r)
{
    snprintf(out, cap, "%s/%s/%s", g, v, r);
}

static int add_pull(collector *C, const char *g, const char *v, const char *kind,
                    const char *resource, const char *gvr, const char *selector, const char *error)
{
    ps_pull p = {g, v, kind, resource, gvr, selector, error};
    ks_log_warn("scan", "could not collect", KS_F_STR("resource", gvr),
                KS_F_STR("selector", selector), KS_F_STR("error", error));
    C->st->failures++;
    return ps_resources_add_pull(C->rs, &p);
}

/* ---- which types ---- */

/* The discovered type as a ctype, its strings kept. */
static int type_of(collector *C, const kube_api_resource *res, ctype *t)
{
    *t = (ctype){keep_str(C, res->group),
                 keep_str(C, res->version),
                 keep_str(C, res->resource),
                 keep_str(C, res->kind),
                 res->namespaced,
                 res->preferred,
                 0,
                 NULL};
    return t->group && t->version && t->resource && t->kind ? 0 : KS_ENOMEM;
}

static int on_resource(void *ctx, const kube_api_resource *res, const char *gv,
                       const ks_error *failure, ks_error *err)
{
    collector *C = ctx;
    (void)err;
    if (!res) {
        /* a group version that could not be read: it matters when a
         * selected rule names its group */
        char group[256];
        const char *sl = strchr(gv, '/');
        snprintf(group, sizeof group, "%.*s", sl ? (int)(sl - gv) : 0, gv);
        if (!ps_scan_names_group(&C->S, group))
            return 0;
        char key[512];
        snprintf(key, sizeof key, "discovery:%s", gv);
        return add_pull(C, group, sl ? sl + 1 : gv, NULL, NULL, key, "discovery",
                        failure && failure->msg[0] ? failure->msg : "discovery failed");
    }
    if (strcmp(res->group, HOST_DATA) == 0) {
        /* the node agents' CRDs: one version of each, the served
         * v1beta1 (what they write) over others */
        if (!res->listable)
            return 0;
        for (size_t i = 0; i < C->htypes.len; i++)
            if (strcmp(C->htypes.v[i].resource, res->resource) == 0) {
                if (strcmp(res->version, "v1beta1") == 0)
                    C->htypes.v[i].version = "v1beta1";
                return 0;
            }
        ctype t;
        int rc = type_of(C, res, &t);
        if (!rc)
            ks_vec_push(&C->htypes, t);
        return rc;
    }
    if (!res->listable || !ps_scan_wants(&C->S, res->group, res->version, res->kind, res->resource))
        return 0;
    /* one version per group and resource: the preferred one, else the
     * first the server lists (its order of preference) */
    ctype t;
    int rc = type_of(C, res, &t);
    if (rc)
        return rc;
    for (size_t i = 0; i < C->types.len; i++) {
        ctype *have = &C->types.v[i];
        if (strcmp(have->group, t.group) == 0 && strcmp(have->resource, t.resource) == 0) {
            if (t.preferred && !have->preferred)
                *have = t;
            return 0;
        }
    }
    ks_vec_push(&C->types, t);
    return 0;
}

/* The host-data kinds the rules take ("KubeletInfo", ...). */
static int on_host_match(void *ctx, const ps_match *m)
{
    collector *C = ctx;
    const kv_value *g = m->groups, *r = m->resources;
    bool host = false;
    for (size_t i = 0; g && g->kind == KV_ARRAY && i < g->len; i++)
        host |= ps_str_eq(&g->u.items[i], HOST_DATA);
    if (!host || !r || r->kind != KV_ARRAY)
        return 0;
    for (size_t i = 0; i < r->len; i++) {
        const kv_value *kind = &r->u.items[i];
        if (kind->kind != KV_STRING || kind->len == 0 || kind->len > 100)
            continue;
        bool seen = false;
        for (size_t k = 0; k < C->hwant.len && !seen; k++)
            seen = strlen(C->hwant.v[k]) == kind->len &&
                   strncasecmp(C->hwant.v[k], kind->u.s, kind->len) == 0;
        if (seen)
            continue;
        const char *k = keep(C, kind->u.s, kind->len);
        if (!k)
            return KS_ENOMEM;
        ks_vec_push(&C->hwant, k);
    }
    return 0;
}

/* ---- namespaces ---- */

static int ns_push(collector *C, const char *name, size_t len)
{
    if (C->ns.len >= MAX_NAMESPACES)
        return KS_ELIMIT;
    const char *s = keep(C, name, len);
    if (!s)
        return KS_ENOMEM;
    ks_vec_push(&C->ns, s);
    return 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* ---- objects ---- */

/* Adds an object to the scan (copied); only running out of memory is an
 * error. */
static int add_scanned(collector *C, const kv_value *obj, const char *kind)
{
    ks_error e = {0};
    int rc = ps_resources_add_object(C->rs, obj, NULL, &e);
    if (rc == 0) {
        C->st->objects++;
    } else if (rc != KS_ENOMEM) {
        /* not an object the scan can identify: left out, as a manifest would be */
        ks_log_warn("scan", "object left out", KS_F_STR("kind", kind), KS_F_STR("error", e.msg));
        rc = 0;
    }
    return rc;
}

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* metadata without the server's and kubectl's bookkeeping: managedFields
 * and the last-applied-configuration annotation (a second copy of the
 * object that no rule reads and the report leaves out anyway). *out is md
 * itself when there is nothing to drop. */
static int slim_metadata(ks_arena *a, const kv_value *md, kv_value *out)
{
    *out = *md;
    int rc = 0;
    if (ps_get(out, "managedFields"))
        rc = ps_obj_set(a, out, "managedFields", NULL, out);
    const kv_value *ann = ps_get(out, "annotations");
    if (!rc && ann && ps_get(ann, LAST_APPLIED)) {
        kv_value ann2;
        rc = ps_obj_set(a, ann, LAST_APPLIED, NULL, &ann2);
        if (!rc)
            rc = ps_obj_set(a, out, "annotations", ann2.len ? &ann2 : NULL, out);
    }
    return rc;
}

/* The list item as a manifest: apiVersion and kind set (lists leave them
 * out), its metadata slimmed (slim_metadata). */
static int add_item(collector *C, const kv_value *item)
{
    ks_arena *a = &C->scratch;
    const ctype *t = C->cur;
    char av[256];
    if (*t->group)
        snprintf(av, sizeof av, "%s/%s", t->group, t->version);
    else
        snprintf(av, sizeof av, "%s", t->version);
    kv_value o1, o2, o3, sav, skind;
    int rc = kv_str_copy(a, av, strlen(av), &sav);
    if (!rc)
        rc = kv_str_copy(a, t->kind, strlen(t->kind), &skind);
    if (!rc)
        rc = ps_obj_set(a, item, "apiVersion", &sav, &o1);
    if (!rc)
        rc = ps_obj_set(a, &o1, "kind", &skind, &o2);
    if (rc)
        return rc;
    o3 = o2;
    const kv_value *md = ps_get(&o2, "metadata");
    kv_value md2;
    if (md && md->kind == KV_OBJECT) {
        rc = slim_metadata(a, md, &md2);
        if (!rc && md2.u.members != md->u.members)
            rc = ps_obj_set(a, &o2, "metadata", &md2, &o3);
        if (rc)
            return rc;
    }
    return add_scanned(C, &o3, t->kind);
}

/* The end of a page: its scratch memory released; an error here (memory)
 * ends the collection. */
static int page_done(collector *C, int rc, const char *what, ks_error *err)
{
    ks_arena_reset(&C->scratch);
    if (!rc)
        return 0;
    C->fatal = rc;
    return ks_error_set(err, rc, "collecting %s: %s", what, ks_strerror(rc));
}

static int on_page(void *ctx, const kv_value *list, ks_error *err)
{
    collector *C = ctx;
    C->st->lists++;
    const kv_value *items = ps_get(list, "items");
    int rc = 0;
    for (size_t i = 0; items && items->kind == KV_ARRAY && i < items->len && !rc; i++) {
        const kv_value *it = &items->u.items[i];
        if (it->kind != KV_OBJECT)
            continue;
        const char *ns = ps_get_str(ps_get(it, "metadata"), "namespace");
        /* a cluster-wide list (no namespace list to go by) keeps out the
         * excluded namespaces itself */
        if (ns && ps_skip_namespace(C->opts, ns))
            continue;
        rc = add_item(C, it);
    }
    return page_done(C, rc, C->cur->resource, err);
}

/* Lists one collection; 0 when listed (or gone: 404), else the error. */
static int list_one(collector *C, const ctype *t, const char *ns, ks_error *err)
{
    char path[1024];
    const char *root = *t->group ? "/apis/" : "/api"; /* "/apis/GROUP/VERSION", "/api/v1" */
    if (ns)
        snprintf(path, sizeof path, "%s%s/%s/namespaces/%s/%s", root, t->group, t->version, ns,
                 t->resource);
    else
        snprintf(path, sizeof path, "%s%s/%s/%s", root, t->group, t->version, t->resource);
    C->cur = t;
    int rc = kube_list(C->c, path, PAGE_LIMIT, on_page, C, err);
    if (rc == KS_ERANGE && !C->fatal) {
        /* the continue token expired: list again from the start (objects
         * already added are replaced, not repeated) */
        ks_error_clear(err);
        rc = kube_list(C->c, path, PAGE_LIMIT, on_page, C, err);
    }
    if (rc == KS_ENOENT && !C->fatal) {
        /* the type or namespace went away since discovery: nothing to scan */
        ks_log_warn("scan", "not found (removed since discovery?)", KS_F_STR("path", path));
        ks_error_clear(err);
        return 0;
    }
    return rc;
}

/* The namespace list: names of the namespaces in scope and, when a rule
 * takes Namespace objects, those objects (filtered by name, as upstream's
 * field selectors do). */
typedef struct nspage {
    collector *C;
    bool keep;
} nspage;

static int on_ns_page(void *ctx, const kv_value *list, ks_error *err)
{
    nspage *p = ctx;
    collector *C = p->C;
    C->st->lists++;
    const kv_value *items = ps_get(list, "items");
    int rc = 0;
    for (size_t i = 0; items && items->kind == KV_ARRAY && i < items->len && !rc; i++) {
        const kv_value *it = &items->u.items[i];
        const kv_value *name = ps_get(ps_get(it, "metadata"), "name");
        if (!name || name->kind != KV_STRING || !name->len || ps_skip_namespace(C->opts, name->u.s))
            continue;
        rc = ns_push(C, name->u.s, name->len);
        if (!rc && p->keep)
            rc = add_item(C, it);
    }
    return page_done(C, rc, "namespaces", err);
}

/* Splits a comma list (the include list) into namespaces. */
static int ns_from_list(collector *C, const char *list)
{
    size_t len;
    for (const char *p = list, *it; ks_list_next(&p, &it, &len);) {
        bool dup = false;
        for (size_t i = 0; i < C->ns.len && !dup; i++)
            dup = strlen(C->ns.v[i]) == len && memcmp(C->ns.v[i], it, len) == 0;
        if (len && !dup) {
            int rc = ns_push(C, it, len);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int collect_namespaces(collector *C, const ctype *nstype, ks_error *err)
{
    static const ctype core_ns = {"", "v1", "namespaces", "Namespace", false, true, 0, NULL};
    C->cur = nstype ? nstype : &core_ns;
    nspage p = {C, nstype != NULL};
    ks_error e = {0};
    int rc = kube_list(C->c, "/api/v1/namespaces", PAGE_LIMIT, on_ns_page, &p, &e);
    if (rc == KS_ERANGE && !C->fatal) {
        C->ns.len = 0;
        ks_error_clear(&e);
        rc = kube_list(C->c, "/api/v1/namespaces", PAGE_LIMIT, on_ns_page, &p, &e);
    }
    if (C->fatal) {
        *err = e;
        return C->fatal;
    }
    if (rc == 0)
        return 0;
    /* namespaces may not be listed: the include list names them, or the
     * namespaced types are listed cluster-wide */
    C->ns.len = 0;
    if (nstype) {
        char gvr[512];
        gvr_text(gvr, sizeof gvr, "", "v1", "namespaces");
        rc = add_pull(C, "", "v1", "Namespace", "namespaces", gvr, "", e.msg);
        if (rc)
            return rc;
    }
    if (C->opts->include_ns && *C->opts->include_ns)
        return ns_from_list(C, C->opts->include_ns);
    ks_log_warn("scan", "namespaces cannot be listed: namespaced types are listed cluster-wide",
                KS_F_STR("error", e.msg));
    return 0;
}

/* ---- host data (spec configscan_rego.md §7) ---- */

/* The node agents' resource types and their plurals (k8s-interface
 * hostsensor). */
static const struct {
    const char *kind, *plural;
} HOST_KINDS[] = {
        {"OsReleaseFile", "osreleasefiles"},
        {"KernelVersion", "kernelversions"},
        {"LinuxSecurityHardeningStatus", "linuxsecurityhardeningstatuses"},
        {"OpenPortsList", "openportslists"},
        {"LinuxKernelVariables", "linuxkernelvariables"},
        {"KubeletInfo", "kubeletinfos"},
        {"KubeProxyInfo", "kubeproxyinfos"},
        {"ControlPlaneInfo", "controlplaneinfos"},
        {"CloudProviderInfo", "cloudproviderinfos"},
        {"CNIInfo", "cniinfos"},
};

/* The served type of a node-agent kind, NULL when not served. */
static const ctype *host_type(const collector *C, const char *plural)
{
    for (size_t i = 0; i < C->htypes.len; i++)
        if (strcmp(C->htypes.v[i].resource, plural) == 0)
            return &C->htypes.v[i];
    return NULL;
}

/* A CR of the node agents as the envelope rules read: apiVersion
 * hostdata.kubescape.cloud/v1beta0, the kind, the node's name, and as data
 * the spec without nodeName (or spec.<Kind> when the spec wraps it). */
static int host_envelope(ks_arena *a, const char *kind, const kv_value *item, kv_value *out)
{
    const kv_value *spec = ps_get(item, "spec");
    const char *name = ps_get_str(ps_get(item, "metadata"), "name");
    if (!spec || spec->kind != KV_OBJECT || !name)
        return KS_EINVAL;
    kv_value data = kv_null(), md = kv_null(), nm = kv_null();
    const kv_value *inner = ps_get(spec, kind);
    int rc = 0;
    if (inner)
        data = *inner;
    else
        rc = ps_obj_set(a, spec, "nodeName", NULL, &data);
    if (!rc)
        rc = kv_str_copy(a, name, strlen(name), &nm);
    if (!rc) {
        kv_member mm[1] = {{kv_str_ref("name", 4), nm}};
        rc = kv_object_new(a, mm, 1, KV_DUP_LAST_WINS, &md, NULL);
    }
    if (rc)
        return rc;
    kv_member m[4] = {
            {kv_str_ref("apiVersion", 10),
             kv_str_ref(HOST_DATA "/" HOST_VERSION, sizeof HOST_DATA "/" HOST_VERSION - 1)},
            {kv_str_ref("kind", 4), kv_str_ref(kind, strlen(kind))},
            {kv_str_ref("metadata", 8), md},
            {kv_str_ref("data", 4), data},
    };
    return kv_object_new(a, m, 4, KV_DUP_LAST_WINS, out, NULL);
}

static int on_host_page(void *ctx, const kv_value *list, ks_error *err)
{
    collector *C = ctx;
    C->st->lists++;
    const kv_value *items = ps_get(list, "items");
    int rc = 0;
    for (size_t i = 0; items && items->kind == KV_ARRAY && i < items->len && !rc; i++) {
        const kv_value *it = &items->u.items[i];
        C->hitems++;
        kv_value env;
        if (host_envelope(&C->scratch, C->hkind, it, &env) != 0) {
            ks_log_warn("scan", "host data without a spec left out", KS_F_STR("kind", C->hkind));
            continue;
        }
        if (strcmp(C->hkind, "CloudProviderInfo") == 0) {
            const kv_value *acc = ps_get(ps_get(&env, "data"), "providerMetaDataAPIAccess");
            C->managed |= acc && acc->kind == KV_BOOL && acc->u.b;
        }
        if (C->hkeep)
            rc = add_scanned(C, &env, C->hkind);
    }
    return page_done(C, rc, C->hkind, err);
}

static int count_page(void *ctx, const kv_value *list, ks_error *err)
{
    (void)err;
    const kv_value *items = ps_get(list, "items");
    *(long *)ctx += items && items->kind == KV_ARRAY ? (long)items->len : 0;
    return 0;
}

/* Lists one node-agent type; the envelopes go into the scan when keep. */
static int host_list(collector *C, const ctype *t, const char *kind, bool keep, ks_error *err)
{
    char path[512];
    snprintf(path, sizeof path, "/apis/" HOST_DATA "/%s/%s", t->version, t->resource);
    C->hkind = kind;
    C->hkeep = keep;
    C->hitems = 0;
    return kube_list(C->c, path, 50, on_host_page, C, err);
}

/* The host data the selected rules take, from the node agents' CRs (as
 * upstream reads them when node-agent runs); each kind that is not served,
 * cannot be listed, or has no CR while the cluster has nodes is recorded
 * as not collected. */
static int collect_host(collector *C)
{
    if (!C->hwant.len)
        return 0;
    long nodes = 0;
    ks_error e = {0};
    if (kube_list(C->c, "/api/v1/nodes", PAGE_LIMIT, count_page, &nodes, &e) != 0) {
        nodes = -1;
        ks_error_clear(&e);
    }
    /* a CloudProviderInfo with metadata API access: the provider runs the
     * control plane, whose ControlPlaneInfo no agent reports */
    const ctype *cloud = host_type(C, "cloudproviderinfos");
    if (cloud && host_list(C, cloud, "CloudProviderInfo", false, &e) != 0) {
        if (C->fatal)
            return C->fatal;
        ks_error_clear(&e);
    }
    for (size_t i = 0; i < C->hwant.len; i++) {
        const char *kind = C->hwant.v[i], *plural = NULL;
        for (size_t k = 0; k < sizeof HOST_KINDS / sizeof *HOST_KINDS && !plural; k++)
            if (strcasecmp(HOST_KINDS[k].kind, kind) == 0) {
                kind = HOST_KINDS[k].kind;
                plural = HOST_KINDS[k].plural;
            }
        char lower[128], gvr[512], why[1024];
        if (!plural) { /* a kind no node agent reports */
            size_t n = strlen(kind) < 100 ? strlen(kind) : 100;
            for (size_t k = 0; k < n; k++)
                lower[k] = (char)(kind[k] >= 'A' && kind[k] <= 'Z' ? kind[k] + 32 : kind[k]);
            memcpy(lower + n, "s", 2);
            plural = lower;
        }
        const ctype *t = host_type(C, plural);
        gvr_text(gvr, sizeof gvr, HOST_DATA, t ? t->version : "v1beta1", plural);
        why[0] = '\0';
        if (strcmp(kind, "ControlPlaneInfo") == 0 && C->managed) {
            snprintf(why, sizeof why,
                     "the cloud provider runs the control plane: no node "
                     "agent reports ControlPlaneInfo");
        } else if (!t) {
            snprintf(why, sizeof why,
                     "not served by the cluster: the node agents that report "
                     "host data (node-agent) are not deployed");
        } else if (host_list(C, t, kind, true, &e) != 0) {
            if (C->fatal)
                return C->fatal;
            snprintf(why, sizeof why, "%s", e.msg);
            ks_error_clear(&e);
        } else if (C->hitems == 0 && nodes != 0) {
            if (nodes > 0)
                snprintf(why, sizeof why, "the node agents reported no %s for %ld node(s)", kind,
                         nodes);
            else
                snprintf(why, sizeof why,
                         "the node agents reported no %s (nodes cannot be "
                         "listed)",
                         kind);
        }
        if (*why) {
            int rc = add_pull(C, HOST_DATA, HOST_VERSION, kind, plural, gvr, "", why);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The server's /version answer, kept for the report's clusterAPIServerInfo
 * (as upstream's cluster scans give it); left null when it cannot be read. */
static int server_version(collector *C)
{
    kube_response r;
    ks_error e = {0};
    int rc = kube_request(C->c, "GET", "/version", NULL, NULL, 0, &r, &e);
    kv_value v;
    kv_json_opts jo = {.source = "/version"};
    if (rc == 0 &&
        kv_json_parse(&C->rs->arena, r.body.data ? r.body.data : "", r.body.len, &jo, &v, &e) ==
                0 &&
        v.kind == KV_OBJECT)
        C->rs->api_info = v;
    else
        ks_log_debug("scan", "the server's version is unknown", KS_F_STR("error", e.msg));
    kube_response_free(&r);
    return 0;
}

/* ---- the collection ---- */

static void collector_free(collector *C)
{
    ks_vec_free(&C->types);
    ks_vec_free(&C->htypes);
    ks_vec_free(&C->ns);
    ks_vec_free(&C->hwant);
    ks_arena_free(&C->keep);
    ks_arena_free(&C->scratch);
    ps_scan_ctx_free(&C->S);
}

/* A LIST that failed: fatal for memory, recorded otherwise. */
static int list_failed(collector *C, ctype *t, const char *ns, int rc, ks_error *e)
{
    if (C->fatal || rc == KS_ENOMEM)
        return C->fatal ? C->fatal : rc;
    char gvr[512];
    gvr_text(gvr, sizeof gvr, t->group, t->version, t->resource);
    if (!ns)
        return add_pull(C, t->group, t->version, t->kind, t->resource, gvr, "", e->msg);
    if (t->failures++ == 0 && !(t->first_error = keep_str(C, e->msg)))
        return KS_ENOMEM;
    char sel[512];
    snprintf(sel, sizeof sel, "metadata.namespace=%s", ns);
    /* recorded as partial now; folded into one failure of the whole type
     * when every namespace failed (finish) */
    ps_pull p = {t->group, t->version, t->kind, t->resource, gvr, sel, e->msg};
    return ps_resources_add_pull(C->rs, &p);
}

/* A type whose LIST failed in every namespace failed as a whole: its
 * per-namespace records become one. */
static int fold_failures(collector *C)
{
    for (size_t i = 0; i < C->types.len; i++) {
        ctype *t = &C->types.v[i];
        if (!t->namespaced || !t->failures)
            continue;
        char gvr[512];
        gvr_text(gvr, sizeof gvr, t->group, t->version, t->resource);
        if (t->failures < C->ns.len) {
            C->st->failures += t->failures;
            ks_log_warn("scan", "could not collect in some namespaces", KS_F_STR("resource", gvr),
                        KS_F_STR("error", t->first_error));
            continue;
        }
        size_t k = 0;
        for (size_t j = 0; j < C->rs->npulls; j++) {
            const ps_pull *p = &C->rs->pulls[j];
            if (!(*p->selector && strcmp(p->gvr, gvr) == 0))
                C->rs->pulls[k++] = *p;
        }
        C->rs->npulls = k;
        int rc = add_pull(C, t->group, t->version, t->kind, t->resource, gvr, "", t->first_error);
        if (rc)
            return rc;
    }
    return 0;
}

int ps_resources_add_cluster(ps_resources *rs, kube_client *c, const ps_library *lib,
                             const ps_scan_opts *opts, ps_cluster_stats *st, ks_error *err)
{
    ps_cluster_stats local;
    memset(st ? st : &local, 0, sizeof local);
    collector C = {.rs = rs, .c = c, .opts = opts, .st = st ? st : &local};
    ks_arena_init(&C.keep, NULL, 0);
    ks_arena_init(&C.scratch, NULL, 0);
    /* objects from the API keep their plain resource IDs */
    rs->file_ids = false;
    int rc = ps_scan_select(&C.S, lib, rs, opts, err);
    if (!rc)
        rc = kube_discover(c, on_resource, &C, err);
    if (!rc)
        rc = server_version(&C);
    if (!rc)
        rc = ps_scan_foreach_match(&C.S, on_host_match, &C);
    const ctype *nstype = NULL;
    bool any_namespaced = false;
    for (size_t i = 0; !rc && i < C.types.len; i++) {
        if (!*C.types.v[i].group && strcmp(C.types.v[i].resource, "namespaces") == 0)
            nstype = &C.types.v[i];
        any_namespaced |= C.types.v[i].namespaced;
    }
    if (!rc && (nstype || any_namespaced))
        rc = collect_namespaces(&C, nstype, err);
    if (!rc && C.ns.len)
        qsort(C.ns.v, C.ns.len, sizeof *C.ns.v, cmp_str);
    C.st->namespaces = C.ns.len;
    C.st->types = C.types.len;
    for (size_t i = 0; !rc && i < C.types.len; i++) {
        char gvr[512];
        gvr_text(gvr, sizeof gvr, C.types.v[i].group, C.types.v[i].version, C.types.v[i].resource);
        ks_log_debug("scan", "resource type to collect", KS_F_STR("resource", gvr),
                     KS_F_STR("kind", C.types.v[i].kind),
                     KS_F_STR("scope", C.types.v[i].namespaced ? "namespaced" : "cluster"));
    }
    /* cluster-scoped types, once each */
    for (size_t i = 0; !rc && i < C.types.len; i++) {
        ctype *t = &C.types.v[i];
        if (t->namespaced || t == nstype)
            continue;
        ks_error e = {0};
        int lr = list_one(&C, t, NULL, &e);
        if (lr)
            rc = list_failed(&C, t, NULL, lr, &e);
        if (C.fatal)
            *err = e;
    }
    /* namespaced types: one paged LIST across the cluster each, or
     * namespace by namespace when --include-namespaces names them or the
     * cluster-wide LIST is refused (RBAC granted namespace by namespace) */
    bool include = opts->include_ns && *opts->include_ns;
    for (size_t i = 0; !rc && i < C.types.len; i++) {
        ctype *t = &C.types.v[i];
        if (!t->namespaced)
            continue;
        ks_error e = {0};
        if (!include) {
            int lr = list_one(&C, t, NULL, &e);
            if (!lr)
                continue;
            if (C.fatal || kube_client_last_status(c) != 403 || C.ns.len == 0) {
                rc = list_failed(&C, t, NULL, lr, &e);
                if (C.fatal)
                    *err = e;
                continue;
            }
            ks_error_clear(&e);
        }
        for (size_t n = 0; !rc && n < C.ns.len; n++) {
            int lr = list_one(&C, t, C.ns.v[n], &e);
            if (lr)
                rc = list_failed(&C, t, C.ns.v[n], lr, &e);
            if (C.fatal)
                *err = e;
            ks_error_clear(&e);
        }
    }
    if (!rc)
        rc = fold_failures(&C);
    if (!rc)
        rc = collect_host(&C);
    if (rc && !err->msg[0])
        ks_error_set(err, rc, "collecting from the cluster: %s", ks_strerror(rc));
    collector_free(&C);
    return rc;
}
