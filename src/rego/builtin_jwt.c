/*
 * Rego builtins: JSON Web Tokens (OPA's io.jwt.*): decoding, signature
 * checks with PEM certificates, PEM public keys, JWKs and JWK sets, full
 * verification against constraints, and signing with a JWK.
 *
 * Base64url and JSON decoding go through the encoding builtins, as OPA's
 * do, so their error texts are the same; keys and signatures are in
 * bi_jwt_keys.c and bi_jwt_sig.c (GnuTLS, Nettle).
 */
#include <string.h>
#include <strings.h>

#include <nettle/memops.h>

#include "core/base64.h"
#include "core/digest.h"
#include "rego/bi_json.h"
#include "rego/bi_jwt.h"
#include "rego/builtin.h"

static int nomem(rg_bctx *c)
{
    return rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
}

/* Calls another builtin the way OPA's getResult does: its error message
 * (without a name prefix) lands in msg. */
static int sub_call(rg_bctx *c, const char *name, const kv_value *args, kv_value *out, ks_buf *msg)
{
    const rg_builtin_def *d = rg_builtin_lookup(name, strlen(name));
    if (!d) {
        ks_buf_printf(msg, "builtin %s is missing", name);
        return RG_EBUILTIN;
    }
    rg_bctx sub = *c;
    sub.name = NULL;
    sub.err_msg = msg;
    return d->fn(&sub, args, out);
}

/* The result of a failed sub_call as this builtin's error, after prefix. */
static int sub_error(rg_bctx *c, int rc, const char *prefix, const ks_buf *msg)
{
    if (rc == RG_EHALT)
        return rc;
    return rg_bi_error(c, RG_ERR_BUILTIN, "%s%s", prefix, ks_buf_cstr(msg));
}

/* base64url.decode of s; the error (OPA wraps it) in *rc. */
static int b64url(rg_bctx *c, const char *s, size_t n, kv_value *out, const char *prefix)
{
    kv_value arg = kv_str_ref(s, n);
    if (s[n] != '\0') { /* a slice of the token: give it its own NUL */
        char *copy = ks_arena_strndup(c->arena, s, n);
        if (!copy)
            return nomem(c);
        arg = kv_str_ref(copy, n);
    }
    ks_buf msg = KS_BUF_INIT;
    int rc = sub_call(c, "base64url.decode", &arg, out, &msg);
    if (rc != RG_OK)
        rc = sub_error(c, rc, prefix, &msg);
    ks_buf_free(&msg);
    return rc;
}

/* OPA's extractJSONObject: json.unmarshal, then it must be an object. */
static int json_object(rg_bctx *c, const kv_value *s, kv_value *out, const char *prefix)
{
    ks_buf msg = KS_BUF_INIT;
    int rc = sub_call(c, "json.unmarshal", s, out, &msg);
    if (rc != RG_OK) {
        ks_buf p = KS_BUF_INIT;
        ks_buf_printf(&p, "%sinvalid JSON: ", prefix);
        rc = sub_error(c, rc, ks_buf_cstr(&p), &msg);
        ks_buf_free(&p);
    } else if (out->kind != KV_OBJECT) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%sdecoded JSON type was not an Object", prefix);
    }
    ks_buf_free(&msg);
    return rc;
}

/* ---- tokens ---- */

typedef struct token {
    const char *hdr, *pl, *sig; /* the three base64url sections */
    size_t nhdr, npl, nsig;
    kv_value header; /* decoded header (decode_header) */
} token;

/* decodeJWT: operand n (1-based) must be a string of three sections. */
static int split_token(rg_bctx *c, const kv_value *v, int n, token *t)
{
    if (v->kind != KV_STRING)
        return rg_bi_type_error(c, n, "string", v);
    const char *s = v->u.s;
    size_t len = v->len;
    if (!memchr(s, '.', len))
        return rg_bi_error(c, RG_ERR_BUILTIN, "encoded JWT had no period separators");
    size_t parts = 1;
    for (size_t i = 0; i < len; i++)
        parts += s[i] == '.';
    if (parts != 3)
        return rg_bi_error(c, RG_ERR_BUILTIN, "encoded JWT must have 3 sections, found %zu", parts);
    const char *d1 = memchr(s, '.', len);
    const char *d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s));
    memset(t, 0, sizeof(*t));
    t->hdr = s;
    t->nhdr = (size_t)(d1 - s);
    t->pl = d1 + 1;
    t->npl = (size_t)(d2 - t->pl);
    t->sig = d2 + 1;
    t->nsig = len - (size_t)(t->sig - s);
    return RG_OK;
}

