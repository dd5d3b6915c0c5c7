/*
 * Private keys for the x509 builtins (see bi_x509.h): read by GnuTLS with
 * the format checks and messages of Go's x509.Parse*PrivateKey, shown as
 * Go's json.Marshal shows crypto/rsa, crypto/ecdsa and ed25519 keys.
 */
#include <string.h>

#include "rego/bi_x509.h"

enum { FMT_UNKNOWN, FMT_PKCS1, FMT_PKCS8, FMT_SEC1 };

/* Which of the three encodings the DER has the shape of. */
static int key_format(const uint8_t *der, size_t n)
{
    rg_x509_der in = {der, n}, seq, v;
    unsigned tag;
    if (rg_x509_der_expect(&in, 0x30, &seq, NULL) || in.n ||
        rg_x509_der_next(&seq, &tag, &v, NULL) || tag != 0x02 ||
        rg_x509_der_next(&seq, &tag, &v, NULL))
        return FMT_UNKNOWN;
    return tag == 0x02 ? FMT_PKCS1 : tag == 0x30 ? FMT_PKCS8 : tag == 0x04 ? FMT_SEC1 : FMT_UNKNOWN;
}

static int import(gnutls_x509_privkey_t key, const uint8_t *der, size_t n)
{
    gnutls_datum_t d = {(unsigned char *)der, (unsigned)n};
    if (n == 0 || n > 1u << 20)
        return -1;
    return gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN) < 0
                   ? -1
                   : 0;
}

int rg_x509_privkey_import(gnutls_x509_privkey_t key, const char *type, size_t type_len,
                           const uint8_t *der, size_t n, ks_buf *msg)
{
    int fmt = key_format(der, n);
    if (!type) {
        if (fmt == FMT_UNKNOWN || import(key, der, n)) {
            ks_buf_puts(msg, "tls: failed to parse private key");
            return -1;
        }
        return 0;
    }
    int want = type_len == 15 && memcmp(type, "RSA PRIVATE KEY", 15) == 0 ? FMT_PKCS1
               : type_len == 11 && memcmp(type, "PRIVATE KEY", 11) == 0   ? FMT_PKCS8
                                                                          : FMT_SEC1;
    if (fmt == want && import(key, der, n) == 0) {
        int pk = gnutls_x509_privkey_get_pk_algorithm(key);
        if (want != FMT_PKCS1 || pk == GNUTLS_PK_RSA)
            return 0;
    }
    const char *hint = fmt == FMT_PKCS8   ? "ParsePKCS8PrivateKey"
                       : fmt == FMT_PKCS1 ? "ParsePKCS1PrivateKey"
                       : fmt == FMT_SEC1  ? "ParseECPrivateKey"
                                          : NULL;
    if (hint && fmt != want)
        ks_buf_printf(msg, "x509: failed to parse private key (use %s instead for this key format)",
                      hint);
    else if (want == FMT_SEC1)
        ks_buf_puts(msg, "x509: failed to parse EC private key");
    else if (want == FMT_PKCS8)
        ks_buf_puts(msg, "x509: failed to parse private key");
    else
        ks_buf_puts(msg, "x509: invalid RSA private key");
    return -1;
}

static void put_num(ks_buf *j, const char *key, const gnutls_datum_t *d)
{
    rg_x509_json_key(j, key);
    rg_x509_json_bigint(j, d->data, d->size, false);
}

int rg_x509_privkey_json(ks_buf *j, gnutls_x509_privkey_t key, ks_buf *msg)
{
    int pk = gnutls_x509_privkey_get_pk_algorithm(key);
    if (pk == GNUTLS_PK_RSA) {
        gnutls_datum_t d[8];
        memset(d, 0, sizeof d);
        if (gnutls_x509_privkey_export_rsa_raw2(key, &d[0], &d[1], &d[2], &d[3], &d[4], &d[5],
                                                &d[6], &d[7]) < 0) {
            ks_buf_puts(msg, "x509: invalid RSA private key");
            return -1;
        }
        ks_buf_putc(j, '{');
        put_num(j, "D", &d[2]);
        put_num(j, "E", &d[1]);
        put_num(j, "N", &d[0]);
        rg_x509_json_key(j, "Precomputed");
        ks_buf_puts(j, "{\"CRTValues\":[]");
        put_num(j, "Dp", &d[6]);
        put_num(j, "Dq", &d[7]);
        put_num(j, "Qinv", &d[5]);
        ks_buf_puts(j, "},\"Primes\":[");
        rg_x509_json_bigint(j, d[3].data, d[3].size, false);
        ks_buf_putc(j, ',');
        rg_x509_json_bigint(j, d[4].data, d[4].size, false);
        ks_buf_puts(j, "]}");
        for (size_t i = 0; i < 8; i++)
            gnutls_free(d[i].data);
        return 0;
    }
    if (pk == GNUTLS_PK_ECDSA || pk == GNUTLS_PK_EDDSA_ED25519) {
        gnutls_ecc_curve_t curve;
        gnutls_datum_t x = {0}, y = {0}, k = {0};
        if (gnutls_x509_privkey_export_ecc_raw(key, &curve, &x, &y, &k) < 0) {
            ks_buf_puts(msg, "x509: failed to parse EC private key");
            return -1;
        }
        if (pk == GNUTLS_PK_EDDSA_ED25519) {
            uint8_t both[64] = {0};
            if (k.size == 32 && x.size == 32) {
                memcpy(both, k.data, 32);
                memcpy(both + 32, x.data, 32);
            }
            rg_x509_json_bytes(j, both, 64);
        } else {
            ks_buf_puts(j, "{\"Curve\":{}");
            put_num(j, "D", &k);
            put_num(j, "X", &x);
            put_num(j, "Y", &y);
            ks_buf_putc(j, '}');
        }
        gnutls_free(x.data);
        gnutls_free(y.data);
        gnutls_free(k.data);
        return 0;
    }
    ks_buf_puts(j, "{}");
    return 0;
}
