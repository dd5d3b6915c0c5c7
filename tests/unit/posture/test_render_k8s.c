/*
 * WorkloadConfigurationScan and WorkloadConfigurationScanSummary objects as
 * the in-cluster kubescape builds them (httphandler/storage/apiserver.go;
 * names from k8s-interface names.ResourceToSlug and RoleBindingResourceToSlug,
 * labels sanitized by names.ToValidLabelValue; spec storage.md §3.4, §3.5, §4).
 */
#include "render_testutil.h"

#include "core/digest.h"

static kv_value objects_of(ks_arena *a, const kv_value *report, const kv_value *controls,
                           const char *ns)
{
    ps_render_in in = {.report = report, .controls = controls, .k8s_namespace = ns};
    char *s = render(ps_render_k8s_objects, &in);
    kv_value v = tu_json(a, s);
    free(s);
    return v;
}

static const kv_value *item(const kv_value *list, const char *kind, const char *name)
{
    const kv_value *items = kv_path(list, "items");
    assert_non_null(items);
    for (size_t i = 0; i < items->len; i++) {
        const kv_value *k = kv_path(&items->u.items[i], "kind");
        const kv_value *n = kv_path(&items->u.items[i], "metadata.name");
        if (k && n && strcmp(k->u.s, kind) == 0 && strcmp(n->u.s, name) == 0)
            return &items->u.items[i];
    }
    fail_msg("no %s %s", kind, name);
    return NULL;
}

static const char *str_at(const kv_value *v, const char *path)
{
    const kv_value *r = kv_path(v, path);
    if (!r || r->kind != KV_STRING)
        fail_msg("no string at %s", path);
    return r->u.s;
}

static int64_t int_at(const kv_value *v, const char *path)
{
    int64_t i = 0;
    const kv_value *r = kv_path(v, path);
    if (!r || !kv_num_int64(r, &i))
        fail_msg("no integer at %s", path);
    return i;
}

static void test_files(void **state)
{
    ks_arena *a = *state;
    kv_value report, controls;
    load_report(a, "files", &report, &controls);
    kv_value l = objects_of(a, &report, &controls, "kubescape-ops");
    assert_string_equal(str_at(&l, "kind"), "List");
    assert_int_equal(kv_path(&l, "items")->len, 10);
    const kv_value *w = item(&l, "WorkloadConfigurationScan", "deployment-web");
    assert_string_equal(str_at(w, "apiVersion"), "spdx.softwarecomposition.kubescape.io/v1beta1");
    assert_string_equal(str_at(w, "metadata.namespace"), "shop");
    assert_string_equal(str_at(w, "metadata.labels.kubescape\\.io/workload-api-group"), "apps");
    assert_string_equal(str_at(w, "metadata.labels.kubescape\\.io/workload-api-version"), "v1");
    assert_string_equal(str_at(w, "metadata.labels.kubescape\\.io/workload-kind"), "Deployment");
    assert_string_equal(str_at(w, "metadata.labels.kubescape\\.io/workload-name"), "web");
    assert_string_equal(str_at(w, "metadata.labels.kubescape\\.io/workload-namespace"), "shop");
    /* file scans have no cluster name */
    assert_string_equal(str_at(w, "metadata.annotations.kubescape\\.io/wlid"),
                        "wlid://cluster-/namespace-shop/deployment-web");
    const kv_value *c57 = kv_path(w, "spec.controls.C-0057");
    assert_non_null(c57);
    assert_string_equal(str_at(c57, "severity.severity"), "High");
    assert_int_equal(int_at(c57, "severity.scoreFactor"), 8);
    assert_string_equal(str_at(c57, "status.status"), "failed");
    assert_string_equal(str_at(c57, "status.subStatus"), "");
    assert_string_equal(str_at(c57, "rules[0].paths[0].failedPath"),
                        "spec.template.spec.containers[0].securityContext.privileged");
    assert_string_equal(str_at(c57, "rules[0].paths[0].fixPathValue"), "false");
    assert_string_equal(str_at(c57, "rules[0].paths[0].fixCommand"), "");
    assert_int_equal(kv_path(c57, "rules[0].appliedIgnoreRules")->len, 0);
    assert_int_equal(kv_path(c57, "rules[0].relatedResourcesIDs")->len, 0);
    assert_int_equal(kv_path(w, "spec.relatedObjects")->len, 0);
    const kv_value *c70 = kv_path(w, "spec.controls.C-0270");
    assert_string_equal(str_at(c70, "rules[0].status.subStatus"), "configuration");
    assert_int_equal(kv_path(c70, "rules[0].controlConfigurations.cpu_limit_max")->len, 0);
    /* the summary: same metadata, failed controls by severity */
    const kv_value *s = item(&l, "WorkloadConfigurationScanSummary", "deployment-web");
    assert_true(kv_equal(kv_path(s, "metadata"), kv_path(w, "metadata")));
    assert_int_equal(int_at(s, "spec.severities.high"), 1);
    assert_int_equal(int_at(s, "spec.severities.medium"), 1);
    assert_int_equal(int_at(s, "spec.severities.low"), 1);
    assert_int_equal(int_at(s, "spec.severities.critical"), 0);
    assert_int_equal(int_at(s, "spec.severities.unknown"), 0);
    assert_int_equal(kv_path(s, "spec.controls")->len, 8);
    assert_null(kv_path(s, "spec.controls.C-0057.rules"));
    /* w/exceptions: the exceptions' names */
    const kv_value *cm = item(&l, "WorkloadConfigurationScan", "configmap-settings");
    assert_string_equal(str_at(cm, "spec.controls.C-0012.status.subStatus"), "w/exceptions");
    assert_string_equal(str_at(cm, "spec.controls.C-0012.rules[0].appliedIgnoreRules[0]"),
                        "allow-settings-configmap");
}

