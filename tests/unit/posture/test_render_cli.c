/*
 * The renderers' test driver and its checks.
 *
 * Run with arguments it renders a report the way `kso scan --format` will,
 * for tests/posture/validate-outputs:
 *
 *   unit_posture_test_render_cli --render FORMAT REPORT.json CONTROLS.json
 *       [--verbose] [--color] [--target TEXT] [--namespace NS]
 *
 * (manifests named relative to the report resolve against the working
 * directory). Without arguments it runs its cmocka tests: every format on
 * both fixture reports, determinism, and the errors of bad reports.
 */
#include "render_testutil.h"

#include "core/file.h"

static int render_main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr,
                "usage: %s --render FORMAT REPORT CONTROLS [--verbose] [--color] "
                "[--target TEXT] [--namespace NS]\n",
                argv[0]);
        return 2;
    }
    render_fn fn = render_by_name(argv[2]);
    if (!fn) {
        fprintf(stderr, "unknown format %s\n", argv[2]);
        return 2;
    }
    ps_render_in in = {0};
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--verbose") == 0)
            in.verbose = true;
        else if (strcmp(argv[i], "--color") == 0)
            in.color = true;
        else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
            in.target = argv[++i];
        else if (strcmp(argv[i], "--namespace") == 0 && i + 1 < argc)
            in.k8s_namespace = argv[++i];
        else {
            fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_value report, controls;
    const char *paths[2] = {argv[3], argv[4]};
    kv_value *vals[2] = {&report, &controls};
    for (int i = 0; i < 2; i++) {
        char *text = NULL;
        size_t n = 0;
        ks_error err = {0};
        kv_json_opts o = {.source = paths[i]};
        if (ks_file_read(paths[i], 0, &text, &n, &err) != 0 ||
            kv_json_parse(&a, text, n, &o, vals[i], &err) != 0) {
            fprintf(stderr, "%s: %s\n", paths[i], err.msg);
            ks_xfree(text);
            ks_arena_free(&a);
            return 1;
        }
        ks_xfree(text);
    }
    in.report = &report;
    in.controls = &controls;
    ks_buf out = KS_BUF_INIT;
    ks_error err = {0};
    int rc = fn(&out, &in, &err);
    if (rc == 0)
        fwrite(ks_buf_cstr(&out), 1, out.len, stdout);
    else
        fprintf(stderr, "render %s: %s\n", argv[2], err.msg);
    ks_buf_free(&out);
    ks_arena_free(&a);
    return rc == 0 ? 0 : 1;
}

static const char *const FORMATS[] = {"pretty-printer", "junit", "sarif",
                                      "prometheus",     "html",  "k8s-objects"};

/* Every format renders both fixtures, twice alike (no clock, no order from
 * hashing), verbose and coloured variants included. */
static void test_every_format_deterministic(void **state)
{
    ks_arena *a = *state;
    static const char *const reports[] = {"files", "cluster"};
    for (size_t r = 0; r < 2; r++) {
        kv_value report, controls;
        load_report(a, reports[r], &report, &controls);
        for (size_t f = 0; f < sizeof FORMATS / sizeof FORMATS[0]; f++) {
            for (int variant = 0; variant < 2; variant++) {
                ps_render_in in = {.report = &report,
                                   .controls = &controls,
                                   .verbose = variant,
                                   .color = variant};
                char *one = render(render_by_name(FORMATS[f]), &in);
                char *two = render(render_by_name(FORMATS[f]), &in);
                assert_true(strlen(one) > 100);
                assert_string_equal(one, two);
                free(one);
                free(two);
            }
        }
    }
}

/* Each output against the file in tests/data/posture/render/expected/ that
 * was reviewed when it was written (KSO_UPDATE_GOLDEN=1 rewrites them). */
