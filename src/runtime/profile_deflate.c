/* Deflation of ApplicationProfiles, NetworkNeighborhoods and
 * ContainerProfiles before they are saved (spec/storage.md §5.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/map.h"
#include "core/vec.h"
#include "runtime/profile.h"

#define ANN_SIZE   "kubescape.io/resource-size"
#define ANN_STATUS "kubescape.io/status"
#define TOO_LARGE  "too-large"

static int nomem(ks_error *err)
{
    return ks_error_set(err, KS_ELIMIT, "profile deflation: memory limit");
}

/* Puts "<where>." in front of the message of an error from a list helper. */
static int prefixed(ks_error *err, int rc, const char *where)
{
    if (!err || !where[0])
        return rc;
    ks_buf b;
    ks_buf_init(&b, 0);
    ks_buf_printf(&b, "%s.%s", where, err->msg);
    if (!b.err) {
        size_t n = b.len < sizeof(err->msg) - 1 ? b.len : sizeof(err->msg) - 1;
        memcpy(err->msg, b.data, n);
        err->msg[n] = '\0';
    }
    ks_buf_free(&b);
    return rc;
}

static int64_t list_len(const kv_value *v)
{
    return (v && (v->kind == KV_ARRAY || v->kind == KV_OBJECT)) ? v->len : 0;
}

/* A list of strings sorted and deduplicated (null and absent stay so). */
static int sorted_strings(ks_arena *a, const kv_value *v, const char *name, kv_value *out,
                          ks_error *err)
{
    if (!v || v->kind == KV_NULL) {
        *out = v ? *v : kv_null();
        return 0;
    }
    if (v->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "%s: must be an array", name);
    for (uint32_t i = 0; i < v->len; i++)
        if (v->u.items[i].kind != KV_STRING)
            return ks_error_set(err, KS_ETYPE, "%s[%u]: must be a string", name, i);
    kv_value set;
    if (kv_set_new(a, v->u.items, v->len, &set) || kv_array_new(a, set.u.items, set.len, out))
        return nomem(err);
    return 0;
}

/* obj with key set to *val when the field was there (absent stays absent). */
static int replace(ks_arena *a, kv_value *obj, const char *key, const kv_value *val)
{
    if (!kv_obj_get(obj, key, strlen(key)))
        return 0;
    return kv_obj_with(a, obj, key, strlen(key), val, obj) ? KS_ELIMIT : 0;
}

static int check_strings(const kv_value *v, const char *what, uint32_t i, ks_error *err)
{
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "execs[%u].%s: must be an array", i, what);
    for (uint32_t j = 0; j < v->len; j++)
        if (v->u.items[j].kind != KV_STRING)
            return ks_error_set(err, KS_ETYPE, "execs[%u].%s[%u]: must be a string", i, what, j);
    return 0;
}

static void key_strings(ks_buf *b, const kv_value *v)
{
    if (!v || v->kind != KV_ARRAY) {
        ks_buf_puts(b, "0;");
        return;
    }
    ks_buf_printf(b, "%u;", v->len);
    for (uint32_t j = 0; j < v->len; j++) {
        ks_buf_printf(b, "%u:", v->u.items[j].len);
        ks_buf_append(b, v->u.items[j].u.s, v->u.items[j].len);
    }
}

/* Execs deduplicated by (path, args, envs), first kept. */
static int dedupe_execs(ks_arena *a, const kv_value *v, kv_value *out, ks_error *err)
{
    if (!v || v->kind == KV_NULL) {
        *out = v ? *v : kv_null();
        return 0;
    }
    if (v->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "execs: must be an array");
    int rc = 0;
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_value *e = &v->u.items[i];
        if (e->kind != KV_OBJECT)
            return ks_error_set(err, KS_ETYPE, "execs[%u]: must be an object", i);
        const kv_value *p = kv_obj_get(e, "path", 4);
        if (p && p->kind != KV_STRING && p->kind != KV_NULL)
            return ks_error_set(err, KS_ETYPE, "execs[%u].path: must be a string", i);
        if ((rc = check_strings(kv_obj_get(e, "args", 4), "args", i, err)) ||
            (rc = check_strings(kv_obj_get(e, "envs", 4), "envs", i, err)))
            return rc;
    }
    kv_value *items = ks_arena_calloc(a, v->len ? v->len : 1, sizeof(*items));
    if (!items)
        return nomem(err);
    ks_map seen;
    ks_map_init(&seen);
    ks_buf b;
    ks_buf_init(&b, 0);
    size_t k = 0;
    for (uint32_t i = 0; i < v->len && !rc; i++) {
        const kv_value *e = &v->u.items[i];
        const kv_value *p = kv_obj_get(e, "path", 4);
        ks_buf_reset(&b);
        if (p && p->kind == KV_STRING) {
            ks_buf_printf(&b, "%u:", p->len);
            ks_buf_append(&b, p->u.s, p->len);
        } else {
            ks_buf_puts(&b, "0:");
        }
        key_strings(&b, kv_obj_get(e, "args", 4));
        key_strings(&b, kv_obj_get(e, "envs", 4));
        if (b.err) {
            rc = nomem(err);
            break;
        }
        if (ks_map_get(&seen, b.data, b.len))
            continue;
        char *key = ks_arena_memdup(a, b.data, b.len);
        if (!key) {
            rc = nomem(err);
            break;
        }
        ks_map_put(&seen, key, b.len, (void *)1);
        items[k++] = *e;
    }
    ks_map_free(&seen);
    ks_buf_free(&b);
    if (!rc && kv_array_new(a, items, k, out))
        rc = nomem(err);
    return rc;
}