static int decode_header(rg_bctx *c, token *t)
{
    kv_value raw;
    int rc = b64url(c, t->hdr, t->nhdr, &raw, "JWT header had invalid encoding: ");
    if (rc)
        return rc;
    rc = json_object(c, &raw, &t->header, "bad JWT header: ");
    if (rc)
        return rc;
    if (kv_obj_get(&t->header, "enc", 3))
        return rg_bi_error(c, RG_ERR_BUILTIN, "JWT is a JWE object, which is not supported");
    return RG_OK;
}

static int decode_signature(rg_bctx *c, const token *t, kv_value *sig)
{
    return b64url(c, t->sig, t->nsig, sig, "");
}

/* The JOSE header parameters OPA looks at. */
typedef struct theader {
    const char *alg, *kid, *cty;
    size_t nalg, nkid, ncty;
    bool valid;
} theader;

static bool crit_has(const kv_value *crit, size_t ncrit, const kv_value *key)
{
    for (size_t i = 0; i < ncrit; i++)
        if (kv_equal(&crit->u.items[i], key))
            return true;
    return false;
}

static int parse_header(rg_bctx *c, const kv_value *h, theader *th)
{
    static const char *const strs[] = {"alg", "kid", "typ", "cty"};
    memset(th, 0, sizeof(*th));
    th->alg = th->kid = th->cty = "";
    const kv_value *crit = NULL;
    size_t ncrit = 0;
    for (size_t i = 0; i < h->len; i++) {
        const kv_member *m = &h->u.members[i];
        if (m->key.kind != KV_STRING)
            continue;
        bool known = false;
        for (size_t k = 0; k < 4; k++) {
            if (strcmp(m->key.u.s, strs[k]) != 0)
                continue;
            known = true;
            if (m->val.kind != KV_STRING)
                return rg_bi_error(c, RG_ERR_BUILTIN, "%s: must be a string", strs[k]);
            if (k == 0) {
                th->alg = m->val.u.s;
                th->nalg = m->val.len;
            } else if (k == 1) {
                th->kid = m->val.u.s;
                th->nkid = m->val.len;
            } else if (k == 3) {
                th->cty = m->val.u.s;
                th->ncty = m->val.len;
            }
        }
        if (strcmp(m->key.u.s, "crit") == 0) {
            known = true;
            if (m->val.kind != KV_ARRAY)
                return rg_bi_error(c, RG_ERR_BUILTIN, "crit: must be a list");
            crit = &m->val;
            /* Strings up to the first other element count (OPA stops its
             * iteration there and ignores the error). */
            while (ncrit < crit->len && crit->u.items[ncrit].kind == KV_STRING)
                ncrit++;
            if (ncrit == 0)
                return rg_bi_error(c, RG_ERR_BUILTIN, "crit: must be a nonempty list");
        }
        (void)known;
    }
    th->valid = th->nalg > 0;
    if (crit) {
        for (size_t i = 0; i < h->len && th->valid; i++) {
            const kv_value *key = &h->u.members[i].key;
            if (key->kind != KV_STRING)
                continue;
            bool known = strcmp(key->u.s, "crit") == 0;
            for (size_t k = 0; k < 4; k++)
                known = known || strcmp(key->u.s, strs[k]) == 0;
            if (!known && crit_has(crit, ncrit, key))
                th->valid = false;
        }
    }
    return RG_OK;
}

/* ---- io.jwt.decode ---- */

