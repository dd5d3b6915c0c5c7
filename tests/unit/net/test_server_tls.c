/* net/server.h over TLS: a self-signed server certificate verified by curl,
 * and client certificates from two trusted bundles ("client-ca" and
 * "requestheader-client-ca"), an unknown CA, a forged CA with a trusted
 * CA's name, a certificate for the wrong purpose, and none at all. */
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/file.h"
#include "core/mem.h"
#include "net/server.h"
#include "net/tls.h"
#include "testutil.h"

typedef struct fixture {
    char *dir;
    char srv_cert[512], srv_key[512];
    char *ca1, *ca1_key, *ca2, *ca2_key;
    net_server *s;
} fixture;

static atomic_int freed[4];

/* ctx: {sent, how many to send} */
static int produce(void *ctx, ks_buf *out, int wait_ms, bool stopping)
{
    int *n = ctx;
    (void)wait_ms;
    (void)stopping;
    struct timespec ts = {0, 5000000L};
    nanosleep(&ts, NULL);
    ks_buf_printf(out, "{\"type\":\"ADDED\",\"n\":%d}\n", n[0]++);
    return n[0] >= n[1] ? NET_STREAM_END : NET_STREAM_MORE;
}

static void produce_free(void *ctx, enum net_stream_close why)
{
    ks_xfree(ctx);
    atomic_fetch_add(&freed[why], 1);
}

/* Answers with what it knows of the client certificate. */
static void handler(void *ctx, const net_request *r, net_response *resp)
{
    (void)ctx;
    const char *first = net_request_segment(r, 0);
    if (first && strcmp(first, "watch") == 0) {
        /* no status: a stream's is 200 */
        int *n = ks_xcalloc(2, sizeof(int));
        const char *count = net_request_query(r, "n");
        n[1] = count ? (int)strtol(count, NULL, 10) : 1000;
        net_response_stream(resp, produce, produce_free, n);
        return;
    }
    const net_client_cert *c = net_request_client_cert(r);
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b, "present=%d verified=%d bundle=%d name=%s cn=%s orgs=", c->present,
                  c->verified, c->bundle, c->bundle_name ? c->bundle_name : "-",
                  c->cn ? c->cn : "-");
    for (size_t i = 0; i < c->norgs; i++)
        ks_buf_printf(&b, "%s%s", i ? "," : "", c->orgs[i]);
    ks_buf_printf(&b, " reason=%s", c->reason ? c->reason : "-");
    size_t len;
    char *body = ks_buf_detach(&b, &len);
    net_response_status(resp, 200);
    net_response_body_owned(resp, body, len);
}

static void write_file(const char *dir, const char *name, const char *data, char *path, size_t size)
{
    ks_error err;
    snprintf(path, size, "%s/%s", dir, name);
    assert_int_equal(ks_file_write_atomic(path, data, strlen(data), 0600, &err), 0);
}

static int setup(void **state)
{
    fixture *f = ks_xcalloc(1, sizeof *f);
    ks_error err;
    char *cert, *key;
    f->dir = tu_tmpdir();
    if (net_tls_selfsigned(NULL, NULL, 2, &cert, &key, &err) < 0 ||
        net_tls_ca_create("client-ca", 2, &f->ca1, &f->ca1_key, &err) < 0 ||
        net_tls_ca_create("front-proxy-ca", 2, &f->ca2, &f->ca2_key, &err) < 0)
        return -1;
    write_file(f->dir, "tls.crt", cert, f->srv_cert, sizeof f->srv_cert);
    write_file(f->dir, "tls.key", key, f->srv_key, sizeof f->srv_key);
    char ca2_path[512];
    write_file(f->dir, "front-proxy-ca.crt", f->ca2, ca2_path, sizeof ca2_path);
    ks_xfree(cert);
    ks_xfree(key);
    net_ca_bundle cas[] = {
            {.name = "client-ca", .pem = f->ca1},
            {.name = "requestheader-client-ca", .file = ca2_path},
    };
    net_server_opts o = {.cert_file = f->srv_cert,
                         .key_file = f->srv_key,
                         .client_cas = cas,
                         .nclient_cas = 2,
                         .stream_poll_ms = 50,
                         .handler = handler};
    if (net_server_start(&o, &f->s, &err) < 0) {
        print_error("start: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    net_server_stop(f->s);
    tu_rmtree(f->dir);
    ks_xfree(f->dir);
    ks_xfree(f->ca1);
    ks_xfree(f->ca1_key);
    ks_xfree(f->ca2);
    ks_xfree(f->ca2_key);
    ks_xfree(f);
    return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    ks_buf_append(ud, p, size * n);
    return size * n;
}

/* A handle for https://localhost:port that trusts the server's certificate
 * and presents the given client certificate (NULLs: none). */
static CURL *client(const fixture *f, const char *path, const char *cert, const char *key,
                    ks_buf *body)
{
    CURL *h = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "https://localhost:%u%s", net_server_port(f->s), path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, f->srv_cert);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    if (cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, key);
    }
    return h;
}