/* rulePolicies: each processAllowed sorted and deduplicated. */
static int deflate_rule_policies(ks_arena *a, const kv_value *v, kv_value *out, ks_error *err)
{
    if (!v || v->kind == KV_NULL) {
        *out = v ? *v : kv_null();
        return 0;
    }
    if (v->kind != KV_OBJECT)
        return ks_error_set(err, KS_ETYPE, "rulePolicies: must be an object");
    kv_value res = *v;
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_member *m = &v->u.members[i];
        if (m->val.kind != KV_OBJECT) {
            if (m->val.kind == KV_NULL)
                continue;
            return ks_error_set(err, KS_ETYPE, "rulePolicies.%s: must be an object",
                                m->key.kind == KV_STRING ? m->key.u.s : "?");
        }
        const kv_value *pa = kv_obj_get(&m->val, "processAllowed", 14);
        if (!pa || pa->kind == KV_NULL)
            continue;
        kv_value sorted, pol;
        int rc = sorted_strings(a, pa, "processAllowed", &sorted, err);
        if (rc)
            return prefixed(err, rc, "rulePolicies");
        if (kv_obj_with(a, &m->val, "processAllowed", 14, &sorted, &pol) ||
            kv_obj_with(a, &res, m->key.u.s, m->key.len, &pol, &res))
            return nomem(err);
    }
    *out = res;
    return 0;
}

/* The lists every AP container and CP spec share; *size gets their
 * deflated lengths. */
static int deflate_container(ks_arena *a, const kv_value *c, const rt_collapse_cfg *cfg,
                             kv_value *out, int64_t *size, ks_error *err)
{
    kv_value o = *c, v;
    int rc;
    if ((rc = sorted_strings(a, kv_obj_get(c, "capabilities", 12), "capabilities", &v, err)) ||
        (rc = replace(a, &o, "capabilities", &v)))
        return rc == KS_ELIMIT ? nomem(err) : rc;
    *size += list_len(&v);
    if ((rc = sorted_strings(a, kv_obj_get(c, "syscalls", 8), "syscalls", &v, err)) ||
        (rc = replace(a, &o, "syscalls", &v)))
        return rc;
    *size += list_len(&v);
    if ((rc = dedupe_execs(a, kv_obj_get(c, "execs", 5), &v, err)) ||
        (rc = replace(a, &o, "execs", &v)))
        return rc;
    *size += list_len(&v);
    if ((rc = rt_analyze_opens(a, kv_obj_get(c, "opens", 5), cfg->open_threshold, cfg->prefixes,
                               cfg->nprefixes, &v, err)) ||
        (rc = replace(a, &o, "opens", &v)))
        return rc;
    *size += list_len(&v);
    if ((rc = rt_analyze_endpoints(a, kv_obj_get(c, "endpoints", 9), cfg->endpoint_threshold,
                                   cfg->prefixes, cfg->nprefixes, &v, err)) ||
        (rc = replace(a, &o, "endpoints", &v)))
        return rc;
    *size += list_len(&v);
    if ((rc = deflate_rule_policies(a, kv_obj_get(c, "rulePolicies", 12), &v, err)) ||
        (rc = replace(a, &o, "rulePolicies", &v)))
        return rc;
    if ((rc = rt_unify_call_stacks(a, kv_obj_get(c, "identifiedCallStacks", 20), &v, err)) ||
        (rc = replace(a, &o, "identifiedCallStacks", &v)))
        return rc;
    *size += list_len(&v);
    *out = o;
    return 0;
}

