/*
 * Keys for the JWT builtins (see bi_jwt.h): PEM certificates and public
 * keys through GnuTLS, JWKs and JWK sets read the way jwx v3 reads them
 * (with its error texts), turned into GnuTLS public keys.
 */
#include <string.h>

#include <gnutls/x509.h>

#include "rego/bi_json.h"
#include "rego/bi_jwt.h"
#include "value/value.h"

void rg_jwt_keys_free(rg_jwt_keys *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->k[i].pub)
            gnutls_pubkey_deinit(ks->k[i].pub);
    ks->k = NULL;
    ks->n = 0;
}

static int keys_add(ks_arena *a, rg_jwt_keys *ks, size_t *cap, const rg_jwt_key *k)
{
    if (ks->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        rg_jwt_key *nk = ks_arena_alloc(a, nc * sizeof(*nk));
        if (!nk)
            return -1;
        if (ks->n)
            memcpy(nk, ks->k, ks->n * sizeof(*nk));
        ks->k = nk;
        *cap = nc;
    }
    ks->k[ks->n++] = *k;
    return 0;
}

/* Sets kty from the GnuTLS public key's algorithm. */
static void key_from_pubkey(rg_jwt_key *k, gnutls_pubkey_t pub)
{
    memset(k, 0, sizeof(*k));
    k->pub = pub;
    k->alg = "";
    k->kid = "";
    unsigned bits = 0;
    int pk = gnutls_pubkey_get_pk_algorithm(pub, &bits);
    switch (pk) {
    case GNUTLS_PK_RSA: k->kty = RG_JWT_KTY_RSA; break;
    case GNUTLS_PK_ECDSA: {
        gnutls_ecc_curve_t curve;
        gnutls_datum_t x = {0}, y = {0};
        k->kty = RG_JWT_KTY_EC;
        if (gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y, 0) == 0) {
            k->curve = (int)curve;
            k->ec_size = curve == GNUTLS_ECC_CURVE_SECP256R1   ? 32
                         : curve == GNUTLS_ECC_CURVE_SECP384R1 ? 48
                         : curve == GNUTLS_ECC_CURVE_SECP521R1 ? 66
                                                               : (int)((bits + 7) / 8);
            gnutls_free(x.data);
            gnutls_free(y.data);
        }
        break;
    }
    case GNUTLS_PK_EDDSA_ED25519:
        k->kty = RG_JWT_KTY_ED25519;
        k->curve = GNUTLS_ECC_CURVE_ED25519;
        break;
    default: k->kty = RG_JWT_KTY_OTHER; break;
    }
}

/* ---- PEM ---- */

static int pem_key(ks_arena *a, const char *s, size_t n, const rg_jwt_pem *blk, rg_jwt_keys *out,
                   ks_buf *msg)
{
    size_t cap = 0;
    (void)s;
    (void)n;
    gnutls_datum_t der = {(unsigned char *)blk->der.data, (unsigned)blk->der.len};
    gnutls_pubkey_t pub = NULL;
    if (gnutls_pubkey_init(&pub) < 0)
        return -1;
    if (blk->type_len == 11 && memcmp(blk->type, "CERTIFICATE", 11) == 0) {
        gnutls_x509_crt_t crt;
        if (gnutls_x509_crt_init(&crt) < 0) {
            gnutls_pubkey_deinit(pub);
            return -1;
        }
        int rc = der.size ? gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) : -1;
        if (rc >= 0)
            rc = gnutls_pubkey_import_x509(pub, crt, 0);
        gnutls_x509_crt_deinit(crt);
        if (rc < 0) {
            gnutls_pubkey_deinit(pub);
            ks_buf_puts(msg, "failed to parse a PEM certificate: x509: malformed certificate");
            return -1;
        }
    } else if (blk->type_len == 10 && memcmp(blk->type, "PUBLIC KEY", 10) == 0) {
        if (!der.size || gnutls_pubkey_import(pub, &der, GNUTLS_X509_FMT_DER) < 0) {
            gnutls_pubkey_deinit(pub);
            ks_buf_puts(msg, "failed to parse a PEM public key: asn1: structure error");
            return -1;
        }
    } else {
        gnutls_pubkey_deinit(pub);
        ks_buf_puts(msg, "failed to extract a Key from the PEM certificate");
        return -1;
    }
    rg_jwt_key k;
    key_from_pubkey(&k, pub);
    if (keys_add(a, out, &cap, &k)) {
        gnutls_pubkey_deinit(pub);
        return -1;
    }
    return 0;
}

