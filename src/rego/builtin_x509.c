/*
 * Rego builtins: x509 and private keys (OPA's crypto.x509.* and
 * crypto.parse_private_keys). Certificates, requests and keys come out as
 * the JSON Go's encoding/json makes of the crypto/x509 types (bi_x509.h
 * writes it); chains are verified by GnuTLS.
 */
#include <string.h>

#include <gnutls/x509.h>

#include "core/base64.h"
#include "rego/bi_jwt.h"
#include "rego/bi_x509.h"
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

/* ---- shared ---- */

static int json_result(rg_bctx *c, ks_buf *j, kv_value *out)
{
    ks_error err;
    if (j->err)
        return nomem(c);
    if (kv_json_parse(c->arena, j->data ? j->data : "null", j->data ? j->len : 4, NULL, out, &err))
        return rg_bi_error(c, RG_ERR_BUILTIN, "%s", err.msg);
    return RG_OK;
}

static bool has_prefix(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && memcmp(s, p, k) == 0;
}

/* OPA's getX509CertsFromString: the DER of the certificates in der (PEM,
 * base64 of PEM, or base64 of DER); -1 with msg. */
static int certs_der(const char *s, size_t n, ks_buf *der, ks_buf *msg)
{
    ks_buf dec = KS_BUF_INIT;
    int rc = 0;
    if (!has_prefix(s, n, "-----BEGIN")) {
        if (rg_jwt_b64_decode(&dec, s, n, 0, msg)) {
            ks_buf_free(&dec);
            return -1;
        }
        s = ks_buf_cstr(&dec);
        n = dec.len;
        if (!has_prefix(s, n, "-----BEGIN")) {
            ks_buf_append(der, s, n);
            ks_buf_free(&dec);
            return 0;
        }
    }
    size_t off = 0;
    while (off < n) {
        rg_jwt_pem blk;
        size_t rest;
        if (!rg_jwt_pem_decode(s + off, n - off, &blk, &rest))
            break;
        off += rest;
        bool cert = blk.type_len == 11 && memcmp(blk.type, "CERTIFICATE", 11) == 0;
        if (!cert) {
            ks_buf_puts(msg, "PEM block type is '");
            ks_buf_append(msg, blk.type, blk.type_len);
            ks_buf_puts(msg, "', expected CERTIFICATE");
            rc = -1;
        } else {
            ks_buf_append(der, blk.der.data ? blk.der.data : "", blk.der.len);
        }
        ks_buf_free(&blk.der);
        if (rc)
            break;
    }
    ks_buf_free(&dec);
    return rc;
}

/* The certificates of concatenated DER: their offsets and sizes. */
typedef struct certlist {
    size_t off[64], len[64];
    size_t n;
} certlist;

/* x509.ParseCertificates, writing a JSON array of the certificates. */
static int certs_json(const ks_buf *der, bool uri_strings, ks_buf *j, certlist *cl, ks_buf *msg)
{
    size_t off = 0;
    ks_buf_putc(j, '[');
    if (cl)
        cl->n = 0;
    while (off < der->len) {
        size_t used = 0;
        if (cl && cl->n == sizeof cl->off / sizeof cl->off[0]) {
            ks_buf_puts(msg, "x509: too many certificates");
            return -1;
        }
        if (j->len > 1)
            ks_buf_putc(j, ',');
        if (rg_x509_cert_json(j, (const uint8_t *)der->data + off, der->len - off, uri_strings,
                              &used, msg))
            return -1;
        if (cl) {
            cl->off[cl->n] = off;
            cl->len[cl->n++] = used;
        }
        off += used;
    }
    ks_buf_putc(j, ']');
    return 0;
}

static int bi_parse_certificates(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf der = KS_BUF_INIT, msg = KS_BUF_INIT, j = KS_BUF_INIT;
    if (certs_der(s, n, &der, &msg) || certs_json(&der, true, &j, NULL, &msg))
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
    else
        rc = json_result(c, &j, out);
    ks_buf_free(&der);
    ks_buf_free(&msg);
    ks_buf_free(&j);
    return rc;
}