/* Signs a client certificate and writes it and its key to files. */
static void client_cert(const fixture *f, const char *ca, const char *ca_key, const char *cn,
                        unsigned usage, char *cert_path, char *key_path)
{
    const char *orgs[] = {"system:masters", "dev"};
    net_tls_cert_req req = {.cn = cn, .orgs = orgs, .norgs = 2, .usage = usage};
    char *cert, *key;
    ks_error err;
    if (net_tls_sign(ca, ca_key, &req, &cert, &key, &err) < 0)
        fail_msg("sign: %s", err.msg);
    char name[64];
    snprintf(name, sizeof name, "%s.crt", cn);
    write_file(f->dir, name, cert, cert_path, 512);
    snprintf(name, sizeof name, "%s.key", cn);
    write_file(f->dir, name, key, key_path, 512);
    ks_xfree(cert);
    ks_xfree(key);
}

/* GET path with the given client certificate; returns the body. */
static char *whoami(const fixture *f, const char *cert, const char *key)
{
    ks_buf body = KS_BUF_INIT;
    CURL *h = client(f, "/whoami", cert, key, &body);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        fail_msg("curl: %s", curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 200);
    curl_easy_cleanup(h);
    char *s = ks_buf_detach(&body, NULL);
    return s;
}

static void test_server_certificate(void **state)
{
    fixture *f = *state;
    assert_true(net_server_is_tls(f->s));
    char *got = whoami(f, NULL, NULL);
    assert_string_equal(got, "present=0 verified=0 bundle=-1 name=- cn=- orgs= reason=-");
    ks_xfree(got);
    /* without the certificate as CA curl refuses the server */
    ks_buf body = KS_BUF_INIT;
    CURL *h = client(f, "/whoami", NULL, NULL, &body);
    char bogus[512];
    write_file(f->dir, "bogus-ca.crt", f->ca1, bogus, sizeof bogus);
    curl_easy_setopt(h, CURLOPT_CAINFO, bogus);
    assert_int_equal(curl_easy_perform(h), CURLE_PEER_FAILED_VERIFICATION);
    curl_easy_cleanup(h);
    /* TLS 1.1 and older are refused; 1.2 and 1.3 are served */
    long versions[][2] = {
            {CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_1, 0},
            {CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2, 1},
            {CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3, 1},
    };
    for (size_t i = 0; i < 3; i++) {
        h = client(f, "/whoami", NULL, NULL, &body);
        curl_easy_setopt(h, CURLOPT_SSLVERSION, versions[i][0]);
        CURLcode vrc = curl_easy_perform(h);
        if (versions[i][1])
            assert_int_equal(vrc, CURLE_OK);
        else
            assert_int_not_equal(vrc, CURLE_OK);
        curl_easy_cleanup(h);
    }
    /* plain HTTP to the TLS port gets no HTTP answer, and the server lives on */
    h = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://localhost:%u/whoami", net_server_port(f->s));
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    assert_true(rc != CURLE_OK || status != 200);
    curl_easy_cleanup(h);
    ks_buf_free(&body);
    got = whoami(f, NULL, NULL);
    ks_xfree(got);
}

