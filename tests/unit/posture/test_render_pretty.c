/*
 * The pretty-printer: upstream's framework-scan summary (kubescape
 * printer/v2 prettyprinter.go, tableprinter/configurationprinter) with a
 * table per framework, and the verbose per-resource view.
 */
#include "render_testutil.h"

#include "core/utf8.h"

static char *pretty_of(ks_arena *a, const char *name, bool verbose, bool colour)
{
    kv_value report, controls;
    load_report(a, name, &report, &controls);
    ps_render_in in = {.report = &report,
                       .controls = &controls,
                       .verbose = verbose,
                       .color = colour,
                       .target = "framework NSA,MITRE"};
    return render(ps_render_pretty, &in);
}

/* Every line of a table (from its top to its bottom border) is as wide as
 * the others; returns the number of tables. */
static size_t check_tables(const char *text)
{
    size_t tables = 0, width = 0;
    bool in = false;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t w = ks_utf8_count(p, n);
        if (n >= 3 && memcmp(p, "╭", 3) == 0) {
            assert_false(in);
            in = true;
            width = w;
            tables++;
        } else if (in) {
            if (w != width)
                fail_msg("table line of width %zu, not %zu: %.*s", w, width, (int)n, p);
            if (memcmp(p, "╰", 3) == 0)
                in = false;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    assert_false(in);
    return tables;
}

static void test_summary(void **state)
{
    ks_arena *a = *state;
    char *s = pretty_of(a, "files", false, false);
    assert_null(strchr(s, '\x1b'));
    assert_int_equal(check_tables(s), 4);
    assert_contains(s, "Scanned: framework NSA,MITRE\n\n");
    assert_contains(s, "Frameworks scanned: NSA (compliance score: 53.12), MITRE (compliance "
                       "score: 71.67)\n");
    assert_contains(s, "│        Controls │ 9 │\n│          Passed │ 2 │\n│          Failed │ 6 │\n"
                       "│ Action Required │ 1 │\n");
    assert_contains(s, "Failed resources by severity:\n\n╭──────────┬───╮\n│ Critical │ 0 │\n"
                       "│     High │ 3 │\n│   Medium │ 4 │\n│      Low │ 2 │\n╰──────────┴───╯\n");
    assert_contains(s, "Run with '--verbose'/'-v' to see control failures for each resource.");
    assert_contains(s, "\nNSA (compliance score: 53.12%):\n╭──────────┬─");
    assert_contains(s, "│ Severity │ Control name                                    │ Failed "
                       "resources │ All Resources │ Compliance score  │\n");
    assert_contains(s, "│   High   │ Privileged container                            │        1  "
                       "       │       3       │        67%        │\n");
    assert_contains(s, "│   High   │ Ensure CPU limits                               │        0  "
                       "       │       3       │ Action Required * │\n");
    assert_contains(s, "│          │                Resource Summary                 │        3  "
                       "       │       5       │      53.12%       │\n");
    /* severities from critical down, IDs within a severity */
    const char *h1 = strstr(s, "Applications credentials"), *h2 = strstr(s, "HostNetwork"),
               *m = strstr(s, "Non-root containers"), *l = strstr(s, "Immutable container");
    assert_true(h1 < h2 && h2 < m && m < l);
    /* passed controls are not listed */
    assert_not_contains(s, "Missing network policy");
    assert_not_contains(s, "Access container service account");
    assert_contains(s, "\n* Control configurations are empty\n");
    assert_string_equal(s + strlen(s) - 34, "\nOverall compliance score: 58.33%\n");
    assert_not_contains(s, "####");
    free(s);
}

static void test_verbose(void **state)
{
    ks_arena *a = *state;
    char *s = pretty_of(a, "files", true, false);
    check_tables(s);
    /* every resource, failed or not */
    assert_int_equal(count_of(s, "################################################################"
                                 "################\n"),
                     5);
    assert_contains(s, "Source: config.yaml\nApiVersion: v1\nKind: ConfigMap\nName: settings\n"
                       "Namespace: shop\n\nControls: 1 (Failed: 0, action required: 0)\n");
    assert_contains(s, "Controls: 8 (Failed: 5, action required: 1)\n");
    assert_contains(s, "│ Severity │ Control name                                    │ Docs     ");
    assert_contains(s, "│ High     │ Privileged container           │ https://hub.armosec.io/docs/"
                       "c-0057 │ spec.template.spec.containers[0].securityContext.privileged=false "
                       "(nginx)");
    assert_contains(s, "spec.template.spec.containers[0].securityContext.privileged (current: "
                       "true) (nginx)");
    assert_contains(s, "spec.containers[0].env[0].value (current: [redacted]) (shell)");
    /* with verbose, passed controls are in the tables too */
    assert_contains(s, "│  Medium  │ Missing network policy");
    assert_not_contains(s, "Run with '--verbose'");
    free(s);
}

static void test_colour(void **state)
{
    ks_arena *a = *state;
    char *plain = pretty_of(a, "files", true, false);
    char *col = pretty_of(a, "files", true, true);
    assert_contains(col, "\x1b[1;38;5;196mHigh\x1b[0m");
    assert_contains(col, "│     High │ \x1b[1;38;5;196m3\x1b[0m │");
    /* without the escapes, the same text */
    ks_buf b = KS_BUF_INIT;
    for (const char *p = col; *p;) {
        if (*p == '\x1b') {
            p = strchr(p, 'm');
            assert_non_null(p);
            p++;
            continue;
        }
        ks_buf_putc(&b, *p++);
    }
    assert_string_equal(ks_buf_cstr(&b), plain);
    ks_buf_free(&b);
    free(plain);
    free(col);
}

/* A control scan: one table for the scan's controls; RBAC subjects and their
 * related objects in the verbose view. */
static void test_controls_scan(void **state)
{
    ks_arena *a = *state;
    char *s = pretty_of(a, "cluster", true, false);
    check_tables(s);
    assert_not_contains(s, "Frameworks scanned");
    assert_not_contains(s, "Framework scanned");
    assert_contains(s, "│ Critical │ Administrative Roles ");
    assert_contains(s,
                    "Kind: User\nName: jane\nRelated: ClusterRoleBinding jane-admin, ClusterRole "
                    "admin-all\n");
    assert_contains(s,
                    "Kind: ServiceAccount\nName: deployer\nNamespace: kube-system\nRelated: "
                    "RoleBinding kube-system/deployer-binding, Role kube-system/deployer-role\n");
    assert_contains(s, "Kind: KubeletInfo\nName: node-1\n");
    assert_contains(s, "data.cmdLine (current: /usr/bin/kubelet --anonymous-auth=true "
                       "--config=/var/lib/kubelet/config.yaml)");
    assert_contains(s, "Action Required *");
    assert_contains(s, "* Control type is manual-review\n");
    free(s);
}

/* Hostile text cannot drive the terminal; long names are cut at 50. */
static void test_hostile_text(void **state)
{
    ks_arena *a = *state;
    kv_value report = tu_json(
            a,
            "{\"summaryDetails\": {\"controls\": {\"C-1\": {\"name\": \"evil\\u001b]0;pwned"
            "\\u0007\\n\\u001b[2Jname\", \"statusInfo\": {\"status\": \"failed\"}, "
            "\"ResourceCounters\": {\"failedResources\": 1}},"
            "\"C-2\": {\"name\": \"A very long control name that goes on and on and on "
            "without end\", \"statusInfo\": {\"status\": \"failed\"}}}, "
            "\"frameworks\": [{\"name\": \"fw\\u001b[31m\", \"controls\": {\"C-1\": {\"name\": "
            "\"x\", \"status\": \"failed\"}}}], \"ResourceCounters\": {\"failedResources\": 1}}}");
    ps_render_in in = {.report = &report, .target = "t\x1b[0m"};
    char *s = render(ps_render_pretty, &in);
    assert_null(strchr(s, '\x1b'));
    assert_null(strchr(s, '\x07'));
    assert_contains(s, "fw?[31m");
    free(s);
    kv_value r2 = tu_json(
            a, "{\"summaryDetails\": {\"controls\": {\"C-2\": {\"name\": \"A very long control "
               "name that goes on and on and on without end\", \"statusInfo\": {\"status\": "
               "\"failed\"}}}, \"ResourceCounters\": {\"failedResources\": 1}}}");
    in.report = &r2;
    s = render(ps_render_pretty, &in);
    assert_contains(s, "│ A very long control name that goes on and on and o... │");
    check_tables(s);
    free(s);
}

static void test_empty_scan(void **state)
{
    ks_arena *a = *state;
    kv_value report = tu_json(a, "{\"summaryDetails\": {}}");
    ps_render_in in = {.report = &report};
    char *s = render(ps_render_pretty, &in);
    assert_contains(s, "No control was evaluated");
    free(s);
    /* nothing failed: passed controls are listed without verbose */
    report = tu_json(a, "{\"summaryDetails\": {\"controls\": {\"C-1\": {\"name\": \"fine\", "
                        "\"statusInfo\": {\"status\": \"passed\"}, \"complianceScore\": 100, "
                        "\"scoreFactor\": 2}}, \"complianceScore\": 100}}");
    s = render(ps_render_pretty, &in);
    assert_contains(s, "│   Low    │ fine             │        0         │       0       │       "
                       "100%       │");
    assert_contains(s, "Overall compliance score: 100.00%");
    free(s);
}

/* What a live scan could not collect: the coverage, then each type with
 * the server's answer (first line, at most 160 characters, escaped). */
static void test_coverage(void **state)
{
    ks_arena *a = *state;
    ks_buf t = KS_BUF_INIT;
    ks_buf_puts(&t, "{\"summaryDetails\": {\"controls\": {\"C-1\": {\"name\": \"c\", "
                    "\"statusInfo\": {\"status\": \"skipped\", \"subStatus\": "
                    "\"notEvaluated\", \"info\": \"Not evaluated: /v1/secrets\"}, "
                    "\"scoreFactor\": 7}}}, \"scanCoverage\": {\"failedGVRPulls\": [");
    for (int i = 0; i < 12; i++)
        ks_buf_printf(&t, "%s{\"gvr\": \"g/v1/r%02d\", \"error\": \"403 no\\nsecond line\"}",
                      i ? "," : "", i);
    ks_buf_puts(&t, "], \"partialGVRPulls\": [{\"gvr\": \"/v1/secrets\", \"selector\": "
                    "\"metadata.namespace=b\", \"error\": \"\\u001b[31m");
    for (int i = 0; i < 200; i++)
        ks_buf_putc(&t, 'x');
    ks_buf_puts(&t, "\"}], \"coverageScore\": 48.5, \"evaluatedControls\": 1, "
                    "\"totalControls\": 2}}");
    kv_value report = tu_json(a, ks_buf_cstr(&t));
    ps_render_in in = {.report = &report};
    char *s = render(ps_render_pretty, &in);
    assert_contains(s, "Scan coverage: 48.50% (1 of 2 controls evaluated)\n");
    assert_contains(s, "  not collected: g/v1/r00: 403 no\n");
    assert_contains(s, "  not collected: g/v1/r09: 403 no\n");
    assert_null(strstr(s, "r10"));
    assert_contains(s, "  ... and 2 more (the JSON report lists them)\n");
    assert_contains(s, "  not collected: /v1/secrets (metadata.namespace=b): ");
    /* no terminal escape reaches the output; the answer is cut */
    assert_null(strstr(s, "\x1b[31m"));
    assert_null(strstr(
            s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
    free(s);
    ks_buf_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_summary),      cmocka_unit_test(test_verbose),
            cmocka_unit_test(test_colour),       cmocka_unit_test(test_controls_scan),
            cmocka_unit_test(test_hostile_text), cmocka_unit_test(test_empty_scan),
            cmocka_unit_test(test_coverage),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
