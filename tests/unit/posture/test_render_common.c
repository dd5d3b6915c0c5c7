/*
 * The rules the output formats share (render_common.c): scores, severities,
 * links, the assisted-remediation lines with current values, and escaping.
 * Expected values follow upstream's printers (cautils.ComplianceScoreTo*,
 * apis.ControlSeverityToString, printer/v2 pathvalue.go and
 * resourcetable.go).
 */
#include "render_testutil.h"

#include "posture/render_int.h"

static void test_scores(void **state)
{
    (void)state;
    assert_int_equal(ps_r_compliance_int(66.666664f), 67);
    assert_int_equal(ps_r_compliance_int(33.333332f), 33);
    assert_int_equal(ps_r_compliance_int(99.6f), 99); /* never 100 below 100 */
    assert_int_equal(ps_r_compliance_int(100), 100);
    assert_int_equal(ps_r_compliance_int(0.5f), 1); /* half away from zero */
    assert_int_equal(ps_r_compliance_int(-1), -1);
    char b[64];
    ps_r_compliance_str(53.125f, 2, b, sizeof b);
    assert_string_equal(b, "53.12"); /* an exact tie rounds to even */
    ps_r_compliance_str(71.666664f, 2, b, sizeof b);
    assert_string_equal(b, "71.67");
    ps_r_compliance_str(99.999f, 2, b, sizeof b);
    assert_string_equal(b, "99.99");
    ps_r_compliance_str(100, 2, b, sizeof b);
    assert_string_equal(b, "100.00");
    ps_r_compliance_str(0, 2, b, sizeof b);
    assert_string_equal(b, "0.00");
}

