/*
 * Rego builtins: x509 and private keys (OPA's crypto.x509.*). So far
 * crypto.x509.parse_rsa_private_key: the first private key of a PEM (or
 * base64 of PEM) text as the JWK jwx makes of it. Keys are read by GnuTLS.
 */
#include <string.h>

#include <gnutls/x509.h>

#include "core/base64.h"
#include "rego/bi_jwt.h"
#include "rego/builtin.h"

static int nomem(rg_bctx *c)
{
    return rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
}

/* A JWK member: base64url (no padding) of an unsigned big-endian integer
 * without leading zeros, or left-padded to size bytes when size > 0. */
static int b64_member(rg_bctx *c, kv_member *m, const char *name, const gnutls_datum_t *d,
                      size_t size)
{
    const unsigned char *p = d->data;
    size_t n = d->size;
    while (n > 0 && p[0] == 0) {
        p++;
        n--;
    }
    ks_buf raw = KS_BUF_INIT, enc = KS_BUF_INIT;
    if (size > n)
        ks_buf_fill(&raw, 0, size - n);
    ks_buf_append(&raw, p, n);
    ks_base64_encode(&enc, raw.data ? raw.data : "", raw.len, KS_B64_URL | KS_B64_NOPAD);
    int rc = raw.err || enc.err ? nomem(c) : rg_make_string_buf(c, &enc, &m->val);
    ks_buf_free(&raw);
    ks_buf_free(&enc);
    m->key = kv_str_ref(name, strlen(name));
    return rc;
}

/* The JWK of a private key, as jwk.Import and json.Marshal make it. */
static int key_jwk(rg_bctx *c, gnutls_x509_privkey_t key, kv_value *out)
{
    kv_member m[9];
    size_t n = 0;
    int rc = RG_OK;
    int pk = gnutls_x509_privkey_get_pk_algorithm(key);
    if (pk == GNUTLS_PK_RSA) {
        gnutls_datum_t d[8] = {{0}};
        if (gnutls_x509_privkey_export_rsa_raw2(key, &d[0], &d[1], &d[2], &d[3], &d[4], &d[5],
                                                &d[6], &d[7]) < 0)
            return rg_bi_error(c, RG_ERR_BUILTIN, "x509: failed to parse private key");
        /* m e d p q u(qi) e1(dp) e2(dq) */
        static const char *const names[] = {"n", "e", "d", "p", "q", "qi", "dp", "dq"};
        for (size_t i = 0; i < 8 && rc == RG_OK; i++)
            rc = b64_member(c, &m[n++], names[i], &d[i], 0);
        m[n].key = kv_str_ref("kty", 3);
        m[n++].val = kv_str_ref("RSA", 3);
        for (size_t i = 0; i < 8; i++)
            gnutls_free(d[i].data);
    } else if (pk == GNUTLS_PK_ECDSA || pk == GNUTLS_PK_EDDSA_ED25519) {
        gnutls_ecc_curve_t curve;
        gnutls_datum_t x = {0}, y = {0}, k = {0};
        if (gnutls_x509_privkey_export_ecc_raw(key, &curve, &x, &y, &k) < 0)
            return rg_bi_error(c, RG_ERR_BUILTIN, "x509: failed to parse private key");
        const char *crv = curve == GNUTLS_ECC_CURVE_SECP256R1   ? "P-256"
                          : curve == GNUTLS_ECC_CURVE_SECP384R1 ? "P-384"
                          : curve == GNUTLS_ECC_CURVE_SECP521R1 ? "P-521"
                          : curve == GNUTLS_ECC_CURVE_ED25519   ? "Ed25519"
                                                                : NULL;
        size_t size = curve == GNUTLS_ECC_CURVE_SECP256R1   ? 32
                      : curve == GNUTLS_ECC_CURVE_SECP384R1 ? 48
                      : curve == GNUTLS_ECC_CURVE_SECP521R1 ? 66
                                                            : 32;
        if (!crv) {
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "x509: unsupported elliptic curve");
        } else {
            m[n].key = kv_str_ref("crv", 3);
            m[n++].val = kv_str_ref(crv, strlen(crv));
            rc = b64_member(c, &m[n++], "d", &k, size);
            if (rc == RG_OK)
                rc = b64_member(c, &m[n++], "x", &x, size);
            bool ed = curve == GNUTLS_ECC_CURVE_ED25519;
            if (rc == RG_OK && !ed)
                rc = b64_member(c, &m[n++], "y", &y, size);
            m[n].key = kv_str_ref("kty", 3);
            m[n++].val = ed ? kv_str_ref("OKP", 3) : kv_str_ref("EC", 2);
        }
        gnutls_free(x.data);
        gnutls_free(y.data);
        gnutls_free(k.data);
    } else {
        return rg_bi_error(c, RG_ERR_BUILTIN, "jwk.Import: unsupported key type");
    }
    if (rc != RG_OK)
        return rc;
    return kv_object_new(c->arena, m, n, KV_DUP_LAST_WINS, out, NULL) ? nomem(c) : RG_OK;
}

