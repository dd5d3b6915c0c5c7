/*
 * SARIF output and the YAML path locator behind its line numbers.
 *
 * Expected locations follow upstream's resolver (yq over gopkg.in/yaml.v3
 * nodes, kubescape core/pkg/resultshandling/locationresolver): a mapping is
 * where its first key starts, a sequence where its first entry does, a
 * scalar (quoted: its quote) where its text starts; a path that does not
 * exist resolves to its deepest existing ancestor; a path whose first step
 * does not exist has no location (line 1 in SARIF).
 */
#include "render_testutil.h"

#include "posture/render_int.h"

static ps_yindex *index_of(const char *text)
{
    ps_yindex *x = NULL;
    assert_int_equal(ps_yindex_build(text, strlen(text), &x), 0);
    return x;
}

static void expect_at(const ps_yindex *x, int32_t base, const char *path, int line, int col)
{
    int l = 0, c = 0;
    if (!ps_yindex_locate(x, base, path, &l, &c))
        fail_msg("%s: not located, expected %d:%d", path, line, col);
    if (l != line || c != col)
        fail_msg("%s: at %d:%d, expected %d:%d", path, l, c, line, col);
}

static void test_locate_manifest(void **state)
{
    (void)state;
    size_t n;
    char *text = tu_read_fixture("posture/render/manifests/shop.yaml", &n);
    ps_yindex *x = NULL;
    assert_int_equal(ps_yindex_build(text, n, &x), 0);
    assert_int_equal(ps_yindex_ndocs(x), 3);
    int32_t web = ps_yindex_root(x, 0), worker = ps_yindex_root(x, 2);
    /* the document starts after the comment lines */
    int l, c;
    assert_true(ps_yindex_pos(x, web, &l, &c));
    assert_int_equal(l, 4);
    assert_int_equal(c, 1);
    expect_at(x, web, "spec.template.spec.containers[0].securityContext.privileged=false", 25, 23);
    /* missing leaf: its mapping, at the mapping's first key */
    expect_at(x, web, "spec.template.spec.containers[0].securityContext.runAsNonRoot=true", 25, 11);
    /* missing mapping: the container, at its first key after "- " */
    expect_at(x, web, "spec.template.spec.containers[1].securityContext.runAsNonRoot", 28, 9);
    expect_at(x, web, "spec.template.spec.securityContext.runAsNonRoot=true", 21, 7);
    expect_at(x, web, "spec.template.spec.containers[0].image", 23, 16);
    expect_at(x, web, "spec.template.spec.containers", 22, 7);
    expect_at(x, web, "metadata.namespace=YOUR_NAMESPACE", 8, 14);
    expect_at(x, web, "metadata.annotations=YOUR_VALUE", 7, 3);
    expect_at(x, web, "spec.template.spec.containers[1].command[1]", 30, 28);
    expect_at(x, web, "spec.template.spec.containers[7].image", 22, 7);
    /* into a scalar: the scalar */
    expect_at(x, web, "metadata.name.foo=1", 7, 9);
    /* indented sequences */
    expect_at(x, worker, "spec.template.spec.containers[0].securityContext.runAsNonRoot", 62, 27);
    expect_at(x, worker, "spec.template.spec.automountServiceAccountToken", 57, 37);
    /* no first step: no location */
    assert_false(ps_yindex_locate(x, web, "status.replicas", &l, &c));
    assert_false(ps_yindex_locate(x, web, "", &l, &c));
    assert_false(ps_yindex_locate(x, -1, "spec", &l, &c));
    assert_false(ps_yindex_locate(x, ps_yindex_root(x, 3), "spec", &l, &c));
    /* the objects of the documents */
    assert_int_equal(ps_yindex_find_object(x, 0, "Deployment", "web", "shop"), web);
    assert_int_equal(ps_yindex_find_object(x, 0, "Deployment", "web", "other"), -1);
    assert_int_equal(ps_yindex_find_object(x, 2, "Deployment", "worker", ""), worker);
    assert_true(ps_yindex_find_object(x, 1, "Service", "web", "shop") >= 0);
    assert_int_equal(ps_yindex_find_object(x, 1, "Deployment", "web", "shop"), -1);
    ps_yindex_free(x);
    ks_xfree(text);
}

