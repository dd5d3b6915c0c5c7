/*
 * Fuzz target for kubeconfig loading (kube/kubeconfig.h). The input is the
 * kubeconfig file (written to a private temporary directory that also holds
 * a CA, a certificate, a key and a token file its entries may name). For any
 * input kube_config_load either fails with a negative code and a message, or
 * returns a configuration that keeps clientcmd's rules: an http(s) server
 * without a trailing '/', a namespace, a client certificate only with its
 * key, no CA with insecure-skip-tls-verify, no token with a password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "fuzz.h"
#include "kube/kubeconfig.h"

static char g_dir[64];

static void put(const char *name, const void *data, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL, "cannot write the fuzz directory");
    if (n)
        FUZZ_CHECK(fwrite(data, 1, n, f) == n, "short write");
    fclose(f);
}

static const char *no_env(const char *name)
{
    (void)name;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/kso-fuzz-kubeconfig-XXXXXX");
        FUZZ_CHECK(mkdtemp(g_dir) != NULL, "mkdtemp");
        put("ca.crt", "CA", 2);
        put("c.crt", "CERT", 4);
        put("c.key", "KEY", 3);
        put("token", "tok\n", 4);
    }
    put("config", data, size);
    char path[128];
    snprintf(path, sizeof path, "%s/config", g_dir);
    kube_load_opts o = {.path = path, .getenv = no_env, .no_in_cluster = true};
    kube_client_config c;
    ks_error err = {0};
    int rc = kube_config_load(&o, &c, &err);
    if (rc) {
        FUZZ_CHECK(rc < 0, "error code is not negative");
        FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
        return 0;
    }
    FUZZ_CHECK(c.server && (strncmp(c.server, "https://", 8) == 0 ||
                            strncmp(c.server, "http://", 7) == 0),
               "server is not an http(s) URL");
    size_t n = strlen(c.server);
    FUZZ_CHECK(c.server[n - 1] != '/', "trailing slash kept");
    FUZZ_CHECK(c.namespace && c.namespace[0], "no namespace");
    FUZZ_CHECK(!c.cert_pem == !c.key_pem, "certificate without key");
    FUZZ_CHECK(!(c.insecure && c.ca_pem), "CA with insecure");
    FUZZ_CHECK(!(c.token && (c.username || c.password)), "token with basic auth");
    FUZZ_CHECK(c.context && c.cluster, "no context or cluster");
    kube_client_config_free(&c);
    return 0;
}
