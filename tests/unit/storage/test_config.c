/* The storage role's config.json (spec storage.md §10.2): defaults, upstream
 * keys, viper's weak typing, per-kind queues, and errors naming the key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/storage/storage.h"
#include "testutil.h"

static char path[512];

static int write_config(const char *text)
{
    static char *dir;
    if (!dir)
        dir = tu_tmpdir();
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static size_t kind_index(const char *plural)
{
    const spdx_kind *k = spdx_kind_find(plural, strlen(plural));
    assert_non_null(k);
    return (size_t)(k - spdx_kinds);
}

static void test_defaults(void **state)
{
    (void)state;
    spdx_config c;
    spdx_config_defaults(&c);
    assert_string_equal(c.default_namespace, "kubescape");
    assert_string_equal(c.bind_address, "::");
    assert_int_equal(c.bind_port, 8443);
    assert_true(c.queue_manager_enabled);
    assert_int_equal(c.max_application_profile_size, 40000);
    size_t vm = kind_index("vulnerabilitymanifests");
    assert_int_equal(c.limits[vm].queue_length, 50);
    assert_int_equal(c.limits[vm].worker_count, 1);
    assert_int_equal(c.limits[vm].max_object_size, 50000000);
    size_t wcs = kind_index("workloadconfigurationscans");
    assert_int_equal(c.limits[wcs].max_object_size, SPDX_DEFAULT_MAX_OBJECT);
    /* a missing optional file leaves the defaults */
    ks_error err = {0};
    assert_int_equal(spdx_config_load(&c, "/nonexistent/config.json", true, &err), 0);
    assert_int_equal(spdx_config_load(&c, "/nonexistent/config.json", false, &err), KS_ENOENT);
}

static void test_keys_and_weak_types(void **state)
{
    (void)state;
    spdx_config c;
    spdx_config_defaults(&c);
    assert_int_equal(write_config("{\"serverBindPort\": \"9443\", \"serverBindAddress\": "
                                  "\"127.0.0.1\", \"disableVirtualCRDs\": \"true\", "
                                  "\"disableSeccompProfileEndpoint\": true, \"defaultNamespace\": "
                                  "\"ks\", \"hostType\": \"kubernetes\", \"somethingNew\": [1],"
                                  "\"tlsServerCertFile\": \"/c.pem\", \"cleanupInterval\": \"6h\","
                                  "\"maxApplicationProfileSize\": 5}"),
                     0);
    ks_error err = {0};
    assert_int_equal(spdx_config_load(&c, path, false, &err), 0);
    assert_int_equal(c.bind_port, 9443);
    assert_string_equal(c.bind_address, "127.0.0.1");
    assert_true(c.disable_virtual_crds);
    assert_true(c.disable_seccomp_endpoint);
    assert_string_equal(c.default_namespace, "ks");
    assert_string_equal(c.tls_server_cert_file, "/c.pem");
    assert_string_equal(c.cleanup_interval, "6h");
    assert_int_equal(c.max_application_profile_size, 5);
}

static void test_queues(void **state)
{
    (void)state;
    spdx_config c;
    spdx_config_defaults(&c);
    assert_int_equal(
            write_config(
                    "{\"defaultQueueLength\": 7, \"defaultWorkerCount\": 3, "
                    "\"defaultMaxObjectSize\": 1000, \"kindQueues\": {\"sbomsyfts\": "
                    "{\"queueLength\": 5, \"workerCount\": 4, \"maxObjectSize\": \"2000\"}, "
                    "\"workloadconfigurationscans\": {\"maxObjectSize\": 99}, \"nosuch\": {}}}"),
            0);
    ks_error err = {0};
    assert_int_equal(spdx_config_load(&c, path, false, &err), 0);
    size_t sb = kind_index("sbomsyfts"), wcs = kind_index("workloadconfigurationscans");
    size_t wcss = kind_index("workloadconfigurationscansummaries");
    size_t vm = kind_index("vulnerabilitymanifests");
    assert_int_equal(c.limits[sb].queue_length, 5);
    assert_int_equal(c.limits[sb].worker_count, 4);
    assert_int_equal(c.limits[sb].max_object_size, 2000);
    /* named in kindQueues: only the given field changes, defaults not applied */
    assert_int_equal(c.limits[wcs].max_object_size, 99);
    assert_int_equal(c.limits[wcs].queue_length, SPDX_DEFAULT_QUEUE_LENGTH);
    /* a kind without a queue of its own takes the defaults */
    assert_int_equal(c.limits[wcss].queue_length, 7);
    assert_int_equal(c.limits[wcss].worker_count, 3);
    assert_int_equal(c.limits[wcss].max_object_size, 1000);
    /* a kind with its own queue keeps it */
    assert_int_equal(c.limits[vm].queue_length, 50);
}

static void expect_error(const char *text, const char *want)
{
    spdx_config c;
    spdx_config_defaults(&c);
    assert_int_equal(write_config(text), 0);
    ks_error err = {0};
    assert_true(spdx_config_load(&c, path, false, &err) < 0);
    if (!strstr(err.msg, want) && !strstr(err.source, want))
        fail_msg("error %s (source %s) does not mention %s", err.msg, err.source, want);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{\"serverBindPort\": \"http\"}", "serverBindPort");
    expect_error("{\"serverBindPort\": 70000}", "serverBindPort");
    expect_error("{\"disableVirtualCRDs\": \"yes\"}", "disableVirtualCRDs");
    expect_error("{\"defaultNamespace\": 5}", "defaultNamespace");
    expect_error("{\"kindQueues\": []}", "kindQueues");
    expect_error("{\"kindQueues\": {\"sbomsyfts\": {\"workerCount\": -1}}}", "workerCount");
    expect_error("[1, 2]", "JSON object");
    expect_error("{\"serverBindPort\": 1,", "config.json"); /* malformed: names the file */
    spdx_config c;
    spdx_config_defaults(&c);
    ks_error err = {0};
    assert_true(spdx_config_load(&c, path, false, &err) < 0);
    assert_int_equal(err.line, 1); /* and the position */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_defaults),
            cmocka_unit_test(test_keys_and_weak_types),
            cmocka_unit_test(test_queues),
            cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
