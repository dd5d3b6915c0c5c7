/*
 * Prometheus text exposition with upstream's metric names and labels
 * (kubescape printer/v2/prometheusutils.go).
 */
#include "render_testutil.h"

static char *prom_of(ks_arena *a, const char *name)
{
    kv_value report, controls;
    load_report(a, name, &report, &controls);
    ps_render_in in = {.report = &report, .controls = &controls};
    return render(ps_render_prometheus, &in);
}

/* Every family: one HELP, one TYPE gauge, its samples right after them,
 * never split. */
static void check_families(const char *text)
{
    char family[256] = "";
    char seen[64][128];
    size_t nseen = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends */
        size_t n = (size_t)(nl - p);
        char line[2048];
        assert_true(n < sizeof line);
        memcpy(line, p, n);
        line[n] = 0;
        if (strncmp(line, "# HELP ", 7) == 0) {
            char *sp = strchr(line + 7, ' ');
            assert_non_null(sp);
            *sp = 0;
            for (size_t i = 0; i < nseen; i++)
                if (strcmp(seen[i], line + 7) == 0)
                    fail_msg("family %s written twice", line + 7);
            assert_true(nseen < 64);
            snprintf(seen[nseen++], sizeof seen[0], "%s", line + 7);
            snprintf(family, sizeof family, "%s", line + 7);
            /* TYPE follows */
            char want[300];
            snprintf(want, sizeof want, "# TYPE %s gauge\n", family);
            assert_true(strncmp(nl + 1, want, strlen(want)) == 0);
        } else if (strncmp(line, "# TYPE ", 7) != 0) {
            size_t fl = strlen(family);
            if (!fl || strncmp(line, family, fl) != 0 || line[fl] != '{')
                fail_msg("sample outside its family %s: %s", family, line);
        }
        p = nl + 1;
    }
}

static void test_files(void **state)
{
    ks_arena *a = *state;
    char *t = prom_of(a, "files");
    check_families(t);
    assert_true(strncmp(t, "# HELP kubescape_cluster_complianceScore ", 41) == 0);
    assert_contains(t, "\nkubescape_cluster_complianceScore{} 58\n");
    assert_contains(t, "\nkubescape_cluster_count_resources_failed{} 3\n");
    assert_contains(t, "\nkubescape_cluster_count_resources_skipped{} 1\n");
    assert_contains(t, "\nkubescape_cluster_count_resources_passed{} 1\n");
    assert_contains(t, "\nkubescape_cluster_count_control_failed{} 6\n");
    assert_contains(t, "\nkubescape_cluster_count_control_skipped{} 1\n");
    assert_contains(t, "\nkubescape_cluster_count_control_passed{} 2\n");
    assert_contains(t, "\nkubescape_cluster_coverage_score{} 100\n");
    assert_contains(t, "\nkubescape_framework_complianceScore{name=\"NSA\"} 53\n"
                       "kubescape_framework_complianceScore{name=\"MITRE\"} 72\n");
    assert_contains(t, "\nkubescape_framework_count_resources_passed{name=\"MITRE\"} 2\n");
    assert_contains(t, "\nkubescape_framework_count_control_failed{name=\"NSA\"} 6\n");
    assert_contains(t, "\nkubescape_control_complianceScore{name=\"Privileged container\","
                       "severity=\"High\",link=\"https://hub.armosec.io/docs/c-0057\"} 67\n");
    assert_contains(t, "\nkubescape_control_count_resources_skipped{name=\"Ensure CPU limits\","
                       "severity=\"High\",link=\"https://hub.armosec.io/docs/c-0270\"} 3\n");
    assert_contains(t, "\nkubescape_resource_count_controls_failed{apiVersion=\"v1\",kind=\"Pod\","
                       "namespace=\"default\",name=\"debug\"} 5\n");
    assert_contains(t, "\nkubescape_resource_count_controls_skipped{apiVersion=\"apps/v1\","
                       "kind=\"Deployment\",namespace=\"shop\",name=\"worker\"} 1\n");
    /* the order upstream writes families in */
    const char *order[] = {"kubescape_cluster_complianceScore{",
                           "kubescape_cluster_count_control_passed{",
                           "kubescape_cluster_coverage_score{",
                           "kubescape_framework_complianceScore{",
                           "kubescape_framework_count_control_passed{",
                           "kubescape_control_complianceScore{",
                           "kubescape_control_count_resources_passed{",
                           "kubescape_resource_count_controls_failed{",
                           "kubescape_resource_count_controls_skipped{"};
    const char *prev = t;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(t, order[i]);
        assert_non_null(p);
        assert_true(p > prev);
        prev = p;
    }
    free(t);
}

