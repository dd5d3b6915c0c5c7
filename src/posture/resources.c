/*
 * Scan inputs: reading manifests from files, directories and streams,
 * resource IDs, object envelopes and the Rego input aggregators (spec
 * configscan_rego.md §3.3, §3.4, §4.3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/log.h"
#include "posture/internal.h"

#define MANIFEST_MAX (64u << 20) /* per file, as a bound on hostile input */

static const char HOST_GROUP[] = "hostdata.kubescape.cloud";

static bool str_has_suffix(const char *s, size_t n, const char *x)
{
    size_t m = strlen(x);
    return n >= m && memcmp(s + n - m, x, m) == 0;
}

/* apiVersion "group/version" -> group, version (SplitApiVersion). */
static void split_api_version(const char *av, size_t n, const char **g, size_t *gn, const char **v,
                              size_t *vn)
{
    const char *sl = memchr(av, '/', n);
    if (sl) {
        *g = av;
        *gn = (size_t)(sl - av);
        *v = sl + 1;
        const char *sl2 = memchr(*v, '/', n - *gn - 1);
        *vn = sl2 ? (size_t)(sl2 - *v) : n - *gn - 1;
    } else {
        *g = "";
        *gn = 0;
        *v = av;
        *vn = n;
    }
}

static const kv_value *str_member(const kv_value *o, const char *k)
{
    const kv_value *v = ps_get(o, k);
    return v && v->kind == KV_STRING ? v : NULL;
}

static bool is_vector(const kv_value *o)
{
    return o->kind == KV_OBJECT && ps_get(o, "kind") && ps_get(o, "name") &&
           ps_get(o, "relatedObjects");
}

static bool is_host(const kv_value *o)
{
    const kv_value *av = ps_get(o, "apiVersion");
    if (!av || av->kind != KV_STRING)
        return false;
    size_t gl = strlen(HOST_GROUP);
    return av->len >= gl && memcmp(av->u.s, HOST_GROUP, gl) == 0 &&
           (av->len == gl || av->u.s[gl] == '/');
}

static bool is_cloud_describe(const kv_value *o)
{
    const kv_value *av = str_member(o, "apiVersion");
    const kv_value *k = str_member(o, "kind");
    if (!av || !k)
        return false;
    const char *sl = memchr(av->u.s, '/', av->len);
    if (!sl || memchr(sl + 1, '/', av->len - (size_t)(sl + 1 - av->u.s)))
        return false;
    size_t gl = (size_t)(sl - av->u.s);
    static const char *const groups[] = {"container.googleapis.com", "eks.amazonaws.com",
                                         "management.azure.com"};
    bool cloud = false;
    for (size_t i = 0; i < 3; i++)
        cloud |= strlen(groups[i]) == gl && memcmp(groups[i], av->u.s, gl) == 0;
    return cloud && (ps_str_eq(k, "ClusterDescribe") || ps_str_eq(k, "Describe"));
}

static void append_sv(ks_buf *b, const kv_value *v)
{
    if (v && v->kind == KV_STRING)
        ks_buf_append(b, v->u.s, v->len);
}

/* metadata.namespace, "default" when absent (where kubectl would put it). */
static const char *ns_or_default(const kv_value *o)
{
    const char *ns = ps_get_str(ps_get(o, "metadata"), "namespace");
    return ns && *ns ? ns : "default";
}

static int cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int object_id_buf(ks_arena *a, const kv_value *obj, ks_buf *b, enum ps_res_type *type,
                         int depth);

