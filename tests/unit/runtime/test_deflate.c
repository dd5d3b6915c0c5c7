/* Whole-object deflation: ApplicationProfile, NetworkNeighborhood and
 * ContainerProfile dedupe and sort rules, sizes, the too-large rule (AP and
 * NN emptied, CP kept), collapse settings, errors naming the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "runtime/profile.h"
#include "testutil.h"

#define D RT_DYNAMIC

static void expect_json(const kv_value *v, const char *want, const char *what)
{
    char *got = tu_to_json(v, 0);
    if (strcmp(got, want) != 0)
        fail_msg("%s:\n got  %s\n want %s", what, got, want);
    ks_xfree(got);
}

static const char *ann(const kv_value *obj, const char *key)
{
    const kv_value *an = kv_path(obj, "metadata.annotations");
    if (!an)
        return NULL;
    const kv_value *v = kv_obj_get(an, key, strlen(key));
    return v && v->kind == KV_STRING ? v->u.s : NULL;
}

static const char *const ap_json =
        "{\"kind\":\"ApplicationProfile\",\"metadata\":{\"name\":\"p\",\"annotations\":"
        "{\"a\":\"b\"}},\"spec\":{\"architectures\":[\"arm64\",\"amd64\",\"amd64\"],"
        "\"containers\":[{\"name\":\"c\",\"imageID\":\"img\","
        "\"capabilities\":[\"NET_ADMIN\",\"CHOWN\",\"CHOWN\"],"
        "\"syscalls\":[\"read\",\"open\",\"read\"],"
        "\"execs\":[{\"path\":\"/bin/sh\",\"args\":[\"-c\",\"x\"]},"
        "{\"path\":\"/bin/sh\",\"args\":[\"-c\",\"x\"]},"
        "{\"path\":\"/bin/sh\",\"args\":[\"-c\"],\"envs\":[\"x\"]},"
        "{\"path\":\"/bin/sh\",\"args\":[\"-c\",\"x\"],\"envs\":[]}],"
        "\"opens\":[{\"path\":\"/tmp/1\",\"flags\":[\"O_RDONLY\"]},"
        "{\"path\":\"/tmp/2\",\"flags\":[\"O_WRONLY\"]},{\"path\":\"/tmp/3\",\"flags\":[]}],"
        "\"endpoints\":[{\"endpoint\":\":80/a\",\"methods\":[\"GET\"]},"
        "{\"endpoint\":\":80/a\",\"methods\":[\"PUT\"]}],"
        "\"rulePolicies\":{\"R0001\":{\"processAllowed\":[\"z\",\"a\",\"z\"],"
        "\"containerAllowed\":true},\"R0002\":{}},"
        "\"identifiedCallStacks\":[{\"callID\":\"k\",\"callStack\":{\"root\":{\"frame\":"
        "{\"fileID\":\"f\",\"lineno\":\"1\"}}}}]}],"
        "\"initContainers\":[{\"name\":\"i\",\"syscalls\":[\"b\",\"a\"]}]}}";

static void test_application_profile(void **state)
{
    ks_arena *a = *state;
    kv_value ap = tu_json(a, ap_json), out;
    ks_error err = {0};
    int64_t size = -1;
    /* /tmp collapses at 2 here (settings from a CollapseConfiguration). */
    kv_value cc = tu_json(a, "{\"spec\":{\"collapseConfigs\":[{\"prefix\":\"/tmp\","
                             "\"threshold\":2}]}}");
    rt_collapse_cfg cfg;
    assert_int_equal(rt_collapse_cfg_from_object(a, &cc, &cfg, &err), 0);
    assert_int_equal(rt_deflate_application_profile(a, &ap, &cfg, 0, &out, &size, &err), 0);
    /* Execs: equal (path, args, envs) once; an absent and an empty envs are
     * the same; ["-c"]+["x"] is not ["-c","x"]+[]. */
    expect_json(kv_path(&out, "spec"),
                "{\"architectures\":[\"amd64\",\"arm64\"],"
                "\"containers\":[{\"capabilities\":[\"CHOWN\",\"NET_ADMIN\"],"
                "\"endpoints\":[{\"endpoint\":\":80/a\",\"internal\":false,"
                "\"methods\":[\"GET\",\"PUT\"]}],"
                "\"execs\":[{\"args\":[\"-c\",\"x\"],\"path\":\"/bin/sh\"},"
                "{\"args\":[\"-c\"],\"envs\":[\"x\"],\"path\":\"/bin/sh\"}],"
                "\"identifiedCallStacks\":[{\"callID\":\"k\",\"callStack\":{\"root\":"
                "{\"children\":[{\"children\":[],\"frame\":{\"fileID\":\"f\",\"frameType\":0,"
                "\"lineno\":\"1\"}}],\"frame\":{\"fileID\":\"\",\"frameType\":0,"
                "\"lineno\":\"\"}}}}],"
                "\"imageID\":\"img\",\"name\":\"c\","
                "\"opens\":[{\"flags\":[\"O_RDONLY\",\"O_WRONLY\"],\"path\":\"/tmp/" D "\"}],"
                "\"rulePolicies\":{\"R0001\":{\"containerAllowed\":true,"
                "\"processAllowed\":[\"a\",\"z\"]},\"R0002\":{}},"
                "\"syscalls\":[\"open\",\"read\"]}],"
                "\"initContainers\":[{\"name\":\"i\",\"syscalls\":[\"a\",\"b\"]}]}",
                "deflated AP spec");
    /* 2 capabilities + 2 syscalls + 2 execs + 1 open + 1 endpoint + 1 stack,
     * and 2 syscalls in the init container. */
    assert_int_equal(size, 11);
    assert_string_equal(ann(&out, "kubescape.io/resource-size"), "11");
    assert_string_equal(ann(&out, "a"), "b");
    assert_null(ann(&out, "kubescape.io/status"));
    assert_string_equal(kv_path(&out, "metadata.name")->u.s, "p");
    /* At the limit: saved. */
    assert_int_equal(rt_deflate_application_profile(a, &ap, &cfg, 11, &out, &size, &err), 0);
    assert_string_equal(ann(&out, "kubescape.io/resource-size"), "11");
    assert_null(ann(&out, "kubescape.io/status"));
    /* Over it: empty spec, too-large, no size. */
    assert_int_equal(rt_deflate_application_profile(a, &ap, &cfg, 10, &out, &size, &err), 0);
    assert_int_equal(size, 11);
    expect_json(kv_path(&out, "spec"), "{}", "too-large AP spec");
    assert_string_equal(ann(&out, "kubescape.io/status"), "too-large");
    assert_null(ann(&out, "kubescape.io/resource-size"));
    assert_string_equal(ann(&out, "a"), "b");
    /* With the compiled-in settings /tmp keeps its three children. */
    assert_int_equal(rt_deflate_application_profile(a, &ap, NULL, 0, &out, &size, &err), 0);
    assert_int_equal(size, 13);
    assert_int_equal(kv_path(&out, "spec.containers[0].opens")->len, 3);
}

