/* Trust bundles and client certificate verification (see tls.h). */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#include "core/file.h"
#include "core/mem.h"
#include "net/tls.h"

struct net_tls_trust {
    gnutls_x509_trust_list_t list;
};

int net_tls_trust_new(const char *name, const char *pem, const char *file, net_tls_trust **out,
                      ks_error *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    if (!name)
        name = file ? file : "trust bundle";
    if (pem) {
        len = strlen(pem);
        if (len > NET_TLS_MAX_BUNDLE_PEM)
            return ks_error_set(err, KS_ELIMIT, "tls: %s: bundle larger than %u bytes", name,
                                NET_TLS_MAX_BUNDLE_PEM);
    } else if (file) {
        if ((rc = ks_file_read(file, NET_TLS_MAX_BUNDLE_PEM, &data, &len, err)) < 0)
            return rc;
        pem = data;
    } else {
        return ks_error_set(err, KS_EINVAL, "tls: %s: no PEM and no file", name);
    }
    net_tls_trust *t = ks_xcalloc(1, sizeof *t);
    if ((rc = gnutls_x509_trust_list_init(&t->list, 0)) < 0) {
        t->list = NULL;
        rc = ks_error_set(err, KS_EIO, "tls: %s: %s", name, gnutls_strerror(rc));
        goto fail;
    }
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
    rc = gnutls_x509_trust_list_add_trust_mem(t->list, &d, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
    if (rc <= 0) {
        rc = ks_error_set(err, KS_EINVAL, "tls: %s: no certificate in the bundle%s%s", name,
                          rc < 0 ? ": " : "", rc < 0 ? gnutls_strerror(rc) : "");
        goto fail;
    }
    ks_xfree(data);
    *out = t;
    return 0;
fail:
    ks_xfree(data);
    net_tls_trust_free(t);
    return rc;
}

void net_tls_trust_free(net_tls_trust *t)
{
    if (!t)
        return;
    if (t->list)
        gnutls_x509_trust_list_deinit(t->list, 1);
    ks_xfree(t);
}

static const char *status_reason(unsigned st)
{
    if (st & GNUTLS_CERT_SIGNER_NOT_FOUND)
        return "unknown issuer";
    if (st & GNUTLS_CERT_SIGNATURE_FAILURE)
        return "bad signature";
    if (st & GNUTLS_CERT_EXPIRED)
        return "certificate expired";
    if (st & GNUTLS_CERT_NOT_ACTIVATED)
        return "certificate not yet valid";
    if (st & GNUTLS_CERT_SIGNER_NOT_CA)
        return "issuer is not a CA";
    if (st & GNUTLS_CERT_PURPOSE_MISMATCH)
        return "certificate not for client authentication";
    if (st & GNUTLS_CERT_INSECURE_ALGORITHM)
        return "insecure algorithm";
    if (st & GNUTLS_CERT_REVOKED)
        return "certificate revoked";
    return "certificate not trusted";
}

bool net_tls_trust_verify_client(const net_tls_trust *t, const net_tls_der *chain, size_t n,
                                 const char **reason)
{
    gnutls_x509_crt_t crts[NET_TLS_MAX_CHAIN];
    size_t ncrt = 0;
    bool ok = false;
    const char *why = "no certificate";
    if (!t || !chain || n == 0)
        goto out;
    if (n > NET_TLS_MAX_CHAIN) {
        why = "certificate chain too long";
        goto out;
    }
    for (; ncrt < n; ncrt++) {
        gnutls_datum_t d = {(unsigned char *)chain[ncrt].data, (unsigned)chain[ncrt].len};
        if (chain[ncrt].len > (64u << 10) || gnutls_x509_crt_init(&crts[ncrt]) < 0) {
            why = "certificate unreadable";
            goto out;
        }
        if (gnutls_x509_crt_import(crts[ncrt], &d, GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(crts[ncrt]);
            why = "certificate unreadable";
            goto out;
        }
    }
    gnutls_typed_vdata_st vd = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
                                .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT};
    unsigned status = 0;
    int rc = gnutls_x509_trust_list_verify_crt2(t->list, crts, (unsigned)ncrt, &vd, 1, 0, &status,
                                                NULL);
    if (rc < 0)
        why = "verification failed";
    else if (status != 0)
        why = status_reason(status);
    else
        ok = true;
out:
    for (size_t i = 0; i < ncrt; i++)
        gnutls_x509_crt_deinit(crts[i]);
    if (reason)
        *reason = ok ? NULL : why;
    return ok;
}

/* The idx-th value of oid in the subject, in a; 1 when absent. */
static int dn_value(gnutls_x509_crt_t crt, const char *oid, unsigned idx, ks_arena *a,
                    const char **out, ks_error *err)
{
    size_t size = 0;
    int rc = gnutls_x509_crt_get_dn_by_oid(crt, oid, idx, 0, NULL, &size);
    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        return 1;
    if (rc != GNUTLS_E_SHORT_MEMORY_BUFFER && rc < 0)
        return ks_error_set(err, KS_EPARSE, "tls: certificate subject: %s", gnutls_strerror(rc));
    if (size > 4096)
        return ks_error_set(err, KS_ELIMIT, "tls: certificate subject value of %zu bytes", size);
    char *buf = ks_arena_alloc_bytes(a, size + 1);
    if (!buf)
        return ks_error_set(err, KS_ELIMIT, "tls: out of request memory");
    rc = gnutls_x509_crt_get_dn_by_oid(crt, oid, idx, 0, buf, &size);
    if (rc < 0)
        return ks_error_set(err, KS_EPARSE, "tls: certificate subject: %s", gnutls_strerror(rc));
    buf[size] = '\0';
    if (strlen(buf) != size)
        return ks_error_set(err, KS_EPARSE, "tls: certificate subject holds a NUL byte");
    *out = buf;
    return 0;
}

int net_tls_cert_subject(const net_tls_der *cert, ks_arena *a, const char **cn,
                         const char *const **orgs, size_t *norgs, ks_error *err)
{
    gnutls_x509_crt_t crt;
    *cn = NULL;
    *orgs = NULL;
    *norgs = 0;
    if (!cert || !cert->data || cert->len > (64u << 10))
        return ks_error_set(err, KS_EINVAL, "tls: no certificate");
    int rc = gnutls_x509_crt_init(&crt);
    if (rc < 0)
        return ks_error_set(err, KS_EIO, "tls: %s", gnutls_strerror(rc));
    gnutls_datum_t d = {(unsigned char *)cert->data, (unsigned)cert->len};
    if ((rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER)) < 0) {
        rc = ks_error_set(err, KS_EPARSE, "tls: certificate: %s", gnutls_strerror(rc));
        goto out;
    }
    /* Go (and so Kubernetes) takes the last CN of the subject */
    for (unsigned i = 0; i < NET_TLS_MAX_NAMES; i++) {
        const char *v = NULL;
        if ((rc = dn_value(crt, GNUTLS_OID_X520_COMMON_NAME, i, a, &v, err)) < 0)
            goto out;
        if (rc == 1)
            break;
        *cn = v;
    }
    const char **list = ks_arena_alloc(a, NET_TLS_MAX_NAMES * sizeof *list);
    if (!list) {
        rc = ks_error_set(err, KS_ELIMIT, "tls: out of request memory");
        goto out;
    }
    size_t n = 0;
    for (;;) {
        const char *v = NULL;
        if ((rc = dn_value(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, (unsigned)n, a, &v, err)) < 0)
            goto out;
        if (rc == 1)
            break;
        if (n == NET_TLS_MAX_NAMES) {
            rc = ks_error_set(err, KS_ELIMIT, "tls: more than %d organizations in a subject",
                              NET_TLS_MAX_NAMES);
            goto out;
        }
        list[n++] = v;
    }
    *orgs = list;
    *norgs = n;
    rc = 0;
out:
    gnutls_x509_crt_deinit(crt);
    return rc;
}