static void test_cluster(void **state)
{
    ks_arena *a = *state;
    kv_value report, controls;
    load_report(a, "cluster", &report, &controls);
    kv_value l = objects_of(a, &report, &controls, NULL);
    /* the Group bound without a role is left out, as upstream does */
    assert_int_equal(kv_path(&l, "items")->len, 10);
    /* RBAC subject: operator namespace, role and binding labels, the
     * binding's wlid */
    const kv_value *j = item(&l, "WorkloadConfigurationScan",
                             "user-jane-clusterrole-admin-all-clusterrolebinding-jane-admin");
    assert_string_equal(str_at(j, "metadata.namespace"), "kubescape");
    assert_string_equal(str_at(j, "metadata.labels.kubescape\\.io/rbac-resource"), "true");
    assert_string_equal(str_at(j, "metadata.labels.kubescape\\.io/clusterrole-name"), "admin-all");
    assert_string_equal(str_at(j, "metadata.labels.kubescape\\.io/clusterrolebinding-name"),
                        "jane-admin");
    assert_null(kv_path(j, "metadata.labels.kubescape\\.io/workload-namespace"));
    assert_string_equal(str_at(j, "metadata.annotations.kubescape\\.io/wlid"),
                        "wlid://cluster-prod-eu-1");
    assert_string_equal(str_at(j, "spec.relatedObjects[0].kind"), "ClusterRoleBinding");
    assert_string_equal(str_at(j, "spec.relatedObjects[0].apiGroup"), "rbac.authorization.k8s.io");
    assert_string_equal(str_at(j, "spec.relatedObjects[0].apiVersion"), "v1");
    assert_string_equal(str_at(j, "spec.relatedObjects[1].name"), "admin-all");
    const kv_value *d = item(&l, "WorkloadConfigurationScan",
                             "serviceaccount-deployer-role-deployer-role-rolebinding-deployer-"
                             "binding");
    assert_string_equal(str_at(d, "metadata.labels.kubescape\\.io/role-namespace"), "kube-system");
    assert_string_equal(str_at(d, "metadata.labels.kubescape\\.io/workload-namespace"),
                        "kube-system");
    assert_string_equal(str_at(d, "metadata.annotations.kubescape\\.io/wlid"),
                        "wlid://cluster-prod-eu-1/namespace-kube-system/rolebinding-deployer-"
                        "binding");
    /* cluster-scoped and host objects: operator namespace, no namespace label */
    const kv_value *ns = item(&l, "WorkloadConfigurationScan", "namespace-dev");
    assert_string_equal(str_at(ns, "metadata.namespace"), "kubescape");
    assert_null(kv_path(ns, "metadata.labels.kubescape\\.io/workload-namespace"));
    const kv_value *host = item(&l, "WorkloadConfigurationScanSummary", "kubeletinfo-node-1");
    assert_string_equal(str_at(host, "metadata.labels.kubescape\\.io/workload-api-group"),
                        "hostdata.kubescape.cloud");
    assert_int_equal(int_at(host, "spec.severities.critical"), 1);
    const kv_value *dns = item(&l, "WorkloadConfigurationScan", "deployment-coredns");
    assert_string_equal(str_at(dns, "metadata.namespace"), "kube-system");
}

