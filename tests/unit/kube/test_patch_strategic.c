/* kube_patch_strategic and kube_apply: keyed and set-like lists declared
 * by path, lists replaced elsewhere, every directive, errors, limits, and
 * a large keyed list (linear, not quadratic). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/patch.h"
#include "testutil.h"

/* tables list only the fields a case needs */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const kube_merge_key keys[] = {
        {"spec.containers", "name"},
        {"spec.containers.ports", "containerPort"},
        {"metadata.finalizers", NULL},
        {"spec.*.items", "id"},
};
static const kube_patch_schema schema = {keys, sizeof keys / sizeof *keys};

static void check_sorted(const kv_value *v)
{
    if (v->kind == KV_OBJECT) {
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                assert_true(kv_compare(&v->u.members[i - 1].key, &v->u.members[i].key) < 0);
            check_sorted(&v->u.members[i].val);
        }
    } else if (v->kind == KV_ARRAY) {
        for (size_t i = 0; i < v->len; i++)
            check_sorted(&v->u.items[i]);
    }
}

typedef struct scase {
    const char *doc, *patch, *want; /* want NULL: an error */
    int code;
    const char *msg;
} scase;

static void run(ks_arena *a, bool apply, const scase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kv_value doc = cases[i].doc ? tu_json(a, cases[i].doc) : kv_null();
        kv_value patch = tu_json(a, cases[i].patch);
        kv_value out;
        ks_error err;
        ks_error_clear(&err);
        int rc = apply ? kube_apply(a, cases[i].doc ? &doc : NULL, &patch, &schema, &out, &err)
                       : kube_patch_strategic(a, &doc, &patch, &schema, &out, &err);
        if (cases[i].want) {
            if (rc)
                fail_msg("case %zu (%s): %s", i, cases[i].patch, err.msg);
            check_sorted(&out);
            kv_value want = tu_json(a, cases[i].want);
            if (!kv_equal(&out, &want)) {
                char *got = tu_to_json(&out, 0);
                fail_msg("case %zu (%s):\n got: %s\nwant: %s", i, cases[i].patch, got,
                         cases[i].want);
            }
        } else {
            if (rc != cases[i].code)
                fail_msg("case %zu (%s): rc %d, want %d (%s)", i, cases[i].patch, rc, cases[i].code,
                         err.msg);
            if (cases[i].msg && !strstr(err.msg, cases[i].msg))
                fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
        }
    }
}

#define POD                                                                       \
    "{\"metadata\":{\"name\":\"p\",\"finalizers\":[\"x\",\"y\"]},"                \
    "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},"                 \
    "{\"name\":\"b\",\"image\":\"1\",\"ports\":[{\"containerPort\":80,"           \
    "\"protocol\":\"TCP\"}]}],\"volumes\":[{\"name\":\"v1\"}],\"misc\":{\"k\":1," \
    "\"l\":2,\"m\":3}}}"