static int neighbors_of(ks_arena *a, kv_value *o, const char *key, int64_t *size, ks_error *err)
{
    kv_value v;
    int rc = rt_merge_neighbors(a, kv_obj_get(o, key, strlen(key)), &v, err);
    if (rc)
        return prefixed(err, rc, key);
    if (replace(a, o, key, &v))
        return nomem(err);
    *size += list_len(&v);
    return 0;
}

/* obj with metadata.annotations[key] = val. */
static int annotate(ks_arena *a, kv_value *obj, const char *key, const char *val)
{
    const kv_value *md = kv_obj_get(obj, "metadata", 8);
    kv_value meta = (md && md->kind == KV_OBJECT) ? *md : (kv_value){.kind = KV_OBJECT};
    const kv_value *an = kv_obj_get(&meta, "annotations", 11);
    kv_value ann = (an && an->kind == KV_OBJECT) ? *an : (kv_value){.kind = KV_OBJECT};
    kv_value s;
    if (kv_str_copy(a, val, strlen(val), &s) || kv_obj_with(a, &ann, key, strlen(key), &s, &ann) ||
        kv_obj_with(a, &meta, "annotations", 11, &ann, &meta) ||
        kv_obj_with(a, obj, "metadata", 8, &meta, obj))
        return KS_ELIMIT;
    return 0;
}

static int annotate_size(ks_arena *a, kv_value *obj, int64_t size)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", (long long)size);
    return annotate(a, obj, ANN_SIZE, num);
}

static int get_spec(const kv_value *obj, const char *kind, kv_value *spec, ks_error *err)
{
    if (!obj || obj->kind != KV_OBJECT)
        return ks_error_set(err, KS_ETYPE, "%s: must be an object", kind);
    const kv_value *s = kv_obj_get(obj, "spec", 4);
    if (s && s->kind != KV_OBJECT && s->kind != KV_NULL)
        return ks_error_set(err, KS_ETYPE, "%s: spec must be an object", kind);
    *spec = (s && s->kind == KV_OBJECT) ? *s : (kv_value){.kind = KV_OBJECT};
    return 0;
}

static const char *const groups[] = {"containers", "initContainers", "ephemeralContainers"};

typedef int (*container_fn)(ks_arena *a, const kv_value *c, const rt_collapse_cfg *cfg,
                            kv_value *out, int64_t *size, ks_error *err);

/* Applies fn to every container of every group of spec. */
static int each_container(ks_arena *a, kv_value *spec, const rt_collapse_cfg *cfg, container_fn fn,
                          int64_t *size, ks_error *err)
{
    char where[64];
    for (int g = 0; g < 3; g++) {
        const kv_value *list = kv_obj_get(spec, groups[g], strlen(groups[g]));
        if (!list || list->kind == KV_NULL)
            continue;
        if (list->kind != KV_ARRAY)
            return ks_error_set(err, KS_ETYPE, "spec.%s: must be an array", groups[g]);
        kv_value *items = ks_arena_calloc(a, list->len ? list->len : 1, sizeof(*items));
        if (!items)
            return nomem(err);
        for (uint32_t i = 0; i < list->len; i++) {
            snprintf(where, sizeof(where), "spec.%s[%u]", groups[g], i);
            if (list->u.items[i].kind != KV_OBJECT)
                return ks_error_set(err, KS_ETYPE, "%s: must be an object", where);
            int rc = fn(a, &list->u.items[i], cfg, &items[i], size, err);
            if (rc)
                return prefixed(err, rc, where);
        }
        kv_value v;
        if (kv_array_new(a, items, list->len, &v) ||
            kv_obj_with(a, spec, groups[g], strlen(groups[g]), &v, spec))
            return nomem(err);
    }
    return 0;
}

static int architectures(ks_arena *a, kv_value *spec, ks_error *err)
{
    kv_value v;
    int rc =
            sorted_strings(a, kv_obj_get(spec, "architectures", 13), "spec.architectures", &v, err);
    if (rc)
        return rc;
    return replace(a, spec, "architectures", &v) ? nomem(err) : 0;
}

/* Saves spec (or {} when over the limit) and the annotations. */
static int finish(ks_arena *a, const kv_value *obj, kv_value *spec, int64_t size, int64_t max_size,
                  bool keep_spec, kv_value *out, int64_t *size_out, ks_error *err)
{
    if (max_size <= 0)
        max_size = RT_DEFAULT_MAX_SIZE;
    if (size_out)
        *size_out = size;
    kv_value o = *obj;
    bool too_large = size > max_size;
    kv_value empty = {.kind = KV_OBJECT};
    if (kv_obj_with(a, &o, "spec", 4, (too_large && !keep_spec) ? &empty : spec, &o))
        return nomem(err);
    if (too_large && annotate(a, &o, ANN_STATUS, TOO_LARGE))
        return nomem(err);
    if ((!too_large || keep_spec) && annotate_size(a, &o, size))
        return nomem(err);
    *out = o;
    return 0;
}

