/* net/tls.h: certificates made by the helpers, read back with GnuTLS, and
 * client chains verified against trust bundles (right CA, unknown CA, a
 * forged CA with the same name, wrong purpose, junk). */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/mem.h"
#include "net/tls.h"
#include "testutil.h"

static gnutls_x509_crt_t parse_crt(const char *pem)
{
    gnutls_x509_crt_t crt;
    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    return crt;
}

/* The DER of a PEM certificate (heap, ks_xfree). */
static net_tls_der der_of(const char *pem)
{
    gnutls_x509_crt_t crt = parse_crt(pem);
    gnutls_datum_t out;
    assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &out), 0);
    unsigned char *copy = ks_xmalloc(out.size);
    memcpy(copy, out.data, out.size);
    net_tls_der d = {copy, out.size};
    gnutls_free(out.data);
    gnutls_x509_crt_deinit(crt);
    return d;
}

static void der_free(net_tls_der *d)
{
    ks_xfree((void *)d->data);
}

static void test_selfsigned(void **state)
{
    (void)state;
    const char *dns[] = {"storage.kubescape.svc", "localhost", NULL};
    const char *ips[] = {"10.0.0.7", "fd00::1", NULL};
    char *cert, *key;
    ks_error err;
    assert_int_equal(net_tls_selfsigned(dns, ips, 30, &cert, &key, &err), 0);
    assert_non_null(strstr(cert, "BEGIN CERTIFICATE"));
    assert_non_null(strstr(key, "PRIVATE KEY"));
    gnutls_x509_crt_t crt = parse_crt(cert);
    assert_true(gnutls_x509_crt_check_hostname(crt, "localhost"));
    assert_true(gnutls_x509_crt_check_hostname(crt, "storage.kubescape.svc"));
    assert_false(gnutls_x509_crt_check_hostname(crt, "evil.example.com"));
    unsigned char v4[4], v6[16], other[4];
    inet_pton(AF_INET, "127.0.0.1", v4);
    inet_pton(AF_INET6, "::1", v6);
    inet_pton(AF_INET, "10.0.0.8", other);
    assert_true(gnutls_x509_crt_check_ip(crt, v4, 4, 0));
    assert_true(gnutls_x509_crt_check_ip(crt, v6, 16, 0));
    inet_pton(AF_INET, "10.0.0.7", v4);
    assert_true(gnutls_x509_crt_check_ip(crt, v4, 4, 0));
    assert_false(gnutls_x509_crt_check_ip(crt, other, 4, 0));
    /* an ECDSA P-256 key, not a CA, valid for about 30 days */
    unsigned bits = 0;
    assert_int_equal(gnutls_x509_crt_get_pk_algorithm(crt, &bits), GNUTLS_PK_ECDSA);
    unsigned ca = 1;
    assert_true(gnutls_x509_crt_get_basic_constraints(crt, NULL, &ca, NULL) >= 0);
    assert_int_equal(ca, 0);
    time_t exp = gnutls_x509_crt_get_expiration_time(crt);
    time_t now = time(NULL);
    assert_true(exp > now + 29 * 86400 && exp <= now + 30 * 86400 + 60);
    char cn[128];
    size_t cnlen = sizeof cn;
    assert_int_equal(
            gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cnlen), 0);
    assert_string_equal(cn, "storage.kubescape.svc");
    gnutls_x509_crt_deinit(crt);
    /* the key matches the certificate */
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned)strlen(cert)};
    gnutls_datum_t k = {(unsigned char *)key, (unsigned)strlen(key)};
    assert_true(gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0) >=
                0);
    gnutls_certificate_free_credentials(cred);
    ks_xfree(cert);
    ks_xfree(key);

    /* no names: localhost */
    assert_int_equal(net_tls_selfsigned(NULL, NULL, 1, &cert, &key, &err), 0);
    crt = parse_crt(cert);
    assert_true(gnutls_x509_crt_check_hostname(crt, "localhost"));
    gnutls_x509_crt_deinit(crt);
    ks_xfree(cert);
    ks_xfree(key);
}