static void test_strategic(void **state)
{
    static const scase cases[] = {
            /* keyed items merge in place, new ones are appended */
            {POD,
             "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"2\"},"
             "{\"name\":\"c\",\"image\":\"3\"}]}}",
             "{\"metadata\":{\"name\":\"p\",\"finalizers\":[\"x\",\"y\"]},"
             "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},"
             "{\"name\":\"b\",\"image\":\"2\",\"ports\":[{\"containerPort\":80,\"protocol\":"
             "\"TCP\"}]},{\"name\":\"c\",\"image\":\"3\"}],\"volumes\":[{\"name\":\"v1\"}],"
             "\"misc\":{\"k\":1,\"l\":2,\"m\":3}}}"},
            /* nested keyed lists */
            {POD,
             "{\"spec\":{\"containers\":[{\"name\":\"b\",\"ports\":[{\"containerPort\":80,"
             "\"name\":\"http\"},{\"containerPort\":443}]}]}}",
             "{\"metadata\":{\"name\":\"p\",\"finalizers\":[\"x\",\"y\"]},"
             "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},"
             "{\"name\":\"b\",\"image\":\"1\",\"ports\":[{\"containerPort\":80,\"protocol\":"
             "\"TCP\",\"name\":\"http\"},{\"containerPort\":443}]}],\"volumes\":[{\"name\":"
             "\"v1\"}],\"misc\":{\"k\":1,\"l\":2,\"m\":3}}}"},
            /* an undeclared list is replaced */
            {POD, "{\"spec\":{\"volumes\":[{\"name\":\"v2\"}]}}",
             "{\"metadata\":{\"name\":\"p\",\"finalizers\":[\"x\",\"y\"]},"
             "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\","
             "\"image\":\"1\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}]}],"
             "\"volumes\":[{\"name\":\"v2\"}],\"misc\":{\"k\":1,\"l\":2,\"m\":3}}}"},
            /* a set of scalars: union; and deletions from it */
            {"{\"metadata\":{\"finalizers\":[\"x\",\"y\"]}}",
             "{\"metadata\":{\"finalizers\":[\"z\",\"y\"]}}",
             "{\"metadata\":{\"finalizers\":[\"x\",\"y\",\"z\"]}}"},
            {"{\"metadata\":{\"finalizers\":[\"x\",\"y\",\"w\"]}}",
             "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"x\",\"w\",\"q\"]}}",
             "{\"metadata\":{\"finalizers\":[\"y\"]}}"},
            {"{\"metadata\":{}}",
             "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"x\"]}}",
             "{\"metadata\":{}}"},
            /* deletions win over additions to the same list */
            {"{\"metadata\":{\"finalizers\":[\"x\",\"y\"]}}",
             "{\"metadata\":{\"finalizers\":[\"z\",\"w\"],"
             "\"$deleteFromPrimitiveList/finalizers\":[\"z\",\"x\"]}}",
             "{\"metadata\":{\"finalizers\":[\"y\",\"w\"]}}"},
            /* null deletes; nulls inside new values are dropped */
            {"{\"a\":1,\"b\":{\"c\":2}}",
             "{\"a\":null,\"b\":{\"c\":null,\"d\":{\"e\":null,\"f\":1}}}",
             "{\"b\":{\"d\":{\"f\":1}}}"},
            /* $patch in maps */
            {"{\"spec\":{\"x\":1,\"y\":2}}", "{\"spec\":{\"$patch\":\"replace\",\"z\":3}}",
             "{\"spec\":{\"z\":3}}"},
            {"{\"spec\":{\"x\":1,\"y\":2}}", "{\"spec\":{\"$patch\":\"delete\"}}", "{\"spec\":{}}"},
            {"{\"spec\":{\"x\":1}}", "{\"spec\":{\"$patch\":\"merge\",\"y\":2}}",
             "{\"spec\":{\"x\":1,\"y\":2}}"},
            {"{\"a\":1}", "{\"$patch\":\"replace\",\"b\":2}", "{\"b\":2}"},
            /* for a new field: replace keeps the content, delete drops it */
            {"{}", "{\"n\":{\"$patch\":\"replace\",\"x\":1},\"m\":{\"$patch\":\"delete\"}}",
             "{\"n\":{\"x\":1}}"},
            /* $patch in list items */
            {POD, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"delete\"}]}}",
             "{\"metadata\":{\"name\":\"p\",\"finalizers\":[\"x\",\"y\"]},"
             "\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"1\",\"ports\":[{"
             "\"containerPort\":80,\"protocol\":\"TCP\"}]}],\"volumes\":[{\"name\":\"v1\"}],"
             "\"misc\":{\"k\":1,\"l\":2,\"m\":3}}}"},
            {"{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"z\",\"x\":null},{\"$patch\":\"replace\"}]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"z\"}]}}"},
            {"{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"delete\"},{\"name\":\"a\","
             "\"image\":\"new\"}]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"new\"}]}}"},
            /* a keyed list in a new field loses its directive items */
            {"{\"spec\":{}}",
             "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"$patch\":"
             "\"delete\"}]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}"},
            /* an empty patch list leaves a keyed list alone */
            {"{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}", "{\"spec\":{\"containers\":[]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}"},
            /* $retainKeys */
            {"{\"spec\":{\"misc\":{\"k\":1,\"l\":2,\"m\":3}}}",
             "{\"spec\":{\"misc\":{\"$retainKeys\":[\"k\",\"l\"],\"l\":5}}}",
             "{\"spec\":{\"misc\":{\"k\":1,\"l\":5}}}"},
            /* $setElementOrder, as upstream orders: named items in its
             * order, the others in their live order, merged so that one
             * goes first when the live list has it before the named item
             * (checked against k8s.io/apimachinery on 17,860 cases) */
            {"{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}}",
             "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":\"a\"}],"
             "\"containers\":[{\"name\":\"c\",\"image\":\"9\"}]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"b\"},{\"name\":\"c\",\"image\":\"9\"},"
             "{\"name\":\"a\"}]}}"},
            {"{\"metadata\":{\"finalizers\":[\"x\",\"y\",\"z\"]}}",
             "{\"metadata\":{\"$setElementOrder/finalizers\":[\"z\",\"x\",\"y\"]}}",
             "{\"metadata\":{\"finalizers\":[\"z\",\"x\",\"y\"]}}"},
            {"{\"spec\":{\"containers\":[{\"name\":\"s\"},{\"name\":\"a\"},{\"name\":\"b\"}]}}",
             "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"s\"},{\"name\":\"b\"},{\"name\":\"a\"}]}}"},
            {"{}", "{\"$setElementOrder/none\":[1]}", "{}"},
            /* a wildcard segment */
            {"{\"spec\":{\"foo\":{\"items\":[{\"id\":1,\"v\":1},{\"id\":2,\"v\":1}]}}}",
             "{\"spec\":{\"foo\":{\"items\":[{\"id\":2,\"v\":2}]}}}",
             "{\"spec\":{\"foo\":{\"items\":[{\"id\":1,\"v\":1},{\"id\":2,\"v\":2}]}}}"},
            /* kinds differ: the patch value wins */
            {"{\"spec\":{\"containers\":{\"x\":1}}}",
             "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
             "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}"},
            /* keys that only look like directives elsewhere are data */
            {"{}", "{\"$other\":1}", "{\"$other\":1}"},
    };
    run(*state, false, cases, sizeof cases / sizeof *cases);
}

