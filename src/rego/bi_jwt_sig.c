/*
 * JWS signatures for the JWT builtins (see bi_jwt.h): checks and signing
 * through GnuTLS, HMAC through Nettle. Nothing here is hand-written
 * cryptography; the code only arranges the JWS encodings (raw r||s for
 * ECDSA) around the libraries' calls.
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "rego/bi_jwt.h"

static const rg_jwt_alg algs[] = {
        {"HS256", RG_JWT_HS, GNUTLS_DIG_SHA256},
        {"HS384", RG_JWT_HS, GNUTLS_DIG_SHA384},
        {"HS512", RG_JWT_HS, GNUTLS_DIG_SHA512},
        {"RS256", RG_JWT_RS, GNUTLS_DIG_SHA256},
        {"RS384", RG_JWT_RS, GNUTLS_DIG_SHA384},
        {"RS512", RG_JWT_RS, GNUTLS_DIG_SHA512},
        {"PS256", RG_JWT_PS, GNUTLS_DIG_SHA256},
        {"PS384", RG_JWT_PS, GNUTLS_DIG_SHA384},
        {"PS512", RG_JWT_PS, GNUTLS_DIG_SHA512},
        {"ES256", RG_JWT_ES, GNUTLS_DIG_SHA256},
        {"ES384", RG_JWT_ES, GNUTLS_DIG_SHA384},
        {"ES512", RG_JWT_ES, GNUTLS_DIG_SHA512},
        {"EdDSA", RG_JWT_ED, 0},
        {NULL, 0, 0},
};

const rg_jwt_alg *rg_jwt_alg_find(const char *name, size_t n)
{
    for (const rg_jwt_alg *a = algs; a->name; a++)
        if (strlen(a->name) == n && memcmp(a->name, name, n) == 0)
            return a;
    return NULL;
}

static const struct nettle_hash *nettle_of(int digest)
{
    switch (digest) {
    case GNUTLS_DIG_SHA384: return &nettle_sha384;
    case GNUTLS_DIG_SHA512: return &nettle_sha512;
    default: return &nettle_sha256;
    }
}

size_t rg_jwt_digest(int digest, const void *data, size_t n, uint8_t out[64])
{
    const struct nettle_hash *h = nettle_of(digest);
    struct sha512_ctx ctx; /* the largest of the three */
    h->init(&ctx);
    h->update(&ctx, n, data);
    h->digest(&ctx, h->digest_size, out);
    return h->digest_size;
}

size_t rg_jwt_hmac(int digest, const void *key, size_t nkey, const void *data, size_t n,
                   uint8_t out[64])
{
    const struct nettle_hash *h = nettle_of(digest);
    struct sha512_ctx outer, inner, state;
    nettle_hmac_set_key(&outer, &inner, &state, h, nkey, key);
    nettle_hmac_update(&state, h, n, data);
    nettle_hmac_digest(&outer, &inner, &state, h, h->digest_size, out);
    return h->digest_size;
}

static gnutls_sign_algorithm_t sign_algo(const rg_jwt_alg *alg)
{
    static const gnutls_sign_algorithm_t rs[] = {GNUTLS_SIGN_RSA_SHA256, GNUTLS_SIGN_RSA_SHA384,
                                                 GNUTLS_SIGN_RSA_SHA512};
    static const gnutls_sign_algorithm_t ps[] = {GNUTLS_SIGN_RSA_PSS_RSAE_SHA256,
                                                 GNUTLS_SIGN_RSA_PSS_RSAE_SHA384,
                                                 GNUTLS_SIGN_RSA_PSS_RSAE_SHA512};
    static const gnutls_sign_algorithm_t es[] = {GNUTLS_SIGN_ECDSA_SHA256, GNUTLS_SIGN_ECDSA_SHA384,
                                                 GNUTLS_SIGN_ECDSA_SHA512};
    int i = alg->digest == GNUTLS_DIG_SHA384 ? 1 : alg->digest == GNUTLS_DIG_SHA512 ? 2 : 0;
    switch (alg->family) {
    case RG_JWT_RS: return rs[i];
    case RG_JWT_PS: return ps[i];
    case RG_JWT_ES: return es[i];
    case RG_JWT_ED: return GNUTLS_SIGN_EDDSA_ED25519;
    default: return GNUTLS_SIGN_UNKNOWN;
    }
}