static void test_severities(void **state)
{
    (void)state;
    static const struct {
        float score;
        const char *name;
    } cases[] = {{10, "Critical"},  {9, "Critical"}, {8.9f, "High"}, {7, "High"},
                 {6.9f, "Medium"},  {4, "Medium"},   {3.9f, "Low"},  {1, "Low"},
                 {0.9f, "Unknown"}, {0, "Unknown"},  {-3, "Unknown"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(ps_r_severity_name(cases[i].score), cases[i].name);
}

static void test_links(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    ps_r_control_link(&b, "C-0057");
    assert_string_equal(ks_buf_cstr(&b), "https://hub.armosec.io/docs/c-0057");
    ks_buf_reset(&b);
    ps_r_control_link(&b, "CIS-1.1.3");
    assert_string_equal(ks_buf_cstr(&b), "https://hub.armosec.io/docs/cis-1-1-3");
    ks_buf_free(&b);
}

/* Lines of one results[].controls[] entry against an object. */
static char *lines_of(ks_arena *a, const char *rc, const char *obj, unsigned flags)
{
    kv_value c = tu_json(a, rc), o = tu_json(a, obj);
    const char **v;
    size_t n;
    assert_int_equal(ps_r_remediation_lines(a, &c, &o, flags, &v, &n), 0);
    ks_buf b = KS_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        ks_buf_printf(&b, "%s|", v[i]);
    return ks_buf_detach(&b, NULL);
}

static void test_remediation_order(void **state)
{
    ks_arena *a = *state;
    /* fix as path=value, then delete, review, then failed paths not yet
     * listed (a fix path with its value is not the same path) */
    char *s = lines_of(
            a,
            "{\"rules\": [{\"paths\": [{\"failedPath\": \"spec.a\"}, {\"fixPath\": "
            "{\"path\": \"spec.b\", \"value\": \"true\"}}, {\"reviewPath\": \"spec.c\"}]},"
            "{\"paths\": [{\"deletePath\": \"spec.d\", \"fixPath\": {\"path\": \"\", "
            "\"value\": \"\"}}, {\"failedPath\": \"spec.c\"}, {\"failedPath\": \"spec.b\"}]}]}",
            "{\"spec\": {\"a\": 1, \"c\": \"x\"}}", 0);
    assert_string_equal(s, "spec.b=true|spec.d|spec.c (current: x)|spec.a (current: 1)|spec.b|");
    free(s);
    assert_null(ps_r_remediation_first(&(kv_value){0}));
    kv_value rc = tu_json(a, "{\"rules\": [{\"paths\": [{\"failedPath\": \"x.y\"}, "
                             "{\"reviewPath\": \"x.z\"}]}]}");
    assert_string_equal(ps_r_remediation_first(&rc), "x.z");
}

static void test_current_values(void **state)
{
    ks_arena *a = *state;
    const char *obj = "{\"spec\": {\"t\": true, \"n\": null, \"e\": \"\", \"i\": 10, \"f\": 1.5, "
                      "\"g\": 0.0000001, \"o\": {\"b\": \"<&>\", \"a\": [1]}, "
                      "\"l\": [{\"x\": 7}]}}";
    char *s = lines_of(a,
                       "{\"rules\": [{\"paths\": [{\"reviewPath\": \"spec.t\"}, {\"reviewPath\": "
                       "\"spec.n\"}, {\"reviewPath\": \"spec.e\"}, {\"reviewPath\": \"spec.i\"}, "
                       "{\"reviewPath\": \".spec.f\"}, {\"reviewPath\": \"spec.g\"}, "
                       "{\"reviewPath\": \"spec.o\"}, {\"reviewPath\": \"spec.l[0].x=9\"}, "
                       "{\"reviewPath\": \"spec.l[3].x\"}, {\"reviewPath\": \"spec.missing\"}]}]}",
                       obj, 0);
    assert_string_equal(s, "spec.t (current: true)|spec.n (current: null)|spec.e (current: \"\")|"
                           "spec.i (current: 10)|.spec.f (current: 1.5)|"
                           "spec.g (current: 0.0000001)|"
                           "spec.o (current: {\"a\":[1],\"b\":\"\\u003c\\u0026\\u003e\"})|"
                           "spec.l[0].x=9 (current: 7)|spec.l[3].x|spec.missing|");
    free(s);
}

static void test_secrets(void **state)
{
    ks_arena *a = *state;
    const char *rc = "{\"rules\": [{\"paths\": [{\"failedPath\": "
                     "\"spec.containers[0].env[1].value\"}, {\"fixPath\": {\"path\": "
                     "\"data.password\", \"value\": \"hunter2\"}}]}]}";
    const char *pod = "{\"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"app\", "
                      "\"env\": [{}, {\"value\": \"XXXXXX\"}]}]}}";
    /* plain (SARIF, HTML): env values not shown; redacted (pretty): marked */
    char *s = lines_of(a, rc, pod, 0);
    assert_string_equal(s, "data.password=hunter2|spec.containers[0].env[1].value|");
    free(s);
    s = lines_of(a, rc, pod, PS_PATHS_REDACT | PS_PATHS_CONTAINERS);
    assert_string_equal(s, "data.password=hunter2|"
                           "spec.containers[0].env[1].value (current: [redacted]) (app)|");
    free(s);
    const char *secret = "{\"kind\": \"Secret\", \"data\": {\"password\": \"XXXXXX\"}}";
    s = lines_of(a, rc, secret, PS_PATHS_REDACT);
    assert_string_equal(s, "data.password=[redacted]|"
                           "spec.containers[0].env[1].value|");
    free(s);
}

static void test_container_names(void **state)
{
    ks_arena *a = *state;
    const char *rc = "{\"rules\": [{\"paths\": [{\"failedPath\": "
                     "\"spec.jobTemplate.spec.template.spec.initContainers[1].image\"}, "
                     "{\"failedPath\": \"spec.jobTemplate.spec.template.spec.containers[5].x\"}, "
                     "{\"failedPath\": \"metadata.name\"}]}]}";
    const char *cron = "{\"kind\": \"CronJob\", \"metadata\": {\"name\": \"c\"}, \"spec\": "
                       "{\"jobTemplate\": {\"spec\": {\"template\": {\"spec\": {\"containers\": "
                       "[{\"name\": \"main\"}], \"initContainers\": [{\"name\": \"i0\"}, "
                       "{\"name\": \"i1\", \"image\": \"busybox\"}]}}}}}}";
    char *s = lines_of(a, rc, cron, PS_PATHS_CONTAINERS);
    assert_string_equal(s, "spec.jobTemplate.spec.template.spec.initContainers[1].image "
                           "(current: busybox) (i1)|"
                           "spec.jobTemplate.spec.template.spec.containers[5].x|"
                           "metadata.name (current: c)|");
    free(s);
}

static void test_escaping(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    const char x[] = "a<b>&\"'\t\n\r\x01\xff\xef\xbf\xbe z";
    ps_r_xml_escape(&b, x, sizeof x - 1);
    assert_string_equal(ks_buf_cstr(&b), "a&lt;b&gt;&amp;&#34;&#39;&#x9;&#xA;&#xD;"
                                         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd z");
    ks_buf_reset(&b);
    ps_r_html_escape(&b, x, sizeof x - 1);
    assert_string_equal(ks_buf_cstr(&b), "a&lt;b&gt;&amp;&quot;&#39;\t\n\xef\xbf\xbd"
                                         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbe z");
    ks_buf_reset(&b);
    ps_r_prom_escape(&b, "a\\b\"c\nd", 8);
    assert_string_equal(ks_buf_cstr(&b), "a\\\\b\\\"c\\nd");
    ks_buf_reset(&b);
    ps_r_term_text(&b, "ok \x1b[31mred\x7f\xc2\x9b\xff", 15);
    assert_string_equal(ks_buf_cstr(&b), "ok ?[31mred???");
    ks_buf_reset(&b);
    const char j[] = "{\"a\":[],\"b\":{},\"c\":[1,{\"d\":\"x,y:{}\"}]}";
    ps_r_json_indent(&b, j, sizeof j - 1);
    assert_string_equal(ks_buf_cstr(&b), "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n"
                                         "    {\n      \"d\": \"x,y:{}\"\n    }\n  ]\n}");
    ks_buf_free(&b);
}

static void test_identities(void **state)
{
    ks_arena *a = *state;
    kv_value report = tu_json(
            a, "{\"summaryDetails\": {}, \"resources\": [{\"resourceID\": \"v\", \"object\": "
               "{\"apiGroup\": \"rbac.authorization.k8s.io\", \"kind\": \"User\", \"name\": "
               "\"jane\", \"relatedObjects\": []}}]}");
    ps_render_in in = {.report = &report};
    ps_rview v;
    ks_error err = {0};
    assert_int_equal(ps_rview_init(&v, &in, &err), 0);
    ps_rident r;
    assert_true(ps_rview_ident(&v, "v", &r));
    assert_true(r.vector);
    assert_string_equal(r.api_version, "rbac.authorization.k8s.io");
    assert_string_equal(r.name, "jane");
    /* resources not in the report: Kubernetes IDs still tell */
    assert_true(ps_rview_ident(&v, "apps/v1/shop/Deployment/web", &r));
    assert_string_equal(r.api_version, "apps/v1");
    assert_string_equal(r.namespace_, "shop");
    assert_true(ps_rview_ident(&v, "path=123/api=/v1//Namespace/dev", &r));
    assert_string_equal(r.api_version, "v1");
    assert_string_equal(r.kind, "Namespace");
    assert_string_equal(r.namespace_, "");
    assert_false(ps_rview_ident(&v, "hostdata/KubeletInfo/x", &r));
    assert_false(ps_rview_ident(&v, "a/b/c/d/e/f", &r));
    ps_rview_free(&v);
    kv_value o = tu_json(a, "{\"sourcePath\": \"dir/a:b.yaml:12\"}");
    assert_int_equal(ps_r_source_doc_index(&o), 12);
    o = tu_json(a, "{\"sourcePath\": \"a.yaml\"}");
    assert_int_equal(ps_r_source_doc_index(&o), -1);
    o = tu_json(a, "{\"sourcePath\": \"a.yaml:1x\"}");
    assert_int_equal(ps_r_source_doc_index(&o), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_scores),          cmocka_unit_test(test_severities),
            cmocka_unit_test(test_links),           cmocka_unit_test(test_remediation_order),
            cmocka_unit_test(test_current_values),  cmocka_unit_test(test_secrets),
            cmocka_unit_test(test_container_names), cmocka_unit_test(test_escaping),
            cmocka_unit_test(test_identities),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