static void test_selfsigned_errors(void **state)
{
    (void)state;
    char *cert = (char *)"x", *key = (char *)"x";
    ks_error err;
    const char *bad_ip[] = {"300.1.1.1", NULL};
    assert_int_equal(net_tls_selfsigned(NULL, bad_ip, 30, &cert, &key, &err), KS_EINVAL);
    assert_non_null(strstr(err.msg, "300.1.1.1"));
    assert_null(cert);
    assert_null(key);
    assert_int_equal(net_tls_selfsigned(NULL, NULL, 0, &cert, &key, &err), KS_ERANGE);
    assert_int_equal(net_tls_selfsigned(NULL, NULL, NET_TLS_MAX_DAYS + 1, &cert, &key, &err),
                     KS_ERANGE);
    const char *many[NET_TLS_MAX_NAMES + 2];
    for (int i = 0; i < NET_TLS_MAX_NAMES + 1; i++)
        many[i] = "a.example";
    many[NET_TLS_MAX_NAMES + 1] = NULL;
    assert_int_equal(net_tls_selfsigned(many, NULL, 30, &cert, &key, &err), KS_ELIMIT);
    const char *empty[] = {"", NULL};
    assert_int_equal(net_tls_selfsigned(empty, NULL, 30, &cert, &key, &err), KS_EINVAL);
}

typedef struct pki {
    char *ca, *ca_key;         /* "client-ca" */
    char *other, *other_key;   /* an unrelated CA */
    char *forged, *forged_key; /* a different key under CA1's exact name */
} pki;

static int pki_setup(void **state)
{
    pki *p = ks_xcalloc(1, sizeof *p);
    ks_error err;
    if (net_tls_ca_create("client-ca", 10, &p->ca, &p->ca_key, &err) < 0 ||
        net_tls_ca_create("other-ca", 10, &p->other, &p->other_key, &err) < 0 ||
        net_tls_ca_create("client-ca", 10, &p->forged, &p->forged_key, &err) < 0)
        return -1;
    *state = p;
    return 0;
}

static int pki_teardown(void **state)
{
    pki *p = *state;
    ks_xfree(p->ca);
    ks_xfree(p->ca_key);
    ks_xfree(p->other);
    ks_xfree(p->other_key);
    ks_xfree(p->forged);
    ks_xfree(p->forged_key);
    ks_xfree(p);
    return 0;
}

static void sign(const char *ca, const char *ca_key, const char *cn, unsigned usage, char **cert,
                 char **key)
{
    const char *orgs[] = {"system:masters", "dev team"};
    net_tls_cert_req req = {.cn = cn, .orgs = orgs, .norgs = 2, .usage = usage, .days = 2};
    ks_error err;
    int rc = net_tls_sign(ca, ca_key, &req, cert, key, &err);
    if (rc < 0)
        fail_msg("sign: %s", err.msg);
}

static bool verify(const char *bundle, const char *leaf, const char **reason)
{
    net_tls_trust *t;
    ks_error err;
    assert_int_equal(net_tls_trust_new("client-ca", bundle, NULL, &t, &err), 0);
    net_tls_der d = der_of(leaf);
    bool ok = net_tls_trust_verify_client(t, &d, 1, reason);
    der_free(&d);
    net_tls_trust_free(t);
    return ok;
}

static void test_sign_and_verify(void **state)
{
    pki *p = *state;
    char *cert, *key;
    const char *reason = "unset";
    sign(p->ca, p->ca_key, "alice", NET_TLS_CLIENT, &cert, &key);
    assert_true(verify(p->ca, cert, &reason));
    assert_null(reason);
    /* a bundle of several CAs, the right one not first */
    ks_buf both = KS_BUF_INIT;
    ks_buf_puts(&both, p->other);
    ks_buf_puts(&both, p->ca);
    assert_true(verify(ks_buf_cstr(&both), cert, &reason));
    ks_buf_free(&both);
    /* subject: CN and the O values in order */
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    net_tls_der d = der_of(cert);
    const char *cn;
    const char *const *orgs;
    size_t norgs;
    ks_error err;
    assert_int_equal(net_tls_cert_subject(&d, &a, &cn, &orgs, &norgs, &err), 0);
    assert_string_equal(cn, "alice");
    assert_int_equal(norgs, 2);
    assert_string_equal(orgs[0], "system:masters");
    assert_string_equal(orgs[1], "dev team");
    /* the leaf is no CA: it cannot sign */
    char *c2, *k2;
    net_tls_cert_req req = {.cn = "mallory"};
    assert_int_equal(net_tls_sign(cert, key, &req, &c2, &k2, &err), KS_EINVAL);
    assert_non_null(strstr(err.msg, "not a CA"));
    der_free(&d);
    ks_arena_free(&a);
    ks_xfree(cert);
    ks_xfree(key);

    /* signed by an unrelated CA */
    sign(p->other, p->other_key, "bob", NET_TLS_CLIENT, &cert, &key);
    assert_false(verify(p->ca, cert, &reason));
    assert_string_equal(reason, "unknown issuer");
    ks_xfree(cert);
    ks_xfree(key);

    /* signed by a CA with the trusted CA's name but another key */
    sign(p->forged, p->forged_key, "eve", NET_TLS_CLIENT, &cert, &key);
    assert_false(verify(p->ca, cert, &reason));
    assert_non_null(reason);
    ks_xfree(cert);
    ks_xfree(key);

    /* a server certificate is not a client certificate */
    sign(p->ca, p->ca_key, "web", NET_TLS_SERVER, &cert, &key);
    assert_false(verify(p->ca, cert, &reason));
    assert_string_equal(reason, "certificate not for client authentication");
    ks_xfree(cert);
    ks_xfree(key);
    /* both purposes: fine */
    sign(p->ca, p->ca_key, "both", NET_TLS_SERVER | NET_TLS_CLIENT, &cert, &key);
    assert_true(verify(p->ca, cert, &reason));
    ks_xfree(cert);
    ks_xfree(key);
}

