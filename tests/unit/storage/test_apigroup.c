/* The storage group's discovery and OpenAPI documents, Go zero values and
 * strategic-merge keys, from the compiled-in schemas. */
#include <string.h>

#include "cmd/storage/storage.h"
#include "testutil.h"

static kube_apigroup G;
static kube_resource R[32];

static int setup(void **state)
{
    (void)state;
    ks_error err = {0};
    int rc = spdx_apigroup(&G, R, true, true, &err);
    if (rc < 0)
        print_error("spdx_apigroup: %s\n", err.msg);
    return rc < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    kube_apigroup_free(&G);
    return 0;
}

static kv_value parse(ks_arena *a, const ks_buf *b)
{
    kv_value v;
    ks_error err = {0};
    int rc = kv_json_parse(a, b->data, b->len, NULL, &v, &err);
    if (rc < 0)
        fail_msg("document does not parse: %s", err.msg);
    return v;
}

static void test_discovery(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(kube_discovery_resources(&G, &b), 0);
    kv_value v = parse(&a, &b);
    assert_string_equal(kv_path(&v, "groupVersion")->u.s, SPDX_GROUP "/" SPDX_VERSION);
    const kv_value *res = kv_path(&v, "resources");
    assert_int_equal(res->len, 15); /* generatednetworkpolicies not yet */
    int namespaced = 0;
    for (uint32_t i = 0; i < res->len; i++) {
        const kv_value *r = &res->u.items[i];
        namespaced += kv_path(r, "namespaced")->u.b;
        assert_int_equal(kv_path(r, "verbs")->len, 8);
        if (strcmp(kv_path(r, "name")->u.s, "vulnerabilitysummaries") == 0) {
            assert_false(kv_path(r, "namespaced")->u.b);
            assert_string_equal(kv_path(r, "kind")->u.s, "VulnerabilitySummary");
        }
    }
    assert_int_equal(namespaced, 11); /* 4 cluster-scoped kinds */

    ks_buf_reset(&b);
    assert_int_equal(kube_discovery_aggregated(&G, "v2", &b), 0);
    v = parse(&a, &b);
    assert_string_equal(kv_path(&v, "apiVersion")->u.s, "apidiscovery.k8s.io/v2");
    const kv_value *r0 = kv_path(&v, "items[0].versions[0].resources[0]");
    assert_non_null(r0);
    assert_string_equal(kv_path(r0, "resource")->u.s, "applicationprofiles");
    assert_string_equal(kv_path(r0, "scope")->u.s, "Namespaced");
    assert_string_equal(kv_path(r0, "responseKind.kind")->u.s, "ApplicationProfile");

    ks_buf_reset(&b);
    assert_int_equal(kube_discovery_group_list(&G, &b), 0);
    v = parse(&a, &b);
    assert_string_equal(kv_path(&v, "groups[0].preferredVersion.version")->u.s, "v1beta1");

    /* without the virtual kinds and seccomp profiles */
    kube_apigroup g2;
    kube_resource r2[32];
    ks_error err = {0};
    assert_int_equal(spdx_apigroup(&g2, r2, false, false, &err), 0);
    assert_int_equal(g2.nresources, 12);
    assert_null(kube_apigroup_find(&g2, "vulnerabilitysummaries", 22));
    assert_non_null(kube_apigroup_find(&g2, "vulnerabilitymanifests", 22));
    kube_apigroup_free(&g2);
    ks_buf_free(&b);
    ks_arena_free(&a);
}