static int vector_id(ks_arena *a, const kv_value *obj, ks_buf *b, int depth)
{
    const kv_value *rel = ps_get(obj, "relatedObjects");
    size_t n = rel && (rel->kind == KV_ARRAY || rel->kind == KV_SET) ? rel->len : 0;
    char **ids = calloc(n + 1, sizeof *ids);
    if (!ids)
        return KS_ENOMEM;
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const kv_value *o = &rel->u.items[i];
        if (o->kind != KV_OBJECT)
            continue;
        /* NewObject: only objects it recognises have IDs */
        bool known = is_vector(o) || is_host(o) || is_cloud_describe(o) ||
                     (str_member(o, "apiVersion") && str_member(o, "kind") &&
                      str_member(ps_get(o, "metadata"), "name"));
        if (!known)
            continue;
        ks_buf sub = KS_BUF_INIT;
        enum ps_res_type t;
        rc = object_id_buf(a, o, &sub, &t, depth + 1);
        if (!rc)
            ids[k++] = ks_buf_detach(&sub, NULL);
        ks_buf_free(&sub);
    }
    ks_buf own = KS_BUF_INIT;
    const kv_value *av = str_member(obj, "apiVersion");
    if (!av)
        av = str_member(obj, "apiGroup");
    append_sv(&own, av);
    ks_buf_putc(&own, '/');
    append_sv(&own, str_member(obj, "namespace"));
    ks_buf_putc(&own, '/');
    append_sv(&own, str_member(obj, "kind"));
    ks_buf_putc(&own, '/');
    append_sv(&own, str_member(obj, "name"));
    ids[k++] = ks_buf_detach(&own, NULL);
    if (!rc) {
        qsort(ids, k, sizeof *ids, cmp_cstr);
        for (size_t i = 0; i < k; i++) {
            if (i)
                ks_buf_putc(b, '/');
            ks_buf_puts(b, ids[i] ? ids[i] : "");
        }
    }
    for (size_t i = 0; i < k; i++)
        free(ids[i]);
    free(ids);
    return rc ? rc : b->err;
}

static int object_id_buf(ks_arena *a, const kv_value *obj, ks_buf *b, enum ps_res_type *type,
                         int depth)
{
    if (depth > 32)
        return KS_ELIMIT;
    const kv_value *av = str_member(obj, "apiVersion");
    const char *g = "", *v = "";
    size_t gn = 0, vn = 0;
    if (av)
        split_api_version(av->u.s, av->len, &g, &gn, &v, &vn);
    const kv_value *md = ps_get(obj, "metadata");
    if (is_vector(obj)) {
        *type = PS_RES_VECTOR;
        return vector_id(a, obj, b, depth);
    }
    if (is_host(obj) || is_cloud_describe(obj)) {
        *type = is_host(obj) ? PS_RES_HOST : PS_RES_CLOUD;
        ks_buf_append(b, g, gn);
        ks_buf_putc(b, '/');
        ks_buf_append(b, v, vn);
        ks_buf_putc(b, '/');
        append_sv(b, str_member(obj, "kind"));
        ks_buf_putc(b, '/');
        append_sv(b, str_member(md, "name"));
        return b->err;
    }
    *type = PS_RES_K8S;
    const kv_value *sp = str_member(obj, "sourcePath");
    if (sp) {
        /* a manifest read from a file (upstream's LocalWorkload):
         * path=<FNV-1a 32 of sourcePath>/api=<the object's ID> */
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < sp->len; i++)
            h = (h ^ (unsigned char)sp->u.s[i]) * 16777619u;
        ks_buf_printf(b, "path=%u/api=", h);
    }
    ks_buf_append(b, g, gn);
    ks_buf_putc(b, '/');
    ks_buf_append(b, v, vn);
    ks_buf_putc(b, '/');
    append_sv(b, str_member(md, "namespace"));
    ks_buf_putc(b, '/');
    append_sv(b, str_member(obj, "kind"));
    ks_buf_putc(b, '/');
    append_sv(b, str_member(md, "name"));
    return b->err;
}

int ps_object_id(ks_arena *a, const kv_value *obj, const char **id, enum ps_res_type *type)
{
    ks_buf b = KS_BUF_INIT;
    int rc = object_id_buf(a, obj, &b, type, 0);
    if (!rc) {
        *id = ks_arena_strndup(a, ks_buf_cstr(&b), b.len);
        if (!*id)
            rc = KS_ENOMEM;
    }
    ks_buf_free(&b);
    return rc;
}