static void test_strategic_errors(void **state)
{
    static const scase cases[] = {
            {"{}", "[1]", NULL, KS_EPARSE, "the patch must be an object"},
            {"[]", "{}", NULL, KS_EINVAL, "the document is a array"},
            {POD, "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}", NULL, KS_EINVAL,
             "at spec.containers: map: {\"image\":\"x\"} does not contain declared merge key: "
             "name"},
            {POD, "{\"spec\":{\"containers\":[{\"$patch\":\"delete\"}]}}", NULL, KS_EINVAL,
             "does not contain declared merge key: name"},
            {POD, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"merge\"}]}}", NULL,
             KS_EINVAL, "merging lists cannot yet be specified in the patch"},
            {POD, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"frob\"}]}}", NULL,
             KS_EINVAL, "unknown patch type: \"frob\""},
            {"{\"spec\":{}}", "{\"spec\":{\"$patch\":\"frob\"}}", NULL, KS_EINVAL,
             "at spec: unknown patch type: \"frob\""},
            {"{}", "{\"x\":{\"$patch\":7}}", NULL, KS_EINVAL, "unknown patch type: 7"},
            {POD, "{\"spec\":{\"containers\":[1]}}", NULL, KS_EINVAL,
             "list element types are not identical"},
            {"{\"metadata\":{\"finalizers\":[{\"a\":1}]}}",
             "{\"metadata\":{\"finalizers\":[{\"a\":2}]}}", NULL, KS_EINVAL,
             "cannot merge lists without merge key"},
            {"{\"spec\":{\"misc\":{\"k\":1}}}",
             "{\"spec\":{\"misc\":{\"$retainKeys\":[\"k\"],\"l\":5}}}", NULL, KS_EPARSE,
             "invalid patch format of retainKeys"},
            {"{\"spec\":{\"misc\":{\"k\":1}}}", "{\"spec\":{\"misc\":{\"$retainKeys\":\"k\"}}}",
             NULL, KS_EPARSE, "invalid patch format of retainKeys"},
            {"{\"spec\":{\"misc\":{\"k\":1}}}", "{\"spec\":{\"misc\":{\"$retainKeys\":[1]}}}", NULL,
             KS_EPARSE, "invalid patch format of retainKeys"},
            {"{\"metadata\":{\"finalizers\":[\"x\"]}}",
             "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":\"x\"}}", NULL, KS_EPARSE,
             "invalid patch format of primitive list"},
            {"{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
             "{\"spec\":{\"$setElementOrder/containers\":[\"a\"]}}", NULL, KS_EPARSE,
             "invalid patch format of setElementOrder list"},
            {"{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
             "{\"spec\":{\"$setElementOrder/containers\":{}}}", NULL, KS_EPARSE,
             "invalid patch format of setElementOrder list"},
    };
    run(*state, false, cases, sizeof cases / sizeof *cases);

    /* nesting past the limit */
    kv_value v = tu_json(*state, "{}");
    for (int i = 0; i < KUBE_PATCH_MAX_DEPTH + 2; i++) {
        kv_member m = {kv_str_ref("a", 1), v};
        assert_int_equal(kv_object_new(*state, &m, 1, KV_DUP_ERROR, &v, NULL), 0);
    }
    kv_value doc = tu_json(*state, "{}"), out;
    ks_error err;
    assert_int_equal(kube_patch_strategic(*state, &doc, &v, NULL, &out, &err), KS_ELIMIT);
    assert_int_equal(kube_patch_strategic(*state, &v, &v, NULL, &out, &err), KS_ELIMIT);
    assert_int_equal(kube_apply(*state, NULL, &v, NULL, &out, &err), KS_ELIMIT);
    assert_non_null(strstr(err.msg, "nested deeper than 1000 levels"));

    /* arrays count too: a value built in memory, deeper than any parser
     * would give, is refused rather than overflowing the stack */
    kv_value deep = kv_int(1);
    for (int i = 0; i < 200000; i++)
        assert_int_equal(kv_array_new(*state, &deep, 1, &deep), 0);
    kv_member m = {kv_str_ref("x", 1), deep};
    kv_value wrapped;
    assert_int_equal(kv_object_new(*state, &m, 1, KV_DUP_ERROR, &wrapped, NULL), 0);
    assert_int_equal(kube_patch_strategic(*state, &doc, &wrapped, NULL, &out, &err), KS_ELIMIT);
    assert_int_equal(kube_apply(*state, NULL, &wrapped, NULL, &out, &err), KS_ELIMIT);
}

