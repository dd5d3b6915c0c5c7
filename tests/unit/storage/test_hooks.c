/* What the storage role does to objects before they are saved: the
 * sync-checksum, the profile status rules (spec storage.md §5.1) and the
 * CollapseConfiguration validation (§3.15). */
#include <stdio.h>
#include <string.h>

#include "cmd/storage/storage.h"
#include "testutil.h"

static const kube_resource *res(const char *plural)
{
    const spdx_kind *k = spdx_kind_find(plural, strlen(plural));
    assert_non_null(k);
    return &k->res;
}

static const char *ann(const kv_value *obj, const char *key)
{
    const kv_value *a = kv_path(obj, "metadata.annotations");
    const kv_value *v = a ? kv_obj_get(a, key, strlen(key)) : NULL;
    return v && v->kind == KV_STRING ? v->u.s : NULL;
}

static void test_checksum(void **state)
{
    ks_arena *a = *state;
    kv_value o = tu_json(a, "{\"apiVersion\":\"spdx.softwarecomposition.kubescape.io/v1beta1\","
                            "\"kind\":\"KnownServer\",\"metadata\":{\"name\":\"k\","
                            "\"resourceVersion\":\"4\"},\"spec\":[{\"ipBlock\":\"10.0.0.0/8\"}]}");
    kube_problem p = {0};
    assert_int_equal(spdx_prepare(NULL, res("knownservers"), KUBE_WRITE_CREATE, NULL, &o, a, &p),
                     0);
    const char *sum = ann(&o, "kubescape.io/sync-checksum");
    assert_non_null(sum);
    assert_int_equal(strlen(sum), 64);
    /* the checksum ignores resourceVersion, managedFields, itself and the
     * last-applied annotation; it follows content */
    kv_value o2 = tu_json(a, "{\"apiVersion\":\"spdx.softwarecomposition.kubescape.io/v1beta1\","
                             "\"kind\":\"KnownServer\",\"metadata\":{\"name\":\"k\","
                             "\"resourceVersion\":\"9\",\"managedFields\":[{}],\"annotations\":{"
                             "\"kubescape.io/sync-checksum\":\"old\",\"kubectl.kubernetes.io/"
                             "last-applied-configuration\":\"{}\"}},\"spec\":[{\"ipBlock\":"
                             "\"10.0.0.0/8\"}]}");
    assert_int_equal(spdx_prepare(NULL, res("knownservers"), KUBE_WRITE_UPDATE, &o, &o2, a, &p), 0);
    assert_string_equal(ann(&o2, "kubescape.io/sync-checksum"), sum);
    kv_value o3 = tu_json(a, "{\"apiVersion\":\"spdx.softwarecomposition.kubescape.io/v1beta1\","
                             "\"kind\":\"KnownServer\",\"metadata\":{\"name\":\"k\"},\"spec\":[{"
                             "\"ipBlock\":\"10.0.0.0/9\"}]}");
    assert_int_equal(spdx_prepare(NULL, res("knownservers"), KUBE_WRITE_CREATE, NULL, &o3, a, &p),
                     0);
    assert_string_not_equal(ann(&o3, "kubescape.io/sync-checksum"), sum);
}

static kv_value profile(ks_arena *a, const char *status, const char *completion)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"kind\":\"ApplicationProfile\",\"metadata\":{\"name\":\"p\",\"namespace\":\"n\","
             "\"annotations\":{\"kubescape.io/status\":\"%s\",\"kubescape.io/completion\":\"%s\"}},"
             "\"spec\":{\"architectures\":[\"amd64\"]}}",
             status, completion);
    return tu_json(a, buf);
}

static void test_profile_rules(void **state)
{
    ks_arena *a = *state;
    const kube_resource *ap = res("applicationprofiles");
    kube_problem p = {0};
    kv_value o = profile(a, "learning", "complete");
    assert_true(spdx_prepare(NULL, ap, KUBE_WRITE_CREATE, NULL, &o, a, &p) < 0);
    assert_int_equal(p.code, 422);
    assert_string_equal(p.field, "metadata.annotations[kubescape.io/status]");
    o = profile(a, "ready", "half");
    assert_true(spdx_prepare(NULL, ap, KUBE_WRITE_CREATE, NULL, &o, a, &p) < 0);
    assert_string_equal(p.field, "metadata.annotations[kubescape.io/completion]");
    /* completed + complete is final: the update keeps the stored object */
    kv_value old = profile(a, "completed", "complete");
    o = profile(a, "ready", "partial");
    assert_int_equal(spdx_prepare(NULL, ap, KUBE_WRITE_UPDATE, &old, &o, a, &p), 1);
    /* completed + partial stays unless the new one is complete */
    old = profile(a, "completed", "partial");
    o = profile(a, "ready", "partial");
    assert_int_equal(spdx_prepare(NULL, ap, KUBE_WRITE_UPDATE, &old, &o, a, &p), 1);
    o = profile(a, "completed", "complete");
    assert_int_equal(spdx_prepare(NULL, ap, KUBE_WRITE_UPDATE, &old, &o, a, &p), 0);
    /* complete never goes back to partial: completion and status restored */
    old = profile(a, "ready", "complete");
    o = profile(a, "initializing", "partial");
    assert_int_equal(spdx_prepare(NULL, ap, KUBE_WRITE_UPDATE, &old, &o, a, &p), 0);
    assert_string_equal(ann(&o, "kubescape.io/completion"), "complete");
    assert_string_equal(ann(&o, "kubescape.io/status"), "ready");
}

