/*
 * kso scan --submit-to-storage: the WorkloadConfigurationScan and summary
 * objects of a scan written to the cluster's storage API
 * (spdx.softwarecomposition.kubescape.io/v1beta1, served by kso storage or
 * upstream's behind kube-apiserver) with server-side apply, so a repeated
 * scan updates what an earlier one created.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/map.h"
#include "kube/client.h"

#define GROUP_PATH "/apis/spdx.softwarecomposition.kubescape.io/v1beta1"

const char *kso_scan_plural(const char *kind)
{
    if (strcmp(kind, "WorkloadConfigurationScan") == 0)
        return "workloadconfigurationscans";
    if (strcmp(kind, "WorkloadConfigurationScanSummary") == 0)
        return "workloadconfigurationscansummaries";
    return NULL;
}

int kso_kube_connect(const char *kubeconfig, const char *context, kube_client **c, char *cluster,
                     size_t cap, ks_error *err)
{
    kube_load_opts lo = {.path = kubeconfig, .context = context};
    kube_client_config cfg;
    int rc = kube_config_load(&lo, &cfg, err);
    if (rc)
        return rc;
    if (cluster)
        snprintf(cluster, cap, "%s",
                 cfg.cluster      ? cfg.cluster
                 : cfg.in_cluster ? "in-cluster"
                                  : "");
    rc = kube_client_new(&cfg, NULL, c, err);
    if (!rc)
        ks_log_debug("kube", "connected", KS_F_STR("server", kube_client_server(*c)),
                     KS_F_STR("config", cfg.source));
    kube_client_config_free(&cfg);
    return rc;
}

int kso_submit_objects(const kv_value *list, const kso_submit_opts *o, kso_submit_stats *st,
                       ks_error *err)
{
    memset(st, 0, sizeof(*st));
    const kv_value *items = kv_obj_get(list, "items", 5);
    if (!items || items->kind != KV_ARRAY)
        return ks_error_set(err, KS_EINVAL, "submit: no objects");
    /* two objects of one name would be one object in storage, the last
     * overwriting the other: refused before anything is sent */
    ks_map seen;
    ks_map_init(&seen);
    ks_arena keys; /* the map keeps pointers to its keys */
    ks_arena_init(&keys, NULL, 0);
    ks_buf key = KS_BUF_INIT;
    int dup = 0;
    for (uint32_t i = 0; i < items->len && !dup; i++) {
        const kv_value *obj = &items->u.items[i];
        const kv_value *md = kv_obj_get(obj, "metadata", 8);
        const char *kind = kv_obj_str(obj, "kind"), *name = kv_obj_str(md, "name"),
                   *ns = kv_obj_str(md, "namespace");
        ks_buf_reset(&key);
        ks_buf_printf(&key, "%s/%s/%s", kind ? kind : "", ns ? ns : "", name ? name : "");
        char *k = ks_arena_strndup(&keys, key.data, key.len);
        if (!k)
            dup = KS_ENOMEM;
        else if (ks_map_get(&seen, k, key.len))
            dup = ks_error_set(err, KS_EINVAL, "submit: two objects are named %s", k);
        else
            ks_map_put(&seen, k, key.len, k);
    }
    ks_map_free(&seen);
    ks_arena_free(&keys);
    ks_buf_free(&key);
    if (dup)
        return dup;
    kube_client *c = NULL;
    int rc = kso_kube_connect(o->kubeconfig, o->context, &c, NULL, 0, err);
    if (rc)
        return rc;
    ks_buf path = KS_BUF_INIT, body = KS_BUF_INIT;
    for (uint32_t i = 0; i < items->len && rc == 0; i++) {
        const kv_value *obj = &items->u.items[i];
        const kv_value *md = kv_obj_get(obj, "metadata", 8);
        const char *kind = kv_obj_str(obj, "kind"), *name = kv_obj_str(md, "name"),
                   *ns = kv_obj_str(md, "namespace");
        const char *plural = kind ? kso_scan_plural(kind) : NULL;
        if (!plural || !name || !ns) {
            rc = ks_error_set(err, KS_EINVAL, "submit: object %u is not a namespaced scan result",
                              i);
            break;
        }
        ks_buf_reset(&path);
        ks_buf_printf(&path, GROUP_PATH "/namespaces/%s/%s/%s?fieldManager=kso&force=true", ns,
                      plural, name);
        ks_buf_reset(&body);
        kv_json_write(&body, obj, 0);
        kube_response r;
        rc = kube_request_patch(c, ks_buf_cstr(&path), KUBE_PATCH_APPLY, body.data, body.len, &r,
                                err);
        if (rc == 0) {
            if (r.status == 201)
                st->created++;
            else
                st->updated++;
        }
        kube_response_free(&r);
    }
    ks_buf_free(&path);
    ks_buf_free(&body);
    kube_client_free(c);
    return rc;
}
