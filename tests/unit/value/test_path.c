/* Paths into values: kv_path (dotted with [i] and escapes), kv_pointer
 * (RFC 6901) and kv_lookup (steps as values). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *pod_json =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
        "\"metadata\":{\"name\":\"web-0\",\"labels\":{\"app\":\"web\","
        "\"app.kubernetes.io/name\":\"web\"},"
        "\"annotations\":{\"a[0]\":\"bracket\",\"back\\\\slash\":\"bs\",\"\":\"empty\","
        "\"x/y\":\"slash\",\"m~n\":\"tilde\",\"~1\":\"tilde-one\",\"sp ace\":\"space\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.25\","
        "\"ports\":[{\"containerPort\":80},{\"containerPort\":443}]},"
        "{\"name\":\"sidecar\",\"image\":\"envoy\"}],"
        "\"matrix\":[[1,2],[3,[4,5]]],\"n\":null}}";

static void expect_str(const kv_value *v, const char *want, const char *path)
{
    if (!v)
        fail_msg("%s: not found, want \"%s\"", path, want);
    if (v->kind != KV_STRING || v->len != strlen(want) || memcmp(v->u.s, want, v->len) != 0)
        fail_msg("%s: want \"%s\"", path, want);
}

static void expect_int(const kv_value *v, int64_t want, const char *path)
{
    int64_t i;
    if (!v || !kv_num_int64(v, &i) || i != want)
        fail_msg("%s: want %lld", path, (long long)want);
}

static void test_dotted_path(void **state)
{
    kv_value pod = tu_json(*state, pod_json);
    expect_str(kv_path(&pod, "kind"), "Pod", "kind");
    expect_str(kv_path(&pod, "metadata.name"), "web-0", "metadata.name");
    expect_str(kv_path(&pod, "spec.containers[0].image"), "nginx:1.25", "[0].image");
    expect_str(kv_path(&pod, "spec.containers[1].name"), "sidecar", "[1].name");
    expect_int(kv_path(&pod, "spec.containers[0].ports[1].containerPort"), 443, "ports[1]");
    expect_int(kv_path(&pod, "spec.matrix[1][1][0]"), 4, "matrix[1][1][0]");
    expect_int(kv_path(&pod, "spec.matrix[0][1]"), 2, "matrix[0][1]");
    assert_ptr_equal(kv_path(&pod, ""), &pod);
    const kv_value *n = kv_path(&pod, "spec.n");
    assert_non_null(n);
    assert_int_equal(n->kind, KV_NULL);
    const kv_value *c = kv_path(&pod, "spec.containers");
    assert_non_null(c);
    assert_int_equal(c->kind, KV_ARRAY);
    /* A trailing dot is tolerated. */
    expect_str(kv_path(&pod, "metadata.name."), "web-0", "metadata.name.");

    /* Missing steps. */
    const char *missing[] = {"nope",
                             "metadata.nope",
                             "metadata.name.more",
                             "spec.containers[2]",
                             "spec.containers[2].name",
                             "spec.containers[-1]",
                             "spec.containers[01]",
                             "spec.containers[x]",
                             "spec.containers[]",
                             "spec.containers[0",
                             "spec.containers.0",
                             "spec[0]",
                             "kind[0]",
                             "spec.n.x",
                             "spec.containers[99999999999999999999]",
                             "Kind"};
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
        if (kv_path(&pod, missing[i]) != NULL)
            fail_msg("%s: found, want NULL", missing[i]);
}

static void test_path_escapes(void **state)
{
    kv_value pod = tu_json(*state, pod_json);
    expect_str(kv_path(&pod, "metadata.labels.app\\.kubernetes\\.io/name"), "web", "dotted key");
    assert_null(kv_path(&pod, "metadata.labels.app.kubernetes.io/name"));
    expect_str(kv_path(&pod, "metadata.annotations.a\\[0]"), "bracket", "bracket key");
    expect_str(kv_path(&pod, "metadata.annotations.back\\\\slash"), "bs", "backslash key");
    expect_str(kv_path(&pod, "metadata.annotations.x/y"), "slash", "slash key");
    expect_str(kv_path(&pod, "metadata.annotations.sp ace"), "space", "space key");
    expect_str(kv_path(&pod, "metadata.annotations.m~n"), "tilde", "tilde key");

    /* A path at the root of an array. */
    kv_value arr = tu_json(*state, "[{\"a\":[10,20]},{\"b\":{\"c.d\":true}}]");
    expect_int(kv_path(&arr, "[0].a[1]"), 20, "[0].a[1]");
    const kv_value *b = kv_path(&arr, "[1].b.c\\.d");
    assert_non_null(b);
    assert_true(b->kind == KV_BOOL && b->u.b);
}

/* Kubernetes label and annotation keys may be 253 + 1 + 63 characters. */
static void test_path_long_key(void **state)
{
    ks_arena *a = *state;
    char key[400], path[420], json[600];
    memset(key, 'k', 317);
    key[253] = '/';
    key[317] = '\0';
    snprintf(json, sizeof(json), "{\"m\":{\"%s\":\"long\"}}", key);
    kv_value v = tu_json(a, json);
    snprintf(path, sizeof(path), "m.%s", key);
    expect_str(kv_path(&v, path), "long", "317-character key");
    path[strlen(path) - 1] = '\0';
    assert_null(kv_path(&v, path));
}