static void test_golden(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *report, *format, *file;
        bool verbose;
    } cases[] = {
            {"files", "pretty-printer", "files.txt", false},
            {"files", "pretty-printer", "files-verbose.txt", true},
            {"files", "junit", "files.xml", false},
            {"files", "sarif", "files.sarif", false},
            {"files", "prometheus", "files.prom", false},
            {"files", "html", "files.html", false},
            {"files", "k8s-objects", "files.k8s.json", false},
            {"cluster", "pretty-printer", "cluster-verbose.txt", true},
            {"cluster", "junit", "cluster.xml", false},
            {"cluster", "prometheus", "cluster.prom", false},
            {"cluster", "k8s-objects", "cluster.k8s.json", false},
    };
    const char *update = getenv("KSO_UPDATE_GOLDEN");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kv_value report, controls;
        load_report(a, cases[i].report, &report, &controls);
        ps_render_in in = {.report = &report,
                           .controls = &controls,
                           .verbose = cases[i].verbose,
                           .target = "framework NSA,MITRE"};
        char *got = render(render_by_name(cases[i].format), &in);
        char rel[256];
        snprintf(rel, sizeof rel, "posture/render/expected/%s", cases[i].file);
        if (update && *update) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s", KS_TEST_DATA_DIR, rel);
            ks_error err = {0};
            assert_int_equal(ks_file_write_atomic(path, got, strlen(got), 0644, &err), 0);
        }
        size_t n;
        char *want = tu_read_fixture(rel, &n);
        if (strcmp(got, want) != 0) {
            size_t k = 0;
            while (got[k] && got[k] == want[k])
                k++;
            fail_msg("%s differs from %s at byte %zu:\n%.200s\n--- expected ---\n%.200s",
                     cases[i].format, rel, k, got + (k > 80 ? k - 80 : 0),
                     want + (k > 80 ? k - 80 : 0));
        }
        ks_xfree(want);
        free(got);
    }
}

/* A report that is not one is an error with a message, not a crash. */
static void test_bad_reports(void **state)
{
    ks_arena *a = *state;
    static const char *const bad[] = {"null", "[]", "{}", "{\"summaryDetails\": 3}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kv_value report = tu_json(a, bad[i]);
        ps_render_in in = {.report = &report};
        for (size_t f = 0; f < sizeof FORMATS / sizeof FORMATS[0]; f++) {
            ks_buf out = KS_BUF_INIT;
            ks_error err = {0};
            assert_int_equal(render_by_name(FORMATS[f])(&out, &in, &err), KS_EINVAL);
            assert_true(strlen(err.msg) > 0);
            ks_buf_free(&out);
        }
    }
    ps_render_in none = {0};
    ks_buf out = KS_BUF_INIT;
    ks_error err = {0};
    assert_int_equal(ps_render_junit(&out, &none, &err), KS_EINVAL);
    ks_buf_free(&out);
}

/* Fields of the wrong types are ignored, not trusted. */
static void test_wrong_types(void **state)
{
    ks_arena *a = *state;
    kv_value report = tu_json(
            a, "{\"summaryDetails\": {\"controls\": {\"C-1\": {\"name\": 5, \"statusInfo\": "
               "[], \"ResourceCounters\": {\"failedResources\": \"x\"}, \"scoreFactor\": "
               "\"high\"}, \"C-2\": 7}, \"frameworks\": {}, \"complianceScore\": \"a\"}, "
               "\"results\": [3, {\"resourceID\": 4}, {\"resourceID\": \"x\", \"controls\": "
               "[{\"controlID\": \"C-1\", \"status\": {\"status\": \"failed\"}, \"rules\": "
               "[{\"paths\": [{\"fixPath\": 1}, 2]}, 5]}]}], \"resources\": [{\"resourceID\": "
               "\"x\", \"object\": [], \"source\": {\"relativePath\": 9}}, 4]}");
    ps_render_in in = {.report = &report, .verbose = true};
    for (size_t f = 0; f < sizeof FORMATS / sizeof FORMATS[0]; f++) {
        ks_buf out = KS_BUF_INIT;
        ks_error err = {0};
        int rc = render_by_name(FORMATS[f])(&out, &in, &err);
        /* k8s-objects needs the object of every result */
        if (strcmp(FORMATS[f], "k8s-objects") == 0)
            assert_int_equal(rc, KS_EINVAL);
        else
            assert_int_equal(rc, 0);
        ks_buf_free(&out);
    }
}

/* A full buffer is KS_ELIMIT, reported. */
static void test_output_limit(void **state)
{
    ks_arena *a = *state;
    kv_value report, controls;
    load_report(a, "files", &report, &controls);
    ps_render_in in = {.report = &report, .controls = &controls, .verbose = true};
    for (size_t f = 0; f < sizeof FORMATS / sizeof FORMATS[0]; f++) {
        ks_buf out;
        ks_buf_init(&out, 64);
        ks_error err = {0};
        char cwd[4096];
        assert_non_null(getcwd(cwd, sizeof cwd));
        assert_int_equal(chdir(RENDER_DIR), 0);
        int rc = render_by_name(FORMATS[f])(&out, &in, &err);
        assert_int_equal(chdir(cwd), 0);
        assert_int_equal(rc, KS_ELIMIT);
        assert_true(strlen(err.msg) > 0);
        ks_buf_free(&out);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--render") == 0)
        return render_main(argc, argv);
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_every_format_deterministic),
            cmocka_unit_test(test_golden),
            cmocka_unit_test(test_bad_reports),
            cmocka_unit_test(test_wrong_types),
            cmocka_unit_test(test_output_limit),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