/* A service account bound by same-named RoleBindings in two namespaces
 * (kube-system's and kube-public's bootstrap-signer): two objects, the one
 * outside the subject's namespace named with that namespace. */
static void test_binding_namespaces(void **state)
{
    ks_arena *a = *state;
    static const char text[] =
            "{\"clusterName\": \"c\", \"summaryDetails\": {}, \"results\": ["
            "{\"resourceID\": \"v1\", \"controls\": [{\"controlID\": \"X\", \"status\": "
            "{\"status\": \"passed\"}}]},"
            "{\"resourceID\": \"v2\", \"controls\": [{\"controlID\": \"X\", \"status\": "
            "{\"status\": \"passed\"}}]}], \"resources\": ["
            "{\"resourceID\": \"v1\", \"object\": {\"kind\": \"ServiceAccount\", \"name\": "
            "\"signer\", \"namespace\": \"kube-system\", \"relatedObjects\": ["
            "{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"RoleBinding\", "
            "\"metadata\": {\"name\": \"rb\", \"namespace\": \"kube-system\"}},"
            "{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"Role\", "
            "\"metadata\": {\"name\": \"r\", \"namespace\": \"kube-system\"}}]}},"
            "{\"resourceID\": \"v2\", \"object\": {\"kind\": \"ServiceAccount\", \"name\": "
            "\"signer\", \"namespace\": \"kube-system\", \"relatedObjects\": ["
            "{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"RoleBinding\", "
            "\"metadata\": {\"name\": \"rb\", \"namespace\": \"kube-public\"}},"
            "{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"Role\", "
            "\"metadata\": {\"name\": \"r\", \"namespace\": \"kube-public\"}}]}}]}";
    kv_value report = tu_json(a, text);
    kv_value l = objects_of(a, &report, NULL, "ops");
    assert_int_equal(kv_path(&l, "items")->len, 4);
    const kv_value *same =
            item(&l, "WorkloadConfigurationScan", "serviceaccount-signer-role-r-rolebinding-rb");
    assert_string_equal(str_at(same, "metadata.labels.kubescape\\.io/rolebinding-namespace"),
                        "kube-system");
    const kv_value *other = item(&l, "WorkloadConfigurationScan",
                                 "serviceaccount-signer-role-r-rolebinding-kube-public-rb");
    assert_string_equal(str_at(other, "metadata.labels.kubescape\\.io/rolebinding-namespace"),
                        "kube-public");
}