static void test_pointer(void **state)
{
    kv_value pod = tu_json(*state, pod_json);
#define PTR(s) kv_pointer(&pod, s, sizeof(s) - 1)
    assert_ptr_equal(PTR(""), &pod);
    expect_str(PTR("/kind"), "Pod", "/kind");
    expect_str(PTR("/spec/containers/0/image"), "nginx:1.25", "/spec/containers/0/image");
    expect_int(PTR("/spec/containers/0/ports/1/containerPort"), 443, "ports/1");
    expect_int(PTR("/spec/matrix/1/1/1"), 5, "/spec/matrix/1/1/1");
    expect_str(PTR("/metadata/labels/app.kubernetes.io~1name"), "web", "~1");
    expect_str(PTR("/metadata/annotations/x~1y"), "slash", "x~1y");
    expect_str(PTR("/metadata/annotations/m~0n"), "tilde", "m~0n");
    /* ~01 is "~1", not "/": ~0 is decoded first and the result is final. */
    expect_str(PTR("/metadata/annotations/~01"), "tilde-one", "~01");
    expect_str(PTR("/metadata/annotations/"), "empty", "empty key");
    expect_str(PTR("/metadata/annotations/a[0]"), "bracket", "a[0]");
    expect_str(PTR("/metadata/annotations/back\\slash"), "bs", "backslash");
    expect_str(PTR("/metadata/annotations/sp ace"), "space", "space");
    const kv_value *n = PTR("/spec/n");
    assert_non_null(n);
    assert_int_equal(n->kind, KV_NULL);

    const char *missing[] = {"kind",
                             "/nope",
                             "/spec/containers/2",
                             "/spec/containers/-",
                             "/spec/containers/-1",
                             "/spec/containers/01",
                             "/spec/containers/ 0",
                             "/spec/containers/0x1",
                             "/spec/containers/",
                             "/kind/0",
                             "/spec/n/x",
                             "/metadata/annotations/m~2n",
                             "/metadata/annotations/m~",
                             "/metadata/annotations/~",
                             "/metadata/labels/app.kubernetes.io/name",
                             "/spec/containers/99999999999999999999"};
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
        if (kv_pointer(&pod, missing[i], strlen(missing[i])) != NULL)
            fail_msg("%s: found, want NULL", missing[i]);
#undef PTR

    /* The length bounds the pointer; keys may hold NUL bytes. */
    kv_value nul = tu_json(*state, "{\"a\\u0000b\":1,\"a\":{\"c\":2}}");
    expect_int(kv_pointer(&nul, "/a\0b", 4), 1, "NUL key");
    expect_int(kv_pointer(&nul, "/a/cxyz", 4), 2, "bounded");
    const kv_value *obj = kv_pointer(&nul, "/a\0b", 2);
    assert_non_null(obj);
    assert_int_equal(obj->kind, KV_OBJECT);
}

static void test_lookup(void **state)
{
    ks_arena *a = *state;
    kv_value pod = tu_json(a, pod_json);
    kv_value steps[] = {kv_str_ref("spec", 4), kv_str_ref("containers", 10), kv_int(1),
                        kv_str_ref("name", 4)};
    expect_str(kv_lookup(&pod, steps, 4), "sidecar", "lookup");
    assert_ptr_equal(kv_lookup(&pod, steps, 0), &pod);
    /* 1.0 is the int 1. */
    steps[2] = tu_json(a, "1.0");
    expect_str(kv_lookup(&pod, steps, 4), "sidecar", "lookup 1.0");
    kv_value bad[] = {tu_json(a, "1.5"),  kv_int(-1), kv_int(2),
                      kv_str_ref("1", 1), kv_null(),  tu_json(a, "12345678901234567890")};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        steps[2] = bad[i];
        assert_null(kv_lookup(&pod, steps, 4));
    }
    /* Objects with non-string keys take any value as a step. */
    kv_value inner = tu_json(a, "{\"x\":true}");
    kv_member m[] = {{kv_int(1), kv_str_ref("one", 3)},
                     {tu_json(a, "[1,2]"), inner},
                     {kv_str_ref("1", 1), kv_str_ref("string one", 10)}};
    kv_value obj;
    assert_int_equal(kv_object_new(a, m, 3, KV_DUP_ERROR, &obj, NULL), 0);
    kv_value s1[] = {tu_json(a, "1e0")};
    expect_str(kv_lookup(&obj, s1, 1), "one", "number key");
    kv_value s2[] = {kv_str_ref("1", 1)};
    expect_str(kv_lookup(&obj, s2, 1), "string one", "string key");
    kv_value s3[] = {tu_json(a, "[1,2.0]"), kv_str_ref("x", 1)};
    const kv_value *x = kv_lookup(&obj, s3, 2);
    assert_non_null(x);
    assert_int_equal(x->kind, KV_BOOL);
    /* Numbers do not step into strings, strings not into arrays. */
    kv_value arr = tu_json(a, "[\"a\"]");
    kv_value s4[] = {kv_str_ref("0", 1)};
    assert_null(kv_lookup(&arr, s4, 1));
    kv_value s5[] = {kv_int(0), kv_int(0)};
    assert_null(kv_lookup(&arr, s5, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_dotted_path, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_path_escapes, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_path_long_key, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_pointer, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_lookup, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
