/*
 * JUnit XML as upstream's junit printer writes it (Go encoding/xml,
 * MarshalIndent with two spaces; kubescape printer/v2/junit.go).
 */
#include "render_testutil.h"

static char *junit_of(ks_arena *a, const char *report_json, const char *controls_json)
{
    kv_value report = tu_json(a, report_json);
    kv_value controls = tu_json(a, controls_json ? controls_json : "{}");
    ps_render_in in = {.report = &report, .controls = &controls};
    return render(ps_render_junit, &in);
}

static void test_files_report(void **state)
{
    ks_arena *a = *state;
    kv_value report, controls;
    load_report(a, "files", &report, &controls);
    ps_render_in in = {.report = &report, .controls = &controls};
    char *x = render(ps_render_junit, &in);
    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
                               "errors=\"0\" failures=\"10\" tests=\"13\" name=\"Kubescape "
                               "Scanning\">\n";
    assert_true(strncmp(x, head, sizeof head - 1) == 0);
    assert_contains(x, "\n  <testsuite tests=\"8\" name=\"NSA\" errors=\"0\" failures=\"6\" "
                       "id=\"0\" skipped=\"1\" timestamp=\"2026-03-14T09:15:26Z\">\n"
                       "    <properties>\n"
                       "      <property name=\"complianceScore\" value=\"53.12\"></property>\n"
                       "    </properties>\n");
    assert_contains(x, "\n  <testsuite tests=\"5\" name=\"MITRE\" errors=\"0\" failures=\"4\" "
                       "id=\"1\" skipped=\"0\" ");
    assert_contains(x, "value=\"71.67\"");
    /* a failed control: its resources, sorted, one per line */
    assert_contains(
            x, "    <testcase classname=\"NSA/C-0013\" name=\"Non-root containers\">\n"
               "      <failure message=\"Non-root containers failed on 2 resource(s)\" "
               "type=\"Control\">Remediation: Set runAsNonRoot to true, or a non-zero runAsUser, "
               "in the security context.&#xA;More details: https://hub.armosec.io/docs/c-0013&#xA;"
               "&#xA;apiVersion: apps/v1; kind: Deployment; namespace: shop; name: web; "
               "sourcePath: shop.yaml&#xA;apiVersion: v1; kind: Pod; namespace: default; name: "
               "debug; sourcePath: debug-pod.yaml</failure>\n    </testcase>\n");
    /* passed (irrelevant, or with exceptions for some resources): empty */
    assert_contains(x, "<testcase classname=\"NSA/C-0260\" name=\"Missing network policy\">"
                       "</testcase>\n");
    assert_contains(x, "<testcase classname=\"MITRE/C-0053\" name=\"Access container service "
                       "account\"></testcase>\n");
    assert_contains(x, "<testcase classname=\"NSA/C-0270\" name=\"Ensure CPU limits\">\n"
                       "      <skipped message=\"configuration: Control configurations are "
                       "empty\"></skipped>\n    </testcase>\n");
    /* testcases in control-ID order within each suite */
    const char *p12 = strstr(x, "NSA/C-0012"), *p57 = strstr(x, "NSA/C-0057");
    assert_true(p12 && p57 && p12 < p57);
    assert_int_equal(count_of(x, "<testcase "), 13);
    assert_int_equal(count_of(x, "<failure "), 10);
    assert_true(strcmp(x + strlen(x) - 15, "</testsuites>\n\n") != 0);
    assert_string_equal(x + strlen(x) - 14, "</testsuites>\n");
    free(x);
}

/* A scan of controls: one suite named kubescape, classnames Kubescape/ID. */
static void test_controls_scan(void **state)
{
    ks_arena *a = *state;
    kv_value report, controls;
    load_report(a, "cluster", &report, &controls);
    ps_render_in in = {.report = &report, .controls = &controls};
    char *x = render(ps_render_junit, &in);
    assert_contains(x, "<testsuites errors=\"0\" failures=\"4\" tests=\"6\" name=\"Kubescape "
                       "Scanning\">\n  <testsuite tests=\"6\" name=\"kubescape\" errors=\"0\" "
                       "failures=\"4\" id=\"0\" skipped=\"1\" timestamp=\"2026-03-14T10:00:00Z\">");
    assert_contains(x, "value=\"22.22\"");
    assert_contains(x, "classname=\"Kubescape/C-0035\" name=\"Administrative Roles\">\n"
                       "      <failure message=\"Administrative Roles failed on 2 resource(s)\"");
    /* RBAC subjects and host envelopes are named by their identity */
    assert_contains(x, "&#xA;apiVersion: rbac.authorization.k8s.io; kind: Group; name: ops&#xA;"
                       "apiVersion: rbac.authorization.k8s.io; kind: User; name: jane</failure>");
    assert_contains(x, "apiVersion: hostdata.kubescape.cloud/v1beta0; kind: KubeletInfo; name: "
                       "node-1</failure>");
    assert_contains(x, "<skipped message=\"manual review: Control type is manual-review\">");
    free(x);
}

