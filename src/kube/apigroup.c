#include "kube/apigroup.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonstr.h"

static const char *const all_verbs =
        "[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\",\"update\","
        "\"watch\"]";

/* ---- compiled schemas ----
 *
 * The check that an object decodes cleanly (kube_schema_prune's fast path)
 * runs on every write; it walks a schema compiled once instead of looking up
 * "$ref", "type", "properties" and the rest in the schema object at every
 * value. A node's properties are looked up in the schema's own "properties"
 * object and the compiled node of a member found at the same index. */
struct kube_snode {
    char type;                 /* the first letter of "type"; 0: anything is clean here */
    bool bytes;                /* a string with format "byte", which may arrive as an array */
    bool open;                 /* an object without properties or additionalProperties */
    const kube_snode *items;   /* an array's elements; NULL: unchecked */
    const kv_value *props;     /* an object's "properties", or NULL */
    const kube_snode **pnodes; /* props' members' nodes, by index */
    const kube_snode *addl;    /* additionalProperties when an object */
};

static const kube_snode snode_any = {0};

static const kv_value *deref(const kube_apigroup *g, const kv_value *s);
static bool is_true(const kv_value *s, const char *key);

static size_t snode_hash(const kv_value *s, size_t cap)
{
    uintptr_t h = (uintptr_t)s;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 7) & (cap - 1);
}

static const kube_snode *snode_find(const kube_apigroup *g, const kv_value *s)
{
    if (!g->snodes_cap)
        return NULL;
    for (size_t i = snode_hash(s, g->snodes_cap);; i = (i + 1) & (g->snodes_cap - 1)) {
        if (g->snodes[i].schema == s)
            return g->snodes[i].node;
        if (!g->snodes[i].schema)
            return NULL;
    }
}

static bool snode_insert(kube_apigroup *g, const kv_value *s, kube_snode *n)
{
    if (2 * (g->nsnodes + 1) > g->snodes_cap) {
        size_t cap = g->snodes_cap ? 2 * g->snodes_cap : 256;
        struct kube_snode_slot *t = calloc(cap, sizeof(*t));
        if (!t)
            return false;
        for (size_t i = 0; i < g->snodes_cap; i++) {
            if (!g->snodes[i].schema)
                continue;
            size_t j = snode_hash(g->snodes[i].schema, cap);
            while (t[j].schema)
                j = (j + 1) & (cap - 1);
            t[j] = g->snodes[i];
        }
        free(g->snodes);
        g->snodes = t;
        g->snodes_cap = cap;
    }
    size_t j = snode_hash(s, g->snodes_cap);
    while (g->snodes[j].schema)
        j = (j + 1) & (g->snodes_cap - 1);
    g->snodes[j].schema = s;
    g->snodes[j].node = n;
    g->nsnodes++;
    return true;
}

/* The node of schema s (resolved through $ref and one-element allOf),
 * compiled with everything it reaches; NULL when out of memory. */
static const kube_snode *snode_compile(kube_apigroup *g, const kv_value *s)
{
    s = deref(g, s);
    if (!s || s->kind != KV_OBJECT)
        return &snode_any;
    const kube_snode *have = snode_find(g, s);
    if (have)
        return have;
    kube_snode *n = ks_arena_alloc(&g->arena, sizeof(*n));
    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    if (!snode_insert(g, s, n)) /* before the children: schemas may recurse */
        return NULL;
    const kv_value *type = kv_obj_get(s, "type", 4);
    if (is_true(s, "x-kubernetes-preserve-unknown-fields") || !type || type->kind != KV_STRING)
        return n; /* type 0 */
    n->type = type->u.s[0];
    const kv_value *fmt = kv_obj_get(s, "format", 6);
    n->bytes = fmt && fmt->kind == KV_STRING && strcmp(fmt->u.s, "byte") == 0;
    if (n->type == 'a') {
        const kv_value *items = kv_obj_get(s, "items", 5);
        if (items && !(n->items = snode_compile(g, items)))
            return NULL;
    } else if (n->type == 'o') {
        const kv_value *props = kv_obj_get(s, "properties", 10);
        const kv_value *addl = kv_obj_get(s, "additionalProperties", 20);
        n->open = !props && !addl;
        if (props && props->kind == KV_OBJECT) {
            const kube_snode **pn = ks_arena_alloc(&g->arena, (props->len + 1) * sizeof(*pn));
            if (!pn)
                return NULL;
            for (uint32_t i = 0; i < props->len; i++)
                if (!(pn[i] = snode_compile(g, &props->u.members[i].val)))
                    return NULL;
            n->props = props;
            n->pnodes = pn;
        }
        if (addl && addl->kind == KV_OBJECT && !(n->addl = snode_compile(g, addl)))
            return NULL;
    }
    return n;
}