/* An INTEGER's bytes without redundant leading zeros (at least one). */
static gnutls_datum_t trim_int(const uint8_t *p, size_t n)
{
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    return (gnutls_datum_t){(unsigned char *)p, (unsigned)n};
}

static bool verify_ecdsa(gnutls_pubkey_t pub, const rg_jwt_alg *alg, const uint8_t *digest,
                         size_t nd, const uint8_t *sig, size_t nsig, size_t half)
{
    if (nsig == 0 || half == 0 || half >= nsig)
        return false;
    gnutls_datum_t r = trim_int(sig, half), s = trim_int(sig + half, nsig - half);
    gnutls_datum_t der = {0};
    if (gnutls_encode_rs_value(&der, &r, &s) < 0)
        return false;
    gnutls_datum_t h = {(unsigned char *)digest, (unsigned)nd};
    bool ok = gnutls_pubkey_verify_hash2(pub, sign_algo(alg), 0, &h, &der) >= 0;
    gnutls_free(der.data);
    return ok;
}

/* RSA-PSS with any salt length (Go's PSSSaltLengthAuto): the salt length
 * is set through SPKI parameters on a copy of the key, the likeliest
 * lengths (the largest, none) first, then every other one. */
static bool verify_pss_any_salt(gnutls_pubkey_t pub, const rg_jwt_alg *alg, const gnutls_datum_t *h,
                                const gnutls_datum_t *sig, size_t max, size_t skip)
{
    gnutls_datum_t m = {0}, e = {0};
    gnutls_pubkey_t copy = NULL;
    gnutls_x509_spki_t spki = NULL;
    bool ok = false;
    if (gnutls_pubkey_export_rsa_raw2(pub, &m, &e, 0) < 0)
        return false;
    if (gnutls_pubkey_init(&copy) < 0 || gnutls_pubkey_import_rsa_raw(copy, &m, &e) < 0)
        goto out;
    if (gnutls_x509_spki_init(&spki) < 0)
        goto out;
    /* Every length costs a public-key operation: past common key sizes and
     * small exponents only the likeliest two are tried. */
    size_t last = m.size <= 512 && e.size <= 4 ? max + 1 : 1;
    for (size_t i = 0; i <= last && !ok; i++) {
        size_t salt = i == 0 ? max : i == 1 ? 0 : i - 1;
        if ((i > 0 && salt == max) || salt == skip)
            continue;
        gnutls_x509_spki_set_rsa_pss_params(spki, (gnutls_digest_algorithm_t)alg->digest,
                                            (unsigned)salt);
        if (gnutls_pubkey_set_spki(copy, spki, 0) < 0)
            break;
        ok = gnutls_pubkey_verify_hash2(copy, sign_algo(alg), 0, h, sig) >= 0;
    }
out:
    if (spki)
        gnutls_x509_spki_deinit(spki);
    if (copy)
        gnutls_pubkey_deinit(copy);
    gnutls_free(m.data);
    gnutls_free(e.data);
    return ok;
}

/* The asymmetric check itself. pss_auto: any salt length (Go's
 * rsa.VerifyPSS with PSSSaltLengthAuto), else the hash's length. es_half:
 * where r ends in the signature. */