static void test_cluster(void **state)
{
    ks_arena *a = *state;
    char *t = prom_of(a, "cluster");
    check_families(t);
    assert_not_contains(t, "kubescape_framework_");
    assert_contains(t, "\nkubescape_resource_count_controls_failed{apiVersion=\"hostdata.kubescape."
                       "cloud/v1beta0\",kind=\"KubeletInfo\",namespace=\"\",name=\"node-1\"} 1\n");
    assert_contains(t, "\nkubescape_resource_count_controls_failed{apiVersion=\"rbac.authorization."
                       "k8s.io\",kind=\"User\",namespace=\"\",name=\"jane\"} 1\n");
    assert_contains(t, "\nkubescape_control_complianceScore{name=\"Disable anonymous access to "
                       "Kubelet service\",severity=\"Critical\",link=\"https://hub.armosec.io/docs/"
                       "c-0069\"} 0\n");
    free(t);
}

static void test_labels_and_gaps(void **state)
{
    ks_arena *a = *state;
    kv_value report = tu_json(
            a, "{\"summaryDetails\": {\"controls\": {"
               "\"C-1\": {\"name\": \"say \\\"hi\\\"\\\\\\nnow\", \"scoreFactor\": 7, "
               "\"complianceScore\": 49.5},"
               "\"C-2\": {\"name\": \"no score\", \"scoreFactor\": 0.5}}, "
               "\"frameworks\": [{\"name\": \"F\", \"complianceScore\": 99.7}, {\"name\": \"F\"}],"
               "\"complianceScore\": 99.999}, "
               "\"scanCoverage\": {\"coverageScore\": 52.99996}, "
               "\"results\": [{\"resourceID\": \"/v1/ns/Pod/p\", \"controls\": []}, "
               "{\"resourceID\": \"path=1/api=/v1/ns/Pod/p\", \"controls\": []}, "
               "{\"resourceID\": \"opaque\", \"controls\": []}]}");
    ps_render_in in = {.report = &report};
    char *t = render(ps_render_prometheus, &in);
    check_families(t);
    assert_contains(t, "kubescape_control_complianceScore{name=\"say \\\"hi\\\"\\\\\\nnow\","
                       "severity=\"High\",link=\"https://hub.armosec.io/docs/c-1\"} 50\n");
    /* no compliance score: none written for that control */
    assert_not_contains(t, "kubescape_control_complianceScore{name=\"no score\"");
    assert_contains(t, "kubescape_control_count_resources_failed{name=\"no score\","
                       "severity=\"Unknown\"");
    /* scores below 100 never show as 100; coverage floors */
    assert_contains(t, "kubescape_cluster_complianceScore{} 99\n");
    assert_contains(t, "kubescape_framework_complianceScore{name=\"F\"} 99\n");
    assert_contains(t, "kubescape_cluster_coverage_score{} 53\n");
    /* one series per label set */
    assert_int_equal(count_of(t, "kubescape_framework_complianceScore{"), 1);
    assert_int_equal(count_of(t, "kubescape_resource_count_controls_failed{"), 1);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_files),
            cmocka_unit_test(test_cluster),
            cmocka_unit_test(test_labels_and_gaps),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