/* ---- verification ---- */

typedef struct verify_opts {
    const char *dns;
    size_t dns_len;
    int64_t now; /* seconds */
    int usages[16];
    size_t nusages; /* 0: server authentication */
} verify_opts;

/* Go's checkChainForKeyUsage over chain[0..n) (leaf first). */
static bool chain_key_usage(const rg_x509_cert_info *chain, size_t n, const verify_opts *o)
{
    int want[16];
    size_t nw = o->nusages ? o->nusages : 1;
    if (o->nusages)
        memcpy(want, o->usages, nw * sizeof want[0]);
    else
        want[0] = 1;
    for (size_t i = 0; i < nw; i++)
        if (want[i] == 0)
            return true;
    for (size_t i = n; i-- > 0;) {
        const rg_x509_cert_info *ci = &chain[i];
        if (ci->neku == 0 && ci->nunknown_eku == 0)
            continue;
        bool any = false;
        for (size_t k = 0; k < ci->neku; k++)
            any |= ci->eku[k] == 0;
        if (any)
            continue;
        size_t kept = 0;
        for (size_t w = 0; w < nw; w++) {
            bool ok = false;
            for (size_t k = 0; k < ci->neku; k++)
                ok |= ci->eku[k] == want[w] ||
                      (want[w] == 1 && (ci->eku[k] == 10 || ci->eku[k] == 11));
            if (ok)
                want[kept++] = want[w];
        }
        nw = kept;
        if (nw == 0)
            return false;
    }
    return true;
}

/* Verifies the leaf (last) up to the root (first) through the others;
 * order[0..*norder) gets the chain, leaf first. */
static bool verify_chain(const ks_buf *der, const certlist *cl, const verify_opts *o, size_t *order,
                         size_t *norder)
{
    size_t n = cl->n;
    if (n < 2)
        return false;
    gnutls_x509_crt_t crt[64] = {0}, root_copy = NULL;
    gnutls_x509_trust_list_t tl = NULL;
    bool ok = false;
    rg_x509_cert_info info[64];
    for (size_t i = 0; i < n; i++) {
        gnutls_datum_t d = {(unsigned char *)der->data + cl->off[i], (unsigned)cl->len[i]};
        if (gnutls_x509_crt_init(&crt[i]) < 0 ||
            gnutls_x509_crt_import(crt[i], &d, GNUTLS_X509_FMT_DER) < 0 ||
            rg_x509_cert_info_read((const uint8_t *)der->data + cl->off[i], cl->len[i], &info[i]))
            goto out;
    }
    /* The chain: from the leaf through intermediates to the root. */
    bool used[64] = {false};
    size_t k = 0, cur = n - 1;
    order[k++] = cur;
    used[cur] = true;
    for (;;) {
        if (gnutls_x509_crt_check_issuer(crt[cur], crt[0])) {
            if (cur != 0)
                order[k++] = 0;
            break;
        }
        size_t next = 0;
        for (size_t i = 1; i + 1 < n && !next; i++)
            if (!used[i] && gnutls_x509_crt_check_issuer(crt[cur], crt[i]))
                next = i;
        if (!next)
            goto out;
        used[next] = true;
        order[k++] = cur = next;
    }
    gnutls_datum_t rd = {(unsigned char *)der->data + cl->off[0], (unsigned)cl->len[0]};
    if (gnutls_x509_trust_list_init(&tl, 0) < 0 || gnutls_x509_crt_init(&root_copy) < 0 ||
        gnutls_x509_crt_import(root_copy, &rd, GNUTLS_X509_FMT_DER) < 0)
        goto out;
    if (gnutls_x509_trust_list_add_cas(tl, &root_copy, 1, 0) < 1)
        goto out;
    root_copy = NULL; /* owned by the list */
    gnutls_x509_crt_t list[64];
    rg_x509_cert_info chain_info[64];
    for (size_t i = 0; i < k; i++) {
        list[i] = crt[order[i]];
        chain_info[i] = info[order[i]];
        if (o->now < info[order[i]].not_before || o->now > info[order[i]].not_after)
            goto out;
    }
    char host[256];
    gnutls_typed_vdata_st vd[1];
    unsigned nvd = 0;
    if (o->dns_len) {
        if (o->dns_len >= sizeof host)
            goto out;
        memcpy(host, o->dns, o->dns_len);
        host[o->dns_len] = 0;
        vd[0].type = GNUTLS_DT_DNS_HOSTNAME;
        vd[0].data = (unsigned char *)host;
        vd[0].size = 0;
        nvd = 1;
    }
    unsigned status = 0;
    if (gnutls_x509_trust_list_verify_crt2(tl, list, (unsigned)k, vd, nvd,
                                           GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                                                   GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
                                           &status, NULL) < 0 ||
        status != 0)
        goto out;
    if (!chain_key_usage(chain_info, k, o))
        goto out;
    *norder = k;
    ok = true;
out:
    for (size_t i = 0; i < n; i++)
        if (crt[i])
            gnutls_x509_crt_deinit(crt[i]);
    if (root_copy)
        gnutls_x509_crt_deinit(root_copy);
    if (tl)
        gnutls_x509_trust_list_deinit(tl, 1);
    return ok;
}

