/*
 * Live-cluster collection: the objects a scan needs, read from the
 * Kubernetes API (spec configscan_rego.md §4.2, §4.9).
 *
 * The resource types come from the selected controls' rules (their match
 * and dynamicMatch entries) resolved against API discovery; one version
 * of each group and resource is listed (the preferred one when a rule
 * takes it). Cluster-scoped types are listed once; namespaced ones
 * namespace by namespace, page by page, so no answer holds a whole
 * cluster. What cannot be collected (a 403, an aggregated API that is
 * down, host data no one collects) is recorded in the resource set: the
 * controls that need it are then reported not evaluated, never passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/log.h"
#include "kube/client.h"
#include "kube/discovery.h"
#include "posture/scan.h"

#define PAGE_LIMIT     500
#define HOST_DATA      "hostdata.kubescape.cloud"
#define HOST_DATA_WHY  "host data is collected by node agents; kso scan does not read it yet"
#define MAX_NAMESPACES 100000

typedef struct ctype {
    char *group, *version, *resource, *kind;
    bool namespaced, preferred;
    size_t failures; /* namespaces whose LIST failed */
    char *first_error;
} ctype;

typedef struct collector {
    ps_resources *rs;
    kube_client *c;
    const ps_scan_opts *opts;
    ps_scan_ctx S;
    ctype *types;
    size_t ntypes, captypes;
    char **ns; /* namespaces to list namespaced types in, sorted */
    size_t nns, capns;
    bool ns_listed; /* the namespaces LIST worked */
    ks_arena scratch;
    ps_cluster_stats *st;
    int fatal; /* an error that ends the collection (memory) */
    /* the type being listed */
    const ctype *cur;
} collector;

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
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
    if (!res->listable || strcmp(res->group, HOST_DATA) == 0 ||
        !ps_scan_wants(&C->S, res->group, res->version, res->kind, res->resource))
        return 0;
    /* one version per group and resource: the preferred one, else the
     * first the server lists (its order of preference) */
    for (size_t i = 0; i < C->ntypes; i++) {
        ctype *t = &C->types[i];
        if (strcmp(t->group, res->group) != 0 || strcmp(t->resource, res->resource) != 0)
            continue;
        if (res->preferred && !t->preferred) {
            char *v = strdup(res->version), *k = strdup(res->kind);
            if (!v || !k) {
                free(v);
                free(k);
                return KS_ENOMEM;
            }
            free(t->version);
            free(t->kind);
            t->version = v;
            t->kind = k;
            t->preferred = true;
            t->namespaced = res->namespaced;
        }
        return 0;
    }
    if (C->ntypes == C->captypes) {
        size_t cap = C->captypes ? C->captypes * 2 : 32;
        ctype *p = realloc(C->types, cap * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        C->types = p;
        C->captypes = cap;
    }
    ctype *t = &C->types[C->ntypes];
    *t = (ctype){xstrdup(res->group),
                 xstrdup(res->version),
                 xstrdup(res->resource),
                 xstrdup(res->kind),
                 res->namespaced,
                 res->preferred,
                 0,
                 NULL};
    if (!t->group || !t->version || !t->resource || !t->kind) {
        free(t->group);
        free(t->version);
        free(t->resource);
        free(t->kind);
        return KS_ENOMEM;
    }
    C->ntypes++;
    return 0;
}

