/* NetworkNeighborhood validation: every ipAddresses and dnsNames rule,
 * accepted and rejected, the deprecated singular fields, field paths and
 * their order, wrong types, and the bound on reported problems. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "runtime/profile.h"
#include "testutil.h"

#define D RT_DYNAMIC

static void test_ip_entries(void **state)
{
    (void)state;
    static const char *const ok[] = {
            "10.0.0.1",   "0.0.0.0",     "255.255.255.255", "::1",
            "::",         "2001:db8::1", "::ffff:1.2.3.4",  "*",
            "10.0.0.0/8", "0.0.0.0/0",   "10.1.2.3/32",     "2001:db8::/32",
            "::/0",       "::1/128",     "10.0.0.0/008",    "::ffff:1.2.3.4/128",
    };
    static const char *const bad[] = {
            "",
            "10.0.0",
            "10.0.0.256",
            "01.2.3.4",
            "fe80::1%eth0",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
            "host.local",
            "**",
            " 10.0.0.1",
            "1.2.3.4/x",
            "/8",
            "1.2.3.4/+8",
            "::1::2",
            "10.0.0.1 ",
            "*/8",
            "1:2:3:4:5:6:7:8:9",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        const char *m = rt_validate_ip_entry(ok[i], strlen(ok[i]));
        if (m)
            fail_msg("IP '%s' rejected: %s", ok[i], m);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (!rt_validate_ip_entry(bad[i], strlen(bad[i])))
            fail_msg("IP '%s' accepted", bad[i]);
    /* An embedded NUL is not an address. */
    assert_non_null(rt_validate_ip_entry("10.0.0.1\0x", 10));
    /* Very long input. */
    char lng[300];
    memset(lng, '1', sizeof(lng));
    assert_non_null(rt_validate_ip_entry(lng, sizeof(lng)));
}