static void test_client_certificates(void **state)
{
    fixture *f = *state;
    char cert[512], key[512];
    char *got;

    client_cert(f, f->ca1, f->ca1_key, "alice", NET_TLS_CLIENT, cert, key);
    got = whoami(f, cert, key);
    assert_string_equal(
            got, "present=1 verified=1 bundle=0 name=client-ca cn=alice orgs=system:masters,dev "
                 "reason=-");
    ks_xfree(got);

    client_cert(f, f->ca2, f->ca2_key, "front-proxy-client", NET_TLS_CLIENT, cert, key);
    got = whoami(f, cert, key);
    assert_string_equal(got, "present=1 verified=1 bundle=1 name=requestheader-client-ca "
                             "cn=front-proxy-client orgs=system:masters,dev reason=-");
    ks_xfree(got);

    /* a CA with client-ca's name but another key: sent, never verified */
    char *forged, *forged_key;
    ks_error err;
    assert_int_equal(net_tls_ca_create("client-ca", 2, &forged, &forged_key, &err), 0);
    client_cert(f, forged, forged_key, "eve", NET_TLS_CLIENT, cert, key);
    got = whoami(f, cert, key);
    assert_non_null(strstr(got, "present=1 verified=0 bundle=-1 name=- cn=eve "));
    assert_null(strstr(got, "reason=-"));
    ks_xfree(got);
    ks_xfree(forged);
    ks_xfree(forged_key);

    /* an unknown CA: the client may not even send it (the server names
     * the CAs it accepts); either way it is not verified */
    char *unknown, *unknown_key;
    assert_int_equal(net_tls_ca_create("unknown-ca", 2, &unknown, &unknown_key, &err), 0);
    client_cert(f, unknown, unknown_key, "mallory", NET_TLS_CLIENT, cert, key);
    got = whoami(f, cert, key);
    assert_non_null(strstr(got, "verified=0 bundle=-1 name=- "));
    ks_xfree(got);
    ks_xfree(unknown);
    ks_xfree(unknown_key);

    /* a server certificate from a trusted CA is not a client certificate */
    client_cert(f, f->ca1, f->ca1_key, "webserver", NET_TLS_SERVER, cert, key);
    got = whoami(f, cert, key);
    assert_string_equal(got, "present=1 verified=0 bundle=-1 name=- cn=webserver "
                             "orgs=system:masters,dev reason=certificate not for client "
                             "authentication");
    ks_xfree(got);
}

static void test_keepalive_keeps_identity(void **state)
{
    fixture *f = *state;
    char cert[512], key[512];
    client_cert(f, f->ca1, f->ca1_key, "carol", NET_TLS_CLIENT, cert, key);
    ks_buf body = KS_BUF_INIT;
    CURL *h = client(f, "/whoami", cert, key, &body);
    for (int i = 0; i < 3; i++) {
        ks_buf_reset(&body);
        assert_int_equal(curl_easy_perform(h), CURLE_OK);
        long connects = -1;
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
        assert_int_equal(connects, i == 0 ? 1 : 0);
        assert_non_null(strstr(ks_buf_cstr(&body), "verified=1 bundle=0 name=client-ca cn=carol"));
    }
    curl_easy_cleanup(h);
    ks_buf_free(&body);
}

typedef struct counter {
    ks_buf data;
    int lines, stop_after;
} counter;

static size_t on_stream(char *p, size_t size, size_t n, void *ud)
{
    counter *c = ud;
    ks_buf_append(&c->data, p, size * n);
    for (size_t i = 0; i < size * n; i++)
        c->lines += p[i] == '\n';
    return c->stop_after && c->lines >= c->stop_after ? 0 : size * n;
}