static void test_skip_messages(void **state)
{
    ks_arena *a = *state;
    char *x = junit_of(
            a,
            "{\"summaryDetails\": {\"controls\": {"
            "\"C-1\": {\"name\": \"a\", \"statusInfo\": {\"status\": \"skipped\", \"subStatus\": "
            "\"integration\"}},"
            "\"C-2\": {\"name\": \"b\", \"statusInfo\": {\"status\": \"skipped\", \"info\": "
            "\" needs the host sensor \"}},"
            "\"C-3\": {\"name\": \"c\", \"status\": \"skipped\"},"
            "\"C-4\": {\"name\": \"d\", \"status\": \"passed\"}}}}",
            NULL);
    assert_contains(x, "<skipped message=\"integration\"></skipped>");
    assert_contains(x, "<skipped message=\"needs the host sensor\"></skipped>");
    assert_contains(x, "classname=\"Kubescape/C-3\" name=\"c\">\n      <skipped "
                       "message=\"\"></skipped>");
    assert_contains(x, "classname=\"Kubescape/C-4\" name=\"d\"></testcase>");
    /* no generationTime: no timestamp (there is no clock to ask) */
    assert_not_contains(x, "timestamp=");
    /* no compliance score: 0.00 */
    assert_contains(x, "value=\"0.00\"");
    free(x);
}

/* Resources are listed once each, sorted; unknown ones by ID. */
static void test_failure_resources(void **state)
{
    ks_arena *a = *state;
    char *x = junit_of(
            a,
            "{\"summaryDetails\": {\"controls\": {\"C-1\": {\"name\": \"one\", \"statusInfo\": "
            "{\"status\": \"failed\"}}}},"
            "\"results\": ["
            "{\"resourceID\": \"weird-id\", \"controls\": [{\"controlID\": \"C-1\", \"status\": "
            "{\"status\": \"failed\"}}]},"
            "{\"resourceID\": \"/v1/ns/Pod/b\", \"controls\": [{\"controlID\": \"C-1\", "
            "\"status\": {\"status\": \"failed\"}}, {\"controlID\": \"C-1\", \"status\": "
            "{\"status\": \"failed\"}}]},"
            "{\"resourceID\": \"/v1/ns/Pod/a\", \"controls\": [{\"controlID\": \"C-1\", "
            "\"status\": {\"status\": \"passed\"}}]},"
            "{\"resourceID\": \"/v1/ns/Pod/c\", \"controls\": [{\"controlID\": \"C-1\", "
            "\"rules\": [{\"status\": \"failed\"}]}]},"
            "{\"resourceID\": \"/v1/ns/Pod/c\", \"controls\": [{\"controlID\": \"C-1\", "
            "\"status\": {\"status\": \"failed\"}}]}]}",
            "{\"C-1\": {\"remediation\": \"Fix <it> & \\\"go\\\"\"}}");
    assert_contains(x, "<failure message=\"one failed on 3 resource(s)\" type=\"Control\">"
                       "Remediation: Fix &lt;it&gt; &amp; &#34;go&#34;&#xA;More details: "
                       "https://hub.armosec.io/docs/c-1&#xA;&#xA;"
                       "apiVersion: v1; kind: Pod; namespace: ns; name: b&#xA;"
                       "apiVersion: v1; kind: Pod; namespace: ns; name: c&#xA;"
                       "resourceID: weird-id</failure>");
    free(x);
}

/* Text that XML cannot hold is replaced, markup is escaped. */
static void test_escaping(void **state)
{
    ks_arena *a = *state;
    char *x = junit_of(a,
                       "{\"summaryDetails\": {\"frameworks\": [{\"name\": \"F<&>\\\"'\", "
                       "\"controls\": {\"C-1\": {\"name\": \"bad\\u0001\\u001b\\ttab\\nline\", "
                       "\"status\": \"passed\"}}}]}}",
                       NULL);
    assert_contains(x, "name=\"F&lt;&amp;&gt;&#34;&#39;\"");
    assert_contains(x, "classname=\"F&lt;&amp;&gt;&#34;&#39;/C-1\" "
                       "name=\"bad\xef\xbf\xbd\xef\xbf\xbd&#x9;tab&#xA;line\"");
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_files_report),  cmocka_unit_test(test_controls_scan),
            cmocka_unit_test(test_skip_messages), cmocka_unit_test(test_failure_resources),
            cmocka_unit_test(test_escaping),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