int kube_apigroup_init(kube_apigroup *g, const char *src, size_t n, const char *source,
                       ks_error *err)
{
    ks_arena_init(&g->arena, NULL, 0);
    g->snodes = NULL;
    g->snodes_cap = g->nsnodes = 0;
    kv_json_opts o = {.source = source};
    kv_value doc;
    int rc = kv_json_parse(&g->arena, src, n, &o, &doc, err);
    if (rc < 0)
        goto fail;
    const kv_value *s = doc.kind == KV_OBJECT ? kv_obj_get(&doc, "schemas", 7) : NULL;
    if (!s || s->kind != KV_OBJECT) {
        rc = ks_error_set(err, KS_EPARSE, "%s: no \"schemas\" object", source);
        goto fail;
    }
    g->schemas = *s;
    for (size_t i = 0; i < g->nresources; i++) {
        const kube_resource *r = &g->resources[i];
        char name[256];
        for (int list = 0; list < 2; list++) {
            snprintf(name, sizeof name, "%s%s%s", g->schema_prefix, r->kind, list ? "List" : "");
            if (!kube_schema(g, name)) {
                rc = ks_error_set(err, KS_EINVAL, "%s: no schema for %s", source, name);
                goto fail;
            }
            if (!snode_compile(g, kube_schema(g, name))) {
                rc = ks_error_set(err, KS_ENOMEM, "%s: compiling the schema of %s", source, name);
                goto fail;
            }
        }
    }
    return 0;
fail:
    kube_apigroup_free(g);
    return rc;
}

void kube_apigroup_free(kube_apigroup *g)
{
    free(g->snodes);
    g->snodes = NULL;
    g->snodes_cap = g->nsnodes = 0;
    ks_arena_free(&g->arena);
}

const kube_resource *kube_apigroup_find(const kube_apigroup *g, const char *plural, size_t n)
{
    for (size_t i = 0; i < g->nresources; i++)
        if (strlen(g->resources[i].plural) == n && memcmp(g->resources[i].plural, plural, n) == 0)
            return &g->resources[i];
    return NULL;
}

const kv_value *kube_schema(const kube_apigroup *g, const char *name)
{
    const kv_value *s = kv_obj_get(&g->schemas, name, strlen(name));
    if (!s) {
        char full[256];
        snprintf(full, sizeof full, "%s%s", g->schema_prefix, name);
        s = kv_obj_get(&g->schemas, full, strlen(full));
    }
    return s && s->kind == KV_OBJECT ? s : NULL;
}

/* ---- discovery ---- */

static void q(ks_buf *b, const char *s)
{
    ks_json_quote(b, s, strlen(s), 0);
}

static void group_versions(const kube_apigroup *g, ks_buf *b)
{
    ks_buf_puts(b, "\"versions\":[{\"groupVersion\":");
    ks_buf_printf(b, "\"%s/%s\",\"version\":", g->group, g->version);
    q(b, g->version);
    ks_buf_puts(b, "}],\"preferredVersion\":{\"groupVersion\":");
    ks_buf_printf(b, "\"%s/%s\",\"version\":", g->group, g->version);
    q(b, g->version);
    ks_buf_puts(b, "}");
}