/* OPA's getPrivateKeysFromPEMData, stopping at the first key: 1 with the
 * key, 0 when there is none, or an error code. */
static int first_private_key(rg_bctx *c, const char *s, size_t n, gnutls_x509_privkey_t key)
{
    ks_buf dec = KS_BUF_INIT;
    if (rg_jwt_b64_decode(&dec, s, n, 0, NULL) == 0) {
        s = ks_buf_cstr(&dec);
        n = dec.len;
    }
    int rc = 0;
    size_t off = 0;
    while (off < n && rc == 0) {
        rg_jwt_pem blk;
        size_t rest;
        if (!rg_jwt_pem_decode(s + off, n - off, &blk, &rest))
            break;
        off += rest;
        bool pkcs1 = blk.type_len == 15 && memcmp(blk.type, "RSA PRIVATE KEY", 15) == 0;
        bool pkcs8 = blk.type_len == 11 && memcmp(blk.type, "PRIVATE KEY", 11) == 0;
        bool sec1 = blk.type_len == 14 && memcmp(blk.type, "EC PRIVATE KEY", 14) == 0;
        if (pkcs1 || pkcs8 || sec1) {
            gnutls_datum_t der = {(unsigned char *)blk.der.data, (unsigned)blk.der.len};
            int g = der.size ? gnutls_x509_privkey_import2(key, &der, GNUTLS_X509_FMT_DER, NULL,
                                                           GNUTLS_PKCS_PLAIN)
                             : -1;
            if (g < 0)
                rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s",
                                 pkcs1  ? "x509: failed to parse private key (use "
                                          "ParsePKCS8PrivateKey instead for this key format)"
                                 : sec1 ? "x509: failed to parse EC private key"
                                        : "x509: failed to parse private key");
            else
                rc = 1;
        }
        ks_buf_free(&blk.der);
    }
    ks_buf_free(&dec);
    return rc;
}

static int bi_parse_rsa_private_key(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    if (n == 0)
        return rg_bi_error(c, RG_ERR_BUILTIN, "input PEM data was empty");
    ks_buf dec = KS_BUF_INIT, msg = KS_BUF_INIT;
    if (n < 10 || memcmp(s, "-----BEGIN", 10) != 0) {
        if (rg_jwt_b64_decode(&dec, s, n, 0, &msg)) {
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
            goto out;
        }
        s = ks_buf_cstr(&dec);
        n = dec.len;
    }
    gnutls_x509_privkey_t key;
    if (gnutls_x509_privkey_init(&key) < 0) {
        rc = nomem(c);
        goto out;
    }
    rc = first_private_key(c, s, n, key);
    if (rc == 0) {
        *out = kv_null();
        rc = RG_OK;
    } else if (rc == 1) {
        rc = key_jwk(c, key, out);
    }
    gnutls_x509_privkey_deinit(key);
out:
    ks_buf_free(&dec);
    ks_buf_free(&msg);
    return rc;
}

const rg_builtin_def rg_bi_x509[] = {
        {"crypto.x509.parse_rsa_private_key", 1, 0, {RG_T_STR}, RG_T_OBJ, bi_parse_rsa_private_key},
        {0},
};
