/*
 * What a live scan could not collect (ps_resources_add_pull, as
 * ps_resources_add_cluster records it) in the scan report: the controls
 * that need it are skipped / notEvaluated unless a failure was found, and
 * scanCoverage lists the failed and partial pulls, the controls not
 * evaluated with their missing resource types, and the coverage score.
 */
#include <stdio.h>
#include <string.h>

#include "posture/internal.h"
#include "testutil.h"

/* A Deployment mounting a Secret volume: C-0255 (workload with secret
 * access) fails on it when the Secret is there; C-0057 (privileged
 * container) passes on it and needs no Secret. */
static const char WORKLOAD[] = "apiVersion: apps/v1\n"
                               "kind: Deployment\n"
                               "metadata: {name: api, namespace: pay}\n"
                               "spec:\n"
                               "  selector: {matchLabels: {app: api}}\n"
                               "  template:\n"
                               "    metadata: {labels: {app: api}}\n"
                               "    spec:\n"
                               "      containers: [{name: c, image: 'r/api:1', volumeMounts: "
                               "[{name: s, mountPath: /s}]}]\n"
                               "      volumes: [{name: s, secret: {secretName: db}}]\n";
static const char SECRET[] = "---\napiVersion: v1\nkind: Secret\n"
                             "metadata: {name: db, namespace: pay}\ndata: {p: eA==}\n";

static const ps_pull SECRETS_FAILED = {
        "", "v1", "Secret", "secrets", "/v1/secrets", "", "403 Forbidden: secrets is forbidden"};
static const ps_pull SECRETS_PARTIAL = {
        "", "v1", "Secret", "secrets", "/v1/secrets", "metadata.namespace=other", "403 Forbidden"};

typedef struct fixture {
    ks_arena a;
    ps_library *lib;
    ps_resources *rs;
    kv_value report;
} fixture;

static void scan(fixture *f, bool with_secret, const ps_pull *pull)
{
    ks_error err = {0};
    ks_arena_init(&f->a, NULL, 0);
    assert_int_equal(ps_library_builtin(&f->lib, &err), 0);
    f->rs = ps_resources_new();
    char text[2048];
    snprintf(text, sizeof text, "%s%s", WORKLOAD, with_secret ? SECRET : "");
    assert_int_equal(ps_resources_add_text(f->rs, "t.yaml", text, strlen(text), &err), 0);
    if (pull)
        assert_int_equal(ps_resources_add_pull(f->rs, pull), 0);
    static const char *const controls[] = {"C-0255", "C-0057"};
    ps_scan_opts o = PS_SCAN_OPTS_INIT;
    o.controls = controls;
    o.ncontrols = 2;
    o.scope = "cluster";
    o.now_ns = 1;
    o.threads = 1;
    int rc = ps_scan(f->lib, f->rs, &o, &f->a, &f->report, &err);
    if (rc)
        fail_msg("scan: %s", err.msg);
}

static void done(fixture *f)
{
    ps_resources_free(f->rs);
    ps_library_free(f->lib);
    ks_arena_free(&f->a);
}

static const char *str_at(const kv_value *v, const char *path)
{
    const kv_value *r = kv_path(v, path);
    return r && r->kind == KV_STRING ? r->u.s : NULL;
}

static double num_at(const kv_value *v, const char *path)
{
    const kv_value *r = kv_path(v, path);
    if (!r || r->kind != KV_NUMBER)
        fail_msg("no number at %s", path);
    return kv_num_double(r);
}

/* Nothing missed: no scanCoverage, statuses as the rules found them. */
static void test_complete(void **state)
{
    (void)state;
    fixture f;
    scan(&f, true, NULL);
    assert_null(kv_path(&f.report, "scanCoverage"));
    assert_string_equal(str_at(&f.report, "summaryDetails.controls.C-0255.status"), "failed");
    assert_string_equal(str_at(&f.report, "summaryDetails.controls.C-0057.status"), "passed");
    size_t ne = 9;
    assert_true(ps_report_coverage(&f.report, &ne) == 100);
    assert_int_equal(ne, 0);
    done(&f);
}

/* The Secrets could not be listed and nothing failed: not evaluated, never
 * passed; the control that needs no Secret is untouched. */