static int jwt_decode(rg_bctx *c, const kv_value *tok, kv_value *out, int depth)
{
    token t;
    int rc = split_token(c, tok, 1, &t);
    if (rc)
        return rc;
    if ((rc = decode_header(c, &t)))
        return rc;
    kv_value p;
    if ((rc = b64url(c, t.pl, t.npl, &p, "JWT payload had invalid encoding: ")))
        return rc;
    const kv_value *cty = kv_obj_get(&t.header, "cty", 3);
    if (cty && cty->kind == KV_STRING && cty->len == 3 && memcmp(cty->u.s, "JWT", 3) == 0) {
        /* A nested token, possibly quoted: strings.Trim(p, "\"'"). */
        const char *s = p.u.s;
        size_t n = p.len;
        while (n > 0 && (s[0] == '"' || s[0] == '\'')) {
            s++;
            n--;
        }
        while (n > 0 && (s[n - 1] == '"' || s[n - 1] == '\''))
            n--;
        char *inner = ks_arena_strndup(c->arena, s, n);
        if (!inner)
            return nomem(c);
        kv_value in = kv_str_ref(inner, n);
        return jwt_decode(c, &in, out, depth + 1);
    }
    kv_value payload, sig;
    if ((rc = json_object(c, &p, &payload, "")))
        return rc;
    if ((rc = b64url(c, t.sig, t.nsig, &sig, "JWT signature had invalid encoding: ")))
        return rc;
    char *hex = ks_arena_alloc_bytes(c->arena, 2 * (size_t)sig.len + 1);
    if (!hex)
        return nomem(c);
    ks_hex_encode((const uint8_t *)sig.u.s, sig.len, hex);
    kv_value items[3] = {t.header, payload, kv_str_ref(hex, 2 * (size_t)sig.len)};
    return kv_array_new(c->arena, items, 3, out) ? nomem(c) : RG_OK;
}

static int bi_decode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return jwt_decode(c, &args[0], out, 0);
}

/* ---- io.jwt.verify_* ---- */

static int verify_hs(rg_bctx *c, const kv_value *args, kv_value *out, int digest)
{
    const char *jwt, *secret;
    size_t njwt, nsecret;
    int rc = rg_arg_string(c, args, 0, &jwt, &njwt);
    if (rc)
        return rc;
    if ((rc = rg_arg_string(c, args, 1, &secret, &nsecret)))
        return rc;
    token t;
    if ((rc = split_token(c, &args[0], 1, &t)))
        return rc;
    uint8_t mac[64];
    size_t nm = rg_jwt_hmac(digest, secret, nsecret, t.hdr, t.nhdr + 1 + t.npl, mac);
    kv_value sig;
    if ((rc = decode_signature(c, &t, &sig)))
        return rc;
    *out = kv_bool(sig.len == nm && nettle_memeql_sec(sig.u.s, mac, nm));
    return RG_OK;
}

static int bi_verify_hs256(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return verify_hs(c, args, out, GNUTLS_DIG_SHA256);
}

static int bi_verify_hs384(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return verify_hs(c, args, out, GNUTLS_DIG_SHA384);
}

static int bi_verify_hs512(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return verify_hs(c, args, out, GNUTLS_DIG_SHA512);
}

/* Keys from a certificate string; errors become this builtin's. */
static int load_keys(rg_bctx *c, const char *s, size_t n, rg_jwt_keys *keys)
{
    ks_buf msg = KS_BUF_INIT;
    int rc = RG_OK;
    if (rg_jwt_keys_from_cert_or_jwk(c->arena, s, n, keys, &msg))
        rc = msg.len ? rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg)) : nomem(c);
    ks_buf_free(&msg);
    return rc;
}

static const rg_jwt_key *key_by_kid(const rg_jwt_keys *keys, const char *kid, size_t nkid)
{
    for (size_t i = 0; i < keys->n; i++)
        if (strlen(keys->k[i].kid) == nkid && memcmp(keys->k[i].kid, kid, nkid) == 0)
            return &keys->k[i];
    return NULL;
}