/* The host-data types the rules take are recorded as not collected. */
static int on_host_match(void *ctx, const ps_match *m)
{
    collector *C = ctx;
    const kv_value *g = m->groups, *v = m->versions, *r = m->resources;
    bool host = false;
    for (size_t i = 0; g && g->kind == KV_ARRAY && i < g->len; i++)
        host |= ps_str_eq(&g->u.items[i], HOST_DATA);
    if (!host || !r || r->kind != KV_ARRAY)
        return 0;
    const char *ver = v && v->kind == KV_ARRAY && v->len && v->u.items[0].kind == KV_STRING
                              ? v->u.items[0].u.s
                              : "v1beta0";
    for (size_t i = 0; i < r->len; i++) {
        const kv_value *kind = &r->u.items[i];
        if (kind->kind != KV_STRING || kind->len == 0 || kind->len > 100)
            continue;
        /* the plural of the node agents' CRDs: lower case, an "s" added
         * ("...Status" -> "...statuses", "...Variables" kept) */
        char res[128];
        size_t n = kind->len;
        for (size_t k = 0; k < n; k++)
            res[k] = (char)(kind->u.s[k] >= 'A' && kind->u.s[k] <= 'Z' ? kind->u.s[k] + 32
                                                                       : kind->u.s[k]);
        res[n] = '\0';
        if (n >= 2 && res[n - 2] == 'u' && res[n - 1] == 's')
            memcpy(res + n, "es", 3);
        else if (res[n - 1] != 's')
            memcpy(res + n, "s", 2);
        char gvr[512];
        gvr_text(gvr, sizeof gvr, HOST_DATA, ver, res);
        bool seen = false;
        for (size_t k = 0; k < C->rs->npulls && !seen; k++)
            seen = strcmp(C->rs->pulls[k].gvr, gvr) == 0;
        if (seen)
            continue;
        char kname[128];
        snprintf(kname, sizeof kname, "%.*s", (int)kind->len, kind->u.s);
        int rc = add_pull(C, HOST_DATA, ver, kname, res, gvr, "", HOST_DATA_WHY);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- namespaces ---- */

static bool ns_wanted(const ps_scan_opts *o, const char *name)
{
    return !ps_skip_namespace(o, name);
}

static int ns_push(collector *C, const char *name, size_t len)
{
    if (C->nns >= MAX_NAMESPACES)
        return KS_ELIMIT;
    if (C->nns == C->capns) {
        size_t cap = C->capns ? C->capns * 2 : 16;
        char **p = realloc(C->ns, cap * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        C->ns = p;
        C->capns = cap;
    }
    char *s = strndup(name, len);
    if (!s)
        return KS_ENOMEM;
    C->ns[C->nns++] = s;
    return 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* ---- objects ---- */

/* The list item as a manifest: apiVersion and kind set (lists leave them
 * out), managedFields dropped (server bookkeeping no rule reads). */
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
    const kv_value *md = ps_get(&o2, "metadata");
    if (md && ps_get(md, "managedFields")) {
        kv_value md2;
        rc = ps_obj_set(a, md, "managedFields", NULL, &md2);
        if (!rc)
            rc = ps_obj_set(a, &o2, "metadata", &md2, &o3);
        if (rc)
            return rc;
    } else {
        o3 = o2;
    }
    ks_error e = {0};
    rc = ps_resources_add_object(C->rs, &o3, NULL, &e);
    if (rc == 0)
        C->st->objects++;
    else if (rc != KS_ENOMEM) {
        /* not an object the scan can identify: left out, as a manifest would be */
        ks_log_warn("scan", "object left out", KS_F_STR("kind", t->kind), KS_F_STR("error", e.msg));
        rc = 0;
    }
    return rc;
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
    ks_arena_reset(&C->scratch);
    if (rc) {
        C->fatal = rc;
        return ks_error_set(err, rc, "collecting %s: %s", C->cur->resource, ks_strerror(rc));
    }
    return 0;
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
        if (!name || name->kind != KV_STRING || !name->len || !ns_wanted(C->opts, name->u.s))
            continue;
        rc = ns_push(C, name->u.s, name->len);
        if (!rc && p->keep)
            rc = add_item(C, it);
    }
    ks_arena_reset(&C->scratch);
    if (rc) {
        C->fatal = rc;
        return ks_error_set(err, rc, "collecting namespaces: %s", ks_strerror(rc));
    }
    return 0;
}

/* Splits a comma list (the include list) into namespaces. */
static int ns_from_list(collector *C, const char *list)
{
    size_t len;
    for (const char *p = list, *it; ks_list_next(&p, &it, &len);) {
        bool dup = false;
        for (size_t i = 0; i < C->nns && !dup; i++)
            dup = strlen(C->ns[i]) == len && memcmp(C->ns[i], it, len) == 0;
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
        for (size_t i = 0; i < C->nns; i++)
            free(C->ns[i]);
        C->nns = 0;
        ks_error_clear(&e);
        rc = kube_list(C->c, "/api/v1/namespaces", PAGE_LIMIT, on_ns_page, &p, &e);
    }
    if (C->fatal) {
        *err = e;
        return C->fatal;
    }
    if (rc == 0) {
        C->ns_listed = true;
        return 0;
    }
    /* namespaces may not be listed: the include list names them, or the
     * namespaced types are listed cluster-wide */
    for (size_t i = 0; i < C->nns; i++)
        free(C->ns[i]);
    C->nns = 0;
    if (nstype) {
        char gvr[512];
        gvr_text(gvr, sizeof gvr, "", "v1", "namespaces");
        rc = add_pull(C, "", "v1", "Namespace", "namespaces", gvr, "", e.msg);
        if (rc)
            return rc;
    } else {
        ks_log_warn("scan", "namespaces cannot be listed; listing cluster-wide",
                    KS_F_STR("error", e.msg));
    }
    if (C->opts->include_ns && *C->opts->include_ns)
        return ns_from_list(C, C->opts->include_ns);
    return 0;
}

/* ---- the collection ---- */

static void collector_free(collector *C)
{
    for (size_t i = 0; i < C->ntypes; i++) {
        free(C->types[i].group);
        free(C->types[i].version);
        free(C->types[i].resource);
        free(C->types[i].kind);
        free(C->types[i].first_error);
    }
    free(C->types);
    for (size_t i = 0; i < C->nns; i++)
        free(C->ns[i]);
    free(C->ns);
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
    if (t->failures++ == 0 && !(t->first_error = strdup(e->msg)))
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
    for (size_t i = 0; i < C->ntypes; i++) {
        ctype *t = &C->types[i];
        if (!t->namespaced || !t->failures)
            continue;
        char gvr[512];
        gvr_text(gvr, sizeof gvr, t->group, t->version, t->resource);
        if (t->failures < C->nns) {
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
    ks_arena_init(&C.scratch, NULL, 0);
    /* objects from the API keep their plain resource IDs */
    rs->file_ids = false;
    int rc = ps_scan_select(&C.S, lib, rs, opts, err);
    if (!rc)
        rc = kube_discover(c, on_resource, &C, err);
    if (!rc)
        rc = ps_scan_foreach_match(&C.S, on_host_match, &C);
    const ctype *nstype = NULL;
    bool any_namespaced = false;
    for (size_t i = 0; !rc && i < C.ntypes; i++) {
        if (!*C.types[i].group && strcmp(C.types[i].resource, "namespaces") == 0)
            nstype = &C.types[i];
        any_namespaced |= C.types[i].namespaced;
    }
    if (!rc && (nstype || any_namespaced))
        rc = collect_namespaces(&C, nstype, err);
    if (!rc && C.nns)
        qsort(C.ns, C.nns, sizeof *C.ns, cmp_str);
    C.st->namespaces = C.nns;
    C.st->types = C.ntypes;
    for (size_t i = 0; !rc && i < C.ntypes; i++) {
        char gvr[512];
        gvr_text(gvr, sizeof gvr, C.types[i].group, C.types[i].version, C.types[i].resource);
        ks_log_debug("scan", "resource type to collect", KS_F_STR("resource", gvr),
                     KS_F_STR("kind", C.types[i].kind),
                     KS_F_STR("scope", C.types[i].namespaced ? "namespaced" : "cluster"));
    }
    /* cluster-scoped types, once each */
    for (size_t i = 0; !rc && i < C.ntypes; i++) {
        ctype *t = &C.types[i];
        if (t->namespaced || t == nstype)
            continue;
        ks_error e = {0};
        int lr = list_one(&C, t, NULL, &e);
        if (lr)
            rc = list_failed(&C, t, NULL, lr, &e);
        if (C.fatal)
            *err = e;
    }
    /* namespaced types, namespace by namespace; cluster-wide when the
     * namespaces are unknown */
    bool wide = !C.ns_listed && C.nns == 0;
    for (size_t n = 0; !rc && (wide ? n < 1 : n < C.nns); n++) {
        for (size_t i = 0; !rc && i < C.ntypes; i++) {
            ctype *t = &C.types[i];
            if (!t->namespaced)
                continue;
            ks_error e = {0};
            const char *ns = wide ? NULL : C.ns[n];
            int lr = list_one(&C, t, ns, &e);
            if (lr)
                rc = list_failed(&C, t, ns, lr, &e);
            if (C.fatal)
                *err = e;
        }
    }
    if (!rc)
        rc = fold_failures(&C);
    if (rc && !err->msg[0])
        ks_error_set(err, rc, "collecting from the cluster: %s", ks_strerror(rc));
    collector_free(&C);
    return rc;
}