static bool verify_pub(gnutls_pubkey_t pub, const rg_jwt_alg *alg, const void *data, size_t n,
                       const uint8_t *sig, size_t nsig, bool pss_auto, size_t es_half)
{
    if (!pub)
        return false;
    gnutls_datum_t sd = {(unsigned char *)sig, (unsigned)nsig};
    if (alg->family == RG_JWT_ED) {
        gnutls_datum_t d = {(unsigned char *)data, (unsigned)n};
        return nsig == 64 &&
               gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_EDDSA_ED25519, 0, &d, &sd) >= 0;
    }
    uint8_t dg[64];
    size_t nd = rg_jwt_digest(alg->digest, data, n, dg);
    gnutls_datum_t h = {dg, (unsigned)nd};
    if (alg->family == RG_JWT_ES)
        return verify_ecdsa(pub, alg, dg, nd, sig, nsig, es_half);
    if (gnutls_pubkey_verify_hash2(pub, sign_algo(alg), 0, &h, &sd) >= 0)
        return true;
    if (alg->family == RG_JWT_PS && pss_auto) {
        unsigned bits = 0;
        gnutls_pubkey_get_pk_algorithm(pub, &bits);
        size_t em = (bits - 1 + 7) / 8;
        if (bits > 0 && em >= nd + 2)
            return verify_pss_any_salt(pub, alg, &h, &sd, em - nd - 2, nd);
    }
    return false;
}

static bool family_fits(int kty, int family)
{
    switch (family) {
    case RG_JWT_RS:
    case RG_JWT_PS: return kty == RG_JWT_KTY_RSA;
    case RG_JWT_ES: return kty == RG_JWT_KTY_EC;
    case RG_JWT_ED: return kty == RG_JWT_KTY_ED25519;
    case RG_JWT_HS: return kty == RG_JWT_KTY_OCT;
    default: return false;
    }
}

bool rg_jwt_verify_opa(const rg_jwt_key *key, const rg_jwt_alg *alg, const void *data, size_t n,
                       const uint8_t *sig, size_t nsig)
{
    /* Go's type assertion: a public key of the family, not a private one. */
    if (key->priv || !family_fits(key->kty, alg->family) || alg->family == RG_JWT_HS)
        return false;
    return verify_pub(key->pub, alg, data, n, sig, nsig, true, nsig / 2);
}

bool rg_jwt_verify_jws(const rg_jwt_key *key, const uint8_t *secret, size_t nsecret,
                       const rg_jwt_alg *alg, const void *data, size_t n, const uint8_t *sig,
                       size_t nsig)
{
    if (!alg)
        return false;
    if (alg->family == RG_JWT_HS) {
        if (key) {
            if (key->kty != RG_JWT_KTY_OCT)
                return false;
            secret = key->k.p;
            nsecret = key->k.n;
        }
        uint8_t mac[64];
        size_t nm = rg_jwt_hmac(alg->digest, secret, nsecret, data, n, mac);
        return nsig == nm && nettle_memeql_sec(mac, sig, nm);
    }
    if (!key || !family_fits(key->kty, alg->family))
        return false;
    if (alg->family == RG_JWT_ES && nsig != 2 * (size_t)key->ec_size)
        return false;
    return verify_pub(key->pub, alg, data, n, sig, nsig, false, nsig / 2);
}

/* ---- signing ---- */

static gnutls_datum_t dat(const rg_jwt_datum *d)
{
    return (gnutls_datum_t){(unsigned char *)d->p, (unsigned)d->n};
}

static int sign_key_error(const rg_jwt_key *key, int family, ks_buf *msg)
{
    static const char *const need[] = {"",
                                       "[]byte",
                                       "*rsa.PrivateKey",
                                       "*rsa.PrivateKey",
                                       "*ecdsa.PrivateKey",
                                       "ed25519.PrivateKey"};
    static const char *const conv[] = {"",
                                       "keyconv: failed to produce []byte",
                                       "failed to produce rsa.PrivateKey",
                                       "failed to produce rsa.PrivateKey",
                                       "keyconv: failed to produce ecdsa.PrivateKey",
                                       "failed to produce ed25519.PrivateKey"};
    const char *t = key->type_name;
    ks_buf_printf(msg,
                  "jwsbb.Sign: invalid key type *jwk.%s. %s is required: %s from *jwk.%s: "
                  "jwk.Export: no suitable exporter found for key type '*jwk.%s'",
                  t, need[family], conv[family], t, t);
    return -1;
}