/* ---- JWK ---- */

/* The JWA names jwx knows (signature, key encryption and content
 * encryption algorithms): "alg" must be one of them. */
static const char *const jwa_names[] = {
        "HS256",
        "HS384",
        "HS512",
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "ES256K",
        "EdDSA",
        "Ed25519",
        "Ed448",
        "none",
        "RSA1_5",
        "RSA-OAEP",
        "RSA-OAEP-256",
        "RSA-OAEP-384",
        "RSA-OAEP-512",
        "A128KW",
        "A192KW",
        "A256KW",
        "dir",
        "ECDH-ES",
        "ECDH-ES+A128KW",
        "ECDH-ES+A192KW",
        "ECDH-ES+A256KW",
        "A128GCMKW",
        "A192GCMKW",
        "A256GCMKW",
        "PBES2-HS256+A128KW",
        "PBES2-HS384+A192KW",
        "PBES2-HS512+A256KW",
        "A128CBC-HS256",
        "A192CBC-HS384",
        "A256CBC-HS512",
        "A128GCM",
        "A192GCM",
        "A256GCM",
        NULL,
};

static bool jwa_known(const char *s, size_t n)
{
    for (size_t i = 0; jwa_names[i]; i++)
        if (strlen(jwa_names[i]) == n && memcmp(jwa_names[i], s, n) == 0)
            return true;
    return false;
}

typedef struct jwk_field {
    const char *name;
    size_t off; /* of the rg_jwt_datum in rg_jwt_key */
} jwk_field;

#define F(n, m)                    \
    {                              \
        n, offsetof(rg_jwt_key, m) \
    }
static const jwk_field rsa_fields[] = {F("n", n),   F("e", e),   F("d", d),   F("p", p), F("q", q),
                                       F("dp", dp), F("dq", dq), F("qi", qi), {NULL, 0}};
static const jwk_field ec_fields[] = {F("x", x), F("y", y), F("d", d), {NULL, 0}};
static const jwk_field okp_fields[] = {F("x", x), F("d", d), {NULL, 0}};
static const jwk_field oct_fields[] = {F("k", k), {NULL, 0}};
#undef F

static const char *go_json_kind(const kv_value *v)
{
    switch (kv_kind_of(v)) {
    case KV_NULL: return "null";
    case KV_BOOL: return "bool";
    case KV_NUMBER: return "number";
    case KV_STRING: return "string";
    case KV_ARRAY:
    case KV_SET: return "array";
    default: return "object";
    }
}

/* Decodes one JWK object (jwk.ParseKey). Messages start after
 * "jwk.ParseKey: ". */
