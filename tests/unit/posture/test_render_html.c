/*
 * The HTML page: self-contained (no scripts, images, style sheets or fonts
 * from elsewhere), every report text escaped, the content of upstream's
 * html printer (kubescape printer/v2/html/report.gohtml).
 */
#include "render_testutil.h"

static void test_files(void **state)
{
    ks_arena *a = *state;
    kv_value report, controls;
    load_report(a, "files", &report, &controls);
    ps_render_in in = {.report = &report, .controls = &controls, .target = "framework NSA"};
    char *h = render(ps_render_html, &in);
    assert_true(strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">\n", 33) == 0);
    assert_string_equal(h + strlen(h) - 16, "</body>\n</html>\n");
    assert_contains(h, "<p class=\"meta\">Scanned: framework NSA &middot; Generated: "
                       "2026-03-14T09:15:26Z</p>");
    /* counts: 9 controls, 2 passed, 6 failed, 1 to act on; 3 of 5 resources */
    assert_contains(h, "<tbody><tr><td class=\"num\">9</td><td class=\"num\">2</td><td "
                       "class=\"num\">6</td><td class=\"num\">1</td><td class=\"num\">3</td><td "
                       "class=\"num\">5</td><td class=\"num\">58.33%</td></tr>");
    assert_contains(h, "<tr><td>NSA</td><td class=\"num\">8</td><td class=\"num\">6</td>");
    /* controls by severity, then name */
    assert_contains(h, "<td class=\"sev-High\">High</td><td><a href=\"https://hub.armosec.io/docs/"
                       "c-0012\">C-0012</a></td><td>Applications credentials in configuration "
                       "files</td><td class=\"st-failed\">failed</td>");
    assert_contains(h, "<td class=\"st-passed\">passed (irrelevant)</td>");
    assert_contains(h, "<td class=\"num\">Action required</td>");
    const char *h1 = strstr(h, ">C-0012<"), *h2 = strstr(h, ">C-0270<"), *m = strstr(h, ">C-0034<"),
               *l = strstr(h, ">C-0017<");
    assert_true(h1 && h2 && m && l && h1 < h2 && h2 < m && m < l);
    /* failed resources, by namespace: default before shop */
    assert_int_equal(count_of(h, "<section class=\"resource\">"), 3);
    const char *pod = strstr(h, "<h3>Pod debug</h3>"), *web = strstr(h, "<h3>Deployment web</h3>");
    assert_true(pod && web && pod < web);
    assert_contains(h, "<dt>Source</dt><dd>shop.yaml</dd>");
    assert_contains(h, "<td class=\"paths\"><p>spec.template.spec.containers[0].securityContext."
                       "privileged=false (nginx)</p><p>spec.template.spec.containers[0]."
                       "securityContext.privileged (current: true) (nginx)</p></td>");
    /* self-contained */
    assert_not_contains(h, "<script");
    assert_not_contains(h, "<link");
    assert_not_contains(h, "<img");
    assert_not_contains(h, "src=");
    assert_not_contains(h, "@import");
    assert_not_contains(h, "url(");
    free(h);
}

static void test_escaping(void **state)
{
    ks_arena *a = *state;
    kv_value report = tu_json(
            a,
            "{\"clusterName\": \"<b>c</b>\", \"summaryDetails\": {\"controls\": {\"C-1\\\"><x\": "
            "{\"name\": \"<script>alert('x')</script>\", \"statusInfo\": {\"status\": "
            "\"failed\", \"subStatus\": \"a&b\"}}}}, \"results\": [{\"resourceID\": "
            "\"/v1/ns/Pod/<img src=x>\", \"controls\": [{\"controlID\": \"C-1\\\"><x\", "
            "\"name\": \"<i>n</i>\", \"status\": {\"status\": \"failed\"}, \"rules\": "
            "[{\"paths\": [{\"failedPath\": \"a\\\"b<c>\"}]}]}]}]}");
    ps_render_in in = {.report = &report, .target = "\"><script>"};
    char *h = render(ps_render_html, &in);
    assert_not_contains(h, "<script");
    assert_not_contains(h, "<img");
    assert_not_contains(h, "<b>");
    assert_not_contains(h, "<i>");
    assert_contains(h, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    assert_contains(h, "href=\"https://hub.armosec.io/docs/c-1&quot;&gt;&lt;x\"");
    assert_contains(h, "<h3>Pod &lt;img src=x&gt;</h3>");
    assert_contains(h, "<p>a&quot;b&lt;c&gt;</p>");
    assert_contains(h, "failed (a&amp;b)");
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_files),
            cmocka_unit_test(test_escaping),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
