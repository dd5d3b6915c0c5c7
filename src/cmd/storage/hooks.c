/*
 * What the storage role does to objects before they are saved (spec
 * storage.md §2.6, §5.1): the sync-checksum annotation, the status and
 * completion annotations of profiles and their update rules, and the
 * validation of CollapseConfigurations.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/storage/storage.h"
#include "runtime/profile.h"

#define ANN_CHECKSUM   "kubescape.io/sync-checksum"
#define ANN_LAST_APPLY "kubectl.kubernetes.io/last-applied-configuration"
#define ANN_STATUS     "kubescape.io/status"
#define ANN_COMPLETION "kubescape.io/completion"

static const kv_value *member(const kv_value *o, const char *k)
{
    return o && o->kind == KV_OBJECT ? kv_obj_get(o, k, strlen(k)) : NULL;
}

static const char *annotation(const kv_value *obj, const char *key)
{
    const kv_value *v = member(member(member(obj, "metadata"), "annotations"), key);
    return v && v->kind == KV_STRING ? v->u.s : NULL;
}

/* obj with metadata.annotations[key] set (val) or removed (NULL). */
static int set_annotation(ks_arena *a, kv_value *obj, const char *key, const char *val)
{
    const kv_value *md = member(obj, "metadata");
    const kv_value *ann = member(md, "annotations");
    kv_value v, nann, nmd;
    if (val && kv_str_copy(a, val, strlen(val), &v) < 0)
        return KS_ELIMIT;
    if (kv_obj_with(a, ann, key, strlen(key), val ? &v : NULL, &nann) < 0)
        return KS_ELIMIT;
    if (nann.len == 0) { /* no annotations left: drop the map */
        if (kv_obj_with(a, md, "annotations", 11, NULL, &nmd) < 0)
            return KS_ELIMIT;
    } else if (kv_obj_with(a, md, "annotations", 11, &nann, &nmd) < 0) {
        return KS_ELIMIT;
    }
    return kv_obj_with(a, obj, "metadata", 8, &nmd, obj);
}

