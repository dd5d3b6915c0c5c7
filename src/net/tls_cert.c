/* Certificate creation: self-signed server certificates, a CA, and
 * certificates signed by it (see tls.h). */
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "net/tls.h"

typedef struct cert_spec {
    const char *cn;
    const char *const *orgs;
    size_t norgs;
    const char *const *dns;
    size_t ndns;
    const char *const *ips;
    size_t nips;
    int days;
    bool ca;
    unsigned usage;
} cert_spec;

static int gt_fail(ks_error *err, const char *what, int rc)
{
    return ks_error_set(err, KS_EIO, "tls: %s: %s", what, gnutls_strerror(rc));
}

static char *datum_to_heap(gnutls_datum_t *d)
{
    char *s = ks_xstrndup((const char *)d->data, d->size);
    gnutls_free(d->data);
    d->data = NULL;
    return s;
}

static int check_spec(const cert_spec *s, ks_error *err)
{
    if (!s->cn || !*s->cn)
        return ks_error_set(err, KS_EINVAL, "tls: certificate needs a subject CN");
    if (s->days <= 0 || s->days > NET_TLS_MAX_DAYS)
        return ks_error_set(err, KS_ERANGE, "tls: validity of %d days out of range 1..%d", s->days,
                            NET_TLS_MAX_DAYS);
    if (s->norgs > NET_TLS_MAX_NAMES || s->ndns > NET_TLS_MAX_NAMES || s->nips > NET_TLS_MAX_NAMES)
        return ks_error_set(err, KS_ELIMIT, "tls: more than %d names in a certificate",
                            NET_TLS_MAX_NAMES);
    for (size_t i = 0; i < s->norgs; i++)
        if (!s->orgs[i] || !*s->orgs[i])
            return ks_error_set(err, KS_EINVAL, "tls: empty organization %zu", i);
    for (size_t i = 0; i < s->ndns; i++)
        if (!s->dns[i] || !*s->dns[i])
            return ks_error_set(err, KS_EINVAL, "tls: empty DNS name %zu", i);
    return 0;
}

static int add_ip(gnutls_x509_crt_t crt, const char *ip, ks_error *err)
{
    unsigned char addr[16];
    unsigned len = 0;
    if (ip && inet_pton(AF_INET, ip, addr) == 1)
        len = 4;
    else if (ip && inet_pton(AF_INET6, ip, addr) == 1)
        len = 16;
    else
        return ks_error_set(err, KS_EINVAL, "tls: \"%s\" is not an IP address", ip ? ip : "");
    int rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, addr, len,
                                                  GNUTLS_FSAN_APPEND);
    return rc < 0 ? gt_fail(err, "subjectAltName IP", rc) : 0;
}