static int verify_asym(rg_bctx *c, const kv_value *args, kv_value *out, const char *alg_name)
{
    const rg_jwt_alg *alg = rg_jwt_alg_find(alg_name, strlen(alg_name));
    token t;
    int rc = split_token(c, &args[0], 1, &t);
    if (rc)
        return rc;
    const char *cert;
    size_t ncert;
    if ((rc = rg_arg_string(c, args, 1, &cert, &ncert)))
        return rc;
    rg_jwt_keys keys;
    if ((rc = load_keys(c, cert, ncert, &keys)))
        return rc;
    kv_value sig;
    theader th;
    if ((rc = decode_signature(c, &t, &sig)) || (rc = decode_header(c, &t)) ||
        (rc = parse_header(c, &t.header, &th)))
        goto out;
    const uint8_t *sp = (const uint8_t *)sig.u.s;
    size_t input = t.nhdr + 1 + t.npl;
    bool valid = false;
    const rg_jwt_key *k = th.nkid ? key_by_kid(&keys, th.kid, th.nkid) : NULL;
    if (k) {
        valid = rg_jwt_verify_opa(k, alg, t.hdr, input, sp, sig.len);
    } else {
        for (size_t i = 0; i < keys.n && !valid; i++) {
            k = &keys.k[i];
            if (k->alg[0] && (strlen(k->alg) != th.nalg || memcmp(k->alg, th.alg, th.nalg) != 0))
                continue;
            valid = rg_jwt_verify_opa(k, alg, t.hdr, input, sp, sig.len);
        }
    }
    *out = kv_bool(valid);
out:
    rg_jwt_keys_free(&keys);
    return rc;
}

#define VERIFY(fn, name)                                           \
    static int fn(rg_bctx *c, const kv_value *args, kv_value *out) \
    {                                                              \
        return verify_asym(c, args, out, name);                    \
    }
VERIFY(bi_verify_rs256, "RS256")
VERIFY(bi_verify_rs384, "RS384")
VERIFY(bi_verify_rs512, "RS512")
VERIFY(bi_verify_ps256, "PS256")
VERIFY(bi_verify_ps384, "PS384")
VERIFY(bi_verify_ps512, "PS512")
VERIFY(bi_verify_es256, "ES256")
VERIFY(bi_verify_es384, "ES384")
VERIFY(bi_verify_es512, "ES512")
VERIFY(bi_verify_eddsa, "EdDSA")
#undef VERIFY

/* ---- io.jwt.decode_verify ---- */

typedef struct constraints {
    rg_jwt_keys keys;
    bool has_cert;
    const char *secret, *alg, *iss, *aud;
    size_t nsecret, nalg, niss, naud;
    double time; /* nanoseconds */
} constraints;

static int constraint_str(rg_bctx *c, const kv_value *v, const char *name, const char **s,
                          size_t *n)
{
    if (v->kind != KV_STRING)
        return rg_bi_error(c, RG_ERR_BUILTIN, "%s constraint: must be a string", name);
    *s = v->u.s;
    *n = v->len;
    return RG_OK;
}

static int parse_constraints(rg_bctx *c, const kv_value *o, constraints *k)
{
    memset(k, 0, sizeof(*k));
    k->secret = k->alg = k->iss = k->aud = "";
    k->time = -1;
    int rc = RG_OK;
    for (size_t i = 0; i < o->len && rc == RG_OK; i++) {
        const kv_member *m = &o->u.members[i];
        const char *name = m->key.kind == KV_STRING ? m->key.u.s : "";
        const kv_value *v = &m->val;
        if (strcmp(name, "cert") == 0) {
            if (v->kind != KV_STRING)
                return rg_bi_error(c, RG_ERR_BUILTIN, "cert constraint: must be a string");
            rg_jwt_keys_free(&k->keys);
            rc = load_keys(c, v->u.s, v->len, &k->keys);
            k->has_cert = rc == RG_OK;
        } else if (strcmp(name, "secret") == 0) {
            rc = constraint_str(c, v, name, &k->secret, &k->nsecret);
        } else if (strcmp(name, "alg") == 0) {
            rc = constraint_str(c, v, name, &k->alg, &k->nalg);
        } else if (strcmp(name, "iss") == 0) {
            rc = constraint_str(c, v, name, &k->iss, &k->niss);
        } else if (strcmp(name, "aud") == 0) {
            rc = constraint_str(c, v, name, &k->aud, &k->naud);
        } else if (strcmp(name, "time") == 0) {
            if (v->kind != KV_NUMBER)
                return rg_bi_error(c, RG_ERR_BUILTIN, "token time constraint: must be a number");
            double d = kv_num_double(v);
            if (d < 0)
                return rg_bi_error(c, RG_ERR_BUILTIN,
                                   "token time constraint: must not be negative");
            k->time = d;
        } else {
            ks_buf b = KS_BUF_INIT;
            if (m->key.kind == KV_STRING)
                ks_buf_append(&b, m->key.u.s, m->key.len);
            else
                rg_value_write_rego(&b, &m->key);
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "unknown token validation constraint: %s",
                             ks_buf_cstr(&b));
            ks_buf_free(&b);
        }
    }
    if (rc == RG_OK && k->time == -1) {
        if (c->now_ns < 0)
            return rg_bi_error(c, RG_ERR_BUILTIN, "token time constraint: must not be negative");
        k->time = (double)c->now_ns;
    }
    if (rc == RG_OK) {
        int n = (k->has_cert ? 1 : 0) + (k->nsecret ? 1 : 0);
        if (n > 1)
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "duplicate key constraints");
        else if (n < 1)
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "no key constraint");
    }
    return rc;
}