static int verify_result(rg_bctx *c, const char *s, size_t n, const kv_value *options,
                         kv_value *out)
{
    ks_buf der = KS_BUF_INIT, msg = KS_BUF_INIT, j = KS_BUF_INIT, all = KS_BUF_INIT;
    certlist *cl = ks_arena_alloc(c->arena, sizeof *cl);
    int rc = RG_OK;
    if (!cl)
        return nomem(c);
    bool parsed = certs_der(s, n, &der, &msg) == 0 && certs_json(&der, false, &all, cl, &msg) == 0;
    verify_opts o = {0};
    o.now = c->now_ns / 1000000000;
    if (parsed && options) {
        for (uint32_t i = 0; i < options->len && rc == RG_OK; i++) {
            const kv_member *m = &options->u.members[i];
            if (m->key.kind != KV_STRING)
                continue;
            const char *k = m->key.u.s;
            const kv_value *v = &m->val;
            if (strcmp(k, "DNSName") == 0) {
                if (v->kind != KV_STRING) {
                    rc = rg_bi_error(c, RG_ERR_BUILTIN, "'DNSName' should be a string");
                    break;
                }
                o.dns = v->u.s;
                o.dns_len = v->len;
                while (o.dns_len && o.dns[0] == '"') {
                    o.dns++;
                    o.dns_len--;
                }
                while (o.dns_len && o.dns[o.dns_len - 1] == '"')
                    o.dns_len--;
            } else if (strcmp(k, "CurrentTime") == 0) {
                int64_t ns;
                if (v->kind != KV_NUMBER)
                    rc = rg_bi_error(c, RG_ERR_BUILTIN, "'CurrentTime' should be a number");
                else if (!kv_num_int64(v, &ns))
                    rc = rg_bi_error(c, RG_ERR_BUILTIN,
                                     "'CurrentTime' should be a valid int64 number");
                else
                    o.now = ns / 1000000000 - (ns % 1000000000 < 0 ? 1 : 0);
            } else if (strcmp(k, "MaxConstraintComparisons") == 0) {
                int64_t mc;
                if (v->kind != KV_NUMBER)
                    rc = rg_bi_error(c, RG_ERR_BUILTIN,
                                     "'MaxConstraintComparisons' should be a number");
                else if (!kv_num_int64(v, &mc))
                    rc = rg_bi_error(c, RG_ERR_BUILTIN,
                                     "'MaxConstraintComparisons' should be a valid number");
            } else if (strcmp(k, "KeyUsages") == 0) {
                static const char *const names[] = {
                        "KeyUsageAny",
                        "KeyUsageServerAuth",
                        "KeyUsageClientAuth",
                        "KeyUsageCodeSigning",
                        "KeyUsageEmailProtection",
                        "KeyUsageIPSECEndSystem",
                        "KeyUsageIPSECTunnel",
                        "KeyUsageIPSECUser",
                        "KeyUsageTimeStamping",
                        "KeyUsageOCSPSigning",
                        "KeyUsageMicrosoftServerGatedCrypto",
                        "KeyUsageNetscapeServerGatedCrypto",
                        "KeyUsageMicrosoftCommercialCodeSigning",
                        "KeyUsageMicrosoftKernelCodeSigning",
                };
                if (v->kind != KV_ARRAY && v->kind != KV_SET) {
                    rc = rg_bi_error(c, RG_ERR_BUILTIN, "'KeyUsages' should be an Array or Set");
                    break;
                }
                ks_buf bad = KS_BUF_INIT;
                for (uint32_t u = 0; u < v->len; u++) {
                    const kv_value *e = &v->u.items[u];
                    if (e->kind != KV_STRING)
                        continue;
                    const char *es = e->u.s;
                    size_t en = e->len;
                    while (en && es[0] == '"') {
                        es++;
                        en--;
                    }
                    while (en && es[en - 1] == '"')
                        en--;
                    bool found = false;
                    for (size_t q = 0; q < sizeof names / sizeof names[0] && !found; q++)
                        if (strlen(names[q]) == en && memcmp(names[q], es, en) == 0) {
                            found = true;
                            if (o.nusages < sizeof o.usages / sizeof o.usages[0])
                                o.usages[o.nusages++] = (int)q;
                        }
                    if (!found) {
                        ks_buf_puts(&bad, bad.len ? " " : "[");
                        ks_buf_append(&bad, es, en);
                    }
                }
                if (bad.len)
                    rc = rg_bi_error(c, RG_ERR_BUILTIN,
                                     "invalid entries for 'KeyUsages' found: %s]",
                                     ks_buf_cstr(&bad));
                ks_buf_free(&bad);
            } else {
                rc = rg_bi_error(c, RG_ERR_BUILTIN, "invalid key option");
            }
        }
    }
    size_t order[64], norder = 0;
    if (rc == RG_OK) {
        if (!parsed || !verify_chain(&der, cl, &o, order, &norder)) {
            ks_buf_puts(&j, "[false,[]]");
        } else {
            ks_buf_puts(&j, "[true,[");
            for (size_t i = 0; i < norder; i++) {
                size_t used;
                if (i)
                    ks_buf_putc(&j, ',');
                rg_x509_cert_json(&j, (const uint8_t *)der.data + cl->off[order[i]],
                                  cl->len[order[i]], options == NULL, &used, &msg);
            }
            ks_buf_puts(&j, "]]");
        }
        rc = json_result(c, &j, out);
    }
    ks_buf_free(&der);
    ks_buf_free(&msg);
    ks_buf_free(&j);
    ks_buf_free(&all);
    return rc;
}