int kube_discovery_group_list(const kube_apigroup *g, ks_buf *out)
{
    ks_buf_puts(out, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[{\"name\":");
    q(out, g->group);
    ks_buf_putc(out, ',');
    group_versions(g, out);
    return ks_buf_puts(out, "}]}");
}

int kube_discovery_group(const kube_apigroup *g, ks_buf *out)
{
    ks_buf_puts(out, "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":");
    q(out, g->group);
    ks_buf_putc(out, ',');
    group_versions(g, out);
    return ks_buf_puts(out, "}");
}

int kube_discovery_resources(const kube_apigroup *g, ks_buf *out)
{
    ks_buf_printf(out,
                  "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"%s/%s\","
                  "\"resources\":[",
                  g->group, g->version);
    for (size_t i = 0; i < g->nresources; i++) {
        const kube_resource *r = &g->resources[i];
        ks_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
        q(out, r->plural);
        ks_buf_puts(out, ",\"singularName\":");
        q(out, r->singular);
        ks_buf_printf(out, ",\"namespaced\":%s,\"kind\":", r->namespaced ? "true" : "false");
        q(out, r->kind);
        ks_buf_printf(out, ",\"verbs\":%s}", all_verbs);
    }
    return ks_buf_puts(out, "]}");
}

int kube_discovery_aggregated(const kube_apigroup *g, const char *version, ks_buf *out)
{
    ks_buf_printf(out,
                  "{\"kind\":\"APIGroupDiscoveryList\",\"apiVersion\":\"apidiscovery.k8s.io/%s\","
                  "\"metadata\":{},\"items\":[{\"metadata\":{\"name\":",
                  version);
    q(out, g->group);
    ks_buf_puts(out, ",\"creationTimestamp\":null},\"versions\":[{\"version\":");
    q(out, g->version);
    ks_buf_puts(out, ",\"resources\":[");
    for (size_t i = 0; i < g->nresources; i++) {
        const kube_resource *r = &g->resources[i];
        ks_buf_puts(out, i ? ",{\"resource\":" : "{\"resource\":");
        q(out, r->plural);
        ks_buf_puts(out, ",\"responseKind\":{\"group\":");
        q(out, g->group);
        ks_buf_puts(out, ",\"version\":");
        q(out, g->version);
        ks_buf_puts(out, ",\"kind\":");
        q(out, r->kind);
        ks_buf_printf(out, "},\"scope\":\"%s\",\"singularResource\":",
                      r->namespaced ? "Namespaced" : "Cluster");
        q(out, r->singular);
        ks_buf_printf(out, ",\"verbs\":%s}", all_verbs);
    }
    return ks_buf_puts(out, "],\"freshness\":\"Current\"}]}]}");
}

/* ---- OpenAPI ---- */

/* Writes a schema, rewriting bare "$ref" names into the document's
 * reference form; for v2, "nullable" (not in Swagger 2.0) is dropped and a
 * nullable allOf wrapper becomes its reference. */
static void write_schema(ks_buf *b, const kv_value *v, bool v2, int depth)
{
    if (v->kind == KV_ARRAY) {
        ks_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                ks_buf_putc(b, ',');
            write_schema(b, &v->u.items[i], v2, depth + 1);
        }
        ks_buf_putc(b, ']');
        return;
    }
    if (v->kind != KV_OBJECT || depth > 64) {
        kv_json_write(b, v, 0);
        return;
    }
    const kv_value *all = kv_obj_get(v, "allOf", 5);
    if (v2 && all && all->kind == KV_ARRAY && all->len == 1) {
        write_schema(b, &all->u.items[0], v2, depth + 1);
        return;
    }
    ks_buf_putc(b, '{');
    bool first = true;
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_member *m = &v->u.members[i];
        if (m->key.kind != KV_STRING)
            continue;
        const char *k = m->key.u.s;
        if ((v2 && strcmp(k, "nullable") == 0) || strncmp(k, "x-kso-", 6) == 0)
            continue;
        if (!first)
            ks_buf_putc(b, ',');
        first = false;
        ks_json_quote(b, k, m->key.len, 0);
        ks_buf_putc(b, ':');
        if (strcmp(k, "$ref") == 0 && m->val.kind == KV_STRING) {
            ks_buf_puts(b, v2 ? "\"#/definitions/" : "\"#/components/schemas/");
            ks_buf_append(b, m->val.u.s, m->val.len);
            ks_buf_putc(b, '"');
        } else if (strcmp(k, "properties") == 0 && m->val.kind == KV_OBJECT) {
            /* property names are data, not schema keywords */
            ks_buf_putc(b, '{');
            for (uint32_t j = 0; j < m->val.len; j++) {
                if (j)
                    ks_buf_putc(b, ',');
                kv_json_write(b, &m->val.u.members[j].key, 0);
                ks_buf_putc(b, ':');
                write_schema(b, &m->val.u.members[j].val, v2, depth + 1);
            }
            ks_buf_putc(b, '}');
        } else {
            write_schema(b, &m->val, v2, depth + 1);
        }
    }
    ks_buf_putc(b, '}');
}

static void write_ref(ks_buf *b, const kube_apigroup *g, const char *kind, const char *suffix,
                      bool v2)
{
    ks_buf_printf(b, "{\"$ref\":\"%s%s%s%s\"}", v2 ? "#/definitions/" : "#/components/schemas/",
                  g->schema_prefix, kind, suffix);
}

static void write_op(ks_buf *b, const kube_apigroup *g, const kube_resource *r, const char *method,
                     const char *action, const char *op, bool list, bool v2, bool first)
{
    if (!first)
        ks_buf_putc(b, ',');
    ks_buf_printf(
            b, "\"%s\":{\"operationId\":\"%s%s\",\"responses\":{\"200\":{\"description\":\"OK\",",
            method, op, r->kind);
    if (v2) {
        ks_buf_puts(b, "\"schema\":");
        write_ref(b, g, r->kind, list ? "List" : "", v2);
    } else {
        ks_buf_puts(b, "\"content\":{\"application/json\":{\"schema\":");
        write_ref(b, g, r->kind, list ? "List" : "", v2);
        ks_buf_puts(b, "}}");
    }
    ks_buf_puts(b, "}}");
    /* the query parameters of writes; kubectl looks for fieldValidation on
     * PATCH to learn that the server validates fields itself */
    if (strcmp(method, "get") != 0) {
        static const char *const params[] = {"dryRun", "fieldManager", "fieldValidation", "force"};
        size_t np = strcmp(method, "patch") == 0 ? 4 : strcmp(method, "delete") == 0 ? 1 : 3;
        ks_buf_puts(b, ",\"parameters\":[");
        for (size_t i = 0; i < np; i++)
            ks_buf_printf(b,
                          v2 ? "%s{\"name\":\"%s\",\"in\":\"query\",\"type\":\"%s\"}"
                             : "%s{\"name\":\"%s\",\"in\":\"query\",\"schema\":{\"type\":"
                               "\"%s\"}}",
                          i ? "," : "", params[i], i == 3 ? "boolean" : "string");
        ks_buf_puts(b, "]");
    }
    ks_buf_printf(b,
                  ",\"x-kubernetes-action\":\"%s\",\"x-kubernetes-group-version-kind\":"
                  "{\"group\":\"%s\",\"kind\":\"%s\",\"version\":\"%s\"}}",
                  action, g->group, r->kind, g->version);
}

static void write_params(ks_buf *b, bool ns, bool name, bool v2)
{
    ks_buf_puts(b, "\"parameters\":[");
    const char *fmt =
            v2 ? "{\"name\":\"%s\",\"in\":\"path\",\"required\":true,\"type\":\"string\"}"
               : "{\"name\":\"%s\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":"
                 "\"string\"}}";
    if (ns)
        ks_buf_printf(b, fmt, "namespace");
    if (name) {
        if (ns)
            ks_buf_putc(b, ',');
        ks_buf_printf(b, fmt, "name");
    }
    ks_buf_puts(b, "]");
}

static void write_paths(ks_buf *b, const kube_apigroup *g, bool v2)
{
    ks_buf_puts(b, "\"paths\":{");
    for (size_t i = 0; i < g->nresources; i++) {
        const kube_resource *r = &g->resources[i];
        const char *pfx = r->namespaced ? "/namespaces/{namespace}" : "";
        if (i)
            ks_buf_putc(b, ',');
        /* the collection */
        ks_buf_printf(b, "\"/apis/%s/%s%s/%s\":{", g->group, g->version, pfx, r->plural);
        write_op(b, g, r, "get", "list", "list", true, v2, true);
        write_op(b, g, r, "post", "post", "create", false, v2, false);
        write_op(b, g, r, "delete", "deletecollection", "deletecollection", false, v2, false);
        if (r->namespaced) {
            ks_buf_putc(b, ',');
            write_params(b, true, false, v2);
        }
        ks_buf_puts(b, "},");
        /* one object */
        ks_buf_printf(b, "\"/apis/%s/%s%s/%s/{name}\":{", g->group, g->version, pfx, r->plural);
        write_op(b, g, r, "get", "get", "read", false, v2, true);
        write_op(b, g, r, "put", "put", "replace", false, v2, false);
        write_op(b, g, r, "patch", "patch", "patch", false, v2, false);
        write_op(b, g, r, "delete", "delete", "delete", false, v2, false);
        ks_buf_putc(b, ',');
        write_params(b, r->namespaced, true, v2);
        ks_buf_puts(b, "}");
        if (r->namespaced) { /* the list across namespaces */
            ks_buf_printf(b, ",\"/apis/%s/%s/%s\":{", g->group, g->version, r->plural);
            write_op(b, g, r, "get", "list", "listAllNamespaces", true, v2, true);
            ks_buf_puts(b, "}");
        }
    }
    ks_buf_puts(b, "}");
}

static void write_schemas(ks_buf *b, const kube_apigroup *g, bool v2)
{
    ks_buf_puts(b, v2 ? "\"definitions\":" : "\"components\":{\"schemas\":");
    ks_buf_putc(b, '{');
    for (uint32_t i = 0; i < g->schemas.len; i++) {
        const kv_member *m = &g->schemas.u.members[i];
        if (i)
            ks_buf_putc(b, ',');
        kv_json_write(b, &m->key, 0);
        ks_buf_putc(b, ':');
        write_schema(b, &m->val, v2, 0);
    }
    ks_buf_puts(b, v2 ? "}" : "}}");
}

int kube_openapi_v3(const kube_apigroup *g, ks_buf *out)
{
    ks_buf_printf(out,
                  "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"kso storage\",\"version\":\"%s\"},",
                  g->version);
    write_paths(out, g, false);
    ks_buf_putc(out, ',');
    write_schemas(out, g, false);
    return ks_buf_puts(out, "}");
}

int kube_openapi_v2(const kube_apigroup *g, ks_buf *out)
{
    ks_buf_printf(out,
                  "{\"swagger\":\"2.0\",\"info\":{\"title\":\"kso storage\",\"version\":\"%s\"},",
                  g->version);
    write_paths(out, g, true);
    ks_buf_putc(out, ',');
    write_schemas(out, g, true);
    return ks_buf_puts(out, "}");
}

int kube_openapi_v3_index(const kube_apigroup *g, const char *hash, ks_buf *out)
{
    return ks_buf_printf(out,
                         "{\"paths\":{\"apis/%s/%s\":{\"serverRelativeURL\":"
                         "\"/openapi/v3/apis/%s/%s?hash=%s\"}}}",
                         g->group, g->version, g->group, g->version, hash);
}

/* ---- zero values ---- */

static const kv_value *deref(const kube_apigroup *g, const kv_value *s)
{
    for (int i = 0; i < 16 && s && s->kind == KV_OBJECT; i++) {
        const kv_value *ref = kv_obj_get(s, "$ref", 4);
        const kv_value *all = kv_obj_get(s, "allOf", 5);
        if (ref && ref->kind == KV_STRING)
            s = kv_obj_get(&g->schemas, ref->u.s, ref->len);
        else if (all && all->kind == KV_ARRAY && all->len == 1)
            s = &all->u.items[0];
        else
            return s;
    }
    return s;
}

static bool is_true(const kv_value *s, const char *key)
{
    const kv_value *v = kv_obj_get(s, key, strlen(key));
    return v && v->kind == KV_BOOL && v->u.b;
}

static int zero(const kube_apigroup *g, const kv_value *schema, ks_arena *a, kv_value *out,
                int depth)
{
    if (depth > 32)
        return KS_ELIMIT;
    if (is_true(schema, "nullable")) {
        *out = kv_null();
        return 0;
    }
    const kv_value *s = deref(g, schema);
    if (!s || s->kind != KV_OBJECT) {
        *out = kv_null();
        return 0;
    }
    const kv_value *type = kv_obj_get(s, "type", 4);
    const kv_value *fmt = kv_obj_get(s, "format", 6);
    if (!type || type->kind != KV_STRING) {
        *out = kv_null(); /* free-form (json.RawMessage) */
        return 0;
    }
    if (strcmp(type->u.s, "string") == 0) {
        bool time = fmt && fmt->kind == KV_STRING && strcmp(fmt->u.s, "date-time") == 0;
        *out = time ? kv_null() : kv_str_ref("", 0); /* metav1.Time's zero is null */
        return 0;
    }
    if (strcmp(type->u.s, "integer") == 0 || strcmp(type->u.s, "number") == 0) {
        *out = kv_int(0);
        return 0;
    }
    if (strcmp(type->u.s, "boolean") == 0) {
        *out = kv_bool(false);
        return 0;
    }
    const kv_value *props = kv_obj_get(s, "properties", 10);
    if (strcmp(type->u.s, "object") != 0 || !props || props->kind != KV_OBJECT) {
        *out = kv_null(); /* arrays and maps */
        return 0;
    }
    /* the fields Go always writes: those without omitempty and structs */
    const kv_value *lists[2] = {kv_obj_get(s, "required", 8),
                                kv_obj_get(s, "x-kso-always-emitted", 20)};
    size_t n = 0;
    for (int l = 0; l < 2; l++)
        n += lists[l] && lists[l]->kind == KV_ARRAY ? lists[l]->len : 0;
    kv_member *m = ks_arena_alloc(a, (n + 1) * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    size_t k = 0;
    for (int l = 0; l < 2; l++) {
        for (uint32_t i = 0; lists[l] && lists[l]->kind == KV_ARRAY && i < lists[l]->len; i++) {
            const kv_value *name = &lists[l]->u.items[i];
            if (name->kind != KV_STRING)
                continue;
            const kv_value *p = kv_obj_get(props, name->u.s, name->len);
            if (!p)
                continue;
            m[k].key = *name;
            int rc = zero(g, p, a, &m[k].val, depth + 1);
            if (rc < 0)
                return rc;
            k++;
        }
    }
    return kv_object_new(a, m, k, KV_DUP_LAST_WINS, out, NULL);
}

int kube_schema_zero(const kube_apigroup *g, const kv_value *schema, ks_arena *a, kv_value *out)
{
    return zero(g, schema, a, out, 0);
}

/* ---- strategic merge keys ---- */

typedef struct mkctx {
    const kube_apigroup *g;
    ks_arena *a;
    kube_merge_key *v;
    size_t n, cap;
} mkctx;

static int merge_keys(mkctx *c, const kv_value *schema, ks_buf *path, int depth)
{
    const kv_value *s = deref(c->g, schema);
    if (!s || s->kind != KV_OBJECT || depth > 12)
        return 0;
    const kv_value *items = kv_obj_get(s, "items", 5);
    if (items) /* list items add no segment */
        return merge_keys(c, items, path, depth + 1);
    const kv_value *addl = kv_obj_get(s, "additionalProperties", 20);
    if (addl && addl->kind == KV_OBJECT) { /* map values: any one field */
        size_t len = path->len;
        ks_buf_puts(path, len ? ".*" : "*");
        int rc = merge_keys(c, addl, path, depth + 1);
        ks_buf_truncate(path, len);
        return rc;
    }
    const kv_value *props = kv_obj_get(s, "properties", 10);
    if (!props || props->kind != KV_OBJECT)
        return 0;
    for (uint32_t i = 0; i < props->len; i++) {
        const kv_member *m = &props->u.members[i];
        size_t len = path->len;
        if (len)
            ks_buf_putc(path, '.');
        ks_buf_append(path, m->key.u.s, m->key.len);
        const kv_value *key = kv_obj_get(&m->val, "x-kubernetes-patch-merge-key", 28);
        if (key && key->kind == KV_STRING) {
            if (c->n == c->cap) {
                size_t cap = c->cap ? 2 * c->cap : 16;
                kube_merge_key *nv = ks_arena_alloc(c->a, cap * sizeof *nv);
                if (!nv)
                    return KS_ENOMEM;
                if (c->n)
                    memcpy(nv, c->v, c->n * sizeof *nv);
                c->v = nv;
                c->cap = cap;
            }
            char *p = ks_arena_strndup(c->a, path->data, path->len);
            if (!p)
                return KS_ENOMEM;
            c->v[c->n++] = (kube_merge_key){p, key->u.s};
        }
        int rc = merge_keys(c, &m->val, path, depth + 1);
        ks_buf_truncate(path, len);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int kube_schema_merge_keys(const kube_apigroup *g, const char *kind, ks_arena *a,
                           kube_merge_key **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const kv_value *s = kube_schema(g, kind);
    if (!s)
        return KS_ENOENT;
    mkctx c = {g, a, NULL, 0, 0};
    ks_buf path = KS_BUF_INIT;
    int rc = merge_keys(&c, s, &path, 0);
    ks_buf_free(&path);
    if (rc < 0)
        return rc;
    *out = c.v;
    *n = c.n;
    return 0;
}

/* ---- decoding by schema ---- */

typedef struct prune_ctx {
    const kube_apigroup *g;
    ks_arena *a;
    ks_buf path;
    const char **unknown;
    size_t max_unknown, nunknown;
    ks_error *err;
} prune_ctx;

static const char *path_or_root(prune_ctx *c)
{
    return c->path.len ? c->path.data : "(the object)";
}

static int type_mismatch(prune_ctx *c, const char *want, const kv_value *v)
{
    return ks_error_set(c->err, KS_ETYPE, "%s: expected %s, got %s", path_or_root(c), want,
                        kv_kind_name(kv_kind_of(v)));
}

static int prune(prune_ctx *c, const kv_value *schema, const kv_value *v, kv_value *out, int depth)
{
    *out = *v;
    const kv_value *s = deref(c->g, schema);
    if (!s || s->kind != KV_OBJECT || depth > 64 || v->kind == KV_NULL)
        return 0;
    if (is_true(s, "x-kubernetes-preserve-unknown-fields"))
        return 0;
    const kv_value *type = kv_obj_get(s, "type", 4);
    if (!type || type->kind != KV_STRING)
        return 0;
    const char *t = type->u.s;
    if (strcmp(t, "string") == 0) {
        const kv_value *fmt = kv_obj_get(s, "format", 6);
        bool bytes = fmt && fmt->kind == KV_STRING && strcmp(fmt->u.s, "byte") == 0;
        return v->kind == KV_STRING || (bytes && v->kind == KV_ARRAY)
                       ? 0
                       : type_mismatch(c, "string", v);
    }
    if (strcmp(t, "integer") == 0) {
        int64_t x;
        return v->kind == KV_NUMBER && kv_num_int64(v, &x) ? 0 : type_mismatch(c, "integer", v);
    }
    if (strcmp(t, "number") == 0)
        return v->kind == KV_NUMBER ? 0 : type_mismatch(c, "number", v);
    if (strcmp(t, "boolean") == 0)
        return v->kind == KV_BOOL ? 0 : type_mismatch(c, "boolean", v);
    size_t plen = c->path.len;
    if (strcmp(t, "array") == 0) {
        if (v->kind != KV_ARRAY)
            return type_mismatch(c, "array", v);
        const kv_value *items = kv_obj_get(s, "items", 5);
        if (!items || v->len == 0)
            return 0;
        kv_value *nv = ks_arena_alloc(c->a, v->len * sizeof *nv);
        if (!nv)
            return KS_ELIMIT;
        for (uint32_t i = 0; i < v->len; i++) {
            ks_buf_printf(&c->path, "[%u]", i);
            int rc = prune(c, items, &v->u.items[i], &nv[i], depth + 1);
            ks_buf_truncate(&c->path, plen);
            if (rc < 0)
                return rc;
        }
        return kv_array_new(c->a, nv, v->len, out);
    }
    if (strcmp(t, "object") != 0)
        return 0;
    if (v->kind != KV_OBJECT)
        return type_mismatch(c, "object", v);
    const kv_value *props = kv_obj_get(s, "properties", 10);
    const kv_value *addl = kv_obj_get(s, "additionalProperties", 20);
    if (!props && !addl)
        return 0;
    kv_member *m = ks_arena_alloc(c->a, (v->len + 1) * sizeof *m);
    if (!m)
        return KS_ELIMIT;
    size_t k = 0;
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_member *vm = &v->u.members[i];
        const kv_value *ps = props && vm->key.kind == KV_STRING
                                     ? kv_obj_get(props, vm->key.u.s, vm->key.len)
                                     : NULL;
        if (!ps && addl && addl->kind == KV_OBJECT)
            ps = addl;
        if (plen)
            ks_buf_putc(&c->path, '.');
        if (vm->key.kind == KV_STRING)
            ks_buf_append(&c->path, vm->key.u.s, vm->key.len);
        int rc = 0;
        if (!ps) {
            if (c->nunknown < c->max_unknown) {
                char *p = ks_arena_strndup(c->a, c->path.data, c->path.len);
                if (p)
                    c->unknown[c->nunknown] = p;
            }
            c->nunknown++;
        } else {
            m[k].key = vm->key;
            rc = prune(c, ps, &vm->val, &m[k].val, depth + 1);
            k++;
        }
        ks_buf_truncate(&c->path, plen);
        if (rc < 0)
            return rc;
    }
    return kv_object_new(c->a, m, k, KV_DUP_LAST_WINS, out, NULL);
}

/* Whether v decodes cleanly against compiled schema n: every member known
 * and every type right. No allocation, no paths: the common case costs one
 * walk. */
static bool clean(const kube_snode *n, const kv_value *v, int depth)
{
    if (depth > 64 || v->kind == KV_NULL)
        return true;
    int64_t x;
    switch (n->type) {
    case 's': return v->kind == KV_STRING || (n->bytes && v->kind == KV_ARRAY);
    case 'i': return v->kind == KV_NUMBER && kv_num_int64(v, &x);
    case 'n': return v->kind == KV_NUMBER;
    case 'b': return v->kind == KV_BOOL;
    case 'a':
        if (v->kind != KV_ARRAY)
            return false;
        for (uint32_t i = 0; n->items && i < v->len; i++)
            if (!clean(n->items, &v->u.items[i], depth + 1))
                return false;
        return true;
    case 'o':
        if (v->kind != KV_OBJECT)
            return false;
        if (n->open)
            return true;
        for (uint32_t i = 0; i < v->len; i++) {
            const kv_member *vm = &v->u.members[i];
            const kube_snode *pn = NULL;
            if (n->props && vm->key.kind == KV_STRING) {
                const kv_value *ps = kv_obj_get(n->props, vm->key.u.s, vm->key.len);
                if (ps)
                    pn = n->pnodes[(const kv_member *)((const char *)ps -
                                                       offsetof(kv_member, val)) -
                                   n->props->u.members];
            }
            if (!pn)
                pn = n->addl;
            if (!pn || !clean(pn, &vm->val, depth + 1))
                return false;
        }
        return true;
    default: return true;
    }
}

int kube_schema_prune(const kube_apigroup *g, const char *kind, const kv_value *obj, ks_arena *a,
                      kv_value *out, const char **unknown, size_t max_unknown, size_t *nunknown,
                      ks_error *err)
{
    *nunknown = 0;
    const kv_value *s = kube_schema(g, kind);
    if (!s)
        return ks_error_set(err, KS_ENOENT, "no schema for kind %s", kind);
    const kube_snode *n = snode_find(g, deref(g, s));
    if (n && clean(n, obj, 0)) {
        *out = *obj;
        return 0;
    }
    prune_ctx c = {g, a, KS_BUF_INIT, unknown, max_unknown, 0, err};
    int rc = prune(&c, s, obj, out, 0);
    *nunknown = c.nunknown;
    ks_buf_free(&c.path);
    return rc;
}