static bool str_eq(const char *a, size_t na, const char *b, size_t nb)
{
    return na == nb && memcmp(a, b, na) == 0;
}

/* constraints.verify: true when the signature checks out. */
static bool constraints_verify(const constraints *k, const theader *th, const token *t,
                               const kv_value *sig)
{
    const rg_jwt_alg *alg = rg_jwt_alg_find(th->alg, th->nalg);
    const uint8_t *sp = (const uint8_t *)sig->u.s;
    size_t input = t->nhdr + 1 + t->npl;
    if (k->has_cert) {
        const rg_jwt_key *key = th->nkid ? key_by_kid(&k->keys, th->kid, th->nkid) : NULL;
        if (key)
            return rg_jwt_verify_jws(key, NULL, 0, alg, t->hdr, input, sp, sig->len);
        for (size_t i = 0; i < k->keys.n; i++) {
            key = &k->keys.k[i];
            if (key->alg[0] && !str_eq(key->alg, strlen(key->alg), th->alg, th->nalg))
                continue;
            if (rg_jwt_verify_jws(key, NULL, 0, alg, t->hdr, input, sp, sig->len))
                return true;
        }
        return false;
    }
    return rg_jwt_verify_jws(NULL, (const uint8_t *)k->secret, k->nsecret, alg, t->hdr, input, sp,
                             sig->len);
}

static bool valid_audience(const constraints *k, const kv_value *aud)
{
    if (aud->kind == KV_STRING)
        return str_eq(aud->u.s, aud->len, k->aud, k->naud);
    if (aud->kind != KV_ARRAY)
        return false;
    for (size_t i = 0; i < aud->len; i++) {
        const kv_value *e = &aud->u.items[i];
        if (e->kind == KV_STRING && str_eq(e->u.s, e->len, k->aud, k->naud))
            return true;
    }
    return false;
}

static int unverified(rg_bctx *c, kv_value *out)
{
    kv_value empty;
    if (kv_object_new(c->arena, NULL, 0, KV_DUP_LAST_WINS, &empty, NULL))
        return nomem(c);
    kv_value items[3] = {kv_bool(false), empty, empty};
    return kv_array_new(c->arena, items, 3, out) ? nomem(c) : RG_OK;
}

/* The claims checks after a good signature: 1 when they pass, 0 when
 * not, or an error code. */