static int bi_parse_and_verify(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    return rc ? rc : verify_result(c, s, n, NULL, out);
}

static int bi_parse_and_verify_opts(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc == 0)
        rc = rg_arg_kind(c, args, 1, RG_T_OBJ, "object");
    return rc ? rc : verify_result(c, s, n, &args[1], out);
}

/* ---- requests ---- */

static int bi_parse_csr(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf dec = KS_BUF_INIT, msg = KS_BUF_INIT, j = KS_BUF_INIT;
    rg_jwt_pem blk = {0};
    if (!has_prefix(s, n, "-----BEGIN CERTIFICATE REQUEST-----")) {
        if (rg_jwt_b64_decode(&dec, s, n, 0, &msg)) {
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
            goto out;
        }
        s = ks_buf_cstr(&dec);
        n = dec.len;
    }
    size_t rest;
    if (rg_jwt_pem_decode(s, n, &blk, &rest)) {
        if (!(blk.type_len == 19 && memcmp(blk.type, "CERTIFICATE REQUEST", 19) == 0)) {
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "invalid PEM-encoded certificate signing request");
            goto out;
        }
        s = blk.der.data ? blk.der.data : "";
        n = blk.der.len;
    }
    if (rg_x509_csr_json(&j, (const uint8_t *)s, n, &msg))
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
    else
        rc = json_result(c, &j, out);
