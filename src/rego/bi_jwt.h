/*
 * Support for the JWT and x509 builtins (builtin_jwt.c, builtin_x509.c),
 * internal to src/rego: Go-compatible base64 and PEM decoding, a JSON
 * reader with fastjson's grammar (how OPA's JWS library reads a header),
 * keys from PEM certificates, PEM public keys and JWKs, and signature
 * checks and signing through GnuTLS (HMAC through Nettle).
 *
 * Keys own GnuTLS objects: release them with rg_jwt_keys_free. Error texts
 * follow OPA v1.22.3 and the Go libraries it uses; functions that fail
 * return -1 and append the message to msg. Thread-safe (no global state).
 */
#ifndef KS_REGO_BI_JWT_H
#define KS_REGO_BI_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>

#include "core/arena.h"
#include "core/buf.h"

/* ---- base64 and PEM (bi_jwt_pem.c) ---- */

enum {
    RG_JWT_B64_URL = 1,   /* - _ alphabet instead of + / */
    RG_JWT_B64_NOPAD = 2, /* no '=' padding (Go's Raw encodings) */
};

/* Decodes s as Go's encoding/base64 does (non-strict: '\r' and '\n'
 * skipped, unused trailing bits ignored). Returns 0, or -1 with Go's
 * "illegal base64 data at input byte N" in msg (msg may be NULL). */
int rg_jwt_b64_decode(ks_buf *out, const char *s, size_t n, unsigned variant, ks_buf *msg);

/* jwx's lenient decoding: the encoding is guessed from '=' and '+' '/'. */
int rg_jwt_b64_guess_decode(ks_buf *out, const char *s, size_t n, ks_buf *msg);

/* One block of Go's pem.Decode. */
typedef struct rg_jwt_pem {
    const char *type; /* not NUL-terminated */
    size_t type_len;
    bool has_headers;
    ks_buf der; /* the decoded bytes (caller frees) */
} rg_jwt_pem;

/* Finds the first valid PEM block in s as Go's pem.Decode: true with the
 * block and *rest (the offset after it), false when there is none. */
bool rg_jwt_pem_decode(const char *s, size_t n, rg_jwt_pem *blk, size_t *rest);

/* ---- fastjson (bi_jwt_pem.c) ---- */

typedef enum {
    RG_FJ_ERR = 0,
    RG_FJ_OBJECT,
    RG_FJ_ARRAY,
    RG_FJ_STRING,
    RG_FJ_NUMBER,
    RG_FJ_TRUE,
    RG_FJ_FALSE,
    RG_FJ_NULL,
} rg_fj_type;

/* Parses s with fastjson's grammar and reads the string member key of the
 * top-level value, as jwsbb.HeaderGetString does: 0 with the unescaped
 * string appended to val, or -1 with the library's message in msg. */
int rg_jwt_fastjson_get_string(const char *s, size_t n, const char *key, ks_buf *val, ks_buf *msg);
/* Whether the top-level value is an object with the member key. */
bool rg_jwt_fastjson_has(const char *s, size_t n, const char *key);

/* ---- keys (bi_jwt_keys.c) ---- */

enum rg_jwt_kty {
    RG_JWT_KTY_RSA = 1,
    RG_JWT_KTY_EC,
    RG_JWT_KTY_ED25519,
    RG_JWT_KTY_OCT,
    RG_JWT_KTY_OTHER, /* a key type no JWS algorithm here uses */
};

typedef struct rg_jwt_datum {
    const uint8_t *p;
    size_t n;
} rg_jwt_datum;

typedef struct rg_jwt_key {
    int kty;               /* enum rg_jwt_kty */
    bool priv;             /* a private key (JWK with "d") */
    gnutls_pubkey_t pub;   /* RSA, EC, Ed25519: the public key; else NULL */
    int ec_size;           /* EC: bytes of a coordinate (32, 48, 66) */
    int curve;             /* EC/OKP: gnutls_ecc_curve_t */
    const char *alg;       /* JWK "alg", "" when absent */
    const char *kid;       /* JWK "kid", "" when absent */
    const char *type_name; /* Go type of the JWK, for messages ("jwk.rsaPublicKey") */
    /* JWK parameters, decoded (arena memory): RSA n e d p q dp dq qi; EC
     * x y d; OKP x d; oct k. */
    rg_jwt_datum n, e, d, p, q, dp, dq, qi, x, y, k;
} rg_jwt_key;

typedef struct rg_jwt_keys {
    rg_jwt_key *k;
    size_t n;
} rg_jwt_keys;

void rg_jwt_keys_free(rg_jwt_keys *ks);

/* OPA's parseKeysFromCertOrJWK: a PEM certificate or public key, or a JWK
 * or JWK set (keys whose "alg" is not a JWS algorithm here are dropped). */
int rg_jwt_keys_from_cert_or_jwk(ks_arena *a, const char *s, size_t n, rg_jwt_keys *out,
                                 ks_buf *msg);

/* jwx's jwk.Parse: a JWK or a JWK set ({"keys": [...]}). Messages start
 * with "jwk.Parse: ". */
int rg_jwt_jwk_parse(ks_arena *a, const char *s, size_t n, rg_jwt_keys *out, ks_buf *msg);

/* ---- signatures (bi_jwt_sig.c) ---- */

enum rg_jwt_family { RG_JWT_HS = 1, RG_JWT_RS, RG_JWT_PS, RG_JWT_ES, RG_JWT_ED };

typedef struct rg_jwt_alg {
    const char *name; /* "RS256" */
    int family;       /* enum rg_jwt_family */
    int digest;       /* gnutls_digest_algorithm_t; 0 for EdDSA */
} rg_jwt_alg;

/* The JWS algorithms OPA knows (its tokenAlgorithms), or NULL. */
const rg_jwt_alg *rg_jwt_alg_find(const char *name, size_t n);

/* Digest of data with the algorithm's hash; returns its length. */
size_t rg_jwt_digest(int digest, const void *data, size_t n, uint8_t out[64]);

/* HMAC of data; returns the MAC's length. */
size_t rg_jwt_hmac(int digest, const void *key, size_t nkey, const void *data, size_t n,
                   uint8_t out[64]);

/* OPA's io.jwt.verify_* checks: the key must be a public key of the
 * family (Go's type assertion), PSS salts of any length, ECDSA signatures
 * split in halves. True when the signature verifies. */
bool rg_jwt_verify_opa(const rg_jwt_key *key, const rg_jwt_alg *alg, const void *data, size_t n,
                       const uint8_t *sig, size_t nsig);

/* jwsbb.Verify, as io.jwt.decode_verify uses it: private keys verify with
 * their public half, PSS salts are the hash's length, ECDSA signatures
 * must be twice the curve's size. A secret (key NULL) is an HMAC key. */
bool rg_jwt_verify_jws(const rg_jwt_key *key, const uint8_t *secret, size_t nsecret,
                       const rg_jwt_alg *alg, const void *data, size_t n, const uint8_t *sig,
                       size_t nsig);

/* jwsbb.Sign with a JWK: 0 with the signature in out, or -1 and msg. */
int rg_jwt_sign(const rg_jwt_key *key, const rg_jwt_alg *alg, const void *data, size_t n,
                ks_buf *out, ks_buf *msg);

#endif