int rt_deflate_application_profile(ks_arena *a, const kv_value *ap, const rt_collapse_cfg *cfg,
                                   int64_t max_size, kv_value *out, int64_t *size_out,
                                   ks_error *err)
{
    rt_collapse_cfg def;
    if (!cfg) {
        rt_collapse_cfg_default(&def);
        cfg = &def;
    }
    kv_value spec;
    int64_t size = 0;
    int rc = get_spec(ap, "ApplicationProfile", &spec, err);
    if (rc || (rc = each_container(a, &spec, cfg, deflate_container, &size, err)) ||
        (rc = architectures(a, &spec, err)))
        return rc;
    return finish(a, ap, &spec, size, max_size, false, out, size_out, err);
}

static int deflate_nn_container(ks_arena *a, const kv_value *c, const rt_collapse_cfg *cfg,
                                kv_value *out, int64_t *size, ks_error *err)
{
    (void)cfg;
    kv_value o = *c;
    int rc = neighbors_of(a, &o, "ingress", size, err);
    if (rc || (rc = neighbors_of(a, &o, "egress", size, err)))
        return rc;
    *out = o;
    return 0;
}

int rt_deflate_network_neighborhood(ks_arena *a, const kv_value *nn, int64_t max_size,
                                    kv_value *out, int64_t *size_out, ks_error *err)
{
    kv_value spec;
    int64_t size = 0;
    int rc = get_spec(nn, "NetworkNeighborhood", &spec, err);
    if (rc || (rc = each_container(a, &spec, NULL, deflate_nn_container, &size, err)))
        return rc;
    return finish(a, nn, &spec, size, max_size, false, out, size_out, err);
}

typedef struct ref {
    const kv_value *v;
    size_t i;
} ref;

static int cmp_ref(const void *x, const void *y)
{
    const ref *a = x, *b = y;
    int c = kv_compare(a->v, b->v);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* matchExpressions deduplicated (equal requirements), first kept. */
static int dedupe_expressions(ks_arena *a, kv_value *spec, ks_error *err)
{
    const kv_value *v = kv_obj_get(spec, "matchExpressions", 16);
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "spec.matchExpressions: must be an array");
    kv_value *items = ks_arena_calloc(a, v->len ? v->len : 1, sizeof(*items));
    if (!items)
        return nomem(err);
    /* Sorting (value, position) pairs finds duplicates in n log n; the
     * order of first appearance is kept. */
    uint32_t n = v->len;
    ref *refs = ks_xcalloc(n ? n : 1, sizeof(*refs));
    bool *dup = ks_xcalloc(n ? n : 1, sizeof(*dup));
    for (uint32_t i = 0; i < n; i++)
        refs[i] = (ref){&v->u.items[i], i};
    qsort(refs, n, sizeof(*refs), cmp_ref);
    for (uint32_t i = 1; i < n; i++)
        if (kv_equal(refs[i].v, refs[i - 1].v))
            dup[refs[i].i] = true;
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!dup[i])
            items[k++] = v->u.items[i];
    ks_xfree(refs);
    ks_xfree(dup);
    kv_value res;
    if (kv_array_new(a, items, k, &res) || kv_obj_with(a, spec, "matchExpressions", 16, &res, spec))
        return nomem(err);
    return 0;
}

int rt_deflate_container_profile(ks_arena *a, const kv_value *cp, const rt_collapse_cfg *cfg,
                                 int64_t max_size, kv_value *out, int64_t *size_out, ks_error *err)
{
    rt_collapse_cfg def;
    if (!cfg) {
        rt_collapse_cfg_default(&def);
        cfg = &def;
    }
    kv_value spec;
    int64_t size = 0;
    int rc = get_spec(cp, "ContainerProfile", &spec, err);
    if (rc)
        return rc;
    if ((rc = deflate_container(a, &spec, cfg, &spec, &size, err)))
        return prefixed(err, rc, "spec");
    if ((rc = architectures(a, &spec, err)) || (rc = dedupe_expressions(a, &spec, err)))
        return rc;
    if ((rc = neighbors_of(a, &spec, "ingress", &size, err)) ||
        (rc = neighbors_of(a, &spec, "egress", &size, err)))
        return prefixed(err, rc, "spec");
    return finish(a, cp, &spec, size, max_size, true, out, size_out, err);
}