out:
    ks_buf_free(&blk.der);
    ks_buf_free(&dec);
    ks_buf_free(&msg);
    ks_buf_free(&j);
    return rc;
}

/* ---- private keys ---- */

static bool is_key_type(const rg_jwt_pem *blk)
{
    return (blk->type_len == 15 && memcmp(blk->type, "RSA PRIVATE KEY", 15) == 0) ||
           (blk->type_len == 11 && memcmp(blk->type, "PRIVATE KEY", 11) == 0) ||
           (blk->type_len == 14 && memcmp(blk->type, "EC PRIVATE KEY", 14) == 0);
}

static int bi_parse_private_keys(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    if (n == 0) {
        *out = kv_null();
        return RG_OK;
    }
    ks_buf dec = KS_BUF_INIT, msg = KS_BUF_INIT, j = KS_BUF_INIT;
    if (rg_jwt_b64_decode(&dec, s, n, 0, NULL) == 0) {
        s = ks_buf_cstr(&dec);
        n = dec.len;
    }
    ks_buf_putc(&j, '[');
    size_t off = 0, count = 0;
    while (off < n && rc == RG_OK) {
        rg_jwt_pem blk;
        size_t rest;
        if (!rg_jwt_pem_decode(s + off, n - off, &blk, &rest))
            break;
        off += rest;
        if (is_key_type(&blk)) {
            gnutls_x509_privkey_t key;
            if (gnutls_x509_privkey_init(&key) < 0) {
                rc = nomem(c);
            } else {
                if (count++)
                    ks_buf_putc(&j, ',');
                if (rg_x509_privkey_import(key, blk.type, blk.type_len,
                                           (const uint8_t *)blk.der.data, blk.der.len, &msg) ||
                    rg_x509_privkey_json(&j, key, &msg))
                    rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
                gnutls_x509_privkey_deinit(key);
            }
        }
        ks_buf_free(&blk.der);
    }
    ks_buf_putc(&j, ']');
    if (rc == RG_OK)
        rc = json_result(c, &j, out);
    ks_buf_free(&dec);
    ks_buf_free(&msg);
    ks_buf_free(&j);
    return rc;
}

/* ---- key pairs (tls.X509KeyPair) ---- */

/* Base64 decoding unless the input starts "-----BEGIN ". */
static int pem_or_b64(const char *s, size_t n, ks_buf *out, ks_buf *msg)
{
    if (has_prefix(s, n, "-----BEGIN "))
        return ks_buf_append(out, s, n) ? -1 : 0;
    return rg_jwt_b64_decode(out, s, n, 0, msg);
}

static void skipped_list(ks_buf *msg, const ks_buf *types)
{
    ks_buf_putc(msg, '[');
    ks_buf_append(msg, types->data ? types->data : "", types->len);
    ks_buf_putc(msg, ']');
}