int ps_object_envelope(ks_arena *a, const kv_value *obj, kv_value *out)
{
    if (obj->kind != KV_OBJECT || is_vector(obj) || (!is_host(obj) && !is_cloud_describe(obj))) {
        *out = *obj;
        return 0;
    }
    bool host = is_host(obj);
    const kv_value *md = ps_get(obj, "metadata");
    kv_member mm[2];
    size_t nm = 0;
    const kv_value *name = str_member(md, "name");
    mm[nm].key = kv_str_ref("name", 4);
    mm[nm++].val = name ? *name : kv_str_ref("", 0);
    if (!host) {
        const kv_value *prov = str_member(md, "provider");
        mm[nm].key = kv_str_ref("provider", 8);
        mm[nm++].val = prov ? *prov : kv_str_ref("", 0);
    }
    kv_value mdv;
    int rc = kv_object_new(a, mm, nm, KV_DUP_LAST_WINS, &mdv, NULL);
    if (rc)
        return rc;
    const kv_value *av = str_member(obj, "apiVersion");
    const kv_value *kind = str_member(obj, "kind");
    const kv_value *data = ps_get(obj, "data");
    kv_member m[4] = {
            {kv_str_ref("apiVersion", 10), av ? *av : kv_str_ref("", 0)},
            {kv_str_ref("kind", 4), kind ? *kind : kv_str_ref("", 0)},
            {kv_str_ref("metadata", 8), mdv},
            {kv_str_ref("data", 4), data ? *data : kv_null()},
    };
    /* cloud descriptions decode data into a map: anything else is null */
    if (!host && (!data || data->kind != KV_OBJECT))
        m[3].val = kv_null();
    return kv_object_new(a, m, 4, KV_DUP_LAST_WINS, out, NULL);
}

int ps_resource_fill(ks_arena *a, ps_resource *r)
{
    int rc = ps_object_id(a, &r->obj, &r->id, &r->type);
    if (rc)
        return rc;
    const kv_value *o = &r->obj;
    const kv_value *md = ps_get(o, "metadata");
    r->kind = ps_get_str(o, "kind");
    if (r->type == PS_RES_VECTOR) {
        r->name = ps_get_str(o, "name");
        r->namespace_ = ps_get_str(o, "namespace");
        r->api_version = ps_get_str(o, "apiVersion");
        if (!r->api_version)
            r->api_version = ps_get_str(o, "apiGroup");
    } else {
        r->name = ps_get_str(md, "name");
        r->namespace_ = r->type == PS_RES_K8S ? ps_get_str(md, "namespace") : NULL;
        r->api_version = ps_get_str(o, "apiVersion");
    }
    if (!r->api_version)
        r->api_version = "";
    const char *g, *v;
    size_t gn, vn;
    split_api_version(r->api_version, strlen(r->api_version), &g, &gn, &v, &vn);
    r->group = ks_arena_strndup(a, g, gn);
    r->version = ks_arena_strndup(a, v, vn);
    if (!r->kind)
        r->kind = "";
    if (!r->name)
        r->name = "";
    if (r->namespace_ && !*r->namespace_)
        r->namespace_ = NULL;
    return r->group && r->version ? 0 : KS_ENOMEM;
}

/* ---- aggregators ---- */