static int jwk_key(ks_arena *a, const kv_value *obj, rg_jwt_key *k, ks_buf *msg)
{
    memset(k, 0, sizeof(*k));
    k->alg = "";
    k->kid = "";
    if (kv_kind_of(obj) != KV_OBJECT) {
        ks_buf_printf(msg,
                      "jwk.Parse: failed to probe data: probe: failed to unmarshal data: json: "
                      "cannot unmarshal %s into Go value of type struct { Kty string "
                      "\"json:\\\"kty\\\"\"; D json.RawMessage \"json:\\\"d,omitempty\\\"\" }",
                      go_json_kind(obj));
        return -1;
    }
    const kv_value *kty = kv_obj_get(obj, "kty", 3);
    if (kty && kv_kind_of(kty) != KV_STRING && kv_kind_of(kty) != KV_NULL) {
        ks_buf_printf(msg,
                      "jwk.Parse: failed to probe data: probe: failed to unmarshal data: json: "
                      "cannot unmarshal %s into Go struct field .kty of type string",
                      go_json_kind(kty));
        return -1;
    }
    const char *ty = kty && kty->kind == KV_STRING ? kty->u.s : "";
    bool priv = kv_obj_get(obj, "d", 1) != NULL;
    const jwk_field *fields;
    const char *tname;
    if (strcmp(ty, "RSA") == 0) {
        k->kty = RG_JWT_KTY_RSA;
        fields = rsa_fields;
        tname = priv ? "rsaPrivateKey" : "rsaPublicKey";
    } else if (strcmp(ty, "EC") == 0) {
        k->kty = RG_JWT_KTY_EC;
        fields = ec_fields;
        tname = priv ? "ecdsaPrivateKey" : "ecdsaPublicKey";
    } else if (strcmp(ty, "OKP") == 0) {
        k->kty = RG_JWT_KTY_ED25519;
        fields = okp_fields;
        tname = priv ? "okpPrivateKey" : "okpPublicKey";
    } else if (strcmp(ty, "oct") == 0) {
        k->kty = RG_JWT_KTY_OCT;
        fields = oct_fields;
        tname = "symmetricKey";
        priv = false;
    } else {
        ks_buf_printf(msg, "invalid key type from JSON (%s)", ty);
        return -1;
    }
    k->priv = priv;
    k->type_name = tname;
    size_t prefix = msg->len;
    ks_buf_printf(msg,
                  "failed to unmarshal JSON into key (*jwk.%s): failed to unmarshal JSON into "
                  "key (*jwk.%s): ",
                  tname, tname);
    const char *crv = NULL;
    for (size_t i = 0; i < obj->len; i++) {
        const kv_member *m = &obj->u.members[i];
        if (m->key.kind != KV_STRING)
            continue;
        const char *name = m->key.u.s;
        const kv_value *v = &m->val;
        if (strcmp(name, "alg") == 0) {
            if (v->kind != KV_STRING) {
                ks_buf_printf(msg,
                              "failed to decode value for key alg: json: cannot unmarshal %s "
                              "into Go value of type string",
                              go_json_kind(v));
                return -1;
            }
            if (!jwa_known(v->u.s, v->len)) {
                ks_buf_puts(msg, "failed to decode value for key alg: invalid key value: \"");
                ks_buf_append(msg, v->u.s, v->len);
                ks_buf_puts(msg, "\": invalid key algorithm");
                return -1;
            }
            k->alg = v->u.s;
            continue;
        }
        if (strcmp(name, "kid") == 0 ||
            (strcmp(name, "crv") == 0 && k->kty != RG_JWT_KTY_OCT && k->kty != RG_JWT_KTY_RSA)) {
            if (v->kind == KV_NULL)
                continue;
            if (v->kind != KV_STRING) {
                ks_buf_printf(msg,
                              "failed to decode value for key %s: error reading next value: json: "
                              "cannot unmarshal %s into Go value of type string",
                              name, go_json_kind(v));
                return -1;
            }
            if (name[0] == 'k')
                k->kid = v->u.s;
            else
                crv = v->u.s;
            continue;
        }
        for (const jwk_field *f = fields; f->name; f++) {
            if (strcmp(f->name, name) != 0)
                continue;
            ks_buf raw = KS_BUF_INIT;
            int rc =
                    v->kind == KV_STRING ? rg_jwt_b64_guess_decode(&raw, v->u.s, v->len, NULL) : -1;
            if (rc) {
                ks_buf_free(&raw);
                if (v->kind == KV_STRING)
                    ks_buf_printf(msg,
                                  "failed to decode value for key %s: expected base64 encoded "
                                  "[]byte (string)",
                                  name);
                else
                    ks_buf_printf(msg,
                                  "failed to decode value for key %s: error reading next value: "
                                  "json: cannot unmarshal %s into Go value of type string",
                                  name, go_json_kind(v));
                return -1;
            }
            rg_jwt_datum *d = (rg_jwt_datum *)((char *)k + f->off);
            d->n = raw.len;
            d->p = raw.len ? ks_arena_memdup(a, raw.data, raw.len) : (const uint8_t *)"";
            ks_buf_free(&raw);
            if (!d->p)
                return -1;
        }
    }
    /* Required members, in jwx's order. */
    const char *missing = NULL;
    switch (k->kty) {
    case RG_JWT_KTY_RSA:
        missing = priv && !k->d.p ? "d" : !k->e.p ? "e" : !k->n.p ? "n" : NULL;
        break;
    case RG_JWT_KTY_EC:
        missing = !crv ? "crv" : priv && !k->d.p ? "d" : !k->x.p ? "x" : !k->y.p ? "y" : NULL;
        break;
    case RG_JWT_KTY_ED25519:
        missing = !crv ? "crv" : priv && !k->d.p ? "d" : !k->x.p ? "x" : NULL;
        break;
    default: missing = !k->k.p ? "k" : NULL; break;
    }
    if (missing) {
        ks_buf_printf(msg, "required field %s is missing", missing);
        return -1;
    }
    if (k->kty == RG_JWT_KTY_EC) {
        if (strcmp(crv, "P-256") == 0) {
            k->curve = GNUTLS_ECC_CURVE_SECP256R1;
            k->ec_size = 32;
        } else if (strcmp(crv, "P-384") == 0) {
            k->curve = GNUTLS_ECC_CURVE_SECP384R1;
            k->ec_size = 48;
        } else if (strcmp(crv, "P-521") == 0) {
            k->curve = GNUTLS_ECC_CURVE_SECP521R1;
            k->ec_size = 66;
        } else {
            ks_buf_printf(
                    msg,
                    "failed to decode value for key crv: unknown EllipticCurveAlgorithm: \"%s\"",
                    crv);
            return -1;
        }
    } else if (k->kty == RG_JWT_KTY_ED25519) {
        if (strcmp(crv, "Ed25519") == 0) {
            k->curve = GNUTLS_ECC_CURVE_ED25519;
        } else if (strcmp(crv, "X25519") == 0) {
            if (k->x.n != 32 || (priv && k->d.n != 32)) {
                ks_buf_truncate(msg, prefix);
                ks_buf_printf(msg,
                              "jwk.Parse: key validation failed: key validation failed: "
                              "jwk.OKP%sKey: x25519: wrong %s key size",
                              priv ? "Private" : "Public", k->x.n != 32 ? "public" : "private");
                return -1;
            }
            k->kty = RG_JWT_KTY_OTHER;
        } else if (strcmp(crv, "Ed448") == 0 || strcmp(crv, "X448") == 0) {
            k->kty = RG_JWT_KTY_OTHER;
        } else {
            ks_buf_printf(
                    msg,
                    "failed to decode value for key crv: unknown EllipticCurveAlgorithm: \"%s\"",
                    crv);
            return -1;
        }
    }
    ks_buf_truncate(msg, prefix);
    /* Validation (jwx's Validate after parsing). */
    if (k->kty == RG_JWT_KTY_OCT && k->k.n == 0) {
        ks_buf_puts(msg, "jwk.Parse: key validation failed: key validation failed: "
                         "jwk.SymmetricKey: missing \"k\" field");
        return -1;
    }
    if (k->kty == RG_JWT_KTY_EC) {
        if (k->x.n != (size_t)k->ec_size || k->y.n != (size_t)k->ec_size) {
            bool bx = k->x.n != (size_t)k->ec_size;
            ks_buf_printf(msg,
                          "jwk.Parse: key validation failed: key validation failed: "
                          "jwk.ECDSA%sKey: invalid \"%s\" length (%zu) for curve \"%s\"",
                          priv ? "Private" : "Public", bx ? "x" : "y", bx ? k->x.n : k->y.n, crv);
            return -1;
        }
    } else if (k->kty == RG_JWT_KTY_ED25519) {
        if (k->x.n != 32 || (priv && k->d.n != 32)) {
            ks_buf_printf(msg,
                          "jwk.Parse: key validation failed: key validation failed: "
                          "jwk.OKP%sKey: ed25519: wrong %s key size",
                          priv ? "Private" : "Public", k->x.n != 32 ? "public" : "private");
            return -1;
        }
    }
    return 0;
}