/* The certificates of the cert input (DER) and the key's DER. */
static int keypair_blocks(const ks_buf *cert_in, const ks_buf *key_in, ks_buf *certs, certlist *cl,
                          ks_buf *key_der, ks_buf *msg)
{
    ks_buf skipped = KS_BUF_INIT;
    size_t nskipped = 0, off = 0;
    int rc = 0;
    cl->n = 0;
    if (!has_prefix(cert_in->data ? cert_in->data : "", cert_in->len, "-----BEGIN")) {
        /* DER: OPA wraps it in a PEM block, which reads back the same. */
        cl->off[0] = 0;
        cl->len[0] = cert_in->len;
        cl->n = 1;
        ks_buf_append(certs, cert_in->data ? cert_in->data : "", cert_in->len);
    }
    while (cl->n == 0 || off < cert_in->len) {
        rg_jwt_pem blk;
        size_t rest;
        if (off >= cert_in->len ||
            !rg_jwt_pem_decode(cert_in->data + off, cert_in->len - off, &blk, &rest))
            break;
        off += rest;
        if (blk.type_len == 11 && memcmp(blk.type, "CERTIFICATE", 11) == 0) {
            if (cl->n < sizeof cl->off / sizeof cl->off[0]) {
                cl->off[cl->n] = certs->len;
                cl->len[cl->n++] = blk.der.len;
                ks_buf_append(certs, blk.der.data ? blk.der.data : "", blk.der.len);
            }
        } else {
            if (nskipped++)
                ks_buf_putc(&skipped, ' ');
            ks_buf_append(&skipped, blk.type, blk.type_len);
        }
        ks_buf_free(&blk.der);
    }
    if (cl->n == 0) {
        if (nskipped == 0)
            ks_buf_puts(msg, "tls: failed to find any PEM data in certificate input");
        else if (nskipped == 1 && skipped.len >= 11 &&
                 memcmp(skipped.data + skipped.len - 11, "PRIVATE KEY", 11) == 0)
            ks_buf_puts(msg, "tls: failed to find certificate PEM data in certificate input, "
                             "but did find a private key; PEM inputs may have been switched");
        else {
            ks_buf_puts(msg, "tls: failed to find \"CERTIFICATE\" PEM block in certificate "
                             "input after skipping PEM blocks of the following types: ");
            skipped_list(msg, &skipped);
        }
        rc = -1;
        goto out;
    }
    ks_buf_reset(&skipped);
    nskipped = 0;
    off = 0;
    if (!has_prefix(key_in->data ? key_in->data : "", key_in->len, "-----BEGIN")) {
        ks_buf_append(key_der, key_in->data ? key_in->data : "", key_in->len);
        goto out;
    }
    for (;;) {
        rg_jwt_pem blk;
        size_t rest;
        if (off >= key_in->len ||
            !rg_jwt_pem_decode(key_in->data + off, key_in->len - off, &blk, &rest)) {
            if (nskipped == 0)
                ks_buf_puts(msg, "tls: failed to find any PEM data in key input");
            else if (nskipped == 1 && skipped.len == 11 &&
                     memcmp(skipped.data, "CERTIFICATE", 11) == 0)
                ks_buf_puts(msg, "tls: found a certificate rather than a key in the PEM for the "
                                 "private key");
            else {
                ks_buf_puts(msg, "tls: failed to find PEM block with type ending in \"PRIVATE "
                                 "KEY\" in key input after skipping PEM blocks of the following "
                                 "types: ");
                skipped_list(msg, &skipped);
            }
            rc = -1;
            break;
        }
        off += rest;
        bool key = (blk.type_len == 11 && memcmp(blk.type, "PRIVATE KEY", 11) == 0) ||
                   (blk.type_len >= 12 &&
                    memcmp(blk.type + blk.type_len - 12, " PRIVATE KEY", 12) == 0);
        if (key) {
            ks_buf_append(key_der, blk.der.data ? blk.der.data : "", blk.der.len);
            ks_buf_free(&blk.der);
            break;
        }
        if (nskipped++)
            ks_buf_putc(&skipped, ' ');
        ks_buf_append(&skipped, blk.type, blk.type_len);
        ks_buf_free(&blk.der);
    }
out:
    ks_buf_free(&skipped);
    return rc;
}

/* Whether the key is the private half of the certificate's public key. */
static int keypair_match(const uint8_t *der, size_t n, gnutls_x509_privkey_t key, ks_buf *msg)
{
    gnutls_x509_crt_t crt;
    gnutls_datum_t d = {(unsigned char *)der, (unsigned)n};
    if (gnutls_x509_crt_init(&crt) < 0)
        return -1;
    int rc = 0;
    if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0) {
        rc = -1;
        ks_buf_puts(msg, "x509: malformed certificate");
    } else {
        int cpk = gnutls_x509_crt_get_pk_algorithm(crt, NULL);
        int kpk = gnutls_x509_privkey_get_pk_algorithm(key);
        unsigned char a[64], b[64];
        size_t an = sizeof a, bn = sizeof b;
        if (cpk != kpk) {
            ks_buf_puts(msg, "tls: private key type does not match public key type");
            rc = -1;
        } else if (gnutls_x509_crt_get_key_id(crt, 0, a, &an) < 0 ||
                   gnutls_x509_privkey_get_key_id(key, 0, b, &bn) < 0 || an != bn ||
                   memcmp(a, b, an) != 0) {
            ks_buf_puts(msg, "tls: private key does not match public key");
            rc = -1;
        }
    }
    gnutls_x509_crt_deinit(crt);
    return rc;
}

