/*
 * Discovery (discovery.h): /api, /apis, then each group version's
 * APIResourceList.
 */
#include <string.h>

#include "kube/discovery.h"

/* GET path parsed into a (an object), or an error. */
static int get_doc(kube_client *c, const char *path, ks_arena *a, kv_value *out, ks_error *err)
{
    kube_response r;
    int rc = kube_request(c, "GET", path, NULL, NULL, 0, &r, err);
    if (rc == 0) {
        kv_json_opts jo = {.source = path};
        rc = kv_json_parse(a, r.body.data ? r.body.data : "", r.body.len, &jo, out, err);
        if (rc == 0 && out->kind != KV_OBJECT)
            rc = ks_error_set(err, KS_EPARSE, "GET %s: the answer is not an object", path);
    }
    kube_response_free(&r);
    return rc;
}

static bool has_verb(const kv_value *res, const char *verb)
{
    const kv_value *verbs = kv_obj_get(res, "verbs", 5);
    for (uint32_t i = 0; verbs && verbs->kind == KV_ARRAY && i < verbs->len; i++) {
        const kv_value *v = &verbs->u.items[i];
        if (v->kind == KV_STRING && strcmp(v->u.s, verb) == 0)
            return true;
    }
    return false;
}

/* The resources of one group version. */
static int walk_version(kube_client *c, const char *group, const char *version, bool preferred,
                        kube_resource_fn fn, void *ctx, ks_error *err)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_buf path = KS_BUF_INIT, gv = KS_BUF_INIT;
    if (*group) {
        ks_buf_printf(&path, "/apis/%s/%s", group, version);
        ks_buf_printf(&gv, "%s/%s", group, version);
    } else {
        ks_buf_printf(&path, "/api/%s", version);
        ks_buf_puts(&gv, version);
    }
    kv_value list;
    ks_error failure = {0};
    int rc = get_doc(c, ks_buf_cstr(&path), &a, &list, &failure);
    if (rc) {
        rc = fn(ctx, NULL, ks_buf_cstr(&gv), &failure, err);
    } else {
        const kv_value *res = kv_obj_get(&list, "resources", 9);
        for (uint32_t i = 0; rc == 0 && res && res->kind == KV_ARRAY && i < res->len; i++) {
            const kv_value *r = &res->u.items[i];
            const char *name = kv_obj_str(r, "name"), *kind = kv_obj_str(r, "kind");
            if (!name || !kind || strchr(name, '/'))
                continue; /* subresources */
            const kv_value *ns = kv_obj_get(r, "namespaced", 10);
            kube_api_resource ar = {.group = group,
                                    .version = version,
                                    .resource = name,
                                    .kind = kind,
                                    .namespaced = ns && ns->kind == KV_BOOL && ns->u.b,
                                    .listable = has_verb(r, "list"),
                                    .preferred = preferred};
            rc = fn(ctx, &ar, ks_buf_cstr(&gv), NULL, err);
        }
    }
    ks_buf_free(&path);
    ks_buf_free(&gv);
    ks_arena_free(&a);
    return rc < 0 ? rc : 0;
}

int kube_discover(kube_client *c, kube_resource_fn fn, void *ctx, ks_error *err)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_value core, groups;
    int rc = get_doc(c, "/api", &a, &core, err);
    if (rc == 0) {
        const kv_value *versions = kv_obj_get(&core, "versions", 8);
        for (uint32_t i = 0; rc == 0 && versions && versions->kind == KV_ARRAY && i < versions->len;
             i++) {
            const kv_value *v = &versions->u.items[i];
            if (v->kind == KV_STRING)
                rc = walk_version(c, "", v->u.s, i == 0, fn, ctx, err);
        }
    }
    if (rc == 0)
        rc = get_doc(c, "/apis", &a, &groups, err);
    const kv_value *list = rc == 0 ? kv_obj_get(&groups, "groups", 6) : NULL;
    for (uint32_t g = 0; rc == 0 && list && list->kind == KV_ARRAY && g < list->len; g++) {
        const kv_value *grp = &list->u.items[g];
        const char *name = kv_obj_str(grp, "name");
        const char *pref = kv_obj_str(kv_obj_get(grp, "preferredVersion", 16), "version");
        const kv_value *versions = kv_obj_get(grp, "versions", 8);
        for (uint32_t i = 0;
             rc == 0 && name && versions && versions->kind == KV_ARRAY && i < versions->len; i++) {
            const char *v = kv_obj_str(&versions->u.items[i], "version");
            if (v)
                rc = walk_version(c, name, v, pref && strcmp(pref, v) == 0, fn, ctx, err);
        }
    }
    ks_arena_free(&a);
    return rc;
}
