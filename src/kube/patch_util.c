/* Helpers shared by the patch code: changed copies of immutable arrays and
 * objects, a hash index over values, snippets of values for messages, the
 * patch content types and the request-body entry point. */
#include <string.h>
#include <strings.h>

#include "kube/patch.h"
#include "kube/patch_int.h"

size_t kp_obj_find(const kv_value *obj, const kv_value *key, bool *found)
{
    size_t lo = 0, hi = obj->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = kv_compare(&obj->u.members[mid].key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

int kp_index_init(ks_arena *a, kp_index *ix, size_t count)
{
    size_t cap = 8;
    while (cap < count * 2)
        cap *= 2;
    ix->slots = ks_arena_calloc(a, cap, sizeof *ix->slots);
    ix->mask = cap - 1;
    return ix->slots ? 0 : KS_ELIMIT;
}

void kp_index_put(kp_index *ix, const kv_value *key, size_t pos)
{
    size_t i = (size_t)kv_hash(key) & ix->mask;
    while (ix->slots[i].key) {
        if (kv_equal(ix->slots[i].key, key))
            return;
        i = (i + 1) & ix->mask;
    }
    ix->slots[i].key = key;
    ix->slots[i].pos = pos;
}

size_t kp_index_get(const kp_index *ix, const kv_value *key)
{
    size_t i = (size_t)kv_hash(key) & ix->mask;
    while (ix->slots[i].key) {
        if (kv_equal(ix->slots[i].key, key))
            return ix->slots[i].pos;
        i = (i + 1) & ix->mask;
    }
    return SIZE_MAX;
}

void kp_json_snip(ks_buf *b, const kv_value *v, size_t max)
{
    ks_buf t = KS_BUF_INIT;
    if (kv_json_write(&t, v, 0) != 0) {
        ks_buf_puts(b, "<value>");
    } else if (t.len <= max) {
        ks_buf_append(b, t.data, t.len);
    } else {
        ks_buf_append(b, t.data, max);
        ks_buf_puts(b, "...");
    }
    ks_buf_free(&t);
}

int kp_nomem(ks_error *err)
{
    return ks_error_set(err, KS_ELIMIT, "patch: memory limit reached");
}

/* ---- content types and request bodies ---- */

static const char *const PATCH_TYPES[] = {
        [KUBE_PATCH_JSON] = "application/json-patch+json",
        [KUBE_PATCH_MERGE] = "application/merge-patch+json",
        [KUBE_PATCH_STRATEGIC] = "application/strategic-merge-patch+json",
        [KUBE_PATCH_APPLY] = "application/apply-patch+yaml",
};

const char *kube_patch_content_type(kube_patch_type t)
{
    return (unsigned)t < sizeof PATCH_TYPES / sizeof *PATCH_TYPES ? PATCH_TYPES[t] : NULL;
}

int kube_patch_type_parse(const char *ct, size_t n, kube_patch_type *out)
{
    const char *semi = memchr(ct, ';', n);
    size_t len = semi ? (size_t)(semi - ct) : n;
    while (len && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    while (len && (*ct == ' ' || *ct == '\t'))
        ct++, len--;
    for (size_t i = 0; i < sizeof PATCH_TYPES / sizeof *PATCH_TYPES; i++) {
        if (strlen(PATCH_TYPES[i]) == len && strncasecmp(PATCH_TYPES[i], ct, len) == 0) {
            *out = (kube_patch_type)i;
            return 0;
        }
    }
    return KS_EUNSUPPORTED;
}

int kube_patch(ks_arena *a, kube_patch_type type, const kv_value *doc, const char *body, size_t n,
               size_t max_size, const kube_patch_schema *schema, kv_value *out, ks_error *err)
{
    kv_value patch;
    int rc;
    if (max_size && n > max_size)
        return ks_error_set(err, KS_ELIMIT, "patch: body of %zu bytes is larger than %zu", n,
                            max_size);
    if (type == KUBE_PATCH_APPLY) {
        kv_yaml_opts yo = {
                .max_depth = KUBE_PATCH_MAX_DEPTH, .flags = KV_YAML_BOOL11, .source = "patch"};
        rc = kv_yaml_parse(a, body, n, &yo, &patch, err);
    } else {
        kv_json_opts jo = {.max_depth = KUBE_PATCH_MAX_DEPTH, .source = "patch"};
        rc = kv_json_parse(a, body, n, &jo, &patch, err);
    }
    if (rc) {
        /* a body the parser refuses is a bad request, unless a limit */
        if (rc != KS_ELIMIT)
            rc = KS_EPARSE;
        if (err)
            err->code = rc;
        return rc;
    }
    if (!doc && type != KUBE_PATCH_APPLY)
        return ks_error_set(err, KS_EINVAL, "patch: no document to patch");
    switch (type) {
    case KUBE_PATCH_JSON: return kube_patch_json(a, doc, &patch, out, err);
    case KUBE_PATCH_MERGE: return kube_patch_merge(a, doc, &patch, out, err);
    case KUBE_PATCH_STRATEGIC: return kube_patch_strategic(a, doc, &patch, schema, out, err);
    case KUBE_PATCH_APPLY: return kube_apply(a, doc, &patch, schema, out, err);
    }
    return ks_error_set(err, KS_EUNSUPPORTED, "patch: unknown patch type");
}