static void test_locate_styles(void **state)
{
    (void)state;
    /* flow collections, quoted keys and values, a List, empty documents */
    ps_yindex *x = index_of("---\n"
                            "---\n"
                            "kind: List\n"
                            "items:\n"
                            "- {kind: Pod, metadata: {name: a, \"namespace\": 'ns'}, spec: "
                            "{containers: [{name: c, image: \"x:1\"}]}}\n"
                            "- kind: Pod\n"
                            "  metadata:\n"
                            "    name: b\n"
                            "  data:\n"
                            "    'app.kubernetes.io/name': \"it's\"\n"
                            "    \"esc\\\"aped\": 1\n");
    assert_int_equal(ps_yindex_ndocs(x), 2);
    /* "---" alone: an empty scalar, no object */
    assert_int_equal(ps_yindex_find_object(x, 0, "List", "", ""), -1);
    int32_t a = ps_yindex_find_object(x, 1, "Pod", "a", "ns");
    int32_t b = ps_yindex_find_object(x, 1, "Pod", "b", "");
    assert_true(a >= 0 && b >= 0);
    int l, c;
    assert_true(ps_yindex_pos(x, a, &l, &c));
    assert_int_equal(l, 5);
    assert_int_equal(c, 3); /* the '{' */
    expect_at(x, a, "spec.containers[0].image", 5, 92);
    expect_at(x, a, "spec.containers[0].securityContext", 5, 75);
    expect_at(x, b, "data.app.kubernetes.io/name", 10, 5); /* dots split the key */
    expect_at(x, b, "data[app.kubernetes.io/name]", 10, 31);
    /* a key that needs unescaping is not matched */
    expect_at(x, b, "data[esc\"aped]", 10, 5);
    expect_at(x, b, "metadata", 8, 5);
    ps_yindex_free(x);

    /* JSON is YAML */
    x = index_of(
            "{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"j\"},\n  \"spec\": {}\n}\n");
    int32_t j = ps_yindex_find_object(x, 0, "Pod", "j", "default");
    assert_true(j >= 0);
    expect_at(x, j, "spec.hostPID", 4, 11);
    ps_yindex_free(x);
}

static void test_locate_hostile(void **state)
{
    (void)state;
    ps_yindex *x = NULL;
    assert_int_equal(ps_yindex_build("a: [b\n", 6, &x), KS_EPARSE);
    assert_null(x);
    assert_int_equal(ps_yindex_build("", 0, &x), 0);
    assert_int_equal(ps_yindex_ndocs(x), 0);
    ps_yindex_free(x);
    /* deep nesting is a limit, not a stack overflow */
    size_t depth = 200000;
    char *deep = malloc(depth * 2 + 1);
    assert_non_null(deep);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[depth * 2] = 0;
    assert_int_equal(ps_yindex_build(deep, depth * 2, &x), KS_ELIMIT);
    free(deep);
    /* a long path of missing steps */
    x = index_of("a: {b: 1}\n");
    ks_buf p = KS_BUF_INIT;
    ks_buf_puts(&p, "a");
    for (int i = 0; i < 10000; i++)
        ks_buf_puts(&p, ".x[999999999999]");
    expect_at(x, ps_yindex_root(x, 0), ks_buf_cstr(&p), 1, 4);
    ks_buf_free(&p);
    ps_yindex_free(x);
}

/* The SARIF of the files fixture, parsed back. */
static kv_value sarif_of(ks_arena *a, const kv_value *report, const kv_value *controls)
{
    ps_render_in in = {.report = report, .controls = controls};
    char *s = render(ps_render_sarif, &in);
    kv_value v = tu_json(a, s);
    free(s);
    return v;
}

static const kv_value *at(const kv_value *v, const char *path)
{
    const kv_value *r = kv_path(v, path);
    if (!r)
        fail_msg("no %s", path);
    return r;
}