/* The GnuTLS public key of a decoded JWK (NULL when it cannot be made). */
static gnutls_pubkey_t jwk_pubkey(const rg_jwt_key *k)
{
    gnutls_pubkey_t pub;
    if (gnutls_pubkey_init(&pub) < 0)
        return NULL;
    int rc = -1;
    gnutls_datum_t n = {(unsigned char *)k->n.p, (unsigned)k->n.n};
    gnutls_datum_t e = {(unsigned char *)k->e.p, (unsigned)k->e.n};
    gnutls_datum_t x = {(unsigned char *)k->x.p, (unsigned)k->x.n};
    gnutls_datum_t y = {(unsigned char *)k->y.p, (unsigned)k->y.n};
    switch (k->kty) {
    case RG_JWT_KTY_RSA:
        if (n.size && e.size)
            rc = gnutls_pubkey_import_rsa_raw(pub, &n, &e);
        break;
    case RG_JWT_KTY_EC:
        rc = gnutls_pubkey_import_ecc_raw(pub, (gnutls_ecc_curve_t)k->curve, &x, &y);
        break;
    case RG_JWT_KTY_ED25519:
        rc = gnutls_pubkey_import_ecc_raw(pub, GNUTLS_ECC_CURVE_ED25519, &x, NULL);
        break;
    default: break;
    }
    if (rc < 0) {
        gnutls_pubkey_deinit(pub);
        return NULL;
    }
    return pub;
}