static int bi_parse_keypair(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *cs, *ks;
    size_t cn, kn;
    int rc = rg_arg_string(c, args, 0, &cs, &cn);
    if (rc == 0)
        rc = rg_arg_string(c, args, 1, &ks, &kn);
    if (rc)
        return rc;
    ks_buf cert_in = KS_BUF_INIT, key_in = KS_BUF_INIT, certs = KS_BUF_INIT, key_der = KS_BUF_INIT,
           msg = KS_BUF_INIT, j = KS_BUF_INIT;
    certlist *cl = ks_arena_alloc(c->arena, sizeof *cl);
    gnutls_x509_privkey_t key = NULL;
    if (!cl)
        return nomem(c);
    if (pem_or_b64(cs, cn, &cert_in, &msg) || pem_or_b64(ks, kn, &key_in, &msg) ||
        keypair_blocks(&cert_in, &key_in, &certs, cl, &key_der, &msg))
        goto fail;
    ks_buf_puts(&j, "{\"Certificate\":[");
    for (size_t i = 0; i < cl->n; i++) {
        if (i)
            ks_buf_putc(&j, ',');
        rg_x509_json_bytes(&j, (const uint8_t *)certs.data + cl->off[i], cl->len[i]);
    }
    ks_buf_puts(&j, "],\"Leaf\":");
    size_t used;
    if (rg_x509_cert_json(&j, (const uint8_t *)certs.data + cl->off[0], cl->len[0], false, &used,
                          &msg))
        goto fail;
    if (used != cl->len[0]) {
        ks_buf_puts(&msg, "x509: trailing data");
        goto fail;
    }
    if (gnutls_x509_privkey_init(&key) < 0) {
        rc = nomem(c);
        goto out;
    }
    if (rg_x509_privkey_import(key, NULL, 0, (const uint8_t *)key_der.data, key_der.len, &msg) ||
        keypair_match((const uint8_t *)certs.data + cl->off[0], cl->len[0], key, &msg))
        goto fail;
    ks_buf_puts(&j, ",\"OCSPStaple\":null,\"PrivateKey\":");
    if (rg_x509_privkey_json(&j, key, &msg))
        goto fail;
    ks_buf_puts(&j, ",\"SignedCertificateTimestamps\":null,\"SupportedSignatureAlgorithms\":null}");
    rc = json_result(c, &j, out);
    goto out;
fail:
    rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
out:
    if (key)
        gnutls_x509_privkey_deinit(key);
    ks_buf_free(&cert_in);
    ks_buf_free(&key_in);
    ks_buf_free(&certs);
    ks_buf_free(&key_der);
    ks_buf_free(&msg);
    ks_buf_free(&j);
    return rc;
}

const rg_builtin_def rg_bi_x509[] = {
        {"crypto.x509.parse_rsa_private_key", 1, 0, {RG_T_STR}, RG_T_OBJ, bi_parse_rsa_private_key},
        {"crypto.x509.parse_certificates", 1, 0, {RG_T_STR}, RG_T_ARR, bi_parse_certificates},
        {"crypto.x509.parse_and_verify_certificates",
         1,
         0,
         {RG_T_STR},
         RG_T_ARR,
         bi_parse_and_verify},
        {"crypto.x509.parse_and_verify_certificates_with_options",
         2,
         0,
         {RG_T_STR, RG_T_OBJ},
         RG_T_ARR,
         bi_parse_and_verify_opts},
        {"crypto.x509.parse_certificate_request", 1, 0, {RG_T_STR}, RG_T_OBJ, bi_parse_csr},
        {"crypto.x509.parse_keypair", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_OBJ, bi_parse_keypair},
        {"crypto.parse_private_keys", 1, 0, {RG_T_STR}, RG_T_ARR, bi_parse_private_keys},
        {0},
};