static void test_dns_entries(void **state)
{
    (void)state;
    static const char *const ok[] = {
            "example.com",
            "example.com.",
            "*.example.com",
            "*.example.com.",
            "api.*",
            "a.\xe2\x8b\xaf.com",
            "\xe2\x8b\xaf.example.com",
            "example.\xe2\x8b\xaf",
            D,
            "a*b.com",
            "*.*",
            "localhost",
            "x-y_z.svc.cluster.local",
    };
    static const struct {
        const char *in, *why;
    } bad[] = {
            {"", "empty"},
            {".", "trailing dot"},
            {"*", "lone"},
            {"*.", "lone"},
            {"**.example.com", "**"},
            {"a.**", "**"},
            {"a..b", "empty label"},
            {".a", "empty label"},
            {"a.*.b", "first or the last"},
            {"example.com..", "empty label"},
            {"x.*.*.y", "first or the last"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        const char *m = rt_validate_dns_entry(ok[i], strlen(ok[i]));
        if (m)
            fail_msg("DNS '%s' rejected: %s", ok[i], m);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *m = rt_validate_dns_entry(bad[i].in, strlen(bad[i].in));
        if (!m)
            fail_msg("DNS '%s' accepted", bad[i].in);
        if (!strstr(m, bad[i].why))
            fail_msg("DNS '%s': message '%s' lacks '%s'", bad[i].in, m, bad[i].why);
    }
}

static void test_network_neighborhood(void **state)
{
    ks_arena *a = *state;
    rt_problems p;
    ks_error err = {0};
    /* Valid, with every kind of pattern. */
    kv_value nn = tu_json(
            a, "{\"kind\":\"NetworkNeighborhood\",\"spec\":{\"containers\":[{\"name\":\"c\","
               "\"egress\":[{\"identifier\":\"x\",\"ipAddresses\":[\"10.0.0.0/8\",\"*\"],"
               "\"ipAddress\":\"1.2.3.4\",\"dnsNames\":[\"*.svc.\",\"api.*\",\"a." D ".b\"],"
               "\"dns\":\"example.com\"},{\"identifier\":\"y\",\"ipAddress\":\"\",\"dns\":\"\"}],"
               "\"ingress\":null}],\"initContainers\":null}}");
    assert_int_equal(rt_validate_network_neighborhood(a, &nn, &p, &err), 0);
    assert_int_equal(p.n, 0);
    /* Problems in document order: containers, initContainers, ephemeral;
     * egress before ingress; ipAddresses, ipAddress, dnsNames, dns. */
    nn = tu_json(a,
                 "{\"spec\":{\"ephemeralContainers\":[{\"egress\":[{\"dns\":\"a..b\"}]}],"
                 "\"containers\":[{\"ingress\":[{\"ipAddresses\":[\"300.0.0.1\"]}],"
                 "\"egress\":[{\"identifier\":\"ok\"},{\"dnsNames\":[\"ok.com\",\"*\",7],"
                 "\"dns\":\"**.x\",\"ipAddress\":\"10.0.0.0/40\",\"ipAddresses\":[\"*\",\"x\"]}]}],"
                 "\"initContainers\":[{\"egress\":\"nope\"},\"c\"]}}");
    assert_int_equal(rt_validate_network_neighborhood(a, &nn, &p, &err), KS_EINVAL);
    static const struct {
        const char *field, *value;
    } want[] = {
            {"spec.containers[0].egress[1].ipAddresses[1]", "x"},
            {"spec.containers[0].egress[1].ipAddress", "10.0.0.0/40"},
            {"spec.containers[0].egress[1].dnsNames[1]", "*"},
            {"spec.containers[0].egress[1].dnsNames[2]", ""},
            {"spec.containers[0].egress[1].dns", "**.x"},
            {"spec.containers[0].ingress[0].ipAddresses[0]", "300.0.0.1"},
            {"spec.initContainers[0].egress", ""},
            {"spec.initContainers[1]", ""},
            {"spec.ephemeralContainers[0].egress[0].dns", "a..b"},
    };
    size_t nwant = sizeof(want) / sizeof(want[0]);
    if (p.n != nwant) {
        for (size_t i = 0; i < p.n; i++)
            print_error("%s = '%s': %s\n", p.items[i].field, p.items[i].value, p.items[i].msg);
        fail_msg("%zu problems, want %zu", p.n, nwant);
    }
    for (size_t i = 0; i < nwant; i++) {
        assert_string_equal(p.items[i].field, want[i].field);
        assert_string_equal(p.items[i].value, want[i].value);
        assert_true(p.items[i].msg[0] != '\0');
    }
    assert_string_equal(p.items[3].msg, "must be a string");
    assert_false(p.truncated);
    assert_non_null(strstr(err.msg, "spec.containers[0].egress[1].ipAddresses[1]"));
    assert_non_null(strstr(err.msg, "and more"));
    /* Not an object at all. */
    nn = tu_json(a, "[1]");
    assert_int_equal(rt_validate_network_neighborhood(a, &nn, &p, &err), KS_EINVAL);
    assert_int_equal(p.n, 1);
    nn = tu_json(a, "{\"spec\":[]}");
    assert_int_equal(rt_validate_network_neighborhood(a, &nn, &p, &err), KS_EINVAL);
    assert_string_equal(p.items[0].field, "spec");
    /* A spec passed directly. */
    nn = tu_json(a, "{\"containers\":[{\"egress\":[{\"ipAddresses\":[\"q\"]}]}]}");
    assert_int_equal(rt_validate_network_neighborhood(a, &nn, &p, &err), KS_EINVAL);
    assert_string_equal(p.items[0].field, "spec.containers[0].egress[0].ipAddresses[0]");
}

static void test_problem_bound(void **state)
{
    ks_arena *a = *state;
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "{\"spec\":{\"containers\":[{\"egress\":[{\"dnsNames\":[");
    for (int i = 0; i < 5000; i++)
        ks_buf_printf(&b, "%s\"a..%d\"", i ? "," : "", i);
    ks_buf_puts(&b, "]}]}]}}");
    kv_value nn = tu_json(a, b.data);
    ks_buf_free(&b);
    rt_problems p;
    ks_error err = {0};
    assert_int_equal(rt_validate_network_neighborhood(a, &nn, &p, &err), KS_EINVAL);
    assert_int_equal(p.n, RT_MAX_PROBLEMS);
    assert_true(p.truncated);
    assert_string_equal(p.items[99].field, "spec.containers[0].egress[0].dnsNames[99]");
    /* Out of memory is an error, never "valid". */
    ks_arena small;
    ks_arena_init(&small, NULL, 1);
    assert_int_equal(rt_validate_network_neighborhood(&small, &nn, &p, &err), KS_ELIMIT);
    ks_arena_free(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ip_entries),
            cmocka_unit_test(test_dns_entries),
            cmocka_unit_test_setup_teardown(test_network_neighborhood, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_problem_bound, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