/* The first JSON value of s, read as a Go json.Decoder reads it (jwx's
 * probe): 0 and the value, or -1 with the decoder's message in msg. */
static int go_json_first(ks_arena *a, const char *s, size_t n, kv_value *out, ks_buf *msg)
{
    size_t st = 0, en = (size_t)-1;
    ks_buf m = KS_BUF_INIT;
    int rc = bi_json_decode_span(a, s, n, &st, &en, &m);
    if (rc && en == (size_t)-1) {
        ks_buf_append(msg, m.data ? m.data : "", m.len);
        ks_buf_free(&m);
        return -1;
    }
    ks_buf_free(&m);
    ks_error err;
    ks_error_clear(&err);
    if (kv_json_parse(a, s + st, en - st, NULL, out, &err) < 0) {
        ks_buf_puts(msg, err.msg);
        return -1;
    }
    return 0;
}

int rg_jwt_jwk_parse(ks_arena *a, const char *s, size_t n, rg_jwt_keys *out, ks_buf *msg)
{
    size_t cap = 0, base = msg->len;
    memset(out, 0, sizeof(*out));
    kv_value doc;
    ks_error err;
    ks_error_clear(&err);
    bool is_set = rg_jwt_fastjson_has(s, n, "keys");
    if (is_set) {
        if (kv_json_parse(a, s, n, NULL, &doc, &err) < 0) {
            ks_buf_printf(msg, "jwk.Parse: failed to unmarshal JWK set: %s", err.msg);
            return -1;
        }
    } else {
        ks_buf_puts(msg, "jwk.Parse: failed to parse sole key: jwk.ParseKey: ");
        size_t mark = msg->len;
        ks_buf_puts(msg, "jwk.Parse: failed to probe data: probe: failed to unmarshal data: ");
        if (go_json_first(a, s, n, &doc, msg))
            return -1;
        ks_buf_truncate(msg, mark);
        /* null decodes into the probe as nothing: no key type. */
        if (doc.kind == KV_NULL) {
            ks_buf_puts(msg, "invalid key type from JSON ()");
            return -1;
        }
        ks_buf_truncate(msg, base);
    }
    const kv_value *items = &doc;
    size_t count = 1;
    if (is_set) {
        const kv_value *keys = kv_obj_get(&doc, "keys", 4);
        if (!keys || kv_kind_of(keys) != KV_ARRAY) {
            ks_buf_puts(msg, "jwk.Parse: failed to unmarshal JWK set: failed to decode \"keys\": "
                             "expected '[' but got ");
            if (keys) {
                rg_value_write_rego(msg, keys);
            }
            return -1;
        }
        items = keys->u.items;
        count = keys->len;
    }
    for (size_t i = 0; i < count; i++) {
        rg_jwt_key k;
        size_t mark = msg->len;
        if (is_set)
            ks_buf_printf(msg,
                          "jwk.Parse: failed to unmarshal JWK set: failed to decode key #%zu in "
                          "\"keys\": jwk.ParseKey: ",
                          i);
        else
            ks_buf_puts(msg, "jwk.Parse: failed to parse sole key: jwk.ParseKey: ");
        if (jwk_key(a, &items[i], &k, msg)) {
            rg_jwt_keys_free(out);
            return -1;
        }
        ks_buf_truncate(msg, mark);
        k.pub = jwk_pubkey(&k);
        if (keys_add(a, out, &cap, &k)) {
            if (k.pub)
                gnutls_pubkey_deinit(k.pub);
            rg_jwt_keys_free(out);
            return -1;
        }
    }
    return 0;
}