/* Names and label values made valid the way k8s-interface/names does. */
static void test_names(void **state)
{
    ks_arena *a = *state;
    ks_buf long_name = KS_BUF_INIT;
    for (int i = 0; i < 30; i++)
        ks_buf_puts(&long_name, "segment-");
    ks_buf text = KS_BUF_INIT;
    ks_buf_printf(&text,
                  "{\"clusterName\": \"c\", \"summaryDetails\": {}, \"results\": ["
                  "{\"resourceID\": \"a\", \"controls\": [{\"controlID\": \"X\", \"status\": "
                  "{\"status\": \"failed\"}}, {\"controlID\": \"X\", \"name\": \"second\"}]},"
                  "{\"resourceID\": \"b\"}], \"resources\": ["
                  "{\"resourceID\": \"a\", \"object\": {\"apiVersion\": \"example.com/v1/extra\", "
                  "\"kind\": \"My-Kind\", \"metadata\": {\"name\": \"Web_App:1\", \"namespace\": "
                  "\"team\"}}},"
                  "{\"resourceID\": \"b\", \"object\": {\"apiVersion\": \"v1\", \"kind\": "
                  "\"ConfigMap\", \"metadata\": {\"name\": \"%s\"}}}]}",
                  ks_buf_cstr(&long_name));
    kv_value report = tu_json(a, ks_buf_cstr(&text));
    kv_value l = objects_of(a, &report, NULL, "ops");
    const kv_value *x = item(&l, "WorkloadConfigurationScan", "my-kind-web-app-1");
    assert_string_equal(str_at(x, "metadata.labels.kubescape\\.io/workload-name"), "web_app-1");
    assert_string_equal(str_at(x, "metadata.labels.kubescape\\.io/workload-kind"), "My-Kind");
    assert_string_equal(str_at(x, "metadata.labels.kubescape\\.io/workload-api-group"),
                        "example.com");
    assert_string_equal(str_at(x, "metadata.labels.kubescape\\.io/workload-api-version"), "v1");
    /* an unknown kind with a namespace is namespaced */
    assert_string_equal(str_at(x, "metadata.labels.kubescape\\.io/workload-namespace"), "team");
    assert_string_equal(str_at(x, "metadata.annotations.kubescape\\.io/wlid"),
                        "wlid://cluster-c/namespace-team/mykind-Web_App:1");
    /* a repeated control: the last wins; no summary entry: empty severity */
    assert_string_equal(str_at(x, "spec.controls.X.name"), "second");
    assert_string_equal(str_at(x, "spec.controls.X.status.status"), "passed");
    assert_string_equal(str_at(x, "spec.controls.X.severity.severity"), "");
    /* a long name: cut at 243 with a hash of the full text */
    ks_buf full = KS_BUF_INIT;
    ks_buf_printf(&full, "ConfigMap-%s", ks_buf_cstr(&long_name));
    char hex[KS_SHA256_HEXLEN + 1];
    ks_sha256_hex(full.data, full.len, hex);
    ks_buf want = KS_BUF_INIT;
    ks_buf_printf(&want, "configmap-%.233s-%.4s-%.4s", ks_buf_cstr(&long_name), hex, hex + 60);
    assert_int_equal(want.len, 253);
    const kv_value *cm = item(&l, "WorkloadConfigurationScan", ks_buf_cstr(&want));
    /* ConfigMap is namespaced: an empty namespace label, the operator's
     * namespace for the object; the label value cut to 63 */
    assert_string_equal(str_at(cm, "metadata.labels.kubescape\\.io/workload-namespace"), "");
    assert_string_equal(str_at(cm, "metadata.namespace"), "ops");
    assert_int_equal(strlen(str_at(cm, "metadata.labels.kubescape\\.io/workload-name")), 63);
    assert_int_equal(kv_path(cm, "spec.controls")->len, 0);
    ks_buf_free(&long_name);
    ks_buf_free(&text);
    ks_buf_free(&full);
    ks_buf_free(&want);
}

/* The objects need the raw resources. */
static void test_missing_resources(void **state)
{
    ks_arena *a = *state;
    kv_value report = tu_json(a, "{\"summaryDetails\": {}, \"results\": [{\"resourceID\": "
                                 "\"/v1/ns/Pod/p\"}]}");
    ps_render_in in = {.report = &report};
    ks_buf out = KS_BUF_INIT;
    ks_error err = {0};
    assert_int_equal(ps_render_k8s_objects(&out, &in, &err), KS_EINVAL);
    assert_contains(err.msg, "/v1/ns/Pod/p");
    ks_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_files),
            cmocka_unit_test(test_cluster),
            cmocka_unit_test(test_binding_namespaces),
            cmocka_unit_test(test_names),
            cmocka_unit_test(test_missing_resources),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