int ps_aggregate(ks_arena *a, enum ps_aggregator agg, const kv_value *in, size_t n, kv_value **out,
                 size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (agg == PS_AGG_APISERVER_POD) {
        for (size_t i = 0; i < n; i++) {
            const kv_value *o = &in[i];
            const kv_value *md = ps_get(o, "metadata");
            const char *name = ps_get_str(md, "name");
            if (!ps_str_eq(ps_get(o, "kind"), "Pod") ||
                !ps_str_eq(ps_get(md, "namespace"), "kube-system") || !name || is_vector(o) ||
                !str_member(o, "apiVersion"))
                continue;
            if (strstr(name, "apiserver") || strstr(name, "api-server")) {
                *out = ks_arena_alloc(a, sizeof **out);
                if (!*out)
                    return KS_ENOMEM;
                **out = *o;
                *nout = 1;
                return 0;
            }
        }
        return 0;
    }
    if (agg != PS_AGG_SUBJECTS)
        return 0;
    size_t cap = 0, k = 0;
    kv_value *res = NULL;
    for (size_t i = 0; i < n; i++) {
        const kv_value *b = &in[i];
        const kv_value *bk = str_member(b, "kind");
        if (!bk || !str_has_suffix(bk->u.s, bk->len, "Binding"))
            continue;
        const kv_value *ref = ps_get(b, "roleRef");
        const kv_value *rk = str_member(ref, "kind"), *rn = str_member(ref, "name");
        if (!rk || !rn)
            continue;
        for (size_t j = 0; j < n; j++) {
            const kv_value *r = &in[j];
            const kv_value *kk = str_member(r, "kind");
            if (!kk || !str_has_suffix(kk->u.s, kk->len, "Role"))
                continue;
            const kv_value *nm = str_member(ps_get(r, "metadata"), "name");
            kv_value empty = kv_str_ref("", 0);
            if (!nm)
                nm = &empty;
            if (!kv_equal(rk, kk) || !kv_equal(rn, nm))
                continue;
            /* a RoleBinding's Role is the one in its own namespace (upstream
             * pairs same-named Roles across namespaces: docs/compat.md) */
            if (ps_str_eq(rk, "Role") && strcmp(ns_or_default(b), ns_or_default(r)) != 0)
                continue;
            const kv_value *subs = ps_get(b, "subjects");
            if (!subs || subs->kind != KV_ARRAY)
                continue;
            for (size_t s = 0; s < subs->len; s++) {
                const kv_value *sub = &subs->u.items[s];
                if (sub->kind != KV_OBJECT)
                    continue;
                kv_value pair[2] = {*b, *r}, rel;
                int rc = kv_array_new(a, pair, 2, &rel);
                if (rc)
                    return rc;
                kv_member *m = ks_arena_alloc(a, (sub->len + 1) * sizeof *m);
                if (!m)
                    return KS_ENOMEM;
                size_t mk = 0;
                for (size_t q = 0; q < sub->len; q++)
                    if (!ps_str_eq(&sub->u.members[q].key, "relatedObjects"))
                        m[mk++] = sub->u.members[q];
                m[mk].key = kv_str_ref("relatedObjects", 14);
                m[mk++].val = rel;
                if (k == cap) {
                    size_t nc = cap ? cap * 2 : 16;
                    kv_value *np = ks_arena_alloc(a, nc * sizeof *np);
                    if (!np)
                        return KS_ENOMEM;
                    if (k)
                        memcpy(np, res, k * sizeof *np);
                    res = np;
                    cap = nc;
                }
                if ((rc = kv_object_new(a, m, mk, KV_DUP_LAST_WINS, &res[k], NULL)))
                    return rc;
                k++;
            }
        }
    }
    *out = res;
    *nout = k;
    return 0;
}

/* ---- the resource set ---- */

ps_resources *ps_resources_new(void)
{
    ps_resources *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    ks_arena_init(&rs->arena, NULL, 0);
    ks_map_init(&rs->by_id);
    rs->file_ids = true;
    rs->api_info = kv_null();
    return rs;
}

void ps_resources_free(ps_resources *rs)
{
    if (!rs)
        return;
    free(rs->items);
    free(rs->skipped);
    free(rs->pulls);
    ks_map_free(&rs->by_id);
    ks_arena_free(&rs->arena);
    free(rs);
}

size_t ps_resources_count(const ps_resources *rs)
{
    return rs->n;
}

