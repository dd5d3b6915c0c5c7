/*
 * Fuzz target for patch application (kube/patch.h), with both the document
 * and the patch taken from the input: byte 0 chooses the patch type, the
 * rest is "<document JSON>\0<patch body>" (without a NUL, the whole rest is
 * the patch and the document is a small fixed object). For any input:
 * - kube_patch returns a result or a negative code with a message;
 * - a result keeps every object's members strictly sorted and survives a
 *   JSON round trip;
 * - a merge patch without nulls is idempotent: applying it again changes
 *   nothing.
 */
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "fuzz.h"
#include "kube/patch.h"
#include "value/value.h"

#define ARENA_LIMIT (64u << 20)

static const kube_merge_key keys[] = {
        {"spec.containers", "name"},
        {"spec.containers.ports", "containerPort"},
        {"metadata.finalizers", NULL},
        {"*.items", "id"},
};
static const kube_patch_schema schema = {keys, sizeof keys / sizeof *keys};

static void check_sorted(const kv_value *v, int depth)
{
    FUZZ_CHECK(depth < 5000, "result nested too deep");
    if (v->kind == KV_OBJECT) {
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                FUZZ_CHECK(kv_compare(&v->u.members[i - 1].key, &v->u.members[i].key) < 0,
                           "object members out of order");
            check_sorted(&v->u.members[i].val, depth + 1);
        }
    } else if (v->kind == KV_ARRAY) {
        for (size_t i = 0; i < v->len; i++)
            check_sorted(&v->u.items[i], depth + 1);
    }
}

static void check_roundtrip(const kv_value *v)
{
    ks_buf out = KS_BUF_INIT;
    if (kv_json_write(&out, v, 0) != 0) {
        ks_buf_free(&out); /* deeper than the writer goes: nothing to compare */
        return;
    }
    ks_arena a;
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    kv_value back;
    kv_json_opts o = {.max_depth = 5000};
    FUZZ_CHECK(kv_json_parse(&a, out.data, out.len, &o, &back, NULL) == 0,
               "result JSON does not parse back");
    FUZZ_CHECK(kv_equal(v, &back), "result JSON round trip changed it");
    ks_arena_free(&a);
    ks_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kube_patch_type type = (kube_patch_type)(data[0] % 4);
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(rest, '\0', n);
    const char *doc_text = "{\"metadata\":{\"name\":\"x\",\"finalizers\":[\"a\"]},\"spec\":{"
                           "\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":80}]}]}}";
    size_t doc_len = strlen(doc_text);
    const char *body = rest;
    size_t body_len = n;
    if (nul) {
        doc_text = rest;
        doc_len = (size_t)(nul - rest);
        body = nul + 1;
        body_len = n - doc_len - 1;
    }
    ks_arena a;
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    kv_value doc;
    kv_json_opts jo = {.max_depth = 200};
    ks_error err;
    if (kv_json_parse(&a, doc_text, doc_len, &jo, &doc, &err) != 0) {
        ks_arena_free(&a);
        return 0;
    }
    kv_value out;
    int rc = kube_patch(&a, type, &doc, body, body_len, 1u << 20, &schema, &out, &err);
    if (rc == 0) {
        check_sorted(&out, 0);
        check_roundtrip(&out);
        /* (a patch with nulls is not idempotent upstream either: an array
         * replacing an object keeps its nulls, one replacing an array does
         * not) */
        if (type == KUBE_PATCH_MERGE && !memmem(body, body_len, "null", 4)) {
            kv_value twice;
            rc = kube_patch(&a, type, &out, body, body_len, 1u << 20, &schema, &twice, &err);
            FUZZ_CHECK(rc == 0, "a merge patch applied once fails the second time");
            FUZZ_CHECK(kv_equal(&out, &twice), "a merge patch is not idempotent");
        }
    } else {
        FUZZ_CHECK(rc < 0, "error code is not negative");
        FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
    }
    /* the server-side apply path, with no live object */
    if (type == KUBE_PATCH_APPLY) {
        rc = kube_patch(&a, type, NULL, body, body_len, 1u << 20, &schema, &out, &err);
        if (rc == 0)
            check_sorted(&out, 0);
        else
            FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
    }
    ks_arena_free(&a);
    return 0;
}