static void test_not_evaluated(void **state)
{
    (void)state;
    fixture f;
    scan(&f, false, &SECRETS_FAILED);
    const kv_value *r = &f.report;
    assert_string_equal(str_at(r, "summaryDetails.controls.C-0255.status"), "skipped");
    assert_string_equal(str_at(r, "summaryDetails.controls.C-0255.statusInfo.subStatus"),
                        "notEvaluated");
    assert_non_null(strstr(str_at(r, "summaryDetails.controls.C-0255.statusInfo.info"),
                           "could not be collected: /v1/secrets"));
    assert_string_equal(str_at(r, "summaryDetails.controls.C-0057.status"), "passed");
    assert_string_equal(str_at(r, "scanCoverage.failedGVRPulls[0].gvr"), "/v1/secrets");
    assert_string_equal(str_at(r, "scanCoverage.failedGVRPulls[0].error"),
                        "403 Forbidden: secrets is forbidden");
    assert_null(kv_path(r, "scanCoverage.partialGVRPulls"));
    assert_string_equal(str_at(r, "scanCoverage.notEvaluatedControls[0].controlID"), "C-0255");
    assert_string_equal(str_at(r, "scanCoverage.notEvaluatedControls[0].missingGVRs[0]"),
                        "/v1/secrets");
    assert_int_equal(kv_path(r, "scanCoverage.notEvaluatedControls")->len, 1);
    assert_true(num_at(r, "scanCoverage.coverageScore") == 50);
    assert_true(num_at(r, "scanCoverage.evaluatedControls") == 1);
    assert_true(num_at(r, "scanCoverage.totalControls") == 2);
    assert_true(kv_path(r, "scanCoverage.degraded")->kind == KV_BOOL);
    /* every dependent control is accounted for: no silent failure */
    assert_null(kv_path(r, "scanCoverage.silentFailedGVRCount"));
    size_t ne = 0;
    assert_true(ps_report_coverage(r, &ne) == 50);
    assert_int_equal(ne, 1);
    done(&f);
}

/* A failure found in what could be read stands; the missing type is then
 * a silent failed pull (3 points off the coverage). */
static void test_failure_stands(void **state)
{
    (void)state;
    fixture f;
    scan(&f, true, &SECRETS_FAILED);
    const kv_value *r = &f.report;
    assert_string_equal(str_at(r, "summaryDetails.controls.C-0255.status"), "failed");
    assert_null(kv_path(r, "scanCoverage.notEvaluatedControls"));
    assert_true(num_at(r, "scanCoverage.silentFailedGVRCount") == 1);
    assert_true(num_at(r, "scanCoverage.coverageScore") == 97);
    done(&f);
}

/* A namespace whose Secrets could not be listed: a partial pull (2 points
 * off); a control that found nothing is still not passed. */
static void test_partial(void **state)
{
    (void)state;
    fixture f;
    scan(&f, false, &SECRETS_PARTIAL);
    const kv_value *r = &f.report;
    assert_null(kv_path(r, "scanCoverage.failedGVRPulls"));
    assert_string_equal(str_at(r, "scanCoverage.partialGVRPulls[0].selector"),
                        "metadata.namespace=other");
    assert_string_equal(str_at(r, "summaryDetails.controls.C-0255.statusInfo.subStatus"),
                        "notEvaluated");
    assert_true(num_at(r, "scanCoverage.coverageScore") == 48);
    done(&f);
}

/* A discovery failure of a group version counts for the rules that name
 * the group: batch's for a control on Jobs, not core's. */
static void test_discovery(void **state)
{
    (void)state;
    static const ps_pull batch = {"batch",     "v1", NULL, NULL, "discovery:batch/v1",
                                  "discovery", "503"};
    fixture f;
    scan(&f, true, &batch);
    const kv_value *r = &f.report;
    /* C-0057's rule names batch (Jobs, CronJobs); C-0255's does not */
    assert_string_equal(str_at(r, "summaryDetails.controls.C-0057.statusInfo.subStatus"),
                        "notEvaluated");
    assert_string_equal(str_at(r, "summaryDetails.controls.C-0255.status"), "failed");
    assert_string_equal(str_at(r, "scanCoverage.partialGVRPulls[0].gvr"), "discovery:batch/v1");
    done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_complete),       cmocka_unit_test(test_not_evaluated),
            cmocka_unit_test(test_failure_stands), cmocka_unit_test(test_partial),
            cmocka_unit_test(test_discovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