static void test_ap_without_annotations(void **state)
{
    ks_arena *a = *state;
    kv_value ap = tu_json(a, "{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}"), out;
    int64_t size;
    assert_int_equal(rt_deflate_application_profile(a, &ap, NULL, 0, &out, &size, NULL), 0);
    assert_int_equal(size, 0);
    expect_json(&out,
                "{\"metadata\":{\"annotations\":{\"kubescape.io/resource-size\":\"0\"}},"
                "\"spec\":{\"containers\":[{\"name\":\"c\"}]}}",
                "AP without metadata");
    /* No spec at all. */
    ap = tu_json(a, "{\"metadata\":{\"name\":\"n\"}}");
    assert_int_equal(rt_deflate_application_profile(a, &ap, NULL, 0, &out, &size, NULL), 0);
    expect_json(&out,
                "{\"metadata\":{\"annotations\":{\"kubescape.io/resource-size\":\"0\"},"
                "\"name\":\"n\"},\"spec\":{}}",
                "AP without spec");
}

/* The default limit is 40,000 entries. */
static void test_default_limit(void **state)
{
    ks_arena *a = *state;
    for (int n = 40000; n <= 40001; n++) {
        ks_buf b = KS_BUF_INIT;
        ks_buf_puts(&b, "{\"spec\":{\"containers\":[{\"syscalls\":[");
        for (int i = 0; i < n; i++)
            ks_buf_printf(&b, "%s\"s%d\"", i ? "," : "", i);
        ks_buf_puts(&b, "]}]}}");
        kv_value ap = tu_json(a, b.data), out;
        ks_buf_free(&b);
        int64_t size;
        assert_int_equal(rt_deflate_application_profile(a, &ap, NULL, 0, &out, &size, NULL), 0);
        assert_int_equal(size, n);
        if (n == 40000) {
            assert_string_equal(ann(&out, "kubescape.io/resource-size"), "40000");
        } else {
            assert_string_equal(ann(&out, "kubescape.io/status"), "too-large");
            expect_json(kv_path(&out, "spec"), "{}", "over the default limit");
        }
    }
}

