/* kube/kubeconfig.h: clientcmd's loading order and merge rules, relative
 * paths, -data fields, contexts, validation, plugins refused, in-cluster. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/mem.h"
#include "kube/kubeconfig.h"
#include "testutil.h"

/* ---- a fake environment and files in a temporary directory ---- */

static char *g_dir;
static const char *g_env[8][2];

static const char *fake_getenv(const char *name)
{
    for (size_t i = 0; i < 8 && g_env[i][0]; i++)
        if (strcmp(g_env[i][0], name) == 0)
            return g_env[i][1];
    return NULL;
}

static void setenv_fake(const char *name, const char *value)
{
    for (size_t i = 0; i < 8; i++) {
        if (!g_env[i][0] || strcmp(g_env[i][0], name) == 0) {
            g_env[i][0] = name;
            g_env[i][1] = value;
            return;
        }
    }
    fail_msg("too many variables");
}

static char g_path[8][512];
static int g_npath;

/* Writes text to DIR/name (subdirectories made); its full path. */
static const char *put(const char *name, const char *text)
{
    char *path = g_path[g_npath++ % 8];
    snprintf(path, 512, "%s/%s", g_dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    ks_error err;
    assert_int_equal(ks_mkdir_p(path, 0700, &err), 0);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int setup(void **state)
{
    (void)state;
    g_dir = tu_tmpdir();
    memset(g_env, 0, sizeof g_env);
    g_npath = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(g_dir);
    ks_xfree(g_dir);
    return 0;
}

static kube_load_opts opts(const char *path)
{
    return (kube_load_opts){.path = path, .getenv = fake_getenv, .no_in_cluster = true};
}

static const char one[] = "apiVersion: v1\n"
                          "kind: Config\n"
                          "current-context: dev\n"
                          "clusters:\n"
                          "- name: c1\n"
                          "  cluster:\n"
                          "    server: https://10.1.2.3:6443/\n"
                          "    certificate-authority-data: Q0EgUEVN\n" /* "CA PEM" */
                          "    tls-server-name: api.internal\n"
                          "    proxy-url: http://proxy:3128\n"
                          "users:\n"
                          "- name: u1\n"
                          "  user:\n"
                          "    client-certificate-data: Q0VSVA==\n" /* "CERT" */
                          "    client-key-data: S0VZ\n"             /* "KEY" */
                          "    as: jane\n"
                          "    as-groups: [devs, ops]\n"
                          "- name: u2\n"
                          "  user: {token: abc.def}\n"
                          "contexts:\n"
                          "- name: dev\n"
                          "  context: {cluster: c1, user: u1, namespace: team-a}\n"
                          "- name: other\n"
                          "  context: {cluster: c1, user: u2}\n";

static void test_inline_data(void **state)
{
    (void)state;
    kube_load_opts o = opts(put("config", one));
    kube_client_config c;
    ks_error err = {0};
    assert_int_equal(kube_config_load(&o, &c, &err), 0);
    assert_string_equal(c.context, "dev");
    assert_string_equal(c.cluster, "c1");
    assert_string_equal(c.user, "u1");
    assert_string_equal(c.server, "https://10.1.2.3:6443");
    assert_string_equal(c.tls_server_name, "api.internal");
    assert_string_equal(c.proxy_url, "http://proxy:3128");
    assert_int_equal(c.ca_len, 6);
    assert_memory_equal(c.ca_pem, "CA PEM", 6);
    assert_string_equal(c.cert_pem, "CERT");
    assert_string_equal(c.key_pem, "KEY");
    assert_null(c.ca_file); /* from -data: no file */
    assert_null(c.cert_file);
    assert_null(c.token);
    assert_string_equal(c.impersonate_user, "jane");
    assert_int_equal(c.nimpersonate_groups, 2);
    assert_string_equal(c.impersonate_groups[1], "ops");
    assert_string_equal(c.namespace, "team-a");
    assert_false(c.insecure);
    assert_false(c.in_cluster);
    kube_client_config_free(&c);

    o.context = "other";
    assert_int_equal(kube_config_load(&o, &c, &err), 0);
    assert_string_equal(c.token, "abc.def");
    assert_null(c.cert_pem);
    assert_string_equal(c.namespace, "default");
    kube_client_config_free(&c);

    o.context = "nope";
    assert_int_equal(kube_config_load(&o, &c, &err), KS_ENOENT);
    assert_non_null(strstr(err.msg, "no context named \"nope\""));
}

static void test_relative_paths(void **state)
{
    (void)state;
    put("sub/pki/ca.crt", "FILE CA");
    put("sub/pki/me.crt", "FILE CERT");
    put("sub/pki/me.key", "FILE KEY");
    put("sub/tok", "  tok-123 \n");
    const char *path = put("sub/kubeconfig", "current-context: x\n"
                                             "clusters: [{name: c, cluster: {server: 'k8s:443', "
                                             "certificate-authority: pki/ca.crt}}]\n"
                                             "users: [{name: u, user: {client-certificate: "
                                             "pki/me.crt, client-key: pki/me.key}},\n"
                                             "        {name: t, user: {tokenFile: tok}}]\n"
                                             "contexts: [{name: x, context: {cluster: c, user: "
                                             "u}}, {name: y, context: {cluster: c, user: t}}]\n");
    kube_load_opts o = opts(path);
    kube_client_config c;
    ks_error err = {0};
    assert_int_equal(kube_config_load(&o, &c, &err), 0);
    assert_string_equal(c.server, "https://k8s:443"); /* a bare host:port is https */
    assert_string_equal(c.ca_pem, "FILE CA");
    assert_string_equal(c.cert_pem, "FILE CERT");
    assert_string_equal(c.key_pem, "FILE KEY");
    assert_non_null(strstr(c.ca_file, "/sub/pki/ca.crt"));
    assert_non_null(strstr(c.key_file, "/sub/pki/me.key"));
    kube_client_config_free(&c);
    o.context = "y";
    assert_int_equal(kube_config_load(&o, &c, &err), 0);
    assert_string_equal(c.token, "  tok-123"); /* trailing space and newline trimmed */
    assert_non_null(strstr(c.token_file, "/sub/tok"));
    kube_client_config_free(&c);

    /* a file that is not there is named with its field */
    put("sub/kubeconfig", "current-context: x\n"
                          "clusters: [{name: c, cluster: {server: 'https://k', "
                          "certificate-authority: missing.crt}}]\n"
                          "contexts: [{name: x, context: {cluster: c}}]\n");
    assert_int_equal(kube_config_load(&o, &c, &err), KS_ENOENT);
    o.context = NULL;
    assert_int_equal(kube_config_load(&o, &c, &err), KS_ENOENT);
    assert_non_null(strstr(err.msg, "certificate-authority"));
    assert_non_null(strstr(err.msg, "missing.crt"));
}

static void test_merge(void **state)
{
    (void)state;
    char list[1200];
    const char *a = put("a", "clusters: [{name: c, cluster: {server: 'https://first'}}]\n"
                             "contexts: [{name: x, context: {cluster: c, user: u}}]\n");
    const char *b = put("b", "current-context: x\n"
                             "clusters: [{name: c, cluster: {server: 'https://second'}}]\n"
                             "users: [{name: u, user: {token: from-b}}]\n"
                             "contexts: [{name: x, context: {cluster: nope}}]\n");
    snprintf(list, sizeof list, "%s/absent:%s::%s", g_dir, a, b);
    setenv_fake("KUBECONFIG", list);
    kube_load_opts o = opts(NULL);
    kube_client_config c;
    ks_error err = {0};
    assert_int_equal(kube_config_load(&o, &c, &err), 0);
    /* the first file naming an entry wins it; the first current-context */
    assert_string_equal(c.server, "https://first");
    assert_string_equal(c.token, "from-b");
    assert_non_null(strstr(c.source, "/a:"));
    assert_null(strstr(c.source, "absent"));
    kube_client_config_free(&c);

    /* none of the files exists, no HOME config, not in a cluster */
    snprintf(list, sizeof list, "%s/x:%s/y", g_dir, g_dir);
    setenv_fake("KUBECONFIG", list);
    assert_int_equal(kube_config_load(&o, &c, &err), KS_ENOENT);
    assert_non_null(strstr(err.msg, "none of the files in KUBECONFIG exists"));

    /* an explicit path must exist */
    o.path = list;
    assert_int_equal(kube_config_load(&o, &c, &err), KS_ENOENT);
}

static void expect(const char *text, int code, const char *needle)
{
    kube_load_opts o = opts(put("bad", text));
    kube_client_config c;
    ks_error err = {0};
    int rc = kube_config_load(&o, &c, &err);
    if (rc != code || !strstr(err.msg, needle))
        fail_msg("%s\n-> %d %s (wanted %d, \"%s\")", text, rc, err.msg, code, needle);
}

#define CTX "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"

static void test_refused(void **state)
{
    (void)state;
    expect(CTX "clusters: [{name: c, cluster: {server: 'https://k'}}]\n"
               "users: [{name: u, user: {exec: {command: aws-iam-authenticator}}}]\n",
           KS_EUNSUPPORTED, "exec plugin (aws-iam-authenticator)");
    expect(CTX "clusters: [{name: c, cluster: {server: 'https://k'}}]\n"
               "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n",
           KS_EUNSUPPORTED, "auth-provider");
    expect(CTX "clusters: [{name: c, cluster: {server: 'https://k', insecure-skip-tls-verify: "
               "true, certificate-authority-data: QQ==}}]\n"
               "users: [{name: u, user: {}}]\n",
           KS_EINVAL, "insecure flag is not allowed");
    expect(CTX "clusters: [{name: c, cluster: {server: 'https://k'}}]\n"
               "users: [{name: u, user: {client-certificate-data: QQ==}}]\n",
           KS_EINVAL, "client certificate without its key");
    expect(CTX "clusters: [{name: c, cluster: {server: 'https://k'}}]\n"
               "users: [{name: u, user: {token: t, username: a, password: b}}]\n",
           KS_EINVAL, "not both");
    expect(CTX "clusters: [{name: c, cluster: {server: 'https://k', "
               "certificate-authority-data: 'not*base64'}}]\n",
           KS_EPARSE, "is not base64 (at byte 3)");
    expect(CTX "clusters: [{name: c, cluster: {}}]\n", KS_EINVAL, "has no server");
    expect(CTX "clusters: [{name: c, cluster: {server: 'ftp://k'}}]\n", KS_EINVAL,
           "not an http(s) URL");
    expect(CTX "clusters: [{name: c, cluster: {server: [1]}}]\n", KS_EPARSE,
           "server must be a string");
    expect(CTX "clusters: {c: 1}\n", KS_EPARSE, "clusters must be a list");
    expect(CTX, KS_ENOENT, "no cluster named \"c\"");
    expect("contexts: [{name: x, context: {cluster: c}}]\n", KS_ENOENT, "no current-context");
    expect("clusters: [\n  - {name: c\n", KS_EPARSE, "");
    expect("- just\n- a list\n", KS_EPARSE, "must be a mapping");
    expect(CTX "clusters: [{name: c, cluster: {server: 'https://k'}}]\n"
               "users: [{name: u, user: {tokenFile: /nonexistent/kso-token}}]\n",
           KS_ENOENT, "tokenFile");
}

static void test_in_cluster(void **state)
{
    (void)state;
    put("sa/token", "sa-token\n");
    put("sa/ca.crt", "SA CA");
    put("sa/namespace", "kubescape\n");
    char sa[600];
    snprintf(sa, sizeof sa, "%s/sa", g_dir);
    setenv_fake("KUBERNETES_SERVICE_HOST", "fd00::1");
    setenv_fake("KUBERNETES_SERVICE_PORT", "443");
    setenv_fake("HOME", g_dir); /* no .kube/config there */
    kube_load_opts o = {.getenv = fake_getenv, .sa_dir = sa};
    kube_client_config c;
    ks_error err = {0};
    assert_int_equal(kube_config_load(&o, &c, &err), 0);
    assert_true(c.in_cluster);
    assert_string_equal(c.server, "https://[fd00::1]:443");
    assert_string_equal(c.token, "sa-token");
    assert_non_null(strstr(c.token_file, "/sa/token"));
    assert_string_equal(c.ca_pem, "SA CA");
    assert_string_equal(c.namespace, "kubescape");
    assert_string_equal(c.source, "in-cluster");
    kube_client_config_free(&c);

    /* a kubeconfig in HOME comes first */
    put(".kube/config", CTX "clusters: [{name: c, cluster: {server: 'https://home'}}]\n"
                            "users: [{name: u, user: {}}]\n");
    assert_int_equal(kube_config_load(&o, &c, &err), 0);
    assert_false(c.in_cluster);
    assert_string_equal(c.server, "https://home");
    kube_client_config_free(&c);

    /* no token file: the error says which file */
    snprintf(sa, sizeof sa, "%s/nosa", g_dir);
    assert_int_equal(kube_config_in_cluster(&o, &c, &err), KS_ENOENT);
    assert_non_null(strstr(err.msg, "service account token"));
    setenv_fake("KUBERNETES_SERVICE_HOST", "");
    assert_int_equal(kube_config_in_cluster(&o, &c, &err), KS_ENOENT);
    assert_non_null(strstr(err.msg, "not in a cluster"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_inline_data, setup, teardown),
            cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
            cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_in_cluster, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