static int check_claims(rg_bctx *c, const constraints *k, const kv_value *payload)
{
    if (k->niss) {
        const kv_value *iss = kv_obj_get(payload, "iss", 3);
        if (!iss || iss->kind != KV_STRING || !str_eq(iss->u.s, iss->len, k->iss, k->niss))
            return 0;
    }
    const kv_value *aud = kv_obj_get(payload, "aud", 3);
    if (aud ? !valid_audience(k, aud) : k->naud > 0)
        return 0;
    kv_value now = kv_double(k->time / 1000000000.0);
    const kv_value *exp = kv_obj_get(payload, "exp", 3);
    if (exp) {
        if (exp->kind != KV_NUMBER)
            return rg_bi_error(c, RG_ERR_BUILTIN, "exp value must be a number");
        if (kv_compare(&now, exp) >= 0)
            return 0;
    }
    const kv_value *nbf = kv_obj_get(payload, "nbf", 3);
    if (nbf) {
        if (nbf->kind != KV_NUMBER)
            return rg_bi_error(c, RG_ERR_BUILTIN, "nbf value must be a number");
        if (kv_compare(&now, nbf) < 0)
            return 0;
    }
    return 1;
}

static int bi_decode_verify(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 1, RG_T_OBJ, "object");
    if (rc)
        return rc;
    constraints k;
    if ((rc = parse_constraints(c, &args[1], &k)))
        goto out;
    kv_value tok = args[0], p, header;
    token t;
    for (;;) {
        theader th;
        kv_value sig;
        if ((rc = split_token(c, &tok, 1, &t)) || (rc = decode_header(c, &t)) ||
            (rc = parse_header(c, &t.header, &th)))
            goto out;
        if (!th.valid || (k.nalg && !str_eq(k.alg, k.nalg, th.alg, th.nalg))) {
            rc = unverified(c, out);
            goto out;
        }
        if ((rc = decode_signature(c, &t, &sig)))
            goto out;
        if (!constraints_verify(&k, &th, &t, &sig)) {
            rc = unverified(c, out);
            goto out;
        }
        if ((rc = b64url(c, t.pl, t.npl, &p, "JWT payload had invalid encoding: ")))
            goto out;
        if (th.ncty == 3 && strncasecmp(th.cty, "JWT", 3) == 0) {
            tok = p; /* a nested token */
            continue;
        }
        break;
    }
    kv_value payload;
    if ((rc = json_object(c, &p, &payload, "")))
        goto out;
    header = t.header;
    rc = check_claims(c, &k, &payload);
    if (rc < 0)
        goto out;
    if (rc == 0) {
        rc = unverified(c, out);
        goto out;
    }
    kv_value items[3] = {kv_bool(true), header, payload};
    rc = kv_array_new(c->arena, items, 3, out) ? nomem(c) : RG_OK;
out:
    rg_jwt_keys_free(&k.keys);
    return rc;
}

/* ---- io.jwt.encode_sign, io.jwt.encode_sign_raw ---- */

static int encode_sign(rg_bctx *c, const char *hdr, size_t nh, const char *pl, size_t np,
                       const char *jwk, size_t nj, kv_value *out)
{
    ks_buf msg = KS_BUF_INIT, val = KS_BUF_INIT, res = KS_BUF_INIT, sig = KS_BUF_INIT;
    rg_jwt_keys keys = {0};
    int rc;
    if (rg_jwt_jwk_parse(c->arena, jwk, nj, &keys, &msg)) {
        rc = msg.len ? rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg)) : nomem(c);
        goto out;
    }
    if (keys.n == 0) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "no keys found in JWK set");
        goto out;
    }
    if (rg_jwt_fastjson_get_string(hdr, nh, "alg", &val, &msg)) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "missing or invalid 'alg' header: %s",
                         ks_buf_cstr(&msg));
        goto out;
    }
    const rg_jwt_alg *alg = rg_jwt_alg_find(ks_buf_cstr(&val), val.len);
    if (!alg) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "unknown JWS algorithm: %s", ks_buf_cstr(&val));
        goto out;
    }
    ks_buf_reset(&val);
    ks_buf_reset(&msg);
    bool typ_err = rg_jwt_fastjson_get_string(hdr, nh, "typ", &val, &msg) != 0;
    if ((typ_err || strcmp(ks_buf_cstr(&val), "JWT") == 0) && !bi_json_valid(pl, np)) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "type is JWT but payload is not JSON");
        goto out;
    }
    ks_buf_reset(&msg);
    ks_base64_encode(&res, hdr, nh, KS_B64_URL | KS_B64_NOPAD);
    ks_buf_putc(&res, '.');
    ks_base64_encode(&res, pl, np, KS_B64_URL | KS_B64_NOPAD);
    if (res.err) {
        rc = nomem(c);
        goto out;
    }
    if (rg_jwt_sign(&keys.k[0], alg, res.data, res.len, &sig, &msg)) {
        rc = msg.len ? rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg)) : nomem(c);
        goto out;
    }
    ks_buf_putc(&res, '.');
    ks_base64_encode(&res, sig.data ? sig.data : "", sig.len, KS_B64_URL | KS_B64_NOPAD);
    rc = res.err ? nomem(c) : rg_make_string_buf(c, &res, out);