/* A client certificate signed by the trusted CA but outside its validity
 * (made here with GnuTLS directly: the helpers only make valid ones). */
static char *dated_cert(const pki *p, time_t from, time_t until)
{
    gnutls_x509_crt_t ca = parse_crt(p->ca), crt;
    gnutls_x509_privkey_t cakey, key;
    gnutls_datum_t k = {(unsigned char *)p->ca_key, (unsigned)strlen(p->ca_key)};
    assert_int_equal(gnutls_x509_privkey_init(&cakey), 0);
    assert_int_equal(gnutls_x509_privkey_import2(cakey, &k, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
    assert_int_equal(gnutls_x509_privkey_init(&key), 0);
    assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                                  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                                  0),
                     0);
    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    unsigned char serial[] = {0x42, 1, 2, 3};
    gnutls_x509_crt_set_version(crt, 3);
    gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    gnutls_x509_crt_set_activation_time(crt, from);
    gnutls_x509_crt_set_expiration_time(crt, until);
    gnutls_x509_crt_set_key(crt, key);
    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "old", 3);
    assert_int_equal(gnutls_x509_crt_sign2(crt, ca, cakey, GNUTLS_DIG_SHA256, 0), 0);
    gnutls_datum_t out;
    assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out), 0);
    char *pem = ks_xstrndup((const char *)out.data, out.size);
    gnutls_free(out.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_privkey_deinit(key);
    gnutls_x509_privkey_deinit(cakey);
    return pem;
}

static void test_verify_validity(void **state)
{
    pki *p = *state;
    time_t now = time(NULL);
    const char *reason;
    char *expired = dated_cert(p, now - 10 * 86400, now - 86400);
    assert_false(verify(p->ca, expired, &reason));
    assert_string_equal(reason, "certificate expired");
    char *future = dated_cert(p, now + 86400, now + 10 * 86400);
    assert_false(verify(p->ca, future, &reason));
    assert_string_equal(reason, "certificate not yet valid");
    char *current = dated_cert(p, now - 86400, now + 86400);
    assert_true(verify(p->ca, current, &reason));
    ks_xfree(expired);
    ks_xfree(future);
    ks_xfree(current);
}

static void test_verify_hostile_chains(void **state)
{
    pki *p = *state;
    net_tls_trust *t;
    ks_error err;
    const char *reason;
    assert_int_equal(net_tls_trust_new(NULL, p->ca, NULL, &t, &err), 0);
    assert_false(net_tls_trust_verify_client(t, NULL, 0, &reason));
    assert_string_equal(reason, "no certificate");
    unsigned char junk[] = {0x30, 0x82, 0xff, 0xff, 0x01, 0x02};
    net_tls_der j = {junk, sizeof junk};
    assert_false(net_tls_trust_verify_client(t, &j, 1, &reason));
    assert_string_equal(reason, "certificate unreadable");
    char *cert, *key;
    sign(p->ca, p->ca_key, "alice", NET_TLS_CLIENT, &cert, &key);
    net_tls_der chain[NET_TLS_MAX_CHAIN + 1];
    net_tls_der d = der_of(cert);
    for (int i = 0; i <= NET_TLS_MAX_CHAIN; i++)
        chain[i] = d;
    assert_false(net_tls_trust_verify_client(t, chain, NET_TLS_MAX_CHAIN + 1, &reason));
    assert_string_equal(reason, "certificate chain too long");
    /* the CA itself appended to the chain is fine */
    net_tls_der ca = der_of(p->ca);
    chain[1] = ca;
    assert_true(net_tls_trust_verify_client(t, chain, 2, NULL));
    /* junk after a good leaf */
    chain[1] = j;
    assert_false(net_tls_trust_verify_client(t, chain, 2, &reason));
    der_free(&ca);
    /* subject of junk */
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    const char *cn;
    const char *const *orgs;
    size_t norgs;
    assert_int_equal(net_tls_cert_subject(&j, &a, &cn, &orgs, &norgs, &err), KS_EPARSE);
    ks_arena_free(&a);
    der_free(&d);
    ks_xfree(cert);
    ks_xfree(key);
    net_tls_trust_free(t);
}