static void test_openapi(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(kube_openapi_v3(&G, &b), 0);
    assert_null(strstr(b.data, "x-kso-"));
    assert_null(strstr(b.data, "\"$ref\":\"com.")); /* every reference rewritten */
    kv_value v = parse(&a, &b);
    const kv_value *schemas = kv_path(&v, "components.schemas");
    const kv_value *vm = kv_obj_get(schemas, SPDX_SCHEMA_PREFIX "VulnerabilityManifest",
                                    strlen(SPDX_SCHEMA_PREFIX "VulnerabilityManifest"));
    assert_non_null(vm);
    assert_string_equal(kv_path(vm, "x-kubernetes-group-version-kind[0].kind")->u.s,
                        "VulnerabilityManifest");
    assert_string_equal(kv_path(vm, "properties.metadata.$ref")->u.s,
                        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    /* a namespaced collection path with its list response */
    const char *p = "/apis/" SPDX_GROUP "/v1beta1/namespaces/{namespace}/vulnerabilitymanifests";
    const kv_value *paths = kv_path(&v, "paths");
    const kv_value *item = kv_obj_get(paths, p, strlen(p));
    assert_non_null(item);
    assert_non_null(kv_path(item, "get"));
    assert_non_null(kv_path(item, "post"));

    ks_buf_reset(&b);
    assert_int_equal(kube_openapi_v2(&G, &b), 0);
    assert_null(strstr(b.data, "nullable"));
    assert_null(strstr(b.data, "allOf"));
    assert_null(strstr(b.data, "#/components/"));
    v = parse(&a, &b);
    assert_string_equal(kv_path(&v, "swagger")->u.s, "2.0");
    assert_true(kv_path(&v, "definitions")->len > 100);

    ks_buf_reset(&b);
    assert_int_equal(kube_openapi_v3_index(&G, "ABC", &b), 0);
    v = parse(&a, &b);
    const kv_value *idx = kv_path(&v, "paths");
    assert_int_equal(idx->len, 1);
    ks_buf_free(&b);
    ks_arena_free(&a);
}

static void expect_zero(const char *kind_or_type, const char *want)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    const kv_value *s = kube_schema(&G, kind_or_type);
    assert_non_null(s);
    kv_value z;
    assert_int_equal(kube_schema_zero(&G, s, &a, &z), 0);
    char *got = tu_to_json(&z, 0);
    assert_string_equal(got, want);
    ks_xfree(got);
    ks_arena_free(&a);
}

/* Go's encoding/json of the zero values, as upstream's metadata-only lists
 * render them. */
static void test_zero_values(void **state)
{
    (void)state;
    expect_zero(
            "VulnerabilityManifestSummarySpec",
            "{\"severities\":{\"critical\":{\"all\":0},\"high\":{\"all\":0},\"low\":{\"all\":0},"
            "\"medium\":{\"all\":0},\"negligible\":{\"all\":0},\"unknown\":{\"all\":0}},"
            "\"vulnerabilitiesRef\":{\"all\":{\"kind\":\"\",\"name\":\"\",\"namespace\":\"\"},"
            "\"relevant\":{\"kind\":\"\",\"name\":\"\",\"namespace\":\"\"}}}");
    expect_zero("WorkloadConfigurationScanSpec", "{\"controls\":null,\"relatedObjects\":null}");
    expect_zero("WorkloadConfigurationScanSummarySpec",
                "{\"controls\":null,\"severities\":{\"critical\":0,\"high\":0,\"low\":0,"
                "\"medium\":0,\"unknown\":0}}");
    /* metav1.Time's zero is null; a pointer is null */
    expect_zero("VulnerabilityManifestReportMeta", "{\"createdAt\":null}");
    expect_zero("KnownServer", "{\"metadata\":{\"creationTimestamp\":null},\"spec\":null}");
}

static void test_merge_keys(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kube_merge_key *mk;
    size_t n;
    assert_int_equal(kube_schema_merge_keys(&G, "ApplicationProfile", &a, &mk, &n), 0);
    bool containers = false, execs = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(mk[i].path, "spec.containers") == 0 && strcmp(mk[i].key, "name") == 0)
            containers = true;
        if (strcmp(mk[i].path, "spec.containers.execs") == 0 && strcmp(mk[i].key, "path") == 0)
            execs = true;
    }
    assert_true(containers);
    assert_true(execs);
    assert_int_equal(kube_schema_merge_keys(&G, "NoSuchKind", &a, &mk, &n), KS_ENOENT);
    ks_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_discovery),
            cmocka_unit_test(test_openapi),
            cmocka_unit_test(test_zero_values),
            cmocka_unit_test(test_merge_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