out:
    rg_jwt_keys_free(&keys);
    ks_buf_free(&msg);
    ks_buf_free(&val);
    ks_buf_free(&res);
    ks_buf_free(&sig);
    return rc;
}

static int bi_encode_sign_raw(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *h = NULL, *p = NULL, *k = NULL;
    size_t nh = 0, np = 0, nk = 0;
    int rc;
    if ((rc = rg_arg_string(c, args, 2, &k, &nk)) || (rc = rg_arg_string(c, args, 0, &h, &nh)) ||
        (rc = rg_arg_string(c, args, 1, &p, &np)))
        return rc;
    return encode_sign(c, h, nh, p, np, k, nk, out);
}

static int bi_encode_sign(rg_bctx *c, const kv_value *args, kv_value *out)
{
    static const char *const what[] = {"headers", "payload", "signature"};
    ks_buf b[3] = {KS_BUF_INIT, KS_BUF_INIT, KS_BUF_INIT};
    int rc = RG_OK;
    for (int i = 0; i < 3 && rc == RG_OK; i++)
        if (kv_json_write(&b[i], &args[i], KV_JSON_ESCAPE_HTML) < 0)
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "failed to marshal JWT %s", what[i]);
    if (rc == RG_OK)
        rc = encode_sign(c, ks_buf_cstr(&b[0]), b[0].len, ks_buf_cstr(&b[1]), b[1].len,
                         ks_buf_cstr(&b[2]), b[2].len, out);
    for (int i = 0; i < 3; i++)
        ks_buf_free(&b[i]);
    return rc;
}

#define S RG_T_STR
#define B RG_T_BOOL
#define O RG_T_OBJ
#define A RG_T_ARR
const rg_builtin_def rg_bi_jwt[] = {
        {"io.jwt.decode", 1, 0, {S}, A, bi_decode},
        {"io.jwt.decode_verify", 2, 0, {S, O}, A, bi_decode_verify},
        {"io.jwt.verify_rs256", 2, 0, {S, S}, B, bi_verify_rs256},
        {"io.jwt.verify_rs384", 2, 0, {S, S}, B, bi_verify_rs384},
        {"io.jwt.verify_rs512", 2, 0, {S, S}, B, bi_verify_rs512},
        {"io.jwt.verify_ps256", 2, 0, {S, S}, B, bi_verify_ps256},
        {"io.jwt.verify_ps384", 2, 0, {S, S}, B, bi_verify_ps384},
        {"io.jwt.verify_ps512", 2, 0, {S, S}, B, bi_verify_ps512},
        {"io.jwt.verify_es256", 2, 0, {S, S}, B, bi_verify_es256},
        {"io.jwt.verify_es384", 2, 0, {S, S}, B, bi_verify_es384},
        {"io.jwt.verify_es512", 2, 0, {S, S}, B, bi_verify_es512},
        {"io.jwt.verify_eddsa", 2, 0, {S, S}, B, bi_verify_eddsa},
        {"io.jwt.verify_hs256", 2, 0, {S, S}, B, bi_verify_hs256},
        {"io.jwt.verify_hs384", 2, 0, {S, S}, B, bi_verify_hs384},
        {"io.jwt.verify_hs512", 2, 0, {S, S}, B, bi_verify_hs512},
        {"io.jwt.encode_sign", 3, 0, {O, O, O}, S, bi_encode_sign},
        {"io.jwt.encode_sign_raw", 3, 0, {S, S, S}, S, bi_encode_sign_raw},
        {0},
};