static void test_sarif_files(void **state)
{
    ks_arena *a = *state;
    kv_value report, controls;
    load_report(a, "files", &report, &controls);
    kv_value s = sarif_of(a, &report, &controls);
    assert_true(ps_r_status_of(at(&s, "version")) == PS_ST_UNKNOWN);
    assert_string_equal(at(&s, "version")->u.s, "2.1.0");
    const kv_value *run = at(&s, "runs[0]");
    assert_string_equal(at(run, "tool.driver.name")->u.s, "kubescape");
    assert_string_equal(at(run, "tool.driver.informationUri")->u.s, "https://armosec.io");
    /* one rule per failed control, in the order results meet them */
    const kv_value *rules = at(run, "tool.driver.rules");
    assert_int_equal(rules->len, 6);
    static const char *const ids[] = {"C-0034", "C-0012", "C-0013", "C-0017", "C-0041", "C-0057"};
    static const char *const levels[] = {"warning", "warning", "warning",
                                         "note",    "warning", "warning"};
    static const char *const sev[] = {"6.0", "8.0", "6.0", "3.0", "7.0", "8.0"};
    for (size_t i = 0; i < 6; i++) {
        const kv_value *r = &rules->u.items[i];
        assert_string_equal(at(r, "id")->u.s, ids[i]);
        assert_string_equal(at(r, "defaultConfiguration.level")->u.s, levels[i]);
        assert_string_equal(at(r, "properties.security-severity")->u.s, sev[i]);
        assert_true(strncmp(at(r, "help.text")->u.s, "Remediation: ", 13) == 0);
    }
    assert_string_equal(at(rules, "[5].shortDescription.text")->u.s, "Privileged container");
    assert_string_equal(at(rules, "[5].fullDescription.text")->u.s,
                        "A privileged container has all capabilities of the host and can take "
                        "it over.");
    /* results: file by file, then by resource ID; the worker passed */
    const kv_value *res = at(run, "results");
    assert_int_equal(res->len, 9);
    static const struct {
        const char *rule, *uri;
        int line, col;
    } want[] = {
            {"C-0034", "builders.yaml", 4, 3},  {"C-0012", "debug-pod.yaml", 13, 14},
            {"C-0013", "debug-pod.yaml", 9, 5}, {"C-0017", "debug-pod.yaml", 9, 5},
            {"C-0034", "debug-pod.yaml", 7, 3}, {"C-0041", "debug-pod.yaml", 7, 16},
            {"C-0013", "shop.yaml", 25, 11},    {"C-0017", "shop.yaml", 25, 11},
            {"C-0057", "shop.yaml", 25, 23},
    };
    for (size_t i = 0; i < 9; i++) {
        const kv_value *r = &res->u.items[i];
        const kv_value *pl = at(r, "locations[0].physicalLocation");
        assert_string_equal(at(r, "ruleId")->u.s, want[i].rule);
        assert_string_equal(at(pl, "artifactLocation.uri")->u.s, want[i].uri);
        int64_t line, col, idx;
        assert_true(kv_num_int64(at(pl, "region.startLine"), &line));
        assert_true(kv_num_int64(at(pl, "region.startColumn"), &col));
        if (line != want[i].line || col != want[i].col)
            fail_msg("result %zu (%s in %s): %lld:%lld, expected %d:%d", i, want[i].rule,
                     want[i].uri, (long long)line, (long long)col, want[i].line, want[i].col);
        assert_true(kv_num_int64(at(r, "ruleIndex"), &idx));
        assert_string_equal(at(&rules->u.items[idx], "id")->u.s, want[i].rule);
    }
    /* the message: description and the affected fields, values shown
     * except secrets, containers named */
    const char *msg = at(&res->u.items[8], "message.text")->u.s;
    assert_contains(msg, "A privileged container has all capabilities");
    assert_contains(msg, "\n\nAffected fields:\nspec.template.spec.containers[0].securityContext."
                         "privileged=false (nginx)\nspec.template.spec.containers[0]."
                         "securityContext.privileged (current: true) (nginx)");
    assert_contains(at(&res->u.items[1], "message.text")->u.s,
                    "Affected fields:\nspec.containers[0].env[0].value (shell)");
    /* failed paths as related locations */
    const kv_value *rel = at(&res->u.items[8], "relatedLocations");
    assert_int_equal(rel->len, 1);
    assert_string_equal(at(rel, "[0].message.text")->u.s,
                        "spec.template.spec.containers[0].securityContext.privileged");
    assert_null(kv_path(&res->u.items[2], "relatedLocations"));
    /* no clock: the report's time */
    assert_string_equal(at(run, "invocations[0].startTimeUtc")->u.s,
                        "2026-03-14T09:15:26.123456789Z");
    assert_true(at(run, "invocations[0].executionSuccessful")->u.b);
}