static void test_network_neighborhood(void **state)
{
    ks_arena *a = *state;
    kv_value nn = tu_json(
            a, "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"matchLabels\":{\"app\":\"x\"},"
               "\"containers\":[{\"name\":\"c\",\"ingress\":["
               "{\"identifier\":\"i1\",\"dnsNames\":[\"b\"],\"ports\":[{\"name\":\"TCP-80\"}]},"
               "{\"identifier\":\"i1\",\"dnsNames\":[\"a\",\"b\"],\"ports\":[{\"name\":\"TCP-80\"},"
               "{\"name\":\"TCP-81\"}]}],"
               "\"egress\":[{\"identifier\":\"e1\"},{\"identifier\":\"e2\"}]}],"
               "\"initContainers\":[{\"name\":\"i\",\"egress\":[{\"identifier\":\"e3\"}]}]}}");
    kv_value out;
    int64_t size;
    ks_error err = {0};
    assert_int_equal(rt_deflate_network_neighborhood(a, &nn, 0, &out, &size, &err), 0);
    assert_int_equal(size, 4); /* 1 ingress + 2 egress + 1 egress */
    expect_json(kv_path(&out, "spec"),
                "{\"containers\":[{\"egress\":[{\"identifier\":\"e1\"},{\"identifier\":\"e2\"}],"
                "\"ingress\":[{\"dnsNames\":[\"a\",\"b\"],\"identifier\":\"i1\","
                "\"ports\":[{\"name\":\"TCP-80\"},{\"name\":\"TCP-81\"}]}],\"name\":\"c\"}],"
                "\"initContainers\":[{\"egress\":[{\"identifier\":\"e3\"}],\"name\":\"i\"}],"
                "\"matchLabels\":{\"app\":\"x\"}}",
                "deflated NN spec");
    assert_string_equal(ann(&out, "kubescape.io/resource-size"), "4");
    /* Over the limit: emptied. */
    assert_int_equal(rt_deflate_network_neighborhood(a, &nn, 3, &out, &size, &err), 0);
    expect_json(kv_path(&out, "spec"), "{}", "too-large NN");
    assert_string_equal(ann(&out, "kubescape.io/status"), "too-large");
    assert_null(ann(&out, "kubescape.io/resource-size"));
}

static const char *const cp_json =
        "{\"metadata\":{\"name\":\"cp\",\"annotations\":{\"kubescape.io/status\":\"ready\"}},"
        "\"spec\":{\"architectures\":[\"b\",\"a\",\"b\"],\"capabilities\":[\"X\",\"X\"],"
        "\"matchLabels\":{\"app\":\"x\"},\"matchExpressions\":["
        "{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"1\"]},"
        "{\"key\":\"k\",\"operator\":\"Exists\"},"
        "{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"1\"]},"
        "{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"2\"]}],"
        "\"ingress\":[{\"identifier\":\"i\"},{\"identifier\":\"i\"}],"
        "\"egress\":[{\"identifier\":\"e\"}],"
        "\"opens\":[{\"path\":\"/a\",\"flags\":[\"R\"]}]}}";

static void test_container_profile(void **state)
{
    ks_arena *a = *state;
    kv_value cp = tu_json(a, cp_json), out;
    int64_t size;
    ks_error err = {0};
    assert_int_equal(rt_deflate_container_profile(a, &cp, NULL, 0, &out, &size, &err), 0);
    /* 1 capability + 1 open + 1 ingress + 1 egress */
    assert_int_equal(size, 4);
    const char *want_spec =
            "{\"architectures\":[\"a\",\"b\"],\"capabilities\":[\"X\"],"
            "\"egress\":[{\"identifier\":\"e\"}],\"ingress\":[{\"identifier\":\"i\","
            "\"ports\":[]}],\"matchExpressions\":["
            "{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"1\"]},"
            "{\"key\":\"k\",\"operator\":\"Exists\"},"
            "{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"2\"]}],"
            "\"matchLabels\":{\"app\":\"x\"},\"opens\":[{\"flags\":[\"R\"],\"path\":\"/a\"}]}";
    expect_json(kv_path(&out, "spec"), want_spec, "deflated CP spec");
    assert_string_equal(ann(&out, "kubescape.io/resource-size"), "4");
    assert_string_equal(ann(&out, "kubescape.io/status"), "ready");
    /* Over the limit: too-large, but the spec is kept and sized. */
    assert_int_equal(rt_deflate_container_profile(a, &cp, NULL, 3, &out, &size, &err), 0);
    expect_json(kv_path(&out, "spec"), want_spec, "too-large CP keeps its spec");
    assert_string_equal(ann(&out, "kubescape.io/status"), "too-large");
    assert_string_equal(ann(&out, "kubescape.io/resource-size"), "4");
}