static int set_fields(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const cert_spec *s,
                      ks_error *err)
{
    unsigned char serial[16];
    int rc;
    if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
        return gt_fail(err, "serial", rc);
    serial[0] = (unsigned char)((serial[0] & 0x3f) | 0x40); /* positive, full length */
    time_t now = time(NULL);
    if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
        (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
        (rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)s->days * 86400)) < 0 ||
        (rc = gnutls_x509_crt_set_key(crt, key)) < 0)
        return gt_fail(err, "certificate fields", rc);
    for (size_t i = 0; i < s->norgs; i++)
        if ((rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                                s->orgs[i], (unsigned)strlen(s->orgs[i]))) < 0)
            return gt_fail(err, "subject O", rc);
    if ((rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, s->cn,
                                            (unsigned)strlen(s->cn))) < 0)
        return gt_fail(err, "subject CN", rc);
    for (size_t i = 0; i < s->ndns; i++)
        if ((rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, s->dns[i],
                                                       (unsigned)strlen(s->dns[i]),
                                                       GNUTLS_FSAN_APPEND)) < 0)
            return gt_fail(err, "subjectAltName DNS", rc);
    for (size_t i = 0; i < s->nips; i++)
        if ((rc = add_ip(crt, s->ips[i], err)) < 0)
            return rc;
    unsigned ku = GNUTLS_KEY_DIGITAL_SIGNATURE;
    if (s->ca)
        ku |= GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
    if ((rc = gnutls_x509_crt_set_basic_constraints(crt, s->ca ? 1 : 0, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(crt, ku)) < 0)
        return gt_fail(err, "key usage", rc);
    if (!s->ca && (s->usage & NET_TLS_SERVER) &&
        (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
        return gt_fail(err, "extended key usage", rc);
    if (!s->ca && (s->usage & NET_TLS_CLIENT) &&
        (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0)
        return gt_fail(err, "extended key usage", rc);
    unsigned char kid[64];
    size_t kidlen = sizeof kid;
    if ((rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, kid, &kidlen)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(crt, kid, kidlen)) < 0)
        return gt_fail(err, "subject key id", rc);
    return 0;
}

/* Makes a key and a certificate for s, signed by issuer (NULL: self). */
static int make_cert(const cert_spec *s, gnutls_x509_crt_t issuer, gnutls_x509_privkey_t ikey,
                     char **cert_pem, char **key_pem, ks_error *err)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t c = {NULL, 0}, k = {NULL, 0};
    *cert_pem = *key_pem = NULL;
    int rc = check_spec(s, err);
    if (rc < 0)
        return rc;
    if ((rc = gnutls_x509_privkey_init(&key)) < 0) {
        rc = gt_fail(err, "key", rc);
        goto out;
    }
    if ((rc = gnutls_x509_privkey_generate2(key, GNUTLS_PK_ECDSA,
                                            GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0,
                                            NULL, 0)) < 0) {
        rc = gt_fail(err, "generating a P-256 key", rc);
        goto out;
    }
    if ((rc = gnutls_x509_crt_init(&crt)) < 0) {
        rc = gt_fail(err, "certificate", rc);
        goto out;
    }
    if ((rc = set_fields(crt, key, s, err)) < 0)
        goto out;
    if (issuer) {
        unsigned char akid[64];
        size_t akidlen = sizeof akid;
        unsigned critical = 0;
        if (gnutls_x509_crt_get_subject_key_id(issuer, akid, &akidlen, &critical) >= 0 &&
            (rc = gnutls_x509_crt_set_authority_key_id(crt, akid, akidlen)) < 0) {
            rc = gt_fail(err, "authority key id", rc);
            goto out;
        }
    }
    rc = gnutls_x509_crt_sign2(crt, issuer ? issuer : crt, issuer ? ikey : key, GNUTLS_DIG_SHA256,
                               0);
    if (rc < 0) {
        rc = gt_fail(err, "signing", rc);
        goto out;
    }
    if ((rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c)) < 0 ||
        (rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &k)) < 0) {
        rc = gt_fail(err, "PEM export", rc);
        goto out;
    }
    *cert_pem = datum_to_heap(&c);
    *key_pem = datum_to_heap(&k);
    rc = 0;
out:
    gnutls_free(c.data);
    gnutls_free(k.data);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc;
}

static size_t list_len(const char *const *l)
{
    size_t n = 0;
    while (l && l[n] && n <= NET_TLS_MAX_NAMES)
        n++;
    return n;
}