static int skip(ps_resources *rs, const char *source, const char *why)
{
    ks_log_warn("scan", "manifest skipped", KS_F_STR("path", source), KS_F_STR("reason", why));
    if (rs->nskipped == rs->capskipped) {
        size_t c = rs->capskipped ? rs->capskipped * 2 : 8;
        ps_skipped *p = realloc(rs->skipped, c * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        rs->skipped = p;
        rs->capskipped = c;
    }
    rs->skipped[rs->nskipped].path = ks_arena_strndup(&rs->arena, source, strlen(source));
    rs->skipped[rs->nskipped].reason = ks_arena_strndup(&rs->arena, why, strlen(why));
    rs->nskipped++;
    return 0;
}

static const char *dup_or_null(ks_arena *a, const char *s)
{
    return s ? ks_arena_strndup(a, s, strlen(s)) : NULL;
}

int ps_resources_add_pull(ps_resources *rs, const ps_pull *p)
{
    if (rs->npulls == rs->cappulls) {
        size_t c = rs->cappulls ? rs->cappulls * 2 : 8;
        ps_pull *n = realloc(rs->pulls, c * sizeof *n);
        if (!n)
            return KS_ENOMEM;
        rs->pulls = n;
        rs->cappulls = c;
    }
    ks_arena *a = &rs->arena;
    ps_pull *d = &rs->pulls[rs->npulls];
    *d = (ps_pull){dup_or_null(a, p->group),
                   dup_or_null(a, p->version),
                   dup_or_null(a, p->kind),
                   dup_or_null(a, p->resource),
                   dup_or_null(a, p->gvr),
                   dup_or_null(a, p->selector ? p->selector : ""),
                   dup_or_null(a, p->error ? p->error : "")};
    if (!d->group || !d->version || !d->gvr || !d->selector || !d->error || (p->kind && !d->kind) ||
        (p->resource && !d->resource))
        return KS_ENOMEM;
    rs->npulls++;
    return 0;
}

/* obj with "sourcePath": "REL:DOC" (what upstream sets on every manifest it
 * reads from a file; rules see it and resource IDs depend on it). */
static int with_source_path(ks_arena *a, const kv_value *obj, const char *rel, int doc,
                            kv_value *out)
{
    char sp[4096 + 16];
    snprintf(sp, sizeof sp, "%s:%d", rel, doc);
    kv_member *m = ks_arena_alloc(a, (obj->len + 1) * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < obj->len; i++)
        if (!ps_str_eq(&obj->u.members[i].key, "sourcePath"))
            m[k++] = obj->u.members[i];
    m[k].key = kv_str_ref("sourcePath", 10);
    int rc = kv_str_copy(a, sp, strlen(sp), &m[k].val);
    if (rc)
        return rc;
    return kv_object_new(a, m, k + 1, KV_DUP_LAST_WINS, out, NULL);
}

static int add_resource(ps_resources *rs, const kv_value *obj, const char *source, const char *rel,
                        int doc)
{
    ps_resource r = {.source = source, .rel_source = rel, .doc = doc};
    kv_value local;
    if (rs->file_ids && rel && obj->kind == KV_OBJECT && !is_vector(obj) && !is_host(obj) &&
        !is_cloud_describe(obj)) {
        int rc = with_source_path(&rs->arena, obj, rel, doc, &local);
        if (rc)
            return rc;
        obj = &local;
    }
    int rc = ps_object_envelope(&rs->arena, obj, &r.obj);
    if (!rc)
        rc = ps_resource_fill(&rs->arena, &r);
    if (rc)
        return rc;
    size_t idlen = strlen(r.id);
    size_t *slot = ks_map_get(&rs->by_id, r.id, idlen);
    if (slot) { /* the same object twice: the last one wins, as upstream */
        rs->items[*slot] = r;
        return 0;
    }
    if (rs->n == rs->cap) {
        size_t c = rs->cap ? rs->cap * 2 : 64;
        ps_resource *p = realloc(rs->items, c * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        rs->items = p;
        rs->cap = c;
    }
    size_t *idx = ks_arena_alloc(&rs->arena, sizeof *idx);
    if (!idx)
        return KS_ENOMEM;
    *idx = rs->n;
    rs->items[rs->n++] = r;
    ks_map_put(&rs->by_id, r.id, idlen, idx);
    return 0;
}

static bool has_identity(const kv_value *o)
{
    const kv_value *md = ps_get(o, "metadata");
    const kv_value *n = str_member(md, "name"), *gn = str_member(md, "generateName");
    return (n && n->len) || (gn && gn->len);
}

/* A manifest document: an object, a List or typed list (expanded), or
 * something that is not a Kubernetes object. */
static int add_manifest(ps_resources *rs, const kv_value *o, const char *source, const char *rel,
                        int doc, int depth)
{
    char why[512];
    if (o->kind != KV_OBJECT)
        return 0;
    const kv_value *kind = ps_get(o, "kind");
    if (kind && kind->kind != KV_STRING) {
        snprintf(why, sizeof why, "%s: document %d: kind must be a string", source, doc + 1);
        return skip(rs, source, why);
    }
    bool list = kind && (ps_str_eq(kind, "List") ||
                         (str_has_suffix(kind->u.s, kind->len, "List") && !has_identity(o)));
    if (list && depth < 4) {
        const kv_value *items = ps_get(o, "items");
        if (!items || items->kind != KV_ARRAY) {
            snprintf(why, sizeof why, "%s: document %d: %s.items must be an array", source, doc + 1,
                     kind->u.s);
            return skip(rs, source, why);
        }
        bool typed = !ps_str_eq(kind, "List");
        for (size_t i = 0; i < items->len; i++) {
            const kv_value *it = &items->u.items[i];
            kv_value item = *it;
            if (typed && it->kind == KV_OBJECT) {
                /* typed lists: items inherit the kind and apiVersion */
                kv_member *m = ks_arena_alloc(&rs->arena, (it->len + 2) * sizeof *m);
                if (!m)
                    return KS_ENOMEM;
                size_t k = 0;
                for (size_t q = 0; q < it->len; q++)
                    m[k++] = it->u.members[q];
                if (!str_member(it, "kind")) {
                    m[k].key = kv_str_ref("kind", 4);
                    m[k++].val = kv_str_ref(kind->u.s, kind->len - 4);
                }
                const kv_value *lav = str_member(o, "apiVersion");
                if (!str_member(it, "apiVersion") && lav) {
                    m[k].key = kv_str_ref("apiVersion", 10);
                    m[k++].val = *lav;
                }
                int rc = kv_object_new(&rs->arena, m, k, KV_DUP_LAST_WINS, &item, NULL);
                if (rc)
                    return rc;
            }
            if (item.kind != KV_OBJECT || !ps_get(&item, "kind")) {
                snprintf(why, sizeof why,
                         "%s: document %d: %s.items[%zu] is not a Kubernetes object", source,
                         doc + 1, kind->u.s, i);
                return skip(rs, source, why);
            }
            int rc = add_manifest(rs, &item, source, rel, doc, depth + 1);
            if (rc)
                return rc;
        }
        return 0;
    }
    bool known = is_vector(o) || is_host(o) || is_cloud_describe(o) ||
                 (str_member(o, "apiVersion") && ps_get(o, "apiVersion")->len && kind &&
                  kind->len && has_identity(o) && str_member(ps_get(o, "metadata"), "name"));
    if (!known) {
        if (ps_get(o, "apiVersion")) {
            snprintf(why, sizeof why,
                     "%s: document %d: not a valid Kubernetes object (it needs kind and "
                     "metadata.name)",
                     source, doc + 1);
            return skip(rs, source, why);
        }
        return 0; /* not a manifest at all (values.yaml, CI files) */
    }
    return add_resource(rs, o, source, rel, doc);
}

typedef struct yctx {
    ps_resources *rs;
    const char *source, *rel;
    int rc;
} yctx;

static int on_doc(void *p, const kv_value *doc, const kv_yaml_doc *info)
{
    yctx *y = p;
    int rc = add_manifest(y->rs, doc, y->source, y->rel, (int)info->index, 0);
    return rc < 0 ? rc : 0;
}

static bool is_json_name(const char *name)
{
    size_t n = strlen(name);
    return str_has_suffix(name, n, ".json");
}

static int add_text(ps_resources *rs, const char *source, const char *rel, const char *text,
                    size_t n, bool json, ks_error *err)
{
    const char *src = ks_arena_strndup(&rs->arena, source, strlen(source));
    const char *rl = rel ? ks_arena_strndup(&rs->arena, rel, strlen(rel)) : src;
    if (!src || !rl)
        return KS_ENOMEM;
    size_t i = 0;
    while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (json || (i < n && (text[i] == '{' || text[i] == '['))) {
        kv_json_opts jo = {.source = src, .max_size = MANIFEST_MAX};
        kv_value v;
        int rc = kv_json_parse(&rs->arena, text, n, &jo, &v, err);
        if (rc)
            return rc;
        if (v.kind == KV_ARRAY) {
            for (size_t k = 0; k < v.len; k++)
                if ((rc = add_manifest(rs, &v.u.items[k], src, rl, (int)k, 0)))
                    return rc;
            return 0;
        }
        return add_manifest(rs, &v, src, rl, 0, 0);
    }
    kv_yaml_opts yo = {.source = src, .max_size = MANIFEST_MAX};
    yctx y = {.rs = rs, .source = src, .rel = rl};
    return kv_yaml_parse_stream(&rs->arena, text, n, &yo, on_doc, &y, err);
}

int ps_resources_add_text(ps_resources *rs, const char *name, const char *text, size_t n,
                          ks_error *err)
{
    /* streams have no file path: their objects keep their plain IDs */
    bool ids = rs->file_ids;
    rs->file_ids = false;
    int rc = add_text(rs, name, name, text, n, false, err);
    rs->file_ids = ids;
    return rc;
}

int ps_resources_add_object(ps_resources *rs, const kv_value *obj, const char *source,
                            ks_error *err)
{
    kv_value copy;
    int rc = kv_clone(&rs->arena, obj, &copy);
    if (rc)
        return ks_error_set(err, rc, "%s: %s", source ? source : "object", ks_strerror(rc));
    const char *src = source ? ks_arena_strndup(&rs->arena, source, strlen(source)) : NULL;
    return add_manifest(rs, &copy, src ? src : "", src ? src : "", 0, 0);
}

static bool manifest_name(const char *name)
{
    size_t n = strlen(name);
    return str_has_suffix(name, n, ".yaml") || str_has_suffix(name, n, ".yml") ||
           str_has_suffix(name, n, ".json");
}

static int add_file(ps_resources *rs, const char *path, const char *rel, bool explicit_,
                    ks_error *err)
{
    char *data;
    size_t len;
    int rc = ks_file_read(path, MANIFEST_MAX, &data, &len, err);
    if (rc) {
        if (explicit_)
            return rc;
        char why[1024];
        snprintf(why, sizeof why, "%s", err->msg);
        ks_error_clear(err);
        return skip(rs, path, why);
    }
    rc = add_text(rs, path, rel, data, len, is_json_name(path), err);
    free(data);
    if (rc && !explicit_ && rc != KS_ENOMEM) {
        /* one bad file in a directory: reported, the rest still scanned */
        char why[1024];
        ks_buf b = KS_BUF_INIT;
        ks_error_format(err, &b);
        snprintf(why, sizeof why, "%s", ks_buf_cstr(&b));
        ks_buf_free(&b);
        ks_error_clear(err);
        return skip(rs, path, why);
    }
    return rc;
}

static int add_dir(ps_resources *rs, const char *dir, const char *root, int depth, ks_error *err)
{
    if (depth > 64)
        return 0;
    char **names;
    size_t n;
    int rc = ps_dir_names(dir, &names, &n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        if (names[i][0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode))
            continue; /* symlinks are not followed: no loops, no escapes */
        if (S_ISDIR(st.st_mode))
            rc = add_dir(rs, path, root, depth + 1, err);
        else if (S_ISREG(st.st_mode) && manifest_name(names[i])) {
            size_t rl = strlen(root);
            const char *rel =
                    strncmp(path, root, rl) == 0 && path[rl] == '/' ? path + rl + 1 : path;
            rc = add_file(rs, path, rel, false, err);
        }
    }
    ps_names_free(names, n);
    return rc;
}

/* The root reported paths are relative to, as upstream anchors them: the
 * enclosing git repository's top directory, else the scanned directory (or
 * a file's directory). */
static void scan_root(const char *path, bool dir, char *out, size_t cap)
{
    char abs[4096];
    if (!realpath(path, abs)) {
        snprintf(out, cap, "%s", path);
        return;
    }
    if (!dir) {
        char *sl = strrchr(abs, '/');
        if (sl && sl != abs)
            *sl = '\0';
        else if (sl)
            sl[1] = '\0';
    }
    char probe[4096 + 8], cur[4096];
    snprintf(cur, sizeof cur, "%s", abs);
    for (;;) {
        struct stat st;
        snprintf(probe, sizeof probe, "%s/.git", cur);
        if (stat(probe, &st) == 0) {
            snprintf(out, cap, "%s", cur);
            return;
        }
        char *sl = strrchr(cur, '/');
        if (!sl || sl == cur)
            break;
        *sl = '\0';
    }
    snprintf(out, cap, "%s", abs);
}

int ps_resources_add_path(ps_resources *rs, const char *path, const char *root, ks_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return ks_error_set(err, KS_ENOENT, "%s: %s", path, strerror(errno));
    bool dir = S_ISDIR(st.st_mode);
    char rootbuf[4096], abs[4096];
    if (!root) {
        scan_root(path, dir, rootbuf, sizeof rootbuf);
        root = rootbuf;
    }
    if (!realpath(path, abs))
        snprintf(abs, sizeof abs, "%s", path);
    if (dir)
        return add_dir(rs, abs, root, 0, err);
    size_t rl = strlen(root);
    const char *rel = strncmp(abs, root, rl) == 0 && abs[rl] == '/' ? abs + rl + 1 : abs;
    return add_file(rs, abs, rel, true, err);
}