static void test_errors(void **state)
{
    ks_arena *a = *state;
    static const struct {
        int kind; /* 0 AP, 1 NN, 2 CP */
        const char *json, *field;
        int rc;
    } cases[] = {
            {0, "[]", "ApplicationProfile", KS_ETYPE},
            {0, "{\"spec\":7}", "spec", KS_ETYPE},
            {0, "{\"spec\":{\"containers\":{}}}", "spec.containers", KS_ETYPE},
            {0, "{\"spec\":{\"initContainers\":[7]}}", "spec.initContainers[0]", KS_ETYPE},
            {0, "{\"spec\":{\"containers\":[{},{\"opens\":[{\"path\":1}]}]}}",
             "spec.containers[1].opens[0].path", KS_ETYPE},
            {0, "{\"spec\":{\"containers\":[{\"syscalls\":[\"a\",2]}]}}",
             "spec.containers[0].syscalls[1]", KS_ETYPE},
            {0, "{\"spec\":{\"containers\":[{\"execs\":[{\"args\":[1]}]}]}}",
             "spec.containers[0].execs[0].args[0]", KS_ETYPE},
            {0, "{\"spec\":{\"containers\":[{\"execs\":[{\"path\":[]}]}]}}",
             "spec.containers[0].execs[0].path", KS_ETYPE},
            {0,
             "{\"spec\":{\"ephemeralContainers\":[{\"rulePolicies\":{\"R1\":"
             "{\"processAllowed\":[true]}}}]}}",
             "spec.ephemeralContainers[0].rulePolicies.processAllowed[0]", KS_ETYPE},
            {0, "{\"spec\":{\"containers\":[{\"rulePolicies\":[]}]}}",
             "spec.containers[0].rulePolicies", KS_ETYPE},
            {0, "{\"spec\":{\"architectures\":\"amd64\"}}", "spec.architectures", KS_ETYPE},
            {0, "{\"spec\":{\"containers\":[{\"endpoints\":[{\"endpoint\":{}}]}]}}",
             "spec.containers[0].endpoints[0].endpoint", KS_ETYPE},
            {1, "{\"spec\":{\"containers\":[{\"ingress\":[{\"identifier\":5}]}]}}",
             "spec.containers[0].ingress.neighbors[0].identifier", KS_ETYPE},
            {1, "{\"spec\":{\"containers\":[\"c\"]}}", "spec.containers[0]", KS_ETYPE},
            {2, "{\"spec\":{\"matchExpressions\":{}}}", "spec.matchExpressions", KS_ETYPE},
            {2, "{\"spec\":{\"egress\":[1]}}", "spec.egress.neighbors[0]", KS_ETYPE},
            {2, "{\"spec\":{\"opens\":\"x\"}}", "spec.opens", KS_ETYPE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv_value in = tu_json(a, cases[i].json), out;
        ks_error err = {0};
        int rc = cases[i].kind == 0
                         ? rt_deflate_application_profile(a, &in, NULL, 0, &out, NULL, &err)
                 : cases[i].kind == 1
                         ? rt_deflate_network_neighborhood(a, &in, 0, &out, NULL, &err)
                         : rt_deflate_container_profile(a, &in, NULL, 0, &out, NULL, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d (%s)", cases[i].json, rc, err.msg);
        if (!strstr(err.msg, cases[i].field))
            fail_msg("%s: error '%s' does not name %s", cases[i].json, err.msg, cases[i].field);
    }
}

/* An arena too small for the result: an error, never a partial object. */
static void test_arena_limit(void **state)
{
    ks_arena *a = *state;
    kv_value ap = tu_json(a, ap_json);
    int fails = 0, oks = 0;
    for (size_t limit = 4096; limit <= 256 * 1024; limit *= 2) {
        ks_arena small;
        ks_arena_init(&small, NULL, limit);
        kv_value out;
        ks_error err = {0};
        int rc = rt_deflate_application_profile(&small, &ap, NULL, 0, &out, NULL, &err);
        if (rc) {
            assert_int_equal(rc, KS_ELIMIT);
            assert_non_null(strstr(err.msg, "memory limit"));
            fails++;
        } else {
            assert_string_equal(ann(&out, "kubescape.io/resource-size"), "13");
            oks++;
        }
        ks_arena_free(&small);
    }
    assert_true(fails > 0);
    assert_true(oks > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_application_profile, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_ap_without_annotations, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_default_limit, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_network_neighborhood, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_container_profile, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_errors, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_arena_limit, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