/* Appends an unsigned integer left-padded with zeros to size bytes. */
static int put_padded(ks_buf *out, const gnutls_datum_t *v, size_t size)
{
    const unsigned char *p = v->data;
    size_t n = v->size;
    while (n > 0 && p[0] == 0) {
        p++;
        n--;
    }
    if (n > size)
        return -1;
    ks_buf_fill(out, 0, size - n);
    ks_buf_append(out, p, n);
    return out->err ? -1 : 0;
}

int rg_jwt_sign(const rg_jwt_key *key, const rg_jwt_alg *alg, const void *data, size_t n,
                ks_buf *out, ks_buf *msg)
{
    if (alg->family == RG_JWT_HS) {
        if (key->kty != RG_JWT_KTY_OCT)
            return sign_key_error(key, alg->family, msg);
        uint8_t mac[64];
        size_t nm = rg_jwt_hmac(alg->digest, key->k.p, key->k.n, data, n, mac);
        return ks_buf_append(out, mac, nm) ? -1 : 0;
    }
    if (!family_fits(key->kty, alg->family) || !key->priv)
        return sign_key_error(key, alg->family, msg);

    gnutls_privkey_t pk = NULL;
    gnutls_datum_t sig = {0};
    int rc = -1;
    if (gnutls_privkey_init(&pk) < 0)
        return -1;
    int grc;
    if (key->kty == RG_JWT_KTY_RSA) {
        gnutls_datum_t m = dat(&key->n), e = dat(&key->e), d = dat(&key->d), p = dat(&key->p),
                       q = dat(&key->q), u = dat(&key->qi), e1 = dat(&key->dp), e2 = dat(&key->dq);
        grc = gnutls_privkey_import_rsa_raw(pk, &m, &e, &d, &p, &q, key->qi.p ? &u : NULL,
                                            key->dp.p ? &e1 : NULL, key->dq.p ? &e2 : NULL);
    } else {
        gnutls_datum_t x = dat(&key->x), y = dat(&key->y), d = dat(&key->d);
        grc = gnutls_privkey_import_ecc_raw(pk, (gnutls_ecc_curve_t)key->curve, &x,
                                            key->kty == RG_JWT_KTY_EC ? &y : NULL, &d);
    }
    if (grc < 0) {
        ks_buf_printf(msg, "jwsbb.Sign: failed to import the private key: %s",
                      gnutls_strerror(grc));
        goto out;
    }
    if (alg->family == RG_JWT_ED) {
        gnutls_datum_t dd = {(unsigned char *)data, (unsigned)n};
        grc = gnutls_privkey_sign_data2(pk, GNUTLS_SIGN_EDDSA_ED25519, 0, &dd, &sig);
    } else {
        uint8_t dg[64];
        size_t nd = rg_jwt_digest(alg->digest, data, n, dg);
        gnutls_datum_t h = {dg, (unsigned)nd};
        grc = gnutls_privkey_sign_hash2(pk, sign_algo(alg), 0, &h, &sig);
    }
    if (grc < 0) {
        ks_buf_printf(msg, "jwsbb.Sign: failed to sign payload: %s", gnutls_strerror(grc));
        goto out;
    }
    if (alg->family == RG_JWT_ES) {
        gnutls_datum_t r = {0}, s = {0};
        if (gnutls_decode_rs_value(&sig, &r, &s) < 0)
            goto out;
        rc = put_padded(out, &r, (size_t)key->ec_size) || put_padded(out, &s, (size_t)key->ec_size)
                     ? -1
                     : 0;
        gnutls_free(r.data);
        gnutls_free(s.data);
    } else {
        rc = ks_buf_append(out, sig.data, sig.size) ? -1 : 0;
    }
out:
    gnutls_free(sig.data);
    gnutls_privkey_deinit(pk);
    return rc;
}