static void test_trust_and_sign_errors(void **state)
{
    pki *p = *state;
    net_tls_trust *t = NULL;
    ks_error err;
    assert_int_equal(net_tls_trust_new("empty", "no certificates here", NULL, &t, &err), KS_EINVAL);
    assert_non_null(strstr(err.msg, "empty"));
    assert_null(t);
    assert_int_equal(net_tls_trust_new("none", NULL, NULL, &t, &err), KS_EINVAL);
    assert_true(net_tls_trust_new(NULL, NULL, "/nonexistent/ca.pem", &t, &err) < 0);
    /* from a file */
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    assert_int_equal(ks_file_write_atomic(path, p->ca, strlen(p->ca), 0600, &err), 0);
    assert_int_equal(net_tls_trust_new(NULL, NULL, path, &t, &err), 0);
    net_tls_trust_free(t);
    tu_rmtree(dir);
    ks_xfree(dir);
    net_tls_trust_free(NULL);

    char *cert, *key;
    net_tls_cert_req req = {.cn = ""};
    assert_int_equal(net_tls_sign(p->ca, p->ca_key, &req, &cert, &key, &err), KS_EINVAL);
    req.cn = "x";
    assert_int_equal(net_tls_sign("junk", p->ca_key, &req, &cert, &key, &err), KS_EINVAL);
    assert_int_equal(net_tls_sign(p->ca, "junk", &req, &cert, &key, &err), KS_EINVAL);
    assert_int_equal(net_tls_sign(p->ca, NULL, &req, &cert, &key, &err), KS_EINVAL);
    assert_int_equal(net_tls_sign(p->ca, p->ca_key, NULL, &cert, &key, &err), KS_EINVAL);
    const char *bad_ips[] = {"::zz"};
    req.ips = bad_ips;
    req.nips = 1;
    assert_int_equal(net_tls_sign(p->ca, p->ca_key, &req, &cert, &key, &err), KS_EINVAL);
    req.ips = NULL;
    req.nips = 0;
    req.norgs = NET_TLS_MAX_NAMES + 1;
    const char *orgs[NET_TLS_MAX_NAMES + 1];
    for (int i = 0; i <= NET_TLS_MAX_NAMES; i++)
        orgs[i] = "o";
    req.orgs = orgs;
    assert_int_equal(net_tls_sign(p->ca, p->ca_key, &req, &cert, &key, &err), KS_ELIMIT);
    assert_int_equal(net_tls_ca_create(NULL, 10, &cert, &key, &err), KS_EINVAL);
    /* SANs on a signed certificate */
    const char *dns[] = {"api.example"};
    const char *ips[] = {"192.0.2.1"};
    net_tls_cert_req srv = {.cn = "api",
                            .dns_names = dns,
                            .ndns = 1,
                            .ips = ips,
                            .nips = 1,
                            .usage = NET_TLS_SERVER};
    assert_int_equal(net_tls_sign(p->ca, p->ca_key, &srv, &cert, &key, &err), 0);
    gnutls_x509_crt_t crt = parse_crt(cert);
    assert_true(gnutls_x509_crt_check_hostname(crt, "api.example"));
    assert_false(gnutls_x509_crt_check_hostname(crt, "localhost"));
    gnutls_x509_crt_deinit(crt);
    ks_xfree(cert);
    ks_xfree(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_selfsigned),
            cmocka_unit_test(test_selfsigned_errors),
            cmocka_unit_test(test_sign_and_verify),
            cmocka_unit_test(test_verify_validity),
            cmocka_unit_test(test_verify_hostile_chains),
            cmocka_unit_test(test_trust_and_sign_errors),
    };
    return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