int rg_jwt_keys_from_cert_or_jwk(ks_arena *a, const char *s, size_t n, rg_jwt_keys *out,
                                 ks_buf *msg)
{
    memset(out, 0, sizeof(*out));
    rg_jwt_pem blk;
    size_t rest;
    if (rg_jwt_pem_decode(s, n, &blk, &rest)) {
        int rc;
        if (rest < n) {
            ks_buf_puts(msg, "extra data after a PEM certificate block");
            rc = -1;
        } else {
            rc = pem_key(a, s, n, &blk, out, msg);
        }
        ks_buf_free(&blk.der);
        return rc;
    }
    size_t mark = msg->len;
    ks_buf_puts(msg, "failed to parse a JWK key (set): jwk.ParseString: failed to parse string: ");
    rg_jwt_keys all;
    if (rg_jwt_jwk_parse(a, s, n, &all, msg))
        return -1;
    ks_buf_truncate(msg, mark);
    /* Private RSA keys need their primes to be exported (jwk.Export). */
    for (size_t i = 0; i < all.n; i++) {
        const rg_jwt_key *k = &all.k[i];
        if (k->kty == RG_JWT_KTY_RSA && k->priv && (!k->q.p || !k->p.p)) {
            ks_buf_printf(msg,
                          "jwk.Export: failed to export jwk.Key to raw format: missing \"%s\" "
                          "value",
                          !k->q.p ? "q" : "p");
            rg_jwt_keys_free(&all);
            return -1;
        }
    }
    /* Keys whose algorithm is no JWS algorithm here are skipped. */
    size_t j = 0;
    for (size_t i = 0; i < all.n; i++) {
        rg_jwt_key *k = &all.k[i];
        if (k->alg[0] && !rg_jwt_alg_find(k->alg, strlen(k->alg))) {
            if (k->pub)
                gnutls_pubkey_deinit(k->pub);
            continue;
        }
        all.k[j++] = *k;
    }
    all.n = j;
    *out = all;
    return 0;
}