static void expect_collapse(ks_arena *a, const char *spec, const char *field)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"kind\":\"CollapseConfiguration\",\"metadata\":{\"name\":"
             "\"default\"},\"spec\":%s}",
             spec);
    kv_value o = tu_json(a, buf);
    kube_problem p = {0};
    int rc = spdx_prepare(NULL, res("collapseconfigurations"), KUBE_WRITE_CREATE, NULL, &o, a, &p);
    if (!field) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_true(rc < 0);
    assert_int_equal(p.code, 422);
    assert_string_equal(p.field, field);
}

static void test_collapse(void **state)
{
    ks_arena *a = *state;
    expect_collapse(a,
                    "{\"openDynamicThreshold\":10,\"collapseConfigs\":[{\"prefix\":\"/etc\","
                    "\"threshold\":5},{\"prefix\":\"/opt\",\"threshold\":1}]}",
                    NULL);
    expect_collapse(a, "{\"openDynamicThreshold\":-1}", "spec.openDynamicThreshold");
    expect_collapse(a, "{\"endpointDynamicThreshold\":\"x\"}", "spec.endpointDynamicThreshold");
    expect_collapse(a, "{\"collapseConfigs\":[{\"prefix\":\"\",\"threshold\":5}]}",
                    "spec.collapseConfigs[0].prefix");
    expect_collapse(a, "{\"collapseConfigs\":[{\"prefix\":\"etc\",\"threshold\":5}]}",
                    "spec.collapseConfigs[0].prefix");
    expect_collapse(a, "{\"collapseConfigs\":[{\"prefix\":\"/etc\",\"threshold\":0}]}",
                    "spec.collapseConfigs[0].threshold");
    expect_collapse(a,
                    "{\"collapseConfigs\":[{\"prefix\":\"/a\",\"threshold\":2},{\"prefix\":"
                    "\"/a\",\"threshold\":3}]}",
                    "spec.collapseConfigs[1].prefix");
}

/* §5.2: profiles are deflated and sized on save; NetworkNeighborhood
 * addresses are validated (§3.10). */
static void test_deflate(void **state)
{
    ks_arena *a = *state;
    kube_problem p = {0};
    kv_value ap = tu_json(a, "{\"kind\":\"ApplicationProfile\",\"metadata\":{\"name\":\"p\","
                             "\"namespace\":\"n\"},\"spec\":{\"architectures\":[\"arm64\","
                             "\"amd64\",\"amd64\"],\"containers\":[{\"name\":\"c\","
                             "\"capabilities\":[\"NET_ADMIN\",\"CHOWN\",\"NET_ADMIN\"],"
                             "\"syscalls\":[\"read\",\"open\",\"read\"]}]}}");
    assert_int_equal(
            spdx_prepare(NULL, res("applicationprofiles"), KUBE_WRITE_CREATE, NULL, &ap, a, &p), 0);
    char *j = tu_to_json(kv_path(&ap, "spec.containers[0].capabilities"), 0);
    assert_string_equal(j, "[\"CHOWN\",\"NET_ADMIN\"]");
    ks_xfree(j);
    j = tu_to_json(kv_path(&ap, "spec.architectures"), 0);
    assert_string_equal(j, "[\"amd64\",\"arm64\"]");
    ks_xfree(j);
    assert_string_equal(ann(&ap, "kubescape.io/resource-size"), "4");
    /* a stored too-large profile takes no more updates */
    kv_value old = profile(a, "too-large", "partial");
    kv_value upd = profile(a, "ready", "partial");
    assert_int_equal(
            spdx_prepare(NULL, res("applicationprofiles"), KUBE_WRITE_UPDATE, &old, &upd, a, &p),
            1);
    /* NetworkNeighborhood addresses */
    kv_value nn = tu_json(a, "{\"kind\":\"NetworkNeighborhood\",\"metadata\":{\"name\":\"p\","
                             "\"namespace\":\"n\"},\"spec\":{\"containers\":[{\"name\":\"c\","
                             "\"egress\":[{\"identifier\":\"x\",\"type\":\"external\","
                             "\"dnsNames\":[\"a.**.com\"]}]}]}}");
    assert_true(spdx_prepare(NULL, res("networkneighborhoods"), KUBE_WRITE_CREATE, NULL, &nn, a,
                             &p) < 0);
    assert_int_equal(p.code, 422);
    assert_string_equal(p.field, "spec.containers[0].egress[0].dnsNames[0]");
    assert_non_null(strstr(p.message, "a.**.com"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_checksum, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_profile_rules, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_collapse, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_deflate, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