/* Resources that do not come from files have no result (code scanning
 * rejects results without a file); the rules array stays. */
static void test_sarif_cluster(void **state)
{
    ks_arena *a = *state;
    kv_value report, controls;
    load_report(a, "cluster", &report, &controls);
    kv_value s = sarif_of(a, &report, &controls);
    assert_int_equal(at(&s, "runs[0].results")->len, 0);
    assert_int_equal(at(&s, "runs[0].tool.driver.rules")->len, 0);
    assert_string_equal(at(&s, "runs[0].tool.driver.version")->u.s, "v0.1.0");
}

/* Without a readable manifest, or without sourcePath, results still point
 * at the file: line 1, or the object found by its identity. */
static void test_sarif_fallbacks(void **state)
{
    ks_arena *a = *state;
    const char *tmpl =
            "{\"summaryDetails\": {\"controls\": {\"C-1\": {\"controlID\": \"C-1\", \"name\": "
            "\"One\", \"scoreFactor\": %s, \"statusInfo\": {\"status\": \"failed\"}}}}, "
            "\"results\": [{\"resourceID\": \"w\", \"controls\": [{\"controlID\": \"C-1\", "
            "\"status\": {\"status\": \"failed\"}, \"rules\": [{\"paths\": [{\"failedPath\": "
            "\"spec.template.spec.containers[0].securityContext.privileged\"}]}]}]}], "
            "\"resources\": [{\"resourceID\": \"w\", \"object\": {\"kind\": \"Deployment\", "
            "\"metadata\": {\"name\": \"worker\", \"namespace\": \"shop\"}}, \"source\": "
            "{\"path\": \"manifests\", \"relativePath\": \"%s\"}}]}";
    static const struct {
        const char *score, *rel, *uri, *level;
        int line;
    } cases[] = {
            {"9", "shop.yaml", "shop.yaml", "error", 62},
            {"8.9", "missing.yaml", "missing.yaml", "warning", 1},
            {"3.99", "dir with space/x#1.yaml", "dir%20with%20space/x%231.yaml", "note", 1},
            {"4", "sub\\\\win.yaml", "sub/win.yaml", "warning", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text, tmpl, cases[i].score, cases[i].rel);
        kv_value report = tu_json(a, text);
        kv_value s = sarif_of(a, &report, NULL);
        const kv_value *r = at(&s, "runs[0].results[0]");
        assert_string_equal(at(r, "locations[0].physicalLocation.artifactLocation.uri")->u.s,
                            cases[i].uri);
        int64_t line;
        assert_true(kv_num_int64(at(r, "locations[0].physicalLocation.region.startLine"), &line));
        assert_int_equal(line, cases[i].line);
        assert_string_equal(at(&s, "runs[0].tool.driver.rules[0].defaultConfiguration.level")->u.s,
                            cases[i].level);
        /* without a control document the texts are empty, not missing */
        assert_string_equal(at(&s, "runs[0].tool.driver.rules[0].fullDescription.text")->u.s, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_locate_manifest), cmocka_unit_test(test_locate_styles),
            cmocka_unit_test(test_locate_hostile),  cmocka_unit_test(test_sarif_files),
            cmocka_unit_test(test_sarif_cluster),   cmocka_unit_test(test_sarif_fallbacks),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