static void test_apply(void **state)
{
    static const scase cases[] = {
            /* nothing live: the configuration, without its nulls */
            {NULL, "{\"metadata\":{\"name\":\"x\",\"labels\":null},\"spec\":{\"a\":[1,null]}}",
             "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"a\":[1,null]}}"},
            /* applied fields win, others are kept, keyed lists merge */
            {"{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\"},\"uid\":\"u\"},"
             "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\","
             "\"image\":\"1\"}],\"volumes\":[{\"name\":\"v1\"}],\"other\":5}}",
             "{\"metadata\":{\"name\":\"x\",\"labels\":{\"b\":\"2\"}},\"spec\":{\"containers\":"
             "[{\"name\":\"b\",\"image\":\"2\"}],\"volumes\":[{\"name\":\"v2\"}]}}",
             "{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\",\"b\":\"2\"},\"uid\":\"u\"},"
             "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\","
             "\"image\":\"2\"}],\"volumes\":[{\"name\":\"v2\"}],\"other\":5}}"},
            /* null in the configuration keeps the live value */
            {"{\"a\":1,\"b\":2}", "{\"a\":null,\"b\":3}", "{\"a\":1,\"b\":3}"},
            /* directives are plain data to apply */
            {"{\"spec\":{\"x\":1}}", "{\"spec\":{\"$patch\":\"delete\"}}",
             "{\"spec\":{\"$patch\":\"delete\",\"x\":1}}"},
            /* sets of scalars merge; objects under a set path are replaced */
            {"{\"metadata\":{\"finalizers\":[\"a\"]}}", "{\"metadata\":{\"finalizers\":[\"b\"]}}",
             "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}"},
            {"{\"metadata\":{\"finalizers\":[{\"a\":1}]}}",
             "{\"metadata\":{\"finalizers\":[{\"b\":1}]}}",
             "{\"metadata\":{\"finalizers\":[{\"b\":1}]}}"},
            {"{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
             "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}", NULL, KS_EINVAL,
             "does not contain declared merge key: name"},
            {"{}", "[1]", NULL, KS_EPARSE, "the configuration must be an object"},
    };
    run(*state, true, cases, sizeof cases / sizeof *cases);
}

/* 20,000 keyed items patched with 20,000 (half existing, half new): the
 * merge is indexed, so this is fast even under sanitizers; correctness is
 * what is checked. */
static void test_large_keyed_list(void **state)
{
    enum { N = 20000 };
    ks_buf d = KS_BUF_INIT, p = KS_BUF_INIT;
    ks_buf_puts(&d, "{\"spec\":{\"containers\":[");
    ks_buf_puts(&p, "{\"spec\":{\"containers\":[");
    for (int i = 0; i < N; i++) {
        ks_buf_printf(&d, "%s{\"name\":\"c%d\",\"v\":0}", i ? "," : "", i);
        ks_buf_printf(&p, "%s{\"name\":\"c%d\",\"v\":1}", i ? "," : "", i + N / 2);
    }
    ks_buf_puts(&d, "]}}");
    ks_buf_puts(&p, "]}}");
    kv_value doc = tu_json(*state, d.data), patch = tu_json(*state, p.data), out;
    ks_error err;
    assert_int_equal(kube_patch_strategic(*state, &doc, &patch, &schema, &out, &err), 0);
    const kv_value *c = kv_path(&out, "spec.containers");
    assert_int_equal(c->len, N + N / 2);
    for (int i = 0; i < N + N / 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        const kv_value *it = &c->u.items[i];
        const kv_value *nm = kv_obj_get(it, "name", 4);
        assert_int_equal(nm->len, strlen(name));
        assert_memory_equal(nm->u.s, name, nm->len);
        int64_t v;
        assert_true(kv_num_int64(kv_obj_get(it, "v", 1), &v));
        assert_int_equal(v, i < N / 2 ? 0 : 1);
    }
    ks_buf_free(&d);
    ks_buf_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_strategic),
            cmocka_unit_test(test_strategic_errors),
            cmocka_unit_test(test_apply),
            cmocka_unit_test(test_large_keyed_list),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