int spdx_sync_checksum(ks_arena *a, const kv_value *obj, char out[65])
{
    /* hashed: the object without managedFields, resourceVersion and the
     * checksum and last-applied annotations */
    kv_value v = *obj;
    if (set_annotation(a, &v, ANN_CHECKSUM, NULL) < 0 ||
        set_annotation(a, &v, ANN_LAST_APPLY, NULL) < 0)
        return KS_ELIMIT;
    const kv_value *md = member(&v, "metadata");
    kv_value nmd;
    if (kv_obj_with(a, md, "managedFields", 13, NULL, &nmd) < 0 ||
        kv_obj_with(a, &nmd, "resourceVersion", 15, NULL, &nmd) < 0 ||
        kv_obj_with(a, &v, "metadata", 8, &nmd, &v) < 0)
        return KS_ELIMIT;
    return kv_json_hash(&v, NULL, 0, out);
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

static int invalid(kube_problem *p, const char *field, const char *cause, const char *msg)
{
    *p = (kube_problem){
            .code = 422, .reason = "Invalid", .field = field, .cause = cause, .message = msg};
    return KS_EINVAL;
}

/* ApplicationProfile and NetworkNeighborhood annotations (§4, §5.1). */
static int check_profile_annotations(const kv_value *obj, ks_arena *a, kube_problem *p)
{
    static const char *const statuses[] = {
            "initializing", "ready",           "completed", "incomplete",
            "unauthorize",  "missing-runtime", "too-large", "UnsupportedSchema"};
    static const char *const completions[] = {"partial", "complete"};
    const char *st = annotation(obj, ANN_STATUS);
    const char *co = annotation(obj, ANN_COMPLETION);
    char *msg;
    if (st && !one_of(st, statuses, sizeof statuses / sizeof statuses[0])) {
        msg = ks_arena_alloc_bytes(a, 512);
        if (msg)
            snprintf(msg, 512,
                     "Unsupported value: \"%s\": supported values: \"initializing\", \"ready\", "
                     "\"completed\", \"incomplete\", \"unauthorize\", \"missing-runtime\", "
                     "\"too-large\", \"UnsupportedSchema\"",
                     st);
        return invalid(p, "metadata.annotations[" ANN_STATUS "]", "FieldValueNotSupported",
                       msg ? msg : "unsupported status");
    }
    if (co && !one_of(co, completions, 2)) {
        msg = ks_arena_alloc_bytes(a, 256);
        if (msg)
            snprintf(msg, 256,
                     "Unsupported value: \"%s\": supported values: \"complete\", \"partial\"", co);
        return invalid(p, "metadata.annotations[" ANN_COMPLETION "]", "FieldValueNotSupported",
                       msg ? msg : "unsupported completion");
    }
    return 0;
}

static bool str_is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

/* §5.1: a completed profile is final; complete never goes back to partial. */
static int profile_update_rules(const kv_value *old, kv_value *obj, ks_arena *a)
{
    const char *ost = annotation(old, ANN_STATUS), *oco = annotation(old, ANN_COMPLETION);
    const char *nco = annotation(obj, ANN_COMPLETION);
    if (str_is(ost, "completed") &&
        (str_is(oco, "complete") || (str_is(oco, "partial") && str_is(nco, "partial"))))
        return 1; /* keep the stored object */
    if (str_is(oco, "complete") && str_is(nco, "partial")) {
        if (set_annotation(a, obj, ANN_COMPLETION, "complete") < 0 ||
            set_annotation(a, obj, ANN_STATUS, ost) < 0)
            return KS_ELIMIT;
    }
    return 0;
}

/* §3.15: thresholds >= 0; prefixes non-empty, absolute, unique; each
 * threshold >= 1. */
static int check_collapse(const kv_value *obj, ks_arena *a, kube_problem *p)
{
    const kv_value *spec = member(obj, "spec");
    static const char *const th[] = {"openDynamicThreshold", "endpointDynamicThreshold"};
    for (int i = 0; i < 2; i++) {
        const kv_value *v = member(spec, th[i]);
        int64_t x;
        if (v && (v->kind != KV_NUMBER || !kv_num_int64(v, &x) || x < 0)) {
            char *f = ks_arena_alloc_bytes(a, 64);
            if (f)
                snprintf(f, 64, "spec.%s", th[i]);
            return invalid(p, f ? f : "spec", NULL,
                           "Invalid value: must be a non-negative integer");
        }
    }
    const kv_value *cfgs = member(spec, "collapseConfigs");
    if (!cfgs || cfgs->kind != KV_ARRAY)
        return 0;
    for (uint32_t i = 0; i < cfgs->len; i++) {
        const kv_value *c = &cfgs->u.items[i];
        const kv_value *pre = member(c, "prefix"), *t = member(c, "threshold");
        char *f = ks_arena_alloc_bytes(a, 64);
        if (!f)
            return KS_ELIMIT;
        int64_t x;
        if (!pre || pre->kind != KV_STRING || pre->len == 0) {
            snprintf(f, 64, "spec.collapseConfigs[%u].prefix", i);
            return invalid(p, f, "FieldValueRequired", "Required value: prefix must not be empty");
        }
        char *msg = ks_arena_alloc_bytes(a, 300);
        if (!msg)
            return KS_ELIMIT;
        if (pre->u.s[0] != '/') {
            snprintf(f, 64, "spec.collapseConfigs[%u].prefix", i);
            snprintf(msg, 300, "Invalid value: \"%.200s\": must start with '/'", pre->u.s);
            return invalid(p, f, NULL, msg);
        }
        if (!t || t->kind != KV_NUMBER || !kv_num_int64(t, &x) || x < 1) {
            snprintf(f, 64, "spec.collapseConfigs[%u].threshold", i);
            snprintf(msg, 300, "Invalid value: %lld: must be at least 1",
                     t && t->kind == KV_NUMBER ? (long long)kv_num_double(t) : 0LL);
            return invalid(p, f, NULL, msg);
        }
        for (uint32_t j = 0; j < i; j++) {
            const kv_value *pj = member(&cfgs->u.items[j], "prefix");
            if (pj && kv_equal(pj, pre)) {
                snprintf(f, 64, "spec.collapseConfigs[%u].prefix", i);
                return invalid(p, f, "FieldValueDuplicate",
                               "Duplicate value: prefixes must be unique");
            }
        }
    }
    return 0;
}

/* The collapse settings: collapseconfigurations/default when there is one
 * (§5.4), else the compiled-in ones. */
static int collapse_cfg(spdx_server *sv, ks_arena *a, rt_collapse_cfg *cfg, kube_problem *p)
{
    rt_collapse_cfg_default(cfg);
    if (!sv)
        return 0;
    kv_value cc;
    ks_error err = {0};
    int rc = kstore_get(sv->store, "collapseconfigurations", "", "default", false, a, &cc, NULL,
                        &err);
    if (rc == KS_ENOENT)
        return 0;
    if (rc == 0)
        rc = rt_collapse_cfg_from_object(a, &cc, cfg, &err);
    if (rc < 0) {
        char *m = ks_arena_alloc_bytes(a, 600);
        if (m)
            snprintf(m, 600, "collapseconfigurations/default: %s", err.msg);
        *p = (kube_problem){.code = 500,
                            .reason = "InternalError",
                            .message = m ? m : "collapseconfigurations/default is unusable"};
    }
    return rc;
}

/* §5.2: deduplicated, collapsed, sized; too large: emptied (AP, NN) or
 * marked (CP). */
static int deflate(spdx_server *sv, const kube_resource *r, kv_value *obj, ks_arena *a,
                   kube_problem *p)
{
    bool ap = strcmp(r->kind, "ApplicationProfile") == 0;
    bool nn = strcmp(r->kind, "NetworkNeighborhood") == 0;
    bool cp = strcmp(r->kind, "ContainerProfile") == 0;
    if (!ap && !nn && !cp)
        return 0;
    int64_t max_ap = sv ? sv->cfg.max_application_profile_size : 0;
    int64_t max_nn = sv ? sv->cfg.max_network_neighborhood_size : 0;
    ks_error err = {0};
    rt_collapse_cfg cfg;
    int rc = 0;
    int64_t sz;
    kv_value out;
    if (nn) {
        rt_problems probs = {0};
        if (rt_validate_network_neighborhood(a, obj, &probs, &err) < 0) {
            if (!probs.n)
                return invalid(p, "spec", NULL, err.msg);
            char *m = ks_arena_alloc_bytes(a, 700);
            if (m)
                snprintf(m, 700, "Invalid value: \"%.300s\": %s", probs.items[0].value,
                         probs.items[0].msg);
            return invalid(p, probs.items[0].field, NULL, m ? m : probs.items[0].msg);
        }
        rc = rt_deflate_network_neighborhood(a, obj, max_nn, &out, &sz, &err);
    } else {
        if ((rc = collapse_cfg(sv, a, &cfg, p)) < 0)
            return rc;
        rc = ap ? rt_deflate_application_profile(a, obj, &cfg, max_ap, &out, &sz, &err)
                : rt_deflate_container_profile(a, obj, &cfg, max_ap, &out, &sz, &err);
    }
    if (rc < 0) {
        char *m = ks_arena_alloc_bytes(a, 600);
        if (m)
            snprintf(m, 600, "%s", err.msg);
        if (rc == KS_ETYPE || rc == KS_EINVAL || rc == KS_ELIMIT)
            return invalid(p, "spec", NULL, m ? m : "the profile cannot be processed");
        *p = (kube_problem){.code = 500,
                            .reason = "InternalError",
                            .message = m ? m : "the profile cannot be processed"};
        return rc;
    }
    *obj = out;
    return 0;
}

int spdx_prepare(void *ctx, const kube_resource *r, kube_write_op op, const kv_value *old,
                 kv_value *obj, ks_arena *a, kube_problem *p)
{
    spdx_server *sv = ctx;
    int rc = 0;
    bool profile = strcmp(r->kind, "ApplicationProfile") == 0 ||
                   strcmp(r->kind, "NetworkNeighborhood") == 0;
    if (profile) {
        if ((rc = check_profile_annotations(obj, a, p)) < 0)
            return rc;
        if (op == KUBE_WRITE_UPDATE && old && (rc = profile_update_rules(old, obj, a)) != 0)
            return rc;
        /* a profile saved too large takes no more updates (§5.2) */
        if (op == KUBE_WRITE_UPDATE && old && str_is(annotation(old, ANN_STATUS), "too-large"))
            return 1;
    }
    if ((rc = deflate(sv, r, obj, a, p)) < 0)
        return rc;
    if (strcmp(r->kind, "CollapseConfiguration") == 0 && (rc = check_collapse(obj, a, p)) < 0)
        return rc;
    char sum[65];
    if (spdx_sync_checksum(a, obj, sum) < 0 || set_annotation(a, obj, ANN_CHECKSUM, sum) < 0) {
        *p = (kube_problem){.code = 500,
                            .reason = "InternalError",
                            .message = "could not compute the sync checksum"};
        return KS_ELIMIT;
    }
    return 0;
}