int net_tls_selfsigned(const char *const *dns_names, const char *const *ips, int days,
                       char **cert_pem, char **key_pem, ks_error *err)
{
    size_t nd = list_len(dns_names), ni = list_len(ips);
    if (nd > NET_TLS_MAX_NAMES - 1 || ni > NET_TLS_MAX_NAMES - 2)
        return ks_error_set(err, KS_ELIMIT, "tls: more than %d names in a certificate",
                            NET_TLS_MAX_NAMES);
    const char *dns[NET_TLS_MAX_NAMES], *addrs[NET_TLS_MAX_NAMES];
    size_t n = 0, m = 0;
    dns[n++] = "localhost";
    for (size_t i = 0; i < nd; i++)
        if (strcmp(dns_names[i], "localhost") != 0)
            dns[n++] = dns_names[i];
    addrs[m++] = "127.0.0.1";
    addrs[m++] = "::1";
    for (size_t i = 0; i < ni; i++)
        if (strcmp(ips[i], "127.0.0.1") != 0 && strcmp(ips[i], "::1") != 0)
            addrs[m++] = ips[i];
    cert_spec s = {.cn = nd ? dns_names[0] : "localhost",
                   .dns = dns,
                   .ndns = n,
                   .ips = addrs,
                   .nips = m,
                   .days = days,
                   .usage = NET_TLS_SERVER};
    return make_cert(&s, NULL, NULL, cert_pem, key_pem, err);
}

int net_tls_ca_create(const char *cn, int days, char **cert_pem, char **key_pem, ks_error *err)
{
    cert_spec s = {.cn = cn, .days = days, .ca = true};
    return make_cert(&s, NULL, NULL, cert_pem, key_pem, err);
}

static int import_ca(const char *cert_pem, const char *key_pem, gnutls_x509_crt_t *crt,
                     gnutls_x509_privkey_t *key, ks_error *err)
{
    *crt = NULL;
    *key = NULL;
    if (!cert_pem || !key_pem)
        return ks_error_set(err, KS_EINVAL, "tls: CA certificate and key are required");
    gnutls_datum_t c = {(unsigned char *)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t k = {(unsigned char *)key_pem, (unsigned)strlen(key_pem)};
    int rc = gnutls_x509_crt_init(crt);
    if (rc >= 0 && (rc = gnutls_x509_crt_import(*crt, &c, GNUTLS_X509_FMT_PEM)) < 0) {
        rc = ks_error_set(err, KS_EINVAL, "tls: CA certificate PEM: %s", gnutls_strerror(rc));
        goto fail;
    }
    if (rc >= 0)
        rc = gnutls_x509_privkey_init(key);
    if (rc >= 0 && (rc = gnutls_x509_privkey_import2(*key, &k, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        rc = ks_error_set(err, KS_EINVAL, "tls: CA key PEM: %s", gnutls_strerror(rc));
        goto fail;
    }
    if (rc < 0) {
        rc = gt_fail(err, "CA", rc);
        goto fail;
    }
    unsigned ca = 0;
    if (gnutls_x509_crt_get_basic_constraints(*crt, NULL, &ca, NULL) < 0 || !ca) {
        rc = ks_error_set(err, KS_EINVAL, "tls: the CA certificate is not a CA");
        goto fail;
    }
    return 0;
fail:
    if (*key)
        gnutls_x509_privkey_deinit(*key);
    if (*crt)
        gnutls_x509_crt_deinit(*crt);
    *crt = NULL;
    *key = NULL;
    return rc;
}

int net_tls_sign(const char *ca_cert_pem, const char *ca_key_pem, const net_tls_cert_req *req,
                 char **cert_pem, char **key_pem, ks_error *err)
{
    if (!req)
        return ks_error_set(err, KS_EINVAL, "tls: no certificate request");
    gnutls_x509_crt_t ca;
    gnutls_x509_privkey_t cakey;
    int rc = import_ca(ca_cert_pem, ca_key_pem, &ca, &cakey, err);
    if (rc < 0)
        return rc;
    cert_spec s = {.cn = req->cn,
                   .orgs = req->orgs,
                   .norgs = req->norgs,
                   .dns = req->dns_names,
                   .ndns = req->ndns,
                   .ips = req->ips,
                   .nips = req->nips,
                   .days = req->days > 0 ? req->days : 365,
                   .usage = req->usage ? req->usage : NET_TLS_CLIENT};
    rc = make_cert(&s, ca, cakey, cert_pem, key_pem, err);
    gnutls_x509_privkey_deinit(cakey);
    gnutls_x509_crt_deinit(ca);
    return rc;
}