static void test_stream_over_tls(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 4; i++)
        atomic_store(&freed[i], 0);
    counter c = {.stop_after = 3};
    CURL *h = client(f, "/watch", NULL, NULL, NULL);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
    assert_int_equal(curl_easy_perform(h), CURLE_WRITE_ERROR);
    assert_true(strncmp(ks_buf_cstr(&c.data),
                        "{\"type\":\"ADDED\",\"n\":0}\n{\"type\":\"ADDED\",\"n\":1}\n", 46) == 0);
    curl_easy_cleanup(h);
    /* the producer learns that the client left */
    for (int i = 0; i < 2000 && atomic_load(&freed[NET_STREAM_CLOSED_CLIENT]) == 0; i++) {
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&freed[NET_STREAM_CLOSED_CLIENT]), 1);
    ks_buf_free(&c.data);
}

/* kubectl (Go's TLS and HTTP client, as client-go and the aggregator use
 * them) against the server, with a client certificate; skipped without
 * kubectl. */
static void test_kubectl(void **state)
{
    fixture *f = *state;
    if (system("kubectl version --client >/dev/null 2>&1") != 0)
        skip();
    char cert[512], key[512], kubeconfig[512];
    client_cert(f, f->ca1, f->ca1_key, "kube-user", NET_TLS_CLIENT, cert, key);
    /* an empty kubeconfig of its own: nothing from the user's, and not
     * /dev/null, which need not be what it should */
    write_file(f->dir, "kubeconfig", "", kubeconfig, sizeof kubeconfig);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "KUBECONFIG=%s/kubeconfig kubectl get --raw /whoami --server=https://localhost:%u "
             "--certificate-authority=%s --client-certificate=%s --client-key=%s 2>&1",
             f->dir, net_server_port(f->s), f->srv_cert, cert, key);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[1024] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    if (rc != 0)
        fail_msg("kubectl: %s", out);
    assert_non_null(strstr(out, "present=1 verified=1 bundle=0 name=client-ca cn=kube-user "
                                "orgs=system:masters,dev"));
    /* a chunked stream, read to its end */
    snprintf(
            cmd, sizeof cmd,
            "KUBECONFIG=%s/kubeconfig kubectl get --raw '/watch?n=3' --server=https://localhost:%u "
            "--certificate-authority=%s --client-certificate=%s --client-key=%s 2>&1",
            f->dir, net_server_port(f->s), f->srv_cert, cert, key);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    rc = pclose(p);
    if (rc != 0)
        fail_msg("kubectl: %s", out);
    assert_string_equal(out, "{\"type\":\"ADDED\",\"n\":0}\n{\"type\":\"ADDED\",\"n\":1}\n"
                             "{\"type\":\"ADDED\",\"n\":2}\n");
}

static void test_tls_without_client_cas(void **state)
{
    fixture *f = *state;
    char *cert, *key;
    ks_error err;
    assert_int_equal(net_tls_selfsigned(NULL, NULL, 1, &cert, &key, &err), 0);
    net_server_opts o = {.cert_pem = cert, .key_pem = key, .handler = handler};
    net_server *s;
    assert_int_equal(net_server_start(&o, &s, &err), 0);
    ks_xfree(cert);
    ks_xfree(key);
    char ccert[512], ckey[512];
    client_cert(f, f->ca1, f->ca1_key, "dave", NET_TLS_CLIENT, ccert, ckey);
    /* the server asks for no certificate: none is seen, none trusted */
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/whoami", net_server_port(s));
    ks_buf body = KS_BUF_INIT;
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_SSLCERT, ccert);
    curl_easy_setopt(h, CURLOPT_SSLKEY, ckey);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    assert_non_null(strstr(ks_buf_cstr(&body), "present=0 verified=0"));
    curl_easy_cleanup(h);
    ks_buf_free(&body);
    net_server_stop(s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_server_certificate),
            cmocka_unit_test(test_client_certificates),
            cmocka_unit_test(test_keepalive_keeps_identity),
            cmocka_unit_test(test_stream_over_tls),
            cmocka_unit_test(test_tls_without_client_cas),
            cmocka_unit_test(test_kubectl),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
